import path from 'node:path';
import type { Digest } from '../core/digest.ts';
import type { ListedFile } from '../core/manifest.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { MetadataLoad } from './metadata-file.ts';
import type { ArtifactLookup, ModelSource, SmallFile } from './model-source.ts';

/** Where problems about registered metadata point: it arrives as an object, not as a file. */
const REGISTERED_METADATA = 'metadata';

/** Reads at most `maxBytes` of a stored blob, verified against its digest as it streams. */
async function readBlob(blobs: BlobStore, digest: Digest, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of await blobs.open(digest)) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += b.length;
    if (total > maxBytes) throw new RangeError(`blob ${digest} is larger than ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * A registration: the metadata object and the manifest of stored blobs. Digests come from the manifest (each blob
 * was verified by digest when stored, so nothing is hashed again); small files are read from the blob store.
 */
export function manifestSource(metadata: Record<string, unknown>, files: readonly ListedFile[], blobs: BlobStore): ModelSource {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const under = (dir: string): boolean => files.some((f) => f.path.startsWith(`${dir}/`));
  const reads = new Map<string, Promise<SmallFile>>();
  const read = async (rel: string, maxBytes: number): Promise<SmallFile> => {
    const file = byPath.get(rel);
    if (!file) return under(rel) ? { kind: 'refused', message: `${rel} is a directory`, hint: `make ${rel} a file` } : { kind: 'missing' };
    if (file.size > maxBytes) return { kind: 'too-large', size: file.size };
    return { kind: 'text', text: (await readBlob(blobs, file.digest, maxBytes)).toString('utf8') };
  };
  return {
    place: "the version's files",
    metadata: async (): Promise<MetadataLoad> => ({
      file: REGISTERED_METADATA,
      source: { file: REGISTERED_METADATA, format: 'json', data: metadata, locate: () => undefined },
      problems: [],
    }),
    async artifact(rel): Promise<ArtifactLookup> {
      const file = byPath.get(rel);
      if (file) return { kind: 'file', digest: async () => file.digest };
      if (byPath.has(`${rel}/saved_model.pb`) || byPath.has(`${rel}/saved_model.pbtxt`)) return { kind: 'saved-model' };
      if (under(rel)) {
        return { kind: 'problem', rule: 'artifact-type', message: `"${rel}" is a directory without saved_model.pb`, hint: 'list the model files themselves; only a TensorFlow SavedModel directory may be listed as a directory', directory: true };
      }
      return { kind: 'problem', rule: 'artifact-missing', message: `"${rel}" is not among the version's files`, hint: 'upload the file and list it in files, or fix the path in the metadata' };
    },
    exists: async (rel) => {
      const p = path.posix.normalize(rel);
      return byPath.has(p) || under(p);
    },
    // Each file is read once, however many rules (and the registration) ask for it.
    readText(rel, maxBytes) {
      const key = `${maxBytes}:${rel}`;
      let r = reads.get(key);
      if (!r) {
        r = read(rel, maxBytes);
        reads.set(key, r);
      }
      return r;
    },
    topLevelNames: async () => [...new Set(files.map((f) => f.path.split('/')[0]!))],
  };
}
