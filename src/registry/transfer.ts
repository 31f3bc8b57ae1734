import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError, toModelVaultError } from '../core/errors.ts';
import { checkManifestPaths } from '../core/manifest.ts';
import { safeRelativePath } from '../core/paths.ts';
import { mapLimit } from '../core/concurrency.ts';
import { hashFiles } from '../storage/hash-pool.ts';
import type { BlobTransport, ManifestEntry, VersionDetail } from './types.ts';

/** Names never stored as part of a version (VCS and OS clutter). */
const IGNORED = new Set(['.git', '.hg', '.svn', '.dvc', '.DS_Store', '__pycache__', '.ipynb_checkpoints']);

/** A regular file found in a model directory. */
export interface LocalFile {
  path: string;
  absPath: string;
  size: number;
}

/**
 * Lists the files of a model directory. Symlinks are followed only when they stay inside the directory;
 * one that leaves it is an error, never silently stored.
 */
export async function listModelFiles(dir: string): Promise<LocalFile[]> {
  let root: string;
  try {
    root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new ModelVaultError('invalid_input', `${dir} is not a directory`, { path: dir, hint: 'pass the path of a model directory' });
  }
  const out: LocalFile[] = [];
  const walk = async (abs: string, rel: string, depth: number): Promise<void> => {
    if (depth > 64) throw new ModelVaultError('invalid_path', `${rel} is nested too deeply`, { path: rel });
    const entries = await readdir(abs, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (IGNORED.has(e.name)) continue;
      const childAbs = join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      safeRelativePath(childRel, 'file');
      let target = childAbs;
      if (e.isSymbolicLink()) {
        const real = await realpath(childAbs).catch(() => undefined);
        if (!real) throw new ModelVaultError('invalid_path', `${childRel} is a dangling symlink`, { path: childRel, hint: 'remove it or point it at a file inside the model directory' });
        if (real !== root && !real.startsWith(root + sep)) {
          throw new ModelVaultError('invalid_path', `${childRel} is a symlink leaving the model directory (to ${real})`, { path: childRel, hint: 'copy the file into the model directory instead of linking to it' });
        }
        target = real;
      }
      const s = await stat(target);
      if (s.isDirectory()) {
        if (e.isSymbolicLink()) throw new ModelVaultError('invalid_path', `${childRel} is a symlink to a directory`, { path: childRel, hint: 'replace the link with the directory itself' });
        await walk(childAbs, childRel, depth + 1);
      } else if (s.isFile()) {
        out.push({ path: childRel, absPath: target, size: s.size });
      }
    }
  };
  await walk(root, '', 0);
  return out;
}

/** Options of storing a model directory's files. */
export interface StoreOptions {
  transport: BlobTransport;
  files: LocalFile[];
  detectFormat: (file: LocalFile) => Promise<string>;
  /** Digests the files are believed to have, by path (declared in the metadata, or in the version already registered). */
  expected?: ReadonlyMap<string, Digest>;
  onProgress?: (index: number, bytes: number) => void;
}

/**
 * Stores the files of a model directory and returns their manifest entries; every file is read once. A file
 * whose expected digest the store already holds is only hashed, to prove it still has that content, so a
 * re-push writes nothing; every other file is hashed while it is stored.
 */
export async function storeModelFiles(opts: StoreOptions): Promise<ManifestEntry[]> {
  const { files, transport } = opts;
  const formats = await mapLimit(files, 8, (f) => opts.detectFormat(f));
  const expected = files.map((f) => opts.expected?.get(f.path));
  const declared = expected.filter((d): d is Digest => d !== undefined);
  const absent = declared.length > 0 ? await transport.missing(declared) : new Set<Digest>();
  const held = files.flatMap((_, i) => (expected[i] !== undefined && !absent.has(expected[i]) ? [i] : []));
  const hashed = await hashFiles(held.map((i) => ({ src: files[i]!.absPath })), { onProgress: (j, b) => opts.onProgress?.(held[j]!, b) });
  const results: ({ digest: Digest; size: number } | undefined)[] = new Array(files.length);
  held.forEach((i, j) => {
    if (hashed[j]!.digest === expected[i]) results[i] = hashed[j];
  });
  const rest = files.flatMap((_, i) => (results[i] === undefined ? [i] : []));
  const stored = await transport.storeFiles(rest.map((i) => files[i]!.absPath), (j, b) => opts.onProgress?.(rest[j]!, b), {
    // A file that no longer matches a digest the store holds is stored under the digest it has.
    expected: rest.map((i) => (expected[i] !== undefined && absent.has(expected[i]) ? expected[i] : undefined)),
  });
  rest.forEach((i, j) => (results[i] = stored[j]));
  return files.map((f, i) => {
    const s = results[i]!;
    if (s.size !== f.size) {
      throw new ModelVaultError('size_mismatch', `${f.path} changed while it was being pushed (${f.size} → ${s.size} bytes)`, { path: f.path, hint: 'push again once the file is no longer being written' });
    }
    return { path: f.path, size: s.size, digest: s.digest, format: formats[i]! };
  });
}

