import type { Digest } from '../core/digest.ts';
import { Closed, Count, Matching, Type } from '../core/schema.ts';
import { UPLOAD_ID_PATTERN } from './upload-id.ts';

// The blob store's results as JSON Schemas, for the HTTP contract; blob-store.ts derives its types from them.

/** Result of storing a blob; `created` is false when the blob was already present and nothing new was stored. */
export const PutResult = Closed({ digest: Type.Unsafe<Digest>(Type.String()), size: Count, created: Type.Boolean() });

/** State of a resumable upload; `offset` is the bytes received so far, where the next append must start. */
export const UploadSession = Closed({ id: Matching(UPLOAD_ID_PATTERN, 36), offset: Count, createdAt: Type.String() });
