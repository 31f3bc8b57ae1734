import type { AppContext } from '../../app.ts';
import { parseReference } from '../../core/reference.ts';
import { ModelVaultError } from '../../core/errors.ts';
import { decodeProfile, MAX_METHOD_SPEC_LENGTH, MonitorService } from '../../monitor/index.ts';
import { actorOf } from '../actor.ts';
import type { HttpMetrics } from '../metrics.ts';
import { registerMonitorMetrics } from '../monitor-metrics.ts';
import type { RouteSpec } from '../route-spec.ts';
import { rawBody } from './blobs.ts';

type SelP = { name: string; selector: string };

const obj = (properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> => ({ type: 'object', properties, required, additionalProperties: false });
const Params = obj({ name: { type: 'string', maxLength: 128, pattern: '^[a-z0-9][a-z0-9._-]{0,127}$' }, selector: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]*$' } }, ['name', 'selector']);
const NameOnly = obj({ name: { type: 'string', maxLength: 128, pattern: '^[a-z0-9][a-z0-9._-]{0,127}$' } }, ['name']);
const AnyJson = { type: 'object', additionalProperties: true };
const DriftBody = obj({ window: { type: 'string', maxLength: 16, description: 'a count (10000) or a duration (30m, 1h, 7d)' }, method: { type: 'string', maxLength: MAX_METHOD_SPEC_LENGTH, description: 'auto, one method (ks, psi, js, wasserstein, chi2, z), or entries per type and feature: numeric=ks,categorical=chi2,amount=wasserstein' } });
const ProfileQuery = obj({ source: { type: 'string', maxLength: 500, description: 'where the reference data came from' } });

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
export function monitorRoutes(app: AppContext, metrics: HttpMetrics): RouteSpec[] {
  const monitor = new MonitorService(app, 'anonymous');
  registerMonitorMetrics(metrics.registry, monitor);
  const refOf = (p: SelP): string => {
    const ref = `${p.name}@${p.selector}`;
    parseReference(ref);
    return ref;
  };
  const base = '/api/v1/models/:name/versions/:selector';
  return [
    {
      method: 'PUT',
      url: `${base}/profile`,
      operationId: 'putProfile',
      summary: 'Store a reference profile computed by a client (the JSON `modelvault profile` produces)',
      tag: 'monitoring',
      params: Params,
      querystring: ProfileQuery,
      rawBody: true,
      responses: { 200: { description: 'the stored profile', schema: AnyJson } },
      handler: async (req) => {
        const body = await readBody(rawBody(req), PROFILE_LIMIT, 'the profile');
        let reference;
        try {
          reference = decodeProfile(body);
        } catch (err) {
          throw new ModelVaultError('invalid_input', `the profile is not JSON: ${(err as Error).message}`, {}, { cause: err });
        }
        return monitor.as(actorOf(req)).putProfile(refOf(req.params as SelP), reference, (req.query as { source?: string }).source ?? 'upload');
      },
    },
    {
      method: 'POST',
      url: `${base}/profile`,
      operationId: 'profileFromVersion',
      summary: "Compute and store the reference profile from the version's own training or evaluation data",
      tag: 'monitoring',
      params: Params,
      responses: { 200: { description: 'the stored profile', schema: AnyJson } },
      handler: async (req) => monitor.as(actorOf(req)).profileFromVersion(refOf(req.params as SelP)),
    },
    {
      method: 'GET',
      url: `${base}/profile`,
      operationId: 'getProfile',
      summary: 'The latest reference profile of a version (without its samples)',
      tag: 'monitoring',
      params: Params,
      responses: { 200: { description: 'the profile summary', schema: AnyJson } },
      handler: async (req) => monitor.as(actorOf(req)).getProfile(refOf(req.params as SelP)),
    },
    {
      method: 'POST',
      url: `${base}/observations`,
      operationId: 'observe',
      summary: 'Ingest observations: JSON lines of {features, prediction, label?, latency_ms?, timestamp?, error?}',
      tag: 'monitoring',
      params: Params,
      rawBody: true,
      responses: { 200: { description: 'how many were stored', schema: AnyJson } },
      handler: async (req) => {
        const body = await readBody(rawBody(req), OBSERVATIONS_LIMIT, 'the observation batch');
        return monitor.as(actorOf(req)).observe(refOf(req.params as SelP), body.toString('utf8'));
      },
    },
    {
      method: 'POST',
      url: `${base}/drift`,
      operationId: 'drift',
      summary: 'Compare a window of observations with the reference profile, record it and evaluate the alert rules',
      tag: 'monitoring',
      params: Params,
      body: DriftBody,
      responses: { 200: { description: 'the drift report', schema: AnyJson } },
      handler: async (req) => {
        const b = (req.body ?? {}) as { window?: string; method?: string };
        return monitor.as(actorOf(req)).drift(refOf(req.params as SelP), { ...(b.window ? { window: b.window } : {}), ...(b.method !== undefined ? { method: b.method } : {}) });
      },
    },
    {
      method: 'GET',
      url: '/api/v1/models/:name/health',
      operationId: 'modelHealth',
      summary: 'Accuracy trend, latency distribution, drift scores, version adoption, error rate and open alerts',
      tag: 'monitoring',
      params: NameOnly,
      responses: { 200: { description: 'the health report', schema: AnyJson } },
      handler: async (req) => monitor.as(actorOf(req)).health((req.params as { name: string }).name),
    },
  ];
}
