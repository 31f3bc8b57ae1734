import type { Command } from 'commander';
import { DRIFT_METHODS, type DriftMethod } from '../../monitor/drift-methods.ts';
import type { DriftReport } from '../../monitor/service.ts';
import { withMonitor } from '../monitor-session.ts';
import { emit, table, usage, type GlobalOptions } from '../output.ts';

const num = (x: number | undefined): string => (x === undefined ? '-' : Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));

function render(r: DriftReport): string {
  const rows = r.features.map((f) => [f.name, f.type, f.method, num(f.statistic), num(f.pValue), num(f.threshold), f.drifted ? 'DRIFT' : 'ok']);
  if (r.prediction) rows.push([`(prediction vs ${r.prediction.against})`, r.prediction.type, r.prediction.method, num(r.prediction.statistic), num(r.prediction.pValue), num(r.prediction.threshold), r.prediction.drifted ? 'DRIFT' : 'ok']);
  const lines = [
    `${r.model}@${r.version}: window ${r.window.spec} (${r.window.rows} observations, ${r.window.from} … ${r.window.to})`,
    table(['FEATURE', 'TYPE', 'METHOD', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'RESULT'], rows),
    `dataset drift: ${r.datasetDrift ? 'YES' : 'no'} (drift score ${num(r.driftScore)}: ${r.features.filter((f) => f.drifted).length} of ${r.features.length} features)`,
  ];
  for (const s of r.skipped) lines.push(`skipped ${s.name}: ${s.reason}`);
  if (r.quality) lines.push(r.quality.task === 'regression' ? `quality: rmse ${num(r.quality.rmse)}, mae ${num(r.quality.mae)} on ${r.quality.labelled} labels` : `quality: accuracy ${num(r.quality.accuracy)}, f1 ${num(r.quality.f1)} on ${r.quality.labelled} labels`);
  if (r.latencyMs) lines.push(`latency ms: p50 ${num(r.latencyMs.p50)}, p95 ${num(r.latencyMs.p95)}, p99 ${num(r.latencyMs.p99)}; error rate ${num(r.errorRate)}`);
  for (const a of r.alerts.firing) {
    const d = a.deliveries.map((x) => `${x.url} ${x.delivered ? 'delivered' : `FAILED (${x.error ?? '?'}, ${x.attempts} attempts)`}`).join('; ');
    lines.push(`ALERT ${a.severity} ${a.name}: ${a.condition}${a.new ? '' : ' (still open)'}${d ? ` → ${d}` : ''}`);
  }
  for (const n of r.alerts.resolved) lines.push(`resolved ${n}`);
  for (const n of r.alerts.notEvaluated) lines.push(`not evaluated ${n.name}: no value for ${n.missing.join(', ')}`);
  return lines.join('\n');
}

/** `modelvault drift REF [--window W] [--method M]`: drift and quality of a window against the reference. */
export function register(program: Command): void {
  program
    .command('drift')
    .description('compare a window of observations with the reference profile; evaluates alerts.yaml')
    .argument('<ref>', 'version reference')
    .option('--window <w>', 'a count (10000) or a duration ending now (30m, 1h, 7d); default monitoring.window of config.yaml')
    .option('--method <m>', `${DRIFT_METHODS.join('|')}; default monitoring.method of config.yaml (auto)`)
    .option('--fail-on-drift', 'exit 1 when the dataset drifted')
    .action(async (ref: string, o: { window?: string; method?: string; failOnDrift?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      if (o.method !== undefined && !DRIFT_METHODS.includes(o.method as DriftMethod)) throw usage(`--method must be one of ${DRIFT_METHODS.join(', ')}, not ${JSON.stringify(o.method)}`);
      const report = await withMonitor(opts, (m) => m.drift(ref, { ...(o.window ? { window: o.window } : {}), ...(o.method ? { method: o.method as DriftMethod } : {}) }));
      emit(opts, report, () => render(report));
      if (o.failOnDrift && report.datasetDrift) process.exitCode = 1;
    });
}
