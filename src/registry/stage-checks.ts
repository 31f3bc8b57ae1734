import type { Digest } from '../core/digest.ts';
import { ModelVaultError, type ErrorCode } from '../core/errors.ts';
import { APPROVAL_STAGES } from '../core/lifecycle.ts';
import type { Stage } from '../core/names.ts';
import { approvalShortfall, approvalStatus, approvalsRequired } from './approvals.ts';
import type { RegistryScope } from './context.ts';
import { latestEvidenceRefs } from './move-record.ts';
import { evidenceOf, filesOf, type Trx, type VersionRow } from './queries.ts';
import type { MissingCheck, MoveRecord, PendingTransition, RegistryHooks, StageOptions } from './types.ts';

/** Codes by which a check refuses a transition; anything else a hook throws is a failure, not a refusal, and stops the move. */
const REFUSAL_CODES: ReadonlySet<ErrorCode> = new Set(['policy_violation', 'gate_failed', 'verification_failed', 'validation_failed']);

/** A check that refused, with its error. */
interface Refusal {
  check: string;
  error: ModelVaultError;
}

/** The name a hook's refusals are listed under: its own, else one read from the error's code. */
function checkName(hook: RegistryHooks, err: ModelVaultError): string {
  return hook.check ?? (err.code === 'gate_failed' ? 'gates' : 'policy');
}

function missingOf(r: Refusal): MissingCheck {
  const hint = r.error.details.hint;
  return { check: r.check, code: r.error.code, message: r.error.message, ...(typeof hint === 'string' ? { hint } : {}) };
}

/** Throws `usage` when a move is forced without a reason: a forced move is recorded with why. */
export function assertForceReason(ref: string, to: Stage, reason: string | undefined, options: StageOptions): void {
  if (options.force && (reason === undefined || reason.trim() === '')) {
    throw new ModelVaultError('usage', `forcing ${ref} into ${to} needs a reason: it is recorded with the move`, { reference: ref, stage: to, hint: 'add --reason TEXT (over HTTP: "reason" in the request body)' });
  }
}

/**
 * One error for every check that refused a move. A single refusal keeps its own code, message and details; several
 * are listed one per line under the first one's code. Either way `details.missing` lists them all.
 */
function refusalError(ref: string, to: Stage, rollback: boolean, refusals: Refusal[]): ModelVaultError {
  const missing = refusals.map(missingOf);
  const [first] = refusals as [Refusal, ...Refusal[]];
  if (refusals.length === 1) return new ModelVaultError(first.error.code, first.error.message, { ...first.error.details, missing }, { cause: first.error });
  const problems = refusals.flatMap((r) => (Array.isArray(r.error.details.problems) ? (r.error.details.problems as unknown[]) : []));
  const hints = missing.filter((m) => m.hint).map((m) => `${m.check}: ${m.hint}`);
  return new ModelVaultError(
    first.error.code,
    `${ref} cannot enter ${to}${rollback ? ' by rollback' : ''}: ${refusals.length} checks refuse it\n${missing.map((m) => `  - ${m.check}: ${m.message}`).join('\n')}`,
    { reference: ref, stage: to, missing, ...(problems.length ? { problems } : {}), ...(hints.length ? { hint: hints.join('; ') } : {}) },
  );
}

/**
 * Runs every check on a move of `row` to `to`: the approvals it needs, then each capability's gate, all of them even
 * after one refuses. Refusals become one error, unless the move is forced (with a reason): then it goes ahead and
 * its record names what was missing. Returns what the move relied on.
 */
export async function checkMove(s: RegistryScope, trx: Trx, modelName: string, row: VersionRow, to: Stage, rollback: boolean, options: StageOptions): Promise<MoveRecord> {
  const ref = `${modelName}@${row.version}`;
  const id = Number(row.id);
  const refusals: Refusal[] = [];
  let approvals: MoveRecord['approvals'] = [];
  if (APPROVAL_STAGES.includes(to)) {
    const status = await approvalStatus(trx, modelName, row, to, approvalsRequired(s, to));
    approvals = status.approvals.filter((a) => !a.stale && a.actor !== status.pushedBy).map((a) => ({ actor: a.actor, at: a.at, comment: a.comment }));
    const short = approvalShortfall(ref, status);
    if (short) refusals.push({ check: 'approvals', error: short });
  }
  const hooks = (s.ctx.hooks ?? []).filter((h) => h.beforeStage);
  if (hooks.length > 0) {
    const [files, evidence] = await Promise.all([filesOf(trx, id), evidenceOf(trx, id)]);
    const pending: PendingTransition = { name: modelName, version: row.version, from: row.stage as Stage, to, manifestDigest: row.manifest_digest as Digest, files, evidence, rollback, db: trx };
    for (const h of hooks) {
      try {
        await h.beforeStage!(pending);
      } catch (err) {
        if (!(err instanceof ModelVaultError) || !REFUSAL_CODES.has(err.code)) throw err;
        refusals.push({ check: checkName(h, err), error: err });
      }
    }
  }
  if (refusals.length > 0 && !options.force) throw refusalError(ref, to, rollback, refusals);
  const record: MoveRecord = { approvals, evidence: await latestEvidenceRefs(trx, id) };
  if (options.force) record.missing = refusals.map(missingOf);
  return record;
}
