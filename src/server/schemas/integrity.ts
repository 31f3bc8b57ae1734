import { SHA256_HEX_PATTERN } from '../../core/digest.ts';
import { AnyObject, Closed, Count, Limit, Matching, Nullable, StringEnum, Str, Type } from '../../core/schema.ts';

// Trusted keys, the signing policy, the audit log with its proofs, and anchors as the HTTP API carries them.

const Text = Type.String();
const Positive = Type.Integer({ minimum: 1 });
const B64List = Type.Array(Text);

export const KeyIdParams = Closed({ keyId: Matching(SHA256_HEX_PATTERN, 64, { description: 'sha256 hex of the public key PEM' }) });
export const TrustedKey = Closed({ keyId: Text, name: Text, kind: StringEnum(['public_key', 'certificate']), pem: Text, addedBy: Text, addedAt: Text });
export const SigningPolicy = Closed({ requireSignature: Type.Array(Text), trustedKeys: Type.Optional(Type.Array(Text)) });
export const TrustedKeys = Closed({ items: Type.Array(TrustedKey), policy: SigningPolicy });
export const TrustKeyBody = Closed({ pem: Str(65_536), name: Type.Optional(Str(128)) });
export const TrustResult = Closed({ key: TrustedKey, created: Type.Boolean() });

export const AuditEntry = Closed({ index: Count, id: Count, time: Text, actor: Text, action: Text, subject: Text, model: Nullable(Text), payload: AnyObject });
export const AuditLogQuery = Closed({ model: Type.Optional(Str(128)), since: Type.Optional(Str(64)), after: Type.Optional(Type.Integer({ minimum: -1 })), limit: Type.Optional(Limit) });
export const AuditLogPage = Closed({ items: Type.Array(AuditEntry), nextCursor: Nullable(Type.Integer()) });
export const Checkpoint = Closed({ origin: Text, size: Count, rootHash: Text, note: Text });
export const LogKey = Closed({ origin: Text, verifierKey: Text });
export const InclusionQuery = Closed({ index: Count, size: Type.Optional(Positive) });
export const InclusionProof = Closed({ index: Count, size: Count, leafHash: Text, proof: B64List, rootHash: Text, checkpoint: Text });
export const ConsistencyQuery = Closed({ from: Positive, to: Type.Optional(Positive) });
export const ConsistencyProof = Closed({ from: Count, to: Count, proof: B64List, fromRoot: Text, toRoot: Text, fromCheckpoint: Text, toCheckpoint: Text });
const AuditProblem = Type.Object({ kind: Text, message: Text }, { additionalProperties: true });
export const AuditReport = Closed({ ok: Type.Boolean(), size: Count, checked: Closed({ events: Count, checkpoints: Count, anchors: Count }), problems: Type.Array(AuditProblem) });
export const AnchorBody = Closed({ checkpointSize: Positive, ledger: Str(256), tx: Str(256) });
export const Anchor = Closed({ id: Count, checkpointSize: Count, rootHash: Text, ledger: Text, tx: Text, recordedBy: Text, recordedAt: Text });
export const ExportAnchorsQuery = Closed({ all: Type.Optional(Type.Boolean()) });
