import type { Readable } from 'node:stream';
import type { Digest } from '../core/digest.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { BlobTransport } from './types.ts';

/** Moves bytes straight in and out of a local blob store: each file is read once, hashed and copied in one pass. */
export class EmbeddedBlobTransport implements BlobTransport {
  constructor(private readonly blobs: BlobStore) {}

  async missing(digests: readonly Digest[]): Promise<Set<Digest>> {
    const unique = [...new Set(digests)];
    const present = await Promise.all(unique.map(async (d) => (await this.blobs.stat(d)) !== undefined));
    return new Set(unique.filter((_, i) => !present[i]));
  }

  /** Hashes while copying, so the store names each blob by what it read; `expected` is not needed. */
  async storeFiles(paths: string[], onProgress?: (index: number, bytes: number) => void): Promise<{ digest: Digest; size: number }[]> {
    const stored = await this.blobs.putFiles(paths, onProgress);
    return stored.map((s) => ({ digest: s.digest, size: s.size }));
  }

  async openBlob(digest: Digest, options: { offset?: number } = {}): Promise<Readable> {
    const offset = options.offset ?? 0;
    // The caller hashes every byte itself, so the store need not hash them a second time.
    if (offset > 0) return this.blobs.open(digest, { range: { start: offset, end: Number.MAX_SAFE_INTEGER }, verify: false });
    return this.blobs.open(digest, { verify: false });
  }
}
