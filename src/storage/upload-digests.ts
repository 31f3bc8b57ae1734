import { createHash } from 'node:crypto';
import type { Digest } from '../core/digest.ts';

/** A sha256 of an upload's bytes from its start, fed while they are appended. */
export interface RunningDigest {
  /** How many bytes it has hashed. */
  readonly bytes: number;
  update(chunk: Buffer): void;
}

class Running implements RunningDigest {
  readonly #hash = createHash('sha256');
  bytes = 0;
  update(chunk: Buffer): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
  }
  digest(): Digest {
    return `sha256:${this.#hash.digest('hex')}`;
  }
}

/**
 * Running digests of uploads in progress, so a commit need not read the whole upload again. One is trusted
 * only while it covers exactly the bytes on disk; otherwise (another process took part, a restart, a broken
 * append) there is none and the commit re-hashes the file. At most `limit` are kept, the oldest dropped first.
 */
export class UploadDigests {
  readonly #kept = new Map<string, Running>();
  constructor(readonly limit = 1000) {}

  /** A digest to feed with bytes appended at `offset`: the one kept if it covers exactly `offset` bytes, a new one at 0, else none. */
  resume(id: string, offset: number): RunningDigest | undefined {
    const kept = this.#kept.get(id);
    this.#kept.delete(id);
    if (kept !== undefined && kept.bytes === offset) return kept;
    return offset === 0 ? new Running() : undefined;
  }

  /** Keeps a digest for the next append or the commit, if it covers exactly the `size` bytes now on disk. */
  keep(id: string, digest: RunningDigest | undefined, size: number): void {
    if (!(digest instanceof Running) || digest.bytes !== size) return;
    this.#kept.set(id, digest);
    if (this.#kept.size > this.limit) this.#kept.delete(this.#kept.keys().next().value!);
  }

  /** The digest of an upload of `size` bytes, if a kept digest covers exactly them; forgets it either way. */
  take(id: string, size: number): Digest | undefined {
    const kept = this.#kept.get(id);
    this.#kept.delete(id);
    return kept !== undefined && kept.bytes === size ? kept.digest() : undefined;
  }

  /** Forgets an upload's digest. */
  forget(id: string): void {
    this.#kept.delete(id);
  }
}
