import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { type ManifestEntry, type PendingTransition, type RegistryHooks, RegistryService } from '../../src/registry/index.ts';
import { onEachBackend } from '../helpers/backends.ts';

function meta(name: string, version: string): Record<string, unknown> {
  return { name, version, license: 'MIT', source: { repo: 'r', commit: 'c' }, dataset_manifest: 'd', training_hash: 'h', artifacts: ['w.bin'] };
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
    app = await backend.open();
    seen.length = 0;
    const r = await app.blobs.put(Readable.from([Buffer.from('weights')]));
    files = [{ path: 'w.bin', size: r.size, digest: r.digest, format: 'binary' }];
  });
  afterEach(async () => app.dispose());

  it('stores the evidence a registration hook returns, and refuses what it refuses', async () => {
    await reg().registerVersion({ metadata: meta('hooked', '1.0.0'), files });
    const v = await reg().getVersion('hooked@1.0.0');
    assert.deepEqual(v.evidence.map((e) => e.kind), ['scan']);
    const [scan] = await reg().listEvidence('hooked@1.0.0', 'scan');
    assert.deepEqual(scan!.body, { verdict: 'safe', files: 1 });
    assert.match(scan!.digest, /^sha256:[0-9a-f]{64}$/);
    const evil = await app.blobs.put(Readable.from([Buffer.from('evil')]));
    await assert.rejects(reg().registerVersion({ metadata: meta('hooked', '1.1.0'), files: [{ path: 'x.evil', size: evil.size, digest: evil.digest, format: 'pickle' }] }), (e: ModelVaultError) => e.code === 'policy_violation');
    await assert.rejects(reg().getVersion('hooked@1.1.0'), (e: ModelVaultError) => e.code === 'not_found');
  });

  it('lets a gate block a promotion until the evidence it needs is attached', async () => {
    const r = reg();
    await r.registerVersion({ metadata: meta('gated', '1.0.0'), files });
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
});
