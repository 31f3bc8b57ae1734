import { ModelVaultError } from './errors.ts';
import { ALIAS_PATTERN, assertName, isStage, type Stage } from './names.ts';
import { isVersion } from './version.ts';

/** What may follow `@` in a reference: a version, a stage, an alias or `latest` (checked further by parseReference). */
export const SELECTOR_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** A parsed reference to a model version. */
export type Reference =
  | { name: string; kind: 'version'; version: string }
  | { name: string; kind: 'stage'; stage: Stage }
  | { name: string; kind: 'latest' }
  | { name: string; kind: 'alias'; alias: string };

/** Parses `name@1.2.0`, `name@production`, `name@champion`, `name@latest` (bare `name` means latest). */
export function parseReference(ref: string): Reference {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > 300) {
    throw new ModelVaultError('invalid_reference', `reference ${JSON.stringify(ref)} is not valid`, { reference: ref, hint: 'use NAME@VERSION, NAME@STAGE, NAME@ALIAS or NAME@latest' });
  }
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const selector = at < 0 ? 'latest' : ref.slice(at + 1);
  try {
    assertName(name);
  } catch (e) {
    throw new ModelVaultError('invalid_reference', `reference ${JSON.stringify(ref)}: ${(e as Error).message}`, { reference: ref, hint: 'use NAME@VERSION, NAME@STAGE, NAME@ALIAS or NAME@latest' });
  }
  if (selector === 'latest') return { name, kind: 'latest' };
  if (isStage(selector)) return { name, kind: 'stage', stage: selector };
  const v = selector.startsWith('v') && isVersion(selector.slice(1)) ? selector.slice(1) : selector;
  if (isVersion(v)) return { name, kind: 'version', version: v };
  if (ALIAS_PATTERN.test(selector)) return { name, kind: 'alias', alias: selector };
  throw new ModelVaultError('invalid_reference', `reference ${JSON.stringify(ref)}: ${JSON.stringify(selector)} is neither a version, a stage nor an alias`, {
    reference: ref,
    hint: 'use NAME@1.2.0, NAME@production, NAME@champion or NAME@latest',
  });
}

/** Formats a reference back to its text form. */
export function formatReference(r: Reference): string {
  switch (r.kind) {
    case 'version':
      return `${r.name}@${r.version}`;
    case 'stage':
      return `${r.name}@${r.stage}`;
    case 'latest':
      return `${r.name}@latest`;
    case 'alias':
      return `${r.name}@${r.alias}`;
  }
}
