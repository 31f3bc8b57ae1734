import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import type { Digest } from '../../src/core/digest.ts';
import type { FsckReport } from '../../src/maintenance/index.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model-dir.ts';
import { postgresAvailable, startPostgres, type ThrowawayPostgres } from '../helpers/pg.ts';
import pg from 'pg';

const EXAMPLE = fileURLToPath(new URL('../../examples/fraud-detector', import.meta.url));
const ONNX = 'fraud_detector_1.0.0_20261123.onnx';
const work = tempDir('mv-fsck-');
const seed = join(work, 'seed');
after(() => rmSync(work, { recursive: true, force: true }));

let homes = 0;
/** A copy of the seed home (two versions of fraud-detector, alias champion → 1.0.0). */
function freshHome(): string {
  const home = join(work, `home-${homes++}`);
  cpSync(seed, home, { recursive: true });
  return home;
}

const fsck = async (home: string, ...args: string[]): Promise<{ code: number; report: FsckReport; stderr: string }> => {
  const r = await runCli(['fsck', '--json', ...args], { MODELVAULT_HOME: home });
  assert.ok(r.json, `fsck printed no JSON: ${r.stdout}${r.stderr}`);
  return { code: r.code, report: r.json as FsckReport, stderr: r.stderr };
};

/** The problems of a report as `kind subject` lines, open ones only unless `all`. */
const named = (report: FsckReport, all = false): string[] => report.problems.filter((p) => all || !p.repaired).map((p) => `${p.kind} ${p.subject}`).sort();

function sql(home: string, statements: string): void {
  const db = new Sqlite(join(home, 'modelvault.db'));
  try {
    db.pragma('foreign_keys = OFF');
    db.exec(statements);
  } finally {
    db.close();
  }
}

function fileDigest(home: string, path: string, version = '1.0.0'): Digest {
  const db = new Sqlite(join(home, 'modelvault.db'), { readonly: true });
  try {
    return (db.prepare('SELECT f.digest FROM files f JOIN versions v ON v.id = f.version_id WHERE f.path = ? AND v.version = ?').get(path, version) as { digest: Digest }).digest;
  } finally {
    db.close();
  }
}

const hoursAgo = (h: number): Date => new Date(Date.now() - h * 3_600_000);

before(async () => {
  for (const args of [['push', EXAMPLE], ['push', EXAMPLE, '--version', '1.1.0'], ['alias', 'set', 'fraud-detector', 'champion', '1.0.0']]) {
    const r = await runCli(args, { MODELVAULT_HOME: seed });
    assert.equal(r.code, 0, r.stderr);
  }
});

