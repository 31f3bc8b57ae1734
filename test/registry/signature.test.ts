import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, it } from 'node:test';
import type { RegisterVersionInput, RegistryService } from '../../src/registry/index.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { rejectsWith } from '../helpers/errors.ts';
import { storeVersionFiles } from '../helpers/registry-home.ts';

const onnx = (name: string): Buffer => readFileSync(new URL(`../fixtures/signature/${name}.onnx`, import.meta.url));

function meta(version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'clf', version, license: 'MIT', source: { repo: 'https://example.com/r.git', commit: 'b'.repeat(40) }, dataset_manifest: 'd.yaml', training_hash: 'c'.repeat(40), artifacts: ['model.onnx'], ...extra };
}

const DECLARED = {
  inputs: [{ name: 'amount', dtype: 'float64', shape: [-1] }, { name: 'country', dtype: 'string', shape: [-1] }],
  outputs: [{ name: 'score', dtype: 'float64', shape: [-1] }],
};

onEachBackend('version signatures and the semver rule', (backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  let reg: RegistryService;
  beforeEach(async () => {
    app = await backend.open();
    reg = app.registry('alice');
  });
  afterEach(async () => {
    await app.dispose();
  });

  async function push(version: string, model: string, extra: Partial<RegisterVersionInput> & { metadata?: Record<string, unknown> } = {}) {
    const files = await storeVersionFiles(app, { 'model.onnx': onnx(model), 'notes.txt': `notes of ${version}` });
    return reg.registerVersion({ metadata: meta(version, extra.metadata), files, ...(extra.force === undefined ? {} : { force: extra.force }), ...(extra.reason === undefined ? {} : { reason: extra.reason }) });
  }

  it('reads the signature from the stored ONNX file and shows it with the version', async () => {
    await push('1.0.0', 'classifier');
    const v = await reg.getVersion('clf@1.0.0');
    assert.deepEqual(v.signature, {
      source: 'onnx',
      file: 'model.onnx',
      inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 4] }, { name: 'amount', dtype: 'float32', shape: ['batch', 1] }],
      outputs: [{ name: 'label', dtype: 'int64', shape: ['batch'] }, { name: 'probabilities', dtype: 'float32', shape: ['batch', null] }],
    });
    assert.deepEqual(JSON.parse((await reg.getVersionSnapshot('clf@latest')).json).signature, v.signature);
  });

  it('takes a non-ONNX model’s signature from metadata.signature, and refuses one that is not a signature', async () => {
    const files = await storeVersionFiles(app, { 'model.pkl': 'pickled' });
    await reg.registerVersion({ metadata: meta('1.0.0', { artifacts: ['model.pkl'], signature: DECLARED }), files });
    const v = await reg.getVersion('clf@1.0.0');
    assert.equal(v.signature?.source, 'metadata');
    assert.deepEqual(v.signature?.inputs[0], { name: 'amount', dtype: 'float64', shape: [null] });
    // The registry policy names the bad dtype before the signature is read.
    const err = await rejectsWith(reg.registerVersion({ metadata: meta('1.1.0', { artifacts: ['model.pkl'], signature: { inputs: [{ name: 'x', dtype: 'decimal' }], outputs: [] } }), files }), 'policy_violation');
    assert.deepEqual((err.details.problems as Array<{ rule: string; field: string }>).map((p) => [p.rule, p.field]), [['signature', 'signature.inputs[0].dtype']]);
    const none = await storeVersionFiles(app, { 'model.pkl': 'no signature' });
    await reg.registerVersion({ metadata: { ...meta('0.1.0', { artifacts: ['model.pkl'] }), name: 'plain' }, files: none });
    assert.equal((await reg.getVersion('plain@0.1.0')).signature, null);
  });

  it('refuses a patch version that removes an input, naming the input and the version to push', async () => {
    await push('1.0.0', 'classifier');
    const err = await rejectsWith(push('1.0.1', 'classifier-no-amount'), 'policy_violation');
    assert.equal(err.message, 'clf@1.0.1: input `amount` was removed since 1.0.0: this breaks callers; push as 2.0.0 or later');
    assert.equal(err.details.rule, 'semver');
    assert.equal(err.details.minimumVersion, '2.0.0');
    assert.match(String(err.details.hint), /--force --reason/);
    await rejectsWith(reg.getVersion('clf@1.0.1'), 'not_found');
    const ok = await push('2.0.0', 'classifier-no-amount');
    assert.equal(ok.created, true);
    assert.equal(ok.forced, undefined);
    const event = (await reg.events({ subject: 'clf@2.0.0' })).items.find((e) => e.action === 'version.push');
    assert.deepEqual(event?.payload.semver, { previous: '1.0.0', change: 'major', required: 'major', bump: 'major', satisfied: true });
  });

  it('refuses a changed dtype below a major bump and an added output below a minor one', async () => {
    await push('1.0.0', 'classifier');
    const dtype = await rejectsWith(push('1.1.0', 'classifier-float64'), 'policy_violation');
    assert.match(dtype.message, /input `features` changed dtype from float32 to float64 since 1\.0\.0: this breaks callers; push as 2\.0\.0 or later$/);
    const added = await rejectsWith(push('1.0.1', 'classifier-more-outputs'), 'policy_violation');
    assert.equal(added.message, 'clf@1.0.1: output `logits` was added since 1.0.0: this adds to what callers can use; push as 1.1.0 or later');
    assert.equal((await push('1.1.0', 'classifier-more-outputs')).created, true);
    // Same signature again: any later version will do.
    assert.equal((await push('1.1.1', 'classifier-more-outputs')).created, true);
  });

  it('compares with the highest version of an earlier line, passing over pre-releases of the pushed line', async () => {
    await push('1.0.0', 'classifier');
    await push('1.2.0', 'classifier');
    await push('2.0.0-rc.1', 'classifier-no-amount');
    // 2.0.0 follows 1.2.0, not its own release candidate.
    const v2 = await push('2.0.0', 'classifier-no-amount');
    assert.equal(v2.created, true);
    const event = (await reg.events({ subject: 'clf@2.0.0' })).items.find((e) => e.action === 'version.push');
    assert.equal((event?.payload.semver as { previous: string }).previous, '1.2.0');
    // A back-port to the 1.x line follows 1.2.0 too and must keep its signature.
    await rejectsWith(push('1.2.1', 'classifier-no-amount'), 'policy_violation');
    assert.equal((await push('1.2.1', 'classifier')).created, true);
  });

  it('below 1.0.0 a minor bump states a breaking change', async () => {
    await push('0.3.0', 'classifier');
    // An addition needs only a patch bump below 1.0.0.
    assert.equal((await push('0.3.1', 'classifier-more-outputs')).created, true);
    const err = await rejectsWith(push('0.3.2', 'classifier-no-amount'), 'policy_violation');
    assert.match(err.message, /push as 0\.4\.0 or later \(below 1\.0\.0 a minor bump marks a breaking change\)$/);
    assert.equal((await push('0.4.0', 'classifier-no-amount')).created, true);
  });

  it('a version that loses its signature needs a major bump', async () => {
    await push('1.0.0', 'classifier');
    const files = await storeVersionFiles(app, { 'model.pkl': 'pickled' });
    const err = await rejectsWith(reg.registerVersion({ metadata: meta('1.1.0', { artifacts: ['model.pkl'] }), files }), 'policy_violation');
    assert.match(err.message, /the signature is no longer known \(it came from model\.onnx; now there is neither an ONNX model file nor metadata\.signature\)/);
    assert.equal((await reg.registerVersion({ metadata: meta('1.1.0', { artifacts: ['model.pkl'], signature: { inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 4] }, { name: 'amount', dtype: 'float32', shape: ['batch', 1] }], outputs: [{ name: 'label', dtype: 'int64', shape: ['batch'] }, { name: 'probabilities', dtype: 'float32', shape: ['batch', null] }] } }), files })).created, true);
  });

  it('a forced push keeps the under-stated number and records who forced it and why', async () => {
    await push('1.0.0', 'classifier');
    await rejectsWith(push('1.0.1', 'classifier-no-amount', { force: true }), 'invalid_input');
    await rejectsWith(push('1.0.1', 'classifier-no-amount', { reason: 'no force' }), 'invalid_input');
    const r = await push('1.0.1', 'classifier-no-amount', { force: true, reason: 'amount was never read by any caller' });
    assert.equal(r.created, true);
    assert.deepEqual(r.forced, { previous: '1.0.0', minimumVersion: '2.0.0', reason: 'amount was never read by any caller' });
    const event = (await reg.events({ subject: 'clf@1.0.1' })).items.find((e) => e.action === 'version.push');
    assert.equal(event?.actor, 'alice');
    assert.deepEqual(event?.payload.semver, {
      previous: '1.0.0',
      change: 'major',
      required: 'major',
      bump: 'patch',
      satisfied: false,
      forced: true,
      reason: 'amount was never read by any caller',
      minimum_version: '2.0.0',
    });
    const v = await reg.getVersion('clf@1.0.1');
    assert.equal(v.history[0]!.reason, 'pushed; semver check forced: amount was never read by any caller');
    // Forcing a version that states its change records nothing forced.
    const plain = await push('2.0.0', 'classifier-no-amount', { force: true, reason: 'not needed' });
    assert.equal(plain.forced, undefined);
    assert.equal((await reg.getVersion('clf@2.0.0')).history[0]!.reason, 'pushed');
  });

  it('versions stored before signatures were read are not compared', async () => {
    await push('1.0.0', 'classifier');
    await app.metadata.db.updateTable('versions').set({ signature_json: null }).execute();
    assert.equal((await reg.getVersion('clf@1.0.0')).signature, null);
    assert.equal((await push('1.0.1', 'classifier-no-amount')).created, true);
  });

  it('diffs two versions: files, metadata, metrics, signature and the semver verdict', async () => {
    await push('1.0.0', 'classifier', { metadata: { metrics: { accuracy: 0.9, auc: 0.8 }, description: 'first' } });
    await push('1.1.0', 'classifier-more-outputs', { metadata: { metrics: { accuracy: 0.92, f1: 0.5 }, description: 'second', hyperparameters: { C: 1 } } });
    const d = await reg.diffVersions('clf@1.1.0', 'clf@1.0.0');
    assert.deepEqual([d.from.version, d.to.version], ['1.0.0', '1.1.0']);
    assert.deepEqual(d.files.changed.map((c) => c.path), ['model.onnx', 'notes.txt']);
    assert.equal(d.files.changed[0]!.after.format, 'onnx');
    // The model card is the same in both.
    assert.deepEqual([d.files.added, d.files.removed, d.files.unchanged], [[], [], 1]);
    assert.deepEqual(d.metadata, [
      { field: 'description', change: 'changed', before: 'first', after: 'second' },
      { field: 'hyperparameters', change: 'added', after: { C: 1 } },
    ]);
    assert.deepEqual(d.metrics, [
      { name: 'accuracy', before: 0.9, after: 0.92, delta: 0.02 },
      { name: 'auc', before: 0.8, after: null, delta: null },
      { name: 'f1', before: null, after: 0.5, delta: null },
    ]);
    assert.equal(d.signature.level, 'minor');
    assert.deepEqual(d.signature.changes.map((c) => c.message), ['output `logits` was added']);
    assert.deepEqual(d.semver, { change: 'minor', required: 'minor', bump: 'minor', satisfied: true, minimumVersion: null });
    // Without `against`: the version it follows.
    assert.deepEqual((await reg.diffVersions('clf@1.1.0')).from.version, '1.0.0');
    await rejectsWith(reg.diffVersions('clf@1.0.0'), 'not_found');
    // The other way round is no push: no semver verdict.
    assert.equal((await reg.diffVersions('clf@1.0.0', 'clf@1.1.0')).semver, null);
  });
});