/** What happened to each file of a pull. */
export interface PulledFile {
  path: string;
  digest: Digest;
  size: number;
  status: 'written' | 'unchanged';
}

async function hashLocal(path: string): Promise<Digest> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/** Resolves a manifest path (checked by `checkManifestPaths`) inside `root`, refusing anything that would land outside it. */
function destinationOf(root: string, rel: string): string {
  const dest = join(root, ...rel.split('/'));
  const back = relative(root, dest);
  if (back.startsWith('..') || back === '') throw new ModelVaultError('invalid_path', `manifest path ${rel} leaves the target directory`, { path: rel });
  return dest;
}

/**
 * Refuses to write through what is already in the target directory: every directory on the way to a file must be
 * a real directory (or not exist yet), never a symlink, which would carry the write wherever it points.
 */
async function checkNoLinks(root: string, rel: string, checked: Map<string, Promise<void>>): Promise<void> {
  const parts = rel.split('/');
  for (let n = 1; n < parts.length; n++) {
    const dirRel = parts.slice(0, n).join('/');
    let check = checked.get(dirRel);
    if (!check) {
      check = lstat(join(root, ...parts.slice(0, n))).then(
        (s) => {
          if (s.isSymbolicLink()) throw new ModelVaultError('invalid_path', `${dirRel} in the target directory is a symlink; a pull does not write through links`, { path: dirRel, hint: 'remove the link or pull into an empty directory' });
          if (!s.isDirectory()) throw new ModelVaultError('conflict', `${dirRel} exists in the target directory and is not a directory`, { path: dirRel, hint: 'remove it or pull into an empty directory' });
        },
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw toModelVaultError(err);
        },
      );
      checked.set(dirRel, check);
    }
    await check;
  }
}

/** Leftovers of downloads that were killed before they finished: `.<12 hex>.mvpart` beside the files they were for. */
const PART_FILE = /^\.[0-9a-f]{12}\.mvpart$/;

async function removeLeftoverParts(dirs: Iterable<string>): Promise<void> {
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => PART_FILE.test(n)).map((n) => rm(join(dir, n), { force: true })));
  }
}

/**
 * Streams one blob into `dest`: bytes go to a hidden temp file in the same directory and are hashed as they
 * arrive; only a complete, verified, fsync'd file is renamed into place. A broken stream resumes from its offset.
 */
