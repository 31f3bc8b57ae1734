import { ModelVaultError } from '../core/errors.ts';
import type { FeatureType } from './profile.ts';

/** A drift method, or `auto` to choose per feature. */
export type DriftMethod = 'auto' | 'ks' | 'psi' | 'js' | 'wasserstein' | 'chi2' | 'z';
/** Every drift method name, `auto` first. */
export const DRIFT_METHODS: readonly DriftMethod[] = ['auto', 'ks', 'psi', 'js', 'wasserstein', 'chi2', 'z'];
/** A concrete drift method. */
export type ConcreteMethod = Exclude<DriftMethod, 'auto'>;

/** The feature types a method spec names; a boolean feature takes the `categorical` entry unless `boolean` is given. */
export const SPEC_TYPES = ['numeric', 'categorical', 'boolean'] as const;
/** A feature type a method spec can name. */
export type SpecType = (typeof SPEC_TYPES)[number];

/** Longest method spec accepted, in characters. */
export const MAX_METHOD_SPEC_LENGTH = 4096;

/** Methods that compare sorted numeric samples, so numeric features only. */
const NUMERIC_ONLY: ReadonlySet<DriftMethod> = new Set(['ks', 'wasserstein']);

/**
 * Drift methods per feature: by feature name, else by type, else the bare `default`; `auto` (Evidently's
 * choice) wherever nothing else applies.
 */
export interface MethodSpec {
  /** The bare method, for every feature no entry names (`auto` when none was given). */
  default: DriftMethod;
  types: Partial<Record<SpecType, DriftMethod>>;
  /** By feature name, in the order given. */
  features: Map<string, DriftMethod>;
}

/** Where a method spec came from, for its error messages. */
export interface MethodSpecSource {
  /** The setting's name: `method`, `monitoring.method`. */
  field: string;
  /** The file it was read from, if any. */
  path?: string;
  /** Whether entries may name features (a request may; config.yaml, which covers every model, may not). */
  features: boolean;
}

/** A spec that chooses `method` (default `auto`) for every feature. */
export function uniformSpec(method: DriftMethod = 'auto'): MethodSpec {
  return { default: method, types: {}, features: new Map() };
}

/** The methods a feature of `type` can be compared with. */
export function methodsFor(type: SpecType): DriftMethod[] {
  return DRIFT_METHODS.filter((m) => type === 'numeric' || !NUMERIC_ONLY.has(m));
}

/** Whether `method` can compare a feature of `type`. */
export function methodFits(method: DriftMethod, type: FeatureType): boolean {
  return type === 'numeric' || !NUMERIC_ONLY.has(method);
}

function isSpecType(key: string): key is SpecType {
  return (SPEC_TYPES as readonly string[]).includes(key);
}

function isMethod(name: string): name is DriftMethod {
  return (DRIFT_METHODS as readonly string[]).includes(name);
}

/**
 * Parses `ks`, `numeric=ks,categorical=chi2` or `psi,amount=wasserstein`: comma-separated entries, each a
 * bare method (at most one: the default) or `KEY=METHOD` where KEY is a feature type or, when the source
 * allows it, a feature name. Refuses unknown methods and types and a method that cannot compare its type.
 */
export function parseMethodSpec(text: string, source: MethodSpecSource = { field: 'method', features: true }): MethodSpec {
  const where = `${source.path ? `${source.path}: ` : ''}${source.field}`;
  const bad = (message: string, hint: string): never => {
    throw new ModelVaultError('invalid_input', `${where}: ${message}`, { field: source.field, ...(source.path ? { path: source.path } : {}), hint });
  };
  const syntax = `give METHOD, TYPE=METHOD${source.features ? ' or FEATURE=METHOD' : ''} entries separated by commas, e.g. numeric=ks,categorical=chi2`;
  if (text.length > MAX_METHOD_SPEC_LENGTH) bad(`is longer than ${MAX_METHOD_SPEC_LENGTH} characters`, syntax);
  if (text.trim() === '') bad('is empty', syntax);
  const spec = uniformSpec();
  let bare: string | undefined;
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') bad(`has an empty entry in ${JSON.stringify(text.slice(0, 200))}`, syntax);
    const eq = entry.indexOf('=');
    const key = eq < 0 ? undefined : entry.slice(0, eq).trim();
    const name = (eq < 0 ? entry : entry.slice(eq + 1)).trim();
    const quoted = JSON.stringify(entry);
    if (!isMethod(name)) bad(`entry ${quoted}: ${JSON.stringify(name)} is not a drift method (use one of ${DRIFT_METHODS.join(', ')})`, syntax);
    const method = name as DriftMethod;
    if (key === undefined) {
      if (bare !== undefined) bad(`has two bare methods, ${bare} and ${method}`, 'give one bare method for every feature no entry names, and TYPE=METHOD entries for the rest');
      bare = method;
      spec.default = method;
    } else if (key === '') {
      bad(`entry ${quoted} names no type${source.features ? ' or feature' : ''} before "="`, syntax);
    } else if (isSpecType(key)) {
      if (spec.types[key] !== undefined) bad(`gives ${key} twice`, 'give each type once');
      if (!methodFits(method, key)) bad(`entry ${quoted}: ${method} compares numeric features only (for ${key} features use one of ${methodsFor(key).join(', ')})`, syntax);
      spec.types[key] = method;
    } else if (key === 'text') {
      bad(`entry ${quoted}: text features are never compared for drift (types: ${SPEC_TYPES.join(', ')})`, syntax);
    } else if (!source.features) {
      bad(`entry ${quoted}: ${JSON.stringify(key)} is not a feature type (use one of ${SPEC_TYPES.join(', ')})`, 'choose methods for single features per request: modelvault drift REF --method FEATURE=METHOD');
    } else {
      if (spec.features.has(key)) bad(`gives feature ${JSON.stringify(key)} twice`, 'give each feature once');
      spec.features.set(key, method);
    }
  }
  return spec;
}

/** The text form of a spec, which {@link parseMethodSpec} reads back: default, then types, then features. */
export function formatMethodSpec(spec: MethodSpec): string {
  const entries: string[] = [];
  for (const t of SPEC_TYPES) if (spec.types[t] !== undefined) entries.push(`${t}=${spec.types[t]}`);
  for (const [name, method] of spec.features) entries.push(`${name}=${method}`);
  if (spec.default !== 'auto' || entries.length === 0) entries.unshift(spec.default);
  return entries.join(',');
}

/** The method a spec gives a feature, and the entry that gave it (`auto` when none did). */
export function methodOf(spec: MethodSpec, name: string, type: FeatureType): { method: DriftMethod; entry: string } {
  const byName = spec.features.get(name);
  if (byName !== undefined) return { method: byName, entry: `${name}=${byName}` };
  const typed = type === 'boolean' ? (spec.types.boolean !== undefined ? 'boolean' : 'categorical') : type;
  const byType = isSpecType(typed) ? spec.types[typed] : undefined;
  if (byType !== undefined) return { method: byType, entry: `${typed}=${byType}` };
  return { method: spec.default, entry: spec.default };
}
