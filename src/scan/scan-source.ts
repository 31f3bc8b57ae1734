import { posix } from 'node:path';
import { constants as zc, gunzipSync, inflateSync } from 'node:zlib';
import {
  bufferSource, isTarHeader, isTorchLegacyMagic, listTarEntries, listZipEntries, openZipMember, parseMessage, PbError, readAll, runPickle, sliceSource, tarModelFormat,
  torchStorageItemSize, zipModelFormat, type ByteSource, type PbField, type PickleContext, type PickleResult, type PyValue,
} from '../formats/containers/index.ts';
import type { ModelFormat } from '../formats/index.ts';
import { findJsonConfigs, looksLikeHdf5 } from './hdf5.ts';
import { looksLikeGguf, scanGguf } from './gguf.ts';
import { looksLikeKerasConfig, scanKerasConfig } from './keras-config.ts';
import { looksLikeNpy, parseNpyHeader } from './npy.ts';
import { looksLikeOnnx, scanOnnx } from './onnx.ts';
import { classifyGlobal, type ScanPolicy } from './policy.ts';
import { looksLikeSafetensors, scanSafetensors } from './safetensors.ts';
import { looksLikeSavedModel, scanTensorFlow } from './tf-savedmodel.ts';
import type { Finding, ScanLimits } from './types.ts';

/** Shared state of one file's scan: policy, limits and the decompression budget. */
export interface ScanContext {
  policy: ScanPolicy;
  limits: ScanLimits;
  budget: { left: number; maxMember: number };
}

/** The format the bytes turned out to be and what was found in them. */
export interface SourceResult {
  format: ModelFormat;
  findings: Finding[];
}

function pickleContext(ctx: ScanContext): PickleContext {
  return { limits: ctx.limits, classify: (module, name) => classifyGlobal(ctx.policy, module, name) };
}

const UNDECODABLE: Array<[string, (h: Buffer) => boolean]> = [
  ['7z', (h) => h.length >= 6 && h.subarray(0, 6).equals(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))],
  ['xz', (h) => h.length >= 6 && h.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))],
  ['bz2', (h) => h.length >= 4 && h.toString('latin1', 0, 3) === 'BZh' && (h[3] as number) >= 0x31 && (h[3] as number) <= 0x39],
  ['lzma', (h) => h.length >= 3 && h[0] === 0x5d && h[1] === 0x00 && h[2] === 0x00],
  ['lz4', (h) => h.length >= 4 && h.readUInt32LE(0) === 0x184d2204],
  ['zstd', (h) => h.length >= 4 && h.readUInt32LE(0) === 0xfd2fb528],
  ['rar', (h) => h.length >= 4 && h.toString('latin1', 0, 4) === 'Rar!'],
];

function inMember(member: string, findings: readonly Finding[]): Finding[] {
  return findings.map((f) => ({ ...f, member: f.member ? `${member}!${f.member}` : member }));
}

/** Most pickles one stream may stack; legacy torch writes five. */
const MAX_STACKED_PICKLES = 64;
/** Legacy torch.save writes five pickles (magic, protocol, system info, object, storage keys), then the storages' bytes. */
const TORCH_LEGACY_PICKLES = 5;

/**
 * Where legacy torch's storage bytes end: each key of the last pickle's list, in order, is an 8-byte element count
 * and that many elements of the type its persistent id named. A string says why they cannot be located.
 */
function legacyStoragesEnd(src: ByteSource, start: number, keys: PyValue | undefined, types: ReadonlyMap<string, string>): number | string {
  if (!keys || typeof keys !== 'object' || keys.k !== 'list') return 'legacy torch storage keys are not a list, so the storage bytes cannot be located';
  let pos = start;
  for (const key of keys.items) {
    const type = typeof key === 'string' ? types.get(key) : undefined;
    const itemSize = type === undefined ? undefined : torchStorageItemSize(type);
    if (itemSize === undefined) return `legacy torch storage ${typeof key === 'string' ? `"${key.slice(0, 40)}"` : '?'} has no storage type the scanner knows, so its bytes cannot be located`;
    const count = src.read(pos, 8);
    const end = count.length === 8 ? pos + 8 + Number(count.readBigUInt64LE(0)) * itemSize : Infinity;
    if (end > src.size) return 'legacy torch storage bytes end before the storages the keys list';
    pos = end;
  }
  return pos;
}

