import { formatFieldPath, type FieldPath } from '../core/field-path.ts';
import { ruleInfo } from './rules.ts';
import type { Position, Problem, Severity } from './types.ts';

export { formatFieldPath, type FieldPath };

/** Builds a problem, taking its severity from the rule catalogue unless told otherwise, and leaving unknown fields out. */
export function makeProblem(
  rule: string,
  file: string,
  message: string,
  extra: { field?: string | undefined; position?: Position | undefined; hint?: string | undefined; severity?: Severity } = {},
): Problem {
  const p: Problem = { severity: extra.severity ?? ruleInfo(rule)?.severity ?? 'error', rule, file, message };
  if (extra.field !== undefined && extra.field !== '') p.field = extra.field;
  if (extra.position) {
    p.line = extra.position.line;
    p.column = extra.position.column;
  }
  if (extra.hint !== undefined) p.hint = extra.hint;
  return p;
}
