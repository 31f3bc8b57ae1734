import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, it } from 'node:test';
import { sql } from 'kysely';
import type { AuditReport } from '../../src/audit/index.ts';
import { onEachBackend, type Backend } from '../helpers/backends.ts';
import { spawnCli } from '../helpers/cli.ts';
import { storeBlobs } from '../helpers/registry-home.ts';
import { only, push } from './helpers.ts';

const sha = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

// The log's hashes cover the events; these edits leave the events alone and change the rows they describe.
onEachBackend('audit verify compares versions and evidence with what the log recorded', (backend: Backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  const verify = async (): Promise<AuditReport> => (await app.integrity('alice')).verifyLog();
  const versionId = async (version: string): Promise<number> =>
    Number((await app.metadata.db.selectFrom('versions').select('id').where('version', '=', version).executeTakeFirstOrThrow()).id);

  beforeEach(async () => {
    app = await backend.open();
    for (let i = 0; i < 3; i++) await push(app, 'state', `1.0.${i}`);
    await app.registry('alice').addEvidence('state@1.0.1', { kind: 'review', body: { reviewer: 'carol', verdict: 'ok' } });
    const clean = await verify();
    assert.equal(clean.ok, true, JSON.stringify(clean.problems));
    assert.equal(clean.checked.versions, 3);
    assert.ok(clean.checked.evidence! >= 1, `evidence checked: ${clean.checked.evidence}`);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('names a version whose file now points at other bytes', async () => {
    // Bytes that are really stored, so re-hashing the blobs would find nothing wrong.
    const [other] = await storeBlobs(app, { 'w.bin': 'substituted weights' });
    const id = await versionId('1.0.1');
    await app.metadata.db.updateTable('files').set({ digest: other!.digest, size: other!.size }).where('version_id', '=', id).where('path', '=', 'w.bin').execute();
    const [p] = only(await verify(), ['version_altered']);
    assert.equal(p!.id, id);
    assert.match(p!.message, /^version state@1\.0\.1 \(row id \d+, logged at index \d+\): its files no longer hash to the logged manifest sha256:[0-9a-f]{64} \(w\.bin differs from the logged digest or size\)$/);
  });

  it('names a version whose manifest digest, or whose file list, was edited', async () => {
    const id = await versionId('1.0.2');
    await app.metadata.db.updateTable('versions').set({ manifest_digest: sha('forged') }).where('id', '=', id).execute();
    const [p] = only(await verify(), ['version_altered']);
    assert.equal(p!.message, `version state@1.0.2 (row id ${id}, logged at index ${p!.index}): its manifest digest ${sha('forged')} is not the logged ${p!.message.split(' is not the logged ')[1]}`);
    assert.notEqual(sha('forged'), p!.message.split(' is not the logged ')[1]);

    const first = await versionId('1.0.0');
    await app.metadata.db.deleteFrom('files').where('version_id', '=', first).where('path', '=', 'w.bin').execute();
    const problems = only(await verify(), ['version_altered', 'version_altered']);
    assert.match(problems.find((q) => q.id === first)!.message, /\(w\.bin is gone\)$/);
  });

  it('names evidence whose body was edited, and evidence the log never recorded', async () => {
    const row = await app.metadata.db.selectFrom('evidence').select(['id', 'body']).where('kind', '=', 'review').executeTakeFirstOrThrow();
    const forged = JSON.stringify({ reviewer: 'carol', verdict: 'rejected' });
    await app.metadata.db.updateTable('evidence').set({ body: forged }).where('id', '=', row.id).execute();
    const [edited] = only(await verify(), ['evidence_altered']);
    assert.equal(edited!.id, Number(row.id));
    assert.equal(edited!.message, `review evidence of state@1.0.1 (row id ${Number(row.id)}): its body hashes to ${sha(forged)}, not its recorded ${sha(JSON.stringify({ reviewer: 'carol', verdict: 'ok' }).replace(/\s/g, ''))}`);

    // Digest recomputed to match the forged body: consistent on its own, unknown to the log.
    await app.metadata.db.updateTable('evidence').set({ digest: sha(forged) }).where('id', '=', row.id).execute();
    const [unlogged] = only(await verify(), ['evidence_unlogged']);
    assert.equal(unlogged!.message, `review evidence of state@1.0.1 (row id ${Number(row.id)}, ${sha(forged)}) was never recorded in the audit log`);
  });

  it('reads in pages of any size, lists at most the problems asked for, and names up to five files of a version', async () => {
    const { checkRecordedState } = await import('../../src/registry/index.ts');
    for (const pageSize of [1, 2, 1000]) {
      const r = await checkRecordedState(app.metadata.db, { pageSize });
      assert.deepEqual({ versions: r.versions, problems: r.problems }, { versions: 3, problems: [] }, `page size ${pageSize}`);
      assert.ok(r.evidence >= 1);
    }
    // Every version's files edited: one problem each, cut to the number asked for.
    const [other] = await storeBlobs(app, { 'x.bin': 'substituted' });
    await app.metadata.db.updateTable('files').set({ digest: other!.digest, size: other!.size }).execute();
    for (const pageSize of [1, 1000]) {
      const all = await checkRecordedState(app.metadata.db, { pageSize });
      assert.equal(all.problems.length, 3, `page size ${pageSize}`);
      // Both files of a version differ, named in order and joined by "; ".
      assert.match(all.problems[0]!.message, /\(w\.bin differs from the logged digest or size; MODEL_CARD\.md differs from the logged digest or size\)$|\(MODEL_CARD\.md differs from the logged digest or size; w\.bin differs from the logged digest or size\)$/);
    }
    assert.equal((await checkRecordedState(app.metadata.db, { maxProblems: 2 })).problems.length, 2);
    // A version with every file row gone, and one with more changed files than a message lists (five).
    await app.metadata.db.deleteFrom('files').where('version_id', '=', await versionId('1.0.0')).execute();
    const extra = await versionId('1.0.2');
    for (let i = 0; i < 6; i++) await app.metadata.db.insertInto('files').values({ version_id: extra, path: `extra-${i}.bin`, size: 1, digest: other!.digest, format: 'binary' }).execute();
    const after = await checkRecordedState(app.metadata.db);
    assert.match(after.problems.find((q) => q.message.startsWith('version state@1.0.0'))!.message, /\((w\.bin is gone; MODEL_CARD\.md is gone|MODEL_CARD\.md is gone; w\.bin is gone)\)$/);
    const listed = /\(([^()]*)\)$/.exec(after.problems.find((q) => q.message.startsWith('version state@1.0.2'))!.message)![1]!.split('; ');
    assert.equal(listed.length, 5, listed.join(' | '));
    assert.equal((await checkRecordedState(app.metadata.db, { maxProblems: 1 })).problems.length, 1);
  });

  it('names a version inserted behind the registry\'s back', async () => {
    const source = await app.metadata.db.selectFrom('versions').selectAll().where('version', '=', '1.0.0').executeTakeFirstOrThrow();
    const { id: _id, ...copy } = source;
    await app.metadata.db.insertInto('versions').values({ ...copy, version: '9.9.9', sort_key: `${source.sort_key}-forged` }).execute();
    const [p] = only(await verify(), ['version_unlogged']);
    assert.match(p!.message, /^version state@9\.9\.9 \(row id \d+\) has no version\.push event in the audit log$/);
    // Evidence on it, which no event could have recorded.
    const forged = await versionId('9.9.9');
    const body = JSON.stringify({ verdict: 'safe' });
    await app.metadata.db.insertInto('evidence').values({ version_id: forged, kind: 'scan', digest: sha(body), key_id: null, body, created_at: new Date().toISOString() }).execute();
    const problems = only(await verify(), ['version_unlogged', 'evidence_unlogged']);
    assert.match(problems.find((q) => q.kind === 'evidence_unlogged')!.message, /^scan evidence of state@9\.9\.9 \(row id \d+, sha256:[0-9a-f]{64}\) was never recorded in the audit log$/);
  });

  it('names a file whose size alone was edited, and `modelvault audit verify` exits 1 naming it', async () => {
    await sql`UPDATE files SET size = size + 1 WHERE version_id = ${await versionId('1.0.0')} AND path = 'w.bin'`.execute(app.metadata.db);
    const report = await verify();
    only(report, ['version_altered']);
    assert.match(report.problems[0]!.message, /w\.bin differs from the logged digest or size/);
    if (backend.name !== 'sqlite') return;
    const cli = await spawnCli(['audit', 'verify'], { MODELVAULT_HOME: app.home });
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stdout, /^audit log verification FAILED: 1 problem\(s\) in \d+ events\n  version_altered +version state@1\.0\.0 \(row id \d+, logged at index \d+\): its files no longer hash/);
  });
});
