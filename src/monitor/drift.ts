import { ModelVaultError } from '../core/errors.ts';
import {
  categoryCounts,
  categoryCountsOf,
  countNumbers,
  DISCRETE_LIMIT,
  isCountedColumn,
  isNumericColumn,
  numericValues,
  profileColumns,
  type Column,
  type Columns,
  type CountedColumn,
  type DriftColumns,
  type FeatureProfile,
  type FeatureType,
  type Profile,
} from './profile.ts';
import { methodFits, methodOf, methodsFor, SPEC_TYPES, uniformSpec, type ConcreteMethod, type DriftMethod, type MethodSpec } from './method-spec.ts';
import { chisquare } from './stats/chisquare.ts';
import { jensenShannon } from './stats/jensen-shannon.ts';
import { ks2sampSorted } from './stats/ks-2samp.ts';
import { binCounts, psi, toFractions } from './stats/psi.ts';
import { sortFloat64 } from './stats/radix-sort.ts';
import { wassersteinSorted } from './stats/wasserstein.ts';
import { twoProportionZTest } from './stats/z-test.ts';
export { DRIFT_METHODS, type ConcreteMethod, type DriftMethod } from './method-spec.ts';

/** Options of {@link detectDrift}. */
export interface DriftOptions {
  /** Method for every feature, or per type and feature name (default `auto`). */
  method?: DriftMethod | MethodSpec;
  /** Per-feature method and threshold overrides, before `method`. */
  perFeature?: Record<string, { method?: DriftMethod; threshold?: number }>;
  /** Threshold per method, overriding {@link DEFAULT_THRESHOLDS}. */
  thresholds?: Partial<Record<ConcreteMethod, number>>;
  /** Dataset drift when the share of drifted features is at least this (default 0.5). */
  driftShare?: number;
  /** Features to compare (default: every profiled feature except text). */
  features?: string[];
}

/** Drift verdict for one feature. */
export interface FeatureDrift {
  name: string;
  type: FeatureType;
  method: ConcreteMethod;
  /** KS D, chi-square, z, PSI, JS distance or normalised Wasserstein distance. */
  statistic: number;
  /** Present for the tests (ks, chi2, z); drift is then pValue < threshold. */
  pValue?: number;
  threshold: number;
  drifted: boolean;
}

/** Result of {@link detectDrift}. */
export interface DriftResult {
  features: FeatureDrift[];
  /** Drifted features / compared features. */
  share: number;
  datasetDrift: boolean;
  /** Features not compared (text features), with the reason. */
  skipped: { name: string; reason: string }[];
}

/**
 * Evidently's defaults (src/evidently/calculations/stattests/*.py: ks, chisquare and z 0.05 on the
 * p-value; psi, jensenshannon and wasserstein_distance_norm 0.1 on the distance).
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<ConcreteMethod, number>> = {
  ks: 0.05,
  chi2: 0.05,
  z: 0.05,
  psi: 0.1,
  js: 0.1,
  wasserstein: 0.1,
};

const P_VALUE_METHODS = new Set<ConcreteMethod>(['ks', 'chi2', 'z']);
const AUTO_SMALL_REFERENCE = 1000;
const AUTO_FEW_VALUES = 5;
/** Expected share given to a category the reference never saw, before renormalising. */
export const UNSEEN_CATEGORY_EPSILON = 0.0001;
const OTHER_KEY = '\u0000other';

interface Binned {
  keys: string[];
  reference: Float64Array;
  current: Float64Array;
}

/**
 * Evidently's `_get_default_stattest` (src/evidently/calculations/stattests/registry.py): with at
 * most 1000 reference rows, numeric → KS (chi-square / Z when the pooled data have <= 5 distinct
 * values), categorical → chi-square (> 2 values) or Z (binary); above 1000 rows, numeric →
 * normalised Wasserstein (Jensen–Shannon when <= 5 distinct values), categorical → Jensen–Shannon.
 */
export function chooseMethod(type: FeatureType, referenceRows: number, pooledDistinct: number): ConcreteMethod {
  const numeric = type === 'numeric';
  if (referenceRows <= AUTO_SMALL_REFERENCE) {
    if (numeric && pooledDistinct > AUTO_FEW_VALUES) return 'ks';
    return pooledDistinct > 2 ? 'chi2' : 'z';
  }
  if (numeric && pooledDistinct > AUTO_FEW_VALUES) return 'wasserstein';
  return 'js';
}

function fail(name: string, message: string, hint?: string): never {
  throw new ModelVaultError('invalid_input', `feature "${name}": ${message}`, hint ? { field: name, hint } : { field: name });
}

