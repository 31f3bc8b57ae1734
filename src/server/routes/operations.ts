import { sql } from '../../storage/db/kysely.ts';
import type { AppContext } from '../../app.ts';
import { ModelVaultError, toModelVaultError } from '../../core/errors.ts';
import type { HttpMetrics } from '../metrics.ts';
import type { OpenApiDocument } from '../openapi.ts';
import { route, type RouteSpec } from '../route-spec.ts';
import { Health, OpenApiJson } from '../schemas/operations.ts';

/** Health, readiness, metrics and the OpenAPI document. */
export function operationsRoutes(app: AppContext, metrics: HttpMetrics, openapi: () => OpenApiDocument): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/healthz',
      operationId: 'health',
      summary: 'The process is alive',
      tag: 'operations',
      responses: { 200: { description: 'alive', schema: Health } },
      handler: async () => ({ status: 'ok' }),
    }),
    route({
      method: 'GET',
      url: '/readyz',
      operationId: 'ready',
      summary: 'The database answers and the blob store is usable',
      tag: 'operations',
      responses: { 200: { description: 'ready', schema: Health } },
      handler: async () => {
        try {
          await sql`select 1`.execute(app.metadata.db);
          await app.blobs.ready();
        } catch (err) {
          const e = toModelVaultError(err);
          throw new ModelVaultError('storage_unavailable', `not ready: ${e.message}`, { hint: 'check the database and blob storage settings' }, { cause: err });
        }
        return { status: 'ready' };
      },
    }),
    route({
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      responses: { 200: { description: 'metrics in the Prometheus text format', contentType: 'text/plain' } },
      handler: async (_request, reply) => {
        reply.type(metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document',
      tag: 'operations',
      responses: { 200: { description: 'the OpenAPI document', schema: OpenApiJson } },
      handler: async () => openapi(),
    }),
  ];
}
