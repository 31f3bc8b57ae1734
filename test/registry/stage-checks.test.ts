import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ModelVaultError, type ErrorCode, type ErrorDetails } from '../../src/core/errors.ts';
import { GATES_EVIDENCE_KIND } from '../../src/core/evidence.ts';
import { RegistryService, type MissingCheck, type PendingTransition, type RegistryHooks } from '../../src/registry/index.ts';
import { assertForceReason } from '../../src/registry/stage-checks.ts';
import { NO_APPROVALS, openHomeWithConfig, pushVersion } from '../helpers/registry-home.ts';
import { rejectsWith as refused } from '../helpers/errors.ts';

type App = Awaited<ReturnType<typeof openHomeWithConfig>>;

/** A hook that refuses every move with `error`, listed under `check` when given. */
const refusing = (error: Error, check?: string): RegistryHooks => ({ ...(check ? { check } : {}), beforeStage: async () => Promise.reject(error) });
const mve = (code: ErrorCode, message: string, details: ErrorDetails = {}): ModelVaultError => new ModelVaultError(code, message, details);

describe('assertForceReason', () => {
  it('asks a forced move for a reason, since it is recorded with the move', () => {
    for (const reason of [undefined, '', '   ', '\n\t']) {
      assert.throws(
        () => assertForceReason('m@1.0.0', 'production', reason, { force: true }),
        (e: unknown) =>
          e instanceof ModelVaultError &&
          e.code === 'usage' &&
          e.message === 'forcing m@1.0.0 into production needs a reason: it is recorded with the move' &&
          e.details.reference === 'm@1.0.0' &&
          e.details.stage === 'production' &&
          e.details.hint === 'add --reason TEXT (over HTTP: "reason" in the request body)',
        JSON.stringify(reason),
      );
    }
  });

  it('lets a forced move with a reason, and any move not forced, through', () => {
    assert.doesNotThrow(() => assertForceReason('m@1.0.0', 'production', 'incident 42', { force: true }));
    for (const options of [{}, { force: false }]) {
      for (const reason of [undefined, '', 'why']) assert.doesNotThrow(() => assertForceReason('m@1.0.0', 'production', reason, options));
    }
  });
});

