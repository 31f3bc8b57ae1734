import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyInstance, type onRequestHookHandler, type RouteOptions } from 'fastify';
import type { AppContext } from '../app.ts';
import { ModelVaultError } from '../core/errors.ts';
import { packageVersion } from '../package-root.ts';
import { createMetrics, recordResponses } from './metrics.ts';
import { registerMonitorMetrics } from './monitor-metrics.ts';
import { buildOpenApi, type OpenApiDocument } from './openapi.ts';
import { accessHooks, type JwtVerifier } from './auth.ts';
import { bodyGuard } from './body-guard.ts';
import { checkJsonDepth } from './json-depth.ts';
import { rateLimit } from './rate-limit.ts';
import { ROUTE_ACCESS } from './permissions.ts';
import { problemOf, sendProblem } from './problem.ts';
import { JSON_BODY_LIMIT, type RouteSpec } from './route-spec.ts';
import { blobRoutes } from './routes/blobs.ts';
import { evaluationRoutes } from './routes/evaluation.ts';
import { eventRoutes } from './routes/events.ts';
import { identityRoutes } from './routes/identity.ts';
import { integrityRoutes } from './routes/integrity.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { modelRoutes } from './routes/models.ts';
import { monitorRoutes } from './routes/monitor.ts';
import { operationsRoutes } from './routes/operations.ts';
import { scanRoutes } from './routes/scan.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { versionRoutes } from './routes/versions.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { validatorCompiler } from './validator.ts';

