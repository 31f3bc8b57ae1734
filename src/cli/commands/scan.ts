import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { parseReference } from '../../core/reference.ts';
import type { ScanApi } from '../../scan/index.ts';
import { withSession, type Session } from '../context.ts';
import { emit, print, table, usage, type GlobalOptions } from '../output.ts';

type Format = 'text' | 'json' | 'sarif';

function formatOf(o: { format?: string }, opts: GlobalOptions): Format {
  const f = opts.json ? 'json' : (o.format ?? 'text');
  if (f !== 'text' && f !== 'json' && f !== 'sarif') throw usage(`--format must be text, json or sarif, not ${JSON.stringify(f)}`);
  return f;
}

/** A single argument that is not a local path but names a version (`name@version`, `name@production`, …). */
function asReference(targets: string[]): string | undefined {
  if (targets.length !== 1) return undefined;
  const t = targets[0]!;
  if (existsSync(t) || !t.includes('@')) return undefined;
  try {
    parseReference(t);
    return t;
  } catch {
    return undefined;
  }
}

async function scanApi(s: Session): Promise<ScanApi> {
  const { localActor } = await import('../actor.ts');
  if (s.app) return s.app.scan(localActor());
  const { RemoteScan } = await import('../../client/index.ts');
  return new RemoteScan(s.client!);
}

/** `modelvault scan PATH…|REF` and the reviewed allowlist (`scan allow`, `scan allowlist`, `scan disallow`). */
export function register(program: Command): void {
  const scan = program
    .command('scan')
    .description('scan model files for code that runs when they are loaded (files, directories, or a registered version REF); exit 1 when anything is dangerous')
    .argument('[targets...]', 'files and directories, or one version reference such as name@1.0.0')
    .option('--format <format>', 'text, json or sarif', 'text')
    .option('--strict', 'also exit 1 when a file is suspicious or unscannable')
    .option('--rescan', 'for a version: re-hash its stored files, scan them again with the registry\'s current policy and record the report')
    .action(async (targets: string[], o: { format?: string; strict?: boolean; rescan?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const format = formatOf(o, opts);
      if (targets.length === 0) throw usage('scan: no files, directories or version given', 'pass paths to scan, or a version reference such as name@1.0.0');
      const scanner = await import('../../scan/index.ts');
      const ref = asReference(targets);
      if (o.rescan && !ref) throw usage('--rescan applies to one registered version (name@version), not to local paths');
      let report;
      let header = '';
      if (ref) {
        const v = await withSession(opts, async (s) => {
          const api = await scanApi(s);
          return o.rescan ? api.rescan(ref) : api.versionScan(ref);
        });
        report = scanner.asScanReport(v.report);
        header = `${v.name}@${v.version} (${v.manifestDigest}): ${v.rescanned ? 're-scanned now' : `scanned ${v.report.scannedAt}`}`;
        if (format === 'json') print(JSON.stringify({ reference: `${v.name}@${v.version}`, rescanned: v.rescanned, ...v.report }, null, 2));
      } else {
        report = await scanner.scanPaths(targets);
        if (format === 'json') print(scanner.formatScanJson(report));
      }
      if (format === 'sarif') print(scanner.formatScanSarif(report));
      if (format === 'text') print(`${header ? `${header}\n` : ''}${scanner.formatScanText(report)}`);
      process.exitCode = scanner.scanExitCode(report, { strict: o.strict });
    });

  scan
    .command('allowlist')
    .description('list the globals this registry allows on top of the built-in allowlist')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const items = await withSession(opts, async (s) => (await scanApi(s)).allowlist());
      emit(opts, { items }, () => (items.length ? table(['GLOBAL', 'REVIEWER', 'ADDED', 'REASON'], items.map((e) => [e.name, e.reviewer, e.createdAt, e.reason])) : 'no registry allowlist entries (only the built-in allowlist applies)'));
    });

  scan
    .command('allow')
    .description('allow a reviewed global in pickles (you are the reviewer; recorded in the audit log); known-dangerous globals are refused')
    .argument('<global>', 'dotted module.name, e.g. mylib.layers.Custom')
    .requiredOption('--reason <text>', 'why importing it is harmless')
    .action(async (name: string, o: { reason: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const entry = await withSession(opts, async (s) => (await scanApi(s)).allow(name, o.reason));
      emit(opts, entry, () => `allowed ${entry.name} (reviewer ${entry.reviewer}): ${entry.reason}\n  versions already stored keep their report until \`modelvault scan NAME@VERSION --rescan\``);
    });

  scan
    .command('disallow')
    .description('remove a global from this registry\'s allowlist (recorded in the audit log)')
    .argument('<global>', 'dotted module.name')
    .action(async (name: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const entry = await withSession(opts, async (s) => (await scanApi(s)).disallow(name));
      emit(opts, { removed: entry }, () => `removed ${entry.name} from the registry allowlist`);
    });
}