/**
 * Walks every pickle stacked in the stream to the end of the bytes (legacy torch writes several; an attacker may
 * append one without PROTO), skipping legacy torch's storage bytes; bytes that are no pickle are a finding.
 */
function scanPickleStream(src: ByteSource, scan: ScanContext, forced: boolean): SourceResult | undefined {
  const ctx: PickleContext = { ...pickleContext(scan), budget: { opcodes: scan.limits.maxOpcodes } };
  const first = runPickle(src, 0, ctx);
  // Without PROTO the bytes are a pickle if the walk reached a clean STOP or an import, or hit a limit first:
  // protocol 0 is text, and a limit must not turn a pickle into a harmless text file.
  const limited = (r: PickleResult): boolean => r.findings.some((f) => f.kind === 'limit');
  if (!forced && !first.sawCode && first.status !== 'complete' && !limited(first)) return undefined;
  const findings = [...first.findings];
  const legacy = isTorchLegacyMagic(first.result);
  let format: ModelFormat = first.joblib ? 'joblib' : legacy ? 'pytorch-legacy' : 'pickle';
  const storages = new Map(first.storages);
  let prev = first;
  let pos = first.end;
  for (let n = 1; prev.complete && pos < src.size; n++) {
    if (legacy && n === TORCH_LEGACY_PICKLES) {
      const end = legacyStoragesEnd(src, pos, prev.result, storages);
      if (typeof end === 'string') {
        findings.push({ severity: 'unscannable', kind: 'malformed', offset: pos, message: `${end}; the rest of the file was not scanned` });
        break;
      }
      pos = end;
      continue;
    }
    if (n >= MAX_STACKED_PICKLES) {
      findings.push({ severity: 'unscannable', kind: 'limit', offset: pos, message: `more than ${MAX_STACKED_PICKLES} pickles stacked in one stream; the rest was not scanned` });
      break;
    }
    const next = runPickle(src, pos, ctx);
    if (!next.complete && !next.sawCode && !limited(next)) {
      // Text such as "N.B." walks as a tiny pickle; without PROTO or an import, what follows says it is text.
      if (n === 1 && !forced && !first.sawCode) return undefined;
      findings.push({ severity: 'suspicious', kind: 'trailing', offset: pos, message: `${src.size - pos} bytes after the last STOP are not a pickle; a loader that reads on fails or runs them` });
      break;
    }
    findings.push(...next.findings);
    if (next.joblib) format = 'joblib';
    for (const [key, type] of next.storages) storages.set(key, type);
    prev = next;
    pos = next.end;
  }
  return { format, findings };
}

function isText(buf: Buffer, partial: boolean): boolean {
  if (buf.includes(0)) return false;
  const text = buf.toString('utf8');
  // In a partial sample, a replacement character at the very end may be a multibyte sequence cut short.
  const bad = text.indexOf('\ufffd');
  return bad < 0 || (partial && bad >= text.length - 1);
}

/** A scanned JSON text, and whether it is a Keras model config. */
interface JsonResult extends SourceResult {
  kerasConfig: boolean;
}

function scanJsonText(text: string, ctx: ScanContext): JsonResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (looksLikeKerasConfig(value)) return { format: 'json', findings: scanKerasConfig(value, ctx.policy), kerasConfig: true };
  return { format: 'json', findings: [], kerasConfig: false };
}

function scanZip(src: ByteSource, ctx: ScanContext, depth: number): SourceResult {
  const { entries, findings } = listZipEntries(src, ctx.limits.maxArchiveMembers);
  const format = zipModelFormat(entries.map((e) => e.name));
  const torch = format === 'pytorch';
  for (const e of entries) {
    const storage = torch && /(^|\/)data\/\d+$/.test(e.name);
    const opened = openZipMember(src, e, ctx.budget, !storage);
    if ('finding' in opened) {
      findings.push(opened.finding);
      continue;
    }
    findings.push(...opened.findings);
    const member = opened.source;
    // Tensor storages are raw bytes that torch.load never unpickles: located, not walked.
    if (storage) {
      const head = member.read(0, 2);
      if (head[0] === 0x80 && (head[1] ?? 0xff) <= 5) {
        const r = runPickle(member, 0, pickleContext(ctx));
        if (r.sawCode) findings.push(...inMember(e.name, r.findings));
      }
      continue;
    }
    findings.push(...inMember(e.name, scanSource(member, e.name, ctx, depth + 1).findings));
  }
  if (entries.length === 0) findings.push({ severity: 'unscannable', kind: 'container', message: 'zip archive with no readable members' });
  return { format, findings };
}

