import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { sql } from 'kysely';
import { onEachBackend, type Backend } from '../helpers/backends.ts';
import { dropAppendOnly, eventRows, only, push } from './helpers.ts';

onEachBackend('audit verify on a tampered database', (backend: Backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => {
    app = await backend.open();
    for (let i = 0; i < 6; i++) await push(app, 'tamper', `1.0.${i}`);
    await app.registry('alice').setStage('tamper@1.0.0', 'validation');
    await app.registry('alice').setTags({ name: 'tamper' }, { team: 'risk' });
    assert.equal((await app.audit.verify()).ok, true);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('names the event row whose payload was edited', async () => {
    await dropAppendOnly(app, 'events');
    const rows = await eventRows(app);
    const victim = rows[3]!;
    const payload = JSON.parse(victim.payload_json) as { manifest_digest: string };
    payload.manifest_digest = `sha256:${'e'.repeat(64)}`;
    await app.metadata.db.updateTable('events').set({ payload_json: JSON.stringify(payload) }).where('id', '=', victim.id).execute();
    const [p] = only(await app.audit.verify(), ['event_edited']);
    assert.equal(p!.index, 3);
    assert.equal(p!.id, victim.id);
    assert.match(p!.message, new RegExp(`row id ${victim.id} \\(index 3\\) was edited`));
  });

  it('names a deleted event row by its leaf index and neighbours', async () => {
    await dropAppendOnly(app, 'events');
    const rows = await eventRows(app);
    await app.metadata.db.deleteFrom('events').where('id', '=', rows[4]!.id).execute();
    const [p] = only(await app.audit.verify(), ['event_missing']);
    assert.equal(p!.index, 4);
    assert.match(p!.message, new RegExp(`index 4 was deleted.*after row id ${rows[3]!.id}, before row id ${rows[5]!.id}`));
  });

  it('names both rows when two events are swapped', async () => {
    await dropAppendOnly(app, 'events');
    const rows = await eventRows(app);
    const [a, c] = [rows[1]!, rows[6]!];
    const content = (r: typeof a) => ({ time: r.time, actor: r.actor, action: r.action, subject: r.subject, model: r.model, payload_json: r.payload_json });
    await app.metadata.db.updateTable('events').set(content(c)).where('id', '=', a.id).execute();
    await app.metadata.db.updateTable('events').set(content(a)).where('id', '=', c.id).execute();
    const problems = only(await app.audit.verify(), ['event_reordered', 'event_reordered']);
    assert.deepEqual(problems.map((p) => [p.index, p.id]).sort(), [[1, a.id], [6, c.id]]);
    assert.match(problems.find((p) => p.index === 1)!.message, /holds the event logged at index 6/);
  });

  it('names rows whose order in the table was changed', async () => {
    await dropAppendOnly(app, 'events');
    const rows = await eventRows(app);
    // Renumber the rows of leaves 2 and 3 so that the later event sits first in the table.
    const [x, y] = [rows[2]!, rows[3]!];
    const db = app.metadata.db;
    await db.updateTable('events').set({ id: 1_000_000 }).where('id', '=', x.id).execute();
    await db.updateTable('events').set({ id: x.id }).where('id', '=', y.id).execute();
    await db.updateTable('events').set({ id: y.id }).where('id', '=', 1_000_000).execute();
    const [p] = only(await app.audit.verify(), ['event_reordered']);
    assert.equal(p!.index, 3);
    assert.equal(p!.id, x.id);
    assert.match(p!.message, new RegExp(`row id ${x.id} \\(index 3\\) sits before row id ${y.id} \\(index 2\\)`));
  });

  it('names a checkpoint whose signed note was edited', async () => {
    await dropAppendOnly(app, 'checkpoints');
    const cp = await app.metadata.db.selectFrom('checkpoints').selectAll().where('size', '=', 5).executeTakeFirstOrThrow();
    await app.metadata.db.updateTable('checkpoints').set({ note: cp.note.replace('\n5\n', '\n4\n') }).where('size', '=', 5).execute();
    const [p] = only(await app.audit.verify(), ['checkpoint_signature']);
    assert.equal(p!.size, 5);
    assert.match(p!.message, /checkpoint 5 does not verify/);
  });

  it('names a checkpoint whose root column no longer matches its note', async () => {
    await dropAppendOnly(app, 'checkpoints');
    await app.metadata.db.updateTable('checkpoints').set({ root_hash: Buffer.alloc(32, 7) }).where('size', '=', 2).execute();
    const [p] = only(await app.audit.verify(), ['checkpoint_mismatch']);
    assert.equal(p!.size, 2);
  });

  it('names a forged anchor and accepts a recorded one', async () => {
    const good = await app.audit.recordAnchor({ checkpointSize: 4, ledger: 'ethereum-sepolia', tx: '0xabc' }, 'alice');
    assert.equal(good.checkpointSize, 4);
    assert.equal((await app.audit.verify()).ok, true);
    const forged = await app.metadata.db
      .insertInto('anchors')
      .values({ checkpoint_size: 6, root_hash: Buffer.alloc(32, 1), ledger: 'ethereum-sepolia', tx: '0xforged', recorded_by: 'mallory', recorded_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const problems = only(await app.audit.verify(), ['anchor_root', 'anchor_unlogged']);
    for (const p of problems) {
      assert.equal(p.id, Number(forged.id));
      assert.equal(p.size, 6);
    }
  });

  it('names stored tree nodes that were rewritten, and leaves dropped from the tree', async () => {
    await dropAppendOnly(app, 'log_nodes');
    await app.metadata.db.updateTable('log_nodes').set({ hash: Buffer.alloc(32, 9) }).where('level', '=', 1).where('idx', '=', 1).execute();
    const [p] = only(await app.audit.verify(), ['node_mismatch']);
    assert.deepEqual([p!.level, p!.index], [1, 1]);
    await app.metadata.db.deleteFrom('log_nodes').where('level', '=', 0).where('idx', '=', 7).execute();
    const report = await app.audit.verify();
    assert.ok(report.problems.some((q) => q.kind === 'node_missing' && q.level === 0 && q.index === 7), JSON.stringify(report.problems));
  });

  it('finds the same problems whatever the page size', async () => {
    await dropAppendOnly(app, 'events');
    const rows = await eventRows(app);
    await app.metadata.db.deleteFrom('events').where('id', 'in', [rows[2]!.id, rows[3]!.id]).execute();
    await app.metadata.db.updateTable('events').set({ actor: 'mallory' }).where('id', '=', rows[7]!.id).execute();
    const whole = await app.audit.verify();
    only(whole, ['event_missing', 'event_edited']);
    assert.deepEqual(whole.problems.map((p) => p.index), [2, 7]);
    assert.match(whole.problems[0]!.message, /indices 2-3 \(2\) were deleted/);
    for (const pageSize of [1, 2, 3]) assert.deepEqual(await app.audit.verify({ pageSize }), whole);
  });

  it('keeps the tree, checkpoints and anchors append-only', async () => {
    await assert.rejects(sql`UPDATE log_nodes SET hash = hash`.execute(app.metadata.db), /append-only/);
    await assert.rejects(sql`DELETE FROM checkpoints`.execute(app.metadata.db), /append-only/);
    await app.audit.recordAnchor({ checkpointSize: 2, ledger: 'l', tx: 't' }, 'alice');
    await assert.rejects(sql`DELETE FROM anchors`.execute(app.metadata.db), /append-only/);
  });
});
