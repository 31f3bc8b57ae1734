import { ModelVaultError } from '../core/errors.ts';
import { countNumbers, DISCRETE_LIMIT, type Column, type CountedColumn, type ValueCounts } from './profile.ts';

/** The kind of value a feature holds, from the version's metadata (`features` or `signature.inputs`). */
export type ValueKind = 'number' | 'string' | 'boolean' | 'any';

/** The features a version expects, when its metadata declares them. */
export interface ObservationSchema {
  features: { name: string; kind: ValueKind }[];
}

/**
 * A stored column: numbers (NaN = missing) or dictionary codes (MISSING_CODE = missing). `counts` are
 * the column's value counts, kept with the batch so that count-based drift need not read the values:
 * per code for categories, per value for numbers with at most DISCRETE_LIMIT distinct values, `null`
 * for numbers with more. Absent until {@link columnCounts} computes them.
 */
export type StoredColumn =
  | { kind: 'num'; values: Float64Array; counts?: ValueCounts | null }
  | { kind: 'cat'; dict: string[]; codes: Uint32Array; counts?: ValueCounts | null };

/** Observations in columnar form, as stored in one batch. */
export interface ObservationBatch {
  rows: number;
  /** ms since the epoch. */
  timestamps: Float64Array;
  /** ms; NaN when not sent. */
  latency: Float64Array;
  /** 1 when the observation reports a failed prediction. */
  errors: Uint8Array;
  features: Map<string, StoredColumn>;
  prediction: StoredColumn;
  /** Absent when no observation of the batch carries a label. */
  label?: StoredColumn;
}

const MISSING_CODE = 0xffffffff;
const OBSERVATION_FIELDS = new Set(['features', 'prediction', 'label', 'latency_ms', 'timestamp', 'error']);
/** Largest batch accepted in one request. */
export const MAX_OBSERVATIONS = 1_000_000;

const NUMERIC_DTYPE = /^(float|double|int|uint|number|numeric|real|decimal|long|short)/i;
const BOOLEAN_DTYPE = /^bool/i;
const STRING_DTYPE = /^(str|string|object|category|categorical|text|utf8)/i;

function kindOfDtype(dtype: unknown): ValueKind {
  if (typeof dtype !== 'string') return 'any';
  if (BOOLEAN_DTYPE.test(dtype)) return 'boolean';
  if (NUMERIC_DTYPE.test(dtype)) return 'number';
  if (STRING_DTYPE.test(dtype)) return 'string';
  return 'any';
}

/**
 * The expected features of a version: `features` (names or {name, dtype}) when present, else the named
 * inputs of `signature` whose shape is a scalar per row. Undefined when the metadata declares neither.
 */
export function schemaFromMetadata(metadata: Record<string, unknown>): ObservationSchema | undefined {
  const features = metadata.features;
  if (Array.isArray(features) && features.length > 0) {
    return {
      features: features.map((f) => (typeof f === 'string' ? { name: f, kind: 'any' as const } : { name: String((f as { name?: unknown }).name), kind: kindOfDtype((f as { dtype?: unknown }).dtype) })),
    };
  }
  const inputs = (metadata.signature as { inputs?: unknown } | undefined)?.inputs;
  if (Array.isArray(inputs) && inputs.length > 0) {
    const scalar = inputs.filter((t) => {
      const shape = (t as { shape?: unknown }).shape;
      return !Array.isArray(shape) || shape.slice(1).every((d) => d === 1);
    });
    if (scalar.length === inputs.length) return { features: inputs.map((t) => ({ name: String((t as { name: unknown }).name), kind: kindOfDtype((t as { dtype?: unknown }).dtype) })) };
  }
  return undefined;
}

function reject(line: number, field: string, message: string, hint?: string): never {
  throw new ModelVaultError('invalid_input', `observation ${line}: ${field}: ${message}`, { line, field, ...(hint ? { hint } : {}) });
}

type Scalar = number | string | boolean | null;

function scalarOf(line: number, field: string, v: unknown, kind: ValueKind): Scalar {
  if (v === null) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) reject(line, field, `${v} is not a finite number`, 'send finite numbers; use null for a missing value');
    if (kind === 'string' || kind === 'boolean') reject(line, field, `expected a ${kind}, got the number ${v}`);
    return v;
  }
  if (typeof v === 'string') {
    if (kind === 'number') reject(line, field, `expected a number, got the string ${JSON.stringify(v.slice(0, 40))}`, 'NaN and Infinity are not accepted; use null for a missing value');
    if (kind === 'boolean') reject(line, field, `expected a boolean, got the string ${JSON.stringify(v.slice(0, 40))}`);
    if (v.length > 10_000) reject(line, field, 'strings are limited to 10,000 characters');
    return v;
  }
  if (typeof v === 'boolean') {
    if (kind === 'number' || kind === 'string') reject(line, field, `expected a ${kind}, got ${v}`);
    return v;
  }
  return reject(line, field, `expected a number, string, boolean or null, got ${Array.isArray(v) ? 'an array' : typeof v}`);
}

