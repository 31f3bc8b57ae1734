import { ModelVaultError } from '../core/errors.ts';
import { schemaFromMetadata } from './observations.ts';
import { profileColumns, type Column, type Columns, type FeatureProfile } from './profile.ts';
import type { ReferenceProfile } from './profile-codec.ts';
import { readTable } from '../formats/read-table.ts';

// Reference profiles: reference data split into features, prediction and label as a version's metadata names them.

function nameOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return (v as { name: string }).name;
  return undefined;
}

/** Splits reference data into features, prediction and label, as the version's metadata names them. */
export function referenceFromColumns(columns: Columns, metadata: Record<string, unknown>, options: { sampleSize?: number } = {}): ReferenceProfile {
  const names = Object.keys(columns);
  const labelName = nameOf(metadata.target);
  const label = labelName && names.includes(labelName) ? labelName : undefined;
  const prediction = names.includes('prediction') ? 'prediction' : undefined;
  const schema = schemaFromMetadata(metadata);
  let featureNames: string[];
  if (schema) {
    featureNames = schema.features.map((f) => f.name);
    const missing = featureNames.filter((f) => !names.includes(f));
    if (missing.length > 0) throw new ModelVaultError('invalid_input', `the reference data has no column for feature ${missing.map((m) => `"${m}"`).join(', ')}`, { field: missing[0], hint: `columns found: ${names.join(', ')}` });
  } else featureNames = names.filter((n) => n !== label && n !== prediction);
  if (featureNames.length === 0) throw new ModelVaultError('invalid_input', 'the reference data has no feature columns');
  const pick = (list: string[]): Columns => Object.fromEntries(list.map((n) => [n, columns[n] as Column]));
  const opts = options.sampleSize ? { sampleSize: options.sampleSize } : {};
  const out: ReferenceProfile = { profile: profileColumns(pick(featureNames), opts), columns: {} };
  if (prediction) {
    out.prediction = profileColumns(pick([prediction]), opts).features[0] as FeatureProfile;
    out.columns.prediction = prediction;
  }
  if (label) {
    out.label = profileColumns(pick([label]), opts).features[0] as FeatureProfile;
    out.columns.label = label;
  }
  return out;
}

/** Reads a CSV, Parquet or JSON-lines file and profiles it for the version whose metadata is given. */
export async function referenceFromFile(path: string, metadata: Record<string, unknown>): Promise<ReferenceProfile> {
  return referenceFromColumns(await readTable(path), metadata);
}

/** Checks that an uploaded value is a reference profile this version of the monitor can read. */
export function checkReference(ref: unknown): ReferenceProfile {
  const r = ref as ReferenceProfile;
  const ok =
    r && typeof r === 'object' && r.profile && r.profile.version === 1 && Number.isInteger(r.profile.rows) && Array.isArray(r.profile.features) &&
    r.profile.features.every((f) => f && typeof f.name === 'string' && ['numeric', 'categorical', 'boolean', 'text'].includes(f.type) && (f.type !== 'numeric' || f.count === 0 || (f.numeric && Array.isArray(f.numeric.sample) && Array.isArray(f.numeric.histogram?.edges))));
  if (!ok) throw new ModelVaultError('invalid_input', 'not a reference profile', { hint: 'compute it with `modelvault profile REF --data FILE`' });
  return r;
}
