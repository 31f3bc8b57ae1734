import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { ModelVaultError } from '../../core/errors.ts';
import { withMonitor } from '../monitor-session.ts';
import { emit, type GlobalOptions } from '../output.ts';

/** Observations per request: bounded memory on both sides for files of any size. */
const CHUNK = 50_000;
const SYSTEM = new Set(['prediction', 'label', 'latency_ms', 'timestamp', 'error']);

/** Turns a table (CSV, Parquet) into observation lines: `prediction`, `label`, `latency_ms`, `timestamp`, `error` columns, the rest features. */
async function tableToLines(path: string): Promise<string[]> {
  const { readTable } = await import('../../formats/read-table.ts');
  const cols = await readTable(path);
  const names = Object.keys(cols);
  if (!names.includes('prediction')) throw new ModelVaultError('invalid_input', `${path}: no "prediction" column`, { path, hint: 'name the model output column prediction' });
  const rows = cols.prediction?.length ?? 0;
  const features = names.filter((n) => !SYSTEM.has(n));
  const value = (n: string, i: number): unknown => {
    const v = cols[n]?.[i];
    return typeof v === 'number' && Number.isNaN(v) ? null : v;
  };
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const o: Record<string, unknown> = { features: Object.fromEntries(features.map((f) => [f, value(f, i)])), prediction: value('prediction', i) };
    for (const k of ['label', 'latency_ms', 'timestamp', 'error']) {
      const v = names.includes(k) ? value(k, i) : null;
      if (v !== null && v !== undefined) o[k] = v;
    }
    lines.push(JSON.stringify(o));
  }
  return lines;
}

/** `modelvault observe REF --data FILE`: send observations (JSON lines, or a CSV/Parquet table). */
export function register(program: Command): void {
  program
    .command('observe')
    .description('send production observations of a version: JSON lines {features, prediction, label?, latency_ms?, timestamp?, error?}, or a CSV/Parquet table')
    .argument('<ref>', 'version reference')
    .requiredOption('--data <file>', 'observations file (.jsonl/.ndjson, .csv, .tsv, .parquet)')
    .action(async (ref: string, o: { data: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const ext = extname(o.data).toLowerCase();
      let lines: string[];
      if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') {
        const text = await readFile(o.data, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new ModelVaultError('not_found', `${o.data}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { path: o.data });
        });
        lines = text.split('\n').filter((l) => l.trim() !== '');
      } else lines = await tableToLines(o.data);
      const result = await withMonitor(opts, async (monitor) => {
        let accepted = 0;
        let labelled = 0;
        let last = { model: '', version: '' };
        for (let i = 0; i < lines.length || i === 0; i += CHUNK) {
          const r = await monitor.observe(ref, lines.slice(i, i + CHUNK).join('\n'));
          accepted += r.accepted;
          labelled += r.labelled;
          last = { model: r.model, version: r.version };
        }
        return { ...last, accepted, labelled };
      });
      emit(opts, result, () => `${result.model}@${result.version}: stored ${result.accepted} observations (${result.labelled} labelled)`);
    });
}
