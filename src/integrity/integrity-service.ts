import type { Kysely } from 'kysely';
import type { Anchor, AnchorInput, AuditLogFilter, AuditLogPage, AuditReport, AuditService, ConsistencyProof, InclusionProof, SignedCheckpoint } from '../audit/index.ts';
import { checkRecordedState } from '../registry/index.ts';
import type { Database } from '../storage/db/schema.ts';
import { exportAnchors, exportProvenance } from './exports/index.ts';
import { listTrustedKeys, trustKey, untrustKey, type SigningPolicy, type TrustedKey, type TrustKeyInput, type TrustResult } from './keys/index.ts';
import type { AnchorsDocument, IntegrityApi, LogPublicKey, TrustedKeys } from './types.ts';

/** The integrity API over a local registry database, acting as `actor`. */
export class IntegrityService implements IntegrityApi {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditService;
  readonly #policy: SigningPolicy;
  readonly #actor: string;

  constructor(db: Kysely<Database>, audit: AuditService, policy: SigningPolicy, actor: string) {
    this.#db = db;
    this.#audit = audit;
    this.#policy = policy;
    this.#actor = actor;
  }

  async trustedKeys(): Promise<TrustedKeys> {
    return { items: await listTrustedKeys(this.#db), policy: this.#policy };
  }

  trustKey(input: TrustKeyInput): Promise<TrustResult> {
    return trustKey(this.#db, input, this.#actor);
  }

  untrustKey(keyId: string): Promise<TrustedKey> {
    return untrustKey(this.#db, keyId, this.#actor);
  }

  auditLog(filter: AuditLogFilter = {}): Promise<AuditLogPage> {
    return this.#audit.entries(filter);
  }

  checkpoint(): Promise<SignedCheckpoint> {
    return this.#audit.checkpoint();
  }

  async logKey(): Promise<LogPublicKey> {
    return { origin: this.#audit.origin, verifierKey: this.#audit.verifierKey };
  }

  inclusionProof(index: number, size?: number): Promise<InclusionProof> {
    return this.#audit.inclusionProof(index, size);
  }

  consistencyProof(from: number, to?: number): Promise<ConsistencyProof> {
    return this.#audit.consistencyProof(from, to);
  }

  /** The log itself (`AuditService.verify`), then every version's files and every piece of evidence against what the log recorded of them. */
  async verifyLog(): Promise<AuditReport> {
    const log = await this.#audit.verify();
    const state = await checkRecordedState(this.#db);
    return {
      ok: log.ok && state.problems.length === 0,
      size: log.size,
      checked: { ...log.checked, versions: state.versions, evidence: state.evidence },
      problems: [...log.problems, ...state.problems],
    };
  }

  recordAnchor(input: AnchorInput): Promise<Anchor> {
    return this.#audit.recordAnchor(input, this.#actor);
  }

  /** The `Blockchain_Anchors.json` document (public data only). */
  async exportAnchors(options: { all?: boolean } = {}): Promise<AnchorsDocument> {
    return exportAnchors(this.#db, await this.logKey(), options);
  }

  /** The `Provenance_Hashes.csv` text. */
  exportProvenance(): Promise<string> {
    return exportProvenance(this.#db);
  }
}
