import type { Command } from 'commander';
import { resolve } from 'node:path';
import { bytes, emit, type GlobalOptions } from '../output.ts';

/** `modelvault backup DIR`: a consistent copy of a registry home, verified after writing. */
export function register(program: Command): void {
  program
    .command('backup')
    .description('write a consistent snapshot of the registry (database, every blob it references, config and keys, a manifest with digests) to an empty directory, while a server may be running; verified after writing')
    .argument('<dir>', 'a new or empty directory')
    .action(async (dir: string, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const [{ withHome }, { byteProgress }, { backup }] = await Promise.all([import('../context.ts'), import('../progress.ts'), import('../../maintenance/index.ts')]);
      const progress = byteProgress({ json: opts.json, label: 'copying blobs' });
      const target = resolve(dir);
      const manifest = await withHome(opts, 'backup', async (app) => {
        try {
          return await backup({ home: app.settings.home, databaseUrl: app.settings.databaseUrl, dialect: app.metadata.dialect, db: app.metadata.db, blobs: app.blobs }, target, (done, total) => progress.update(done, total));
        } finally {
          progress.stop();
        }
      });
      const size = manifest.blobs.reduce((n, b) => n + b.size, 0);
      emit(opts, { dir: target, ...manifest }, () =>
        [
          `backup written to ${target} and verified`,
          `  database  ${manifest.dialect} snapshot ${manifest.database.path} (${bytes(manifest.database.size)})`,
          `  blobs     ${manifest.blobs.length} (${bytes(size)})`,
          `  files     ${manifest.files.map((f) => f.path).join(', ') || 'none'}`,
          `restore it with: modelvault restore ${target} --home NEW_HOME`,
        ].join('\n'),
      );
    });
}
