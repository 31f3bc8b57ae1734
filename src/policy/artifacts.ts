import path from 'node:path';
import { isDigest, type Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { safeRelativePath } from '../core/paths.ts';
import type { MetadataSource } from './metadata-file.ts';
import type { ArtifactLookup, ModelSource } from './model-source.ts';
import { NAMING_CONVENTION, namingConventionViolation } from './naming-convention.ts';
import { formatFieldPath, makeProblem, type FieldPath } from './problem.ts';
import type { PolicyOptions, Problem } from './types.ts';

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** True when the lookup found a directory (a SavedModel, or one the policy refuses), which has no single digest. */
function isDirectory(found: ArtifactLookup): boolean {
  return found.kind === 'saved-model' || (found.kind === 'problem' && found.directory === true);
}

/**
 * Checks every artifact the metadata lists against the model source: a safe relative path, listed once, present as
 * a regular file (or a SavedModel directory), matching its declared sha256 and `training_hash`, and named by convention.
 */
export async function checkArtifacts(source: MetadataSource, model: ModelSource, options: Required<Pick<PolicyOptions, 'verifyChecksums' | 'namingConvention'>>): Promise<Problem[]> {
  const meta = asRecord(source.data);
  const artifacts = meta?.artifacts;
  if (!meta || !Array.isArray(artifacts)) return [];
  const problems: Problem[] = [];
  const at = (rule: string, field: FieldPath, message: string, hint?: string): void => {
    problems.push(makeProblem(rule, source.file, message, { field: formatFieldPath(field), position: source.locate(field), hint }));
  };
  const seen = new Map<string, number>();
  const regularFiles = new Map<number, { rel: string; digest(): Promise<Digest> }>();

  for (const [i, entry] of artifacts.entries()) {
    const obj = asRecord(entry);
    const raw = typeof entry === 'string' ? entry : typeof obj?.path === 'string' ? obj.path : undefined;
    if (raw === undefined) continue;
    const field: FieldPath = typeof entry === 'string' ? ['artifacts', i] : ['artifacts', i, 'path'];
    let rel: string;
    try {
      rel = safeRelativePath(raw);
    } catch (e) {
      if (!(e instanceof ModelVaultError)) throw e;
      const hint = e.details.hint;
      at('artifact-path', field, e.message, typeof hint === 'string' ? hint : undefined);
      continue;
    }
    const previous = seen.get(rel);
    if (previous !== undefined) {
      at('artifact-duplicate', field, `"${rel}" is already listed as artifacts[${previous}]`, `remove artifacts[${i}]`);
      continue;
    }
    seen.set(rel, i);

    const found = await model.artifact(rel);
    if (found.kind === 'problem') at(found.rule, field, found.message, found.hint);
    if (found.kind === 'file') regularFiles.set(i, { rel, digest: found.digest });

    if (options.namingConvention === 'warn' && typeof meta.name === 'string' && meta.name !== '' && !isDirectory(found)) {
      const bad = namingConventionViolation(rel, { name: meta.name, version: meta.version, createdAt: meta.created_at });
      if (bad) at('naming-convention', field, `file name "${path.posix.basename(rel)}" ${bad.reason}; expected ${NAMING_CONVENTION}`, `rename it, e.g. to ${bad.expected}`);
    }

    const checksum = typeof obj?.checksum === 'string' ? obj.checksum.toLowerCase() : undefined;
    if (options.verifyChecksums && checksum !== undefined && isDigest(checksum)) {
      const checksumField: FieldPath = ['artifacts', i, 'checksum'];
      if (isDirectory(found)) {
        at('checksum-unverifiable', checksumField, `"${rel}" is a directory, so its checksum cannot be verified`, 'remove the checksum or list the files inside the directory');
      } else if (found.kind === 'file') {
        try {
          const actual = await found.digest();
          if (actual !== checksum) {
            at('checksum-mismatch', checksumField, `"${rel}" has ${actual} but the metadata says ${checksum}`, `restore the original file, or if it changed on purpose set checksum: ${actual}`);
          }
        } catch (e) {
          at('artifact-unreadable', field, `"${rel}" cannot be read (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`, 'check the permissions of the file');
        }
      }
    }
  }

  const trainingHash = typeof meta.training_hash === 'string' ? meta.training_hash.toLowerCase() : undefined;
  const only = regularFiles.get(0);
  if (options.verifyChecksums && trainingHash !== undefined && isDigest(trainingHash) && artifacts.length === 1 && only !== undefined) {
    try {
      const actual = await only.digest();
      if (actual !== trainingHash) {
        at('checksum-mismatch', ['training_hash'], `the only artifact "${only.rel}" has ${actual} but training_hash says ${trainingHash}`, `restore the trained artifact, or set training_hash: ${actual} if it changed on purpose`);
      }
    } catch (e) {
      at('artifact-unreadable', ['artifacts', 0], `the artifact cannot be read (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`, 'check the permissions of the file');
    }
  }
  return problems;
}

/**
 * The sha256 the metadata declares for each artifact path: `artifacts[].checksum`, and `training_hash` when it is a
 * digest and there is exactly one artifact. Declarations only, unchecked; the checksum checks above verify them.
 */
export function declaredDigests(metadata: Record<string, unknown>): Map<string, Digest> {
  const out = new Map<string, Digest>();
  const artifacts = Array.isArray(metadata.artifacts) ? metadata.artifacts : [];
  const pathOf = (entry: unknown): string | undefined => (typeof entry === 'string' ? entry : typeof asRecord(entry)?.path === 'string' ? (asRecord(entry)!.path as string) : undefined);
  for (const entry of artifacts) {
    const path = pathOf(entry);
    const checksum = asRecord(entry)?.checksum;
    if (path !== undefined && typeof checksum === 'string' && isDigest(checksum.toLowerCase())) out.set(path, checksum.toLowerCase() as Digest);
  }
  const trainingHash = typeof metadata.training_hash === 'string' ? metadata.training_hash.toLowerCase() : undefined;
  const only = artifacts.length === 1 ? pathOf(artifacts[0]) : undefined;
  if (only !== undefined && trainingHash !== undefined && isDigest(trainingHash) && !out.has(only)) out.set(only, trainingHash as Digest);
  return out;
}

const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/** Warns when `dataset_manifest` names a local file that does not exist; URLs are not fetched. */
export async function checkDatasetManifest(source: MetadataSource, model: ModelSource): Promise<Problem[]> {
  const manifest = asRecord(source.data)?.dataset_manifest;
  if (typeof manifest !== 'string' || manifest === '' || URL_LIKE.test(manifest)) return [];
  if (await model.exists(manifest)) return [];
  return [
    makeProblem('dataset-manifest-missing', source.file, `"${manifest}" does not exist`, {
      field: 'dataset_manifest',
      position: source.locate(['dataset_manifest']),
      hint: 'add the dataset manifest, fix the path (relative to the model directory), or use a URL',
    }),
  ];
}
