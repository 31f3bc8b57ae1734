import { Closed, DigestText, Str, Type } from '../../core/schema.ts';
import { PutResult, UploadSession } from '../../storage/schemas.ts';

// Content-addressed blobs and resumable uploads as the HTTP API carries them.

export const DigestParams = Closed({ digest: DigestText });
export const MissingBlobsBody = Closed({ digests: Type.Array(DigestText, { maxItems: 100_000 }) });
export const MissingBlobs = Closed({ missing: Type.Array(Type.String()) });
export const PutBlobResult = PutResult;
export const UploadParams = Closed({ id: UploadSession.properties.id });
export const UploadState = Closed({ id: Type.String(), offset: UploadSession.properties.offset });
export const CommitQuery = Closed({ digest: DigestText });
export const UploadOffsetHeaders = Type.Object(
  { 'upload-offset': Str(16, { pattern: '^[0-9]{1,16}$', description: 'where the appended bytes start' }) },
  { additionalProperties: true },
);
