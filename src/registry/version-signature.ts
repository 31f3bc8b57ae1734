import { ModelVaultError } from '../core/errors.ts';
import type { ManifestEntry } from '../core/manifest.ts';
import { safeRelativePath } from '../core/paths.ts';
import type { ModelSignature } from '../core/signature.ts';
import { diffSignatures, type SignatureChange } from '../core/signature-diff.ts';
import { judgeSemver, type SemverJudgement } from '../core/version-bump.ts';
import { PbError, readStoredOnnxSignature } from '../formats/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Trx } from './queries.ts';
import { lineFloorKey } from './sort-key.ts';

/** The artifact path of a `metadata.artifacts` entry (a path, or `{ path, checksum }`), normalised; undefined when it is not one. */
function artifactPath(entry: unknown): string | undefined {
  const raw = typeof entry === 'string' ? entry : typeof (entry as { path?: unknown } | null)?.path === 'string' ? (entry as { path: string }).path : undefined;
  if (raw === undefined) return undefined;
  try {
    return safeRelativePath(raw);
  } catch {
    return undefined;
  }
}

/** The version's primary model file: the first of `metadata.artifacts` that it holds, else its only ONNX file. */
export function primaryModelFile(metadata: Record<string, unknown>, files: readonly ManifestEntry[]): ManifestEntry | undefined {
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const entry of Array.isArray(metadata.artifacts) ? metadata.artifacts : []) {
    const path = artifactPath(entry);
    const file = path === undefined ? undefined : byPath.get(path);
    if (file) return file;
  }
  const onnx = files.filter((f) => f.format === 'onnx');
  return onnx.length === 1 ? onnx[0] : undefined;
}

/**
 * A version's signature, computed by the registry: read from the stored bytes when the primary model file is
 * ONNX, else the one `metadata.signature` declares (`declared`), else null. An ONNX file that cannot be decoded
 * falls back to the declared signature: its bytes say nothing a caller could rely on.
 */
export async function computeSignature(blobs: BlobStore, metadata: Record<string, unknown>, files: readonly ManifestEntry[], declared: ModelSignature | undefined): Promise<ModelSignature | null> {
  const primary = primaryModelFile(metadata, files);
  if (primary?.format === 'onnx') {
    try {
      return { source: 'onnx', file: primary.path, ...(await readStoredOnnxSignature(blobs, primary.digest)) };
    } catch (err) {
      if (!(err instanceof PbError)) throw err;
    }
  }
  return declared ?? null;
}

/** A stored version's number and signature. */
export interface VersionSignatureRow {
  version: string;
  signature: ModelSignature | null;
}

/** Parses a `signature_json` column. */
export function parseSignature(json: string | null): ModelSignature | null {
  return json === null ? null : (JSON.parse(json) as ModelSignature);
}

/**
 * The version `version` of a model follows: the highest one of an earlier MAJOR.MINOR.PATCH (pre-releases of the
 * same line, such as 2.0.0-rc.1 for 2.0.0, belong to its line and are passed over). Undefined when there is none.
 */
export async function previousVersion(db: Trx, modelId: number, version: string): Promise<VersionSignatureRow | undefined> {
  const row = await db
    .selectFrom('versions')
    .select(['version', 'signature_json'])
    .where('model_id', '=', modelId)
    .where('sort_key', '<', lineFloorKey(version))
    .orderBy('sort_key', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { version: row.version, signature: parseSignature(row.signature_json) } : undefined;
}

/** The outcome of the semver check of a push. */
export interface SemverCheck {
  previous: string;
  judgement: SemverJudgement;
  changes: SignatureChange[];
}

const CONSEQUENCE = { major: 'this breaks callers', minor: 'this adds to what callers can use', patch: '' } as const;

/** Compares the signature of `name@version` with the version it follows and judges whether the version number states the change. */
export function semverCheck(previous: VersionSignatureRow, version: string, signature: ModelSignature | null): SemverCheck {
  const diff = diffSignatures(previous.signature, signature);
  return { previous: previous.version, judgement: judgeSemver(previous.version, version, diff.level), changes: diff.changes };
}

/** `policy_violation` for a version whose number under-states its signature change, naming the change and the version that would state it. */
export function understatedVersion(name: string, version: string, check: SemverCheck): ModelVaultError {
  const { judgement, previous } = check;
  const worst = check.changes.filter((c) => c.level === judgement.change);
  const first = worst[0]!;
  const more = check.changes.length > 1 ? ` (and ${check.changes.length - 1} more change${check.changes.length > 2 ? 's' : ''})` : '';
  const preOne = previous.startsWith('0.') && judgement.change === 'major' ? ' (below 1.0.0 a minor bump marks a breaking change)' : '';
  return new ModelVaultError(
    'policy_violation',
    `${name}@${version}: ${first.message} since ${previous}${more}: ${CONSEQUENCE[judgement.change]}; push as ${judgement.minimumVersion} or later${preOne}`,
    {
      rule: 'semver',
      reference: `${name}@${version}`,
      previous: `${name}@${previous}`,
      change: judgement.change,
      required: judgement.required,
      minimumVersion: judgement.minimumVersion,
      changes: check.changes,
      hint: `bump the version to ${judgement.minimumVersion} or later; an admin can keep ${version} with --force --reason TEXT`,
    },
  );
}
