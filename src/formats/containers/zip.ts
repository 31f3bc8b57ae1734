import { constants as zc, crc32, inflateRawSync } from 'node:zlib';
import { bufferSource, sliceSource, type ByteSource } from './byte-source.ts';
import type { Finding } from './finding.ts';

/** One zip member as its local file header describes it. */
export interface ZipEntry {
  name: string;
  /** The central-directory name, when it differs from the local header. */
  cdName?: string;
  headerOffset: number;
  dataOffset: number;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const MAX32 = 0xffffffff;

/** One central-directory entry. */
export interface CdInfo { name: string; compressedSize: number; size: number; crc: number }

function zip64Sizes(extra: Buffer, size: number, csize: number, offset?: number): { size: number; csize: number; offset?: number } {
  for (let p = 0; p + 4 <= extra.length;) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const next = (): number | undefined => {
        if (q + 8 > p + 4 + len || q + 8 > extra.length) return undefined;
        const v = Number(extra.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      const out = { size, csize, offset };
      if (size === MAX32) out.size = next() ?? size;
      if (csize === MAX32) out.csize = next() ?? csize;
      if (offset === MAX32) out.offset = next() ?? offset;
      return out;
    }
    p += 4 + len;
  }
  return { size, csize, offset };
}

/** Central-directory entries keyed by local header offset; a missing or broken directory yields none. */
export function readCentralDirectory(src: ByteSource, maxMembers: number): Map<number, CdInfo> {
  const out = new Map<number, CdInfo>();
  const tailLen = Math.min(src.size, 65_557);
  const tail = src.read(src.size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) { eocd = i; break; }
  }
  if (eocd < 0) return out;
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if ((cdOffset === MAX32 || count === 0xffff) && eocd >= 20 && tail.readUInt32LE(eocd - 20) === 0x07064b50) {
    const z64 = src.read(Number(tail.readBigUInt64LE(eocd - 12)), 56);
    if (z64.length === 56 && z64.readUInt32LE(0) === 0x06064b50) {
      count = Number(z64.readBigUInt64LE(32));
      cdSize = Number(z64.readBigUInt64LE(40));
      cdOffset = Number(z64.readBigUInt64LE(48));
    }
  }
  const cd = src.read(cdOffset, Math.min(cdSize, 64 << 20));
  for (let p = 0, n = 0; p + 46 <= cd.length && n < Math.min(count, maxMembers); n++) {
    if (cd.readUInt32LE(p) !== CENTRAL) break;
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const sizes = zip64Sizes(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), cd.readUInt32LE(p + 24), cd.readUInt32LE(p + 20), cd.readUInt32LE(p + 42));
    out.set(sizes.offset ?? 0, { name, compressedSize: sizes.csize, size: sizes.size, crc: cd.readUInt32LE(p + 16) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function readLocal(src: ByteSource, offset: number, cd: CdInfo | undefined): ZipEntry | undefined {
  const h = src.read(offset, 30);
  if (h.length < 30 || h.readUInt32LE(0) !== LOCAL) return undefined;
  const flags = h.readUInt16LE(6);
  const nameLen = h.readUInt16LE(26);
  const extraLen = h.readUInt16LE(28);
  const var_ = src.read(offset + 30, nameLen + extraLen);
  // A name or extra field cut off by the end of the bytes is no header a loader could read.
  if (var_.length < nameLen + extraLen) return undefined;
  const name = var_.subarray(0, nameLen).toString('utf8');
  let { size, csize } = zip64Sizes(var_.subarray(nameLen), h.readUInt32LE(22), h.readUInt32LE(18));
  // With a data descriptor the local sizes may be zero; the directory has the real ones.
  if (cd && (flags & 0x8) !== 0 && csize === 0) ({ size, compressedSize: csize } = cd);
  const crc = cd && (flags & 0x8) !== 0 ? cd.crc : h.readUInt32LE(14);
  return {
    name,
    cdName: cd && cd.name !== name ? cd.name : undefined,
    headerOffset: offset,
    dataOffset: offset + 30 + nameLen + extraLen,
    method: h.readUInt16LE(8),
    flags,
    crc,
    compressedSize: csize,
    size,
  };
}

/**
 * Members found by walking local file headers (as PyTorch's reader does) plus any the central directory points at;
 * past `maxMembers`, an `unscannable` finding says the rest went unscanned.
 */
export function listZipEntries(src: ByteSource, maxMembers: number): { entries: ZipEntry[]; findings: Finding[] } {
  const findings: Finding[] = [];
  // One entry past the limit tells an archive of exactly `maxMembers` from a larger one.
  const cd = readCentralDirectory(src, maxMembers + 1);
  const byOffset = new Map<number, ZipEntry>();
  let more = false;
  let pos = 0;
  for (;;) {
    const e = readLocal(src, pos, cd.get(pos));
    if (!e) break;
    if (byOffset.size >= maxMembers) {
      more = true;
      break;
    }
    byOffset.set(pos, e);
    let next = e.dataOffset + e.compressedSize;
    if ((e.flags & 0x8) !== 0) {
      const d = src.read(next, 4);
      next += d.length === 4 && d.readUInt32LE(0) === 0x08074b50 ? 16 : 12;
    }
    if (next <= pos) break;
    pos = next;
  }
  for (const [offset, info] of cd) {
    if (byOffset.has(offset)) continue;
    if (byOffset.size >= maxMembers) {
      more = true;
      break;
    }
    const e = readLocal(src, offset, info);
    if (e) byOffset.set(offset, e);
    else findings.push({ severity: 'suspicious', kind: 'container', member: info.name, offset, message: 'central directory points at bytes that are not a local file header' });
  }
  if (more) findings.push({ severity: 'unscannable', kind: 'limit', message: `archive has more than ${maxMembers} members; the rest were not scanned` });
  const entries = [...byOffset.values()].sort((a, b) => a.headerOffset - b.headerOffset);
  for (const e of entries) {
    if (e.cdName !== undefined) {
      findings.push({ severity: 'suspicious', kind: 'container', member: e.name, offset: e.headerOffset, message: `local header name differs from central directory name "${e.cdName}"; tools disagree on what this member is` });
    }
    if ((e.flags & 0x61) !== 0) {
      findings.push({ severity: 'suspicious', kind: 'container', member: e.name, offset: e.headerOffset, message: `general-purpose flag bits 0x${(e.flags & 0x61).toString(16)} (encryption/patch) set; loaders that ignore them still read the member` });
    }
  }
  return { entries, findings };
}

/** Opens a member as the loader would read it, or explains why it cannot. */
export function openZipMember(
  src: ByteSource,
  e: ZipEntry,
  budget: { left: number; maxMember: number },
  verifyCrc: boolean,
): { source: ByteSource; findings: Finding[] } | { finding: Finding } {
  const where = { member: e.name, offset: e.headerOffset };
  const findings: Finding[] = [];
  let source: ByteSource;
  if (e.method === 0) {
    source = sliceSource(src, e.dataOffset, e.compressedSize);
  } else if (e.method === 8) {
    const cap = Math.min(budget.maxMember, budget.left);
    if (e.compressedSize > cap) {
      return { finding: { severity: 'unscannable', kind: 'limit', ...where, message: `compressed member of ${e.compressedSize} bytes exceeds the decompression budget; it was not scanned` } };
    }
    let out: Buffer;
    try {
      out = inflateRawSync(src.read(e.dataOffset, e.compressedSize), { maxOutputLength: Math.max(1, cap), finishFlush: zc.Z_SYNC_FLUSH });
    } catch (err) {
      const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
      return {
        finding: tooBig
          ? { severity: 'unscannable', kind: 'limit', ...where, message: `member inflates beyond ${cap} bytes (zip bomb?); it was not scanned` }
          : { severity: 'suspicious', kind: 'malformed', ...where, message: 'deflate data is corrupt' },
      };
    }
    budget.left -= out.length;
    source = bufferSource(out);
  } else {
    return { finding: { severity: 'unscannable', kind: 'container', ...where, message: `compression method ${e.method} cannot be decoded by the scanner` } };
  }
  if (verifyCrc && source.size <= 16 << 20 && crc32(source.read(0, source.size)) >>> 0 !== e.crc >>> 0) {
    findings.push({ severity: 'suspicious', kind: 'container', ...where, message: 'CRC-32 does not match the member data; loaders that skip the check still read it' });
  }
  return { source, findings };
}

/** The format a zip archive's member names make it, following how torch.load, Keras and numpy.load recognise theirs. */
export function zipModelFormat(names: readonly string[]): 'pytorch' | 'keras' | 'numpy-npz' | 'zip' {
  // torch.load reads `<archive>/data.pkl`, the archive name being a single top-level folder.
  if (names.some((n) => /^[^/]+\/data\.pkl$/.test(n))) return 'pytorch';
  if (names.includes('config.json') && (names.includes('metadata.json') || names.includes('model.weights.h5'))) return 'keras';
  const files = names.filter((n) => !n.endsWith('/'));
  if (files.length > 0 && files.every((n) => n.endsWith('.npy'))) return 'numpy-npz';
  return 'zip';
}
