import type { Anchor, AnchorInput, AuditLogFilter, AuditLogPage, AuditReport, ConsistencyProof, InclusionProof, SignedCheckpoint } from '../audit/index.ts';
import type { Static } from '../core/schema.ts';
import type { TrustKeyInput, TrustResult, TrustedKey } from './keys/index.ts';
import type * as S from './schemas.ts';

/** The registry's trusted keys and the signing policy they serve. */
export type TrustedKeys = Static<typeof S.TrustedKeys>;

/** The log's public identity: its origin and the C2SP verifier key of its checkpoints. */
export type LogPublicKey = Static<typeof S.LogPublicKey>;

/** Trust, signing policy and the audit log, the same in embedded and remote mode. */
export interface IntegrityApi {
  trustedKeys(): Promise<TrustedKeys>;
  trustKey(input: TrustKeyInput): Promise<TrustResult>;
  untrustKey(keyId: string): Promise<TrustedKey>;
  auditLog(filter?: AuditLogFilter): Promise<AuditLogPage>;
  checkpoint(): Promise<SignedCheckpoint>;
  logKey(): Promise<LogPublicKey>;
  inclusionProof(index: number, size?: number): Promise<InclusionProof>;
  consistencyProof(from: number, to?: number): Promise<ConsistencyProof>;
  verifyLog(): Promise<AuditReport>;
  recordAnchor(input: AnchorInput): Promise<Anchor>;
  exportAnchors(options?: { all?: boolean }): Promise<AnchorsDocument>;
  exportProvenance(): Promise<string>;
}

/** One checkpoint of `Blockchain_Anchors.json`. */
export interface AnchorsDocumentCheckpoint {
  origin: string;
  size: number;
  /** Base64 root hash, as in the checkpoint note. */
  root_hash: string;
  /** The note's signature line by the log key. */
  signature: string;
  time: string;
  anchors: { ledger: string; tx: string; recorded_at: string }[];
}

/** The `Blockchain_Anchors.json` document: public data only. */
export interface AnchorsDocument {
  origin: string;
  /** The log's verifier key string (C2SP note verifier key). */
  log_public_key: string;
  checkpoints: AnchorsDocumentCheckpoint[];
}
