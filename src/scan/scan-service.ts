import { ModelVaultError } from '../core/errors.ts';
import type { Static } from '../core/schema.ts';
import type { MeasuringRegistryApi } from '../registry/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { MetadataDb } from '../storage/db/schema.ts';
import { addAllowlistEntry, readAllowlist, registryScanPolicy, removeAllowlistEntry, type AllowlistEntry } from './allowlist-store.ts';
import { latestScanReport } from './registry-hooks.ts';
import type { VersionScan as VersionScanSchema } from './schemas.ts';
import { scanManifest, SCAN_EVIDENCE_KIND } from './version-scan.ts';

/** The stored scan report of one version. */
export type VersionScan = Static<typeof VersionScanSchema>;

/** Scanning operations on a registry, the same in embedded and remote mode. */
export interface ScanApi {
  /** The newest scan report stored with a version. */
  versionScan(ref: string): Promise<VersionScan>;
  /** Re-scans a version's stored blobs with the current policy and records the report as new evidence. */
  rescan(ref: string): Promise<VersionScan>;
  /** The registry's reviewed allowlist extensions. */
  allowlist(): Promise<AllowlistEntry[]>;
  /** Allows a reviewed global (the actor is the reviewer); audited. */
  allow(name: string, reason: string): Promise<AllowlistEntry>;
  /** Removes a registry allowlist entry; audited. Returns the entry removed. */
  disallow(name: string): Promise<AllowlistEntry>;
}

/** The scanning service over a local registry, acting as one user. */
export class ScanService implements ScanApi {
  constructor(private readonly deps: { metadata: MetadataDb; blobs: BlobStore; registry: MeasuringRegistryApi }, private readonly actor: string) {}

  async versionScan(ref: string): Promise<VersionScan> {
    const v = await this.deps.registry.getVersion(ref);
    const ref2 = `${v.name}@${v.version}`;
    const report = latestScanReport(await this.deps.registry.listEvidence(ref2, SCAN_EVIDENCE_KIND), v.manifestDigest);
    if (!report) {
      throw new ModelVaultError('not_found', `${ref2} has no scan report`, { reference: ref2, hint: `scan its stored files with \`modelvault scan ${ref2} --rescan\`` });
    }
    return { name: v.name, version: v.version, manifestDigest: v.manifestDigest, rescanned: false, report };
  }

  async rescan(ref: string): Promise<VersionScan> {
    const v = await this.deps.registry.getVersion(ref);
    const ref2 = `${v.name}@${v.version}`;
    const report = await scanManifest(this.deps.blobs, v.files, v.manifestDigest, await registryScanPolicy(this.deps.metadata.db), { reverify: true });
    await this.deps.registry.recordMeasuredEvidence(ref2, { kind: SCAN_EVIDENCE_KIND, body: report });
    return { name: v.name, version: v.version, manifestDigest: v.manifestDigest, rescanned: true, report };
  }

  allowlist(): Promise<AllowlistEntry[]> {
    return readAllowlist(this.deps.metadata.db);
  }

  allow(name: string, reason: string): Promise<AllowlistEntry> {
    return addAllowlistEntry(this.deps.metadata.db, this.actor, name, reason);
  }

  disallow(name: string): Promise<AllowlistEntry> {
    return removeAllowlistEntry(this.deps.metadata.db, this.actor, name);
  }
}
