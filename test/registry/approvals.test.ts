import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { GATES_EVIDENCE_KIND, SCAN_EVIDENCE_KIND } from '../../src/core/evidence.ts';
import type { MissingCheck, RegistryEvent, StageHolder } from '../../src/registry/index.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { openHomeWithConfig, pushVersion } from '../helpers/registry-home.ts';
import { rejectsWith as refused } from '../helpers/errors.ts';

type App = Awaited<ReturnType<typeof openHomeWithConfig>>;

/** Pushes `m@version` as carol and moves it to staging. */
async function staged(app: App, version: string): Promise<string> {
  await pushVersion(app, 'm', version, 'carol');
  for (const s of ['validation', 'staging'] as const) await app.registry('carol').setStage(`m@${version}`, s);
  return `m@${version}`;
}

/** Deletes the scan report of a version, so the scan gate counts its files as unscannable at production. */
async function deleteScanReport(app: App, version: string): Promise<void> {
  const row = await app.metadata.db.selectFrom('versions').select('id').where('version', '=', version).executeTakeFirstOrThrow();
  await app.metadata.db.deleteFrom('evidence').where('version_id', '=', Number(row.id)).where('kind', '=', SCAN_EVIDENCE_KIND).execute();
}

const stageEvents = async (app: App): Promise<RegistryEvent[]> => (await app.registry('x').events({ model: 'm', limit: 1000 })).items.filter((e) => e.action === 'version.stage');
const checks = (e: ModelVaultError): string[] => (e.details.missing as MissingCheck[]).map((m) => m.check);

