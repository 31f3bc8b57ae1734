import parse from 'semver/functions/parse.js';
import type { ChangeLevel } from './signature-diff.ts';

// Which version bump a change needs. From 1.0.0 on: breaking ⇒ major, additive ⇒ minor, anything else any bump.
// Below 1.0.0 the convention Cargo and npm's caret ranges follow: in 0.y.z (y ≥ 1) the minor number marks a
// breaking change and the patch number everything else; in 0.0.z every release may break. Pre-releases of one
// MAJOR.MINOR.PATCH form one line with their release: the bump is measured between lines.

/** How far one version is from another, by the first of MAJOR, MINOR, PATCH that differs. */
export type Bump = 'major' | 'minor' | 'patch' | 'none';

/** Whether a version's number states its signature change, compared with the version it follows. */
export interface SemverJudgement {
  /** What the signature change means to callers. */
  change: ChangeLevel;
  /** The least bump the change needs from the earlier version. */
  required: Bump;
  /** The bump the later version makes; `downgrade` when it is of an earlier line. */
  bump: Bump | 'downgrade';
  satisfied: boolean;
  /** The lowest version that would state the change, when the later one does not. */
  minimumVersion: string | null;
}

const BUMP_RANK: Record<Bump, number> = { none: 0, patch: 1, minor: 2, major: 3 };

function triple(version: string): [number, number, number] {
  const v = parse(version);
  if (!v) throw new TypeError(`not a semver version: ${version}`);
  return [v.major, v.minor, v.patch];
}

/** The bump from `from` to `to`, or `downgrade` when `to` belongs to an earlier MAJOR.MINOR.PATCH. */
export function bumpBetween(from: string, to: string): Bump | 'downgrade' {
  const a = triple(from);
  const b = triple(to);
  const parts: Bump[] = ['major', 'minor', 'patch'];
  for (let i = 0; i < 3; i++) {
    if (b[i]! > a[i]!) return parts[i]!;
    if (b[i]! < a[i]!) return 'downgrade';
  }
  return 'none';
}

/** The least bump from `base` a change of `change` needs (0.x: the minor number marks a breaking change). */
export function requiredBump(change: ChangeLevel, base: string): Bump {
  if (change === 'patch') return 'none';
  const [major, minor] = triple(base);
  if (major >= 1) return change;
  if (minor >= 1) return change === 'major' ? 'minor' : 'patch';
  return 'patch';
}

/** The lowest version that is `bump` above `base`, or null for no bump. */
export function minimumVersion(base: string, bump: Bump): string | null {
  const [major, minor, patch] = triple(base);
  switch (bump) {
    case 'major':
      return `${major + 1}.0.0`;
    case 'minor':
      return `${major}.${minor + 1}.0`;
    case 'patch':
      return `${major}.${minor}.${patch + 1}`;
    case 'none':
      return null;
  }
}

/** Whether `to`, following `from`, states a signature change of `change`. */
export function judgeSemver(from: string, to: string, change: ChangeLevel): SemverJudgement {
  const required = requiredBump(change, from);
  const bump = bumpBetween(from, to);
  const satisfied = bump !== 'downgrade' && BUMP_RANK[bump] >= BUMP_RANK[required];
  return { change, required, bump, satisfied, minimumVersion: satisfied ? null : minimumVersion(from, required) };
}
