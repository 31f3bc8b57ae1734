import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { GATES_EVIDENCE_KIND } from '../../src/core/evidence.ts';
import { approvalShortfall } from '../../src/registry/approvals.ts';
import { RegistryService } from '../../src/registry/index.ts';
import type { Approval, ApprovalStatus } from '../../src/registry/types.ts';
import { openHomeWithConfig, pushVersion } from '../helpers/registry-home.ts';
import { rejectsWith as refused } from '../helpers/errors.ts';
import { storeRegistrationBlobs, validRegistration } from '../helpers/registration.ts';

let nextId = 1;
const approval = (actor: string, stale = false): Approval => ({
  id: nextId++,
  stage: 'production',
  actor,
  comment: null,
  at: '2026-12-01T10:00:00.000Z',
  stale,
  staleReason: stale ? 'gates evidence was added at 2026-12-02T10:00:00.000Z, after this approval' : null,
});
const status = (required: number, approvals: Approval[]): ApprovalStatus => {
  const count = new Set(approvals.filter((a) => !a.stale && a.actor !== 'carol').map((a) => a.actor)).size;
  return { name: 'm', version: '1.0.0', stage: 'production', pushedBy: 'carol', required, count, satisfied: count >= required, approvals };
};
const HINT = 'reviewers other than carol approve with `modelvault approve m@1.0.0 --to production`; see `modelvault approvals list m@1.0.0`';

describe('approvalShortfall', () => {
  it('finds nothing missing once enough users approved', () => {
    assert.equal(approvalShortfall('m@1.0.0', status(2, [approval('alice'), approval('bob')])), undefined);
    assert.equal(approvalShortfall('m@1.0.0', status(0, [])), undefined);
  });

  it('says how many approvals are needed and whose it has, naming the pusher and how reviewers approve', () => {
    const err = approvalShortfall('m@1.0.0', status(2, [approval('alice'), approval('alice')]));
    assert.ok(err instanceof ModelVaultError);
    assert.equal(err.code, 'policy_violation');
    assert.equal(err.message, 'm@1.0.0 cannot enter production: it needs 2 approvals from users other than its pusher carol and has 1 of 2 (alice)');
    assert.deepEqual(err.details, { reference: 'm@1.0.0', stage: 'production', required: 2, approvedBy: ['alice'], stale: [], hint: HINT });
  });

  it('says one approval in the singular, and lists no one when no one approved', () => {
    const err = approvalShortfall('m@1.0.0', status(1, []))!;
    assert.equal(err.message, 'm@1.0.0 cannot enter production: it needs 1 approval from users other than its pusher carol and has 0 of 1');
    assert.deepEqual(err.details.approvedBy, []);
    assert.equal(approvalShortfall('m@1.0.0', status(3, []))!.message, 'm@1.0.0 cannot enter production: it needs 3 approvals from users other than its pusher carol and has 0 of 3');
  });

  it('names the users whose approvals went stale, once each, leaving out those who approved again since', () => {
    const err = approvalShortfall('m@1.0.0', status(3, [approval('alice', true), approval('bob', true), approval('bob', true), approval('alice'), approval('dave')]))!;
    assert.equal(err.message, 'm@1.0.0 cannot enter production: it needs 3 approvals from users other than its pusher carol and has 2 of 3 (alice, dave); stale because evidence was added after them: bob');
    assert.deepEqual([err.details.approvedBy, err.details.stale], [['alice', 'dave'], ['bob']]);
    const allStale = approvalShortfall('m@1.0.0', status(2, [approval('erin', true), approval('alice', true)]))!;
    assert.equal(allStale.message, 'm@1.0.0 cannot enter production: it needs 2 approvals from users other than its pusher carol and has 0 of 2; stale because evidence was added after them: erin, alice');
    assert.deepEqual([allStale.details.approvedBy, allStale.details.stale], [[], ['erin', 'alice']]);
  });
});

