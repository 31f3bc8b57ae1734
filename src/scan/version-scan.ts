import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { readFormatName } from '../formats/index.ts';
import type { BlockingVerdict, ManifestEntry } from '../registry/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { ScanPolicy } from './policy.ts';
import { mapLimit } from '../core/concurrency.ts';
import { scanPool } from './scan-pool.ts';
import { worseVerdict, type FileScanReport, type Finding, type ScanReport, type Verdict } from './types.ts';

export { SCAN_EVIDENCE_KIND } from '../core/evidence.ts';

/** Findings kept per file in stored evidence; the verdict always counts all of them. */
const MAX_STORED_FINDINGS = 200;

/** One file of a stored scan report. */
export interface ScannedFile extends FileScanReport {
  digest: Digest;
  size: number;
  /** Findings left out of the stored report to bound its size. */
  findingsOmitted?: number;
}

/** The body of `scan` evidence: what the registry's scanner found in each file of a version. */
export interface ScanEvidenceBody {
  scanner: 'modelvault-scan';
  scannedAt: string;
  manifestDigest: Digest;
  verdict: Verdict;
  counts: Record<Verdict, number>;
  /** The registry's allowlist extensions in force, and any it had to ignore. */
  policy: { allowlistExtensions: string[]; ignoredExtensions: { name: string; why: string }[] };
  files: ScannedFile[];
}

/** A finding of a file the policy refuses, as `details.problems` of a `policy_violation`. */
export interface ScanProblem {
  file: string;
  severity: Finding['severity'];
  kind: string;
  name?: string;
  offset?: number;
  member?: string;
  message: string;
}

/** `dangerous global os.system at offset 57 in archive/data.pkl: why`. */
export function describeFinding(f: Finding): string {
  const where = `${f.offset !== undefined ? ` at offset ${f.offset}` : ''}${f.member ? ` in ${f.member}` : ''}`;
  return `${f.severity} ${f.kind}${f.name ? ` ${f.name}` : ''}${where}: ${f.message}`;
}

async function scanBlob(blobs: BlobStore, file: ManifestEntry, policy: ScanPolicy, reverify: boolean): Promise<FileScanReport> {
  const local = blobs.localPath?.(file.digest);
  if (local) {
    // Bytes stored long ago may have rotted since they were verified: read them through the verifying reader first.
    if (reverify) await pipeline(await blobs.open(file.digest), new Writable({ write: (_chunk, _enc, done) => done() }));
    return scanPool.scan(local, file.path, policy);
  }
  // Stores without local files: the scanner needs random access, so the blob is copied (and verified) first.
  const dir = await mkdtemp(join(tmpdir(), 'mv-scan-'));
  try {
    const copy = join(dir, 'blob');
    await pipeline(await blobs.open(file.digest), createWriteStream(copy));
    return await scanPool.scan(copy, file.path, policy);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Scans every file of a version from the blob store, never from the client. A push scans blobs it has just
 * verified; `reverify` (a re-scan) hashes each stored blob again and fails with `blob_corrupt` before judging bytes
 * that no longer match their digest.
 */
export async function scanManifest(
  blobs: BlobStore,
  files: readonly ManifestEntry[],
  manifestDigest: Digest,
  policy: { policy: ScanPolicy; extensions: string[]; ignored: { name: string; why: string }[] },
  options: { reverify?: boolean } = {},
): Promise<ScanEvidenceBody> {
  const counts: Record<Verdict, number> = { safe: 0, suspicious: 0, dangerous: 0, unscannable: 0 };
  let verdict: Verdict = 'safe';
  const out: ScannedFile[] = [];
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Worker threads do the scanning, so the thread serving requests stays free however large the files are.
  const reports = await mapLimit(sorted, scanPool.size, (file) => scanBlob(blobs, file, policy.policy, options.reverify ?? false));
  for (const [i, file] of sorted.entries()) {
    const r = reports[i]!;
    counts[r.verdict]++;
    verdict = worseVerdict(verdict, r.verdict);
    const kept = r.findings.slice(0, MAX_STORED_FINDINGS);
    out.push({ path: file.path, digest: file.digest, size: file.size, format: r.format, verdict: r.verdict, findings: kept, ...(kept.length < r.findings.length ? { findingsOmitted: r.findings.length - kept.length } : {}) });
  }
  return {
    scanner: 'modelvault-scan',
    scannedAt: new Date().toISOString(),
    manifestDigest,
    verdict,
    counts,
    policy: { allowlistExtensions: policy.extensions, ignoredExtensions: policy.ignored },
    files: out,
  };
}

/** The stored report in the shape the report formatters take. */
export function asScanReport(body: ScanEvidenceBody): ScanReport {
  return { verdict: body.verdict, counts: body.counts, files: body.files };
}

/** The findings that make files of a refused verdict refused, each naming its file. */
export function blockingProblems(files: readonly FileScanReport[], blocked: readonly BlockingVerdict[]): ScanProblem[] {
  const refused = new Set<string>(blocked);
  const problems: ScanProblem[] = [];
  for (const file of files) {
    if (!refused.has(file.verdict)) continue;
    const reasons = file.findings.filter((f) => refused.has(f.severity));
    if (reasons.length === 0) problems.push({ file: file.path, severity: file.verdict as Finding['severity'], kind: 'verdict', message: `${file.verdict} (${file.format})` });
    for (const f of reasons) {
      problems.push({
        file: file.path,
        severity: f.severity,
        kind: f.kind,
        ...(f.name !== undefined ? { name: f.name } : {}),
        ...(f.offset !== undefined ? { offset: f.offset } : {}),
        ...(f.member !== undefined ? { member: f.member } : {}),
        message: describeFinding(f),
      });
    }
  }
  return problems;
}

/** A `policy_violation` naming the first refused finding in its message and all of them in `details.problems`. */
export function scanPolicyViolation(what: string, problems: ScanProblem[], hint: string, details: Record<string, unknown> = {}): ModelVaultError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new ModelVaultError('policy_violation', `${what}: ${first.file}: ${first.message}${more}`, { ...details, problems: problems.slice(0, 100), hint });
}

/** True when `body` looks like a report this scanner stored. */
export function isScanEvidenceBody(body: unknown): body is ScanEvidenceBody {
  const b = body as Partial<ScanEvidenceBody> | null;
  return !!b && typeof b === 'object' && b.scanner === 'modelvault-scan' && typeof b.verdict === 'string' && Array.isArray(b.files);
}

/** A stored report with every file's format under its current name (reports stored earlier used other spellings). */
export function readScanEvidenceBody(body: ScanEvidenceBody): ScanEvidenceBody {
  const files = body.files.map((f) => (f.format === 'symlink' || f.format === 'special' ? f : { ...f, format: readFormatName(f.format) }));
  return { ...body, files };
}
