import type { Command } from 'commander';
import { resolve } from 'node:path';
import { emit, usage, type GlobalOptions } from '../output.ts';

/** `modelvault restore DIR`: a backup back into an empty registry home. */
export function register(program: Command): void {
  program
    .command('restore')
    .description('restore a backup into an empty registry home (and an empty database and blob store), after verifying it against its manifest')
    .argument('<dir>', 'a directory written by `modelvault backup`')
    .action(async (dir: string, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const [{ serverUrl }, { byteProgress }, { openBlobStore, resolveSettings }, { restore }] = await Promise.all([
        import('../context.ts'),
        import('../progress.ts'),
        import('../../app.ts'),
        import('../../maintenance/index.ts'),
      ]);
      if (serverUrl(opts)) throw usage('restore writes a registry home, not through a server', 'run it on the machine of the new home with --home, without --server / MODELVAULT_URL');
      const settings = resolveSettings({ home: opts.home });
      const progress = byteProgress({ json: opts.json, label: 'restoring blobs' });
      let manifest;
      try {
        manifest = await restore(resolve(dir), { home: settings.home, databaseUrl: settings.databaseUrl, blobs: openBlobStore(settings.blobUrl) }, (done, total) => progress.update(done, total));
      } finally {
        progress.stop();
      }
      emit(opts, { home: settings.home, ...manifest }, () =>
        [`restored the backup of ${manifest.createdAt} into ${settings.home}: ${manifest.dialect} database, ${manifest.blobs.length} blobs, ${manifest.files.length} files`, 'check it with: modelvault fsck'].join('\n'),
      );
    });
}
