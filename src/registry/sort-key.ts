import parse from 'semver/functions/parse.js';

const pad = (n: number | string): string => String(n).padStart(12, '0');

/**
 * A text key whose byte order equals semver precedence, so "latest" is one indexed lookup.
 * Pre-release identifiers: numeric ones sort before alphanumeric ones, and a release after all its pre-releases.
 */
export function versionSortKey(version: string): string {
  const v = parse(version);
  if (!v) throw new TypeError(`not a semver version: ${version}`);
  const core = `${pad(v.major)}.${pad(v.minor)}.${pad(v.patch)}`;
  if (v.prerelease.length === 0) return `${core}~`;
  // \u0001 separates identifiers and sorts below every character an identifier may contain.
  const pre = v.prerelease.map((id) => (typeof id === 'number' ? `0${pad(id)}` : `1${id}`)).join('\u0001');
  return `${core}!${pre}`;
}

/**
 * The lowest key of `version`'s MAJOR.MINOR.PATCH line: every version of an earlier line sorts below it, every
 * pre-release of the line and the release itself above (a pre-release key continues the line with `!`, a release with `~`).
 */
export function lineFloorKey(version: string): string {
  const v = parse(version);
  if (!v) throw new TypeError(`not a semver version: ${version}`);
  return `${pad(v.major)}.${pad(v.minor)}.${pad(v.patch)}!`;
}