describe('modelvault fsck', () => {
  it('passes a clean home and says what it checked', async () => {
    const home = freshHome();
    const { code, report } = await fsck(home);
    assert.equal(code, 0, JSON.stringify(report.problems));
    assert.equal(report.ok, true);
    assert.deepEqual(report.problems, []);
    assert.equal(report.checked.versions, 2);
    assert.equal(report.checked.aliases, 1);
    assert.ok(report.checked.blobs >= 7 && report.checked.references === report.checked.blobs, JSON.stringify(report.checked));
    assert.ok(report.checked.events >= 3);
    const text = await runCli(['fsck'], { MODELVAULT_HOME: home });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /ok: no problems/);
  });

  it('finds a flipped bit in a blob, keeps it without a good copy, and replaces it from --from', async () => {
    const home = freshHome();
    const digest = fileDigest(home, ONNX);
    const path = new FsBlobStore(join(home, 'blobs')).pathOf(digest);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1]! ^= 0x10;
    writeFileSync(path, bytes);

    const found = await fsck(home);
    assert.equal(found.code, 1);
    assert.deepEqual(named(found.report), [`blob_corrupt ${digest}`]);
    assert.match(found.report.problems[0]!.message, /file fraud_detector_1\.0\.0_20261123\.onnx of fraud-detector@1\.0\.0/);

    const unrepaired = await fsck(home, '--repair');
    assert.equal(unrepaired.code, 1, 'no --from: nothing to replace it with');
    assert.deepEqual(named(unrepaired.report), [`blob_corrupt ${digest}`]);

    const repaired = await fsck(home, '--repair', '--from', seed);
    assert.equal(repaired.code, 0, JSON.stringify(repaired.report.problems));
    assert.deepEqual(named(repaired.report, true), [`blob_corrupt ${digest}`]);
    assert.equal(repaired.report.problems[0]!.repaired, true);
    assert.ok(await new FsBlobStore(join(home, 'blobs')).verify(digest));
    assert.equal((await fsck(home)).code, 0);
  });

  it('does not take a corrupt copy from --from', async () => {
    const home = freshHome();
    const other = freshHome();
    const digest = fileDigest(home, ONNX);
    for (const h of [home, other]) {
      const path = new FsBlobStore(join(h, 'blobs')).pathOf(digest);
      const bytes = readFileSync(path);
      bytes[0]! ^= 0x01;
      writeFileSync(path, bytes);
    }
    const r = await fsck(home, '--repair', '--from', other);
    assert.equal(r.code, 1);
    assert.deepEqual(named(r.report), [`blob_corrupt ${digest}`]);
    assert.match(r.report.problems[0]!.message, /--from store has no intact copy/);
  });

  it('finds a deleted blob and copies it back from --from', async () => {
    const home = freshHome();
    const digest = fileDigest(home, 'MODEL_CARD.md');
    rmSync(new FsBlobStore(join(home, 'blobs')).pathOf(digest));
    const found = await fsck(home);
    assert.equal(found.code, 1);
    assert.deepEqual(named(found.report), [`blob_missing ${digest}`]);
    const repaired = await fsck(home, '--repair', '--from', seed);
    assert.equal(repaired.code, 0, JSON.stringify(repaired.report.problems));
    assert.ok(existsSync(new FsBlobStore(join(home, 'blobs')).pathOf(digest)));
  });

  it('finds a files row pointing at a blob that is not stored (and the audit log names the edit)', async () => {
    const home = freshHome();
    const missing = `sha256:${'ab'.repeat(32)}`;
    sql(home, `UPDATE files SET digest = '${missing}' WHERE path = 'metrics.json' AND version_id = (SELECT id FROM versions WHERE version = '1.1.0')`);
    const { code, report } = await fsck(home, '--repair', '--from', seed);
    assert.equal(code, 1);
    assert.ok(named(report).includes(`blob_missing ${missing}`), named(report).join('\n'));
    assert.match(report.problems.find((p) => p.kind === 'blob_missing')!.message, /file metrics\.json of fraud-detector@1\.1\.0/);
    assert.ok(report.problems.some((p) => p.kind === 'audit' && p.subject === 'version_altered'), named(report).join('\n'));
  });

  it('finds a second production version forced into the table', async () => {
    const home = freshHome();
    sql(home, `DROP INDEX versions_one_production; UPDATE versions SET stage = 'production'`);
    const { code, report } = await fsck(home);
    assert.equal(code, 1);
    const twice = report.problems.find((p) => p.kind === 'production_twice');
    assert.ok(twice, named(report).join('\n'));
    assert.equal(twice.subject, 'fraud-detector');
    assert.match(twice.message, /2 production versions \(1\.0\.0, 1\.1\.0\)/);
    // The stages were changed without a history row.
    assert.deepEqual(named(report).filter((n) => n.startsWith('stage_history')), ['stage_history fraud-detector@1.0.0', 'stage_history fraud-detector@1.1.0']);
  });

  it('finds an alias to a version that does not exist, and one to another model\'s version', async () => {
    const home = freshHome();
    sql(home, `UPDATE aliases SET version_id = 9999 WHERE alias = 'champion';
      INSERT INTO models (name, description, owner, created_at, updated_at) VALUES ('other', NULL, NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
      INSERT INTO aliases (model_id, alias, version_id, updated_at) SELECT m.id, 'stolen', v.id, '2026-01-01T00:00:00Z' FROM models m, versions v WHERE m.name = 'other' AND v.version = '1.0.0'`);
    const { code, report } = await fsck(home);
    assert.equal(code, 1);
    assert.deepEqual(named(report).filter((n) => n.startsWith('alias')), ['alias_dangling fraud-detector@champion', 'alias_dangling other@stolen']);
    assert.match(report.problems.find((p) => p.subject === 'fraud-detector@champion')!.message, /version row 9999, which does not exist/);
    assert.match(report.problems.find((p) => p.subject === 'other@stolen')!.message, /fraud-detector@1\.0\.0, a version of another model/);
  });

  it('lists orphans and temp files, removes the old ones with --repair and keeps the young ones', async () => {
    const home = freshHome();
    const store = new FsBlobStore(join(home, 'blobs'));
    const old = await store.put(Readable.from([Buffer.from('an orphan of a push that died long ago')]));
    const young = await store.put(Readable.from([Buffer.from('a blob a push uploaded a moment ago')]));
    utimesSync(store.pathOf(old.digest), hoursAgo(2), hoursAgo(2));
    const oldTemp = join(home, 'blobs', 'tmp', 'killed-write.part');
    const youngTemp = join(home, 'blobs', 'tmp', 'write-in-progress.part');
    writeFileSync(oldTemp, 'half a blob');
    writeFileSync(youngTemp, 'a blob being written');
    utimesSync(oldTemp, hoursAgo(3), hoursAgo(3));

    const found = await fsck(home);
    assert.equal(found.code, 1);
    assert.deepEqual(named(found.report), [`orphan_blob ${old.digest}`, 'temp_file tmp/killed-write.part']);
    assert.deepEqual(found.report.orphans.map((o) => [o.digest, o.size, o.removed]).sort(), [[old.digest, old.size, false], [young.digest, young.size, false]].sort());
    const text = await runCli(['fsck'], { MODELVAULT_HOME: home });
    assert.match(text.stdout, new RegExp(`${young.digest}\\s+35 B\\s+0 min\\s+young: kept`));
    assert.ok(existsSync(oldTemp), 'opening the home for fsck swept nothing');

    const repaired = await fsck(home, '--repair');
    assert.equal(repaired.code, 0, JSON.stringify(repaired.report.problems));
    assert.ok(repaired.report.problems.every((p) => p.repaired));
    assert.equal(await store.stat(old.digest), undefined);
    assert.deepEqual(await store.stat(young.digest), { size: young.size });
    assert.equal(existsSync(oldTemp), false);
    assert.ok(existsSync(youngTemp));
    assert.equal((await fsck(home)).code, 0);
  });

  it('takes evaluation data that was never stored as no problem, and keeps stored data evidence names from being an orphan', async () => {
    const home = freshHome();
    // Embedded evaluation reads a local file: its digest is recorded, its bytes are not stored.
    const data = join(work, 'eval-sample.csv');
    writeFileSync(data, readFileSync(join(EXAMPLE, 'data', 'eval.csv'), 'utf8').trimEnd().split('\n').slice(0, -1).join('\n') + '\n');
    const evaluated = await runCli(['evaluate', 'fraud-detector@1.0.0', '--data', data, '--json'], { MODELVAULT_HOME: home });
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const digest = (evaluated.json as { data: { digest: Digest } }).data.digest;
    const store = new FsBlobStore(join(home, 'blobs'));
    assert.equal(await store.stat(digest), undefined, 'the data is not in the store');
    const before = await fsck(home);
    assert.equal(before.code, 0, JSON.stringify(before.report.problems));
    assert.equal(before.report.checked.references, before.report.checked.blobs + 1);

    // As a server stores it when a client uploads the data: then it is referenced, however old.
    await store.putFile(data);
    utimesSync(store.pathOf(digest), hoursAgo(5), hoursAgo(5));
    const after = await fsck(home, '--repair');
    assert.equal(after.code, 0, JSON.stringify(after.report.problems));
    assert.deepEqual(after.report.orphans, []);
    assert.ok(await store.verify(digest));
  });

  it('refuses --from without a blob store, a home that does not exist and a remote registry, clearly', async () => {
    const home = freshHome();
    const r = await runCli(['fsck', '--from', work], { MODELVAULT_HOME: home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--from .* holds no blob store/);
    const typo = join(work, 'no-such-home');
    for (const command of [['fsck'], ['backup', join(work, 'never-written')]]) {
      const none = await runCli(command, { MODELVAULT_HOME: typo });
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no registry at .*no-such-home: its database .* does not exist/);
    }
    assert.equal(existsSync(typo), false, 'a mistyped home is not created');
    const remote = await runCli(['fsck'], { MODELVAULT_HOME: home, MODELVAULT_URL: 'http://127.0.0.1:9' });
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /fsck works on a registry home, not through a server/);
  });
});

