import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { type ManifestEntry, type PendingTransition, type RegistryHooks, RegistryService } from '../../src/registry/index.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { storeModelCard } from '../helpers/registration.ts';
import { NO_APPROVALS } from '../helpers/registry-home.ts';

function meta(name: string, version: string, artifact: ManifestEntry): Record<string, unknown> {
  return { name, version, license: 'MIT', source: { repo: 'https://example.com/r.git', commit: 'c'.repeat(40) }, dataset_manifest: 'd.yaml', training_hash: artifact.digest, artifacts: [artifact.path] };
}

onEachBackend('registry evidence and hooks', (backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  let files: ManifestEntry[];
  const seen: PendingTransition[] = [];
  const hooks: RegistryHooks = {
    async beforeRegister(p) {
      if (p.files.some((f) => f.path.endsWith('.evil'))) throw new ModelVaultError('policy_violation', `${p.name}@${p.version}: refused by scan`, {});
      return [{ kind: 'scan', body: { verdict: 'safe', files: p.files.length } }];
    },
    async beforeStage(t) {
      seen.push(t);
      if (t.to === 'production' && !t.evidence.some((e) => e.kind === 'signature')) {
        throw new ModelVaultError('policy_violation', `${t.name}@${t.version} needs a signature for production`, {});
      }
    },
  };
  const reg = (): RegistryService => new RegistryService({ metadata: app.metadata, blobs: app.blobs, config: app.config, hooks: [hooks] }, 'dana');

  beforeEach(async () => {
    app = await backend.open(NO_APPROVALS);
    seen.length = 0;
    const r = await app.blobs.put(Readable.from([Buffer.from('weights')]));
    files = [{ path: 'w.bin', size: r.size, digest: r.digest, format: 'binary' }, await storeModelCard(app.blobs)];
  });
  afterEach(async () => app.dispose());

  it('stores the evidence a registration hook returns, and refuses what it refuses', async () => {
    await reg().registerVersion({ metadata: meta('hooked', '1.0.0', files[0]!), files });
    const v = await reg().getVersion('hooked@1.0.0');
    assert.deepEqual(v.evidence.map((e) => e.kind), ['scan']);
    const [scan] = await reg().listEvidence('hooked@1.0.0', 'scan');
    assert.deepEqual(scan!.body, { verdict: 'safe', files: 2 });
    assert.match(scan!.digest, /^sha256:[0-9a-f]{64}$/);
    const evil = await app.blobs.put(Readable.from([Buffer.from('evil')]));
    const evilFile: ManifestEntry = { path: 'x.evil', size: evil.size, digest: evil.digest, format: 'pickle' };
    await assert.rejects(reg().registerVersion({ metadata: meta('hooked', '1.1.0', evilFile), files: [evilFile, files[1]!] }), (e: ModelVaultError) => e.code === 'policy_violation' && /refused by scan/.test(e.message));
    await assert.rejects(reg().getVersion('hooked@1.1.0'), (e: ModelVaultError) => e.code === 'not_found');
  });

  it('lets a gate block a promotion until the evidence it needs is attached', async () => {
    const r = reg();
    await r.registerVersion({ metadata: meta('gated', '1.0.0', files[0]!), files });
    await r.setStage('gated@1.0.0', 'validation');
    await r.setStage('gated@1.0.0', 'staging');
    await assert.rejects(r.setStage('gated@1.0.0', 'production'), /needs a signature/);
    assert.equal((await r.getVersion('gated@1.0.0')).stage, 'staging', 'a refused transition changes nothing');
    const added = await r.addEvidence('gated@1.0.0', { kind: 'signature', keyId: 'ab'.repeat(32), body: { bundle: 'x' } });
    assert.equal(added.keyId, 'ab'.repeat(32));
    await r.setStage('gated@1.0.0', 'production');
    const last = seen[seen.length - 1]!;
    assert.equal(last.to, 'production');
    assert.equal(last.rollback, false);
    assert.deepEqual(last.evidence.map((e) => e.kind), ['scan', 'signature']);
    const events = (await r.events({ model: 'gated' })).items.map((e) => e.action);
    assert.ok(events.includes('evidence.add'));
    await assert.rejects(r.addEvidence('gated@1.0.0', { kind: 'Bad Kind', body: {} }), (e: ModelVaultError) => e.code === 'invalid_input');
  });

  it('runs every gate even after one refuses, and refuses with one error listing each under its check', async () => {
    const ran: string[] = [];
    const signature: RegistryHooks = {
      check: 'signature',
      async beforeStage(t) {
        ran.push('signature');
        if (t.to === 'production') throw new ModelVaultError('policy_violation', `${t.name}@${t.version} needs a signature`, { hint: 'sign it' });
      },
    };
    // A gate that names no check is listed by its code: gate_failed as gates.
    const gates: RegistryHooks = {
      async beforeStage(t) {
        ran.push('gates');
        if (t.to === 'production') throw new ModelVaultError('gate_failed', `${t.name}@${t.version}: accuracy 0.71 is below 0.9`, {});
      },
    };
    const r = new RegistryService({ metadata: app.metadata, blobs: app.blobs, config: app.config, hooks: [gates, signature] }, 'dana');
    await r.registerVersion({ metadata: meta('multi', '1.0.0', files[0]!), files });
    await r.setStage('multi@1.0.0', 'validation');
    await r.setStage('multi@1.0.0', 'staging');
    ran.length = 0;
    const err = await r.setStage('multi@1.0.0', 'production').then(() => assert.fail('refused'), (e: unknown) => e as ModelVaultError);
    assert.deepEqual(ran, ['gates', 'signature']);
    assert.equal(err.code, 'gate_failed', 'the first refusal gives the code');
    assert.equal(err.message, 'multi@1.0.0 cannot enter production: 2 checks refuse it\n  - gates: multi@1.0.0: accuracy 0.71 is below 0.9\n  - signature: multi@1.0.0 needs a signature');
    assert.deepEqual(err.details.missing, [
      { check: 'gates', code: 'gate_failed', message: 'multi@1.0.0: accuracy 0.71 is below 0.9' },
      { check: 'signature', code: 'policy_violation', message: 'multi@1.0.0 needs a signature', hint: 'sign it' },
    ]);
    assert.equal(err.details.hint, 'signature: sign it');

    // One refusal alone keeps its own code, message and details.
    const one = new RegistryService({ metadata: app.metadata, blobs: app.blobs, config: app.config, hooks: [signature] }, 'dana');
    const single = await one.setStage('multi@1.0.0', 'production').then(() => assert.fail('refused'), (e: unknown) => e as ModelVaultError);
    assert.deepEqual([single.code, single.message, single.details.hint, (single.details.missing as { check: string }[]).map((m) => m.check)], ['policy_violation', 'multi@1.0.0 needs a signature', 'sign it', ['signature']]);

    // A failure that is not a refusal (the gate broke) stops the move as it is, and --force does not skip it.
    const broken: RegistryHooks = { check: 'gates', async beforeStage() { throw new ModelVaultError('storage_unavailable', 'the metrics store is down', {}); } };
    const b = new RegistryService({ metadata: app.metadata, blobs: app.blobs, config: app.config, hooks: [signature, broken] }, 'dana');
    await assert.rejects(b.setStage('multi@1.0.0', 'production', 'hotfix', { force: true }), (e: ModelVaultError) => e.code === 'storage_unavailable' && e.message === 'the metrics store is down');
    assert.equal((await r.getVersion('multi@1.0.0')).stage, 'staging');
  });
});
