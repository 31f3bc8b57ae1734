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

/** Directories of version control: a file under one would become a checkout's configuration or hooks when pulled. */
const VCS_DIRS = new Set(['.git', '.hg', '.svn']);

/**
 * Checks a manifest's paths and returns them normalised: each safe and relative, none twice, none inside a
 * version-control directory (`.git`, `.hg`, `.svn`, in any letter case), no two that differ only in letter case
 * or Unicode form (one would overwrite the other on a case-insensitive file system), and no file that is also
 * the directory of another. A registration and a pull (which trusts no server) both hold a manifest to these rules.
 */
export function checkManifestPaths(paths: readonly string[]): string[] {
  const seen = new Set<string>();
  const folded = new Map<string, number>();
  const out = paths.map((p, i) => {
    const field = `files[${i}].path`;
    const path = safeRelativePath(p, field);
    if (seen.has(path)) throw new ModelVaultError('invalid_input', `${field} ${path} appears twice`, { field });
    seen.add(path);
    const parts = path.split('/');
    const vcs = parts.find((part) => VCS_DIRS.has(part.toLowerCase()));
    if (vcs !== undefined) {
      throw new ModelVaultError('invalid_path', `${field} ${path} is inside a version-control directory (${vcs})`, { field, path, hint: 'leave version-control files out of a model version' });
    }
    const key = path.normalize('NFC').toLowerCase();
    const other = folded.get(key);
    if (other !== undefined) {
      throw new ModelVaultError('invalid_path', `${field} ${path} and files[${other}].path ${paths[other]} differ only in letter case or Unicode form: on a case-insensitive file system one would overwrite the other`, { field, path, hint: 'rename one of the two files' });
    }
    folded.set(key, i);
    return path;
  });
  // A name used both as a file and as a directory cannot be written out.
  for (const [i, path] of out.entries()) {
    for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) {
      const dir = path.slice(0, at);
      if (seen.has(dir)) {
        const j = out.indexOf(dir);
        throw new ModelVaultError('invalid_path', `files[${i}].path ${path} is inside files[${j}].path ${dir}, which is a file`, { field: `files[${i}].path`, path, hint: 'a name is either a file or a directory of files' });
      }
    }
  }
  return out;
}

/** Checks a client-supplied manifest (safe unique paths, digests, sizes) and returns it normalised, without any claimed format. */
export function checkManifest(files: ClientManifestEntry[]): ListedFile[] {
  if (!Array.isArray(files) || files.length === 0) {
    throw new ModelVaultError('invalid_input', 'a version needs at least one file', { field: 'files' });
  }
  if (files.length > MAX_MANIFEST_FILES) throw new ModelVaultError('invalid_input', `a version may hold at most ${MAX_MANIFEST_FILES} files`, { field: 'files' });
  for (const [i, f] of files.entries()) {
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new ModelVaultError('invalid_input', `files[${i}] must be an object with path, size and digest`, { field: `files[${i}]` });
  }
  const paths = checkManifestPaths(files.map((f) => f.path));
  return files.map((f, i) => {
    if (!isDigest(f.digest)) throw new ModelVaultError('invalid_digest', `files[${i}].digest ${JSON.stringify(f.digest)} is not sha256:<hex>`, { field: `files[${i}].digest` });
    if (!Number.isSafeInteger(f.size) || f.size < 0) throw new ModelVaultError('invalid_input', `files[${i}].size must be a non-negative integer`, { field: `files[${i}].size` });
    return { path: paths[i]!, size: f.size, digest: f.digest };
  });
}
