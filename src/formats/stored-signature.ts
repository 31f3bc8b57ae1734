import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../core/digest.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { openFileSource } from './containers/index.ts';
import { readOnnxSignature, type OnnxSignature } from './onnx-signature.ts';

/**
 * The inputs and outputs of a stored ONNX blob. The reader needs random access: it reads the store's own file,
 * or a verified temporary copy when the store keeps none. Throws PbError when the model is malformed.
 */
export async function readStoredOnnxSignature(blobs: BlobStore, digest: Digest): Promise<OnnxSignature> {
  const read = (path: string): OnnxSignature => {
    const src = openFileSource(path);
    try {
      return readOnnxSignature(src);
    } finally {
      src.close();
    }
  };
  const local = blobs.localPath?.(digest);
  if (local) return read(local);
  const dir = await mkdtemp(join(tmpdir(), 'mv-signature-'));
  try {
    const copy = join(dir, 'blob');
    await pipeline(await blobs.open(digest), createWriteStream(copy));
    return read(copy);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
