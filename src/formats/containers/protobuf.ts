/** One protobuf field: varints as bigint, length-delimited fields as bytes. */
export interface PbField {
  num: number;
  wire: number;
  int?: bigint;
  bytes?: Buffer;
  offset: number;
  /** Absolute offset of `bytes`. */
  dataOffset: number;
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

/** The UTF-8 strings of all length-delimited fields numbered `num`. */
export function strings(fields: readonly PbField[], num: number): string[] {
  return fields.filter((f) => f.num === num && f.bytes).map((f) => (f.bytes as Buffer).toString('utf8'));
}

/** The parsed sub-messages of all fields numbered `num`. */
export function messages(fields: readonly PbField[], num: number): PbField[][] {
  return fields.filter((f) => f.num === num && f.bytes).map((f) => parseMessage(f.bytes as Buffer, f.dataOffset));
}
