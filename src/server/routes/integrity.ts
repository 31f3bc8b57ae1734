import type { AppContext } from '../../app.ts';
import type { IntegrityService } from '../../integrity/index.ts';
import { actorOf } from '../actor.ts';
import { route, type RouteSpec } from '../route-spec.ts';
import {
  Anchor,
  AnchorBody,
  AuditLogPage,
  AuditLogQuery,
  AuditReport,
  Checkpoint,
  ConsistencyProof,
  ConsistencyQuery,
  ExportAnchorsQuery,
  InclusionProof,
  InclusionQuery,
  KeyIdParams,
  LogKey,
  TrustedKey,
  TrustedKeys,
  TrustKeyBody,
  TrustResult,
} from '../schemas/integrity.ts';
import type { FastifyRequest } from 'fastify';

const integrity = (app: AppContext, req: FastifyRequest): Promise<IntegrityService> => app.integrity(actorOf(req));

/** Trusted keys, the signing policy, the audit log with its proofs, anchors and provenance exports. */
export function integrityRoutes(app: AppContext): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/keys',
      operationId: 'listTrustedKeys',
      summary: 'Public keys and certificate roots the registry trusts for model signatures, and the signing policy',
      tag: 'integrity',
      responses: { 200: { description: 'trusted keys and policy', schema: TrustedKeys } },
      handler: async (req) => (await integrity(app, req)).trustedKeys(),
    }),
    route({
      method: 'POST',
      url: '/api/v1/keys',
      operationId: 'trustKey',
      summary: 'Trust a public key or certificate root (PEM); logged as `key.trust`',
      tag: 'integrity',
      body: TrustKeyBody,
      responses: { 201: { description: 'trusted (created false when it already was)', schema: TrustResult } },
      handler: async (req, reply) => {
        const r = await (await integrity(app, req)).trustKey(req.body);
        reply.code(r.created ? 201 : 200);
        return r;
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/v1/keys/:keyId',
      operationId: 'untrustKey',
      summary: 'Stop trusting a key; logged as `key.untrust`',
      tag: 'integrity',
      params: KeyIdParams,
      responses: { 200: { description: 'the key that was removed', schema: TrustedKey } },
      handler: async (req) => (await integrity(app, req)).untrustKey(req.params.keyId),
    }),
    route({
      method: 'GET',
      url: '/api/v1/audit/log',
      operationId: 'auditLog',
      summary: 'Events of the audit log with their leaf index; pass `nextCursor` as `after` for the next page',
      tag: 'integrity',
      querystring: AuditLogQuery,
      responses: { 200: { description: 'a page of events', schema: AuditLogPage } },
      handler: async (req) => (await integrity(app, req)).auditLog(req.query),
    }),
    route({
      method: 'GET',
      url: '/api/v1/audit/checkpoint',
      operationId: 'auditCheckpoint',
      summary: 'The latest signed checkpoint (C2SP signed note)',
      tag: 'integrity',
      responses: { 200: { description: 'the checkpoint', schema: Checkpoint } },
      handler: async (req) => (await integrity(app, req)).checkpoint(),
    }),
    route({
      method: 'GET',
      url: '/api/v1/audit/key',
      operationId: 'auditLogKey',
      summary: "The log's origin and the verifier key of its checkpoints",
      tag: 'integrity',
      responses: { 200: { description: 'the verifier key', schema: LogKey } },
      handler: async (req) => (await integrity(app, req)).logKey(),
    }),
    route({
      method: 'GET',
      url: '/api/v1/audit/proof/inclusion',
      operationId: 'auditInclusionProof',
      summary: 'Inclusion proof of leaf `index` in the checkpoint of `size` leaves (default: the latest)',
      tag: 'integrity',
      querystring: InclusionQuery,
      responses: {
        200: { description: 'the proof and its signed checkpoint', schema: InclusionProof },
      },
      handler: async (req) => {
        return (await integrity(app, req)).inclusionProof(req.query.index, req.query.size);
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/audit/proof/consistency',
      operationId: 'auditConsistencyProof',
      summary: 'Consistency proof from the checkpoint of `from` leaves to the checkpoint of `to` leaves (default: the latest)',
      tag: 'integrity',
      querystring: ConsistencyQuery,
      responses: {
        200: {
          description: 'the proof and both signed checkpoints',
          schema: ConsistencyProof,
        },
      },
      handler: async (req) => {
        return (await integrity(app, req)).consistencyProof(req.query.from, req.query.to);
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/audit/verify',
      operationId: 'auditVerify',
      summary: 'Recompute the whole log from the event rows and check every node, checkpoint and anchor',
      tag: 'integrity',
      responses: {
        200: {
          description: 'the report; `ok` is false when anything was found',
          schema: AuditReport,
        },
      },
      handler: async (req) => (await integrity(app, req)).verifyLog(),
    }),
    route({
      method: 'POST',
      url: '/api/v1/audit/anchors',
      operationId: 'recordAnchor',
      summary: 'Record where a checkpoint was published on an external ledger; logged as `anchor.record`',
      tag: 'integrity',
      body: AnchorBody,
      responses: { 201: { description: 'recorded', schema: Anchor } },
      handler: async (req, reply) => {
        const a = await (await integrity(app, req)).recordAnchor(req.body);
        reply.code(201);
        return a;
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/export/anchors',
      operationId: 'exportAnchors',
      summary: '`Blockchain_Anchors.json`: checkpoints to publish and where they were anchored (public data only)',
      tag: 'integrity',
      querystring: ExportAnchorsQuery,
      responses: { 200: { description: 'the anchors document', schema: { type: 'object', additionalProperties: true } } },
      handler: async (req) => (await integrity(app, req)).exportAnchors({ all: req.query.all === true }),
    }),
    route({
      method: 'GET',
      url: '/api/v1/export/provenance',
      operationId: 'exportProvenance',
      summary: '`Provenance_Hashes.csv`: one row per artifact file of every version',
      tag: 'integrity',
      responses: { 200: { description: 'RFC 4180 CSV', contentType: 'text/csv' } },
      handler: async (req, reply) => {
        const csv = await (await integrity(app, req)).exportProvenance();
        reply.type('text/csv; charset=utf-8');
        return csv;
      },
    }),
  ];
}
