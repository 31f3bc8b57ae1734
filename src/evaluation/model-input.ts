import type * as Ort from 'onnxruntime-node';
import { ModelVaultError } from '../core/errors.ts';
import type { Columns } from '../formats/read-table.ts';
import type { ModelSession, OrtModule, TensorInfo } from './onnx-session.ts';

/** Element types an input may have: the table's numbers are converted to them. */
const NUMERIC_INPUTS = new Set(['float32', 'float64', 'int32', 'int64']);

/**
 * How table columns feed the model: one `[N, F]` matrix whose F columns are the features in order, or
 * one column per input (`[N]` or `[N, 1]`) named like the input.
 */
export type InputPlan =
  | { kind: 'matrix'; input: string; type: string; features: string[] }
  | { kind: 'columns'; inputs: { input: string; type: string; column: string; rank: number }[] };

/** The feature columns a plan reads, in order. */
export function planFeatures(plan: InputPlan): string[] {
  return plan.kind === 'matrix' ? plan.features : plan.inputs.map((i) => i.column);
}

function featureNames(metadata: Record<string, unknown>): string[] | undefined {
  const f = metadata.features;
  if (!Array.isArray(f) || f.length === 0) return undefined;
  const names = f.map((x) => (typeof x === 'string' ? x : x && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string' ? (x as { name: string }).name : undefined));
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}

/** The target column a version's metadata names (`target: name` or `target: {name}`). */
export function metadataTarget(metadata: Record<string, unknown>): string | undefined {
  const t = metadata.target;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { name?: unknown }).name === 'string') return (t as { name: string }).name;
  return undefined;
}

/**
 * Maps the table's columns onto the model's inputs by its signature. A single input of rank 2 takes the
 * features the metadata lists (`features:`), else every column but the target, in file order; several inputs
 * (or one of rank 1) each take the column of their own name.
 */
export function planInputs(inputs: readonly TensorInfo[], columns: readonly string[], target: string, metadata: Record<string, unknown>, where: string): InputPlan {
  for (const i of inputs) {
    if (!NUMERIC_INPUTS.has(i.type)) {
      throw new ModelVaultError('invalid_input', `${where}: input "${i.name}" is a ${i.type} tensor; evaluation feeds numeric tables (float32, float64, int32, int64)`, { field: i.name, hint: 'evaluate models whose inputs are numeric features' });
    }
  }
  const hint = `columns in the data: ${columns.join(', ')}`;
  const only = inputs.length === 1 ? inputs[0]! : undefined;
  if (only && only.shape.length === 2 && !(only.shape[1] === 1 && columns.includes(only.name))) {
    const declared = featureNames(metadata);
    const features = declared ?? columns.filter((c) => c !== target);
    const missing = features.filter((f) => !columns.includes(f));
    if (missing.length > 0) {
      throw new ModelVaultError('invalid_input', `the data has no column for feature ${missing.map((m) => `"${m}"`).join(', ')} (listed in the version's metadata features)`, { field: missing[0], hint });
    }
    if (features.length === 0) throw new ModelVaultError('invalid_input', `the data has no feature columns besides the target "${target}"`, { hint });
    const width = only.shape[1];
    if (typeof width === 'number' && width >= 0 && width !== features.length) {
      throw new ModelVaultError('invalid_input', `${where}: input "${only.name}" takes ${width} features per row, but ${declared ? 'the metadata lists' : 'the data has'} ${features.length} (${features.join(', ')})`, {
        field: only.name,
        hint: declared ? 'fix the features list in metadata.yaml' : `list the model's features in metadata.yaml (features:), or drop the other columns from the data; ${hint}`,
      });
    }
    return { kind: 'matrix', input: only.name, type: only.type, features };
  }
  const plan: InputPlan = { kind: 'columns', inputs: [] };
  for (const i of inputs) {
    if (!columns.includes(i.name)) {
      throw new ModelVaultError('invalid_input', `${where}: input "${i.name}" has no column of that name in the data`, { field: i.name, hint: `a model with several inputs takes one column per input, named like it; ${hint}` });
    }
    if (i.shape.length > 2 || (i.shape.length === 2 && typeof i.shape[1] === 'number' && i.shape[1] !== 1)) {
      throw new ModelVaultError('invalid_input', `${where}: input "${i.name}" has shape [${i.shape.join(', ')}]; a column feeds [N] or [N, 1]`, { field: i.name });
    }
    plan.inputs.push({ input: i.name, type: i.type, column: i.name, rank: Math.max(1, i.shape.length) });
  }
  return plan;
}