export async function downloadVerified(transport: BlobTransport, file: ManifestEntry, dest: string, onProgress?: (bytes: number) => void, within?: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  // Made just now, or checked before: the directory must still be where the path says, not behind a link.
  const insideRoot = async (): Promise<void> => {
    if (within === undefined) return;
    const real = await realpath(dirname(dest));
    if (real !== within && !real.startsWith(within + sep)) throw new ModelVaultError('invalid_path', `${file.path}: its directory now resolves outside the target directory (to ${real})`, { path: file.path, hint: 'something replaced a directory with a link during the pull; pull into a directory only you can write' });
  };
  await insideRoot();
  const tmp = join(dirname(dest), `.${randomBytes(6).toString('hex')}.mvpart`);
  const hash = createHash('sha256');
  let written = 0;
  let resumed = false;
  const fh = await open(tmp, 'wx', 0o644);
  try {
    for (let attempt = 0; ; attempt++) {
      let source: Readable | undefined;
      try {
        source = await transport.openBlob(file.digest, { offset: written });
        // Network reads arrive in small pieces; write them in batches of about 1 MiB.
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        const flush = async (): Promise<void> => {
          if (pendingBytes === 0) return;
          const { bytesWritten } = await fh.writev(pending, written);
          // A short write (rare) leaves a tail; finish it with plain writes.
          if (bytesWritten < pendingBytes) {
            const rest = Buffer.concat(pending, pendingBytes).subarray(bytesWritten);
            let off = 0;
            while (off < rest.length) off += (await fh.write(rest, off, rest.length - off, written + bytesWritten + off)).bytesWritten;
          }
          written += pendingBytes;
          pending = [];
          pendingBytes = 0;
          onProgress?.(written);
        };
        try {
          for await (const chunk of source) {
            const buf = chunk as Buffer;
            if (written + pendingBytes + buf.length > file.size) throw new ModelVaultError('digest_mismatch', `${file.path}: received more than the ${file.size} bytes of its manifest`, { path: file.path, expected: file.digest });
            hash.update(buf);
            pending.push(buf);
            pendingBytes += buf.length;
            if (pendingBytes >= 1 << 20) await flush();
          }
        } finally {
          // Whatever arrived before a break is kept, so a resumed download starts after it.
          await flush();
        }
        break;
      } catch (err) {
        source?.destroy();
        const e = toModelVaultError(err);
        const transient = e.code === 'server_unreachable' || (e.code === 'internal' && /terminated|socket|aborted|ECONNRESET|premature/i.test(e.message));
        if (!transient || attempt >= 4 || written >= file.size) throw e;
        resumed = true;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
    // A resumed download was assembled from several responses, and a ranged response carries bytes the server
    // could not check on the way out: hash the assembled file itself before it may take the destination's name.
    const actual: Digest = resumed ? await hashLocal(tmp) : `sha256:${hash.digest('hex')}`;
    if (written !== file.size || actual !== file.digest) {
      throw new ModelVaultError('digest_mismatch', `${file.path}: downloaded bytes hash to ${actual} (${written} bytes), expected ${file.digest} (${file.size} bytes)`, {
        path: file.path,
        expected: file.digest,
        actual,
        hint: 'the stored blob is corrupt or was altered in transit; nothing was written. Run `modelvault verify` on the version',
      });
    }
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await insideRoot();
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await rename(tmp, dest);
}

/** Options of a pull. */
export interface PullOptions {
  transport: BlobTransport;
  version: VersionDetail;
  dir: string;
  /** Replace local files whose content differs (otherwise that is a `conflict`). */
  force?: boolean;
  onProgress?: (index: number, bytes: number) => void;
}

/** Writes every file of a version into `dir`, verifying each digest while streaming. */
export async function pullVersion(opts: PullOptions): Promise<PulledFile[]> {
  await mkdir(opts.dir, { recursive: true });
  const root = await realpath(opts.dir);
  // The manifest comes from a server, which may be hostile: it is held to the registry's own path rules.
  const paths = checkManifestPaths(opts.version.files.map((f) => f.path));
  const plan = opts.version.files.map((f, i) => ({ file: f, dest: destinationOf(root, paths[i]!) }));
  const checked = new Map<string, Promise<void>>();
  // Decide every file before writing any, so a conflict leaves the directory untouched.
  const existing = await mapLimit(plan, 4, async ({ file, dest }, i) => {
    await checkNoLinks(root, paths[i]!, checked);
    const s = await lstat(dest).catch(() => undefined);
    if (!s) return 'absent' as const;
    if (s.isSymbolicLink() || !s.isFile()) {
      throw new ModelVaultError('conflict', `${file.path} exists in ${opts.dir} and is not a regular file`, { path: file.path, hint: 'remove it or pull into an empty directory' });
    }
    if (s.size === file.size && (await hashLocal(dest)) === file.digest) return 'same' as const;
    if (!opts.force) {
      throw new ModelVaultError('conflict', `${file.path} exists in ${opts.dir} with different content`, { path: file.path, hint: 'pass --force to overwrite it, or pull into an empty directory' });
    }
    return 'different' as const;
  });
  await removeLeftoverParts(new Set(plan.map((p) => dirname(p.dest))));
  return mapLimit(plan, 2, async ({ file, dest }, i) => {
    if (existing[i] === 'same') {
      opts.onProgress?.(i, file.size);
      return { path: file.path, digest: file.digest, size: file.size, status: 'unchanged' as const };
    }
    await downloadVerified(opts.transport, file, dest, (b) => opts.onProgress?.(i, b), root);
    return { path: file.path, digest: file.digest, size: file.size, status: 'written' as const };
  });
}

/** One discrepancy between a version and what is stored or on disk. */
export interface VerifyProblem {
  path: string;
  kind: 'changed' | 'missing' | 'extra' | 'corrupt';
  message: string;
}

/** Re-hashes every blob of a version from the store; reports each file whose bytes no longer match. */
export async function verifyStoredVersion(transport: BlobTransport, version: VersionDetail): Promise<VerifyProblem[]> {
  const problems = await mapLimit(version.files, 2, async (f): Promise<VerifyProblem | undefined> => {
    const h = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of await transport.openBlob(f.digest)) {
        h.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } catch (err) {
      const e = toModelVaultError(err);
      if (e.code === 'not_found') return { path: f.path, kind: 'missing', message: `blob ${f.digest} is missing from the store` };
      if (e.code === 'blob_corrupt' || e.code === 'digest_mismatch') return { path: f.path, kind: 'corrupt', message: e.message };
      throw e;
    }
    const actual = `sha256:${h.digest('hex')}`;
    if (actual !== f.digest || size !== f.size) return { path: f.path, kind: 'corrupt', message: `stored bytes hash to ${actual} (${size} bytes), expected ${f.digest} (${f.size} bytes)` };
    return undefined;
  });
  return problems.filter((p): p is VerifyProblem => p !== undefined);
}

/** Compares a local directory with a version's manifest: changed, missing and extra files. */
export async function verifyLocalDir(dir: string, version: VersionDetail, hashed: { path: string; digest: Digest; size: number }[]): Promise<VerifyProblem[]> {
  const local = new Map(hashed.map((h) => [h.path, h]));
  const problems: VerifyProblem[] = [];
  for (const f of version.files) {
    const l = local.get(f.path);
    if (!l) problems.push({ path: f.path, kind: 'missing', message: `${f.path} is in ${version.name}@${version.version} but not in ${dir}` });
    else if (l.digest !== f.digest) problems.push({ path: f.path, kind: 'changed', message: `${f.path} hashes to ${l.digest}, the registry has ${f.digest}` });
  }
  const known = new Set(version.files.map((f) => f.path));
  for (const l of hashed) if (!known.has(l.path)) problems.push({ path: l.path, kind: 'extra', message: `${l.path} is not part of ${version.name}@${version.version}` });
  return problems;
}
