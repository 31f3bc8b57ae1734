import type { Command } from 'commander';
import { assertName } from '../../core/names.ts';
import { assertVersion } from '../../core/version.ts';
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
      const [{ detectFileFormat }, { listModelFiles, pushFiles }, { loadValidModelDir, localConfig }, { transferProgress }] = await Promise.all([
        import('../../formats/index.ts'),
        import('../../registry/index.ts'),
        import('../model-dir.ts'),
        import('../progress.ts'),
      ]);
      const { report, metadata, modelCard } = await loadValidModelDir(dir, localConfig(opts.home));
      if (o.name) metadata.name = assertName(o.name);
      if (o.version) metadata.version = assertVersion(o.version);
      const files = await listModelFiles(dir);
      const progress = transferProgress(files, { json: opts.json, label: 'push' });
      const { result, files: manifest } = await withSession(opts, async (s) => {
        try {
          return await pushFiles({ api: s.api, transport: s.transport, metadata, modelCard, files, detectFormat: (f) => detectFileFormat(f.absPath), onProgress: (i, b) => progress.update(i, b) });
        } finally {
          progress.stop();
        }
      });
      const warnings = report.problems.filter((p) => p.severity === 'warning');
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
