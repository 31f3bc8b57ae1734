import type { Command } from 'commander';
import type { GatesReport } from '../../evaluation/index.ts';
import { withEvaluation } from '../evaluation-session.ts';
import { emit, table, type GlobalOptions } from '../output.ts';
import { evaluationOptions } from './evaluate.ts';

function render(r: GatesReport): string {
  const lines = [
    `${r.reference} (${r.manifestDigest}) against ${r.baseline ? r.baseline.reference : 'no baseline (no production version)'}; settings from ${r.configSource}`,
    table(['GATE', 'REQUIRED', 'RESULT', 'DETAIL'], r.gates.map((g) => [g.name, g.required ? 'yes' : 'no', g.status === 'passed' ? 'pass' : g.status === 'failed' ? 'FAIL' : 'skipped', g.reason])),
  ];
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push(r.passed ? `every required gate passed; recorded as gates evidence #${r.evidenceId}` : `a required gate failed; recorded as gates evidence #${r.evidenceId} (promotion to enforced stages is refused)`);
  return lines.join('\n');
}

/** `modelvault gates run REF [--baseline REF] [--data FILE]`: every quality gate, recorded as evidence. */
export function register(program: Command): void {
  const gates = program.command('gates').description('quality gates of gates.yaml in the registry home (schema, security scan, smoke test, performance against the baseline, integration checks)');
  gates
    .command('run')
    .description('run every gate on a version and record the outcome as evidence; exit 1 when a required gate fails')
    .argument('<ref>', 'version reference')
    .option('--data <file>', 'labelled evaluation data (.csv, .tsv, .parquet, .jsonl, .ndjson); the performance gate needs it')
    .option('--target <column>', 'the target column (default: target in the version metadata)')
    .option('--baseline <ref>', 'the version to compare with (default: the production version)')
    .option('--batch-size <n>', 'rows per inference call (default 1024)')
    .option('--task <task>', 'classification or regression, when neither the metadata nor the outputs tell')
    .action(async (ref: string, o: { data?: string; target?: string; baseline?: string; batchSize?: string; task?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const report = await withEvaluation(opts, (api) =>
        api.runGates(ref, {
          ...(o.data ? { data: { path: o.data } } : {}),
          ...(o.target ? { target: o.target } : {}),
          ...(o.baseline ? { baseline: o.baseline } : {}),
          ...evaluationOptions(o),
        }),
      );
      emit(opts, report, () => render(report));
      if (!report.passed) process.exitCode = 1;
    });
}
