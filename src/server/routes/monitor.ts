import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../app.ts';
import { ModelVaultError } from '../../core/errors.ts';
import { decodeProfile, type MonitorService } from '../../monitor/index.ts';
import { actorOf } from '../actor.ts';
import { route, type RouteSpec } from '../route-spec.ts';
import { DriftBody, MonitorReport, ProfileQuery } from '../schemas/monitor.ts';
import { NameParams, SelectorParams } from '../schemas/registry.ts';
import { rawBody } from './blobs.ts';

/** Largest observation batch body (JSON lines). */
const OBSERVATIONS_LIMIT = 512 * (1 << 20);
/** Largest uploaded profile. */
const PROFILE_LIMIT = 256 * (1 << 20);

async function readBody(stream: NodeJS.ReadableStream, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = c as Buffer;
    size += b.length;
    if (size > limit) throw new ModelVaultError('payload_too_large', `${what} is larger than ${limit / (1 << 20)} MiB`, { hint: 'split it into several requests' });
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Reference profiles, observations, drift windows and model health. */
export function monitorRoutes(app: AppContext): RouteSpec[] {
  const monitor = (req: FastifyRequest): Promise<MonitorService> => app.monitor(actorOf(req));
  const refOf = (p: { name: string; selector: string }): string => `${p.name}@${p.selector}`;
  const base = '/api/v1/models/:name/versions/:selector';
  return [
    route({
      method: 'PUT',
      url: `${base}/profile`,
      operationId: 'putProfile',
      summary: 'Store a reference profile computed by a client (the JSON `modelvault profile` produces)',
      tag: 'monitoring',
      params: SelectorParams,
      querystring: ProfileQuery,
      rawBody: true,
      responses: { 200: { description: 'the stored profile', schema: MonitorReport } },
      handler: async (req) => {
        const body = await readBody(rawBody(req), PROFILE_LIMIT, 'the profile');
        let reference;
        try {
          reference = decodeProfile(body);
        } catch (err) {
          throw new ModelVaultError('invalid_input', `the profile is not JSON: ${(err as Error).message}`, {}, { cause: err });
        }
        return (await monitor(req)).putProfile(refOf(req.params), reference, req.query.source ?? 'upload');
      },
    }),
    route({
      method: 'POST',
      url: `${base}/profile`,
      operationId: 'profileFromVersion',
      summary: "Compute and store the reference profile from the version's own training or evaluation data",
      tag: 'monitoring',
      params: SelectorParams,
      responses: { 200: { description: 'the stored profile', schema: MonitorReport } },
      handler: async (req) => (await monitor(req)).profileFromVersion(refOf(req.params)),
    }),
    route({
      method: 'GET',
      url: `${base}/profile`,
      operationId: 'getProfile',
      summary: 'The latest reference profile of a version (without its samples)',
      tag: 'monitoring',
      params: SelectorParams,
      responses: { 200: { description: 'the profile summary', schema: MonitorReport } },
      handler: async (req) => (await monitor(req)).getProfile(refOf(req.params)),
    }),
    route({
      method: 'POST',
      url: `${base}/observations`,
      operationId: 'observe',
      summary: 'Ingest observations: JSON lines of {features, prediction, label?, latency_ms?, timestamp?, error?}',
      tag: 'monitoring',
      params: SelectorParams,
      rawBody: true,
      responses: { 200: { description: 'how many were stored', schema: MonitorReport } },
      handler: async (req) => {
        const body = await readBody(rawBody(req), OBSERVATIONS_LIMIT, 'the observation batch');
        return (await monitor(req)).observe(refOf(req.params), body.toString('utf8'));
      },
    }),
    route({
      method: 'POST',
      url: `${base}/drift`,
      operationId: 'drift',
      summary: 'Compare a window of observations with the reference profile, record it and evaluate the alert rules',
      tag: 'monitoring',
      params: SelectorParams,
      body: DriftBody,
      responses: { 200: { description: 'the drift report', schema: MonitorReport } },
      handler: async (req) => {
        const b = req.body ?? {};
        return (await monitor(req)).drift(refOf(req.params), { ...(b.window ? { window: b.window } : {}), ...(b.method !== undefined ? { method: b.method } : {}) });
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:name/health',
      operationId: 'modelHealth',
      summary: 'Accuracy trend, latency distribution, drift scores, version adoption, error rate and open alerts',
      tag: 'monitoring',
      params: NameParams,
      responses: { 200: { description: 'the health report', schema: MonitorReport } },
      handler: async (req) => (await monitor(req)).health(req.params.name),
    }),
  ];
}
