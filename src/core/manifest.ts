import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { isDigest, type Digest } from './digest.ts';
import { ModelVaultError } from './errors.ts';
import { safeRelativePath } from './paths.ts';

/** One file of a version. */
export interface ManifestEntry {
  path: string;
  size: number;
  digest: Digest;
  format: string;
}

/** A file as a manifest lists it, before the registry has read its format from the stored bytes. */
export type ListedFile = Omit<ManifestEntry, 'format'>;

/** A file as a client sends it; a `format` it claims is not trusted and is ignored. */
export type ClientManifestEntry = ListedFile & { format?: string };

/** The most files one version may hold. */
export const MAX_MANIFEST_FILES = 100_000;

/** The digest naming a version's file list: sha256 over the canonical JSON of its sorted entries. */
export function manifestDigest(files: Pick<ManifestEntry, 'path' | 'size' | 'digest'>[]): Digest {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => ({ path: f.path, size: f.size, digest: f.digest }));
  return `sha256:${createHash('sha256').update(canonicalJson({ files: sorted })).digest('hex')}`;
}

/** Checks a client-supplied manifest (safe unique paths, digests, sizes) and returns it normalised, without any claimed format. */
export function checkManifest(files: ClientManifestEntry[]): ListedFile[] {
  if (!Array.isArray(files) || files.length === 0) {
    throw new ModelVaultError('invalid_input', 'a version needs at least one file', { field: 'files' });
  }
  if (files.length > MAX_MANIFEST_FILES) throw new ModelVaultError('invalid_input', `a version may hold at most ${MAX_MANIFEST_FILES} files`, { field: 'files' });
  const seen = new Set<string>();
  return files.map((f, i) => {
    const path = safeRelativePath(f.path, `files[${i}].path`);
    if (seen.has(path)) throw new ModelVaultError('invalid_input', `files[${i}].path ${path} appears twice`, { field: `files[${i}].path` });
    seen.add(path);
    if (!isDigest(f.digest)) throw new ModelVaultError('invalid_digest', `files[${i}].digest ${JSON.stringify(f.digest)} is not sha256:<hex>`, { field: `files[${i}].digest` });
    if (!Number.isSafeInteger(f.size) || f.size < 0) throw new ModelVaultError('invalid_input', `files[${i}].size must be a non-negative integer`, { field: `files[${i}].size` });
    return { path, size: f.size, digest: f.digest };
  });
}
