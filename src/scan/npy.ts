import type { ByteSource } from '../formats/containers/index.ts';
import { dtypeItemSize } from '../formats/containers/index.ts';

/** The parts of a .npy header the scanner needs. */
export interface NpyHeader {
  dataOffset: number;
  object: boolean;
  /** Bytes the array needs, when the dtype is plain. */
  dataBytes?: number;
}

/** True when the bytes start with the .npy magic. */
export function looksLikeNpy(head: Buffer): boolean {
  return head.length >= 8 && head[0] === 0x93 && head.toString('latin1', 1, 6) === 'NUMPY';
}

/** Parses the header dict as numpy does (a Python literal), or returns why it cannot. */
export function parseNpyHeader(src: ByteSource): NpyHeader | string {
  const pre = src.read(0, 12);
  const major = pre[6] as number;
  if (major < 1 || major > 3) return `unknown .npy version ${major}`;
  const lenBytes = major === 1 ? 2 : 4;
  if (pre.length < 8 + lenBytes) return 'header truncated';
  const hlen = major === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
  const dataOffset = 8 + lenBytes + hlen;
  if (dataOffset > src.size) return 'header runs past the end of the file';
  const text = src.read(8 + lenBytes, hlen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*('([^']*)'|\[.*\])\s*,/s.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !shape) return 'header has no descr or shape';
  const dims = (shape[1] as string).split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) return 'shape is not a tuple of non-negative integers';
  if (descr[2] === undefined) {
    // Structured dtypes: any object field makes numpy pickle the whole array.
    return { dataOffset, object: /'\|?O\d*'/.test(descr[1] as string) };
  }
  const size = dtypeItemSize(descr[2]);
  if (size === undefined) return `unknown dtype '${descr[2]}'`;
  if (size === 'object') return { dataOffset, object: true };
  return { dataOffset, object: false, dataBytes: dims.reduce((a, d) => a * d, 1) * size };
}
