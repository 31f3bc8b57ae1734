import type { Command } from 'commander';
import { withSession } from '../context.ts';
import { bytes, emit, usage, type GlobalOptions } from '../output.ts';

/** `modelvault push DIR`: validate, hash, store and register a model version. */
export function register(program: Command): void {
  program
    .command('push')
    .description('validate a model directory, store its files and register name@version')
    .argument('<dir>', 'model directory')
    .option('--name <name>', 'register under this name instead of metadata.name')
    .option('--version <version>', 'register as this version instead of metadata.version')
    .option('--force', 'register even when the version number under-states the change of its input/output signature (admins only); needs --reason')
    .option('--reason <text>', 'why a forced push is right; recorded with the version and in the audit log')
    .action(async (dir: string, o: { name?: string; version?: string; force?: boolean; reason?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      // Checked before any byte moves; the registry checks the same.
      if (o.force && !o.reason?.trim()) throw usage('--force needs --reason TEXT', 'say why the version number may under-state the change, e.g. --reason "the removed input was never used"');
      if (o.reason !== undefined && !o.force) throw usage('--reason is recorded only with --force', 'add --force, or leave --reason out');
      const [{ pushModelDir }, { localConfig }, { transferProgress }] = await Promise.all([import('../push-model-dir.ts'), import('../model-dir.ts'), import('../progress.ts')]);
      let progress: ReturnType<typeof transferProgress> | undefined;
      const { result, files: manifest, warnings } = await withSession(opts, async (s) => {
        try {
          return await pushModelDir(dir, {
            api: s.api,
            transport: s.transport,
            config: localConfig(opts.home),
            ...o,
            onFiles: (files) => {
              progress = transferProgress(files, { json: opts.json, label: 'push' });
              return (i, b) => progress?.update(i, b);
            },
          });
        } finally {
          progress?.stop();
        }
      });
      const total = manifest.reduce((n, f) => n + f.size, 0);
      emit(opts, { ...result, files: manifest, warnings }, () =>
        [
          ...warnings.map((w) => `warning[${w.rule}]: ${w.file}${w.field ? ` ${w.field}` : ''}: ${w.message}`),
          result.created
            ? `pushed ${result.name}@${result.version} (${manifest.length} files, ${bytes(total)}) → ${result.stage}`
            : `${result.name}@${result.version} already registered with identical content; nothing changed`,
          ...(result.forced
            ? [`  semver check forced: the signature change since ${result.forced.previous} needs ${result.forced.minimumVersion} or later (reason: ${result.forced.reason})`]
            : []),
          `  manifest ${result.manifestDigest}`,
          ...manifest.map((f) => `  ${f.digest.slice(0, 19)}  ${f.format.padEnd(12)} ${bytes(f.size).padStart(10)}  ${f.path}`),
        ].join('\n'),
      );
    });
}
