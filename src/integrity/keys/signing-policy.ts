import { ModelVaultError } from '../../core/errors.ts';
import type { Stage } from '../../core/names.ts';
import type { Static } from '../../core/schema.ts';
import type * as S from '../schemas.ts';
import type { PendingTransition, RegistryHooks } from '../../registry/index.ts';
import { checkSignatures, trustMaterial, type ManifestFile, type SignatureCheck, type StoredSignature } from './version-signatures.ts';
import { listTrustedKeys, type TrustedKey } from './trusted-keys.ts';

/** `signing:` of config.yaml: which stages need a signature, and by which of the registry's trusted keys. */
export type SigningPolicy = Static<typeof S.SigningPolicy>;

/** The registry-trusted keys the policy accepts: all of them, or those it lists. */
export function policyKeys(all: readonly TrustedKey[], policy: SigningPolicy): TrustedKey[] {
  if (policy.trustedKeys === undefined) return [...all];
  const allowed = new Set(policy.trustedKeys);
  return all.filter((k) => allowed.has(k.keyId));
}

/** Outcome of checking a version against the signing policy for one stage. */
export interface PolicyVerdict {
  required: boolean;
  /** The signature that satisfies the policy, when one does. */
  satisfiedBy?: SignatureCheck;
  checks: SignatureCheck[];
}

/**
 * Checks a version's signatures for `stage`; throws `policy_violation` naming the stage and what is missing or
 * untrusted when the policy requires a signature there and none verifies with an accepted key.
 */
export function enforceSigningPolicy(
  target: { ref: string; stage: Stage; rollback?: boolean; files: readonly ManifestFile[]; signatures: readonly StoredSignature[] },
  trusted: readonly TrustedKey[],
  policy: SigningPolicy,
): PolicyVerdict {
  const keys = policyKeys(trusted, policy);
  const checks = checkSignatures(target.files, target.signatures, trustMaterial(keys));
  const required = policy.requireSignature.includes(target.stage);
  const satisfiedBy = checks.find((c) => c.ok);
  if (!required || satisfiedBy) return { required, ...(satisfiedBy ? { satisfiedBy } : {}), checks };
  const accepted = trusted.length === 0
    ? 'no key is trusted yet (`modelvault keys trust FILE`)'
    : keys.length === 0
      ? 'signing.trusted_keys in config.yaml lists none of the trusted keys (see `modelvault keys list`)'
      : `accepted keys: ${keys.map((k) => `${k.name} (${k.keyId.slice(0, 16)}…)`).join(', ')}`;
  const why = checks.length === 0
    ? 'it carries no signature'
    : checks.map((c) => `signature by ${c.keyId ?? 'an unnamed key'}: ${c.problems.map((p) => p.message).join('; ')}`).join('; ');
  throw new ModelVaultError('policy_violation', `${target.ref} cannot enter ${target.stage}${target.rollback ? ' by rollback' : ''}: the signing policy requires a signature by a trusted key, but ${why}`, {
    ref: target.ref,
    stage: target.stage,
    problems: checks.flatMap((c) => c.problems.map((p) => ({ field: c.keyId ?? 'signature', message: p.message }))),
    hint: `sign it with \`modelvault sign ${target.ref} --key KEY\` using a trusted key; ${accepted}`,
  });
}

/** The registry gate enforcing the signing policy on stage transitions and rollbacks. */
export function signingGate(policy: SigningPolicy): RegistryHooks {
  return {
    check: 'signature',
    async beforeStage(t: PendingTransition): Promise<void> {
      if (!policy.requireSignature.includes(t.to)) return;
      const trusted = await listTrustedKeys(t.db);
      const signatures = t.evidence.filter((e) => e.kind === 'signature').map((e) => ({ keyId: e.keyId, body: e.body }));
      enforceSigningPolicy({ ref: `${t.name}@${t.version}`, stage: t.to, rollback: t.rollback, files: t.files, signatures }, trusted, policy);
    },
  };
}