onEachBackend('two-person approval for production', (backend) => {
  let app: App;
  beforeEach(async () => {
    app = await backend.open();
  });
  afterEach(async () => app.dispose());

  it('needs two approvals by default, refuses the pusher approving their own version and records nothing for it', async () => {
    assert.equal(app.config.lifecycle.approvals.production, 2);
    const ref = await staged(app, '1.0.0');
    const own = await refused(app.registry('carol').approve(ref, 'production'), 'forbidden');
    assert.equal(own.message, 'carol pushed m@1.0.0 and cannot approve it: approvals must come from other users');
    const status = await app.registry('x').listApprovals(ref);
    assert.deepEqual([status.count, status.required, status.satisfied, status.pushedBy, status.approvals], [0, 2, false, 'carol', []]);
    assert.equal((await app.registry('x').events({ model: 'm' })).items.filter((e) => e.action === 'version.approve').length, 0);
  });

  it('counts one user once: a second approval is refused until new evidence makes the first one stale', async () => {
    const ref = await staged(app, '1.0.0');
    const first = await app.registry('alice').approve(ref, 'production', 'metrics look right');
    assert.deepEqual([first.count, first.satisfied, first.approvals.map((a) => [a.actor, a.comment, a.stale])], [1, false, [['alice', 'metrics look right', false]]]);
    const twice = await refused(app.registry('alice').approve(ref, 'production'), 'conflict');
    assert.match(twice.message, /^alice already approved m@1\.0\.0 for production at \d{4}-.*; a user's approval counts once$/);
    assert.equal((await app.registry('x').listApprovals(ref)).approvals.length, 1);

    await app.registry('carol').recordMeasuredEvidence(ref, { kind: GATES_EVIDENCE_KIND, body: { passed: true } });
    const stale = await app.registry('x').listApprovals(ref);
    assert.deepEqual([stale.count, stale.approvals.map((a) => a.stale)], [0, [true]]);
    assert.match(stale.approvals[0]!.staleReason!, /^gates evidence was added at .*, after this approval$/);
    const again = await app.registry('alice').approve(ref, 'production');
    assert.deepEqual([again.count, again.approvals.map((a) => [a.actor, a.stale])], [1, [['alice', true], ['alice', false]]]);
    const approveEvents = (await app.registry('x').events({ model: 'm' })).items.filter((e) => e.action === 'version.approve');
    assert.deepEqual(approveEvents.map((e) => [e.actor, e.subject, e.payload.stage]), [['alice', 'm@1.0.0', 'production'], ['alice', 'm@1.0.0', 'production']]);
  });

  it('lets a version in once two users other than the pusher approved it, and records who and on what evidence', async () => {
    const ref = await staged(app, '1.0.0');
    await app.registry('carol').recordMeasuredEvidence(ref, { kind: GATES_EVIDENCE_KIND, body: { accuracy: 0.93, passed: true } });
    await app.registry('alice').approve(ref, 'production');
    const one = await refused(app.registry('carol').setStage(ref, 'production'), 'policy_violation');
    assert.equal(one.message, 'm@1.0.0 cannot enter production: it needs 2 approvals from users other than its pusher carol and has 1 of 2 (alice)');
    assert.deepEqual(checks(one), ['approvals']);
    await app.registry('bob').approve(ref, 'production', 'ok');
    const moved = await app.registry('carol').setStage(ref, 'production', 'release');
    assert.deepEqual([moved.from, moved.to], ['staging', 'production']);

    const [scan] = await app.registry('x').listEvidence(ref, SCAN_EVIDENCE_KIND);
    const [gates] = await app.registry('x').listEvidence(ref, GATES_EVIDENCE_KIND);
    const event = (await stageEvents(app)).at(-1)!;
    assert.deepEqual([event.actor, event.payload.to, (event.payload.approvals as { actor: string }[]).map((a) => a.actor), event.payload.evidence, event.payload.forced], [
      'carol',
      'production',
      ['alice', 'bob'],
      { scan: scan!.digest, gates: gates!.digest },
      undefined,
    ]);
    const last = (await app.registry('x').stageHistory('m')).at(-1)!;
    assert.deepEqual([last.to, last.forced, last.missing], ['production', undefined, undefined]);
  });

  it('refuses a promotion whose approvals went stale with new evidence, naming them', async () => {
    const ref = await staged(app, '1.0.0');
    for (const a of ['alice', 'bob']) await app.registry(a).approve(ref, 'production');
    assert.equal((await app.registry('x').listApprovals(ref)).satisfied, true);
    await app.registry('carol').recordMeasuredEvidence(ref, { kind: GATES_EVIDENCE_KIND, body: { accuracy: 0.71, passed: false } });
    const err = await refused(app.registry('carol').setStage(ref, 'production'), 'policy_violation');
    assert.equal(err.message, 'm@1.0.0 cannot enter production: it needs 2 approvals from users other than its pusher carol and has 0 of 2; stale because evidence was added after them: alice, bob');
    assert.deepEqual(err.details.stale, ['alice', 'bob']);
    assert.equal((await app.registry('x').getVersion(ref)).stage, 'staging');
    // Fresh approvals after the evidence count again.
    for (const a of ['alice', 'dave']) await app.registry(a).approve(ref, 'production');
    assert.equal((await app.registry('carol').setStage(ref, 'production')).to, 'production');
  });

  it('refuses with one error listing every missing check: approvals and the scan report', async () => {
    const ref = await staged(app, '1.0.0');
    await app.registry('alice').approve(ref, 'production');
    await deleteScanReport(app, '1.0.0');
    const err = await refused(app.registry('carol').setStage(ref, 'production'), 'policy_violation');
    assert.deepEqual(checks(err), ['approvals', 'scan']);
    const lines = err.message.split('\n');
    assert.equal(lines[0], 'm@1.0.0 cannot enter production: 2 checks refuse it');
    assert.match(lines[1]!, /^ {2}- approvals: m@1\.0\.0 cannot enter production: it needs 2 approvals .* has 1 of 2 \(alice\)$/);
    assert.match(lines[2]!, /^ {2}- scan: m@1\.0\.0 cannot enter production: the scan policy refuses dangerous, suspicious, unscannable files there/);
    assert.equal(lines.length, 3);
    assert.match(String(err.details.hint), /^approvals: reviewers other than carol approve with `modelvault approve m@1\.0\.0 --to production`.*; scan: scan it with `modelvault scan m@1\.0\.0 --rescan`$/);
    assert.ok((err.details.problems as { message: string }[]).some((p) => /no scan report is stored/.test(p.message)), 'the scan problems are kept');
    assert.equal((await app.registry('x').getVersion(ref)).stage, 'staging');
    assert.deepEqual(await stageEvents(app).then((e) => e.map((x) => x.payload.to)), ['validation', 'staging'], 'a refused move logs nothing');
  });

  it('lets an admin force a refused move only with a reason, recording the reason and what was missing', async () => {
    const ref = await staged(app, '1.0.0');
    await deleteScanReport(app, '1.0.0');
    for (const reason of [undefined, '', '   ']) {
      const err = await refused(app.registry('admin').setStage(ref, 'production', reason, { force: true }), 'usage');
      assert.equal(err.message, 'forcing m@1.0.0 into production needs a reason: it is recorded with the move');
    }
    await refused(app.registry('admin').rollback('m', 'production', undefined, { force: true }), 'usage');
    assert.equal((await app.registry('x').getVersion(ref)).stage, 'staging');

    const moved = await app.registry('admin').setStage(ref, 'production', 'incident 42: hotfix', { force: true });
    assert.equal(moved.to, 'production');
    const last = (await app.registry('x').stageHistory('m')).at(-1)!;
    assert.deepEqual([last.actor, last.to, last.reason, last.forced, last.missing?.map((m) => [m.check, m.code])], ['admin', 'production', 'incident 42: hotfix', true, [['approvals', 'policy_violation'], ['scan', 'policy_violation']]]);
    assert.match(last.missing![0]!.message, /has 0 of 2/);
    const event = (await stageEvents(app)).at(-1)!;
    assert.deepEqual([event.actor, event.payload.reason, event.payload.forced, (event.payload.missing as MissingCheck[]).map((m) => m.check)], ['admin', 'incident 42: hotfix', true, ['approvals', 'scan']]);
    const shown = (await app.registry('x').getVersion(ref)).history.at(-1)!;
    assert.deepEqual([shown.forced, shown.missing?.length], [true, 2]);
    const holder = (await app.registry('x').stagesAt('m', 'now')).holders.find((h) => h.stage === 'production')!;
    assert.deepEqual([holder.version, holder.forced, holder.reason, holder.record?.missing?.map((m) => m.check)], ['1.0.0', true, 'incident 42: hotfix', ['approvals', 'scan']]);
  });

  it('applies the same checks to a rollback, which --force also overrides', async () => {
    for (const v of ['1.0.0', '1.1.0']) {
      const ref = await staged(app, v);
      for (const a of ['alice', 'bob']) await app.registry(a).approve(ref, 'production');
      await app.registry('carol').setStage(ref, 'production');
    }
    await app.registry('carol').recordMeasuredEvidence('m@1.0.0', { kind: GATES_EVIDENCE_KIND, body: { passed: true } });
    const err = await refused(app.registry('carol').rollback('m'), 'policy_violation');
    assert.match(err.message, /^m@1\.0\.0 cannot enter production: it needs 2 approvals .* has 0 of 2; stale because evidence was added after them: alice, bob$/);
    assert.equal((await app.registry('x').getVersion('m@production')).version, '1.1.0');
    const rolled = await app.registry('admin').rollback('m', 'production', 'latency regression', { force: true });
    assert.equal(rolled.version, '1.0.0');
    const last = (await app.registry('x').stageHistory('m')).at(-1)!;
    assert.deepEqual([last.version, last.reason, last.forced, last.missing?.map((m) => m.check)], ['1.0.0', 'latency regression', true, ['approvals']]);
  });

  it('says which version held each stage at a time, who moved and approved it, and the evidence it relied on', async () => {
    const reg = app.registry('carol');
    const v1 = await staged(app, '1.0.0');
    for (const a of ['alice', 'bob']) await app.registry(a).approve(v1, 'production', `ok from ${a}`);
    await reg.setStage(v1, 'production', 'first release');
    const v2 = await staged(app, '1.1.0');
    await reg.recordMeasuredEvidence(v2, { kind: GATES_EVIDENCE_KIND, body: { accuracy: 0.95 } });
    for (const a of ['dave', 'erin']) await app.registry(a).approve(v2, 'production');
    await sleep(5);
    const before = new Date().toISOString();
    await sleep(5);
    await reg.setStage(v2, 'production', 'better recall');

    const brief = (h: StageHolder): unknown[] => [h.stage, h.version, h.by, h.reason, h.record?.approvals.map((a) => a.actor)];
    const then = await app.registry('x').stagesAt('m', before);
    assert.equal(then.at, before);
    assert.deepEqual(then.holders.map(brief), [
      ['staging', '1.1.0', 'carol', null, []],
      ['production', '1.0.0', 'carol', 'first release', ['alice', 'bob']],
    ]);
    const prod = then.holders[1]!;
    const [scan1] = await reg.listEvidence(v1, SCAN_EVIDENCE_KIND);
    assert.deepEqual(prod.record!.evidence, { scan: { id: scan1!.id, kind: 'scan', digest: scan1!.digest, at: scan1!.createdAt }, gates: null });
    assert.deepEqual(prod.record!.approvals.map((a) => a.comment), ['ok from alice', 'ok from bob']);

    const now = await app.registry('x').stagesAt('m', 'now');
    assert.deepEqual(now.holders.map(brief), [
      ['production', '1.1.0', 'carol', 'better recall', ['dave', 'erin']],
      ['archived', '1.0.0', 'carol', 'replaced by 1.1.0', []],
    ]);
    const [gates2] = await reg.listEvidence(v2, GATES_EVIDENCE_KIND);
    assert.equal(now.holders[0]!.record!.evidence.gates!.digest, gates2!.digest);
    assert.equal(now.holders[0]!.forced, false);

    assert.deepEqual((await app.registry('x').stagesAt('m', '2000-01-01')).holders, []);
    const pushed = (await app.registry('x').stagesAt('m', 'now')).holders;
    assert.ok(pushed.every((h) => h.record !== null));
    await refused(app.registry('x').stagesAt('m', '2026-12-01T10:00'), 'invalid_input');
    await refused(app.registry('x').stagesAt('ghost', 'now'), 'not_found');
  });

  it('gives approvals for production only, and a comment of at most 2000 characters', async () => {
    const ref = await staged(app, '1.0.0');
    const stage = await refused(app.registry('alice').approve(ref, 'staging'), 'invalid_input');
    assert.equal(stage.message, 'approvals are given for production, not "staging"');
    await refused(app.registry('alice').listApprovals(ref, 'archived'), 'invalid_input');
    await refused(app.registry('alice').approve(ref, 'production', 'x'.repeat(2001)), 'invalid_input');
    await refused(app.registry('alice').approve('m@9.9.9', 'production'), 'not_found');
    assert.equal((await app.registry('x').listApprovals(ref)).approvals.length, 0);
  });
});

describe('lifecycle.approvals in config.yaml', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.dispose();
    app = undefined;
  });

  it('sets how many approvals production needs; 0 lets a version in without any', async () => {
    app = await openHomeWithConfig('lifecycle:\n  approvals:\n    production: 1\n');
    assert.equal(app.config.lifecycle.approvals.production, 1);
    await pushVersion(app, 'm', '1.0.0', 'carol');
    for (const s of ['validation', 'staging'] as const) await app.registry('carol').setStage('m@1.0.0', s);
    const err = await refused(app.registry('carol').setStage('m@1.0.0', 'production'), 'policy_violation');
    assert.match(err.message, /it needs 1 approval from users other than its pusher carol and has 0 of 1$/);
    await app.registry('alice').approve('m@1.0.0', 'production');
    assert.equal((await app.registry('carol').setStage('m@1.0.0', 'production')).to, 'production');
    await app.dispose();
    app = await openHomeWithConfig('lifecycle:\n  approvals:\n    production: 0\n');
    assert.equal(app.config.lifecycle.approvals.production, 0);
  });

  for (const [yaml, message] of [
    ['approvals: 2', /lifecycle\.approvals must map a stage to the number of approvals it needs/],
    ['approvals:\n    production: -1', /lifecycle\.approvals\.production must be a whole number from 0 to 100, not -1/],
    ['approvals:\n    production: two', /lifecycle\.approvals\.production must be a whole number from 0 to 100, not "two"/],
    ['approvals:\n    production: 1.5', /not 1\.5/],
    ['approvals:\n    staging: 1', /lifecycle\.approvals\.staging: approvals can be required for production only/],
  ] as const) {
    it(`refuses ${JSON.stringify(yaml)}`, async () => {
      await assert.rejects(openHomeWithConfig(`lifecycle:\n  ${yaml}\n`), (e: ModelVaultError) => e.code === 'invalid_input' && message.test(e.message) && String(e.details.field).startsWith('lifecycle.approvals'));
    });
  }
});
