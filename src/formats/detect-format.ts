import { compressionOf, inflateHead } from './compressed.ts';
import {
  isTarHeader, listTarEntries, listZipEntries, readCentralDirectory, runPickle, tarModelFormat, windowSource, zipModelFormat,
  type ByteSource, type PickleContext, type PickleResult,
} from './containers/index.ts';
import type { ModelFormat } from './model-format.ts';
import { isOnnxModel, isSavedModel } from './protobuf-models.ts';
import { decodeText, textFormat } from './text-format.ts';

/** How many leading (and trailing) bytes the detector wants to see. */
export const DETECT_WINDOW = 64 * 1024;

/** What the detector knows about the file besides its first bytes. */
export interface DetectInfo {
  /** The file's path or name; only its base name and extension are used, to break ties. */
  path: string;
  /** The file's full size in bytes. */
  size: number;
  /** The file's last bytes (up to 64 KiB), where a zip keeps its central directory and parquet its footer. */
  tail?: Buffer;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const HDF5_OFFSETS = [0, 512, 1024, 2048];
const NUMPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
// torch.save's legacy format opens with a protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c.
const TORCH_LEGACY_MAGIC = Buffer.from('80028a0a6cfc9c46f9206aa850192e', 'hex');
const MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024;
const MAX_MEMBERS = 20_000;
const JOBLIB_EXTENSIONS = new Set(['joblib', 'jbl']);
const JOBLIB_COMPRESSED_SUFFIX = /\.(pkl|pickle|joblib|jbl)\.(z|gz|bz2|xz|lzma|lz4)$/;

function ascii(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return (parts[parts.length - 1] ?? '').toLowerCase();
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1) : '';
}

// Detection only walks a 64 KiB head: small bounds, and every import is fine since nothing is judged.
const PICKLE_WALK: PickleContext = {
  limits: { maxOpcodes: 1 << 20, maxMemoEntries: 1 << 16, maxStackDepth: 1 << 16, maxStringLength: 1 << 20, maxHeldStringBytes: 1 << 20, maxHeldItems: 1 << 16 },
  classify: (module, name) => ({ severity: 'info', name: `${module}.${name}`, reason: 'format detection' }),
};

/** How a pickle walk over the head went: the head may end mid-stream while the file goes on. */
function walkPickle(head: Buffer, size: number): PickleResult {
  return runPickle(windowSource(size, [{ offset: 0, bytes: head }]), 0, PICKLE_WALK);
}

/** A walk that stayed valid: reached STOP, or ran out of head before the file's end. */
function validSoFar(walk: PickleResult): boolean {
  return walk.status === 'complete' || walk.status === 'unread';
}

/** Protocol 0 and 1 pickles look like text, so they must start like one and end exactly at a STOP. */
function isOldPickle(head: Buffer, walk: PickleResult, size: number, tail: Buffer | undefined): boolean {
  if (!'(]})c'.includes(String.fromCharCode(head[0] ?? 0))) return false;
  if (walk.status === 'complete') return walk.end === size;
  const last = tail ? tail[tail.length - 1] : undefined;
  return walk.status === 'unread' && last === 0x2e;
}

function isSafetensors(head: Buffer, size: number): boolean {
  if (head.length < 10 || head[8] !== 0x7b) return false;
  const length = Number(head.readBigUInt64LE(0));
  if (length < 2 || length > MAX_SAFETENSORS_HEADER || length + 8 > size) return false;
  if (length + 8 > head.length) return true;
  try {
    const header: unknown = JSON.parse(head.toString('utf8', 8, 8 + length));
    return typeof header === 'object' && header !== null && !Array.isArray(header);
  } catch {
    return false;
  }
}

function isTflite(head: Buffer, size: number): boolean {
  if (head.length < 8 || ascii(head, 4, 8) !== 'TFL3') return false;
  const root = head.readUInt32LE(0);
  return root >= 8 && root < size && root % 4 === 0;
}

function isParquet(head: Buffer, size: number, tail: Buffer | undefined): boolean {
  if (ascii(head, 0, 4) !== 'PAR1' || size < 12) return false;
  const end = tail ?? (head.length >= size ? head.subarray(0, size) : undefined);
  return end === undefined || ascii(end, end.length - 4, end.length) === 'PAR1';
}

