import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { readTable, type Columns } from '../formats/read-table.ts';
import type { ManifestEntry, RegistryApi, VersionDetail } from '../registry/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { DATA_FORMATS, dataFormatOf, MAX_DATA_BYTES, type DataFormat } from './data-format.ts';


/** The largest model file evaluated (onnxruntime loads it whole; protobuf stops at 2 GiB). */
export const MAX_MODEL_BYTES = 2 * 1024 * (1 << 20) - 1;

/** Evaluation data: a local file (embedded mode only), or a blob uploaded to the registry with its format. */
export type DataRef = { path: string } | { digest: Digest; format: DataFormat };

/** A table read for evaluation, with the digest that names its bytes in evidence. */
export interface LoadedData {
  columns: Columns;
  digest: Digest;
  format: DataFormat;
  bytes: number;
  rows: number;
}

/** A version's ONNX model, read from the blob store (verified while streaming). */
export interface StoredModel {
  reference: string;
  version: VersionDetail;
  file: ManifestEntry;
  bytes: Buffer;
}

async function readBlob(blobs: BlobStore, digest: Digest, limit: number, what: string): Promise<Buffer> {
  const info = await blobs.stat(digest);
  if (!info) throw new ModelVaultError('blob_missing', `${what}: blob ${digest} is not in the store`, { digest, hint: 'upload it first (the CLI does this for --data)' });
  if (info.size > limit) throw new ModelVaultError('payload_too_large', `${what} is ${info.size} bytes; at most ${limit} are read`, { digest });
  const chunks: Buffer[] = [];
  for await (const c of await blobs.open(digest)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Picks the ONNX file of a version: the first ONNX artifact the metadata lists, else the only ONNX file. */
export function onnxFileOf(v: VersionDetail): ManifestEntry {
  const ref = `${v.name}@${v.version}`;
  const onnx = v.files.filter((f) => f.format === 'onnx');
  const listed = Array.isArray(v.metadata.artifacts) ? (v.metadata.artifacts as unknown[]).map((a) => (typeof a === 'string' ? a : (a as { path?: string } | null)?.path)) : [];
  const first = listed.map((p) => onnx.find((f) => f.path === p)).find((f) => f !== undefined);
  if (first) return first;
  if (onnx.length === 1) return onnx[0]!;
  if (onnx.length === 0) {
    throw new ModelVaultError('invalid_input', `${ref} has no ONNX model file (files: ${v.files.map((f) => `${f.path} (${f.format})`).join(', ')})`, { reference: ref, hint: 'evaluation runs ONNX models; export the model to ONNX and push it as a new version' });
  }
  throw new ModelVaultError('invalid_input', `${ref} has ${onnx.length} ONNX files and its metadata artifacts name none of them`, { reference: ref, hint: 'list the model file first under artifacts in metadata.yaml' });
}

/** Resolves a version and reads its ONNX model's bytes from the store. */
export async function loadStoredModel(registry: RegistryApi, blobs: BlobStore, ref: string): Promise<StoredModel> {
  const version = await registry.getVersion(ref);
  const file = onnxFileOf(version);
  const reference = `${version.name}@${version.version}`;
  const bytes = await readBlob(blobs, file.digest, MAX_MODEL_BYTES, `${reference} ${file.path}`);
  return { reference, version, file, bytes };
}

/** The metrics a version claims: metadata `metrics`, and a `metrics.json` file among its files. */
export async function claimedMetrics(blobs: BlobStore, v: VersionDetail): Promise<{ source: string; metrics: Record<string, number> }[]> {
  const out: { source: string; metrics: Record<string, number> }[] = [];
  const numeric = (o: unknown): Record<string, number> =>
    Object.fromEntries(Object.entries(o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : {}).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
  if (v.metadata.metrics) out.push({ source: 'metadata.metrics', metrics: numeric(v.metadata.metrics) });
  const file = v.files.find((f) => f.path === 'metrics.json' || f.path.endsWith('/metrics.json'));
  if (file && file.size <= 1 << 20) {
    try {
      out.push({ source: file.path, metrics: numeric(JSON.parse((await readBlob(blobs, file.digest, 1 << 20, file.path)).toString('utf8'))) });
    } catch (err) {
      if (err instanceof ModelVaultError) throw err;
      // A metrics.json that is not JSON claims nothing.
    }
  }
  return out;
}

async function hashFile(path: string): Promise<Digest> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/** Reads evaluation data: a local file (hashed for the evidence) or a verified blob of the store. */
export async function loadData(blobs: BlobStore, ref: DataRef): Promise<LoadedData> {
  if ('path' in ref) {
    const format = dataFormatOf(ref.path);
    if (!format) throw new ModelVaultError('invalid_input', `${ref.path}: unknown data format`, { path: ref.path, hint: `use one of .${DATA_FORMATS.join(', .')}` });
    const info = await stat(ref.path).catch((err: NodeJS.ErrnoException) => {
      throw new ModelVaultError('not_found', `${ref.path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { path: ref.path }, { cause: err });
    });
    if (info.size > MAX_DATA_BYTES) throw new ModelVaultError('payload_too_large', `${ref.path} is ${info.size} bytes; evaluation reads at most ${MAX_DATA_BYTES}`, { path: ref.path, hint: 'evaluate on a sample of the rows' });
    if (format === 'csv' || format === 'tsv') {
      // Read once, for the digest and the parser.
      const bytes = await readFile(ref.path);
      const digest: Digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const columns = await readTable(ref.path, bytes);
      return { columns, digest, format, bytes: bytes.length, rows: rowCount(columns) };
    }
    const [columns, digest] = await Promise.all([readTable(ref.path), hashFile(ref.path)]);
    return { columns, digest, format, bytes: info.size, rows: rowCount(columns) };
  }
  if (!(DATA_FORMATS as readonly string[]).includes(ref.format)) throw new ModelVaultError('invalid_input', `data format ${JSON.stringify(ref.format)} is not one of ${DATA_FORMATS.join(', ')}`, { field: 'format' });
  const info = await blobs.stat(ref.digest);
  if (!info) throw new ModelVaultError('blob_missing', `evaluation data ${ref.digest} is not in the store`, { digest: ref.digest, hint: 'upload the file as a blob first (PUT /api/v1/blobs/{digest})' });
  if (info.size > MAX_DATA_BYTES) throw new ModelVaultError('payload_too_large', `evaluation data ${ref.digest} is ${info.size} bytes; at most ${MAX_DATA_BYTES} are read`, { digest: ref.digest, hint: 'evaluate on a sample of the rows' });
  // DuckDB picks its reader by the file name, so the blob is given one with the format's extension.
  const dir = await mkdtemp(join(tmpdir(), 'mv-eval-'));
  try {
    const file = join(dir, `data.${ref.format}`);
    const local = blobs.localPath?.(ref.digest);
    if (local) {
      if (!(await blobs.verify(ref.digest))) throw new ModelVaultError('blob_corrupt', `evaluation data ${ref.digest} no longer matches its digest`, { digest: ref.digest });
      await symlink(local, file);
    } else await pipeline(await blobs.open(ref.digest), createWriteStream(file));
    const columns = await readTable(file);
    return { columns, digest: ref.digest, format: ref.format, bytes: info.size, rows: rowCount(columns) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function rowCount(columns: Columns): number {
  const first = Object.values(columns)[0];
  return first ? first.length : 0;
}
