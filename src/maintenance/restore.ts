import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ModelVaultError } from '../core/errors.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { FsBlobStore } from '../storage/fs-blob-store.ts';
import { copyBlobs, copyHomeFiles, isEmptyDir, pgTool, runPgTool, verifyBackup, type BackupManifest, type BackupProgress } from './backup.ts';

/** Where a backup is restored to: an empty home, its database (a SQLite file or an empty PostgreSQL database) and blob store. */
export interface RestoreTarget {
  home: string;
  databaseUrl: string;
  blobs: BlobStore;
}

const isPostgres = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

async function postgresTables(url: string): Promise<number> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'`);
    return Number(rows[0]!.n);
  } catch (err) {
    throw new ModelVaultError('storage_unavailable', `cannot reach the PostgreSQL database to restore into: ${(err as Error).message}`, { hint: 'check MODELVAULT_DATABASE_URL and that PostgreSQL is running' }, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Restores the backup in `dir` into an empty home: the backup is verified against its manifest first, then its
 * configuration and keys (with their modes), its blobs (each verified as written) and its database are put in
 * place. A home, database or blob store that already holds anything is refused: a restore never merges.
 */
export async function restore(dir: string, target: RestoreTarget, onProgress?: BackupProgress): Promise<BackupManifest> {
  const manifest = await verifyBackup(dir);
  if (!isEmptyDir(target.home)) {
    const held = readdirSync(target.home).slice(0, 5).join(', ');
    throw new ModelVaultError('conflict', `registry home ${target.home} is not empty (it holds ${held}); a restore goes into a new or empty home only`, { path: target.home, hint: 'give --home a new directory (or empty this one if its registry is not needed)' });
  }
  const wantPostgres = manifest.dialect === 'postgres';
  if (isPostgres(target.databaseUrl) !== wantPostgres) {
    throw new ModelVaultError('invalid_input', `the backup holds a ${manifest.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} database, the target registry uses ${wantPostgres ? 'SQLite' : 'PostgreSQL'}`, {
      hint: wantPostgres ? 'set MODELVAULT_DATABASE_URL to an empty PostgreSQL database' : 'unset MODELVAULT_DATABASE_URL to restore into the home\'s SQLite file',
    });
  }
  const sqliteFile = wantPostgres ? undefined : target.databaseUrl.replace(/^sqlite:/, '');
  if (sqliteFile !== undefined && existsSync(sqliteFile)) throw new ModelVaultError('conflict', `the database file ${sqliteFile} exists already`, { path: sqliteFile, hint: 'restore into a new database file' });
  if (wantPostgres && (await postgresTables(target.databaseUrl)) > 0) {
    throw new ModelVaultError('conflict', 'the PostgreSQL database to restore into is not empty (it has tables)', { hint: 'create a new database (CREATE DATABASE …) and point MODELVAULT_DATABASE_URL at it' });
  }
  for await (const digest of target.blobs.list()) {
    throw new ModelVaultError('conflict', `the blob store to restore into is not empty (it holds ${digest})`, { hint: 'point MODELVAULT_BLOB_URL at a new directory' });
  }

  mkdirSync(target.home, { recursive: true });
  copyHomeFiles(dir, target.home, manifest.files);
  await target.blobs.ready();
  await copyBlobs(new FsBlobStore(join(dir, 'blobs')), target.blobs, manifest.blobs, onProgress);
  if (sqliteFile !== undefined) {
    mkdirSync(dirname(sqliteFile), { recursive: true });
    copyFileSync(join(dir, manifest.database.path), sqliteFile);
  } else {
    await runPgTool(pgTool('pg_restore'), ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${target.databaseUrl}`, join(dir, manifest.database.path)]);
  }
  return manifest;
}
