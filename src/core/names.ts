import { ModelVaultError } from './errors.ts';

/** A model or dataset name: lower-case, starts with a letter or digit, at most 128 characters. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** An alias: like a name but starting with a letter, so it never looks like a version. */
export const ALIAS_PATTERN = /^[a-z][a-z0-9._-]{0,127}$/;

/** A tag key: letters, digits, ".", "_", "/" or "-", at most 64 characters. */
export const TAG_KEY_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._/-]{0,63}$/;

/** Lifecycle stages, in their natural order. */
export const STAGES = ['development', 'validation', 'staging', 'production', 'archived'] as const;
/** One lifecycle stage. */
export type Stage = (typeof STAGES)[number];

/** Aliases the registry maintains itself. */
export const RESERVED_ALIASES = ['latest'] as const;

/** Throws `invalid_name` unless `name` follows the naming rule. */
export function assertName(name: string, what = 'model name'): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name.includes('..')) {
    throw new ModelVaultError('invalid_name', `${what} ${JSON.stringify(name)} is not valid`, {
      name,
      hint: 'use 1-128 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit (no "..")',
    });
  }
  return name;
}

/** True when `s` is a lifecycle stage. */
export function isStage(s: string): s is Stage {
  return (STAGES as readonly string[]).includes(s);
}

/** Throws `invalid_input` unless `s` is a lifecycle stage. */
export function assertStage(s: string): Stage {
  if (!isStage(s)) {
    throw new ModelVaultError('invalid_input', `${JSON.stringify(s)} is not a stage`, { stage: s, hint: `use one of: ${STAGES.join(', ')}` });
  }
  return s;
}

/** Throws `invalid_name` unless `alias` is usable as an alias (not a stage, not version-like, not reserved). */
export function assertAlias(alias: string): string {
  assertName(alias, 'alias');
  if (isStage(alias) || (RESERVED_ALIASES as readonly string[]).includes(alias)) {
    throw new ModelVaultError('invalid_name', `alias ${JSON.stringify(alias)} is reserved`, { alias, hint: 'pick a name that is not a stage or "latest", e.g. champion' });
  }
  if (/^v?\d/.test(alias)) {
    throw new ModelVaultError('invalid_name', `alias ${JSON.stringify(alias)} looks like a version`, { alias, hint: 'aliases must start with a letter, e.g. champion or challenger' });
  }
  return alias;
}

/** Tags are short key=value labels; keys follow the name rule, values are printable and short. */
export function assertTag(key: string, value: string): void {
  if (!TAG_KEY_PATTERN.test(key)) {
    throw new ModelVaultError('invalid_input', `tag key ${JSON.stringify(key)} is not valid`, { tag: key, hint: 'use 1-64 characters of letters, digits, ".", "_", "/" or "-"' });
  }
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length > 256 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new ModelVaultError('invalid_input', `tag ${key} has an invalid value`, { tag: key, hint: 'use at most 256 printable characters' });
  }
}
