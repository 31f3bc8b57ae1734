import type { Command } from 'commander';
import type { EvaluationReport, ModelEvaluation, TaskHint } from '../../evaluation/index.ts';
import { withEvaluation } from '../evaluation-session.ts';
import { bytes, emit, table, usage, type GlobalOptions } from '../output.ts';

/** Parses the options evaluate and gates share. */
export function evaluationOptions(o: { batchSize?: string; task?: string }): { batchSize?: number; task?: TaskHint } {
  const out: { batchSize?: number; task?: TaskHint } = {};
  if (o.batchSize !== undefined) {
    const n = Number(o.batchSize);
    if (!Number.isInteger(n) || n < 1) throw usage(`--batch-size must be a whole number ≥ 1, not ${JSON.stringify(o.batchSize)}`, 'e.g. --batch-size 1024');
    out.batchSize = n;
  }
  if (o.task !== undefined) {
    if (o.task !== 'classification' && o.task !== 'regression') throw usage(`--task must be classification or regression, not ${JSON.stringify(o.task)}`);
    out.task = o.task;
  }
  return out;
}

const num = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined ? '-' : x.toFixed(digits));

function metricRows(e: ModelEvaluation, base?: ModelEvaluation): (string | number)[][] {
  const m = e.metrics as unknown as Record<string, number | null>;
  const b = base?.metrics as unknown as Record<string, number | null> | undefined;
  return Object.entries(m).map(([k, v]) => (b ? [k, num(v), num(b[k]), v !== null && typeof b[k] === 'number' ? `${v - b[k]! >= 0 ? '+' : ''}${num(v - b[k]!)}` : '-'] : [k, num(v)]));
}

function render(r: EvaluationReport): string {
  const e = r.result;
  const lines = [
    `${r.reference} ${r.model.path} on ${r.data.rows} rows (target ${r.data.target}, data ${r.data.digest.slice(0, 19)}…): ${e.task} (task from ${e.taskSource})`,
    `evaluated ${e.evaluatedRows} rows${e.skippedRows ? `, skipped ${e.skippedRows} without a target` : ''}${e.nonFiniteRows ? `, ${e.nonFiniteRows} with NaN or infinite outputs` : ''}`,
    table(r.baseline ? ['METRIC', 'VALUE', `BASELINE ${r.baseline.reference}`, 'DIFFERENCE'] : ['METRIC', 'VALUE'], metricRows(e, r.baseline?.result)),
    table(['LATENCY (ms)', 'P50', 'P95', 'P99'], [
      [`per batch of ${e.latency.batchSize}`, num(e.latency.perBatch.p50, 3), num(e.latency.perBatch.p95, 3), num(e.latency.perBatch.p99, 3)],
      ['per row', num(e.latency.perRow.p50, 5), num(e.latency.perRow.p95, 5), num(e.latency.perRow.p99, 5)],
    ]),
    `peak memory: ${bytes(e.memory.peakRssDeltaBytes)} (resident-set growth while loading and running); load ${num(e.loadMs, 1)} ms, total ${num(e.durationMs, 1)} ms`,
  ];
  if (r.claims.checked === 0) lines.push('claims: the version claims no metric that was measured');
  else if (r.claims.differences.length === 0) lines.push(`claims: ${r.claims.checked} claimed metric(s) match within ${r.claims.tolerance}`);
  for (const d of r.claims.differences) lines.push(`CLAIM DIFFERS ${d.claimedAs} in ${d.source}: claimed ${d.claimed}, measured ${num(d.measured)} (${d.difference >= 0 ? '+' : ''}${num(d.difference)}; tolerance ${r.claims.tolerance})`);
  lines.push(`recorded as evaluation evidence #${r.evidenceId}`);
  return lines.join('\n');
}

/** `modelvault evaluate REF --data FILE [--target COL] [--baseline REF] [--batch-size N]`. */
export function register(program: Command): void {
  program
    .command('evaluate')
    .description("run the version's stored ONNX model on labelled data: accuracy/precision/recall/F1/ROC AUC or RMSE/MAE/R², latency and memory; compares the metrics the version claims and records the result as evidence")
    .argument('<ref>', 'version reference')
    .requiredOption('--data <file>', 'labelled data: .csv, .tsv, .parquet, .jsonl or .ndjson (uploaded to the server in remote mode)')
    .option('--target <column>', 'the target column (default: target in the version metadata)')
    .option('--baseline <ref>', 'also evaluate this version on the same data and show the differences')
    .option('--batch-size <n>', 'rows per inference call (default 1024)')
    .option('--task <task>', 'classification or regression, when neither the metadata nor the outputs tell')
    .option('--tolerance <x>', 'largest claimed-vs-measured difference left unreported (default 0.01)')
    .option('--fail-on-claims', 'exit 1 when a claimed metric differs from the measured one')
    .action(async (ref: string, o: { data: string; target?: string; baseline?: string; batchSize?: string; task?: string; tolerance?: string; failOnClaims?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const tolerance = o.tolerance === undefined ? undefined : Number(o.tolerance);
      if (tolerance !== undefined && !(tolerance >= 0 && tolerance <= 1)) throw usage(`--tolerance must be a number from 0 to 1, not ${JSON.stringify(o.tolerance)}`);
      const report = await withEvaluation(opts, (api) =>
        api.evaluate(ref, {
          data: { path: o.data },
          ...(o.target ? { target: o.target } : {}),
          ...(o.baseline ? { baseline: o.baseline } : {}),
          ...(tolerance !== undefined ? { tolerance } : {}),
          ...evaluationOptions(o),
        }),
      );
      emit(opts, report, () => render(report));
      if (o.failOnClaims && report.claims.differences.length > 0) process.exitCode = 1;
    });
}
