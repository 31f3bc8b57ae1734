import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDuration } from '../../core/duration.ts';
import { bytes, emit, table, usage, type GlobalOptions } from '../output.ts';

/** The blob store of another home or of a backup, read only: `<dir>/blobs`. */
function fromDir(dir: string): string {
  const blobs = join(resolve(dir), 'blobs');
  if (!existsSync(join(blobs, 'sha256'))) throw usage(`--from ${dir} holds no blob store (no ${join(blobs, 'sha256')})`, 'give another registry home or a directory written by `modelvault backup`');
  return blobs;
}

/** `modelvault fsck`: checks a registry home as a whole, and repairs what it can. */
export function register(program: Command): void {
  program
    .command('fsck')
    .description('check a registry home: every blob against its digest, every reference to a blob, stages and aliases, the audit log, orphans and leftovers; exit 1 naming each problem left')
    .option('--repair', 'remove old orphan blobs, temp files and expired uploads; replace missing or corrupt blobs from --from')
    .option('--from <home>', 'another registry home or a backup to copy intact blobs from (each verified before use)')
    .option('--grace <duration>', 'orphans and temp files younger than this are left alone (a push may be using them)', '1h')
    .action(async (o: { repair?: boolean; from?: string; grace: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const graceMs = parseDuration(o.grace);
      if (graceMs === undefined) throw usage(`--grace ${JSON.stringify(o.grace)} is not a duration`, 'use e.g. 30m, 1h or 48h');
      const from = o.from === undefined ? undefined : fromDir(o.from);
      const [{ withHome }, { localActor }, { byteProgress }, { fsck }, { FsBlobStore }] = await Promise.all([
        import('../context.ts'),
        import('../actor.ts'),
        import('../progress.ts'),
        import('../../maintenance/index.ts'),
        import('../../storage/fs-blob-store.ts'),
      ]);
      const progress = byteProgress({ json: opts.json, label: 'verifying blobs' });
      const report = await withHome(
        opts,
        'fsck',
        async (app) => {
          const integrity = await app.integrity(localActor());
          try {
            return await fsck(
              { db: app.metadata.db, blobs: app.blobs, verifyLog: () => integrity.verifyLog(), ...(from ? { from: new FsBlobStore(from) } : {}) },
              { repair: o.repair === true, graceMs, onProgress: (done, total) => progress.update(done, total) },
            );
          } finally {
            progress.stop();
          }
        },
        // Leftovers are what fsck reports; opening the home must not sweep them first.
        { housekeeping: false },
      );
      emit(opts, report, () => {
        const c = report.checked;
        const lines = [`checked ${c.blobs} blobs (${bytes(c.bytes)}), ${c.references} referenced blobs, ${c.versions} versions, ${c.aliases} aliases, ${c.events} audit events`];
        if (report.problems.length > 0) lines.push(table(['PROBLEM', 'SUBJECT', 'STATE', 'DETAIL'], report.problems.map((p) => [p.kind, p.subject, p.repaired ? 'repaired' : 'open', p.message])));
        if (report.orphans.length > 0) {
          lines.push(`orphan blobs (referenced by nothing):`, table(['DIGEST', 'SIZE', 'AGE', 'STATE'], report.orphans.map((b) => [b.digest, bytes(b.size), `${Math.round(b.ageMs / 60_000)} min`, b.removed ? 'removed' : b.ageMs < graceMs ? 'young: kept' : 'kept'])));
        }
        const open = report.problems.filter((p) => !p.repaired).length;
        lines.push(report.ok ? (report.problems.length > 0 ? `ok: ${report.problems.length} problem(s) repaired` : 'ok: no problems') : `FAILED: ${open} problem(s) remain${o.repair ? '' : ' (--repair fixes orphans and leftovers; --repair --from HOME replaces missing or corrupt blobs)'}`);
        return lines.join('\n');
      });
      if (!report.ok) process.exitCode = 1;
    });
}
