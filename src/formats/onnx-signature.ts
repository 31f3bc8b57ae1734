import { onnxElementType, type Dim, type TensorSignature } from '../core/signature.ts';
import { bufferedSource, messages, parseMessage, PbError, strings, walkFields, type ByteSource, type PbField } from './containers/index.ts';

// onnx.proto field numbers. ModelProto: graph=7. GraphProto: initializer=5, input=11, output=12,
// sparse_initializer=15. TensorProto: name=8. SparseTensorProto: values=1. ValueInfoProto: name=1, type=2.
// TypeProto: tensor_type=1, sequence_type=4, map_type=5, sparse_tensor_type=8, optional_type=9.
// TypeProto.Tensor / SparseTensor: elem_type=1, shape=2. Sequence / Optional: elem_type=1.
// Map: key_type=1, value_type=2. TensorShapeProto: dim=1. Dimension: dim_value=1, dim_param=2.

const MAX_TYPE_DEPTH = 32;
const MAX_TENSORS = 100_000;

/** The inputs and outputs an ONNX model declares. */
export interface OnnxSignature {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

function dims(shape: PbField[]): Dim[] {
  return messages(shape, 1).map((d) => {
    const value = d.find((f) => f.num === 1 && f.int !== undefined)?.int;
    if (value !== undefined) {
      const n = BigInt.asIntN(64, value);
      // A negative or huge size is no size the runtime can check: unknown.
      return n >= 0n && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : null;
    }
    const param = strings(d, 2)[0];
    return param ? param : null;
  });
}

function elementOf(fields: PbField[]): string {
  const code = fields.find((f) => f.num === 1 && f.int !== undefined)?.int;
  return onnxElementType(code === undefined ? 0 : Number(code));
}

/** The dtype and shape a TypeProto describes; composite types keep the shape of the tensor they wrap only for `optional`. */
function typeOf(type: PbField[], depth: number): { dtype: string; shape: Dim[] | null } {
  if (depth > MAX_TYPE_DEPTH) throw new PbError(`type nested deeper than ${MAX_TYPE_DEPTH}`);
  const one = (num: number): PbField[] | undefined => messages(type, num)[0];
  const tensor = one(1) ?? one(8);
  if (tensor) {
    const shape = messages(tensor, 2)[0];
    const element = elementOf(tensor);
    return { dtype: one(1) ? element : `sparse(${element})`, shape: shape ? dims(shape) : null };
  }
  const sequence = one(4);
  if (sequence) return { dtype: `sequence(${inner(sequence, 1, depth).dtype})`, shape: null };
  const map = one(5);
  if (map) return { dtype: `map(${elementOf(map)},${inner(map, 2, depth).dtype})`, shape: null };
  const optional = one(9);
  if (optional) {
    const t = inner(optional, 1, depth);
    return { dtype: `optional(${t.dtype})`, shape: t.shape };
  }
  return { dtype: 'undefined', shape: null };
}

function inner(fields: PbField[], num: number, depth: number): { dtype: string; shape: Dim[] | null } {
  const t = messages(fields, num)[0];
  return t ? typeOf(t, depth + 1) : { dtype: 'undefined', shape: null };
}

function tensorOf(valueInfo: Buffer, offset: number): TensorSignature {
  const fields = parseMessage(valueInfo, offset);
  const type = messages(fields, 2)[0];
  return { name: strings(fields, 1)[0] ?? '', ...(type ? typeOf(type, 0) : { dtype: 'undefined', shape: null }) };
}

/** The name (TensorProto field 8) of the tensor at `start`..`end`, read without its data. */
function tensorName(src: ByteSource, start: number, end: number): string | undefined {
  for (const f of walkFields(src, start, end, (n) => n === 8, 1 << 20)) if (f.num === 8 && f.bytes) return f.bytes.toString('utf8');
  return undefined;
}

/**
 * The inputs and outputs of the ONNX model in `source`: the graph's inputs that no initializer feeds (those are
 * weights a caller may leave alone) and its outputs, each with its element type and shape. Only field headers,
 * the value infos and the initializers' names are read, so the weights are never loaded. Throws PbError when the
 * model is malformed or has no graph.
 */
export function readOnnxSignature(source: ByteSource): OnnxSignature {
  const src = bufferedSource(source);
  let graph: PbField | undefined;
  for (const f of walkFields(src, 0, src.size, () => false)) if (f.num === 7 && f.wire === 2) graph ??= f;
  if (!graph) throw new PbError('the model has no graph');
  const end = graph.dataOffset + graph.length!;
  const inputs: TensorSignature[] = [];
  const outputs: TensorSignature[] = [];
  const initialized = new Set<string>();
  for (const f of walkFields(src, graph.dataOffset, end, (n) => n === 11 || n === 12, 1 << 20)) {
    if (f.wire !== 2) continue;
    const fieldEnd = f.dataOffset + f.length!;
    if (f.num === 11 || f.num === 12) {
      if (inputs.length + outputs.length >= MAX_TENSORS) throw new PbError(`more than ${MAX_TENSORS} inputs and outputs`);
      (f.num === 11 ? inputs : outputs).push(tensorOf(f.bytes!, f.dataOffset));
    } else if (f.num === 5) {
      const name = tensorName(src, f.dataOffset, fieldEnd);
      if (name !== undefined) initialized.add(name);
    } else if (f.num === 15) {
      for (const v of walkFields(src, f.dataOffset, fieldEnd, () => false)) {
        if (v.num !== 1 || v.wire !== 2) continue;
        const name = tensorName(src, v.dataOffset, v.dataOffset + v.length!);
        if (name !== undefined) initialized.add(name);
      }
    }
  }
  return { inputs: inputs.filter((t) => !initialized.has(t.name)), outputs };
}
