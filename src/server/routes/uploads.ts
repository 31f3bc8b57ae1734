import type { AppContext } from '../../app.ts';
import { parseDigest } from '../../core/digest.ts';
import type { UploadSession } from '../../storage/blob-store.ts';
import { route, type RouteSpec } from '../route-spec.ts';
import { CommitQuery, PutBlobResult, UploadOffsetHeaders, UploadParams, UploadState } from '../schemas/blobs.ts';
import { rawBody } from './blobs.ts';

const state = (s: UploadSession): { id: string; offset: number } => ({ id: s.id, offset: s.offset });
const offsetHeader = { 'Upload-Offset': 'bytes received so far; the next PATCH starts here' };

/** Resumable uploads for large blobs: create, append at an offset, ask the offset, commit, abort. */
export function uploadRoutes(app: AppContext): RouteSpec[] {
  return [
    route({
      method: 'POST',
      url: '/api/v1/blobs/uploads',
      operationId: 'createUpload',
      summary: 'Start a resumable upload',
      tag: 'uploads',
      responses: { 201: { description: 'the new upload', schema: UploadState, headers: offsetHeader } },
      handler: async (_req, reply) => {
        const s = await app.blobs.createUpload();
        return reply.code(201).header('upload-offset', s.offset).header('location', `/api/v1/blobs/uploads/${s.id}`).send(state(s));
      },
    }),
    route({
      method: 'HEAD',
      url: '/api/v1/blobs/uploads/:id',
      operationId: 'headUpload',
      summary: 'The offset of an upload, in the Upload-Offset header',
      tag: 'uploads',
      params: UploadParams,
      responses: { 200: { description: 'the upload exists', headers: offsetHeader } },
      handler: async (req, reply) => {
        const s = await app.blobs.getUpload(req.params.id);
        return reply.code(200).header('upload-offset', s.offset).header('cache-control', 'no-store').send();
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/blobs/uploads/:id',
      operationId: 'getUpload',
      summary: 'The offset of an upload',
      tag: 'uploads',
      params: UploadParams,
      responses: { 200: { description: 'the upload', schema: UploadState, headers: offsetHeader } },
      handler: async (req, reply) => {
        const s = await app.blobs.getUpload(req.params.id);
        return reply.header('upload-offset', s.offset).header('cache-control', 'no-store').send(state(s));
      },
    }),
    route({
      method: 'PATCH',
      url: '/api/v1/blobs/uploads/:id',
      operationId: 'appendUpload',
      summary: 'Append bytes at Upload-Offset; a broken connection keeps what arrived',
      tag: 'uploads',
      params: UploadParams,
      headers: UploadOffsetHeaders,
      rawBody: true,
      responses: { 200: { description: 'the upload after appending', schema: UploadState, headers: offsetHeader } },
      handler: async (req, reply) => {
        const offset = Number(req.headers['upload-offset']);
        const s = await app.blobs.appendUpload(req.params.id, offset, rawBody(req));
        return reply.header('upload-offset', s.offset).send(state(s));
      },
    }),
    route({
      method: 'PUT',
      url: '/api/v1/blobs/uploads/:id',
      operationId: 'commitUpload',
      summary: 'Finish an upload: the bytes must hash to `digest`',
      tag: 'uploads',
      params: UploadParams,
      querystring: CommitQuery,
      responses: {
        201: { description: 'stored', schema: PutBlobResult },
        200: { description: 'already stored', schema: PutBlobResult },
      },
      handler: async (req, reply) => {
        const result = await app.blobs.commitUpload(req.params.id, parseDigest(req.query.digest));
        return reply.code(result.created ? 201 : 200).send(result);
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/v1/blobs/uploads/:id',
      operationId: 'abortUpload',
      summary: 'Discard an upload',
      tag: 'uploads',
      params: UploadParams,
      responses: { 204: { description: 'discarded' } },
      handler: async (req, reply) => {
        await app.blobs.abortUpload(req.params.id);
        return reply.code(204).send();
      },
    }),
  ];
}
