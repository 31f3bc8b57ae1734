import { actingUser } from '../core/actor.ts';
import { ModelVaultError } from '../core/errors.ts';
import { assertApprovalStage } from '../core/lifecycle.ts';
import type { Stage } from '../core/names.ts';
import type { RegistryScope } from './context.ts';
import { appendEvents } from './events.ts';
import { now, resolveRow, withConflictRetry, type Trx, type VersionRow } from './queries.ts';
import type { Approval, ApprovalStatus } from './types.ts';

const MAX_COMMENT = 2000;

/** Approvals `stage` needs per config.yaml (`lifecycle.approvals`); 0 when none. */
export function approvalsRequired(s: RegistryScope, stage: Stage): number {
  return s.ctx.config.lifecycle.approvals[stage] ?? 0;
}

/**
 * The approvals of a version for `stage`, read in `trx`: each marked stale when evidence was added to the version
 * after it, and counted once per user who is not the version's pusher.
 */
export async function approvalStatus(trx: Trx, name: string, row: VersionRow, stage: Stage, required: number): Promise<ApprovalStatus> {
  const versionId = Number(row.id);
  const [rows, evidence] = await Promise.all([
    trx.selectFrom('approvals').selectAll().where('version_id', '=', versionId).where('stage', '=', stage).orderBy('id').execute(),
    trx.selectFrom('evidence').select(['id', 'kind', 'created_at']).where('version_id', '=', versionId).orderBy('id').execute(),
  ]);
  const approvals: Approval[] = rows.map((a) => {
    const later = evidence.find((e) => Number(e.id) > Number(a.evidence_id));
    return {
      id: Number(a.id),
      stage: a.stage as Stage,
      actor: a.actor,
      comment: a.comment,
      at: a.created_at,
      stale: later !== undefined,
      staleReason: later ? `${later.kind} evidence was added at ${later.created_at}, after this approval` : null,
    };
  });
  const count = new Set(approvals.filter((a) => !a.stale && a.actor !== actingUser(row.created_by)).map((a) => a.actor)).size;
  return { name, version: row.version, stage, pushedBy: row.created_by, required, count, satisfied: count >= required, approvals };
}

/** The refusal of a move to `status.stage` for lack of approvals, or undefined when there are enough. */
export function approvalShortfall(ref: string, status: ApprovalStatus): ModelVaultError | undefined {
  if (status.satisfied) return undefined;
  const current = [...new Set(status.approvals.filter((a) => !a.stale).map((a) => a.actor))];
  const stale = [...new Set(status.approvals.filter((a) => a.stale).map((a) => a.actor))].filter((a) => !current.includes(a));
  const plural = status.required === 1 ? 'approval' : 'approvals';
  const has = `has ${status.count} of ${status.required}${current.length ? ` (${current.join(', ')})` : ''}`;
  const staleText = stale.length ? `; stale because evidence was added after them: ${stale.join(', ')}` : '';
  return new ModelVaultError('policy_violation', `${ref} cannot enter ${status.stage}: it needs ${status.required} ${plural} from users other than its pusher ${status.pushedBy} and ${has}${staleText}`, {
    reference: ref,
    stage: status.stage,
    required: status.required,
    approvedBy: current,
    stale,
    hint: `reviewers other than ${status.pushedBy} approve with \`modelvault approve ${ref} --to ${status.stage}\`; see \`modelvault approvals list ${ref}\``,
  });
}

/**
 * Records the acting user's approval of a version for `stage`. The pusher may not approve their own version, and a
 * user's approval counts once: approving again is refused until new evidence makes the earlier approval stale.
 */
export async function approve(s: RegistryScope, ref: string, stage: Stage, comment?: string): Promise<ApprovalStatus> {
  const target = assertApprovalStage(stage);
  if (comment !== undefined && (typeof comment !== 'string' || comment.length > MAX_COMMENT)) {
    throw new ModelVaultError('invalid_input', `an approval comment must be text of at most ${MAX_COMMENT} characters`, { field: 'comment' });
  }
  return withConflictRetry(() =>
    s.db.transaction().execute(async (trx) => {
      const { model, row } = await resolveRow(trx, ref);
      const exact = `${model.name}@${row.version}`;
      // Approvals belong to the user acted as: an administrator acting for someone approves as them.
      const approver = actingUser(s.actor);
      if (actingUser(row.created_by) === approver) {
        throw new ModelVaultError('forbidden', `${approver} pushed ${exact} and cannot approve it: approvals must come from other users`, {
          reference: exact,
          actor: s.actor,
          hint: `ask a reviewer other than ${approver} to run \`modelvault approve ${exact} --to ${target}\``,
        });
      }
      const versionId = Number(row.id);
      const newest = await trx.selectFrom('evidence').select('id').where('version_id', '=', versionId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      const mark = newest ? Number(newest.id) : 0;
      const earlier = await trx
        .selectFrom('approvals')
        .select('created_at')
        .where('version_id', '=', versionId)
        .where('stage', '=', target)
        .where('actor', '=', approver)
        .where('evidence_id', '>=', mark)
        .executeTakeFirst();
      if (earlier) {
        throw new ModelVaultError('conflict', `${approver} already approved ${exact} for ${target} at ${earlier.created_at}; a user's approval counts once`, {
          reference: exact,
          actor: s.actor,
          hint: `the approval stands until evidence is added to the version; see \`modelvault approvals list ${exact}\``,
        });
      }
      const t = now();
      const inserted = await trx
        .insertInto('approvals')
        .values({ version_id: versionId, stage: target, actor: approver, comment: comment ?? null, evidence_id: mark, created_at: t })
        .returning('id')
        .executeTakeFirstOrThrow();
      await appendEvents(trx, [
        {
          actor: s.actor,
          action: 'version.approve',
          subject: exact,
          model: model.name,
          payload: { stage: target, approval_id: Number(inserted.id), comment: comment ?? null, manifest_digest: row.manifest_digest, evidence_id: mark },
        },
      ], t);
      return approvalStatus(trx, model.name, row, target, approvalsRequired(s, target));
    }),
  );
}

/** The approvals of a version for `stage` (production by default), current and stale. */
export async function listApprovals(s: RegistryScope, ref: string, stage: Stage = 'production'): Promise<ApprovalStatus> {
  const target = assertApprovalStage(stage);
  const { model, row } = await resolveRow(s.db, ref);
  return approvalStatus(s.db, model.name, row, target, approvalsRequired(s, target));
}