function referenceCategoryCounts(ref: FeatureProfile): Map<string, number> {
  const map = new Map<string, number>();
  if (ref.categories) {
    for (const key of Object.keys(ref.categories.frequencies)) map.set(key, ref.categories.frequencies[key] as number);
    if (ref.categories.other > 0) map.set(OTHER_KEY, ref.categories.other);
  } else if (ref.numeric?.distinct) {
    ref.numeric.distinct.values.forEach((v, i) => map.set(String(v), ref.numeric?.distinct?.counts[i] ?? 0));
  }
  return map;
}

function currentCategoryCounts(cur: Map<string, number>, ref: Map<string, number>): Map<string, number> {
  if (!ref.has(OTHER_KEY)) return cur;
  const out = new Map<string, number>();
  for (const [k, c] of cur) {
    const key = ref.has(k) ? k : OTHER_KEY;
    out.set(key, (out.get(key) ?? 0) + c);
  }
  return out;
}

function binByCategory(ref: Map<string, number>, cur: Map<string, number>): Binned {
  const keySet = new Set<string>([...ref.keys(), ...cur.keys()]);
  const keys = [...keySet].sort();
  return {
    keys,
    reference: Float64Array.from(keys, (k) => ref.get(k) ?? 0),
    current: Float64Array.from(keys, (k) => cur.get(k) ?? 0),
  };
}

/** Chi-square of current counts against reference shares; unseen categories get ε then renormalise. */
function chiSquareDrift(b: Binned): { statistic: number; pValue: number } {
  if (b.keys.length < 2) return { statistic: 0, pValue: 1 };
  let refTotal = 0;
  let curTotal = 0;
  for (let i = 0; i < b.keys.length; i++) {
    refTotal += b.reference[i] as number;
    curTotal += b.current[i] as number;
  }
  const shares = Float64Array.from(b.reference, (c) => (c > 0 ? c / refTotal : UNSEEN_CATEGORY_EPSILON));
  let shareTotal = 0;
  for (const s of shares) shareTotal += s;
  const expected = Float64Array.from(shares, (s) => (s / shareTotal) * curTotal);
  return chisquare(b.current, expected);
}

function zDrift(name: string, b: Binned): { statistic: number; pValue: number } {
  if (b.keys.length > 2) fail(name, `the Z-test needs a binary feature, found ${b.keys.length} values`, 'use chi2 for features with more than two values');
  let refTotal = 0;
  let curTotal = 0;
  for (let i = 0; i < b.keys.length; i++) {
    refTotal += b.reference[i] as number;
    curTotal += b.current[i] as number;
  }
  const refSuccess = b.keys.length === 2 ? (b.reference[1] as number) : 0;
  const curSuccess = b.keys.length === 2 ? (b.current[1] as number) : 0;
  return twoProportionZTest(refSuccess, refTotal, curSuccess, curTotal);
}

interface CurrentFeature {
  /** Non-missing numbers in arrival order, read on first use; `owned` when the caller's column was copied. */
  numeric?: () => { values: Float64Array; owned: boolean };
  /** Counts by value of a numeric feature, when known without reading the values. */
  numericCounts?: Map<number, number>;
  categories?: Map<string, number>;
}

const EMPTY_WINDOW = 'the current window has no values (empty, or only missing values)';

function once<T>(f: () => T): () => T {
  let v: { value: T } | undefined;
  return () => (v ??= { value: f() }).value;
}

/** Non-missing numbers of a caller's column, read in place (no copy) when nothing is missing. */
function cleanNumbers(name: string, column: Column, owned: boolean): { values: Float64Array; owned: boolean } {
  let clean = column instanceof Float64Array;
  if (clean) for (let i = 0; i < column.length && clean; i++) clean = column[i] === column[i];
  const values = clean ? (column as Float64Array) : numericValues(column);
  if (values.length === 0) fail(name, EMPTY_WINDOW);
  return { values, owned: owned || !clean };
}

function readCounted(name: string, ref: FeatureProfile, column: CountedColumn): CurrentFeature {
  const counted = column.valueCounts();
  if (counted) {
    let present = 0;
    for (const c of counted.counts.values()) present += c;
    if (present === 0) fail(name, EMPTY_WINDOW);
  }
  if (ref.type === 'numeric') {
    if (column.kind !== 'number' && column.length > 0) fail(name, 'the reference is numeric but the current values are not numbers');
    const numeric = once(() => cleanNumbers(name, column.values(), true));
    if (!counted) {
      numeric(); // Every method reads the numbers then: refuse an empty window now.
      return { numeric };
    }
    return { numeric, numericCounts: counted.counts as Map<number, number> };
  }
  if (counted) return { categories: categoryCountsOf(counted) };
  return readCurrent(name, ref, column.values());
}

