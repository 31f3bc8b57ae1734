import type { ByteSource } from './byte-source.ts';

/** One regular file inside a tar archive. */
export interface TarEntry {
  name: string;
  offset: number;
  size: number;
}

/** A numeric header field as Python's tarfile reads it: base-256 when the high bit is set, else octal text up to the first NUL. */
function octal(b: Buffer): number {
  if (b.length > 0 && ((b[0] as number) & 0x80) !== 0) {
    let v = 0;
    for (let i = 1; i < b.length; i++) v = v * 256 + (b[i] as number);
    return v;
  }
  const s = b.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  return /^[0-7]+$/.test(s) ? parseInt(s, 8) : NaN;
}

function cstring(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('utf8');
}

/**
 * True when the first 512 bytes are a tar header with a valid checksum. As in GNU tar and Python's
 * tarfile, the checksum field counts as spaces and the stored value may be the unsigned or the signed
 * byte sum (some tars sum signed chars); the ustar magic is not required, so v7 archives count.
 */
export function isTarHeader(h: Buffer): boolean {
  if (h.length < 512) return false;
  const want = octal(h.subarray(148, 156));
  if (!Number.isFinite(want)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 32 : (h[i] as number);
    unsigned += b;
    signed += b >= 128 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

/** Regular files of a tar archive, following GNU long names and pax paths; `limited` when more than `maxMembers` follow. */
export function listTarEntries(src: ByteSource, maxMembers: number): { entries: TarEntry[]; truncated: boolean; limited: boolean } {
  const entries: TarEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  while (pos + 512 <= src.size) {
    const h = src.read(pos, 512);
    if (h.every((b) => b === 0)) return { entries, truncated: false, limited: false };
    if (!isTarHeader(h)) return { entries, truncated: true, limited: false };
    if (entries.length >= maxMembers) return { entries, truncated: false, limited: true };
    const size = octal(h.subarray(124, 136));
    if (!Number.isFinite(size) || pos + 512 + size > src.size) return { entries, truncated: true, limited: false };
    const type = String.fromCharCode(h[156] as number);
    const data = pos + 512;
    if (type === 'L') {
      longName = cstring(src.read(data, Math.min(size, 4096)));
    } else if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(src.read(data, Math.min(size, 65536)).toString('utf8'));
      if (m) longName = m[1];
    } else {
      const prefix = h.subarray(257, 262).toString('latin1') === 'ustar' ? cstring(h.subarray(345, 500)) : '';
      const name = longName ?? (prefix ? `${prefix}/${cstring(h.subarray(0, 100))}` : cstring(h.subarray(0, 100)));
      longName = undefined;
      if (type === '0' || type === '\0' || type === '7') entries.push({ name, offset: data, size });
    }
    pos = data + Math.ceil(size / 512) * 512;
  }
  return { entries, truncated: false, limited: false };
}

/** The format a tar archive's member names make it: torch's legacy tar holds `storages`, `tensors` and `pickle`. */
export function tarModelFormat(names: readonly string[]): 'pytorch-legacy' | 'tar' {
  const plain = new Set(names.map((n) => n.replace(/^\.\//, '')));
  return plain.has('storages') && plain.has('tensors') && plain.has('pickle') ? 'pytorch-legacy' : 'tar';
}
