import type { Digest } from '../core/digest.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { detectFormatAt } from './detect-format.ts';
import type { ModelFormat } from './model-format.ts';

/**
 * Detects a stored blob's format from its own bytes (its first and last 64 KiB), as `detectFileFormat`
 * does for a local file; `path` is the name the file has in its version, which only breaks ties.
 */
export async function detectStoredFormat(blobs: BlobStore, digest: Digest, size: number, path: string): Promise<ModelFormat> {
  return detectFormatAt(async (position, length) => {
    if (length <= 0) return Buffer.alloc(0);
    // Range reads are not verified while streaming; the blob's digest was checked when it was stored.
    const stream = await blobs.open(digest, { range: { start: position, end: position + length - 1 }, verify: false });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }, size, path);
}