function readCurrent(name: string, ref: FeatureProfile, column: Column | CountedColumn): CurrentFeature {
  if (isCountedColumn(column)) return readCounted(name, ref, column);
  if (ref.type === 'numeric') {
    if (!isNumericColumn(column) && column.length > 0) fail(name, 'the reference is numeric but the current values are not numbers');
    const read = cleanNumbers(name, column, false);
    return { numeric: () => read };
  }
  const { counts } = categoryCounts(column);
  if (counts.size === 0) fail(name, EMPTY_WINDOW);
  return { categories: counts };
}

function numericBins(ref: FeatureProfile, cur: CurrentFeature): Binned {
  const numeric = ref.numeric as NonNullable<FeatureProfile['numeric']>;
  if (numeric.distinct) {
    const counted = cur.numericCounts ?? (countNumbers(currentNumbers(cur).values) as { counts: Map<number, number> }).counts;
    const curMap = new Map<string, number>();
    for (const [v, c] of counted) curMap.set(String(v), c);
    return binByCategory(referenceCategoryCounts(ref), curMap);
  }
  const edges = Float64Array.from(numeric.histogram.edges);
  return {
    keys: numeric.histogram.counts.map((_, k) => `bin${k}`),
    reference: Float64Array.from(numeric.histogram.counts),
    current: binCounts(currentNumbers(cur).values, edges),
  };
}

function currentNumbers(cur: CurrentFeature): { values: Float64Array; owned: boolean } {
  return (cur.numeric as NonNullable<CurrentFeature['numeric']>)();
}

/** Distinct values of reference and current together, counted only as far as the auto rule needs. */
function pooledDistinct(ref: FeatureProfile, cur: CurrentFeature): number {
  if (ref.numeric && !ref.numeric.distinct) return Number.POSITIVE_INFINITY;
  const keys = new Set(referenceCategoryCounts(ref).keys());
  if (cur.categories) for (const k of cur.categories.keys()) keys.add(k);
  else if (cur.numericCounts) for (const k of cur.numericCounts.keys()) keys.add(String(k));
  else if (cur.numeric) {
    const values = currentNumbers(cur).values;
    for (let i = 0; i < values.length && keys.size <= AUTO_FEW_VALUES; i++) keys.add(String(values[i]));
  }
  return keys.size;
}

// Profiles are immutable once built; their samples are converted to typed arrays once, whatever the method.
const sortedSamples = new WeakMap<readonly number[], Float64Array>();

function referenceSample(numeric: NonNullable<FeatureProfile['numeric']>): Float64Array {
  let sample = sortedSamples.get(numeric.sample);
  if (!sample) {
    sample = Float64Array.from(numeric.sample);
    sortedSamples.set(numeric.sample, sample);
  }
  return sample;
}

function compareFeature(ref: FeatureProfile, cur: CurrentFeature, requested: DriftMethod, threshold: number | undefined, thresholds: Record<ConcreteMethod, number>): FeatureDrift {
  const name = ref.name;
  const method = requested === 'auto' ? chooseMethod(ref.type, ref.count, pooledDistinct(ref, cur)) : requested;
  const limit = threshold ?? thresholds[method];
  let statistic: number;
  let pValue: number | undefined;
  if (method === 'ks' || method === 'wasserstein') {
    // planDrift let only numeric features through to these methods.
    const numeric = ref.numeric as NonNullable<FeatureProfile['numeric']>;
    const refSample = referenceSample(numeric);
    const current = currentNumbers(cur);
    const sorted = sortFloat64(current.owned ? current.values : current.values.slice());
    if (method === 'ks') {
      const r = ks2sampSorted(refSample, sorted);
      statistic = r.statistic;
      pValue = r.pValue;
    } else {
      statistic = wassersteinSorted(refSample, sorted) / Math.max(numeric.std, 0.001);
    }
  } else {
    if (method === 'z' && ref.numeric && !ref.numeric.distinct) {
      fail(name, `the Z-test needs a binary feature; this one is numeric with more than ${DISCRETE_LIMIT} distinct values in the reference`, 'use ks or wasserstein for numeric features, or --method auto');
    }
    const bins = cur.numeric ? numericBins(ref, cur) : binByCategory(referenceCategoryCounts(ref), currentCategoryCounts(cur.categories as Map<string, number>, referenceCategoryCounts(ref)));
    if (method === 'psi') statistic = psi(toFractions(bins.reference), toFractions(bins.current));
    else if (method === 'js') statistic = jensenShannon(bins.reference, bins.current);
    else {
      const r = method === 'chi2' ? chiSquareDrift(bins) : zDrift(name, bins);
      statistic = r.statistic;
      pValue = r.pValue;
    }
  }
  const drifted = P_VALUE_METHODS.has(method) ? (pValue as number) < limit : statistic >= limit;
  const out: FeatureDrift = { name, type: ref.type, method, statistic, threshold: limit, drifted };
  if (pValue !== undefined) out.pValue = pValue;
  return out;
}

