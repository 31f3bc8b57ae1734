import type { ByteSource } from './byte-source.ts';

/** One protobuf field: varints as bigint, length-delimited fields as bytes. */
export interface PbField {
  num: number;
  wire: number;
  int?: bigint;
  bytes?: Buffer;
  offset: number;
  /** Absolute offset of `bytes`. */
  dataOffset: number;
  /** Byte length of a length-delimited field, also when `walkFields` left its bytes unread. */
  length?: number;
  /** Set on the last field of a message head when the head ends inside it. */
  cut?: boolean;
}

/** Why a buffer is not a well-formed protobuf message. */
export class PbError extends Error {}

/** A varint at `pos`, or undefined when the bytes end inside it; longer than ten bytes is malformed. */
function varint(buf: Buffer, pos: number): [bigint, number] | undefined {
  let v = 0n;
  for (let shift = 0n, i = pos; shift < 70n; i++, shift += 7n) {
    if (i >= buf.length) return undefined;
    const b = buf[i] as number;
    v |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [v, i + 1];
  }
  throw new PbError(`bad varint at ${pos}`);
}

/**
 * Splits the first `buf.length` bytes of a message `size` bytes long into fields. When the message goes on past
 * `buf`, a field cut off where `buf` ends is kept (flagged `cut`, its bytes shortened) and ends the list.
 */
function readFields(buf: Buffer, size: number, base: number, maxFields: number): PbField[] {
  const out: PbField[] = [];
  const partial = buf.length < size;
  const ranOut = (what: string, at: number): never => {
    throw new PbError(`${what} at ${base + at} runs past the end of its message`);
  };
  let pos = 0;
  while (pos < buf.length) {
    if (out.length >= maxFields) throw new PbError('too many fields');
    const start = pos;
    const tag = varint(buf, pos);
    if (!tag) return partial ? out : ranOut('field key', start);
    const [key, p1] = tag;
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (num === 0) throw new PbError(`field number 0 at ${base + start}`);
    pos = p1;
    const at = { num, wire, offset: base + start, dataOffset: base + start };
    switch (wire) {
      case 0: {
        const v = varint(buf, pos);
        if (!v) return partial ? [...out, { ...at, cut: true }] : ranOut(`varint of field ${num}`, start);
        out.push({ ...at, int: v[0] });
        pos = v[1];
        break;
      }
      case 1:
      case 5:
        pos += wire === 1 ? 8 : 4;
        if (pos > size) throw new PbError('message truncated');
        if (pos > buf.length) return [...out, { ...at, cut: true }];
        out.push(at);
        break;
      case 2: {
        const length = varint(buf, pos);
        if (!length) return partial ? [...out, { ...at, cut: true }] : ranOut(`length of field ${num}`, start);
        const [len, p2] = length;
        if (len > BigInt(size - p2)) throw new PbError(`field ${num} at ${base + start} declares ${len} bytes, past the end of its message`);
        const n = Number(len);
        const field: PbField = { ...at, bytes: buf.subarray(p2, p2 + n), dataOffset: base + p2 };
        if (p2 + n > buf.length) return [...out, { ...field, cut: true }];
        out.push(field);
        pos = p2 + n;
        break;
      }
      default:
        throw new PbError(`unsupported wire type ${wire} at ${base + start}`);
    }
  }
  return out;
}

/** Splits one message into fields without a schema; `base` makes offsets absolute. */
export function parseMessage(buf: Buffer, base = 0, maxFields = 10_000_000): PbField[] {
  return readFields(buf, buf.length, base, maxFields);
}

/** Splits the first bytes (`head`) of a top-level message of `size` bytes into fields; see `readFields` for the field cut off at the end. */
export function parseMessageHead(head: Buffer, size: number): PbField[] {
  return readFields(head, Math.max(size, head.length), 0, 10_000_000);
}

/**
 * The fields of the message at `start`..`end` of `src`, read one at a time so a large message is walked without
 * being loaded: a length-delimited field's bytes are read only when `take(num)` says so (at most `maxTake` bytes),
 * the others are skipped by their length and come with `length` alone.
 */
export function* walkFields(src: ByteSource, start: number, end: number, take: (num: number) => boolean, maxTake = 16 << 20): Generator<PbField> {
  if (end > src.size) throw new PbError(`message at ${start} ends at ${end}, past the end of the file (${src.size} bytes)`);
  let pos = start;
  while (pos < end) {
    // A key and a length (or a varint value) take at most 20 bytes.
    const head = src.read(pos, Math.min(20, end - pos));
    const tag = varint(head, 0);
    if (!tag) throw new PbError(`field key at ${pos} runs past the end of its message`);
    const [key, p1] = tag;
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (num === 0) throw new PbError(`field number 0 at ${pos}`);
    const at = { num, wire, offset: pos, dataOffset: pos + p1 };
    switch (wire) {
      case 0: {
        const v = varint(head, p1);
        if (!v) throw new PbError(`varint of field ${num} at ${pos} runs past the end of its message`);
        yield { ...at, int: v[0] };
        pos += v[1];
        break;
      }
      case 1:
      case 5:
        pos += p1 + (wire === 1 ? 8 : 4);
        if (pos > end) throw new PbError(`field ${num} at ${at.offset} runs past the end of its message`);
        yield at;
        break;
      case 2: {
        const length = varint(head, p1);
        if (!length) throw new PbError(`length of field ${num} at ${pos} runs past the end of its message`);
        const [len, p2] = length;
        const dataOffset = pos + p2;
        if (len > BigInt(end - dataOffset)) throw new PbError(`field ${num} at ${pos} declares ${len} bytes, past the end of its message`);
        const n = Number(len);
        if (take(num)) {
          if (n > maxTake) throw new PbError(`field ${num} at ${pos} holds ${n} bytes, more than the ${maxTake} read`);
          yield { ...at, dataOffset, length: n, bytes: src.read(dataOffset, n) };
        } else {
          yield { ...at, dataOffset, length: n };
        }
        pos = dataOffset + n;
        break;
      }
      default:
        throw new PbError(`unsupported wire type ${wire} at ${pos}`);
    }
  }
}

/** The UTF-8 strings of all length-delimited fields numbered `num`. */
export function strings(fields: readonly PbField[], num: number): string[] {
  return fields.filter((f) => f.num === num && f.bytes).map((f) => (f.bytes as Buffer).toString('utf8'));
}

/** The parsed sub-messages of all fields numbered `num`. */
export function messages(fields: readonly PbField[], num: number): PbField[][] {
  return fields.filter((f) => f.num === num && f.bytes).map((f) => parseMessage(f.bytes as Buffer, f.dataOffset));
}
