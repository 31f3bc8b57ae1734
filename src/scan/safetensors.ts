import type { ByteSource } from '../formats/containers/index.ts';
import type { Finding } from './types.ts';

const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8, C64: 8,
};

/** True when the bytes start like a safetensors file (length prefix, then a JSON object). */
export function looksLikeSafetensors(head: Buffer, size: number): boolean {
  if (head.length < 9 || size < 10) return false;
  const n = head.readBigUInt64LE(0);
  return n > 1n && n <= BigInt(size - 8) && head[8] === 0x7b;
}

/** Validates a safetensors header against the buffer it describes. */
export function scanSafetensors(src: ByteSource, maxHeader: number): Finding[] {
  const bad = (message: string, name?: string): Finding => ({ severity: 'suspicious', kind: 'malformed', name, message });
  const n = Number(src.read(0, 8).readBigUInt64LE(0));
  if (n > maxHeader) return [{ severity: 'unscannable', kind: 'limit', message: `header of ${n} bytes exceeds ${maxHeader}; it was not checked` }];
  let header: unknown;
  try {
    header = JSON.parse(src.read(8, n).toString('utf8'));
  } catch {
    return [bad('header is not valid JSON')];
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) return [bad('header is not a JSON object')];
  const findings: Finding[] = [];
  const dataSize = src.size - 8 - n;
  const ranges: Array<[number, number, string]> = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!value || typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
        findings.push(bad('__metadata__ must map strings to strings', name));
      }
      continue;
    }
    const t = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!t || typeof t !== 'object') { findings.push(bad('tensor entry is not an object', name)); continue; }
    const size = typeof t.dtype === 'string' ? DTYPE_BYTES[t.dtype] : undefined;
    if (size === undefined) { findings.push(bad(`unknown dtype ${JSON.stringify(t.dtype)}`, name)); continue; }
    const shape = t.shape;
    const offsets = t.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) { findings.push(bad('shape is not a list of non-negative integers', name)); continue; }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) { findings.push(bad('data_offsets is not [begin, end]', name)); continue; }
    const [begin, end] = offsets as [number, number];
    const bytes = (shape as number[]).reduce((a, d) => a * d, 1) * size;
    if (end < begin || end - begin !== bytes) findings.push(bad(`data_offsets span ${end - begin} bytes but shape × dtype needs ${bytes}`, name));
    ranges.push([begin, end, name]);
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [begin, end, name] of ranges) {
    if (begin < at) findings.push(bad('tensor data overlaps the previous tensor', name));
    else if (begin > at) findings.push(bad(`gap of ${begin - at} bytes before this tensor`, name));
    at = Math.max(at, end);
  }
  if (at !== dataSize) findings.push(bad(`tensors cover ${at} bytes but the data section has ${dataSize}`));
  return findings;
}
