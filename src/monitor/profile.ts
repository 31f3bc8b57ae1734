import { ModelVaultError } from '../core/errors.ts';
import type { Column, Columns } from '../formats/read-table.ts';
import { binCounts, sturgesEdges } from './stats/psi.ts';
import { sortFloat64 } from './stats/radix-sort.ts';
import { populationStd } from './stats/sorted.ts';
import { mulberry32 } from '../core/random.ts';

export type { Column, Columns };

/** Kind of a feature, inferred from its values. */
export type FeatureType = 'numeric' | 'categorical' | 'boolean' | 'text';

/** Non-missing counts by value, and the number of missing values. */
export interface ValueCounts {
  counts: Map<number | string, number>;
  missing: number;
}

/**
 * A column that may know the counts of its values without reading them: a window of stored
 * observations, whose batches were counted when they were ingested. Count-based drift methods
 * (chi2, Z, PSI and JS on categories or few-valued numbers) read the counts; the others the values.
 */
export interface CountedColumn {
  readonly length: number;
  /** 'number' when every value is a number or missing. */
  readonly kind: 'number' | 'category';
  /** The counts, or undefined when the column was not counted (a number column with many distinct values). */
  valueCounts(): ValueCounts | undefined;
  /** Every value in order, in an array the caller owns. */
  values(): Column;
}

/** The current side of a drift comparison. */
export type DriftColumns = Record<string, Column | CountedColumn>;

export function isCountedColumn(c: Column | CountedColumn): c is CountedColumn {
  return typeof (c as CountedColumn).valueCounts === 'function';
}

/** Histogram of a numeric feature; `edges` are kept so PSI against the profile is reproducible. */
export interface Histogram {
  /** Sturges equal-width edges over the reference range (numpy's `bins='sturges'`). */
  edges: number[];
  counts: number[];
}

/** Profile of a numeric feature. */
export interface NumericProfile {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (ddof = 0), the Wasserstein normaliser. */
  std: number;
  quantiles: { p01: number; p05: number; p25: number; p50: number; p75: number; p95: number; p99: number };
  histogram: Histogram;
  /** Value counts when the feature has at most 20 distinct values (binned by value, as Evidently does). */
  distinct?: { values: number[]; counts: number[] };
  /** Sorted reservoir sample for KS and Wasserstein; every value when count <= the reservoir size. */
  sample: number[];
}

/** Profile of a categorical, boolean or text feature. */
export interface CategoryProfile {
  /** Counts of the most frequent categories (at most `topCategories`). */
  frequencies: Record<string, number>;
  /** Total count of the categories left out of `frequencies`. */
  other: number;
  distinct: number;
}

/** Statistics of one feature. */
export interface FeatureProfile {
  name: string;
  type: FeatureType;
  /** Non-missing values. */
  count: number;
  missing: number;
  numeric?: NumericProfile;
  categories?: CategoryProfile;
}

/** A stored reference profile: enough to run every drift method without the raw reference. */
export interface Profile {
  version: 1;
  rows: number;
  features: FeatureProfile[];
}

/** Tuning of {@link profileColumns}. */
export interface ProfileOptions {
  /** Reservoir size per numeric feature (default 100,000). */
  sampleSize?: number;
  /** Seed of the reservoir sampler, so the same data always gives the same profile (default 0x5eed). */
  seed?: number;
  /** Categories kept per feature (default 1000); the rest are counted as `other`. */
  topCategories?: number;
}

/** Numeric features with at most this many distinct values are also counted by value. */
export const DISCRETE_LIMIT = 20;
const TEXT_MIN_DISTINCT = 1000;
const TEXT_AVG_LENGTH = 64;

/** Categorical frequency map of a non-numeric column plus its missing count. */
export function categoryCounts(column: Column): { counts: Map<string, number>; missing: number; type: 'boolean' | 'categorical' } {
  const counts = new Map<string, number>();
  let missing = 0;
  let allBoolean = true;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) {
      missing++;
      continue;
    }
    const key = categoryKey(v);
    if (key !== 'true' && key !== 'false') allBoolean = false;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { counts, missing, type: allBoolean && counts.size > 0 ? 'boolean' : 'categorical' };
}