// One registry on SQLite for the whole suite: each test pushes a version of its own.
describe('approve, on SQLite', () => {
  let app: Awaited<ReturnType<typeof openHomeWithConfig>>;
  before(async () => {
    app = await openHomeWithConfig('lifecycle:\n  approvals:\n    production: 2\n');
  });
  after(async () => app.dispose());

  it('records an approval with its comment, and logs it with the evidence it saw', async () => {
    await pushVersion(app, 'a', '1.0.0', 'carol');
    const [scan] = await app.registry('x').listEvidence('a@1.0.0');
    const status = await app.registry('alice').approve('a@1.0.0', 'production', 'looks right');
    const [a] = status.approvals;
    assert.deepEqual({ ...status, approvals: [] }, { name: 'a', version: '1.0.0', stage: 'production', pushedBy: 'carol', required: 2, count: 1, satisfied: false, approvals: [] });
    assert.deepEqual({ ...a!, id: 0, at: '' }, { id: 0, stage: 'production', actor: 'alice', comment: 'looks right', at: '', stale: false, staleReason: null });
    assert.ok(Number.isSafeInteger(a!.id) && a!.id > 0);
    const event = (await app.registry('x').events({ model: 'a', limit: 100 })).items.find((e) => e.action === 'version.approve')!;
    const version = await app.registry('x').getVersion('a@1.0.0');
    assert.deepEqual([event.actor, event.subject, event.time, event.payload], ['alice', 'a@1.0.0', a!.at, { stage: 'production', approval_id: a!.id, comment: 'looks right', manifest_digest: version.manifestDigest, evidence_id: scan!.id }]);
    await app.registry('bob').approve('a@1.0.0', 'production');
    const logged = (await app.registry('x').events({ model: 'a', limit: 100 })).items.filter((e) => e.action === 'version.approve').map((e) => e.payload.comment);
    assert.deepEqual(logged, ['looks right', null]);
    const both = await app.registry('x').listApprovals('a@1.0.0');
    assert.deepEqual([both.count, both.satisfied, both.approvals.map((x) => [x.actor, x.comment])], [2, true, [['alice', 'looks right'], ['bob', null]]]);
  });

  it('counts an approval given by an administrator for a user as that user\'s, and refuses one for the pusher', async () => {
    await pushVersion(app, 'b', '1.0.0', 'carol');
    const own = await refused(app.registry('carol (by root)').approve('b@1.0.0', 'production'), 'forbidden');
    assert.equal(own.message, 'carol pushed b@1.0.0 and cannot approve it: approvals must come from other users');
    assert.deepEqual(own.details, { reference: 'b@1.0.0', actor: 'carol (by root)', hint: 'ask a reviewer other than carol to run `modelvault approve b@1.0.0 --to production`' });
    await app.registry('alice (by root)').approve('b@1.0.0', 'production');
    const twice = await refused(app.registry('alice').approve('b@1.0.0', 'production'), 'conflict');
    assert.match(twice.message, /^alice already approved b@1\.0\.0 for production at \d{4}-\d{2}-\d{2}T[\d:.]+Z; a user's approval counts once$/);
    assert.deepEqual(twice.details, { reference: 'b@1.0.0', actor: 'alice', hint: 'the approval stands until evidence is added to the version; see `modelvault approvals list b@1.0.0`' });
    const status = await app.registry('x').listApprovals('b@1.0.0');
    assert.deepEqual([status.count, status.approvals.map((x) => x.actor)], [1, ['alice']]);
  });

  it('marks an approval stale once evidence is added after it, saying which and when', async () => {
    await pushVersion(app, 'c', '1.0.0', 'carol');
    await app.registry('alice').approve('c@1.0.0', 'production');
    await app.registry('carol').recordMeasuredEvidence('c@1.0.0', { kind: GATES_EVIDENCE_KIND, body: { passed: true } });
    await app.registry('carol').recordMeasuredEvidence('c@1.0.0', { kind: 'notes', body: { text: 'later' } });
    const [gates] = await app.registry('x').listEvidence('c@1.0.0', GATES_EVIDENCE_KIND);
    const status = await app.registry('x').listApprovals('c@1.0.0', 'production');
    assert.deepEqual([status.count, status.approvals.map((a) => [a.stale, a.staleReason])], [0, [[true, `gates evidence was added at ${gates!.createdAt}, after this approval`]]]);
    const again = await app.registry('alice').approve('c@1.0.0', 'production');
    assert.deepEqual([again.count, again.approvals.map((a) => a.stale)], [1, [true, false]]);
  });

  it('approves a version that carries no evidence yet, and counts the approval until evidence arrives', async () => {
    // Registered without the scan hook, so the version has no evidence at all.
    const bare = new RegistryService({ metadata: app.metadata, blobs: app.blobs, config: app.config, hooks: [] }, 'carol');
    const registration = validRegistration('e', '1.0.0');
    await storeRegistrationBlobs(app.blobs, registration);
    await bare.registerVersion(registration.input);
    assert.deepEqual(await app.registry('x').listEvidence('e@1.0.0'), []);
    const status = await app.registry('alice').approve('e@1.0.0', 'production');
    assert.deepEqual([status.count, status.approvals.map((a) => a.stale)], [1, [false]]);
    const event = (await app.registry('x').events({ model: 'e', limit: 100 })).items.find((e) => e.action === 'version.approve')!;
    assert.equal(event.payload.evidence_id, 0);
    await refused(app.registry('alice').approve('e@1.0.0', 'production'), 'conflict');
    await bare.recordMeasuredEvidence('e@1.0.0', { kind: GATES_EVIDENCE_KIND, body: { passed: true } });
    assert.deepEqual((await app.registry('x').listApprovals('e@1.0.0')).approvals.map((a) => a.stale), [true]);
  });

  it('takes a comment of up to 2000 characters of text', async () => {
    await pushVersion(app, 'd', '1.0.0', 'carol');
    for (const comment of ['x'.repeat(2001), 42 as unknown as string, null as unknown as string]) {
      const err = await refused(app.registry('alice').approve('d@1.0.0', 'production', comment), 'invalid_input');
      assert.equal(err.message, 'an approval comment must be text of at most 2000 characters');
      assert.equal(err.details.field, 'comment');
    }
    assert.equal((await app.registry('alice').approve('d@1.0.0', 'production', 'y'.repeat(2000))).approvals[0]!.comment, 'y'.repeat(2000));
  });
});