function scanTar(src: ByteSource, ctx: ScanContext, depth: number): SourceResult {
  const { entries, truncated, limited } = listTarEntries(src, ctx.limits.maxArchiveMembers);
  const findings: Finding[] = [];
  const format = tarModelFormat(entries.map((e) => e.name));
  for (const e of entries) findings.push(...inMember(e.name, scanSource(sliceSource(src, e.offset, e.size), e.name, ctx, depth + 1).findings));
  if (truncated) findings.push({ severity: 'suspicious', kind: 'malformed', message: 'tar archive is truncated or corrupt' });
  if (limited) findings.push({ severity: 'unscannable', kind: 'limit', message: `tar archive has more than ${ctx.limits.maxArchiveMembers} members; the rest were not scanned` });
  return { format, findings };
}

function decompressed(src: ByteSource, ctx: ScanContext, kind: 'gzip' | 'zlib', depth: number): SourceResult | undefined {
  const cap = Math.min(ctx.budget.maxMember, ctx.budget.left);
  if (src.size > cap) return { format: 'binary', findings: [{ severity: 'unscannable', kind: 'limit', message: `compressed file larger than the decompression budget (${cap} bytes); it was not scanned` }] };
  let out: Buffer;
  try {
    const opts = { maxOutputLength: Math.max(1, cap), finishFlush: zc.Z_SYNC_FLUSH };
    out = kind === 'gzip' ? gunzipSync(readAll(src), opts) : inflateSync(readAll(src), opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      return { format: 'binary', findings: [{ severity: 'unscannable', kind: 'limit', message: `${kind} data inflates beyond ${cap} bytes (decompression bomb?); it was not scanned` }] };
    }
    return kind === 'gzip' ? { format: 'binary', findings: [{ severity: 'suspicious', kind: 'malformed', message: 'gzip data is corrupt' }] } : undefined;
  }
  ctx.budget.left -= out.length;
  return scanSource(bufferSource(out), '', ctx, depth + 1);
}

function scanProtobuf(src: ByteSource, name: string, ctx: ScanContext): SourceResult | undefined {
  const ext = posix.extname(name).toLowerCase();
  if (src.size > ctx.limits.maxProtobufBytes) {
    if (ext !== '.onnx' && ext !== '.pb') return undefined;
    return { format: ext === '.onnx' ? 'onnx' : 'tensorflow-savedmodel', findings: [{ severity: 'unscannable', kind: 'limit', message: `protobuf larger than ${ctx.limits.maxProtobufBytes} bytes` }] };
  }
  const buf = readAll(src);
  let top: PbField[];
  try {
    top = parseMessage(buf);
  } catch (err) {
    if (!(err instanceof PbError)) throw err;
    if (ext === '.onnx' || ext === '.pb') return { format: ext === '.onnx' ? 'onnx' : 'tensorflow-savedmodel', findings: [{ severity: 'suspicious', kind: 'malformed', message: `protobuf is malformed: ${err.message}` }] };
    return undefined;
  }
  if (ext === '.onnx' || looksLikeOnnx(top)) return { format: 'onnx', findings: scanOnnx(buf) };
  if (looksLikeSavedModel(top)) return { format: 'tensorflow-savedmodel', findings: scanTensorFlow(buf, true) };
  if (ext === '.pb') return { format: 'tensorflow-graphdef', findings: scanTensorFlow(buf, false) };
  return undefined;
}

