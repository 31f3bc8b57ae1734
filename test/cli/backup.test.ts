import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BackupManifest, FsckReport } from '../../src/maintenance/index.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { runCli, spawnCli, spawnServe } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model-dir.ts';
import { postgresAvailable, startPostgres, type ThrowawayPostgres } from '../helpers/pg.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/fraud-detector', import.meta.url));
const work = tempDir('mv-backup-');
const servers: ChildProcess[] = [];
after(() => {
  for (const s of servers) s.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});


const versionsOf = async (env: Record<string, string>): Promise<string[]> => {
  const r = await runCli(['versions', 'list', 'fraud-detector', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  return ((r.json as { items: { version: string }[] }).items ?? []).map((v) => v.version).sort();
};

/**
 * A server serves the registry of `registry` while versions are pushed to it; a backup is taken meanwhile, then
 * restored into an empty home (and `restoreDb`, when PostgreSQL), where fsck passes and the versions are there.
 */
async function backupWhileServing(name: string, registry: Record<string, string>, restoreDb: () => Promise<Record<string, string>>): Promise<void> {
  const url = await spawnServe({ CI: '1', ...registry }, (p) => servers.push(p));
  // The CLI reads the administrator's token from the home; it talks to the server only.
  const remote = { ...registry, MODELVAULT_URL: url };
  const first = await spawnCli(['push', EXAMPLE], remote);
  assert.equal(first.code, 0, first.stderr);
  const source = { MODELVAULT_HOME: registry.MODELVAULT_HOME!, ...(registry.MODELVAULT_DATABASE_URL ? { MODELVAULT_DATABASE_URL: registry.MODELVAULT_DATABASE_URL } : {}) };
  let pushed = false;
  const pushing = (async () => {
    const codes: number[] = [];
    for (let i = 1; i <= 3; i++) codes.push((await spawnCli(['push', EXAMPLE, '--version', `1.0.${i}`], remote)).code);
    pushed = true;
    return codes;
  })();
  // Backups one after another for as long as the pushes run: each is a snapshot of some moment among them.
  const dirs: string[] = [];
  while (!pushed) {
    const dir = join(work, `${name}-backup-${dirs.length}`);
    const taken = await spawnCli(['backup', dir, '--json'], source);
    assert.equal(taken.code, 0, taken.stderr);
    dirs.push(dir);
  }
  assert.deepEqual(await pushing, [0, 0, 0], 'every push while the backups ran succeeded');
  const live = await versionsOf(remote);
  assert.deepEqual(live, ['1.0.0', '1.0.1', '1.0.2', '1.0.3']);

  const states = new Set<string>();
  for (const [i, dir] of dirs.entries()) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    assert.equal(manifest.dialect, registry.MODELVAULT_DATABASE_URL ? 'postgres' : 'sqlite');
    assert.ok(manifest.blobs.length >= 7, `${manifest.blobs.length} blobs`);
    for (const b of manifest.blobs) assert.ok(await new FsBlobStore(join(dir, 'blobs')).verify(b.digest), `${b.digest} copied intact`);
    // The log key is a secret: it keeps its mode in the backup.
    assert.equal(statSync(join(dir, 'keys', 'log.key')).mode & 0o777, 0o600);
    assert.deepEqual(manifest.files.map((f) => f.path).sort(), ['admin.token', 'keys/log.key', 'keys/log.pub']);

    const home = join(work, `${name}-restored-${i}`);
    const target = { MODELVAULT_HOME: home, ...(await restoreDb()) };
    const restored = await runCli(['restore', dir], target);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(statSync(join(home, 'keys', 'log.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(home, 'admin.token')).mode & 0o777, 0o600);
    const checked = await runCli(['fsck', '--json'], target);
    assert.equal(checked.code, 0, checked.stdout);
    const report = checked.json as FsckReport;
    assert.deepEqual(report.problems, []);
    assert.equal(report.checked.blobs, manifest.blobs.length);
    const versions = await versionsOf(target);
    // What a backup holds is a moment of the live registry: a prefix of the versions it has now.
    assert.ok(versions.includes('1.0.0'), versions.join(', '));
    assert.deepEqual(versions, live.slice(0, versions.length));
    assert.equal(report.checked.versions, versions.length);
    states.add(versions.join(','));
    const pulled = await runCli(['pull', `fraud-detector@${versions.at(-1)}`, join(work, `${name}-pulled-${i}`)], target);
    assert.equal(pulled.code, 0, pulled.stderr);
    if (i === 0) {
      const again = await runCli(['restore', dir], target);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /error\[conflict\]: registry home .* is not empty/);
    }
  }
  // The backups saw the registry at different moments of the pushes, not only before or after them.
  assert.ok(states.size >= 2, `${dirs.length} backups, all of the same state ${[...states].join(' ')}`);
}

describe('modelvault backup and restore', () => {
  it('backs up a SQLite registry while a server serves pushes, and restores it into an empty home where fsck passes', { timeout: 180_000 }, async () => {
    await backupWhileServing('sqlite', { MODELVAULT_HOME: join(work, 'sqlite-home') }, async () => ({}));
  });

  it('refuses a damaged backup, naming what differs, and leaves the target home alone', async () => {
    const home = join(work, 'small');
    assert.equal((await runCli(['push', EXAMPLE], { MODELVAULT_HOME: home })).code, 0);
    const dir = join(work, 'small-backup');
    const taken = await runCli(['backup', dir, '--json'], { MODELVAULT_HOME: home });
    assert.equal(taken.code, 0, taken.stderr);
    const refused = await runCli(['backup', dir], { MODELVAULT_HOME: home });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /backup directory .* is not empty/);

    const blob = (taken.json as BackupManifest).blobs[0]!.digest;
    const path = new FsBlobStore(join(dir, 'blobs')).pathOf(blob);
    const bytes = readFileSync(path);
    bytes[0]! ^= 0x40;
    writeFileSync(path, bytes);
    const target = join(work, 'small-restored');
    const r = await runCli(['restore', dir], { MODELVAULT_HOME: target });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`error\\[verification_failed\\]: backup .* does not match its manifest: blob ${blob} is corrupt`));
    assert.equal(existsSync(target) && readdirSync(target).length > 0, false);

    rmSync(join(dir, 'manifest.json'));
    const partial = await runCli(['restore', dir], { MODELVAULT_HOME: target });
    assert.equal(partial.code, 2);
    assert.match(partial.stderr, /is not a complete ModelVault backup/);
  });

  describe('on PostgreSQL', { skip: postgresAvailable() ? false : 'PostgreSQL server binaries not installed (apt-get install postgresql)' }, () => {
    let pg: ThrowawayPostgres | undefined;
    before(async () => {
      pg = await startPostgres();
    });
    after(() => pg?.stop());

    it('backs up through pg_dump while a server serves pushes, and restores into an empty database where fsck passes', { timeout: 180_000 }, async () => {
      const source = await pg!.createDatabase();
      let target = '';
      await backupWhileServing('postgres', { MODELVAULT_HOME: join(work, 'pg-home'), MODELVAULT_DATABASE_URL: source }, async () => ({ MODELVAULT_DATABASE_URL: (target = await pg!.createDatabase()) }));
      // A database that holds a registry already is refused too.
      const r = await runCli(['restore', join(work, 'postgres-backup-0')], { MODELVAULT_HOME: join(work, 'pg-other'), MODELVAULT_DATABASE_URL: target });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /PostgreSQL database to restore into is not empty/);
    });
  });
});