// One registry on SQLite for the suite; each test pushes a model of its own and moves it through a service whose
// only hooks are the test's.
describe('checks on a move, on SQLite', () => {
  let app: App;
  const reg = (hooks: RegistryHooks[], actor = 'carol'): RegistryService => new RegistryService({ metadata: app.metadata, blobs: app.blobs, config: app.config, hooks }, actor);
  before(async () => {
    app = await openHomeWithConfig(NO_APPROVALS);
  });
  after(async () => app.dispose());

  it('refuses with the error of the one check that refused, keeping its code, details and cause and listing it as missing', async () => {
    await pushVersion(app, 'one', '1.0.0', 'carol');
    const error = mve('verification_failed', 'one@1.0.0 has no valid signature', { hint: 'sign it', key: 'k1' });
    const err = await refused(reg([refusing(error, 'signature')]).setStage('one@1.0.0', 'validation'), 'verification_failed');
    assert.equal(err.message, 'one@1.0.0 has no valid signature');
    assert.deepEqual(err.details, { hint: 'sign it', key: 'k1', missing: [{ check: 'signature', code: 'verification_failed', message: 'one@1.0.0 has no valid signature', hint: 'sign it' }] });
    assert.equal(err.cause, error);
    assert.equal((await app.registry('x').getVersion('one@1.0.0')).stage, 'development');
  });

  it('lists every refusal under its check (else gates for gate_failed, policy for the rest), with their problems and hints', async () => {
    await pushVersion(app, 'many', '1.0.0', 'carol');
    const hooks = [
      refusing(mve('gate_failed', 'accuracy 0.7 is below 0.9')),
      refusing(mve('policy_violation', 'license GPL is not allowed', { problems: 'not a list' })),
      refusing(mve('validation_failed', 'metadata is incomplete', { problems: [{ message: 'no license' }, { message: 'no source' }] }), 'format'),
      refusing(mve('verification_failed', 'no signature', { problems: [{ message: 'unsigned' }] }), 'signature'),
    ];
    const err = await refused(reg(hooks).setStage('many@1.0.0', 'validation'), 'gate_failed');
    assert.equal(err.message, 'many@1.0.0 cannot enter validation: 4 checks refuse it\n  - gates: accuracy 0.7 is below 0.9\n  - policy: license GPL is not allowed\n  - format: metadata is incomplete\n  - signature: no signature');
    assert.deepEqual(err.details, {
      reference: 'many@1.0.0',
      stage: 'validation',
      missing: [
        { check: 'gates', code: 'gate_failed', message: 'accuracy 0.7 is below 0.9' },
        { check: 'policy', code: 'policy_violation', message: 'license GPL is not allowed' },
        { check: 'format', code: 'validation_failed', message: 'metadata is incomplete' },
        { check: 'signature', code: 'verification_failed', message: 'no signature' },
      ],
      problems: [{ message: 'no license' }, { message: 'no source' }, { message: 'unsigned' }],
    });
    assert.equal(err.cause, undefined);
  });

  it('stops a move on any other error a check throws, passing it on unchanged', async () => {
    await pushVersion(app, 'broken', '1.0.0', 'carol');
    const plain = Object.assign(new Error('socket hang up'), { code: 'policy_violation' });
    const internal = mve('storage_unavailable', 'the metrics store is down');
    for (const error of [plain, internal]) {
      await assert.rejects(reg([refusing(mve('policy_violation', 'refused')), refusing(error, 'gates')]).setStage('broken@1.0.0', 'validation'), (e: unknown) => e === error);
    }
    assert.equal((await app.registry('x').getVersion('broken@1.0.0')).stage, 'development');
  });

  it('says a refused rollback is one, and joins the hints of the checks that gave one', async () => {
    const r = reg([]);
    for (const v of ['1.0.0', '1.1.0']) {
      await pushVersion(app, 'back', v, 'carol');
      for (const s of ['validation', 'staging', 'production'] as const) await r.setStage(`back@${v}`, s);
    }
    const hooks = [refusing(mve('policy_violation', 'a refuses', { hint: 'fix a' }), 'a'), refusing(mve('gate_failed', 'b refuses'), 'b'), refusing(mve('gate_failed', 'c refuses', { hint: 'fix c' }), 'c')];
    const err = await refused(reg(hooks).rollback('back'), 'policy_violation');
    assert.equal(err.message, 'back@1.0.0 cannot enter production by rollback: 3 checks refuse it\n  - a: a refuses\n  - b: b refuses\n  - c: c refuses');
    assert.deepEqual([err.details.hint, 'problems' in err.details], ['a: fix a; c: fix c', false]);
    assert.equal((await app.registry('x').getVersion('back@production')).version, '1.1.0');
  });

  it('gives each check the move it judges, through the move\'s transaction, and skips hooks that judge no moves', async () => {
    await pushVersion(app, 'seen', '1.0.0', 'carol');
    const seen: PendingTransition[] = [];
    const hooks: RegistryHooks[] = [{ beforeRegister: async () => [] }, { check: 'watch', beforeStage: async (t) => void seen.push(t) }];
    await reg(hooks).setStage('seen@1.0.0', 'validation');
    const v = await app.registry('x').getVersion('seen@1.0.0');
    const [t] = seen;
    assert.deepEqual([seen.length, t!.name, t!.version, t!.from, t!.to, t!.manifestDigest, t!.rollback], [1, 'seen', '1.0.0', 'development', 'validation', v.manifestDigest, false]);
    assert.deepEqual(t!.files.map((f) => [f.path, f.digest, f.size]), v.files.map((f) => [f.path, f.digest, f.size]));
    assert.deepEqual(t!.evidence.map((e) => e.kind), ['scan']);
    assert.equal(typeof t!.db.selectFrom, 'function');
    // A registry given no hooks at all moves versions with the approvals check alone.
    await new RegistryService({ metadata: app.metadata, blobs: app.blobs, config: app.config }, 'carol').setStage('seen@1.0.0', 'staging');
    assert.equal((await app.registry('x').getVersion('seen@1.0.0')).stage, 'staging');
  });

  it('records what a forced move went ahead without, and no missing list for a move that was not forced', async () => {
    await pushVersion(app, 'forced', '1.0.0', 'carol');
    const hooks = [refusing(mve('policy_violation', 'p1', { hint: 'h1' }), 'one'), refusing(mve('gate_failed', 'g2'), 'two')];
    await reg(hooks, 'root').setStage('forced@1.0.0', 'validation', 'incident 7', { force: true });
    await reg([refusing(mve('policy_violation', 'p3'), 'three')], 'root').setStage('forced@1.0.0', 'staging', 'incident 8', { force: true });
    await reg([], 'root').setStage('forced@1.0.0', 'production', 'nothing refused', { force: true });
    const history = await app.registry('x').stageHistory('forced');
    assert.deepEqual(history.slice(-3).map((h) => [h.to, h.forced, h.missing]), [
      ['validation', true, [{ check: 'one', code: 'policy_violation', message: 'p1', hint: 'h1' }, { check: 'two', code: 'gate_failed', message: 'g2' }]],
      ['staging', true, [{ check: 'three', code: 'policy_violation', message: 'p3' }]],
      ['production', true, []],
    ]);
    const [prod] = (await app.registry('x').stagesAt('forced', 'now')).holders;
    assert.deepEqual(prod!.record!.missing, []);

    await pushVersion(app, 'clean', '1.0.0', 'carol');
    await reg([]).setStage('clean@1.0.0', 'validation');
    const [held] = (await app.registry('x').stagesAt('clean', 'now')).holders;
    assert.deepEqual([held!.forced, held!.record], [false, { approvals: [], evidence: held!.record!.evidence }]);
    assert.equal('missing' in held!.record!, false);
  });
});

describe('approvals on a move to production, on SQLite', () => {
  let app: App;
  before(async () => {
    app = await openHomeWithConfig('lifecycle:\n  approvals:\n    production: 1\n');
  });
  after(async () => app.dispose());

  it('records the current approvals a move relied on, leaving out stale ones', async () => {
    const r = new RegistryService({ metadata: app.metadata, blobs: app.blobs, config: app.config, hooks: [] }, 'carol');
    await pushVersion(app, 'm', '1.0.0', 'carol');
    for (const s of ['validation', 'staging'] as const) await r.setStage('m@1.0.0', s);
    await app.registry('alice').approve('m@1.0.0', 'production', 'first look');
    await r.recordMeasuredEvidence('m@1.0.0', { kind: GATES_EVIDENCE_KIND, body: { passed: true } });
    const err = await refused(r.setStage('m@1.0.0', 'production'), 'policy_violation');
    assert.deepEqual((err.details.missing as MissingCheck[]).map((m) => m.check), ['approvals']);
    await app.registry('bob').approve('m@1.0.0', 'production', 'after the gates');
    await r.setStage('m@1.0.0', 'production');
    const [prod] = (await app.registry('x').stagesAt('m', 'now')).holders;
    assert.deepEqual(prod!.record!.approvals.map((a) => [a.actor, a.comment]), [['bob', 'after the gates']]);
  });
});
