import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelVaultError } from '../core/errors.ts';
import type { SignatureCheck, TrustMaterial } from '../integrity/keys/index.ts';
import type { VersionDetail } from '../registry/index.ts';
import type { Session } from './context.ts';
import { integrityOf } from './integrity.ts';

/** Trusted material given on the command line. */
export interface TrustOptions {
  key: string[];
  certChain: string[];
}

/** A problem found while checking a signature, in the shape `verify` reports. */
export interface SignatureProblem {
  kind: string;
  path: string;
  message: string;
}

/** True when `dir` holds a model-signing signature file. */
export async function hasSignatureFile(dir: string): Promise<boolean> {
  const { SIGNATURE_FILE } = await import('../integrity/signing/index.ts');
  return (await stat(join(dir, SIGNATURE_FILE)).catch(() => undefined)) !== undefined;
}

/** The keys to verify with: those given by --key / --cert-chain, else the registry's trusted keys. */
export async function trustFor(s: Session | undefined, o: TrustOptions): Promise<TrustMaterial & { source: string }> {
  const { readPemFile, trustMaterial } = await import('../integrity/keys/index.ts');
  if (o.key.length > 0 || o.certChain.length > 0) {
    return { publicKeyPem: o.key.map((f) => readPemFile(f, 'the public key')), certificateChainPem: o.certChain.map((f) => readPemFile(f, 'the certificate chain')), source: 'the keys given on the command line' };
  }
  if (!s) throw new ModelVaultError('usage', 'no trusted key: pass --key PUB or --cert-chain FILE', {});
  const trusted = await (await integrityOf(s)).trustedKeys();
  return { ...trustMaterial(trusted.items), source: `the ${trusted.items.length} key(s) trusted by the registry at ${s.location}` };
}

/** Verifies DIR against its model.sig, leaving out `ignorePaths`; every problem names the file or says why the bundle is invalid. */
export async function verifySignedDir(dir: string, trust: TrustMaterial, ignorePaths: string[] = []): Promise<{ ok: boolean; signer?: { keyId?: string; certificateSubject?: string }; problems: SignatureProblem[] }> {
  const { SIGNATURE_FILE, verifyModel } = await import('../integrity/signing/index.ts');
  const file = join(dir, SIGNATURE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ kind: 'invalid_bundle', path: SIGNATURE_FILE, message: `cannot read ${file}: ${(err as Error).message}` }] };
  }
  const r = await verifyModel(dir, text, { ...trust, ignorePaths });
  return { ok: r.ok, ...(r.signer ? { signer: r.signer } : {}), problems: r.problems.map((p) => ({ kind: p.kind, path: p.path ?? SIGNATURE_FILE, message: p.message })) };
}

/** Verifies each signature stored with a version against its manifest digests. */
export async function checkStoredSignatures(s: Session, version: VersionDetail, o: TrustOptions): Promise<{ checks: SignatureCheck[]; problems: SignatureProblem[] }> {
  const signatures = (await s.api.listEvidence(`${version.name}@${version.version}`, 'signature')).map((e) => ({ keyId: e.keyId, body: e.body }));
  if (signatures.length === 0) return { checks: [], problems: [] };
  const { checkSignatures } = await import('../integrity/keys/index.ts');
  const checks = checkSignatures(version.files, signatures, await trustFor(s, o));
  const problems = checks.flatMap((c) => c.problems.map((p) => ({ kind: p.kind, path: p.path ?? `signature ${c.keyId ?? '?'}`, message: p.message })));
  return { checks, problems };
}

/** One line per signature check, for text output. */
export function describeChecks(checks: readonly SignatureCheck[]): string[] {
  return checks.map((c) => `  signature by ${c.signer?.keyId ?? c.keyId ?? '?'}${c.signer?.certificateSubject ? ` (${c.signer.certificateSubject})` : ''}: ${c.ok ? 'valid' : 'INVALID'}`);
}

/**
 * `pull --verify`: checks the pulled version's signatures against the manifest its files were just verified
 * against, and enforces the registry's signing policy for its stage. Throws `policy_violation` when the policy
 * is not met, `verification_failed` when a stored signature is forged or covers other content.
 */
export async function verifyPulledSignatures(s: Session, version: VersionDetail): Promise<{ required: boolean; checks: SignatureCheck[] }> {
  const { enforceSigningPolicy } = await import('../integrity/keys/index.ts');
  const trusted = await (await integrityOf(s)).trustedKeys();
  const signatures = (await s.api.listEvidence(`${version.name}@${version.version}`, 'signature')).map((e) => ({ keyId: e.keyId, body: e.body }));
  const verdict = enforceSigningPolicy({ ref: `${version.name}@${version.version}`, stage: version.stage, files: version.files, signatures }, trusted.items, trusted.policy);
  // A signature by a key this registry does not trust proves nothing either way; any other failure means tampering.
  const broken = verdict.checks.flatMap((c) => c.problems.filter((p) => p.kind !== 'untrusted_key').map((p) => ({ keyId: c.keyId, message: p.message })));
  if (broken.length > 0) {
    throw new ModelVaultError('verification_failed', `${version.name}@${version.version}: a stored signature does not match the pulled files: ${broken.map((b) => `${b.keyId ?? '?'}: ${b.message}`).join('; ')}`, {
      problems: broken.map((b) => ({ field: b.keyId ?? 'signature', message: b.message })),
      hint: 'do not use these files; run `modelvault verify` on the version',
    });
  }
  return { required: verdict.required, checks: verdict.checks };
}
