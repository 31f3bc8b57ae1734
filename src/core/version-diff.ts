import { canonicalJson } from './canonical-json.ts';
import type { Digest } from './digest.ts';
import { formatFieldPath, type FieldPath } from './field-path.ts';
import type { ManifestEntry } from './manifest.ts';

// What changed between two versions' files, metadata and metrics; the signature has its own module.

/** A file as a diff shows it. */
export interface FileRef {
  path: string;
  digest: Digest;
  size: number;
  format: string;
}

/** Files added, removed and changed (same path, other digest), by path. */
export interface FilesDiff {
  added: FileRef[];
  removed: FileRef[];
  changed: { path: string; before: FileRef; after: FileRef }[];
  /** Files with the same path and digest on both sides. */
  unchanged: number;
}

/** One metadata field that differs; `before` / `after` are left out where the field is absent. */
export interface MetadataChange {
  /** The field as users write it, e.g. `source.commit` or `hyperparameters.C`. */
  field: string;
  change: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** One metric on either side; null where it is missing or not a number. */
export interface MetricChange {
  name: string;
  before: number | null;
  after: number | null;
  /** after - before, when both are numbers. */
  delta: number | null;
}

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
const ref = (f: ManifestEntry): FileRef => ({ path: f.path, digest: f.digest, size: f.size, format: f.format });

/** How the files of `after` differ from those of `before`. */
export function diffFiles(before: readonly ManifestEntry[], after: readonly ManifestEntry[]): FilesDiff {
  const old = new Map(before.map((f) => [f.path, f]));
  const now = new Map(after.map((f) => [f.path, f]));
  const out: FilesDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const f of after) {
    const b = old.get(f.path);
    if (!b) out.added.push(ref(f));
    else if (b.digest !== f.digest) out.changed.push({ path: f.path, before: ref(b), after: ref(f) });
    else out.unchanged++;
  }
  for (const f of before) if (!now.has(f.path)) out.removed.push(ref(f));
  out.added.sort(byPath);
  out.removed.sort(byPath);
  out.changed.sort(byPath);
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The metadata fields that differ: mappings are compared key by key, lists and scalars as whole values.
 * `skip` names top-level fields left out (reported on their own, such as metrics).
 */
export function diffMetadata(before: Record<string, unknown>, after: Record<string, unknown>, skip: readonly string[] = []): MetadataChange[] {
  const out: MetadataChange[] = [];
  const walk = (b: unknown, a: unknown, path: FieldPath, depth: number): void => {
    if (isRecord(b) && isRecord(a) && depth < 32) {
      const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
      for (const k of keys) {
        if (path.length === 0 && skip.includes(k)) continue;
        const inB = Object.hasOwn(b, k);
        const inA = Object.hasOwn(a, k);
        const field = formatFieldPath([...path, k]);
        if (!inA) out.push({ field, change: 'removed', before: b[k] });
        else if (!inB) out.push({ field, change: 'added', after: a[k] });
        else walk(b[k], a[k], [...path, k], depth + 1);
      }
    } else if (canonicalJson(b) !== canonicalJson(a)) {
      out.push({ field: formatFieldPath(path), change: 'changed', before: b, after: a });
    }
  };
  walk(before, after, [], 0);
  return out;
}

const metricValue = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Every metric of `metadata.metrics` on either side, by name, with its change. */
export function diffMetrics(before: unknown, after: unknown): MetricChange[] {
  const b = isRecord(before) ? before : {};
  const a = isRecord(after) ? after : {};
  return [...new Set([...Object.keys(b), ...Object.keys(a)])].sort().map((name) => {
    const x = metricValue(b[name]);
    const y = metricValue(a[name]);
    // Rounded to 12 significant digits, so 0.92 - 0.9 reads 0.02.
    return { name, before: x, after: y, delta: x !== null && y !== null ? Number((y - x).toPrecision(12)) : null };
  });
}
