/** The latest signed tree head of the audit log. */
export interface SignedCheckpoint {
  origin: string;
  size: number;
  /** Base64 of the RFC 9162 root hash. */
  rootHash: string;
  /** The C2SP signed note. */
  note: string;
}

/** Proof that leaf `index` is in the tree of `size` leaves whose signed checkpoint is `checkpoint`. */
export interface InclusionProof {
  index: number;
  size: number;
  /** Base64 of the leaf hash. */
  leafHash: string;
  /** Base64 hashes, lowest level first (RFC 9162 §2.1.3). */
  proof: string[];
  /** Base64 root hash at `size`, as signed in `checkpoint`. */
  rootHash: string;
  /** The signed note of the checkpoint at `size`. */
  checkpoint: string;
}

/** Proof that the tree of `from` leaves is a prefix of the tree of `to` leaves. */
export interface ConsistencyProof {
  from: number;
  to: number;
  /** Base64 hashes (RFC 9162 §2.1.4). */
  proof: string[];
  fromRoot: string;
  toRoot: string;
  fromCheckpoint: string;
  toCheckpoint: string;
}

/** Where a checkpoint was published. */
export interface Anchor {
  id: number;
  checkpointSize: number;
  /** Base64 root hash of the anchored checkpoint. */
  rootHash: string;
  ledger: string;
  tx: string;
  recordedBy: string;
  recordedAt: string;
}

/** What `recordAnchor` needs. */
export interface AnchorInput {
  checkpointSize: number;
  /** The ledger's name, e.g. `ethereum-mainnet`. */
  ledger: string;
  /** The transaction (or entry) id on that ledger. */
  tx: string;
}

/** The kinds of problem `verify` reports. */
export type AuditProblemKind =
  | 'event_edited'
  | 'event_missing'
  | 'event_reordered'
  | 'event_duplicate'
  | 'event_unlogged'
  | 'node_missing'
  | 'node_mismatch'
  | 'node_extra'
  | 'log_broken'
  | 'checkpoint_signature'
  | 'checkpoint_mismatch'
  | 'checkpoint_root'
  | 'checkpoint_beyond_log'
  | 'checkpoint_missing'
  | 'anchor_unknown_checkpoint'
  | 'anchor_root'
  | 'anchor_unlogged'
  | 'too_many_problems';

/** One thing `verify` found wrong, naming the row, node, checkpoint or anchor at fault. */
export interface AuditProblem {
  kind: AuditProblemKind;
  /** Leaf index of the event (or tree node index, for node problems). */
  index?: number;
  /** Database id of the event row or anchor. */
  id?: number;
  /** Tree level, for node problems. */
  level?: number;
  /** Checkpoint size, for checkpoint and anchor problems. */
  size?: number;
  message: string;
}

/** Outcome of `verify`. */
export interface AuditReport {
  ok: boolean;
  /** Leaves in the log (the largest of stored leaves, logged event rows and checkpoint sizes). */
  size: number;
  checked: { events: number; checkpoints: number; anchors: number };
  problems: AuditProblem[];
}

/** One event of the audit log with its leaf index. */
export interface AuditLogEntry {
  index: number;
  id: number;
  time: string;
  actor: string;
  action: string;
  subject: string;
  model: string | null;
  payload: Record<string, unknown>;
}

/** Filters for `auditLog`. */
export interface AuditLogFilter {
  model?: string;
  /** Only events at or after this ISO time. */
  since?: string;
  /** Only events whose leaf index is above this one (the previous page's `nextCursor`). */
  after?: number;
  limit?: number;
}

/** A page of audit log entries; `nextCursor` is the leaf index to pass as `after`. */
export interface AuditLogPage {
  items: AuditLogEntry[];
  nextCursor: number | null;
}
