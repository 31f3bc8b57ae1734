import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestHex, isDigest, parseDigest, type Digest } from '../core/digest.ts';
import { ModelVaultError, toModelVaultError } from '../core/errors.ts';
import { DEFAULT_TEMP_GRACE_MS, DEFAULT_UPLOAD_EXPIRY_MS, UPLOAD_ID_PATTERN, type BlobStore, type ByteRange, type Leftover, type ProgressFn, type PutResult, type SweepOptions, type SweepReport, type UploadSession } from './blob-store.ts';
import { hashFiles } from './hash-pool.ts';
import { fsyncDir, fsyncFile, HashingStream, WRITE_BUFFER, writeHashed } from './hashed-write.ts';
import { UploadDigests } from './upload-digests.ts';

export { HashingStream } from './hashed-write.ts';
export { UploadDigests, type RunningDigest } from './upload-digests.ts';
import { lockUpload } from './upload-lock.ts';

/**
 * Blobs on local disk under `<root>/sha256/ab/cd/<hex>`. A blob appears only after its bytes are complete,
 * fsync'd and verified: written to `<root>/tmp`, renamed into place, then the directory is fsync'd.
 */
export class FsBlobStore implements BlobStore {
  private readonly uploadDigests = new UploadDigests();

  constructor(readonly root: string) {}

  /** Path of a blob's file. */
  pathOf(digest: Digest): string {
    const hex = digestHex(digest);
    return join(this.root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
  }

  localPath(digest: Digest): string {
    return this.pathOf(digest);
  }

  private tmpPath(): string {
    return join(this.root, 'tmp', `${randomUUID()}.part`);
  }

  private uploadDir(id: string): string {
    if (!UPLOAD_ID_PATTERN.test(id)) throw new ModelVaultError('not_found', `upload ${JSON.stringify(id)} does not exist`, { upload: id });
    return join(this.root, 'uploads', id);
  }

  async ready(): Promise<void> {
    try {
      await mkdir(join(this.root, 'tmp'), { recursive: true });
      await mkdir(join(this.root, 'uploads'), { recursive: true });
      const probe = join(this.root, 'tmp', `.probe-${randomUUID()}`);
      await writeFile(probe, 'ok');
      await unlink(probe);
    } catch (err) {
      const e = toModelVaultError(err);
      throw new ModelVaultError(e.code === 'storage_full' ? 'storage_full' : 'storage_unavailable', `blob storage at ${this.root} is not usable: ${e.message}`, {
        path: this.root,
        hint: 'make the directory writable or set MODELVAULT_HOME / MODELVAULT_BLOB_URL to a writable location',
      }, { cause: err });
    }
  }

  async stat(digest: Digest): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(this.pathOf(digest));
      return { size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw toModelVaultError(err);
    }
  }

  /**
   * Moves a verified temp file into place, or drops it when an intact copy of the blob is there already. A stored
   * copy whose bytes no longer hash to its digest (a flipped bit, a torn write) is replaced by the verified one.
   */
  private async publish(tmp: string, digest: Digest, size: number): Promise<PutResult> {
    const final = this.pathOf(digest);
    if ((await this.stat(digest))?.size === size && (await this.verify(digest))) {
      await rm(tmp, { force: true });
      return { digest, size, created: false };
    }
    const dir = join(final, '..');
    await mkdir(dir, { recursive: true });
    // rename replaces a corrupt copy in one step: a reader sees the old file or the new one, never a mix.
    await rename(tmp, final);
    await fsyncDir(dir);
    return { digest, size, created: true };
  }

  private async checkExpected(tmp: string, got: { digest: Digest; size: number }, expected?: { digest?: Digest; size?: number }): Promise<void> {
    if (expected?.size !== undefined && expected.size !== got.size) {
      await rm(tmp, { force: true });
      throw new ModelVaultError('size_mismatch', `received ${got.size} bytes, expected ${expected.size}`, { expected: expected.size, actual: got.size, hint: 'the upload was cut short or the file changed; retry' });
    }
    if (expected?.digest && expected.digest !== got.digest) {
      await rm(tmp, { force: true });
      throw new ModelVaultError('digest_mismatch', `content hashes to ${got.digest}, not ${expected.digest}`, { expected: expected.digest, actual: got.digest, hint: 'the bytes changed in transit or the digest is wrong; re-hash the file and retry' });
    }
  }

  async put(source: Readable, expected?: { digest?: Digest; size?: number }, onProgress?: ProgressFn): Promise<PutResult> {
    if (expected?.digest) parseDigest(expected.digest);
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    const tmp = this.tmpPath();
    let got: { digest: Digest; size: number };
    try {
      got = await writeHashed(source, tmp, onProgress);
    } catch (err) {
      await rm(tmp, { force: true });
      throw toModelVaultError(err);
    }
    await this.checkExpected(tmp, got, expected);
    try {
      return await this.publish(tmp, got.digest, got.size);
    } catch (err) {
      await rm(tmp, { force: true });
      throw toModelVaultError(err);
    }
  }

