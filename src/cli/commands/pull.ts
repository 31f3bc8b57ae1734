import type { Command } from 'commander';
import { withSession } from '../context.ts';
import { bytes, emit, type GlobalOptions } from '../output.ts';

/** `modelvault pull REF DIR`: downloads a version, verifying every byte. */
export function register(program: Command): void {
  program
    .command('pull')
    .description('download a version (name@1.2.0, name@production, name@champion, name@latest) and verify every file')
    .argument('<ref>', 'version reference')
    .argument('<dir>', 'target directory (created if needed)')
    .option('--force', 'overwrite local files whose content differs')
    .option('--verify', "after downloading, check the version's signatures and enforce the registry's signing policy for its stage")
    .action(async (ref: string, dir: string, o: { force?: boolean; verify?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const [{ pullVersion }, { transferProgress }, { verifyPulledSignatures }] = await Promise.all([import('../../registry/index.ts'), import('../progress.ts'), import('../signature-verify.ts')]);
      const { version, files, signing } = await withSession(opts, async (s) => {
        const version = await s.api.getVersion(ref);
        const progress = transferProgress(version.files, { json: opts.json, label: 'pull' });
        try {
          const pulled = await pullVersion({ transport: s.transport, version, dir, force: o.force, onProgress: (i, b) => progress.update(i, b) });
          return { version, files: pulled, signing: o.verify ? await verifyPulledSignatures(s, version) : undefined };
        } finally {
          progress.stop();
        }
      });
      const written = files.filter((f) => f.status === 'written').length;
      emit(opts, { name: version.name, version: version.version, stage: version.stage, manifestDigest: version.manifestDigest, dir, files, ...(signing ? { signing } : {}) }, () =>
        [
          ...(signing ? [`signatures: ${signing.checks.filter((c) => c.ok).length} valid of ${signing.checks.length}${signing.required ? `; the signing policy for ${version.stage} is met` : ''}`] : []),
          `pulled ${version.name}@${version.version} (${version.stage}) into ${dir}: ${written} written, ${files.length - written} unchanged, all digests verified`,
          ...files.map((f) => `  ${f.status === 'written' ? 'wrote    ' : 'unchanged'} ${bytes(f.size).padStart(10)}  ${f.path}`),
        ].join('\n'),
      );
    });
}