/** The category a value counts under: its text, with any spelling of true/false folded to lower case. */
export function categoryKey(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const key = String(v);
  if (key.length === 4 || key.length === 5) {
    const lower = key.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower;
  }
  return key;
}

/** Category counts of counted values (numbers keyed by their text, true/false folded as {@link categoryKey}). */
export function categoryCountsOf(counted: ValueCounts): Map<string, number> {
  const out = new Map<string, number>();
  for (const [v, c] of counted.counts) {
    const key = categoryKey(v);
    out.set(key, (out.get(key) ?? 0) + c);
  }
  return out;
}

/** Distinct values tracked with a linear scan before the rest go to a hash map. */
const LINEAR_VALUES = 32;

/**
 * Counts the values of `values[start, end)` (NaN = missing). Returns undefined as soon as there are
 * more than `limit` distinct values, so counting a continuous column costs only its first few rows.
 */
export function countNumbers(values: Float64Array, start = 0, end = values.length, limit = Number.POSITIVE_INFINITY): ValueCounts | undefined {
  // Few distinct values are the common case: a linear scan over them beats hashing every row.
  const seen = new Float64Array(LINEAR_VALUES);
  const seenCounts = new Float64Array(LINEAR_VALUES);
  let k = 0;
  let rest: Map<number, number> | undefined;
  let missing = 0;
  for (let i = start; i < end; i++) {
    const v = values[i] as number;
    if (v !== v) {
      missing++;
      continue;
    }
    let j = 0;
    while (j < k && seen[j] !== v) j++;
    if (j < k) seenCounts[j] = (seenCounts[j] as number) + 1;
    else if (k < LINEAR_VALUES) {
      if (k >= limit) return undefined;
      seen[k] = v;
      seenCounts[k++] = 1;
    } else {
      rest ??= new Map();
      const c = rest.get(v);
      if (c === undefined && k + rest.size >= limit) return undefined;
      rest.set(v, (c ?? 0) + 1);
    }
  }
  const counts = new Map<number | string, number>();
  for (let j = 0; j < k; j++) counts.set(seen[j] as number, seenCounts[j] as number);
  if (rest) for (const [v, c] of rest) counts.set(v, c);
  return { counts, missing };
}

/** True when a column holds numbers (typed array or numbers/nulls only). */
export function isNumericColumn(column: Column): boolean {
  if (column instanceof Float64Array) return true;
  let sawNumber = false;
  for (const v of column) {
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number') return false;
    sawNumber = true;
  }
  return sawNumber;
}

/** Non-missing numeric values of a column, sorted ascending. */
export function sortedNumeric(column: Column): { sorted: Float64Array; missing: number } {
  let n = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (typeof v === 'number' && !Number.isNaN(v)) n++;
  }
  const sorted = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (typeof v === 'number' && !Number.isNaN(v)) sorted[k++] = v;
  }
  sortFloat64(sorted);
  return { sorted, missing: column.length - n };
}

/** Non-missing numeric values of a column in their original order. */
export function numericValues(column: Column): Float64Array {
  // Plain loops: filter with a callback costs several times more on million-row columns.
  let n = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (typeof v === 'number' && v === v) n++;
  }
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (typeof v === 'number' && v === v) out[k++] = v;
  }
  return out;
}

/** numpy.quantile with the default linear interpolation, on sorted data. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return frac === 0 ? a : a + (b - a) * frac;
}

/** Reservoir sample (Algorithm R) of at most `size` values, returned sorted. */
export function reservoirSample(values: Float64Array, size: number, seed: number): Float64Array {
  if (values.length <= size) return values.slice().sort();
  const random = mulberry32(seed);
  const out = values.slice(0, size);
  for (let i = size; i < values.length; i++) {
    const j = Math.floor(random() * (i + 1));
    if (j < size) out[j] = values[i] as number;
  }
  return out.sort();
}