class ColumnBuilder {
  private nums: number[] = [];
  private strs: (string | null)[] = [];
  private type: 'number' | 'category' | undefined;
  constructor(private readonly field: string) {}

  push(line: number, v: Scalar): void {
    if (v === null) {
      this.nums.push(Number.NaN);
      this.strs.push(null);
      return;
    }
    const t = typeof v === 'number' ? 'number' : 'category';
    if (this.type === undefined) this.type = t;
    else if (this.type !== t) reject(line, this.field, `mixes ${this.type === 'number' ? 'numbers' : 'strings or booleans'} with ${typeof v === 'number' ? 'numbers' : typeof v}s`, 'send one type per field');
    this.nums.push(typeof v === 'number' ? v : Number.NaN);
    this.strs.push(typeof v === 'number' ? null : String(v));
  }

  build(): StoredColumn {
    if (this.type !== 'category') return { kind: 'num', values: Float64Array.from(this.nums) };
    const index = new Map<string, number>();
    const dict: string[] = [];
    const codes = new Uint32Array(this.strs.length);
    this.strs.forEach((s, i) => {
      if (s === null) {
        codes[i] = MISSING_CODE;
        return;
      }
      let c = index.get(s);
      if (c === undefined) {
        c = dict.length;
        dict.push(s);
        index.set(s, c);
      }
      codes[i] = c;
    });
    return { kind: 'cat', dict, codes };
  }
}

function parseTime(line: number, v: unknown, now: number): number {
  if (v === undefined || v === null) return now;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  return reject(line, 'timestamp', `${JSON.stringify(v)} is not an ISO 8601 time or milliseconds since the epoch`);
}

/**
 * Parses and validates a JSON-lines batch: each line `{features, prediction, label?, latency_ms?,
 * timestamp?, error?}`. With a schema every declared feature must be present (null = missing) and no
 * other may appear; without one, every line must carry the features of the first. The whole batch is
 * refused at the first bad line, naming the line and field.
 */
export function parseObservations(text: string, schema: ObservationSchema | undefined, now = Date.now()): ObservationBatch {
  const lines = text.split('\n');
  let names: string[] | undefined = schema?.features.map((f) => f.name);
  const kinds = new Map<string, ValueKind>(schema?.features.map((f) => [f.name, f.kind]) ?? []);
  const builders = new Map<string, ColumnBuilder>();
  const prediction = new ColumnBuilder('prediction');
  const label = new ColumnBuilder('label');
  const timestamps: number[] = [];
  const latency: number[] = [];
  const errors: number[] = [];
  let labelled = 0;
  let rows = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '') continue;
    const line = i + 1;
    if (rows >= MAX_OBSERVATIONS) throw new ModelVaultError('payload_too_large', `more than ${MAX_OBSERVATIONS} observations in one batch`, { hint: 'split the data into several requests' });
    let obs: unknown;
    try {
      obs = JSON.parse(raw);
    } catch (err) {
      reject(line, 'line', `not valid JSON (${(err as Error).message})`, 'one JSON object per line; NaN and Infinity are not JSON numbers');
    }
    if (obs === null || typeof obs !== 'object' || Array.isArray(obs)) reject(line, 'line', 'expected a JSON object');
    const o = obs as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!OBSERVATION_FIELDS.has(k)) reject(line, k, 'unknown field', 'fields: features, prediction, label, latency_ms, timestamp, error');
    const features = o.features;
    if (features === null || typeof features !== 'object' || Array.isArray(features)) reject(line, 'features', 'expected an object of feature values');
    const f = features as Record<string, unknown>;
    if (!names) names = Object.keys(f).sort();
    for (const k of Object.keys(f)) {
      if (!kinds.has(k) && !names.includes(k)) reject(line, `features.${k}`, schema ? 'is not a feature of the model signature' : 'is not in the first observation', `expected features: ${names.join(', ')}`);
    }
    for (const name of names) {
      if (!Object.hasOwn(f, name)) reject(line, `features.${name}`, 'is missing', 'send every feature; null marks a missing value');
      let b = builders.get(name);
      if (!b) builders.set(name, (b = new ColumnBuilder(`features.${name}`)));
      b.push(line, scalarOf(line, `features.${name}`, f[name], kinds.get(name) ?? 'any'));
    }
    if (!Object.hasOwn(o, 'prediction') || o.prediction === null) reject(line, 'prediction', 'is required');
    prediction.push(line, scalarOf(line, 'prediction', o.prediction, 'any'));
    const l = o.label === undefined ? null : scalarOf(line, 'label', o.label, 'any');
    if (l !== null) labelled++;
    label.push(line, l);
    const lat = o.latency_ms;
    if (lat !== undefined && lat !== null && !(typeof lat === 'number' && Number.isFinite(lat) && lat >= 0)) reject(line, 'latency_ms', `${JSON.stringify(lat)} is not a finite number >= 0`);
    latency.push(typeof lat === 'number' ? lat : Number.NaN);
    if (o.error !== undefined && typeof o.error !== 'boolean') reject(line, 'error', 'expected true or false');
    errors.push(o.error === true ? 1 : 0);
    timestamps.push(parseTime(line, o.timestamp, now));
    rows++;
  }
  if (rows === 0) throw new ModelVaultError('invalid_input', 'no observations in the body', { hint: 'send one JSON object per line' });
  const out: ObservationBatch = {
    rows,
    timestamps: Float64Array.from(timestamps),
    latency: Float64Array.from(latency),
    errors: Uint8Array.from(errors),
    features: new Map([...builders].map(([k, b]) => [k, b.build()])),
    prediction: prediction.build(),
  };
  if (labelled > 0) out.label = label.build();
  return out;
}

