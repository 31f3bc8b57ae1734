import type { Readable } from 'node:stream';
import type { Digest } from '../core/digest.ts';
import type { Static } from '../core/schema.ts';
import type * as S from './schemas.ts';

/** Progress callback: bytes done so far. */
export type ProgressFn = (bytesDone: number) => void;

export { UPLOAD_ID_PATTERN } from './upload-id.ts';

/** Result of storing a blob; `created` is false when the blob was already present and nothing new was stored. */
export type PutResult = Static<typeof S.PutResult>;

/** State of a resumable upload; `offset` is the bytes received so far, where the next append must start. */
export type UploadSession = Static<typeof S.UploadSession>;

/** A byte range, inclusive of both ends (as in HTTP Range). */
export interface ByteRange {
  start: number;
  end: number;
}

/** How old leftovers must be before `sweep` removes them. */
export interface SweepOptions {
  /** A temp file not written to for this long belongs to a write that stopped; default one hour. */
  tempGraceMs?: number;
  /** An upload session not appended to for this long has expired; default 24 hours. */
  uploadExpiryMs?: number;
}

/** What a sweep removed. */
export interface SweepReport {
  tempFiles: number;
  uploads: number;
  bytes: number;
}

/** Something interrupted work left in the store: a temp file of a write, or a resumable upload session. */
export interface Leftover {
  kind: 'temp_file' | 'upload';
  /** The temp file's name or the upload's id. */
  name: string;
  size: number;
  /** When it was last written to (ms since the epoch). */
  modifiedMs: number;
}

export const DEFAULT_TEMP_GRACE_MS = 60 * 60 * 1000;
export const DEFAULT_UPLOAD_EXPIRY_MS = 24 * 60 * 60 * 1000;

/** Content-addressed storage of immutable blobs. */
export interface BlobStore {
  /** Size of a stored blob, or undefined when absent. */
  stat(digest: Digest): Promise<{ size: number } | undefined>;
  /** Stores a stream; when `expected` is given the bytes must hash to it (else `digest_mismatch`, nothing stored). */
  put(source: Readable, expected?: { digest?: Digest; size?: number }, onProgress?: ProgressFn): Promise<PutResult>;
  /** Stores a local file in one pass (hash while copying). */
  putFile(path: string, expected?: { digest?: Digest; size?: number }, onProgress?: ProgressFn): Promise<PutResult>;
  /** Stores local files, several in parallel, each read once while hashing; results in input order. */
  putFiles(paths: string[], onProgress?: (index: number, bytes: number) => void): Promise<PutResult[]>;
  /**
   * Opens a blob for reading. A full read is verified while streaming: a corrupted blob ends the stream
   * with `blob_corrupt`. `verify: false` is for callers that hash the bytes themselves.
   */
  open(digest: Digest, options?: { range?: ByteRange; verify?: boolean }): Promise<Readable>;
  /** Re-hashes a stored blob; false when its bytes no longer match its name. */
  verify(digest: Digest): Promise<boolean>;
  /** Removes a blob (used by garbage collection only). */
  delete(digest: Digest): Promise<void>;
  /** Lists stored digests. */
  list(): AsyncIterable<Digest>;
  /** Starts a resumable upload. */
  createUpload(): Promise<UploadSession>;
  /** Current state of an upload (`not_found` when unknown or expired). */
  getUpload(id: string): Promise<UploadSession>;
  /** Appends bytes at `offset` (must equal the session's offset, else `conflict`). */
  appendUpload(id: string, offset: number, source: Readable): Promise<UploadSession>;
  /** Completes an upload: verifies the digest of everything received and publishes the blob. */
  commitUpload(id: string, digest: Digest): Promise<PutResult>;
  /** Discards an upload. */
  abortUpload(id: string): Promise<void>;
  /** Checks that the store is usable (writable, reachable). */
  ready(): Promise<void>;
  /**
   * Removes what interrupted work left behind: temp files of writes that stopped (a killed push) more than
   * `tempGraceMs` ago, and upload sessions idle for more than `uploadExpiryMs` whose writer is gone.
   */
  sweep?(options?: SweepOptions): Promise<SweepReport>;
  /** Every temp file and upload session in the store, young or old, without removing anything. */
  leftovers?(): Promise<Leftover[]>;
  /** When a stored blob was written (ms since the epoch), or undefined when absent. */
  modifiedAt?(digest: Digest): Promise<number | undefined>;
  /** A local file holding a stored blob's bytes, for readers that need random access (the scanner); undefined when the store has none. */
  localPath?(digest: Digest): string | undefined;
}