function zipFormat(src: ByteSource): ModelFormat {
  const names = new Set(listZipEntries(src, MAX_MEMBERS).entries.map((e) => e.name));
  for (const e of readCentralDirectory(src, MAX_MEMBERS).values()) names.add(e.name);
  return zipModelFormat([...names]);
}

/** joblib's compressed dumps: a compression container holding a joblib pickle, or carrying a joblib name. */
function isCompressedJoblib(head: Buffer, name: string): boolean {
  const compression = compressionOf(head);
  if (!compression) return false;
  if (JOBLIB_EXTENSIONS.has(extensionOf(name)) || JOBLIB_COMPRESSED_SUFFIX.test(name)) return true;
  const inflated = inflateHead(head, compression);
  // lz4 frames keep first occurrences as literals, so the wrapper's name is visible uncompressed.
  const plain = inflated ?? (compression === 'lz4' ? head : undefined);
  if (!plain) return false;
  return plain.includes('joblib.numpy_pickle') && (plain.includes('NumpyArrayWrapper') || plain.includes('NDArrayWrapper'));
}

/**
 * Names the format of a file from its first bytes (ideally the first 64 KiB), its size and
 * optionally its last bytes. Content decides; the file name only breaks ties. Never throws.
 */
export function detectFormat(head: Buffer, info: DetectInfo): ModelFormat {
  const size = Math.max(info.size, head.length);
  const name = baseName(info.path);
  const ext = extensionOf(name);
  const tail = info.tail;
  if (head.length === 0) return 'binary';
  const headOnly = (): ByteSource => windowSource(size, [{ offset: 0, bytes: head }]);
  const bothEnds = (): ByteSource => {
    const end = tail?.subarray(Math.max(0, tail.length - size));
    return windowSource(size, end ? [{ offset: 0, bytes: head }, { offset: size - end.length, bytes: end }] : [{ offset: 0, bytes: head }]);
  };

  if (ascii(head, 0, 4) === 'GGUF' && head.length >= 8 && head.readUInt32LE(4) >= 1 && head.readUInt32LE(4) <= 16) return 'gguf';
  if (head.subarray(0, 6).equals(NUMPY_MAGIC) && head[6] !== undefined && head[6] >= 1 && head[6] <= 3) return 'numpy';
  if (HDF5_OFFSETS.some((at) => head.subarray(at, at + 8).equals(HDF5_SIGNATURE))) return 'hdf5';
  if (isParquet(head, size, tail)) return 'parquet';
  if (isTflite(head, size)) return 'tflite';
  if (ascii(head, 0, 4) === 'PK\x03\x04' || (ascii(head, 0, 4) === 'PK\x05\x06' && size === 22)) return zipFormat(bothEnds());
  if (isTarHeader(head.subarray(0, 512))) return tarModelFormat(listTarEntries(headOnly(), MAX_MEMBERS).entries.map((e) => e.name));
  if (head.subarray(0, TORCH_LEGACY_MAGIC.length).equals(TORCH_LEGACY_MAGIC)) return 'pytorch-legacy';
  if (isSafetensors(head, size)) return 'safetensors';
  if (name === 'saved_model.pb' && isSavedModel(head, size)) return 'tensorflow-savedmodel';
  if (isOnnxModel(head, size)) return 'onnx';
  if (isCompressedJoblib(head, name)) return 'joblib';
  const walk = walkPickle(head, size);
  if (head[0] === 0x80) {
    if (walk.joblib) return 'joblib';
    if (walk.protocol >= 2 && validSoFar(walk)) return JOBLIB_EXTENSIONS.has(ext) ? 'joblib' : 'pickle';
  }
  if (isOldPickle(head, walk, size, tail)) return JOBLIB_EXTENSIONS.has(ext) ? 'joblib' : 'pickle';

  const text = decodeText(head, size);
  if (text !== undefined) return textFormat(text, head.length >= size, ext);
  return 'binary';
}

/** Reads up to `length` bytes at `position` of the file being detected. */
export type ReadAt = (position: number, length: number) => Promise<Buffer>;

/** Detects the format of a file of `size` bytes from its first and last 64 KiB, never reading the whole file. */
export async function detectFormatAt(readAt: ReadAt, size: number, path: string): Promise<ModelFormat> {
  const head = await readAt(0, Math.min(DETECT_WINDOW, size));
  const tail = size > head.length ? await readAt(size - DETECT_WINDOW, DETECT_WINDOW) : head;
  return detectFormat(head, { path, size, tail });
}
