import type { ByteSource } from '../formats/containers/index.ts';

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const MARKERS = [Buffer.from('{"class_name"'), Buffer.from('{"module"')];
const CHUNK = 4 << 20;
const MAX_JSON = 64 << 20;
const MAX_CONFIGS = 64;

/** True when the HDF5 signature sits at offset 0 or at a user-block boundary. */
export function looksLikeHdf5(src: ByteSource): boolean {
  for (const at of [0, 512, 1024, 2048]) {
    if (at + 8 <= src.size && src.read(at, 8).equals(SIGNATURE)) return true;
  }
  return false;
}

/** End of the JSON object starting at `start`, honouring strings and escapes. */
function objectEnd(src: ByteSource, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let base = start; base < src.size && base - start < MAX_JSON; base += CHUNK) {
    const buf = src.read(base, CHUNK);
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b) depth++;
      else if (c === 0x7d && --depth === 0) return base + i + 1;
      else if (c === 0) return undefined;
    }
  }
  return undefined;
}

/**
 * JSON configs stored as HDF5 string attributes (Keras `model_config`, `training_config`).
 * Keras reads them back byte for byte, so locating the text is enough.
 */
export function findJsonConfigs(src: ByteSource): Array<{ offset: number; text?: string }> {
  const found: Array<{ offset: number; text?: string }> = [];
  const overlap = 16;
  for (let base = 0; base < src.size && found.length < MAX_CONFIGS; base += CHUNK - overlap) {
    const buf = src.read(base, CHUNK);
    for (const marker of MARKERS) {
      for (let i = buf.indexOf(marker); i >= 0 && found.length < MAX_CONFIGS; i = buf.indexOf(marker, i + 1)) {
        const offset = base + i;
        // A marker inside a config already extracted is one of its nested objects.
        if (found.some((f) => offset >= f.offset && offset < f.offset + Math.max(1, f.text?.length ?? 0))) continue;
        const end = objectEnd(src, offset);
        found.push({ offset, text: end === undefined ? undefined : src.read(offset, end - offset).toString('utf8') });
      }
    }
    if (buf.length < CHUNK) break;
  }
  return found;
}