function numericProfile(sorted: Float64Array, unsorted: Float64Array, sampleSize: number, seed: number): NumericProfile {
  const n = sorted.length;
  const min = sorted[0] as number;
  const max = sorted[n - 1] as number;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  const edges = sturgesEdges(min, max, n);
  const profile: NumericProfile = {
    min,
    max,
    mean: sum / n,
    std: populationStd(sorted),
    quantiles: {
      p01: quantileSorted(sorted, 0.01),
      p05: quantileSorted(sorted, 0.05),
      p25: quantileSorted(sorted, 0.25),
      p50: quantileSorted(sorted, 0.5),
      p75: quantileSorted(sorted, 0.75),
      p95: quantileSorted(sorted, 0.95),
      p99: quantileSorted(sorted, 0.99),
    },
    histogram: { edges: Array.from(edges), counts: Array.from(binCounts(sorted, edges)) },
    sample: Array.from(reservoirSample(unsorted, sampleSize, seed)),
  };
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n && values.length <= DISCRETE_LIMIT; i++) {
    const v = sorted[i] as number;
    if (values.length > 0 && values[values.length - 1] === v) counts[counts.length - 1] = (counts[counts.length - 1] as number) + 1;
    else {
      values.push(v);
      counts.push(1);
    }
  }
  if (values.length <= DISCRETE_LIMIT) profile.distinct = { values, counts };
  return profile;
}

function categoryProfile(counts: Map<string, number>, top: number): CategoryProfile {
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const frequencies: Record<string, number> = Object.create(null) as Record<string, number>;
  let other = 0;
  entries.forEach(([k, c], i) => {
    if (i < top) frequencies[k] = c;
    else other += c;
  });
  return { frequencies, other, distinct: counts.size };
}

function isText(counts: Map<string, number>, nonMissing: number): boolean {
  let length = 0;
  for (const [k, c] of counts) length += k.length * c;
  const avg = nonMissing > 0 ? length / nonMissing : 0;
  return avg > TEXT_AVG_LENGTH || (counts.size > TEXT_MIN_DISTINCT && counts.size > nonMissing / 2);
}

/**
 * Profiles every column: type (numbers → numeric; only true/false → boolean; strings with many
 * distinct values (> 1000 and > half the rows) or longer than 64 characters on average → text;
 * other strings → categorical), counts, moments, quantiles, histogram, category frequencies and
 * a deterministic reservoir sample of numeric values.
 */
export function profileColumns(columns: Columns, options: ProfileOptions = {}): Profile {
  const sampleSize = options.sampleSize ?? 100_000;
  const seed = options.seed ?? 0x5eed;
  const top = options.topCategories ?? 1000;
  if (!(sampleSize >= 1)) throw new ModelVaultError('invalid_input', `sampleSize must be >= 1, got ${sampleSize}`);
  const names = Object.keys(columns);
  if (names.length === 0) throw new ModelVaultError('invalid_input', 'no columns to profile');
  let rows = -1;
  const features: FeatureProfile[] = [];
  for (const name of names) {
    const column = columns[name] as Column;
    if (rows === -1) rows = column.length;
    else if (column.length !== rows) {
      throw new ModelVaultError('invalid_input', `column "${name}" has ${column.length} rows, expected ${rows}`, { field: name });
    }
    if (isNumericColumn(column)) {
      const { sorted, missing } = sortedNumeric(column);
      const feature: FeatureProfile = { name, type: 'numeric', count: sorted.length, missing };
      if (sorted.length > 0) {
        const unsorted = numericValues(column);
        feature.numeric = numericProfile(sorted, unsorted, sampleSize, seed);
      }
      features.push(feature);
    } else {
      const { counts, missing, type } = categoryCounts(column);
      const count = column.length - missing;
      const finalType: FeatureType = type === 'boolean' ? 'boolean' : isText(counts, count) ? 'text' : 'categorical';
      features.push({ name, type: finalType, count, missing, categories: categoryProfile(counts, top) });
    }
  }
  return { version: 1, rows, features };
}
