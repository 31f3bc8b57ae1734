import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ModelVaultError } from '../core/errors.ts';
import { openFileSource } from '../formats/containers/index.ts';
import { defaultPolicy, type ScanPolicy } from './policy.ts';
import { scanSource } from './scan-source.ts';
import { DEFAULT_LIMITS, verdictOf, worseVerdict, type FileScanReport, type ScanLimits, type ScanReport, type Verdict } from './types.ts';

/** Policy and limits of a scan; both default to the built-in ones. */
export interface ScanOptions {
  policy?: ScanPolicy;
  limits?: Partial<ScanLimits>;
}

function notFound(path: string, err: unknown): ModelVaultError {
  return new ModelVaultError('not_found', `scan: no such file or directory: ${path}`, { path, hint: 'pass existing files or directories' }, { cause: err });
}

/** Scans one file without following symlinks or executing anything. */
export async function scanFile(path: string, opts: ScanOptions = {}): Promise<FileScanReport> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (err) {
    throw notFound(path, err);
  }
  if (stat.isSymbolicLink()) {
    return { path, format: 'symlink', verdict: 'unscannable', findings: [{ severity: 'unscannable', kind: 'format', message: 'symbolic link not followed; its target was not scanned' }] };
  }
  if (!stat.isFile()) {
    return { path, format: 'special', verdict: 'unscannable', findings: [{ severity: 'unscannable', kind: 'format', message: 'not a regular file' }] };
  }
  return scanRegularFile(path, path, opts);
}

function scanRegularFile(path: string, name: string, opts: ScanOptions): FileScanReport {
  const limits: ScanLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const ctx = {
    policy: opts.policy ?? defaultPolicy,
    limits,
    budget: { left: limits.maxTotalDecompressedBytes, maxMember: limits.maxDecompressedBytes },
  };
  const src = openFileSource(path);
  try {
    const { format, findings } = scanSource(src, name, ctx, 0);
    return { path: name, format, verdict: verdictOf(findings), findings };
  } finally {
    src.close();
  }
}

/**
 * Scans stored bytes at `path` as the file `name` (a content-addressed blob has no extension of its own,
 * and the loader picks its reader by the name the file will have).
 */
export async function scanStoredFile(path: string, name: string, opts: ScanOptions = {}): Promise<FileScanReport> {
  try {
    return scanRegularFile(path, name, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(path, err);
    throw err;
  }
}

function collect(path: string, out: string[]): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (err) {
    throw notFound(path, err);
  }
  if (stat.isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else {
    out.push(path);
  }
}

/** Scans files and directories (recursively, symlinks reported but not followed). */
export async function scanPaths(paths: string[], opts: ScanOptions = {}): Promise<ScanReport> {
  if (paths.length === 0) throw new ModelVaultError('usage', 'scan: no paths given', { hint: 'pass one or more files or directories' });
  const files: string[] = [];
  for (const p of paths) collect(p, files);
  const reports: FileScanReport[] = [];
  for (const f of files) reports.push(await scanFile(f, opts));
  const counts: Record<Verdict, number> = { safe: 0, suspicious: 0, dangerous: 0, unscannable: 0 };
  let verdict: Verdict = 'safe';
  for (const r of reports) {
    counts[r.verdict]++;
    verdict = worseVerdict(verdict, r.verdict);
  }
  return { verdict, files: reports, counts };
}