interface Header {
  rows: number;
  columns: { name: string; kind: 'num' | 'cat'; dict?: string[]; counts?: StoredCounts | null }[];
}

/** Counts as stored in a batch header: for categories, `counts[i]` is the count of code i. */
interface StoredCounts {
  values?: number[];
  counts: number[];
  missing: number;
}

/** The value counts of a stored column, computed once (see {@link StoredColumn}). */
export function columnCounts(c: StoredColumn): ValueCounts | undefined {
  if (c.counts === undefined) {
    if (c.kind === 'num') c.counts = countNumbers(c.values, 0, c.values.length, DISCRETE_LIMIT) ?? null;
    else {
      const perCode = new Float64Array(c.dict.length);
      let missing = 0;
      for (let i = 0; i < c.codes.length; i++) {
        const code = c.codes[i] as number;
        if (code === MISSING_CODE) missing++;
        else perCode[code] = (perCode[code] as number) + 1;
      }
      const counts = new Map<number | string, number>();
      c.dict.forEach((v, i) => {
        if ((perCode[i] as number) > 0) counts.set(v, perCode[i] as number);
      });
      c.counts = { counts, missing };
    }
  }
  return c.counts ?? undefined;
}

function storedCounts(c: StoredColumn): StoredCounts | null {
  const counted = columnCounts(c);
  if (!counted) return null;
  if (c.kind === 'cat') return { counts: c.dict.map((v) => counted.counts.get(v) ?? 0), missing: counted.missing };
  return { values: [...counted.counts.keys()] as number[], counts: [...counted.counts.values()], missing: counted.missing };
}

function restoreCounts(kind: 'num' | 'cat', dict: string[] | undefined, stored: StoredCounts | null | undefined): ValueCounts | null | undefined {
  if (stored === undefined || stored === null) return stored;
  const keys: (number | string)[] = kind === 'cat' ? (dict ?? []) : (stored.values ?? []);
  const counts = new Map<number | string, number>();
  keys.forEach((k, i) => {
    const n = stored.counts[i] ?? 0;
    if (n > 0) counts.set(k, n);
  });
  return { counts, missing: stored.missing };
}

const PREDICTION = '\u0000prediction';
const LABEL = '\u0000label';

