import { ModelVaultError } from './errors.ts';
import type { Stage } from './names.ts';

/** Allowed stage transitions; `rollback` may additionally bring an archived or staging version back to production. */
export const TRANSITIONS: Readonly<Record<Stage, readonly Stage[]>> = {
  development: ['validation', 'archived'],
  validation: ['staging', 'development', 'archived'],
  staging: ['production', 'validation', 'archived'],
  production: ['staging', 'archived'],
  archived: ['development', 'staging'],
};

/** True when a version may move from `from` to `to`. */
export function canTransition(from: Stage, to: Stage): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws `invalid_transition` unless `from → to` is allowed. */
export function assertTransition(ref: string, from: Stage, to: Stage): void {
  if (from === to) {
    throw new ModelVaultError('invalid_transition', `${ref} is already in ${to}`, { reference: ref, from, to, hint: 'nothing to do' });
  }
  if (!canTransition(from, to)) {
    const allowed = TRANSITIONS[from];
    throw new ModelVaultError('invalid_transition', `${ref} cannot move from ${from} to ${to}`, {
      reference: ref,
      from,
      to,
      hint: `from ${from} a version may move to: ${allowed.join(', ')}`,
    });
  }
}

/** Stages a version may be approved for; promotion there can require approvals (`lifecycle.approvals`). */
export const APPROVAL_STAGES: readonly Stage[] = ['production'];

/** Throws `invalid_input` unless `stage` is one a version can be approved for. */
export function assertApprovalStage(stage: string): Stage {
  if (!(APPROVAL_STAGES as readonly string[]).includes(stage)) {
    throw new ModelVaultError('invalid_input', `approvals are given for ${APPROVAL_STAGES.join(', ')}, not ${JSON.stringify(stage)}`, {
      stage,
      hint: `use --to ${APPROVAL_STAGES[0]}`,
    });
  }
  return stage as Stage;
}
