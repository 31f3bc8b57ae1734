import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Digest } from '../../../src/core/digest.ts';
import { ModelVaultError } from '../../../src/core/errors.ts';
import { checkSignatures, enforceSigningPolicy, policyKeys, signingGate, signManifest, trustMaterial, type StoredSignature, type TrustedKey } from '../../../src/integrity/keys/index.ts';
import { generateKeyPair } from '../../../src/integrity/signing/index.ts';

const FILES = [{ path: 'w.bin', digest: `sha256:${createHash('sha256').update('weights').digest('hex')}` as Digest }];
const release = generateKeyPair('ed25519');
const other = generateKeyPair('ecdsa-p256');
const trusted = (key: { keyId: string; publicKeyPem: string }, name: string): TrustedKey => ({ keyId: key.keyId, name, kind: 'public_key', pem: key.publicKeyPem, addedBy: 'admin', addedAt: '2026-12-01T00:00:00.000Z' });
const RELEASE = trusted(release, 'release');
const OTHER = trusted(other, 'other');
const PRODUCTION = { requireSignature: ['production' as const] };

describe('the signing policy, without a registry', () => {
  let byRelease: StoredSignature;
  let byOther: StoredSignature;
  before(async () => {
    byRelease = { keyId: release.keyId, body: (await signManifest('m', FILES, release.privateKeyPem)).bundle };
    byOther = { keyId: other.keyId, body: JSON.stringify((await signManifest('m', FILES, other.privateKeyPem)).bundle) };
  });

  it('accepts every trusted key when trusted_keys is absent, else only those it lists, in the trusted order', () => {
    assert.deepEqual(policyKeys([RELEASE, OTHER], PRODUCTION), [RELEASE, OTHER]);
    assert.deepEqual(policyKeys([RELEASE, OTHER], { ...PRODUCTION, trustedKeys: [other.keyId, 'unknown'] }), [OTHER]);
    assert.deepEqual(policyKeys([RELEASE, OTHER], { ...PRODUCTION, trustedKeys: [other.keyId, release.keyId] }), [RELEASE, OTHER]);
    assert.deepEqual(policyKeys([RELEASE, OTHER], { ...PRODUCTION, trustedKeys: [] }), []);
    const all = [RELEASE];
    assert.notEqual(policyKeys(all, PRODUCTION), all, 'a copy, so callers cannot change the list they were given');
  });

  it('lets a version into a stage that needs no signature, reporting its signatures all the same', () => {
    const target = { ref: 'm@1.0.0', stage: 'staging' as const, files: FILES, signatures: [byOther] };
    assert.deepEqual(enforceSigningPolicy(target, [RELEASE], PRODUCTION), { required: false, checks: checkSignatures(FILES, [byOther], trustMaterial([RELEASE])) });
    const signed = enforceSigningPolicy({ ...target, signatures: [byRelease] }, [RELEASE], PRODUCTION);
    assert.deepEqual([signed.required, signed.satisfiedBy?.keyId, signed.checks.map((c) => c.ok)], [false, release.keyId, [true]]);
  });

  it('names the first signature that verifies with an accepted key', () => {
    const verdict = enforceSigningPolicy({ ref: 'm@1.0.0', stage: 'production', files: FILES, signatures: [byOther, byRelease] }, [RELEASE, OTHER], { ...PRODUCTION, trustedKeys: [release.keyId] });
    assert.deepEqual([verdict.required, verdict.satisfiedBy?.keyId, verdict.checks.map((c) => c.ok)], [true, release.keyId, [false, true]]);
    const both = enforceSigningPolicy({ ref: 'm@1.0.0', stage: 'production', files: FILES, signatures: [byOther, byRelease] }, [RELEASE, OTHER], PRODUCTION);
    assert.equal(both.satisfiedBy?.keyId, other.keyId);
  });

  it('refuses an unsigned version, saying so and how to sign it', () => {
    assert.throws(
      () => enforceSigningPolicy({ ref: 'm@1.0.0', stage: 'production', files: FILES, signatures: [] }, [RELEASE, OTHER], PRODUCTION),
      (e: unknown) =>
        e instanceof ModelVaultError &&
        e.code === 'policy_violation' &&
        e.message === 'm@1.0.0 cannot enter production: the signing policy requires a signature by a trusted key, but it carries no signature' &&
        assert.deepEqual(e.details, {
          ref: 'm@1.0.0',
          stage: 'production',
          problems: [],
          hint: `sign it with \`modelvault sign m@1.0.0 --key KEY\` using a trusted key; accepted keys: release (${release.keyId.slice(0, 16)}…), other (${other.keyId.slice(0, 16)}…)`,
        }) === undefined,
    );
  });

  it('says what is wrong with each signature, by key id or as unnamed, and that a rollback was refused', () => {
    const unnamed = { ...byOther, keyId: null };
    const checks = checkSignatures(FILES, [byOther, unnamed], trustMaterial([RELEASE]));
    const problems = (i: number): string => checks[i]!.problems.map((p) => p.message).join('; ');
    assert.ok(checks.every((c) => !c.ok && c.problems.length > 0));
    assert.throws(
      () => enforceSigningPolicy({ ref: 'm@1.0.0', stage: 'production', rollback: true, files: FILES, signatures: [byOther, unnamed] }, [RELEASE, OTHER], { ...PRODUCTION, trustedKeys: [release.keyId] }),
      (e: unknown) =>
        e instanceof ModelVaultError &&
        e.message === `m@1.0.0 cannot enter production by rollback: the signing policy requires a signature by a trusted key, but signature by ${other.keyId}: ${problems(0)}; signature by an unnamed key: ${problems(1)}` &&
        assert.deepEqual(e.details.problems, [
          ...checks[0]!.problems.map((p) => ({ field: other.keyId, message: p.message })),
          ...checks[1]!.problems.map((p) => ({ field: 'signature', message: p.message })),
        ]) === undefined &&
        e.details.hint === `sign it with \`modelvault sign m@1.0.0 --key KEY\` using a trusted key; accepted keys: release (${release.keyId.slice(0, 16)}…)`,
    );
  });

  it('lists every problem of a signature that no longer covers the files', () => {
    const moved = [{ path: 'x.bin', digest: FILES[0]!.digest }, { path: 'y.bin', digest: FILES[0]!.digest }];
    assert.throws(
      () => enforceSigningPolicy({ ref: 'm@2.0.0', stage: 'production', files: moved, signatures: [byRelease] }, [RELEASE], PRODUCTION),
      (e: unknown) =>
        e instanceof ModelVaultError &&
        e.message === `m@2.0.0 cannot enter production: the signing policy requires a signature by a trusted key, but signature by ${release.keyId}: w.bin: signed file is missing; x.bin: file is not covered by the signature; y.bin: file is not covered by the signature` &&
        assert.deepEqual((e.details.problems as { field: string }[]).map((p) => p.field), [release.keyId, release.keyId, release.keyId]) === undefined,
    );
  });

  it('says when no key is trusted at all, and when trusted_keys leaves none of them', () => {
    const target = { ref: 'm@1.0.0', stage: 'production' as const, files: FILES, signatures: [byRelease] };
    assert.throws(() => enforceSigningPolicy(target, [], PRODUCTION), (e: unknown) => e instanceof ModelVaultError && e.details.hint === 'sign it with `modelvault sign m@1.0.0 --key KEY` using a trusted key; no key is trusted yet (`modelvault keys trust FILE`)');
    assert.throws(
      () => enforceSigningPolicy(target, [RELEASE], { ...PRODUCTION, trustedKeys: [other.keyId] }),
      (e: unknown) => e instanceof ModelVaultError && e.details.hint === 'sign it with `modelvault sign m@1.0.0 --key KEY` using a trusted key; signing.trusted_keys in config.yaml lists none of the trusted keys (see `modelvault keys list`)',
    );
  });

  it('is the registry gate named signature', () => {
    assert.equal(signingGate(PRODUCTION).check, 'signature');
  });
});