  async putFile(path: string, expected?: { digest?: Digest; size?: number }, onProgress?: ProgressFn): Promise<PutResult> {
    return this.put(createReadStream(path, { highWaterMark: 1 << 20 }), expected, onProgress);
  }

  async putFiles(paths: string[], onProgress?: (index: number, bytes: number) => void): Promise<PutResult[]> {
    if (paths.length === 0) return [];
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    const tmps = paths.map(() => this.tmpPath());
    try {
      const hashed = await hashFiles(paths.map((src, i) => ({ src, dst: tmps[i]! })), { onProgress });
      const out: PutResult[] = [];
      for (const [i, h] of hashed.entries()) out.push(await this.publish(tmps[i]!, h.digest, h.size));
      return out;
    } catch (err) {
      await Promise.all(tmps.map((t) => rm(t, { force: true })));
      throw toModelVaultError(err);
    }
  }

  async open(digest: Digest, options: { range?: ByteRange; verify?: boolean } = {}): Promise<Readable> {
    const size = (await this.stat(digest))?.size;
    if (size === undefined) throw new ModelVaultError('not_found', `blob ${digest} is not stored`, { digest });
    const { range } = options;
    if (range) {
      if (range.start < 0 || range.end < range.start || range.start >= size) {
        throw new ModelVaultError('invalid_range', `range ${range.start}-${range.end} is outside blob of ${size} bytes`, { digest, size });
      }
      return createReadStream(this.pathOf(digest), { start: range.start, end: Math.min(range.end, size - 1), highWaterMark: 1 << 20 });
    }
    const raw = createReadStream(this.pathOf(digest), { highWaterMark: 1 << 20 });
    if (options.verify === false) return raw;
    const hash = createHash('sha256');
    const verifier = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
      flush(cb) {
        const actual = `sha256:${hash.digest('hex')}`;
        if (actual !== digest) {
          cb(new ModelVaultError('blob_corrupt', `stored blob ${digest} is corrupt (its bytes hash to ${actual})`, { digest, actual, hint: 'restore the blob from a backup or push the version again; run `modelvault verify`' }));
        } else cb();
      },
    });
    raw.on('error', (e) => verifier.destroy(e));
    return raw.pipe(verifier);
  }

  async verify(digest: Digest): Promise<boolean> {
    const hasher = new HashingStream();
    try {
      await pipeline(createReadStream(this.pathOf(digest), { highWaterMark: 1 << 20 }), hasher, async function* (src) {
        for await (const _ of src) void _;
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw toModelVaultError(err);
    }
    return hasher.digest() === digest;
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  async *list(): AsyncIterable<Digest> {
    const base = join(this.root, 'sha256');
    let level1: string[];
    try {
      level1 = await readdir(base);
    } catch {
      return;
    }
    for (const a of level1.sort()) {
      for (const b of (await readdir(join(base, a)).catch(() => [] as string[])).sort()) {
        for (const hex of (await readdir(join(base, a, b)).catch(() => [] as string[])).sort()) {
          const d = `sha256:${hex}`;
          if (isDigest(d)) yield d;
        }
      }
    }
  }

  async modifiedAt(digest: Digest): Promise<number | undefined> {
    const s = await stat(this.pathOf(digest)).catch(() => undefined);
    return s?.mtimeMs;
  }

  async leftovers(): Promise<Leftover[]> {
    const out: Leftover[] = [];
    const tmpDir = join(this.root, 'tmp');
    for (const name of (await readdir(tmpDir).catch(() => [] as string[])).sort()) {
      if (!name.endsWith('.part')) continue;
      const s = await stat(join(tmpDir, name)).catch(() => undefined);
      if (s?.isFile()) out.push({ kind: 'temp_file', name, size: s.size, modifiedMs: s.mtimeMs });
    }
    for (const id of (await readdir(join(this.root, 'uploads')).catch(() => [] as string[])).sort()) {
      if (!UPLOAD_ID_PATTERN.test(id)) continue;
      const dir = this.uploadDir(id);
      const data = await stat(join(dir, 'data')).catch(() => undefined);
      const info = await stat(join(dir, 'info.json')).catch(() => undefined);
      // The last append moved the data file's time; a session whose files are gone is a leftover too.
      out.push({ kind: 'upload', name: id, size: data?.size ?? 0, modifiedMs: Math.max(data?.mtimeMs ?? 0, info?.mtimeMs ?? 0) });
    }
    return out;
  }

  async sweep(options: SweepOptions = {}): Promise<SweepReport> {
    const now = Date.now();
    const report: SweepReport = { tempFiles: 0, uploads: 0, bytes: 0 };
    const tempBefore = now - (options.tempGraceMs ?? DEFAULT_TEMP_GRACE_MS);
    const uploadBefore = now - (options.uploadExpiryMs ?? DEFAULT_UPLOAD_EXPIRY_MS);
    for (const left of await this.leftovers()) {
      if (left.kind === 'temp_file') {
        if (left.modifiedMs >= tempBefore) continue;
        await rm(join(this.root, 'tmp', left.name), { force: true });
        report.tempFiles++;
        report.bytes += left.size;
        continue;
      }
      if (left.modifiedMs >= uploadBefore) continue;
      const dir = this.uploadDir(left.name);
      // A request writing it now (a lock held by a live process) keeps it.
      let release: () => Promise<void>;
      try {
        release = await lockUpload(dir, left.name, 'abort');
      } catch {
        continue;
      }
      try {
        this.uploadDigests.forget(left.name);
        await rm(dir, { recursive: true, force: true });
      } finally {
        await release();
      }
      report.uploads++;
      report.bytes += left.size;
    }
    return report;
  }

  async createUpload(): Promise<UploadSession> {
    const id = randomUUID();
    const dir = this.uploadDir(id);
    await mkdir(dir, { recursive: true });
    const createdAt = new Date().toISOString();
    await writeFile(join(dir, 'data'), '');
    await writeFile(join(dir, 'info.json'), JSON.stringify({ createdAt }));
    return { id, offset: 0, createdAt };
  }

  async getUpload(id: string): Promise<UploadSession> {
    const dir = this.uploadDir(id);
    try {
      const info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as { createdAt: string };
      const s = await stat(join(dir, 'data'));
      return { id, offset: s.size, createdAt: info.createdAt };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelVaultError('not_found', `upload ${id} does not exist`, { upload: id, hint: 'start a new upload' });
      throw toModelVaultError(err);
    }
  }

  async appendUpload(id: string, offset: number, source: Readable): Promise<UploadSession> {
    const dir = this.uploadDir(id);
    let release: () => Promise<void>;
    try {
      release = await lockUpload(dir, id, 'append to');
    } catch (err) {
      source.resume();
      throw err;
    }
    try {
      return await this.append(id, dir, offset, source);
    } finally {
      await release();
    }
  }

  /** Appends under the session's lock: no other append, commit or abort runs meanwhile. */
  private async append(id: string, dir: string, offset: number, source: Readable): Promise<UploadSession> {
    const session = await this.getUpload(id);
    if (offset !== session.offset) {
      source.resume();
      throw new ModelVaultError('conflict', `upload ${id} is at offset ${session.offset}, not ${offset}`, { upload: id, offset: session.offset, hint: `resume from offset ${session.offset}` });
    }
    const path = join(dir, 'data');
    const running = this.uploadDigests.resume(id, offset);
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        running?.update(chunk);
        cb(null, chunk);
      },
    });
    // A broken connection keeps every byte that arrived, so the client can resume from the new offset;
    // a failing disk is an error, not a short upload. The stream owns its descriptor, as in writeHashed.
    let writeError: unknown;
    const out = createWriteStream(path, { flags: 'a', highWaterMark: WRITE_BUFFER });
    // A torn-down pipeline hands the source's error to the writer too; only file-system errors count here.
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.syscall) writeError ??= e;
    });
    await pipeline(source, tap, out).catch(() => undefined);
    if (!out.closed) await new Promise<void>((r) => out.once('close', () => r()));
    if (writeError) throw toModelVaultError(writeError);
    await fsyncFile(path);
    const after = await this.getUpload(id);
    // Appends to a session are one at a time, so equal byte counts mean the digest covers exactly what is on disk.
    this.uploadDigests.keep(id, running, after.offset);
    return after;
  }

  async commitUpload(id: string, digest: Digest): Promise<PutResult> {
    parseDigest(digest);
    const dir = this.uploadDir(id);
    const release = await lockUpload(dir, id, 'commit');
    try {
      return await this.commit(id, dir, digest);
    } finally {
      await release();
    }
  }

  /** Commits under the session's lock: no append is in flight, so the bytes hashed are the bytes published. */
  private async commit(id: string, dir: string, digest: Digest): Promise<PutResult> {
    const session = await this.getUpload(id);
    const data = join(dir, 'data');
    let actual = this.uploadDigests.take(id, session.offset);
    let size = session.offset;
    if (actual === undefined) {
      const hasher = new HashingStream();
      await pipeline(createReadStream(data, { highWaterMark: 1 << 20 }), hasher, async function* (src) {
        for await (const _ of src) void _;
      });
      actual = hasher.digest();
      size = hasher.bytes;
    }
    if (actual !== digest) {
      await rm(dir, { recursive: true, force: true });
      throw new ModelVaultError('digest_mismatch', `uploaded bytes hash to ${actual}, not ${digest}`, { expected: digest, actual, hint: 'the upload was discarded; upload the file again' });
    }
    const tmp = this.tmpPath();
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    await rename(data, tmp);
    await rm(dir, { recursive: true, force: true });
    // The file moved is the file hashed: nothing may have grown it since.
    const moved = (await stat(tmp)).size;
    if (moved !== size) {
      await rm(tmp, { force: true });
      throw new ModelVaultError('digest_mismatch', `upload ${id} changed while it was committed (${moved} bytes, ${size} hashed)`, { expected: digest, hint: 'the upload was discarded; upload the file again' });
    }
    return this.publish(tmp, digest, size);
  }

  async abortUpload(id: string): Promise<void> {
    const dir = this.uploadDir(id);
    const release = await lockUpload(dir, id, 'abort');
    this.uploadDigests.forget(id);
    try {
      await rm(dir, { recursive: true, force: true });
    } finally {
      await release();
    }
  }
}