function scanHdf5(src: ByteSource, ctx: ScanContext): SourceResult {
  const findings: Finding[] = [];
  let keras = false;
  for (const { offset, text } of findJsonConfigs(src)) {
    const parsed = text === undefined ? undefined : scanJsonText(text, ctx);
    if (!parsed) {
      findings.push({ severity: 'suspicious', kind: 'malformed', offset, message: 'JSON config in an HDF5 attribute could not be parsed' });
      continue;
    }
    if (parsed.kerasConfig) keras = true;
    findings.push(...parsed.findings.map((f) => ({ ...f, offset })));
  }
  return { format: keras ? 'keras-h5' : 'hdf5', findings };
}

function scanNpy(src: ByteSource, ctx: ScanContext): SourceResult {
  const header = parseNpyHeader(src);
  if (typeof header === 'string') return { format: 'numpy', findings: [{ severity: 'suspicious', kind: 'malformed', message: `.npy ${header}` }] };
  if (header.object) {
    const payload = sliceSource(src, header.dataOffset, src.size - header.dataOffset);
    const r = scanPickleStream(payload, ctx, true) as SourceResult;
    const findings: Finding[] = r.findings.map((f) => (f.offset === undefined ? f : { ...f, offset: f.offset + header.dataOffset }));
    findings.push({ severity: 'info', kind: 'pickle', message: 'object array: numpy unpickles the payload when allow_pickle=True' });
    return { format: 'numpy', findings };
  }
  const have = src.size - header.dataOffset;
  const need = header.dataBytes;
  if (need !== undefined && have < need) {
    return { format: 'numpy', findings: [{ severity: 'suspicious', kind: 'malformed', message: `array needs ${need} bytes but only ${have} follow the header` }] };
  }
  if (need !== undefined && have > need) {
    return { format: 'numpy', findings: [{ severity: 'info', kind: 'malformed', offset: header.dataOffset + need, message: `${have - need} trailing bytes that numpy ignores` }] };
  }
  return { format: 'numpy', findings: [] };
}

/** Sniffs the bytes by content (never by name alone) and scans them as the matching loader would read them. */
export function scanSource(src: ByteSource, name: string, ctx: ScanContext, depth: number): SourceResult {
  if (depth > ctx.limits.maxArchiveDepth) {
    return { format: 'binary', findings: [{ severity: 'unscannable', kind: 'limit', message: `archives nested deeper than ${ctx.limits.maxArchiveDepth}` }] };
  }
  if (src.size === 0) return { format: 'binary', findings: [] };
  const head = src.read(0, 1024);
  if (head.length >= 4 && (head.readUInt32LE(0) === 0x04034b50 || head.readUInt32LE(0) === 0x06054b50)) return scanZip(src, ctx, depth);
  for (const [format, test] of UNDECODABLE) {
    if (test(head)) return { format: 'binary', findings: [{ severity: 'unscannable', kind: 'container', message: `${format} data cannot be decoded by the scanner; it is not known to be safe` }] };
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return decompressed(src, ctx, 'gzip', depth) as SourceResult;
  if (head[0] === 0x78 && head.length >= 2 && ((head[0] << 8) | (head[1] as number)) % 31 === 0) {
    const r = decompressed(src, ctx, 'zlib', depth);
    if (r) return r;
  }
  if (looksLikeNpy(head)) return scanNpy(src, ctx);
  if (looksLikeGguf(head)) return { format: 'gguf', findings: scanGguf(src) };
  if (looksLikeHdf5(src)) return scanHdf5(src, ctx);
  if (head.length >= 512 && isTarHeader(head.subarray(0, 512))) return scanTar(src, ctx, depth);
  if (looksLikeSafetensors(head, src.size)) return { format: 'safetensors', findings: scanSafetensors(src, ctx.limits.maxHeaderBytes) };
  const pickle = scanPickleStream(src, ctx, head[0] === 0x80 && (head[1] ?? 0xff) <= 5);
  if (pickle) return pickle;
  const pb = scanProtobuf(src, name, ctx);
  if (pb) return pb;
  const sample = src.read(0, 64 * 1024);
  if (isText(sample, sample.length < src.size)) {
    if (src.size <= 16 << 20) {
      const json = scanJsonText(readAll(src).toString('utf8'), ctx);
      if (json) return json;
    }
    return { format: 'text', findings: [] };
  }
  return { format: 'binary', findings: [{ severity: 'unscannable', kind: 'format', message: 'unrecognised format; it is not known to be safe' }] };
}
