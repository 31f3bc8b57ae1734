import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Digest } from '../../src/core/digest.ts';
import type { BlobStore } from '../../src/storage/blob-store.ts';
import { MODEL_CARD } from './model-dir.ts';

/** A registration request and the bytes of every file it lists, by digest. */
export interface Registration {
  input: { metadata: Record<string, unknown>; files: Array<{ path: string; size: number; digest: Digest }> };
  blobs: Map<Digest, Buffer>;
}

function digestOf(bytes: Buffer): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * A registration that passes the registry policy: every required metadata field, the given files as artifacts
 * (one weights file whose bytes name the version by default), `training_hash` the sha256 of the first artifact,
 * and MODEL_CARD.md with every default section. `metadata` adds or replaces fields; `card` replaces the card
 * (null leaves it out).
 */
export function validRegistration(
  name: string,
  version: string,
  options: { files?: Record<string, string | Buffer>; metadata?: Record<string, unknown>; card?: string | null } = {},
): Registration {
  const artifacts = Object.entries(options.files ?? { 'w.bin': `${name}-${version}` }).map(([path, content]) => ({ path, bytes: Buffer.from(content) }));
  const card = options.card === undefined ? MODEL_CARD : options.card;
  const all = card === null ? artifacts : [...artifacts, { path: 'MODEL_CARD.md', bytes: Buffer.from(card) }];
  const first = artifacts[0];
  const metadata: Record<string, unknown> = {
    name,
    version,
    license: 'MIT',
    source: { repo: 'https://example.com/r.git', commit: 'b'.repeat(40) },
    dataset_manifest: 'https://example.com/datasets/train.yaml',
    training_hash: first ? digestOf(first.bytes) : 'c'.repeat(40),
    artifacts: artifacts.map((a) => a.path),
    ...options.metadata,
  };
  return {
    input: { metadata, files: all.map((f) => ({ path: f.path, size: f.bytes.length, digest: digestOf(f.bytes) })) },
    blobs: new Map(all.map((f) => [digestOf(f.bytes), f.bytes])),
  };
}

/** Stores a registration's blobs in an embedded registry's store. */
export async function storeRegistrationBlobs(blobs: BlobStore, r: Registration): Promise<void> {
  for (const bytes of r.blobs.values()) await blobs.put(Readable.from([bytes]));
}

/** Uploads a registration's blobs to a server (`PUT /api/v1/blobs/<digest>`) with `headers` (its authorization). */
export async function uploadRegistrationBlobs(url: string, r: Registration, headers: Record<string, string>): Promise<void> {
  for (const [digest, bytes] of r.blobs) {
    const res = await fetch(`${url}/api/v1/blobs/${digest}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream', ...headers } });
    if (res.status >= 300) throw new Error(`PUT ${digest}: ${res.status} ${await res.text()}`);
  }
}

/** Stores MODEL_CARD.md (every default section) and returns its manifest entry, for a version's file list. */
export async function storeModelCard(blobs: BlobStore, card = MODEL_CARD): Promise<{ path: string; size: number; digest: Digest; format: string }> {
  const r = await blobs.put(Readable.from([Buffer.from(card)]));
  return { path: 'MODEL_CARD.md', size: r.size, digest: r.digest, format: 'binary' };
}

/** A valid registration of `name@version` with its blobs uploaded to the server at `url`; returns the request body. */
export async function uploadedRegistration(url: string, name: string, version: string, headers: Record<string, string>): Promise<Registration['input']> {
  const r = validRegistration(name, version);
  await uploadRegistrationBlobs(url, r, headers);
  return r.input;
}
