import { ModelVaultError } from '../core/errors.ts';
import { diffSignatures } from '../core/signature-diff.ts';
import { bumpBetween, judgeSemver } from '../core/version-bump.ts';
import { diffFiles, diffMetadata, diffMetrics } from '../core/version-diff.ts';
import type { RegistryScope } from './context.ts';
import { resolveRow } from './queries.ts';
import type { VersionDetail, VersionDiff } from './types.ts';
import { previousVersion } from './version-signature.ts';
import { getVersionSnapshot } from './versions.ts';

// Metadata fields the diff reports on their own or in its header.
const REPORTED_APART = ['name', 'version', 'metrics', 'signature'];

/** The reference of the version `ref` follows (the one a push compares its signature with); `not_found` when it is the first. */
async function previousRef(s: RegistryScope, ref: string): Promise<string> {
  const { model, row } = await resolveRow(s.db, ref);
  const previous = await previousVersion(s.db, model.id, row.version);
  if (!previous) {
    throw new ModelVaultError('not_found', `${model.name}@${row.version} is the first version of ${model.name}: there is no earlier version to compare it with`, {
      reference: `${model.name}@${row.version}`,
      hint: `name the version to compare with, e.g. \`modelvault diff ${model.name}@OTHER ${model.name}@${row.version}\``,
    });
  }
  return `${model.name}@${previous.version}`;
}

/** The semver verdict of `to` following `from`: only for two versions of one model, the later after the earlier. */
function semverOf(from: VersionDetail, to: VersionDetail, level: VersionDiff['signature']['level']): VersionDiff['semver'] {
  if (from.name !== to.name || bumpBetween(from.version, to.version) === 'downgrade') return null;
  return judgeSemver(from.version, to.version, level);
}

/** What changed from `against` (default: the version `ref` follows) to `ref`. */
export async function diffVersions(s: RegistryScope, ref: string, against?: string): Promise<VersionDiff> {
  const base = against ?? (await previousRef(s, ref));
  const [from, to] = (await Promise.all([getVersionSnapshot(s, base), getVersionSnapshot(s, ref)])).map((v) => v.detail) as [VersionDetail, VersionDetail];
  const signature = diffSignatures(from.signature, to.signature);
  return {
    from: { name: from.name, version: from.version, manifestDigest: from.manifestDigest },
    to: { name: to.name, version: to.version, manifestDigest: to.manifestDigest },
    files: diffFiles(from.files, to.files),
    metadata: diffMetadata(from.metadata, to.metadata, REPORTED_APART),
    metrics: diffMetrics(from.metadata.metrics, to.metadata.metrics),
    signature: { before: from.signature, after: to.signature, level: signature.level, changes: signature.changes },
    semver: semverOf(from, to, signature.level),
  };
}
