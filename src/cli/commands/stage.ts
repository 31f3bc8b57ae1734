import type { Command } from 'commander';
import { assertStage } from '../../core/names.ts';
import type { StageResult } from '../../registry/index.ts';
import { withSession } from '../context.ts';
import { emit, type GlobalOptions } from '../output.ts';

function describe(r: StageResult, forced: boolean): string {
  return [`${r.name}@${r.version}: ${r.from} → ${r.to}${forced ? ' (forced)' : ''}`, r.displaced ? `${r.name}@${r.displaced.version}: production → ${r.displaced.to}` : ''].filter(Boolean).join('\n');
}

const FORCE_HELP = 'move even though checks refuse it (admins; needs --reason, recorded with what was missing)';

/** `modelvault stage REF STAGE` and `modelvault rollback NAME`. */
export function register(program: Command): void {
  program
    .command('stage')
    .description('move a version to another stage (development, validation, staging, production, archived)')
    .argument('<ref>', 'version reference')
    .argument('<stage>', 'target stage')
    .option('--reason <text>', 'why, kept in the history')
    .option('--force', FORCE_HELP)
    .action(async (ref: string, stage: string, o: { reason?: string; force?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const forced = o.force === true;
      const r = await withSession(opts, (s) => s.api.setStage(ref, assertStage(stage), o.reason, { force: forced }));
      emit(opts, r, () => describe(r, forced));
    });
  program
    .command('rollback')
    .description('put the previous holder of a stage (default production) back')
    .argument('<name>', 'model name')
    .option('--stage <stage>', 'stage to roll back', 'production')
    .option('--reason <text>', 'why, kept in the history')
    .option('--force', FORCE_HELP)
    .action(async (name: string, o: { stage: string; reason?: string; force?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const forced = o.force === true;
      const r = await withSession(opts, (s) => s.api.rollback(name, assertStage(o.stage), o.reason, { force: forced }));
      emit(opts, r, () => `rolled back ${name} ${r.to}:\n${describe(r, forced)}`);
    });
}
