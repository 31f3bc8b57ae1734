import type { Command } from 'commander';
import { withSession } from '../context.ts';
import { bytes, emit, type GlobalOptions } from '../output.ts';

/** `modelvault push DIR`: validate, hash, store and register a model version. */
export function register(program: Command): void {
  program
    .command('push')
    .description('validate a model directory, store its files and register name@version')
    .argument('<dir>', 'model directory')
    .option('--name <name>', 'register under this name instead of metadata.name')
    .option('--version <version>', 'register as this version instead of metadata.version')
    .action(async (dir: string, o: { name?: string; version?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
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
          `  manifest ${result.manifestDigest}`,
          ...manifest.map((f) => `  ${f.digest.slice(0, 19)}  ${f.format.padEnd(12)} ${bytes(f.size).padStart(10)}  ${f.path}`),
        ].join('\n'),
      );
    });
}