export type { OpenApiDocument } from './openapi.ts';
export type { RouteSpec } from './route-spec.ts';

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:7750`. */
  url: string;
  host: string;
  port: number;
  server: FastifyInstance;
  close(): Promise<void>;
}

/** Fastify's options for `route`, with the hooks that enforce its declared access; a route without one is refused. */
function toFastify(route: RouteSpec, app: AppContext, verifyJwt: JwtVerifier | undefined, limiter?: onRequestHookHandler): RouteOptions {
  const access = ROUTE_ACCESS[route.operationId];
  if (!access) throw new Error(`route ${route.method} ${route.url} (${route.operationId}) declares no permission: add it to ROUTE_ACCESS in src/server/permissions.ts`);
  const response: Record<number, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    if (r.schema && (r.contentType ?? 'application/json') === 'application/json') response[Number(status)] = r.schema;
  }
  const guarded = accessHooks(app, access, verifyJwt);
  // After the caller is known: the rate limit when one is set, and for a route that takes a body, the watch over
  // its arrival (uploads are counted per user).
  const after: onRequestHookHandler[] = [];
  if (limiter) after.push(limiter);
  if (route.method !== 'GET' && route.method !== 'HEAD' && route.method !== 'DELETE') after.push(bodyGuard(app.config.server, route.rawBody === true));
  const hooks = after.length === 0 ? guarded : { ...guarded, onRequest: [guarded.onRequest, ...after] };
  return {
    method: route.method,
    url: route.url,
    schema: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.querystring ? { querystring: route.querystring } : {}),
      ...(route.headers ? { headers: route.headers } : {}),
      ...(route.body ? { body: route.body } : {}),
      response,
    },
    ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
    ...hooks,
    handler: route.handler,
  };
}

/** Answers requests Node's HTTP parser rejects (malformed headers, oversized heads) with a problem too. */
function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = problemOf(new ModelVaultError('invalid_input', 'the request is not valid HTTP', { hint: 'send a well-formed HTTP/1.1 request' }));
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${problem.status} Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

/** The complete route table of the API, in the order the OpenAPI document lists it. */
export function apiRoutes(app: AppContext, metrics: ReturnType<typeof createMetrics>, openapi: () => OpenApiDocument): RouteSpec[] {
  return [
    ...operationsRoutes(app, metrics, openapi),
    ...identityRoutes(app),
    ...modelRoutes(app),
    ...versionRoutes(app),
    ...lifecycleRoutes(app),
    ...eventRoutes(app),
    ...scanRoutes(app),
    ...integrityRoutes(app),
    ...blobRoutes(app),
    ...uploadRoutes(app),
    ...monitorRoutes(app),
    ...webhookRoutes(app),
    ...evaluationRoutes(app),
  ];
}

/** The verifier of single sign-on tokens when `auth.oidc` names issuers. */
async function jwtVerifier(app: AppContext): Promise<JwtVerifier | undefined> {
  if (app.config.auth.oidc.length === 0) return undefined;
  // Loaded only when single sign-on is configured; a mistake in auth.oidc stops the server from starting.
  const { OidcVerifier, parseOidcConfig } = await import('../auth/oidc.ts');
  const verifier = new OidcVerifier(parseOidcConfig(app.config.auth.oidc, join(app.settings.home, 'config.yaml')));
  return async (token) => {
    const id = await verifier.verify(token);
    return { username: id.username.toLowerCase(), roles: id.roles };
  };
}

/** Builds the HTTP API over `app` (not listening yet). */
export async function buildServer(app: AppContext, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const server = Fastify({
    logger: opts.logger ? { level: process.env.MODELVAULT_LOG_LEVEL ?? 'info' } : false,
    // One access-log line per request costs a fifth of a small request's CPU: it is logged at debug
    // level below (MODELVAULT_LOG_LEVEL=debug), while errors and slow requests are logged always.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: JSON_BODY_LIMIT,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 300 },
    clientErrorHandler,
    // Errors of the router, before any route runs: rendered as problems like every other error.
    frameworkErrors: (err, request, reply) => {
      const code = (err as { code?: string }).code;
      const mapped =
        code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ModelVaultError('invalid_input', 'a path segment of the URL is longer than 300 characters', { hint: 'names, versions and ids are far shorter; check the URL' })
          : code === 'FST_ERR_BAD_URL'
            ? new ModelVaultError('invalid_input', 'the URL is not valid (a broken percent-encoding)', { hint: 'percent-encode path segments with encodeURIComponent' })
            : err;
      return sendProblem(request, reply, mapped);
    },
  });
  server.setValidatorCompiler(validatorCompiler);
  // Fastify's own JSON parser (with its prototype-poisoning checks), after a check of how deep the text nests.
  const parseJson = server.getDefaultJsonParser('error', 'error');
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      checkJsonDepth(body as string);
    } catch (err) {
      return done(err as Error, undefined);
    }
    parseJson(request, body as string, done);
  });
  // Declared up front so every request object has the same shape (set by the access hooks).
  server.decorateRequest('principal', undefined);
  server.decorateRequest('actor', undefined);
  server.setErrorHandler((err, request, reply) => sendProblem(request, reply, err));
  server.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new ModelVaultError('not_found', `no route for ${request.method} ${request.url.split('?')[0]!.slice(0, 300)}`, { hint: 'see /api/v1/openapi.json' })),
  );
  const metrics = createMetrics();
  registerMonitorMetrics(metrics.registry, await app.monitor('anonymous'));
  recordResponses(server, metrics);

  let doc: OpenApiDocument | undefined;
  const routes = apiRoutes(app, metrics, () => doc!);
  doc = buildOpenApi(routes, packageVersion());

  const verifyJwt = await jwtVerifier(app);
  // One table of buckets for every route: the limit is per caller, not per route.
  const limiter = app.config.server.rateLimit > 0 ? rateLimit(app.config.server.rateLimit) : undefined;
  for (const route of routes.filter((r) => !r.rawBody)) server.route(toFastify(route, app, verifyJwt, limiter));
  // Raw-body routes stream whatever arrives, whatever its declared type, with no size limit.
  await server.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/octet-stream', '*'], (_request, payload, done) => done(null, payload));
    for (const route of routes.filter((r) => r.rawBody)) scope.route(toFastify(route, app, verifyJwt, limiter));
  });
  await server.ready();
  return server;
}

/** Builds the server and listens on `host:port` (port 0 picks a free one). */
export async function startServer(app: AppContext, options: { host: string; port: number; logger?: boolean }): Promise<RunningServer> {
  const server = await buildServer(app, { logger: options.logger ?? true });
  await server.listen({ host: options.host, port: options.port });
  // A long-running server sweeps the leftovers of interrupted writes every hour, as each start does.
  const sweeper = setInterval(() => void app.blobs.sweep?.().catch((err: unknown) => server.log.warn({ err }, 'could not remove leftover temp files or expired uploads')), 60 * 60 * 1000);
  sweeper.unref();
  const addr = server.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `http://${host}:${addr.port}`, host: addr.address, port: addr.port, server, close: () => {
    clearInterval(sweeper);
    return server.close();
  } };
}