/** Encodes a batch: a JSON header (with each column's value counts), then each column as raw little-endian float64 or uint32 codes. */
export function encodeBatch(batch: ObservationBatch): Buffer {
  const cols: [string, StoredColumn][] = [...batch.features, [PREDICTION, batch.prediction]];
  if (batch.label) cols.push([LABEL, batch.label]);
  const header: Header = {
    rows: batch.rows,
    columns: cols.map(([name, c]) => (c.kind === 'cat' ? { name, kind: 'cat', dict: c.dict, counts: storedCounts(c) } : { name, kind: 'num', counts: storedCounts(c) })),
  };
  const head = Buffer.from(JSON.stringify(header));
  const pad = (n: number): number => (8 - (n % 8)) % 8;
  const parts: Buffer[] = [];
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  parts.push(len, head, Buffer.alloc(pad(4 + head.length)));
  const raw = (a: Float64Array | Uint32Array | Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  parts.push(raw(batch.timestamps), raw(batch.latency), raw(batch.errors), Buffer.alloc(pad(batch.rows)));
  for (const [, c] of cols) {
    parts.push(raw(c.kind === 'num' ? c.values : c.codes));
    if (c.kind === 'cat') parts.push(Buffer.alloc(pad(batch.rows * 4)));
  }
  return Buffer.concat(parts);
}

/** Decodes {@link encodeBatch}. */
export function decodeBatch(body: Uint8Array): ObservationBatch {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const headLen = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + headLen).toString('utf8')) as Header;
  const rows = header.rows;
  let off = 4 + headLen;
  off += (8 - (off % 8)) % 8;
  // Copies keep the typed arrays aligned whatever the driver's buffer offset is.
  const f64 = (): Float64Array => {
    const out = new Float64Array(rows);
    Buffer.from(out.buffer).set(buf.subarray(off, off + rows * 8));
    off += rows * 8;
    return out;
  };
  const timestamps = f64();
  const latency = f64();
  const errors = Uint8Array.from(buf.subarray(off, off + rows));
  off += rows + ((8 - (rows % 8)) % 8);
  const features = new Map<string, StoredColumn>();
  let prediction: StoredColumn | undefined;
  let label: StoredColumn | undefined;
  for (const c of header.columns) {
    let col: StoredColumn;
    if (c.kind === 'num') col = { kind: 'num', values: f64() };
    else {
      const codes = new Uint32Array(rows);
      Buffer.from(codes.buffer).set(buf.subarray(off, off + rows * 4));
      off += rows * 4 + ((8 - ((rows * 4) % 8)) % 8);
      col = { kind: 'cat', dict: c.dict ?? [], codes };
    }
    const counts = restoreCounts(c.kind, c.dict, c.counts);
    if (counts !== undefined) col.counts = counts;
    if (c.name === PREDICTION) prediction = col;
    else if (c.name === LABEL) label = col;
    else features.set(c.name, col);
  }
  if (!prediction) throw new ModelVaultError('internal', 'a stored observation batch has no prediction column');
  const out: ObservationBatch = { rows, timestamps, latency, errors, features, prediction };
  if (label) out.label = label;
  return out;
}

/** Rows [start, end) of a stored column as a drift column (numbers, or strings with null for missing). */
export function columnSlice(c: StoredColumn, start: number, end: number): Column {
  if (c.kind === 'num') return c.values.subarray(start, end);
  const out: (string | null)[] = new Array(end - start);
  for (let i = start; i < end; i++) {
    const code = c.codes[i] as number;
    out[i - start] = code === MISSING_CODE ? null : (c.dict[code] as string);
  }
  return out;
}

/** One column of a window: the batches' columns in order; `undefined` where a batch lacks the column (all missing). */
export class WindowColumn implements CountedColumn {
  readonly length: number;
  readonly kind: 'number' | 'category';
  constructor(private readonly parts: { column: StoredColumn | undefined; rows: number }[]) {
    this.length = parts.reduce((n, p) => n + p.rows, 0);
    this.kind = parts.every((p) => p.column?.kind !== 'cat') ? 'number' : 'category';
  }

  /** The sum of the batches' counts, or undefined when a batch has a number column with many distinct values. */
  valueCounts(): ValueCounts | undefined {
    const counts = new Map<number | string, number>();
    let missing = 0;
    for (const p of this.parts) {
      if (!p.column) {
        missing += p.rows;
        continue;
      }
      const c = columnCounts(p.column);
      if (!c) return undefined;
      missing += c.missing;
      for (const [k, n] of c.counts) counts.set(k, (counts.get(k) ?? 0) + n);
    }
    return { counts, missing };
  }

  values(): Column {
    if (this.kind === 'number') {
      const out = new Float64Array(this.length);
      let off = 0;
      for (const p of this.parts) {
        if (p.column?.kind === 'num') out.set(p.column.values, off);
        else out.fill(Number.NaN, off, off + p.rows);
        off += p.rows;
      }
      return out;
    }
    const out: (string | number | null)[] = [];
    for (const p of this.parts) {
      if (!p.column) for (let i = 0; i < p.rows; i++) out.push(null);
      else {
        const slice = columnSlice(p.column, 0, p.rows);
        for (let i = 0; i < slice.length; i++) out.push(slice[i] as string | number | null);
      }
    }
    return out as Column;
  }
}