describe('modelvault fsck on PostgreSQL', { skip: postgresAvailable() ? false : 'PostgreSQL server binaries not installed (apt-get install postgresql)' }, () => {
  let server: ThrowawayPostgres | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.stop());

  it('names a corrupt blob, a dangling alias and a second production version, and repairs the blob from --from', async () => {
    const url = await server!.createDatabase();
    const env = { MODELVAULT_HOME: join(work, 'pg-home'), MODELVAULT_DATABASE_URL: url };
    for (const args of [['push', EXAMPLE], ['push', EXAMPLE, '--version', '1.1.0'], ['alias', 'set', 'fraud-detector', 'champion', '1.0.0']]) {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, r.stderr);
    }
    const clean = await runCli(['fsck', '--json'], env);
    assert.equal(clean.code, 0, clean.stdout);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let digest: Digest;
    try {
      digest = (await client.query<{ digest: Digest }>(`SELECT digest FROM files WHERE path = $1 LIMIT 1`, [ONNX])).rows[0]!.digest;
      // Past the database's own guards, as a hand edit or a bug would go.
      await client.query(`SET session_replication_role = replica; DROP INDEX versions_one_production; UPDATE versions SET stage = 'production'; UPDATE aliases SET version_id = 9999`);
    } finally {
      await client.end();
    }
    const path = new FsBlobStore(join(env.MODELVAULT_HOME, 'blobs')).pathOf(digest);
    const bytes = readFileSync(path);
    bytes[7]! ^= 0x02;
    writeFileSync(path, bytes);

    const found = await runCli(['fsck', '--json'], env);
    assert.equal(found.code, 1);
    const report = found.json as FsckReport;
    assert.deepEqual(named(report), [`alias_dangling fraud-detector@champion`, `blob_corrupt ${digest}`, 'production_twice fraud-detector', 'stage_history fraud-detector@1.0.0', 'stage_history fraud-detector@1.1.0']);
    const repaired = await runCli(['fsck', '--json', '--repair', '--from', seed], env);
    assert.equal(repaired.code, 1, 'the lifecycle problems remain');
    assert.deepEqual(named(repaired.json as FsckReport), [`alias_dangling fraud-detector@champion`, 'production_twice fraud-detector', 'stage_history fraud-detector@1.0.0', 'stage_history fraud-detector@1.1.0']);
    assert.ok(await new FsBlobStore(join(env.MODELVAULT_HOME, 'blobs')).verify(digest));
  });
});
