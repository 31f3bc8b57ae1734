import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../app.ts';
import { parseDigest, type Digest } from '../../core/digest.ts';
import { ModelVaultError } from '../../core/errors.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import { parseByteRange } from '../byte-range.ts';
import { JSON_BODY_LIMIT, route, type RouteSpec } from '../route-spec.ts';
import { DigestParams, MissingBlobs, MissingBlobsBody, PutBlobResult } from '../schemas/blobs.ts';

/** The raw request body of a streaming route (an empty stream when the request had none). */
export function rawBody(request: FastifyRequest): Readable {
  return request.body instanceof Readable ? request.body : request.raw;
}

/** The declared Content-Length, when it is a plain number. */
function declaredLength(request: FastifyRequest): number | undefined {
  const h = request.headers['content-length'];
  if (h === undefined) return undefined;
  if (!/^\d{1,16}$/.test(h) || !Number.isSafeInteger(Number(h))) throw new ModelVaultError('invalid_input', `Content-Length ${JSON.stringify(h.slice(0, 40))} is not a byte count`, { field: 'content-length' });
  return Number(h);
}

/**
 * Holds back the last chunk until the source ends cleanly, so a blob that fails verification at its end
 * never reaches the client complete: the connection breaks short of Content-Length instead.
 */
class HoldLastChunk extends Transform {
  private held: Buffer | undefined;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const prev = this.held;
    this.held = chunk;
    cb(null, prev);
  }
  override _flush(cb: TransformCallback): void {
    cb(null, this.held);
  }
}

/** Which of `digests` the store lacks, in request order without repeats. */
async function missingBlobs(blobs: BlobStore, digests: string[]): Promise<Digest[]> {
  const unique = [...new Set(digests.map((d) => parseDigest(d)))];
  const present = new Array<boolean>(unique.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const i = next++;
      present[i] = (await blobs.stat(unique[i]!)) !== undefined;
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, unique.length) }, worker));
  return unique.filter((_, i) => !present[i]);
}

/** Content-addressed blobs: existence, streaming download with ranges, verified upload. */
export function blobRoutes(app: AppContext): RouteSpec[] {
  const sizeOf = async (digest: Digest): Promise<number> => {
    const s = await app.blobs.stat(digest);
    if (!s) throw new ModelVaultError('not_found', `blob ${digest} is not stored`, { digest, hint: 'upload it with PUT /api/v1/blobs/<digest>' });
    return s.size;
  };
  const blobHeaders = { 'Content-Length': 'size in bytes', ETag: 'the digest', 'Accept-Ranges': 'bytes' };
  return [
    route({
      method: 'HEAD',
      url: '/api/v1/blobs/:digest',
      operationId: 'statBlob',
      summary: 'Whether a blob is stored, and its size',
      tag: 'blobs',
      params: DigestParams,
      responses: { 200: { description: 'the blob is stored', headers: blobHeaders } },
      handler: async (req, reply) => {
        const digest = parseDigest(req.params.digest);
        const size = await sizeOf(digest);
        return reply.code(200).headers({ 'content-length': size, etag: `"${digest}"`, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' }).send();
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/blobs/:digest',
      operationId: 'getBlob',
      summary: 'Download a blob (a full read is verified while streaming; a single Range serves bytes verified at write time, for the client to hash)',
      tag: 'blobs',
      params: DigestParams,
      responses: {
        200: { description: 'the whole blob', contentType: 'application/octet-stream', headers: blobHeaders },
        206: { description: 'the requested range', contentType: 'application/octet-stream', headers: { ...blobHeaders, 'Content-Range': 'bytes START-END/SIZE' } },
      },
      handler: async (req, reply) => {
        const digest = parseDigest(req.params.digest);
        const size = await sizeOf(digest);
        const range = parseByteRange(req.headers.range, size);
        reply.headers({ etag: `"${digest}"`, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' });
        if (range) {
          const stream = await app.blobs.open(digest, { range });
          return reply
            .code(206)
            .headers({ 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${size}` })
            .send(stream);
        }
        const source = await app.blobs.open(digest);
        const out = new HoldLastChunk();
        pipeline(source, out).catch((err: unknown) => {
          // A client that hangs up early is routine; anything else (a corrupt blob above all) must be seen.
          if ((err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
          req.log.error({ err, digest, reqId: req.id }, `serving blob ${digest} failed, connection dropped: ${(err as Error).message}`);
        });
        return reply.code(200).header('content-length', size).send(out);
      },
    }),
    route({
      method: 'PUT',
      url: '/api/v1/blobs/:digest',
      operationId: 'putBlob',
      summary: 'Upload a blob; the server hashes the bytes and refuses a digest mismatch',
      tag: 'blobs',
      params: DigestParams,
      rawBody: true,
      responses: {
        201: { description: 'stored', schema: PutBlobResult },
        200: { description: 'already stored', schema: PutBlobResult },
      },
      handler: async (req, reply) => {
        const digest = parseDigest(req.params.digest);
        const size = declaredLength(req);
        const result = await app.blobs.put(rawBody(req), size === undefined ? { digest } : { digest, size });
        return reply.code(result.created ? 201 : 200).send(result);
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/blobs/missing',
      operationId: 'missingBlobs',
      summary: 'Which of the given blobs the server does not have',
      tag: 'blobs',
      body: MissingBlobsBody,
      bodyLimit: JSON_BODY_LIMIT * 10,
      responses: { 200: { description: 'the missing digests, in request order', schema: MissingBlobs } },
      handler: async (req) => ({ missing: await missingBlobs(app.blobs, req.body.digests) }),
    }),
  ];
}
