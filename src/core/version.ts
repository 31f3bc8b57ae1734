// The three functions alone: the whole package is ~50 modules, a sixth of the CLI's start-up.
import coerce from 'semver/functions/coerce.js';
import compare from 'semver/functions/compare.js';
import valid from 'semver/functions/valid.js';
import { ModelVaultError } from './errors.ts';

/** The shape of a version as written in a path: `MAJOR.MINOR.PATCH` with an optional leading "v" and suffix (assertVersion decides). */
export const VERSION_TEXT_PATTERN = /^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$/;

/** Throws `invalid_version` unless `v` is a strict semver `MAJOR.MINOR.PATCH[-pre]` (no leading "v", no `+build`: it would name two versions of equal precedence). */
export function assertVersion(v: string): string {
  if (typeof v !== 'string' || v.length > 128 || valid(v) !== v) {
    const cleaned = typeof v === 'string' ? valid(coerce(v)) : null;
    throw new ModelVaultError('invalid_version', `version ${JSON.stringify(v)} is not semantic versioning (MAJOR.MINOR.PATCH)`, {
      version: v,
      hint: cleaned ? `did you mean ${cleaned}?` : 'use MAJOR.MINOR.PATCH, e.g. 1.0.0',
    });
  }
  return v;
}

/** True when `v` looks like a semver version. */
export function isVersion(v: string): boolean {
  return valid(v) === v;
}
