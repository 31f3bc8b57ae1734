import { AnyObject, Closed, Count, Limit, Nullable, Str, StringEnum, Type } from '../core/schema.ts';

// The audit log's values as JSON Schemas, declared once: types.ts derives its types from them and the
// HTTP API validates and documents with them.

const Text = Type.String();
const Base64List = Type.Array(Text);

/** The kinds of problem `verify` reports. */
export const AUDIT_PROBLEM_KINDS = [
  'event_edited',
  'event_missing',
  'event_reordered',
  'event_duplicate',
  'event_unlogged',
  'node_missing',
  'node_mismatch',
  'node_extra',
  'log_broken',
  'checkpoint_signature',
  'checkpoint_mismatch',
  'checkpoint_root',
  'checkpoint_beyond_log',
  'checkpoint_missing',
  'anchor_unknown_checkpoint',
  'anchor_root',
  'anchor_unlogged',
  'version_unlogged',
  'version_altered',
  'evidence_unlogged',
  'evidence_altered',
  'too_many_problems',
] as const;

/** The latest signed tree head: `rootHash` is base64 of the RFC 9162 root, `note` the C2SP signed note. */
export const SignedCheckpoint = Closed({ origin: Text, size: Count, rootHash: Text, note: Text });

/** Proof that leaf `index` is in the tree of `size` leaves; `proof` is base64 hashes, lowest level first (RFC 9162 §2.1.3). */
export const InclusionProof = Closed({ index: Count, size: Count, leafHash: Text, proof: Base64List, rootHash: Text, checkpoint: Text });

/** Proof that the tree of `from` leaves is a prefix of the tree of `to` leaves (RFC 9162 §2.1.4). */
export const ConsistencyProof = Closed({ from: Count, to: Count, proof: Base64List, fromRoot: Text, toRoot: Text, fromCheckpoint: Text, toCheckpoint: Text });

/** Where a checkpoint was published; `rootHash` is base64 of the anchored checkpoint's root. */
export const Anchor = Closed({ id: Count, checkpointSize: Count, rootHash: Text, ledger: Text, tx: Text, recordedBy: Text, recordedAt: Text });

/** What `recordAnchor` needs: the checkpoint, the ledger's name (e.g. `ethereum-mainnet`) and the transaction id on it. */
export const AnchorInput = Closed({ checkpointSize: Type.Integer({ minimum: 1 }), ledger: Str(256), tx: Str(256) });

/** One thing `verify` found wrong, naming the event (leaf index, row id), tree node (index, level), checkpoint or anchor (size). */
export const AuditProblem = Closed({
  kind: StringEnum(AUDIT_PROBLEM_KINDS),
  index: Type.Optional(Count),
  id: Type.Optional(Count),
  level: Type.Optional(Count),
  size: Type.Optional(Count),
  message: Text,
});

/**
 * Outcome of `verify`; `size` is the largest of stored leaves, logged event rows and checkpoint sizes. `versions`
 * and `evidence` count the rows compared with what the log recorded of them (absent when only the log was checked).
 */
export const AuditReport = Closed({
  ok: Type.Boolean(),
  size: Count,
  checked: Closed({ events: Count, checkpoints: Count, anchors: Count, versions: Type.Optional(Count), evidence: Type.Optional(Count) }),
  problems: Type.Array(AuditProblem),
});

/** One event of the audit log with its leaf index. */
export const AuditLogEntry = Closed({ index: Count, id: Count, time: Text, actor: Text, action: Text, subject: Text, model: Nullable(Text), payload: AnyObject });

/** Filters of the audit log: a model, events at or after an ISO time, leaf indexes above `after` (the previous page's cursor). */
export const AuditLogFilter = Closed({ model: Type.Optional(Str(128)), since: Type.Optional(Str(64)), after: Type.Optional(Type.Integer({ minimum: -1 })), limit: Type.Optional(Limit) });

/** A page of audit log entries; `nextCursor` is the leaf index to pass as `after`. */
export const AuditLogPage = Closed({ items: Type.Array(AuditLogEntry), nextCursor: Nullable(Type.Integer()) });
