import type { Evidence, NewEvidence, PendingTransition, PendingVersion, RegistryConfig, RegistryHooks } from '../registry/index.ts';
import { manifestDigest } from '../core/manifest.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { MetadataDb } from '../storage/db/schema.ts';
import { registryScanPolicy } from './allowlist-store.ts';
import { blockingProblems, isScanEvidenceBody, readScanEvidenceBody, scanManifest, scanPolicyViolation, SCAN_EVIDENCE_KIND, type ScanEvidenceBody, type ScanProblem } from './version-scan.ts';

/** What the scan hooks read: the database (allowlist extensions), the verified blobs and the policy. */
export interface ScanHookDeps {
  metadata: MetadataDb;
  blobs: BlobStore;
  config: RegistryConfig;
}

const ALLOW_HINT = 'inspect the files named; if a reviewer confirms a suspicious global is harmless, allow it with `modelvault scan allow MODULE.NAME --reason TEXT` (dangerous globals cannot be allowed)';

/** The newest scan report the registry's scanner stored for exactly this content. */
export function latestScanReport(evidence: readonly Evidence[], manifest: string): ScanEvidenceBody | undefined {
  for (let i = evidence.length - 1; i >= 0; i--) {
    const e = evidence[i]!;
    if (e.kind === SCAN_EVIDENCE_KIND && isScanEvidenceBody(e.body) && e.body.manifestDigest === manifest) return readScanEvidenceBody(e.body);
  }
  return undefined;
}

/** Scans a new version from the blob store (refusing it per `scan.block_push`) and gates stages on its stored report. */
export function scanHooks(deps: ScanHookDeps): RegistryHooks {
  return {
    check: 'scan',
    async beforeRegister(pending: PendingVersion): Promise<NewEvidence[]> {
      const policy = await registryScanPolicy(deps.metadata.db);
      const body = await scanManifest(deps.blobs, pending.files, manifestDigest(pending.files), policy);
      const problems = blockingProblems(body.files, deps.config.scan.blockPush);
      if (problems.length > 0) {
        const ref = `${pending.name}@${pending.version}`;
        throw scanPolicyViolation(`push of ${ref} refused by the scan policy (scan.block_push: ${deps.config.scan.blockPush.join(', ')})`, problems, ALLOW_HINT, {
          reference: ref,
          verdict: body.verdict,
          counts: body.counts,
        });
      }
      return [{ kind: SCAN_EVIDENCE_KIND, body }];
    },

    async beforeStage(t: PendingTransition): Promise<void> {
      const blocked = deps.config.scan.blockStage[t.to];
      if (blocked.length === 0) return;
      const ref = `${t.name}@${t.version}`;
      const report = latestScanReport(t.evidence, t.manifestDigest);
      let problems: ScanProblem[];
      if (!report) {
        if (!blocked.includes('unscannable')) return;
        problems = [{ file: ref, severity: 'unscannable', kind: 'evidence', message: 'no scan report is stored for this version, so its files count as unscannable' }];
      } else {
        problems = blockingProblems(report.files, blocked);
      }
      if (problems.length === 0) return;
      throw scanPolicyViolation(`${ref} cannot enter ${t.to}: the scan policy refuses ${blocked.join(', ')} files there (scan.block_stage.${t.to})`, problems,
        report ? `${ALLOW_HINT}, then re-scan with \`modelvault scan ${ref} --rescan\`` : `scan it with \`modelvault scan ${ref} --rescan\``,
        { reference: ref, stage: t.to, ...(report ? { verdict: report.verdict } : {}) });
    },
  };
}
