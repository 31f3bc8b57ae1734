import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { ModelVaultError } from '../../core/errors.ts';
import type { VerifyProblem } from '../../registry/index.ts';
import { withSession } from '../context.ts';
import { emit, usage, type GlobalOptions } from '../output.ts';
import type { SignatureCheck } from '../../integrity/keys/index.ts';
import { collect } from '../integrity.ts';
import { checkStoredSignatures, describeChecks, hasSignatureFile, trustFor, verifySignedDir, type TrustOptions } from '../signature-verify.ts';

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/** `modelvault verify REF|DIR`: re-hashes a stored version, or checks a local directory against the registry. */
export function register(program: Command): void {
  program
    .command('verify')
    .description('re-hash every file of a stored version (REF) and check its signatures, verify a signed directory against its model.sig, or compare a directory with its registered version (DIR); exit 1 on any mismatch')
    .argument('<target>', 'version reference or model directory')
    .option('--ref <ref>', 'for a directory: compare with this version instead of the one its metadata names')
    .option('--key <pub>', 'trusted public key for signatures (repeatable; default: the keys the registry trusts)', collect, [])
    .option('--cert-chain <file>', 'trusted certificate chain or root, PEM (repeatable)', collect, [])
    .option('--ignore-paths <paths>', "for a directory: paths inside it to leave out of the check, comma-separated or repeated (as model-signing's --ignore-paths)", collect, [])
    .action(async (target: string, o: { ref?: string; ignorePaths: string[] } & TrustOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const local = await isDirectory(target);
      const ignorePaths = o.ignorePaths.flatMap((p) => p.split(',')).filter((p) => p !== '');
      if (!local && ignorePaths.length > 0) throw usage(`--ignore-paths applies to a model directory; ${target} is not one`, 'drop --ignore-paths to verify a stored version');
      // A signed directory is checked against its model.sig; --ref also compares it with the registry.
      if (local && !o.ref && (await hasSignatureFile(target))) {
        const given = o.key.length > 0 || o.certChain.length > 0;
        const trust = given ? await trustFor(undefined, o) : await withSession(opts, (s) => trustFor(s, o));
        const r = await verifySignedDir(target, trust, ignorePaths);
        const signer = r.signer?.keyId ?? r.signer?.certificateSubject ?? 'unknown';
        emit(opts, { target, ok: r.ok, signer: r.signer ?? null, trustedKeys: trust.source, problems: r.problems }, () =>
          r.ok
            ? `verified ${target}: signature by key ${signer} (trusted: ${trust.source}); every file matches`
            : [`verification of ${target} FAILED (signer: ${signer}):`, ...r.problems.map((p) => `  ${p.kind.padEnd(14)} ${p.message}`)].join('\n'),
        );
        if (!r.ok) process.exitCode = 1;
        return;
      }
      const [{ validateModelDir }, { listModelFiles, verifyLocalDir, verifyStoredVersion }, { hashFiles }, { isIgnored, normalizeIgnorePaths }] = await Promise.all([
        import('../../policy/index.ts'),
        import('../../registry/index.ts'),
        import('../../storage/hash-pool.ts'),
        import('../../integrity/signing/index.ts'),
      ]);
      const ignored = local ? normalizeIgnorePaths(target, ignorePaths) : [];
      const { ref, problems, files, signatures } = await withSession(opts, async (s) => {
        if (!local) {
          const version = await s.api.getVersion(target);
          // Stored bytes are re-hashed and every stored signature is checked against the manifest digests.
          const [stored, signed] = await Promise.all([verifyStoredVersion(s.transport, version), checkStoredSignatures(s, version, o)]);
          return { ref: `${version.name}@${version.version}`, problems: [...stored, ...signed.problems], files: version.files.length, signatures: signed.checks };
        }
        let ref = o.ref;
        if (!ref) {
          const report = await validateModelDir(target, { verifyChecksums: false, namingConvention: 'off' });
          const m = report.metadata as { name?: unknown; version?: unknown } | undefined;
          if (typeof m?.name !== 'string' || typeof m.version !== 'string') {
            throw new ModelVaultError('invalid_input', `${target} has no readable name and version in its metadata`, { path: target, hint: 'pass --ref name@version' });
          }
          ref = `${m.name}@${m.version}`;
        }
        const version = await s.api.getVersion(ref);
        // Ignored paths are left out on both sides: neither extra here nor missing from the registry's files.
        const entries = (await listModelFiles(target)).filter((e) => !isIgnored(e.path, ignored));
        const hashed = await hashFiles(entries.map((e) => ({ src: e.absPath })));
        const compared = { ...version, files: version.files.filter((f) => !isIgnored(f.path, ignored)) };
        const problems: VerifyProblem[] = await verifyLocalDir(target, compared, entries.map((e, i) => ({ path: e.path, digest: hashed[i]!.digest, size: hashed[i]!.size })));
        return { ref: `${version.name}@${version.version}`, problems, files: compared.files.length, signatures: [] as SignatureCheck[] };
      });
      emit(opts, { target, ref, ok: problems.length === 0, files, problems, signatures }, () =>
        problems.length === 0
          ? [`verified ${target === ref ? ref : `${target} against ${ref}`}: all ${files} files match`, ...describeChecks(signatures)].join('\n')
          : [`verification of ${target} against ${ref} FAILED:`, ...problems.map((p) => `  ${p.kind.padEnd(8)} ${p.path}: ${p.message}`), ...describeChecks(signatures)].join('\n'),
      );
      if (problems.length > 0) process.exitCode = 1;
    });
}