function isProfile(x: Profile | Columns): x is Profile {
  return (x as Profile).version === 1 && Array.isArray((x as Profile).features);
}

/** Up to 20 names for a message, then how many there are in all. */
function namesOf(names: string[]): string {
  return names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')}, … (${names.length} in all)`;
}

/** A feature {@link detectDrift} compares, with the method chosen for it. */
export interface PlannedFeature {
  ref: FeatureProfile;
  method: DriftMethod;
  threshold?: number;
}

/**
 * The features {@link detectDrift} compares, each with its method, and those it skips. Refuses, before any
 * data is read, a spec entry that names no feature of the reference and a method a feature cannot take.
 */
export function planDrift(profile: Profile, options: Pick<DriftOptions, 'method' | 'perFeature' | 'features'> = {}): { compared: PlannedFeature[]; skipped: DriftResult['skipped'] } {
  const spec = typeof options.method === 'object' ? options.method : uniformSpec(options.method);
  const byName = new Map(profile.features.map((f) => [f.name, f]));
  for (const [name, method] of spec.features) {
    const entry = JSON.stringify(`${name}=${method}`);
    const hint = `choose methods per type (${SPEC_TYPES.join(', ')}) or per feature of the reference`;
    const ref = byName.get(name);
    if (!ref) throw new ModelVaultError('invalid_input', `method: entry ${entry}: ${JSON.stringify(name)} is neither a feature type (${SPEC_TYPES.join(', ')}) nor a feature of the reference (${namesOf([...byName.keys()])})`, { field: 'method', hint });
    if (ref.type === 'text') throw new ModelVaultError('invalid_input', `method: entry ${entry}: ${JSON.stringify(name)} is a text feature, never compared for drift`, { field: 'method', hint });
  }
  const compared: PlannedFeature[] = [];
  const skipped: DriftResult['skipped'] = [];
  for (const name of options.features ?? profile.features.map((f) => f.name)) {
    const ref = byName.get(name);
    if (!ref) throw new ModelVaultError('invalid_input', `feature "${name}" is not in the reference`, { field: name });
    if (ref.type === 'text') {
      skipped.push({ name, reason: 'text features have no distribution test' });
      continue;
    }
    if (ref.count === 0) fail(name, 'the reference has no values (empty, or only missing values)');
    const per = options.perFeature?.[name];
    const chosen = per?.method !== undefined ? { method: per.method, entry: `${name}=${per.method}` } : methodOf(spec, name, ref.type);
    if (!methodFits(chosen.method, ref.type)) {
      const m = chosen.method;
      if (chosen.entry === m) fail(name, `${m} compares numeric features only and this feature is ${ref.type}`, `give a method per type: numeric=${m} (auto for the other types) or numeric=${m},categorical=chi2`);
      fail(name, `${chosen.entry}: ${m} compares numeric features only and this feature is ${ref.type}`, `use one of ${methodsFor(ref.type as 'categorical' | 'boolean').join(', ')} for it`);
    }
    compared.push({ ref, method: chosen.method, ...(per?.threshold !== undefined ? { threshold: per.threshold } : {}) });
  }
  return { compared, skipped };
}

/**
 * Compares current columns with a reference (a stored profile, or raw columns profiled on the fly
 * with every value kept) feature by feature, and decides dataset drift by the drifted share.
 * Missing values (NaN, null, '') are ignored on both sides.
 */
export function detectDrift(reference: Profile | Columns, current: DriftColumns, options: DriftOptions = {}): DriftResult {
  const profile = isProfile(reference) ? reference : profileColumns(reference, { sampleSize: Number.MAX_SAFE_INTEGER });
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const driftShare = options.driftShare ?? 0.5;
  if (!(driftShare > 0 && driftShare <= 1)) throw new ModelVaultError('invalid_input', `driftShare must be in (0, 1], got ${driftShare}`);
  for (const [m, t] of Object.entries(thresholds)) {
    if (!Number.isFinite(t) || t < 0) throw new ModelVaultError('invalid_input', `threshold for ${m} must be a finite number >= 0, got ${t}`);
  }
  const { compared, skipped } = planDrift(profile, options);
  const features: FeatureDrift[] = [];
  for (const { ref, method, threshold } of compared) {
    const name = ref.name;
    if (!Object.hasOwn(current, name)) fail(name, 'missing from the current data', 'send every feature of the model signature');
    features.push(compareFeature(ref, readCurrent(name, ref, current[name] as DriftColumns[string]), method, threshold, thresholds));
  }
  if (features.length === 0) throw new ModelVaultError('invalid_input', 'no feature to compare', { hint: 'profile at least one numeric, categorical or boolean feature' });
  const drifted = features.filter((f) => f.drifted).length;
  const share = drifted / features.length;
  return { features, share, datasetDrift: share >= driftShare, skipped };
}
