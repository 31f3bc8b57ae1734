import type { AppContext } from '../../app.ts';
import type { IntegrityService } from '../../integrity/index.ts';
import { actorOf } from '../actor.ts';
import type { RouteSpec } from '../route-spec.ts';
import type { JsonSchema } from '../schemas.ts';
import type { FastifyRequest } from 'fastify';

const str = (maxLength: number, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', maxLength, ...extra });
const obj = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({ type: 'object', properties, required, additionalProperties: false });
const Count: JsonSchema = { type: 'integer', minimum: 0 };
const Positive: JsonSchema = { type: 'integer', minimum: 1 };
const KeyId = str(64, { pattern: '^[0-9a-f]{64}$', description: 'sha256 hex of the public key PEM' });
const TrustedKey = obj({ keyId: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string', enum: ['public_key', 'certificate'] }, pem: { type: 'string' }, addedBy: { type: 'string' }, addedAt: { type: 'string' } });
const SigningPolicy = obj({ requireSignature: { type: 'array', items: { type: 'string' } }, trustedKeys: { type: 'array', items: { type: 'string' } } }, ['requireSignature']);
const Checkpoint = obj({ origin: { type: 'string' }, size: Count, rootHash: { type: 'string' }, note: { type: 'string' } });
const B64List: JsonSchema = { type: 'array', items: { type: 'string' } };
const AuditEntry = obj({ index: Count, id: Count, time: { type: 'string' }, actor: { type: 'string' }, action: { type: 'string' }, subject: { type: 'string' }, model: { type: ['string', 'null'] }, payload: { type: 'object', additionalProperties: true } });
const Anchor = obj({ id: Count, checkpointSize: Count, rootHash: { type: 'string' }, ledger: { type: 'string' }, tx: { type: 'string' }, recordedBy: { type: 'string' }, recordedAt: { type: 'string' } });
const AuditProblem = { type: 'object', additionalProperties: true, required: ['kind', 'message'], properties: { kind: { type: 'string' }, message: { type: 'string' } } };

const integrity = (app: AppContext, req: FastifyRequest): IntegrityService => app.integrity(actorOf(req));

/** Trusted keys, the signing policy, the audit log with its proofs, anchors and provenance exports. */
export function integrityRoutes(app: AppContext): RouteSpec[] {
  return [
    {
      method: 'GET',
      url: '/api/v1/keys',
      operationId: 'listTrustedKeys',
      summary: 'Public keys and certificate roots the registry trusts for model signatures, and the signing policy',
      tag: 'integrity',
      responses: { 200: { description: 'trusted keys and policy', schema: obj({ items: { type: 'array', items: TrustedKey }, policy: SigningPolicy }) } },
      handler: async (req) => integrity(app, req).trustedKeys(),
    },
    {
      method: 'POST',
      url: '/api/v1/keys',
      operationId: 'trustKey',
      summary: 'Trust a public key or certificate root (PEM); logged as `key.trust`',
      tag: 'integrity',
      body: obj({ pem: str(65_536), name: str(128) }, ['pem']),
      responses: { 201: { description: 'trusted (created false when it already was)', schema: obj({ key: TrustedKey, created: { type: 'boolean' } }) } },
      handler: async (req, reply) => {
        const r = await integrity(app, req).trustKey(req.body as { pem: string; name?: string });
        reply.code(r.created ? 201 : 200);
        return r;
      },
    },
    {
      method: 'DELETE',
      url: '/api/v1/keys/:keyId',
      operationId: 'untrustKey',
      summary: 'Stop trusting a key; logged as `key.untrust`',
      tag: 'integrity',
      params: obj({ keyId: KeyId }),
      responses: { 200: { description: 'the key that was removed', schema: TrustedKey } },
      handler: async (req) => integrity(app, req).untrustKey((req.params as { keyId: string }).keyId),
    },
    {
      method: 'GET',
      url: '/api/v1/audit/log',
      operationId: 'auditLog',
      summary: 'Events of the audit log with their leaf index; pass `nextCursor` as `after` for the next page',
      tag: 'integrity',
      querystring: obj({ model: str(128), since: str(64), after: { type: 'integer', minimum: -1 }, limit: { type: 'integer', minimum: 1, maximum: 1000 } }, []),
      responses: { 200: { description: 'a page of events', schema: obj({ items: { type: 'array', items: AuditEntry }, nextCursor: { type: ['integer', 'null'] } }) } },
      handler: async (req) => integrity(app, req).auditLog(req.query as { model?: string; since?: string; after?: number; limit?: number }),
    },
    {
      method: 'GET',
      url: '/api/v1/audit/checkpoint',
      operationId: 'auditCheckpoint',
      summary: 'The latest signed checkpoint (C2SP signed note)',
      tag: 'integrity',
      responses: { 200: { description: 'the checkpoint', schema: Checkpoint } },
      handler: async (req) => integrity(app, req).checkpoint(),
    },
    {
      method: 'GET',
      url: '/api/v1/audit/key',
      operationId: 'auditLogKey',
      summary: "The log's origin and the verifier key of its checkpoints",
      tag: 'integrity',
      responses: { 200: { description: 'the verifier key', schema: obj({ origin: { type: 'string' }, verifierKey: { type: 'string' } }) } },
      handler: async (req) => integrity(app, req).logKey(),
    },
    {
      method: 'GET',
      url: '/api/v1/audit/proof/inclusion',
      operationId: 'auditInclusionProof',
      summary: 'Inclusion proof of leaf `index` in the checkpoint of `size` leaves (default: the latest)',
      tag: 'integrity',
      querystring: obj({ index: Count, size: Positive }, ['index']),
      responses: {
        200: { description: 'the proof and its signed checkpoint', schema: obj({ index: Count, size: Count, leafHash: { type: 'string' }, proof: B64List, rootHash: { type: 'string' }, checkpoint: { type: 'string' } }) },
      },
      handler: async (req) => {
        const q = req.query as { index: number; size?: number };
        return integrity(app, req).inclusionProof(q.index, q.size);
      },
    },
    {
      method: 'GET',
      url: '/api/v1/audit/proof/consistency',
      operationId: 'auditConsistencyProof',
      summary: 'Consistency proof from the checkpoint of `from` leaves to the checkpoint of `to` leaves (default: the latest)',
      tag: 'integrity',
      querystring: obj({ from: Positive, to: Positive }, ['from']),
      responses: {
        200: {
          description: 'the proof and both signed checkpoints',
          schema: obj({ from: Count, to: Count, proof: B64List, fromRoot: { type: 'string' }, toRoot: { type: 'string' }, fromCheckpoint: { type: 'string' }, toCheckpoint: { type: 'string' } }),
        },
      },
      handler: async (req) => {
        const q = req.query as { from: number; to?: number };
        return integrity(app, req).consistencyProof(q.from, q.to);
      },
    },
    {
      method: 'POST',
      url: '/api/v1/audit/verify',
      operationId: 'auditVerify',
      summary: 'Recompute the whole log from the event rows and check every node, checkpoint and anchor',
      tag: 'integrity',
      responses: {
        200: {
          description: 'the report; `ok` is false when anything was found',
          schema: obj({ ok: { type: 'boolean' }, size: Count, checked: obj({ events: Count, checkpoints: Count, anchors: Count }), problems: { type: 'array', items: AuditProblem } }),
        },
      },
      handler: async (req) => integrity(app, req).verifyLog(),
    },
    {
      method: 'POST',
      url: '/api/v1/audit/anchors',
      operationId: 'recordAnchor',
      summary: 'Record where a checkpoint was published on an external ledger; logged as `anchor.record`',
      tag: 'integrity',
      body: obj({ checkpointSize: Positive, ledger: str(256), tx: str(256) }),
      responses: { 201: { description: 'recorded', schema: Anchor } },
      handler: async (req, reply) => {
        const a = await integrity(app, req).recordAnchor(req.body as { checkpointSize: number; ledger: string; tx: string });
        reply.code(201);
        return a;
      },
    },
    {
      method: 'GET',
      url: '/api/v1/export/anchors',
      operationId: 'exportAnchors',
      summary: '`Blockchain_Anchors.json`: checkpoints to publish and where they were anchored (public data only)',
      tag: 'integrity',
      querystring: obj({ all: { type: 'boolean' } }, []),
      responses: { 200: { description: 'the anchors document', schema: { type: 'object', additionalProperties: true } } },
      handler: async (req) => integrity(app, req).exportAnchors({ all: (req.query as { all?: boolean }).all === true }),
    },
    {
      method: 'GET',
      url: '/api/v1/export/provenance',
      operationId: 'exportProvenance',
      summary: '`Provenance_Hashes.csv`: one row per artifact file of every version',
      tag: 'integrity',
      responses: { 200: { description: 'RFC 4180 CSV', contentType: 'text/csv' } },
      handler: async (req, reply) => {
        const csv = await integrity(app, req).exportProvenance();
        reply.type('text/csv; charset=utf-8');
        return csv;
      },
    },
  ];
}
