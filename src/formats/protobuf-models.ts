import { parseMessageHead, PbError, type PbField } from './containers/index.ts';

/** Wire types of the protobuf encoding that a top-level field may use. */
type WireType = 0 | 1 | 2 | 5;

/** The top-level fields of the message head, or undefined when they break the encoding or a field or wire type `schema` does not allow. */
function topLevelFields(head: Buffer, size: number, schema: ReadonlyMap<number, WireType>): PbField[] | undefined {
  let fields: PbField[];
  try {
    fields = parseMessageHead(head, size);
  } catch (err) {
    if (err instanceof PbError) return undefined;
    throw err;
  }
  return fields.every((f) => schema.get(f.num) === f.wire) ? fields : undefined;
}

// onnx.proto ModelProto: ir_version=1, producer_name=2, producer_version=3, domain=4, model_version=5,
// doc_string=6, graph=7, opset_import=8, metadata_props=14, training_info=20, functions=25.
const MODEL_PROTO = new Map<number, WireType>([
  [1, 0], [2, 2], [3, 2], [4, 2], [5, 0], [6, 2], [7, 2], [8, 2], [14, 2], [20, 2], [25, 2],
]);
const MODEL_STRINGS = new Set([2, 3, 4, 6]);
const MAX_IR_VERSION = 15;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the bytes are UTF-8 without control characters other than tab and newlines. */
function isCleanString(buf: Buffer): boolean {
  try {
    // eslint-disable-next-line no-control-regex
    return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(utf8.decode(buf));
  } catch {
    return false;
  }
}

/** True when `head` parses as an ONNX ModelProto: ir_version first and plausible, then a graph or producer. */
export function isOnnxModel(head: Buffer, size: number): boolean {
  if (head[0] !== 0x08) return false;
  const fields = topLevelFields(head, size, MODEL_PROTO);
  const first = fields?.[0];
  if (!fields || first?.num !== 1 || first.int === undefined) return false;
  if (first.int < 1n || first.int > BigInt(MAX_IR_VERSION)) return false;
  // String fields that lie inside the head must hold text: this tells ONNX from other protobufs.
  const strings = fields.filter((f) => MODEL_STRINGS.has(f.num) && f.bytes !== undefined && !f.cut);
  if (!strings.every((f) => isCleanString(f.bytes as Buffer))) return false;
  return fields.some((f) => f.num === 7 || f.num === 2);
}

// saved_model.proto SavedModel: saved_model_schema_version=1, meta_graphs=2.
const SAVED_MODEL = new Map<number, WireType>([[1, 0], [2, 2]]);

/** True when `head` parses as a TensorFlow SavedModel message with at least one field. */
export function isSavedModel(head: Buffer, size: number): boolean {
  const fields = topLevelFields(head, size, SAVED_MODEL);
  return fields !== undefined && fields.length > 0;
}
