import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDigest, type Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import type { BlobTransport } from '../registry/index.ts';
import { hashFiles } from '../storage/hash-pool.ts';
import { ApiClient, seg, type RemoteOptions } from './http.ts';

/** Tuning of a RemoteBlobTransport. */
export interface RemoteBlobTransportOptions extends RemoteOptions {
  /** Files at least this large go through a resumable upload session (default 64 MiB). */
  sessionThreshold?: number;
  /** Attempts to resume a broken upload before giving up (default 5). */
  maxRetries?: number;
  /** First backoff delay in milliseconds, doubled on every retry (default 250). */
  retryDelayMs?: number;
  /** Files uploaded at the same time (default 4). */
  concurrency?: number;
}

type Progress = (bytes: number) => void;

/** One file to upload under a known digest. */
interface UploadJob {
  index: number;
  digest: Digest;
  size: number;
}

/** A failed connection is worth retrying; an answer from the server (a mismatch, a refusal) is not. */
function isTransient(err: unknown): boolean {
  return err instanceof ModelVaultError && err.code === 'server_unreachable';
}

/** Moves blobs to and from a ModelVault server: uploads only what the server lacks, resumes large uploads. */
export class RemoteBlobTransport implements BlobTransport {
  private readonly api: ApiClient;
  private readonly sessionThreshold: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly concurrency: number;

  constructor(opts: RemoteBlobTransportOptions) {
    this.api = new ApiClient(opts);
    this.sessionThreshold = opts.sessionThreshold ?? 64 * (1 << 20);
    this.maxRetries = opts.maxRetries ?? 5;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
  }

  async missing(digests: readonly Digest[]): Promise<Set<Digest>> {
    if (digests.length === 0) return new Set();
    const { missing } = await this.api.json<{ missing: string[] }>('POST', '/blobs/missing', { json: { digests: [...new Set(digests)] } });
    return new Set(missing.map((d) => parseDigest(d)));
  }

  async storeFiles(paths: string[], onProgress?: (index: number, bytes: number) => void, options: { expected?: readonly (Digest | undefined)[] } = {}): Promise<{ digest: Digest; size: number }[]> {
    const out: { digest: Digest; size: number }[] = new Array(paths.length);
    const unknown: number[] = [];
    const declared: UploadJob[] = [];
    for (const [index, path] of paths.entries()) {
      const digest = options.expected?.[index];
      if (digest) declared.push({ index, digest, size: (await stat(path)).size });
      else unknown.push(index);
    }
    // A declared digest names the upload before the file is read: the server hashes the bytes once and refuses a mismatch.
    const mismatched = new Set<number>();
    await this.uploadAll(paths, declared, onProgress, (job, err) => {
      if (!(err instanceof ModelVaultError && err.code === 'digest_mismatch')) throw err;
      mismatched.add(job.index);
    });
    for (const job of declared) if (!mismatched.has(job.index)) out[job.index] = { digest: job.digest, size: job.size };
    const rest = [...unknown, ...mismatched].sort((a, b) => a - b);
    const hashed = await hashFiles(rest.map((i) => ({ src: paths[i]! })));
    const needed = await this.missing(hashed.map((h) => h.digest));
    // One upload per distinct missing digest, from the first file that has it.
    const jobs: UploadJob[] = [];
    hashed.forEach((h, j) => {
      const index = rest[j]!;
      out[index] = h;
      if (needed.delete(h.digest)) jobs.push({ index, digest: h.digest, size: h.size });
      else onProgress?.(index, h.size);
    });
    await this.uploadAll(paths, jobs, onProgress, (_job, err) => {
      throw err;
    });
    return out;
  }

  /** Uploads `jobs`, a few at a time; `onError` decides whether a failed upload ends the whole transfer. */
  private async uploadAll(paths: string[], jobs: UploadJob[], onProgress: ((index: number, bytes: number) => void) | undefined, onError: (job: UploadJob, err: unknown) => void): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const report: Progress = (bytes) => onProgress?.(job.index, bytes);
        try {
          if (job.size >= this.sessionThreshold) await this.uploadResumable(paths[job.index]!, job.digest, job.size, report);
          else await this.uploadWhole(paths[job.index]!, job.digest, report);
          report(job.size);
        } catch (err) {
          onError(job, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
  }

  private async backoff(attempt: number): Promise<void> {
    await sleep(this.retryDelayMs * 2 ** (attempt - 1));
  }

  /** One streaming PUT; a broken connection restarts the file. */
  private async uploadWhole(path: string, digest: Digest, onBytes: Progress): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.api.sendFile('PUT', `/blobs/${seg(digest)}`, { path, onBytes });
        return;
      } catch (err) {
        if (!isTransient(err) || attempt >= this.maxRetries) throw err;
        await this.backoff(attempt + 1);
      }
    }
  }

  /** An upload session: one streaming PATCH; after a broken connection, ask the offset and resume from it. */
  private async uploadResumable(path: string, digest: Digest, size: number, onBytes: Progress): Promise<void> {
    const session = await this.api.json<{ id: string; offset: number }>('POST', '/blobs/uploads');
    const at = `/blobs/uploads/${seg(session.id)}`;
    let offset: number | undefined = session.offset;
    let failures = 0;
    const fail = async (err: unknown): Promise<void> => {
      if (!isTransient(err) && !(err instanceof ModelVaultError && err.code === 'conflict')) throw err;
      if (++failures > this.maxRetries) {
        throw new ModelVaultError('server_unreachable', `upload of ${path} failed ${failures} times: ${(err as Error).message}`, { path, digest, hint: 'check the connection to the server and push again' }, { cause: err });
      }
      await this.backoff(failures);
    };
    try {
      for (;;) {
        let failure: unknown;
        try {
          if (offset === undefined) offset = (await this.api.json<{ offset: number }>('GET', at)).offset;
          if (offset >= size) break;
          const before: number = offset;
          offset = (await this.api.sendFile<{ offset: number }>('PATCH', at, { path, start: before, onBytes }, { headers: { 'upload-offset': String(before) } })).offset;
          if (offset > before) continue;
          failure = new ModelVaultError('server_unreachable', `the server kept no bytes of ${path} at offset ${before}`, { path });
        } catch (err) {
          offset = undefined;
          failure = err;
        }
        await fail(failure);
      }
      if (offset > size) throw new ModelVaultError('size_mismatch', `the server holds ${offset} bytes of ${path}, which has ${size}`, { path, hint: 'the file changed during the upload; push again' });
      await this.api.json('PUT', at, { query: { digest } });
    } catch (err) {
      await this.api.send('DELETE', at).catch(() => undefined);
      throw err;
    }
  }

  async openBlob(digest: Digest, options: { offset?: number } = {}): Promise<Readable> {
    const d = parseDigest(digest);
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new ModelVaultError('invalid_input', `offset ${offset} must be a non-negative integer`, { field: 'offset' });
    const res = await this.api.getStream(`/blobs/${seg(d)}`, offset > 0 ? { range: `bytes=${offset}-` } : {});
    if (offset > 0 && res.status !== 206) {
      res.body.destroy();
      throw new ModelVaultError('internal', `the server ignored the range request for ${d} (HTTP ${res.status})`, { digest: d });
    }
    return res.body;
  }
}
