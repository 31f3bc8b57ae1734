import type { Command } from 'commander';
import { assertApprovalStage } from '../../core/lifecycle.ts';
import type { ApprovalStatus } from '../../registry/index.ts';
import { withSession } from '../context.ts';
import { emit, table, type GlobalOptions } from '../output.ts';

/** The approval status as text: the count against what the stage needs, then one line per approval. */
function statusText(s: ApprovalStatus): string {
  const head = `${s.name}@${s.version} → ${s.stage}: ${s.count} of ${s.required} approvals${s.satisfied ? ' (enough)' : ''}; pushed by ${s.pushedBy}, whose approval does not count`;
  if (s.approvals.length === 0) return `${head}\nno approvals yet`;
  return `${head}\n${table(['APPROVER', 'AT', 'STATUS', 'COMMENT'], s.approvals.map((a) => [a.actor, a.at, a.stale ? `stale: ${a.staleReason}` : 'current', a.comment]))}`;
}

/** `modelvault approve REF --to STAGE` and `modelvault approvals list REF`. */
export function register(program: Command): void {
  program
    .command('approve')
    .description('approve a version for production as the acting user (not its pusher); new evidence makes approvals stale')
    .argument('<ref>', 'version reference')
    .requiredOption('--to <stage>', 'the stage the approval is for (production)')
    .option('--comment <text>', 'why, kept with the approval')
    .action(async (ref: string, o: { to: string; comment?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const stage = assertApprovalStage(o.to);
      const status = await withSession(opts, (s) => s.api.approve(ref, stage, o.comment));
      emit(opts, status, () => `approved ${status.name}@${status.version} for ${stage}\n${statusText(status)}`);
    });
  const approvals = program.command('approvals').description('approvals of versions');
  approvals
    .command('list')
    .description("a version's approvals for a stage, current and stale, and whether they are enough")
    .argument('<ref>', 'version reference')
    .option('--to <stage>', 'the stage the approvals are for', 'production')
    .action(async (ref: string, o: { to: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const stage = assertApprovalStage(o.to);
      const status = await withSession(opts, (s) => s.api.listApprovals(ref, stage));
      emit(opts, status, () => statusText(status));
    });
}
