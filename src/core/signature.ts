import type { FieldPath } from './field-path.ts';

// A model's input/output signature: the tensors callers send and read, by name, element type and shape.

/** One dimension of a shape: a fixed size, a symbolic name (ONNX `dim_param`, e.g. `batch`), or null when unknown. */
export type Dim = number | string | null;

/** One input or output of a model. */
export interface TensorSignature {
  name: string;
  /** Element type as ONNX names it in numpy spelling (`float32`, `int64`, `string`), or a composite such as `sequence(map(int64,float32))`. */
  dtype: string;
  /** The dimensions, or null when even the rank is unknown. */
  shape: Dim[] | null;
  /** Set on an input callers may leave out. */
  optional?: boolean;
}

/** Where a version's signature was read: the ONNX graph of its primary model file, or `metadata.signature`. */
export type SignatureSource = 'onnx' | 'metadata';

/** The inputs and outputs of a version, as the registry computed them from the stored bytes or the metadata. */
export interface ModelSignature {
  source: SignatureSource;
  /** The model file the signature was read from (null for `metadata`). */
  file: string | null;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

/** `metadata.signature` as written: -1 stands for an unknown dimension, a tensor may carry a description. */
export interface SignatureSpec {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** One tensor of `metadata.signature` as written. */
export interface TensorSpec {
  name: string;
  dtype: string;
  shape?: Dim[];
  optional?: boolean;
  description?: string;
}

/** Element types by ONNX `TensorProto.DataType` code, in numpy spelling; code 0 is UNDEFINED. */
export const ONNX_ELEMENT_TYPES: readonly string[] = [
  'undefined', 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'float64',
  'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16', 'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz',
  'uint4', 'int4', 'float4e2m1', 'float8e8m0', 'uint2', 'int2', 'float6e2m3', 'float6e3m2',
];

/** The element type names `metadata.signature` accepts. */
export const ELEMENT_TYPES: readonly string[] = ONNX_ELEMENT_TYPES.slice(1);

// Other spellings of the same element types (ONNX's own upper-case names lower-cased, and common synonyms).
const ALIASES: Readonly<Record<string, string>> = { float: 'float32', double: 'float64', half: 'float16', boolean: 'bool', str: 'string' };

/** The element type name of an ONNX `TensorProto.DataType` code. */
export function onnxElementType(code: number): string {
  return ONNX_ELEMENT_TYPES[code] ?? `onnx-type-${code}`;
}

/**
 * The canonical form of a dtype as written in metadata: an element type (any case, `float` for `float32`) or a
 * composite `sequence(T)`, `map(K,V)`, `optional(T)`, `sparse(E)`; undefined when it is neither.
 */
export function normalizeDtype(text: string): string | undefined {
  let pos = 0;
  const src = text.replace(/\s+/g, '').toLowerCase();
  const element = (): string | undefined => {
    const m = /^[a-z][a-z0-9]*/.exec(src.slice(pos));
    if (!m) return undefined;
    const name = ALIASES[m[0]] ?? m[0];
    if (!ELEMENT_TYPES.includes(name)) return undefined;
    pos += m[0].length;
    return name;
  };
  const expect = (s: string): boolean => {
    if (!src.startsWith(s, pos)) return false;
    pos += s.length;
    return true;
  };
  const type = (depth: number): string | undefined => {
    if (depth > 16) return undefined;
    for (const wrapper of ['sequence', 'optional', 'sparse'] as const) {
      if (!expect(`${wrapper}(`)) continue;
      const inner = wrapper === 'sparse' ? element() : type(depth + 1);
      return inner !== undefined && expect(')') ? `${wrapper}(${inner})` : undefined;
    }
    if (expect('map(')) {
      const key = element();
      if (key === undefined || !expect(',')) return undefined;
      const value = type(depth + 1);
      return value !== undefined && expect(')') ? `map(${key},${value})` : undefined;
    }
    return element();
  };
  const out = type(0);
  return out !== undefined && pos === src.length ? out : undefined;
}

/** A problem with a structurally valid `metadata.signature`, at a path below it. */
export interface SignatureSpecProblem {
  path: FieldPath;
  message: string;
  hint?: string;
}

/** What is wrong with a structurally valid `metadata.signature`: unknown dtypes, names used twice on one side. */
export function signatureSpecProblems(spec: SignatureSpec): SignatureSpecProblem[] {
  const problems: SignatureSpecProblem[] = [];
  for (const side of ['inputs', 'outputs'] as const) {
    const seen = new Map<string, number>();
    spec[side].forEach((t, i) => {
      const first = seen.get(t.name);
      if (first !== undefined) problems.push({ path: [side, i, 'name'], message: `${JSON.stringify(t.name)} is already the name of ${side}[${first}]`, hint: `give every one of the ${side} its own name` });
      else seen.set(t.name, i);
      if (normalizeDtype(t.dtype) === undefined) {
        problems.push({
          path: [side, i, 'dtype'],
          message: `${JSON.stringify(t.dtype)} is not an element type`,
          hint: `use one of ${ELEMENT_TYPES.slice(0, 11).join(', ')}, …, or sequence(T), map(K,V), optional(T)`,
        });
      }
    });
  }
  return problems;
}

/** The signature `metadata.signature` declares, in the stored form: dtypes canonical, -1 as null, no descriptions. */
export function signatureFromSpec(spec: SignatureSpec): ModelSignature {
  const tensor = (t: TensorSpec): TensorSignature => ({
    name: t.name,
    dtype: normalizeDtype(t.dtype) ?? t.dtype,
    shape: t.shape === undefined ? null : t.shape.map((d) => (d === -1 ? null : d)),
    ...(t.optional ? { optional: true } : {}),
  });
  return { source: 'metadata', file: null, inputs: spec.inputs.map(tensor), outputs: spec.outputs.map(tensor) };
}

/** A shape as people write it: `[batch, 4]`, `?` for an unknown dimension, `unknown` for an unknown rank. */
export function formatShape(shape: Dim[] | null): string {
  return shape === null ? 'unknown' : `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
