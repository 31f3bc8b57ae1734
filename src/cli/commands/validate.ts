import type { Command } from 'commander';
import { type GlobalOptions, print, usage } from '../output.ts';

/** `modelvault validate DIR`: checks a model directory against the registry policy. */
export function register(program: Command): void {
  program
    .command('validate')
    .description('check a model directory against the registry policy (exit 0 valid, 1 invalid, 2 usage)')
    .argument('<dir>', 'model directory')
    .option('--format <format>', 'text, json or sarif', 'text')
    .action(async (dir: string, o: { format: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const format = opts.json ? 'json' : o.format;
      if (!['text', 'json', 'sarif'].includes(format)) throw usage(`--format ${format} is not supported`, 'use text, json or sarif');
      const [{ formatJson, formatSarif, formatText, reportExitCode, validateModelDir }, { localConfig }, { policyOptions }] = await Promise.all([import('../../policy/index.ts'), import('../model-dir.ts'), import('../../registry/index.ts')]);
      const report = await validateModelDir(dir, policyOptions(localConfig(opts.home)));
      const out = format === 'json' ? formatJson(report) : format === 'sarif' ? formatSarif(report) : formatText(report);
      print(out);
      process.exitCode = reportExitCode(report);
    });
}
