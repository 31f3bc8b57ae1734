import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../core/digest.ts';
import type { ProgressFn } from './blob-store.ts';

// Writing bytes durably while hashing them: what every write of the file blob store is made of.

/** Network bodies arrive in 64 KiB pieces; buffering a few MiB lets the file stream write them in large batches. */
export const WRITE_BUFFER = 4 << 20;

/** A Transform that hashes what passes through and reports progress. */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly onProgress?: ProgressFn) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onProgress?.(this.bytes);
    cb(null, chunk);
  }
  /** The digest of everything seen; call once after the stream ends. */
  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** fsyncs a directory so a rename into it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs a file through a handle of its own. */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes a stream to `path`, fsyncs it, and returns what it hashed. */
export async function writeHashed(source: Readable, path: string, onProgress?: ProgressFn): Promise<{ digest: Digest; size: number }> {
  const hasher = new HashingStream(onProgress);
  // The stream owns its descriptor: a failed pipeline closes it, so closing it again here would fail with
  // EBADF (hiding the real error, e.g. a full disk) or close a descriptor reused by then.
  await pipeline(source, hasher, createWriteStream(path, { flags: 'wx', mode: 0o644, highWaterMark: WRITE_BUFFER }));
  await fsyncFile(path);
  return { digest: hasher.digest(), size: hasher.bytes };
}
