import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { openApp } from '../../src/app.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { eventLeafHash } from '../../src/audit/index.ts';
import { openCheckpoint, verifyConsistency, verifyInclusion } from '../../src/audit/index.ts';
import { onEachBackend, type Backend } from '../helpers/backends.ts';
import { eventRows, publishedVerifier, push } from './helpers.ts';

const b = (s: string): Buffer => Buffer.from(s, 'base64');

onEachBackend('audit log', (backend: Backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => {
    app = await backend.open();
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('logs every registry event as a leaf and signs a checkpoint per transaction', async () => {
    const empty = await app.audit.checkpoint();
    assert.equal(empty.size, 0);
    assert.equal(openCheckpoint(empty.note, [publishedVerifier(app.home)]).checkpoint.size, 0);
    await push(app, 'fraud', '1.0.0');
    await push(app, 'fraud', '1.1.0');
    await app.registry('alice').setStage('fraud@1.0.0', 'validation');
    await app.registry('alice').setTags({ name: 'fraud' }, { team: 'risk' });
    const rows = await eventRows(app);
    assert.deepEqual(rows.map((r) => r.leaf_index), [0, 1, 2, 3]);
    assert.deepEqual(rows.map((r) => r.action), ['version.push', 'version.push', 'version.stage', 'tag.set']);
    const sizes = (await app.metadata.db.selectFrom('checkpoints').select('size').orderBy('size').execute()).map((r) => Number(r.size));
    assert.deepEqual(sizes, [1, 2, 3, 4]);
    const cp = await app.audit.checkpoint();
    assert.equal(cp.size, 4);
    const opened = openCheckpoint(cp.note, [publishedVerifier(app.home)]);
    assert.equal(opened.checkpoint.origin, app.audit.origin);
    assert.equal(opened.checkpoint.rootHash.toString('base64'), cp.rootHash);
    assert.match(app.audit.origin, /^modelvault\./);
    const keyMode = statSync(join(app.home, 'keys', 'log.key')).mode & 0o777;
    assert.equal(keyMode, 0o600);
    const report = await app.audit.verify();
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
    assert.deepEqual(report.checked, { events: 4, checkpoints: 4, anchors: 0 });
  });

  it('returns inclusion and consistency proofs that verify against the signed checkpoints', async () => {
    for (let i = 0; i < 7; i++) await push(app, 'proof', `1.0.${i}`);
    await app.registry('bob').setStage('proof@1.0.3', 'validation');
    const rows = await eventRows(app);
    const verifier = publishedVerifier(app.home);
    for (const size of [1, 5, 8]) {
      for (let index = 0; index < size; index++) {
        const p = await app.audit.inclusionProof(index, size);
        const signed = openCheckpoint(p.checkpoint, [verifier]).checkpoint;
        assert.equal(signed.size, size);
        assert.equal(p.leafHash, eventLeafHash(index, rows[index]!).toString('base64'));
        verifyInclusion(index, size, b(p.leafHash), p.proof.map(b), signed.rootHash);
        const forged = b(p.leafHash);
        forged[0] = forged[0]! ^ 1;
        assert.throws(() => verifyInclusion(index, size, forged, p.proof.map(b), signed.rootHash));
      }
    }
    const latest = await app.audit.inclusionProof(2);
    assert.equal(latest.size, 8);
    for (const [from, to] of [[1, 8], [3, 8], [4, 7], [5, 5]] as const) {
      const c = await app.audit.consistencyProof(from, to);
      const older = openCheckpoint(c.fromCheckpoint, [verifier]).checkpoint;
      const newer = openCheckpoint(c.toCheckpoint, [verifier]).checkpoint;
      verifyConsistency(from, to, c.proof.map(b), older.rootHash, newer.rootHash);
      if (from < to && from > 1) assert.throws(() => verifyConsistency(from, to, c.proof.map(b), newer.rootHash, older.rootHash));
    }
    await assert.rejects(app.audit.inclusionProof(8, 8), (e: unknown) => e instanceof ModelVaultError && e.code === 'invalid_input');
    await assert.rejects(app.audit.inclusionProof(0, 99), (e: unknown) => e instanceof ModelVaultError && e.code === 'not_found');
    await assert.rejects(app.audit.consistencyProof(8, 3), (e: unknown) => e instanceof ModelVaultError && e.code === 'invalid_input');
  });

  it('keeps the log and its key across a restart', async () => {
    await push(app, 'keep', '1.0.0');
    await push(app, 'keep', '1.0.1');
    const before = await app.audit.checkpoint();
    const pub = readFileSync(join(app.home, 'keys', 'log.pub'), 'utf8');
    await app.close();
    const reopened = await openApp(app.settings);
    const home = app.home;
    app = Object.assign(reopened, { home, dispose: async () => { await reopened.close(); rmSync(home, { recursive: true, force: true }); } });
    assert.equal(readFileSync(join(home, 'keys', 'log.pub'), 'utf8'), pub);
    assert.deepEqual(await app.audit.checkpoint(), before);
    await push(app, 'keep', '1.0.2');
    const rows = await eventRows(app);
    assert.deepEqual(rows.map((r) => r.leaf_index), [0, 1, 2]);
    const c = await app.audit.consistencyProof(2, 3);
    const verifier = publishedVerifier(home);
    verifyConsistency(2, 3, c.proof.map(b), openCheckpoint(before.note, [verifier]).checkpoint.rootHash, openCheckpoint(c.toCheckpoint, [verifier]).checkpoint.rootHash);
    assert.equal((await app.audit.verify()).ok, true);
  });

  it('gives concurrent writers one order with no gaps or duplicates', async () => {
    // A second registry on the same PostgreSQL database writes through its own connection pool.
    const other = backend.name === 'postgres' ? await openApp(app.settings) : app;
    try {
      const writers = Array.from({ length: 24 }, (_, i) => {
        const target = i % 2 === 0 ? app : other;
        return i % 3 === 0 ? push(target, `par-${i}`, '1.0.0', 'bob') : push(target, `par-${i}`, '1.0.0').then(() => target.registry('alice').setTags({ name: `par-${i}` }, { n: String(i) }));
      });
      await Promise.all(writers);
    } finally {
      if (other !== app) await other.close();
    }
    const rows = await eventRows(app);
    assert.equal(rows.length, 24 + 16);
    assert.deepEqual(rows.map((r) => r.leaf_index), rows.map((_, i) => i), 'leaf indices follow the row order with no gap');
    const sizes = (await app.metadata.db.selectFrom('checkpoints').select('size').orderBy('size').execute()).map((r) => Number(r.size));
    assert.equal(sizes[sizes.length - 1], rows.length);
    assert.equal(new Set(sizes).size, sizes.length);
    const report = await app.audit.verify();
    assert.deepEqual(report.problems, []);
    assert.equal(report.size, rows.length);
  });
});