/** A column as numbers: Float64Array as it is, booleans as 0/1; text is refused. */
export function numericColumn(columns: Columns, name: string): Float64Array {
  const c = columns[name];
  if (c === undefined) throw new ModelVaultError('invalid_input', `the data has no column "${name}"`, { field: name, hint: `columns: ${Object.keys(columns).join(', ')}` });
  if (c instanceof Float64Array) return c;
  const out = new Float64Array(c.length);
  for (let i = 0; i < c.length; i++) {
    const v = c[i];
    if (v === null || v === undefined || v === '') out[i] = Number.NaN;
    else if (typeof v === 'boolean') out[i] = v ? 1 : 0;
    else if (typeof v === 'number') out[i] = v;
    else {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new ModelVaultError('invalid_input', `column "${name}" holds ${JSON.stringify(v)} at row ${i + 1}; the model takes numbers`, { field: name, row: i + 1, hint: 'encode categories as numbers before evaluating' });
      out[i] = n;
    }
  }
  return out;
}

function typedFor(type: string, n: number): Float32Array | Float64Array | Int32Array | BigInt64Array {
  switch (type) {
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    default:
      return new Float32Array(n);
  }
}

function fill(out: Float32Array | Float64Array | Int32Array | BigInt64Array, at: number, v: number, column: string, row: number): void {
  if (out instanceof BigInt64Array || out instanceof Int32Array) {
    if (!Number.isInteger(v)) throw new ModelVaultError('invalid_input', `column "${column}" holds ${v} at row ${row + 1}, but the model's input takes integers`, { field: column, row: row + 1 });
    if (out instanceof BigInt64Array) out[at] = BigInt(v);
    else out[at] = v;
  } else out[at] = v;
}

/** Copies rows [start, start + rows) of the columns into `out`, row-major (row i at i * width). */
function rowMajor<T extends Float32Array | Float64Array>(cols: readonly Float64Array[], start: number, out: T): T {
  const width = cols.length;
  const rows = out.length / width;
  for (let j = 0; j < width; j++) {
    const c = cols[j]!;
    for (let i = 0, k = j; i < rows; i++, k += width) out[k] = c[start + i]!;
  }
  return out;
}

/** Builds the input tensors of one batch: rows [start, end) of the plan's columns. */
export class FeedBuilder {
  private readonly cols: Float64Array[];

  constructor(private readonly ort: OrtModule, readonly plan: InputPlan, columns: Columns) {
    this.cols = planFeatures(plan).map((f) => numericColumn(columns, f));
  }

  feeds(start: number, end: number): Record<string, Ort.Tensor> {
    const rows = end - start;
    const plan = this.plan;
    if (plan.kind === 'matrix') {
      const width = this.cols.length;
      if (plan.type === 'float32') return { [plan.input]: new this.ort.Tensor('float32', rowMajor(this.cols, start, new Float32Array(rows * width)), [rows, width]) };
      if (plan.type === 'float64') return { [plan.input]: new this.ort.Tensor('float64', rowMajor(this.cols, start, new Float64Array(rows * width)), [rows, width]) };
      const out = typedFor(plan.type, rows * width);
      for (let j = 0; j < width; j++) {
        const c = this.cols[j]!;
        for (let i = 0; i < rows; i++) fill(out, i * width + j, c[start + i]!, plan.features[j]!, start + i);
      }
      return { [plan.input]: new this.ort.Tensor(plan.type as 'int32', out as Int32Array, [rows, width]) };
    }
    const feeds: Record<string, Ort.Tensor> = {};
    plan.inputs.forEach((inp, j) => {
      const c = this.cols[j]!;
      const out = typedFor(inp.type, rows);
      if (out instanceof Float32Array || out instanceof Float64Array) out.set(c.subarray(start, end));
      else for (let i = 0; i < rows; i++) fill(out, i, c[start + i]!, inp.column, start + i);
      feeds[inp.input] = new this.ort.Tensor(inp.type as 'float32', out as Float32Array, inp.rank === 2 ? [rows, 1] : [rows]);
    });
    return feeds;
  }
}

/** Input tensors for `rows` rows generated from the signature (values 0.5), for a smoke test without data; dynamic dimensions become `rows` (batch) or 1. */
export function syntheticFeeds(ms: ModelSession, rows: number): Record<string, Ort.Tensor> {
  const feeds: Record<string, Ort.Tensor> = {};
  for (const i of ms.inputs) {
    if (!NUMERIC_INPUTS.has(i.type) && i.type !== 'bool') {
      throw new ModelVaultError('invalid_input', `input "${i.name}" is a ${i.type} tensor; a sample cannot be generated for it`, { field: i.name, hint: 'pass --data with rows for the model' });
    }
    const dims = i.shape.map((d, k) => (typeof d === 'number' && d >= 0 ? d : k === 0 ? rows : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    const type = i.type === 'bool' ? 'bool' : i.type;
    const data = type === 'bool' ? new Uint8Array(n) : typedFor(type, n);
    if (data instanceof BigInt64Array) data.fill(1n);
    else if (data instanceof Int32Array) data.fill(1);
    else if (data instanceof Uint8Array) data.fill(1);
    else data.fill(0.5);
    feeds[i.name] = new ms.ort.Tensor(type as 'float32', data as Float32Array, dims);
  }
  return feeds;
}
