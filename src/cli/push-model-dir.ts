import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { assertName } from '../core/names.ts';
import { assertVersion } from '../core/version.ts';
import { detectFileFormat } from '../formats/index.ts';
import { declaredDigests, type Problem } from '../policy/index.ts';
import { listModelFiles, storeModelFiles, type BlobTransport, type LocalFile, type ManifestEntry, type RegisterResult, type RegistryApi, type RegistryConfig } from '../registry/index.ts';
import { loadValidModelDir } from './model-dir.ts';

/** Where and how to push a model directory. */
export interface PushDirOptions {
  api: RegistryApi;
  transport: BlobTransport;
  config: RegistryConfig;
  /** Register under this name / version instead of the metadata's. */
  name?: string;
  version?: string;
  /** Register even when the version number under-states its signature change, for `reason`. */
  force?: boolean;
  reason?: string;
  /** Called once the files are known; returns the per-file progress callback. */
  onFiles?: (files: LocalFile[]) => (index: number, bytes: number) => void;
}

/** What a push registered. */
export interface PushDirResult {
  result: RegisterResult;
  files: ManifestEntry[];
  warnings: Problem[];
}

/** The digests a version already registered under `ref` holds, by path and size; empty when there is none. */
async function registeredDigests(api: RegistryApi, ref: string): Promise<Map<string, { digest: Digest; size: number }>> {
  try {
    return new Map((await api.getVersion(ref)).files.map((f) => [f.path, { digest: f.digest, size: f.size }]));
  } catch (err) {
    if (err instanceof ModelVaultError && err.code === 'not_found') return new Map();
    throw err;
  }
}

/**
 * `modelvault push`: checks the policy without hashing, stores every file (each read once), checks the declared
 * checksums against the digests the transfer computed, and registers the version. A re-push of registered
 * content only reads the files: blobs the store holds are not written again and the existing version is returned.
 */
export async function pushModelDir(dir: string, opts: PushDirOptions): Promise<PushDirResult> {
  const named = (metadata: Record<string, unknown>): Record<string, unknown> => {
    if (opts.name) metadata.name = assertName(opts.name);
    if (opts.version) metadata.version = assertVersion(opts.version);
    return metadata;
  };
  // Every rule but the checksums first, so a directory that fails them moves no bytes.
  const first = await loadValidModelDir(dir, opts.config, { verifyChecksums: false });
  const metadata = named(first.metadata);
  const files = await listModelFiles(dir);
  const expected = declaredDigests(metadata);
  const registered = await registeredDigests(opts.api, `${String(metadata.name)}@${String(metadata.version)}`);
  for (const f of files) {
    const r = registered.get(f.path);
    if (r?.size === f.size && !expected.has(f.path)) expected.set(f.path, r.digest);
  }
  const manifest = await storeModelFiles({ transport: opts.transport, files, expected, detectFormat: (f) => detectFileFormat(f.absPath), onProgress: opts.onFiles?.(files) });
  const digests = new Map(files.map((f, i) => [f.absPath, manifest[i]!.digest]));
  const checked = await loadValidModelDir(dir, opts.config, { digestOf: (real) => digests.get(real) });
  const force = opts.force ? { force: true, ...(opts.reason === undefined ? {} : { reason: opts.reason }) } : {};
  const result = await opts.api.registerVersion({ metadata: named(checked.metadata), modelCard: checked.modelCard, files: manifest, ...force });
  return { result, files: manifest, warnings: checked.report.problems.filter((p) => p.severity === 'warning') };
}
