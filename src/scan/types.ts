import type { Finding, PickleLimits, Severity } from '../formats/containers/index.ts';
import type { ModelFormat } from '../formats/index.ts';

export type { Finding, Severity };

/** The verdict of a file: the worst of its findings, `safe` when there are none. */
export type Verdict = 'safe' | 'suspicious' | 'dangerous' | 'unscannable';

/** What a scanned path was when it was not a regular file's bytes. */
export type NotAFile = 'symlink' | 'special';

/** The scan result of one file. */
export interface FileScanReport {
  path: string;
  format: ModelFormat | NotAFile;
  verdict: Verdict;
  findings: Finding[];
}

/** The scan result of several files. */
export interface ScanReport {
  verdict: Verdict;
  files: FileScanReport[];
  counts: Record<Verdict, number>;
}

/** Bounds that keep hostile input from exhausting memory or time; hitting one is a finding. */
export interface ScanLimits extends PickleLimits {
  maxDecompressedBytes: number;
  maxTotalDecompressedBytes: number;
  maxArchiveDepth: number;
  maxArchiveMembers: number;
  maxHeaderBytes: number;
  maxProtobufBytes: number;
}

/** Defaults sized for real checkpoints while staying far below the memory budget. */
export const DEFAULT_LIMITS: Readonly<ScanLimits> = Object.freeze({
  maxOpcodes: 200_000_000,
  maxMemoEntries: 2_000_000,
  maxStackDepth: 100_000,
  maxStringLength: 1 << 20,
  maxDecompressedBytes: 128 * (1 << 20),
  maxTotalDecompressedBytes: 512 * (1 << 20),
  maxArchiveDepth: 4,
  maxArchiveMembers: 20_000,
  maxHeaderBytes: 100 * (1 << 20),
  maxProtobufBytes: 256 * (1 << 20),
  maxHeldStringBytes: 8 * (1 << 20),
  maxHeldItems: 500_000,
});

const RANK: Record<Verdict | Severity, number> = { info: 0, safe: 0, suspicious: 1, unscannable: 2, dangerous: 3 };

/** The worse of two verdicts (dangerous > unscannable > suspicious > safe). */
export function worseVerdict(a: Verdict, b: Verdict): Verdict {
  return RANK[b] > RANK[a] ? b : a;
}

/** The verdict a list of findings amounts to. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  let verdict: Verdict = 'safe';
  for (const f of findings) {
    if (f.severity !== 'info') verdict = worseVerdict(verdict, f.severity);
  }
  return verdict;
}
