import type { AddressInfo, Socket } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type RouteOptions } from 'fastify';
import type { AppContext } from '../app.ts';
import { ModelVaultError } from '../core/errors.ts';
import { packageVersion } from '../package-root.ts';
import { createMetrics, recordResponses } from './metrics.ts';
import { registerMonitorMetrics } from './monitor-metrics.ts';
import { buildOpenApi, type OpenApiDocument } from './openapi.ts';
import { problemOf, sendProblem } from './problem.ts';
import { JSON_BODY_LIMIT, type RouteSpec } from './route-spec.ts';
import { blobRoutes } from './routes/blobs.ts';
import { evaluationRoutes } from './routes/evaluation.ts';
import { eventRoutes } from './routes/events.ts';
import { integrityRoutes } from './routes/integrity.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { modelRoutes } from './routes/models.ts';
import { monitorRoutes } from './routes/monitor.ts';
import { operationsRoutes } from './routes/operations.ts';
import { scanRoutes } from './routes/scan.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { versionRoutes } from './routes/versions.ts';
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

function toFastify(route: RouteSpec): RouteOptions {
  const response: Record<number, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    if (r.schema && (r.contentType ?? 'application/json') === 'application/json') response[Number(status)] = r.schema;
  }
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
    ...modelRoutes(app),
    ...versionRoutes(app),
    ...lifecycleRoutes(app),
    ...eventRoutes(app),
    ...scanRoutes(app),
    ...integrityRoutes(app),
    ...blobRoutes(app),
    ...uploadRoutes(app),
    ...monitorRoutes(app),
    ...evaluationRoutes(app),
  ];
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
  });
  server.setValidatorCompiler(validatorCompiler);
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

  for (const route of routes.filter((r) => !r.rawBody)) server.route(toFastify(route));
  // Raw-body routes stream whatever arrives, whatever its declared type, with no size limit.
  await server.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/octet-stream', '*'], (_request, payload, done) => done(null, payload));
    for (const route of routes.filter((r) => r.rawBody)) scope.route(toFastify(route));
  });
  await server.ready();
  return server;
}

/** Builds the server and listens on `host:port` (port 0 picks a free one). */
export async function startServer(app: AppContext, options: { host: string; port: number; logger?: boolean }): Promise<RunningServer> {
  const server = await buildServer(app, { logger: options.logger ?? true });
  await server.listen({ host: options.host, port: options.port });
  const addr = server.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `http://${host}:${addr.port}`, host: addr.address, port: addr.port, server, close: () => server.close() };
}
