import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../core/digest.ts';
import { resolveInside } from './contained-path.ts';
import { loadMetadata } from './metadata-file.ts';
import type { ArtifactLookup, ModelSource, SmallFile } from './model-source.ts';

/** Streams a file through sha256. */
export async function sha256File(file: string): Promise<Digest> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return `sha256:${hash.digest('hex')}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

async function isSavedModel(dir: string): Promise<boolean> {
  return (await exists(path.join(dir, 'saved_model.pb'))) || (await exists(path.join(dir, 'saved_model.pbtxt')));
}

/**
 * A model directory on disk (`dirReal` already resolved): files are reached only inside it, a link that leaves it
 * is refused, and each file is hashed at most once (or its digest taken from `digestOf` when already known).
 */
export function directorySource(dirReal: string, digestOf?: (realPath: string) => Digest | undefined): ModelSource {
  const hashes = new Map<string, Promise<Digest>>();
  const hashOf = (real: string): Promise<Digest> => {
    let h = hashes.get(real);
    if (!h) {
      const known = digestOf?.(real);
      h = known !== undefined ? Promise.resolve(known) : sha256File(real);
      hashes.set(real, h);
    }
    return h;
  };
  return {
    place: 'the model directory',
    metadata: () => loadMetadata(dirReal),
    async artifact(rel): Promise<ArtifactLookup> {
      const where = await resolveInside(dirReal, rel);
      switch (where.kind) {
        case 'missing': {
          const dvc = await exists(path.join(dirReal, `${rel}.dvc`));
          return { kind: 'problem', rule: 'artifact-missing', message: `"${rel}" does not exist in the model directory`, hint: dvc ? `${rel}.dvc is present: run \`dvc pull\` to fetch the file` : 'add the file or fix the path in the metadata' };
        }
        case 'dangling':
          return { kind: 'problem', rule: 'artifact-missing', message: `"${rel}" is a symbolic link to "${where.target}", which does not exist`, hint: 'replace the link with the file itself' };
        case 'outside':
          return { kind: 'problem', rule: 'artifact-outside', message: `"${rel}" resolves to ${where.real}, outside the model directory`, hint: 'copy the file into the model directory instead of linking to it' };
        case 'unreadable':
          return { kind: 'problem', rule: 'artifact-unreadable', message: `"${rel}" cannot be read (${where.code})`, hint: 'check the permissions of the file and the links leading to it' };
        case 'inside':
          if (where.stats.isFile()) return { kind: 'file', digest: () => hashOf(where.real) };
          if (where.stats.isDirectory() && (await isSavedModel(where.real))) return { kind: 'saved-model' };
          return {
            kind: 'problem',
            rule: 'artifact-type',
            message: `"${rel}" is ${where.stats.isDirectory() ? 'a directory without saved_model.pb' : 'not a regular file'}`,
            hint: 'list the model files themselves; only a TensorFlow SavedModel directory may be listed as a directory',
            directory: where.stats.isDirectory(),
          };
      }
    },
    exists: (rel) => exists(path.resolve(dirReal, rel)),
    async readText(rel, maxBytes): Promise<SmallFile> {
      const where = await resolveInside(dirReal, rel);
      if (where.kind === 'missing') return { kind: 'missing' };
      if (where.kind === 'outside') return { kind: 'refused', message: `${rel} is a symbolic link to ${where.real}, outside the model directory`, hint: 'replace the link with the file itself' };
      if (where.kind !== 'inside' || !where.stats.isFile()) return { kind: 'refused', message: `${rel} is not a readable regular file`, hint: `make ${rel} a regular, readable file` };
      if (where.stats.size > maxBytes) return { kind: 'too-large', size: where.stats.size };
      return { kind: 'text', text: await readFile(where.real, 'utf8') };
    },
    topLevelNames: () => readdir(dirReal),
  };
}
