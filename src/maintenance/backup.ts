import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import { mapLimit } from '../core/concurrency.ts';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { sql } from '../storage/db/kysely.ts';
import type { Database } from '../storage/db/schema.ts';
import { FsBlobStore } from '../storage/fs-blob-store.ts';
import { references, type Reference } from './references.ts';

/** The name of a backup's table of contents; written last, so a backup without it is incomplete. */
export const BACKUP_MANIFEST = 'manifest.json';

/** The files of a home that a backup keeps besides the database and the blobs (keys/ whole, with its modes). */
const HOME_FILES = ['config.yaml', 'gates.yaml', 'webhooks.yaml', 'alerts.yaml', 'admin.token'];
const HOME_DIRS = ['keys'];

/** One file of a backup with its digest; `mode` is the permission bits it had in the home. */
export interface BackupFile {
  path: string;
  size: number;
  digest: Digest;
  mode: number;
}

/** What a backup holds: `manifest.json` of the backup directory. */
export interface BackupManifest {
  format: 'modelvault-backup';
  version: 1;
  createdAt: string;
  dialect: 'sqlite' | 'postgres';
  /** The database snapshot: `modelvault.db` (SQLite) or `database.pgdump` (pg_dump's custom format). */
  database: BackupFile;
  /** config.yaml, keys/…, gates.yaml, webhooks.yaml, … as they were in the home. */
  files: BackupFile[];
  /** Every blob the snapshot references, under `blobs/` laid out as a blob store. */
  blobs: { digest: Digest; size: number }[];
}

/** Where the registry being backed up keeps its state. */
export interface BackupSource {
  home: string;
  databaseUrl: string;
  dialect: 'sqlite' | 'postgres';
  /** The live database (read for PostgreSQL's snapshot). */
  db: Kysely<Database>;
  blobs: BlobStore;
}

/** Progress of the blob copies and checks: bytes done out of `total`. */
export type BackupProgress = (done: number, total: number) => void;

async function hashFile(path: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(path), async function* (src) {
    for await (const chunk of src) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  });
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

async function describe(dir: string, path: string): Promise<BackupFile> {
  const full = join(dir, path);
  return { path, ...(await hashFile(full)), mode: lstatSync(full).mode & 0o777 };
}

/** True when `dir` does not exist or holds nothing. */
export function isEmptyDir(dir: string): boolean {
  return !existsSync(dir) || (lstatSync(dir).isDirectory() && readdirSync(dir).length === 0);
}

/** `pg_dump` or `pg_restore`: the newest under /usr/lib/postgresql/<v>/bin (Debian), else the one on PATH. */
export function pgTool(name: 'pg_dump' | 'pg_restore'): string {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', name))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin', name);
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new ModelVaultError('storage_unavailable', `${name} is not installed; it is needed to back up or restore a PostgreSQL registry`, { hint: 'install PostgreSQL\'s client tools (apt-get install postgresql-client) or put them on PATH' });
}

/** Runs a PostgreSQL tool; its error output becomes the error's message. */
export function runPgTool(tool: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new ModelVaultError('storage_unavailable', `cannot run ${tool}: ${err.message}`, { path: tool }, { cause: err })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new ModelVaultError('storage_unavailable', `${tool} failed (exit ${code}): ${stderr.trim().replace(/postgres(ql)?:\/\/[^@\s]*@/g, 'postgres://***@')}`, { hint: 'check MODELVAULT_DATABASE_URL and that the PostgreSQL server is reachable' }));
    });
  });
}

/** A SQLite snapshot through the online backup API: consistent while other connections write. */
async function snapshotSqlite(databaseUrl: string, target: string): Promise<Map<Digest, Reference>> {
  const file = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : databaseUrl;
  const { default: Sqlite } = await import('better-sqlite3');
  const source = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    await source.backup(target);
  } finally {
    source.close();
  }
  // The blobs to copy are the ones the snapshot references, read from the snapshot itself.
  const { Kysely, SqliteDialect } = await import('../storage/db/kysely.ts');
  // A snapshot complete in one file: no -wal or -shm beside it.
  const copy = new Sqlite(target);
  copy.pragma('journal_mode = DELETE');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: copy }) });
  try {
    return await references(db, () => undefined);
  } finally {
    await db.destroy();
  }
}

