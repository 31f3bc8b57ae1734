import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { ModelVaultError } from '../core/errors.ts';
import { assertName } from '../core/names.ts';
import { assertVersion } from '../core/version.ts';
import { packageFile } from '../package-root.ts';
import type { MetadataSource } from './metadata-file.ts';
import { formatFieldPath, makeProblem, type FieldPath } from './problem.ts';
import type { Problem } from './types.ts';

/** Where the model metadata JSON Schema lives in the package. */
export const METADATA_SCHEMA_URL = packageFile('schemas/model-metadata.schema.json');

const DIGEST_HINT = 'use sha256:<64 hex characters>, e.g. the output of `sha256sum FILE`';
const ARTIFACT_HINT = 'use a relative path such as model.onnx, or { path: model.onnx, checksum: "sha256:<64 hex>" }';

// Keyed by field path with array indexes written as []; the nearest listed ancestor supplies the hint.
const FIELD_HINTS: Record<string, string> = {
  version: 'write the version as a quoted string, e.g. version: "1.0.0"',
  source: 'add source: { repo: <git repository URL>, commit: <full commit hash> }',
  'source.repo': 'the git repository URL, e.g. https://github.com/acme/fraud-detector',
  'source.commit': 'use the full 40-character commit hash (`git rev-parse HEAD`)',
  dataset_manifest: 'a path relative to the model directory (e.g. dataset-manifest.yaml) or a URL',
  training_hash: 'use the training commit (40 hex characters) or sha256:<64 hex> of the model artifact',
  license: 'use an SPDX identifier or expression, e.g. Apache-2.0 or "MIT OR Apache-2.0"',
  artifacts: 'list the model files relative to the directory, e.g. artifacts: [model.onnx]',
  'artifacts[]': ARTIFACT_HINT,
  'artifacts[].path': ARTIFACT_HINT,
  'artifacts[].checksum': DIGEST_HINT,
  features: 'a list of feature names, e.g. [amount, merchant_category]',
  metrics: 'metric values must be numbers, e.g. metrics: { accuracy: 0.95 }',
  hyperparameters: 'a mapping of hyperparameter names to values',
  'lineage.parent_model': 'use NAME@VERSION, e.g. fraud-detector@1.2.0',
  'lineage.training_dataset': 'give the dataset name, and its version and checksum when known',
  'lineage.training_dataset.checksum': DIGEST_HINT,
  signature: 'list inputs and outputs, e.g. signature: { inputs: [{ name: features, dtype: float32, shape: [batch, 4] }], outputs: [{ name: probability, dtype: float32, shape: [batch, 1] }] }',
  'signature.inputs[]': 'describe a tensor as { name: features, dtype: float32, shape: [batch, 4] } (optional: true for an input callers may leave out)',
  'signature.outputs[]': 'describe a tensor as { name: probability, dtype: float32, shape: [batch, 1] }',
  'signature.inputs[].shape': 'list the dimensions: a size, -1 for an unknown size, or a symbolic name such as batch',
  'signature.outputs[].shape': 'list the dimensions: a size, -1 for an unknown size, or a symbolic name such as batch',
  tags: 'a mapping of string keys to string values',
  created_at: 'use an RFC 3339 date-time, e.g. 2024-01-01T00:00:00Z',
};

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(METADATA_SCHEMA_URL, 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: true });
    ajvFormats.default(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function describeTypes(types: string): string {
  const names: Record<string, string> = { string: 'a string', object: 'a mapping', array: 'a list', number: 'a number', integer: 'an integer', boolean: 'true or false', null: 'null' };
  return types.split(',').map((t) => names[t] ?? t).join(' or ');
}

function pathOf(instancePath: string): string[] {
  return instancePath === '' ? [] : instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}

function hintFor(path: FieldPath): string | undefined {
  const generic = path.map((s) => (/^\d+$/.test(String(s)) ? '[]' : String(s)));
  for (let n = generic.length; n > 0; n--) {
    const key = generic.slice(0, n).join('.').replace(/\.\[\]/g, '[]');
    const hint = FIELD_HINTS[key];
    if (hint) return hint;
  }
  return undefined;
}

// Numeric segments become array indexes so `artifacts/0` prints as `artifacts[0]`.
function typed(path: string[], data: unknown): FieldPath {
  const out: Array<string | number> = [];
  for (const seg of path) {
    out.push(Array.isArray(valueAt(data, out)) ? Number(seg) : seg);
  }
  return out;
}

function describeError(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'required field is missing';
    case 'type':
      return `must be ${describeTypes(String(p.type))}, not ${jsonType(value)}`;
    case 'pattern':
      return `${JSON.stringify(value)} is not in the expected form`;
    case 'format':
      return `${JSON.stringify(value)} is not a valid ${String(p.format)}`;
    case 'minItems':
      return `must list at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'minLength':
      return 'must not be empty';
    case 'maxLength':
      return `is longer than ${String(p.limit)} characters`;
    case 'maxItems':
      return `must list at most ${String(p.limit)} items`;
    case 'minimum':
      return `must be at least ${String(p.limit)}, not ${JSON.stringify(value)}`;
    case 'additionalProperties':
      return 'is not a field here';
    default:
      return e.message ?? `fails the ${e.keyword} rule`;
  }
}

function coreCheck(rule: 'name' | 'version', value: string): { message: string; hint?: string } | undefined {
  try {
    if (rule === 'name') assertName(value);
    else assertVersion(value);
    return undefined;
  } catch (e) {
    if (!(e instanceof ModelVaultError)) throw e;
    const hint = e.details.hint;
    return { message: e.message, ...(typeof hint === 'string' ? { hint } : {}) };
  }
}

/** One schema violation: the field (as a path into the validated value), what is wrong, and how to fix it. */
export interface SchemaError {
  path: FieldPath;
  /** Set on a missing required field: its parent, where a locator should point. */
  parent?: FieldPath;
  message: string;
  hint?: string;
}

/**
 * Ajv's errors for `data` in words people read; `at` is where `data` sits in the metadata (for hints). `if` errors
 * only repeat what the failing `then`/`else` branch already said and are left out.
 */
export function describeSchemaErrors(errors: readonly ErrorObject[], data: unknown, at: FieldPath = []): SchemaError[] {
  const out: SchemaError[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const base = typed(pathOf(e.instancePath), data);
    // A missing field and an unknown one are named by the error's parameters, not its path.
    const params = e.params as { missingProperty?: string; additionalProperty?: string };
    const missing = e.keyword === 'required' ? String(params.missingProperty) : e.keyword === 'additionalProperties' ? String(params.additionalProperty) : undefined;
    const path = missing === undefined ? base : [...base, missing];
    const message = path.length === 0 && at.length === 0 && e.keyword === 'type' ? `must be a mapping of fields, not ${jsonType(data)}` : describeError(e, valueAt(data, base));
    out.push({ path, ...(e.keyword === 'required' ? { parent: base } : {}), message, hint: hintFor([...at, ...path]) });
  }
  return out;
}

/** Validates parsed metadata against the JSON Schema and the core naming and versioning rules, listing every violation. */
export function checkMetadataSchema(source: MetadataSource): Problem[] {
  const { data, file } = source;
  if (data === null || data === undefined) {
    return [makeProblem('schema', file, `${file} is empty`, { position: { line: 1, column: 1 }, hint: 'fill in name, version, source, dataset_manifest, training_hash, license and artifacts' })];
  }
  const validate = validator();
  const problems: Problem[] = [];
  if (!validate(data)) {
    // Name and version get the core rules' wording below.
    const errors = (validate.errors ?? []).filter((e) => !(e.keyword === 'pattern' && (e.instancePath === '/name' || e.instancePath === '/version')));
    for (const e of describeSchemaErrors(errors, data)) {
      const position = e.parent === undefined ? source.locate(e.path) : e.parent.length > 0 ? source.locate(e.parent, { key: true }) : source.locate([]);
      problems.push(makeProblem('schema', file, e.message, { field: formatFieldPath(e.path), position, hint: e.hint }));
    }
  }
  if (typeof data === 'object' && !Array.isArray(data)) {
    const record = data as Record<string, unknown>;
    for (const rule of ['name', 'version'] as const) {
      const value = record[rule];
      if (typeof value !== 'string') continue;
      const failure = coreCheck(rule, value);
      if (failure) problems.push(makeProblem(rule, file, failure.message, { field: rule, position: source.locate([rule]), hint: failure.hint }));
    }
  }
  return problems;
}
