import { ModelVaultError } from '../core/errors.ts';
import type { Anchor, AnchorInput, AuditLogFilter, AuditLogPage, AuditReport, ConsistencyProof, InclusionProof, SignedCheckpoint } from '../audit/index.ts';
import type { AnchorsDocument, IntegrityApi, LogPublicKey, TrustedKeys } from '../integrity/index.ts';
import type { TrustedKey, TrustKeyInput, TrustResult } from '../integrity/keys/index.ts';
import { ApiClient, seg, type RemoteOptions } from './http.ts';

/** Trusted keys and the audit log over HTTP, against a ModelVault server. */
export class RemoteIntegrity implements IntegrityApi {
  private readonly api: ApiClient;

  constructor(opts: RemoteOptions) {
    this.api = new ApiClient(opts);
  }

  trustedKeys(): Promise<TrustedKeys> {
    return this.api.json('GET', '/keys');
  }

  trustKey(input: TrustKeyInput): Promise<TrustResult> {
    return this.api.json('POST', '/keys', { json: input });
  }

  untrustKey(keyId: string): Promise<TrustedKey> {
    return this.api.json('DELETE', `/keys/${seg(keyId)}`);
  }

  auditLog(filter: AuditLogFilter = {}): Promise<AuditLogPage> {
    return this.api.json('GET', '/audit/log', { query: { model: filter.model, since: filter.since, after: filter.after, limit: filter.limit } });
  }

  checkpoint(): Promise<SignedCheckpoint> {
    return this.api.json('GET', '/audit/checkpoint');
  }

  logKey(): Promise<LogPublicKey> {
    return this.api.json('GET', '/audit/key');
  }

  inclusionProof(index: number, size?: number): Promise<InclusionProof> {
    return this.api.json('GET', '/audit/proof/inclusion', { query: { index, size } });
  }

  consistencyProof(from: number, to?: number): Promise<ConsistencyProof> {
    return this.api.json('GET', '/audit/proof/consistency', { query: { from, to } });
  }

  verifyLog(): Promise<AuditReport> {
    return this.api.json('POST', '/audit/verify');
  }

  recordAnchor(input: AnchorInput): Promise<Anchor> {
    return this.api.json('POST', '/audit/anchors', { json: input });
  }

  exportAnchors(options: { all?: boolean } = {}): Promise<AnchorsDocument> {
    return this.api.json('GET', '/export/anchors', { query: { all: options.all ? 'true' : undefined } });
  }

  async exportProvenance(): Promise<string> {
    const res = await this.api.send('GET', '/export/provenance', { headers: { accept: 'text/csv, application/problem+json' } });
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('text/csv')) throw new ModelVaultError('internal', `the server answered the provenance export with ${type || 'no content type'}, not text/csv`, {});
    return res.text();
  }
}
