import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ModelVaultError } from '../../../src/core/errors.ts';
import { signManifest, trustKey } from '../../../src/integrity/keys/index.ts';
import { generateKeyPair, type GeneratedKeyPair } from '../../../src/integrity/signing/index.ts';
import { NO_APPROVALS, openHomeWithConfig, pushVersion } from '../../helpers/registry-home.ts';

type App = Awaited<ReturnType<typeof openHomeWithConfig>>;

/** Signs `ref` with `key` the way `modelvault sign REF` does: the bundle stored as signature evidence. */
async function sign(app: App, ref: string, key: GeneratedKeyPair): Promise<void> {
  const reg = app.registry('alice');
  const v = await reg.getVersion(ref);
  const { bundle, keyId } = await signManifest(v.name, v.files, key.privateKeyPem);
  assert.equal(keyId, key.keyId);
  await reg.addEvidence(ref, { kind: 'signature', keyId, body: bundle });
}

describe('signing.trusted_keys narrows the keys a production version may be signed with', () => {
  let app: App;
  afterEach(async () => app.dispose());
  const release = generateKeyPair('ed25519');
  const other = generateKeyPair('ecdsa-p256');

  async function stagedVersion(config: string): Promise<ReturnType<App['registry']>> {
    app = await openHomeWithConfig(config + NO_APPROVALS);
    for (const k of [release, other]) assert.equal((await trustKey(app.metadata.db, { pem: k.publicKeyPem }, 'admin')).created, true);
    await pushVersion(app, 'm', '1.0.0');
    const reg = app.registry('alice');
    await reg.setStage('m@1.0.0', 'validation');
    await reg.setStage('m@1.0.0', 'staging');
    return reg;
  }

  it('refuses a signature by a registry-trusted key the list leaves out', async () => {
    const reg = await stagedVersion(`signing:\n  require_signature: [production]\n  trusted_keys: [${release.keyId}]\n`);
    await sign(app, 'm@1.0.0', other);
    await assert.rejects(reg.setStage('m@1.0.0', 'production'), (e: ModelVaultError) =>
      e.code === 'policy_violation'
      && e.message.startsWith('m@1.0.0 cannot enter production: the signing policy requires a signature by a trusted key')
      && e.message.includes(`signature by ${other.keyId}`)
      && String(e.details.hint).includes(`accepted keys: ${release.keyId.slice(0, 16)} (${release.keyId.slice(0, 16)}…)`)
      && !String(e.details.hint).includes(other.keyId.slice(0, 16))
      // Only signature evidence is judged: the scan report the version also carries is not a signature.
      && !e.message.includes('an unnamed key')
      && (e.details.problems as { field: string }[]).every((p) => p.field === other.keyId));
    assert.equal((await reg.getVersion('m@1.0.0')).stage, 'staging');

    await sign(app, 'm@1.0.0', release);
    assert.equal((await reg.setStage('m@1.0.0', 'production')).to, 'production');
  });

  it('accepts every registry-trusted key when trusted_keys is absent', async () => {
    const reg = await stagedVersion('signing:\n  require_signature: [production]\n');
    await sign(app, 'm@1.0.0', other);
    assert.equal((await reg.setStage('m@1.0.0', 'production')).to, 'production');
  });

  it('accepts no key at all with an empty list, and says the list is why', async () => {
    const reg = await stagedVersion('signing:\n  require_signature: [production]\n  trusted_keys: []\n');
    await sign(app, 'm@1.0.0', release);
    await assert.rejects(reg.setStage('m@1.0.0', 'production'), (e: ModelVaultError) => e.code === 'policy_violation' && /signing\.trusted_keys in config\.yaml lists none of the trusted keys/.test(String(e.details.hint)));
  });
});
