import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isDigest, type Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { safeRelativePath } from '../core/paths.ts';
import { resolveInside, type Resolution } from './contained-path.ts';
import type { MetadataSource } from './metadata-file.ts';
import { NAMING_CONVENTION, namingConventionViolation } from './naming-convention.ts';
import { formatFieldPath, makeProblem, type FieldPath } from './problem.ts';
import type { PolicyOptions, Problem } from './types.ts';

/** Streams a file through sha256. */
export async function sha256File(file: string): Promise<Digest> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return `sha256:${hash.digest('hex')}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

async function isSavedModel(dir: string): Promise<boolean> {
  return (await exists(path.join(dir, 'saved_model.pb'))) || (await exists(path.join(dir, 'saved_model.pbtxt')));
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Checks every artifact the metadata lists: a safe relative path, present, a regular file (or a SavedModel
 * directory), not reached through a link that leaves the directory, matching its declared sha256, and named by convention.
 */
export async function checkArtifacts(source: MetadataSource, dirReal: string, options: Required<Pick<PolicyOptions, 'verifyChecksums' | 'namingConvention'>> & Pick<PolicyOptions, 'digestOf'>): Promise<Problem[]> {
  const meta = asRecord(source.data);
  const artifacts = meta?.artifacts;
  if (!meta || !Array.isArray(artifacts)) return [];
  const problems: Problem[] = [];
  const at = (rule: string, field: FieldPath, message: string, hint?: string): void => {
    problems.push(makeProblem(rule, source.file, message, { field: formatFieldPath(field), position: source.locate(field), hint }));
  };
  const hashes = new Map<string, Promise<Digest>>();
  const hashOf = (real: string): Promise<Digest> => {
    let h = hashes.get(real);
    if (!h) {
      const known = options.digestOf?.(real);
      h = known !== undefined ? Promise.resolve(known) : sha256File(real);
      hashes.set(real, h);
    }
    return h;
  };
  const seen = new Map<string, number>();
  const regularFiles = new Map<number, { rel: string; real: string }>();

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

    const where: Resolution = await resolveInside(dirReal, rel);
    let isFile = false;
    switch (where.kind) {
      case 'missing': {
        const dvc = await exists(path.join(dirReal, `${rel}.dvc`));
        at('artifact-missing', field, `"${rel}" does not exist in the model directory`, dvc ? `${rel}.dvc is present: run \`dvc pull\` to fetch the file` : 'add the file or fix the path in the metadata');
        break;
      }
      case 'dangling':
        at('artifact-missing', field, `"${rel}" is a symbolic link to "${where.target}", which does not exist`, 'replace the link with the file itself');
        break;
      case 'outside':
        at('artifact-outside', field, `"${rel}" resolves to ${where.real}, outside the model directory`, 'copy the file into the model directory instead of linking to it');
        break;
      case 'unreadable':
        at('artifact-unreadable', field, `"${rel}" cannot be read (${where.code})`, 'check the permissions of the file and the links leading to it');
        break;
      case 'inside':
        if (where.stats.isFile()) {
          isFile = true;
          regularFiles.set(i, { rel, real: where.real });
        } else if (!(where.stats.isDirectory() && (await isSavedModel(where.real)))) {
          const what = where.stats.isDirectory() ? 'a directory without saved_model.pb' : 'not a regular file';
          at('artifact-type', field, `"${rel}" is ${what}`, 'list the model files themselves; only a TensorFlow SavedModel directory may be listed as a directory');
        }
        break;
    }

    if (options.namingConvention === 'warn' && typeof meta.name === 'string' && meta.name !== '' && !(where.kind === 'inside' && where.stats.isDirectory())) {
      const bad = namingConventionViolation(rel, { name: meta.name, version: meta.version, createdAt: meta.created_at });
      if (bad) at('naming-convention', field, `file name "${path.posix.basename(rel)}" ${bad.reason}; expected ${NAMING_CONVENTION}`, `rename it, e.g. to ${bad.expected}`);
    }

    const checksum = typeof obj?.checksum === 'string' ? obj.checksum.toLowerCase() : undefined;
    if (options.verifyChecksums && checksum !== undefined && isDigest(checksum) && where.kind === 'inside') {
      const checksumField: FieldPath = ['artifacts', i, 'checksum'];
      if (!isFile) {
        at('checksum-unverifiable', checksumField, `"${rel}" is a directory, so its checksum cannot be verified`, 'remove the checksum or list the files inside the directory');
      } else {
        try {
          const actual = await hashOf(where.real);
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
      const actual = await hashOf(only.real);
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
export async function checkDatasetManifest(source: MetadataSource, dirReal: string): Promise<Problem[]> {
  const manifest = asRecord(source.data)?.dataset_manifest;
  if (typeof manifest !== 'string' || manifest === '' || URL_LIKE.test(manifest)) return [];
  if (await exists(path.resolve(dirReal, manifest))) return [];
  return [
    makeProblem('dataset-manifest-missing', source.file, `"${manifest}" does not exist`, {
      field: 'dataset_manifest',
      position: source.locate(['dataset_manifest']),
      hint: 'add the dataset manifest, fix the path (relative to the model directory), or use a URL',
    }),
  ];
}
