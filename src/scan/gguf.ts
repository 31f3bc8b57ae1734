import type { ByteSource } from '../formats/containers/index.ts';
import type { Finding } from './types.ts';

const FIXED_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const MAX_HEADER = 256 << 20;
// Jinja templates run inside the loader; these reach Python internals (CVE-2024-34359).
const TEMPLATE_ESCAPE = /__(class|globals|subclasses|builtins|import|mro|base|bases|init|getattribute|code)__|\bpopen\b|\bos\.|\bsubprocess\b|\beval\s*\(|\bexec\s*\(|\bimport\s/;

class Bad extends Error {}

/** True when the bytes start with the GGUF magic. */
export function looksLikeGguf(head: Buffer): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === 'GGUF';
}

/** Validates a GGUF header: version, counts and lengths inside the file, known value types, chat templates. */
export function scanGguf(src: ByteSource): Finding[] {
  const findings: Finding[] = [];
  const buf = src.read(0, Math.min(src.size, MAX_HEADER));
  let pos = 4;
  const need = (n: number | bigint): number => {
    const k = Number(n);
    if (!Number.isFinite(k) || k < 0 || pos + k > buf.length) throw new Bad(pos + k > src.size ? `field at ${pos} runs past the end of the file` : `header larger than ${MAX_HEADER} bytes`);
    const at = pos;
    pos += k;
    return at;
  };
  const u32 = (): number => buf.readUInt32LE(need(4));
  const u64 = (): bigint => buf.readBigUInt64LE(need(8));
  try {
    const version = u32();
    if (version < 1 || version > 3) throw new Bad(`unknown version ${version}`);
    const count = (): bigint => (version === 1 ? BigInt(u32()) : u64());
    const str = (): string => {
      const n = count();
      return buf.toString('utf8', need(n), pos);
    };
    const tensors = count();
    const kvs = count();
    if (tensors > BigInt(src.size) || kvs > BigInt(src.size)) throw new Bad('tensor or metadata count larger than the file');
    const value = (type: number, depth: number): string | number | undefined => {
      const fixed = FIXED_SIZE[type];
      if (fixed !== undefined) {
        const at = need(fixed);
        return type === 4 ? buf.readUInt32LE(at) : undefined;
      }
      if (type === 8) return str();
      if (type === 9) {
        if (depth > 8) throw new Bad('arrays nested too deeply');
        const inner = u32();
        const n = count();
        if (n > BigInt(buf.length - pos)) throw new Bad(`array of ${n} items larger than the file`);
        for (let i = 0n; i < n; i++) value(inner, depth + 1);
        return undefined;
      }
      throw new Bad(`unknown value type ${type} at ${pos - 4}`);
    };
    let alignment = 32;
    for (let i = 0n; i < kvs; i++) {
      const key = str();
      const v = value(u32(), 0);
      if (key === 'general.alignment' && typeof v === 'number') alignment = v;
      if (key.startsWith('tokenizer.chat_template') && typeof v === 'string' && TEMPLATE_ESCAPE.test(v)) {
        findings.push({ severity: 'dangerous', kind: 'template', name: key, message: 'chat template reaches Python internals; Jinja runs it when the model is loaded' });
      }
    }
    if (alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw new Bad(`general.alignment ${alignment} is not a power of two`);
    const infos: Array<[string, bigint]> = [];
    for (let i = 0n; i < tensors; i++) {
      const name = str();
      const dims = u32();
      if (dims > 8) throw new Bad(`tensor ${name} has ${dims} dimensions`);
      for (let d = 0; d < dims; d++) u64();
      u32();
      infos.push([name, u64()]);
    }
    const dataStart = Math.ceil(pos / alignment) * alignment;
    for (const [name, offset] of infos) {
      if (BigInt(dataStart) + offset > BigInt(src.size)) findings.push({ severity: 'suspicious', kind: 'malformed', name, message: `tensor data offset ${offset} is past the end of the file` });
    }
  } catch (err) {
    if (!(err instanceof Bad)) throw err;
    findings.push({ severity: 'suspicious', kind: 'malformed', offset: pos, message: `GGUF header: ${err.message}` });
  }
  return findings;
}