/** A PostgreSQL snapshot: pg_dump and the list of blobs read in one exported snapshot, so both see the same state. */
async function snapshotPostgres(db: Kysely<Database>, databaseUrl: string, target: string): Promise<Map<Digest, Reference>> {
  const tool = pgTool('pg_dump');
  return db.connection().execute(async (conn) => {
    await sql`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`.execute(conn);
    try {
      const { rows } = await sql<{ id: string }>`SELECT pg_export_snapshot() AS id`.execute(conn);
      await runPgTool(tool, ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${rows[0]!.id}`, `--file=${target}`, `--dbname=${databaseUrl}`]);
      return await references(conn, () => undefined);
    } finally {
      await sql`COMMIT`.execute(conn);
    }
  });
}

/** Copies one file of the home, keeping its permission bits (the log key is a secret). */
function copyWithMode(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, lstatSync(from).mode & 0o777);
}

/** The relative paths of the home's files a backup keeps. */
function homeFiles(home: string): string[] {
  const out = HOME_FILES.filter((f) => existsSync(join(home, f)) && lstatSync(join(home, f)).isFile());
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(home, rel)).sort()) {
      const p = join(rel, name);
      const s = lstatSync(join(home, p));
      if (s.isDirectory()) walk(p);
      else if (s.isFile()) out.push(p);
    }
  };
  for (const d of HOME_DIRS) if (existsSync(join(home, d)) && lstatSync(join(home, d)).isDirectory()) walk(d);
  return out;
}

/** Copies `files` (relative paths) from one directory to another, directories first with the modes they had. */
export function copyHomeFiles(fromDir: string, toDir: string, files: readonly { path: string; mode?: number }[]): void {
  for (const d of HOME_DIRS) {
    if (!existsSync(join(fromDir, d))) continue;
    mkdirSync(join(toDir, d), { recursive: true });
    chmodSync(join(toDir, d), lstatSync(join(fromDir, d)).mode & 0o777);
  }
  for (const f of files) {
    copyWithMode(join(fromDir, f.path), join(toDir, f.path));
    if (f.mode !== undefined) chmodSync(join(toDir, f.path), f.mode);
  }
}

/** Copies blobs between stores, each verified while read and while written; `onProgress` sees the bytes. */
export async function copyBlobs(from: BlobStore, to: BlobStore, blobs: readonly { digest: Digest; size: number }[], onProgress?: BackupProgress): Promise<void> {
  const total = blobs.reduce((n, b) => n + b.size, 0);
  let done = 0;
  onProgress?.(0, total);
  await mapLimit(blobs, 4, async (b) => {
    await to.put(await from.open(b.digest), { digest: b.digest, size: b.size });
    done += b.size;
    onProgress?.(done, total);
  });
}

/**
 * Writes a consistent snapshot of a running registry to the empty directory `dir`: the database (SQLite's online
 * backup, or pg_dump), every blob it references, the home's configuration and keys, and `manifest.json` listing
 * it all with digests; then reads it all back against the manifest.
 */
export async function backup(source: BackupSource, dir: string, onProgress?: BackupProgress): Promise<BackupManifest> {
  if (!isEmptyDir(dir)) throw new ModelVaultError('conflict', `backup directory ${dir} is not empty`, { path: dir, hint: 'give a new or empty directory; a backup never overwrites files' });
  mkdirSync(dir, { recursive: true });
  const dbFile = source.dialect === 'sqlite' ? 'modelvault.db' : 'database.pgdump';
  const refs = source.dialect === 'sqlite' ? await snapshotSqlite(source.databaseUrl, join(dir, dbFile)) : await snapshotPostgres(source.db, source.databaseUrl, join(dir, dbFile));

  const blobs: { digest: Digest; size: number }[] = [];
  for (const [digest, { size, required }] of [...refs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const stored = await source.blobs.stat(digest);
    if (!stored && !required) continue;
    if (!stored) throw new ModelVaultError('blob_missing', `blob ${digest} is referenced by the registry but not stored; the backup would be incomplete`, { digest, hint: 'run `modelvault fsck` to see what is wrong and repair it, then back up again' });
    if (size !== undefined && size !== stored.size) throw new ModelVaultError('blob_corrupt', `blob ${digest} holds ${stored.size} bytes, the registry says ${size}`, { digest, hint: 'run `modelvault fsck` and repair the blob, then back up again' });
    blobs.push({ digest, size: stored.size });
  }
  const target = new FsBlobStore(join(dir, 'blobs'));
  await target.ready();
  await copyBlobs(source.blobs, target, blobs, onProgress);

  const files = homeFiles(source.home);
  copyHomeFiles(source.home, dir, files.map((path) => ({ path })));
  const manifest: BackupManifest = {
    format: 'modelvault-backup',
    version: 1,
    createdAt: new Date().toISOString(),
    dialect: source.dialect,
    database: await describe(dir, dbFile),
    files: await Promise.all(files.map((f) => describe(dir, f))),
    blobs,
  };
  writeFileSync(join(dir, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  await verifyBackup(dir, onProgress);
  return manifest;
}

/** Reads a backup's manifest, refusing a directory that is not a complete backup. */
export function readBackupManifest(dir: string): BackupManifest {
  const file = join(dir, BACKUP_MANIFEST);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as BackupManifest;
  } catch (err) {
    throw new ModelVaultError('invalid_input', `${dir} is not a complete ModelVault backup: cannot read ${file} (${(err as Error).message})`, { path: file, hint: 'give a directory written by `modelvault backup`; one without manifest.json was interrupted' }, { cause: err });
  }
  if (manifest?.format !== 'modelvault-backup' || manifest.version !== 1 || !manifest.database || !Array.isArray(manifest.files) || !Array.isArray(manifest.blobs)) {
    throw new ModelVaultError('invalid_input', `${file} is not a ModelVault backup manifest (format ${JSON.stringify(manifest?.format)}, version ${JSON.stringify(manifest?.version)})`, { path: file });
  }
  return manifest;
}

/** Checks every file and blob of a backup against its manifest; throws `verification_failed` naming each one that differs. */
export async function verifyBackup(dir: string, onProgress?: BackupProgress): Promise<BackupManifest> {
  const manifest = readBackupManifest(dir);
  const bad: string[] = [];
  for (const f of [manifest.database, ...manifest.files]) {
    const full = join(dir, f.path);
    if (!existsSync(full)) bad.push(`${f.path} is missing`);
    else {
      const got = await hashFile(full);
      if (got.digest !== f.digest || got.size !== f.size) bad.push(`${f.path} hashes to ${got.digest} (${got.size} bytes), not ${f.digest} (${f.size} bytes)`);
    }
  }
  const store = new FsBlobStore(join(dir, 'blobs'));
  const total = manifest.blobs.reduce((n, b) => n + b.size, 0);
  let done = 0;
  await mapLimit(manifest.blobs, 4, async (b) => {
    const s = await store.stat(b.digest);
    if (!s) bad.push(`blob ${b.digest} is missing`);
    else if (s.size !== b.size || !(await store.verify(b.digest))) bad.push(`blob ${b.digest} is corrupt`);
    done += b.size;
    onProgress?.(done, total);
  });
  if (bad.length > 0) {
    throw new ModelVaultError('verification_failed', `backup ${dir} does not match its manifest: ${bad.slice(0, 10).join('; ')}${bad.length > 10 ? `; and ${bad.length - 10} more` : ''}`, { path: dir, hint: 'the backup was damaged after it was written; use another backup' });
  }
  return manifest;
}
