import type { Static } from '../core/schema.ts';
import type * as S from './schemas.ts';

/** The latest signed tree head of the audit log. */
export type SignedCheckpoint = Static<typeof S.SignedCheckpoint>;
/** Proof that leaf `index` is in the tree of `size` leaves whose signed checkpoint is `checkpoint`. */
export type InclusionProof = Static<typeof S.InclusionProof>;
/** Proof that the tree of `from` leaves is a prefix of the tree of `to` leaves. */
export type ConsistencyProof = Static<typeof S.ConsistencyProof>;
/** Where a checkpoint was published. */
export type Anchor = Static<typeof S.Anchor>;
/** What `recordAnchor` needs. */
export type AnchorInput = Static<typeof S.AnchorInput>;
/** The kinds of problem `verify` reports. */
export type AuditProblemKind = (typeof S.AUDIT_PROBLEM_KINDS)[number];
/** One thing `verify` found wrong, naming the row, node, checkpoint or anchor at fault. */
export type AuditProblem = Static<typeof S.AuditProblem>;
/** Outcome of `verify`. */
export type AuditReport = Static<typeof S.AuditReport>;
/** One event of the audit log with its leaf index. */
export type AuditLogEntry = Static<typeof S.AuditLogEntry>;
/** Filters for `auditLog`. */
export type AuditLogFilter = Static<typeof S.AuditLogFilter>;
/** A page of audit log entries; `nextCursor` is the leaf index to pass as `after`. */
export type AuditLogPage = Static<typeof S.AuditLogPage>;
