import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Random access to bytes, so large files are located and sampled rather than loaded. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer at the end). */
  read(offset: number, length: number): Buffer;
  /** Reads into `target` at `offset`, returning the bytes read; lets hot loops reuse one buffer. */
  readInto?(offset: number, target: Buffer): number;
}

/** A source over bytes already in memory. */
export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read: (offset, length) => buf.subarray(Math.max(0, offset), Math.max(0, Math.min(buf.length, offset + length))),
  };
}

// A gap this small between what is known and what is asked is filled with zeros, so a reader that asks
// for a little more than a window (a zip's end record search) still sees the window; zeros are never a header.
const MAX_GAP = 64 * 1024;

/**
 * A source of which only some windows are known (a file's first and last bytes): reads return the known
 * bytes with short unknown gaps as zeros, and end early before a long unknown stretch, as at an end of file.
 */
export function windowSource(size: number, windows: ReadonlyArray<{ offset: number; bytes: Buffer }>): ByteSource {
  const known = windows.filter((w) => w.bytes.length > 0).sort((a, b) => a.offset - b.offset);
  return {
    size,
    read(offset, length) {
      const start = Math.max(0, offset);
      const end = Math.min(size, start + Math.max(0, length));
      let reach = start;
      const parts: Array<{ at: number; bytes: Buffer }> = [];
      for (const w of known) {
        const from = Math.max(w.offset, reach);
        const to = Math.min(w.offset + w.bytes.length, end);
        if (to <= from) continue;
        if (from - reach > MAX_GAP) break;
        parts.push({ at: from, bytes: w.bytes.subarray(from - w.offset, to - w.offset) });
        reach = to;
      }
      const out = Buffer.alloc(reach - start);
      for (const p of parts) p.bytes.copy(out, p.at - start);
      return out;
    },
  };
}

/** A window of another source, e.g. a stored zip member. */
export function sliceSource(src: ByteSource, start: number, length: number): ByteSource {
  const size = Math.max(0, Math.min(length, src.size - start));
  return {
    size,
    read: (offset, len) => (offset >= size ? Buffer.alloc(0) : src.read(start + offset, Math.min(len, size - offset))),
    ...(src.readInto
      ? { readInto: (offset: number, target: Buffer) => (offset >= size ? 0 : src.readInto!(start + offset, target.subarray(0, Math.min(target.length, size - offset)))) }
      : {}),
  };
}

/**
 * A source that reads `src` a chunk at a time and answers small reads from the last chunk, so walking many small
 * records (protobuf field headers) costs one read per chunk rather than one per record.
 */
export function bufferedSource(src: ByteSource, chunkSize = 64 * 1024): ByteSource {
  let start = 0;
  let chunk: Buffer = Buffer.alloc(0);
  return {
    size: src.size,
    read(offset, length) {
      if (length > chunkSize) return src.read(offset, length);
      if (offset < start || offset + length > start + chunk.length) {
        start = offset;
        chunk = src.read(offset, chunkSize);
      }
      return chunk.subarray(offset - start, Math.min(chunk.length, offset - start + length));
    },
  };
}

/** An open file read with positional reads; close it with `close()`. */
export interface FileSource extends ByteSource {
  close(): void;
}

/** Opens `path` for positional reads. */
export function openFileSource(path: string): FileSource {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.allocUnsafe(n);
      let done = 0;
      while (done < n) {
        const got = readSync(fd, buf, done, n - done, offset + done);
        if (got === 0) break;
        done += got;
      }
      return done === n ? buf : buf.subarray(0, done);
    },
    readInto(offset, target) {
      const n = Math.max(0, Math.min(target.length, size - offset));
      let done = 0;
      while (done < n) {
        const got = readSync(fd, target, done, n - done, offset + done);
        if (got === 0) break;
        done += got;
      }
      return done;
    },
    close: () => closeSync(fd),
  };
}

/** Reads a whole source into memory; callers bound `src.size` first. */
export function readAll(src: ByteSource): Buffer {
  return src.read(0, src.size);
}
