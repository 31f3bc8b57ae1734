export { appendAuditEvents, LOG_LOCK_KEY } from './append-events.ts';
export type { AppendResult, AuditEventInput } from './append-events.ts';
export { AuditService } from './audit-service.ts';
export { eventLeafData, eventLeafHash } from './event-leaf.ts';
export type { EventLeafFields } from './event-leaf.ts';
export { bindAuditLog } from './log-binding.ts';
export { loadLogKey, logKeyName } from './log-key.ts';
export type { LogKey, LogKeyOptions } from './log-key.ts';
export { checkConsistencyProof, checkInclusionProof, openLogCheckpoint } from './proofs.ts';
export { verifyLog } from './verify-log.ts';
export type { VerifyOptions } from './verify-log.ts';
export type {
  Anchor,
  AnchorInput,
  AuditLogEntry,
  AuditLogFilter,
  AuditLogPage,
  AuditProblem,
  AuditProblemKind,
  AuditReport,
  ConsistencyProof,
  InclusionProof,
  SignedCheckpoint,
} from './types.ts';
export { generateNoteKey, openCheckpoint, parseVerifierKey, verifyConsistency, verifyInclusion } from './log/index.ts';
export type { Checkpoint, Ed25519NoteVerifier, NoteVerifier } from './log/index.ts';
