import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Digest } from '../../src/core/digest.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { FsBlobStore, HashingStream, UploadDigests } from '../../src/storage/fs-blob-store.ts';
import { tempDir } from '../helpers/model-dir.ts';
import { canMount, mountTmpfs, unmount } from '../helpers/tmpfs.ts';

const root = tempDir('mv-store-');
after(() => rmSync(root, { recursive: true, force: true }));

const digestOf = (b: Buffer): `sha256:${string}` => `sha256:${createHash('sha256').update(b).digest('hex')}`;

it('commits an upload appended in pieces, from the running digest or by re-hashing in another process', async () => {
  const data = randomBytes(3 * 65536 + 17);
  for (const otherProcess of [false, true]) {
    const store = new FsBlobStore(root);
    const up = await store.createUpload();
    let offset = 0;
    for (const piece of [data.subarray(0, 65536), data.subarray(65536, 200_000), data.subarray(200_000)]) {
      offset = (await store.appendUpload(up.id, offset, Readable.from([piece]))).offset;
    }
    assert.equal(offset, data.length);
    const committer = otherProcess ? new FsBlobStore(root) : store;
    if (!otherProcess) await assert.rejects(committer.commitUpload(up.id, digestOf(Buffer.from('other'))), (e: ModelVaultError) => e.code === 'digest_mismatch');
    else {
      const r = await committer.commitUpload(up.id, digestOf(data));
      assert.equal(r.size, data.length);
      assert.deepEqual(readFileSync(committer.pathOf(r.digest)), data);
    }
  }
});

it('a broken append keeps what arrived and the commit still verifies every byte', async () => {
  const store = new FsBlobStore(root);
  const data = randomBytes(100_000);
  const up = await store.createUpload();
  const broken = new Readable({
    read() {
      this.push(data.subarray(0, 40_000));
      this.destroy(new Error('connection reset'));
    },
  });
  const mid = await store.appendUpload(up.id, 0, broken);
  assert.ok(mid.offset <= 40_000);
  await assert.rejects(store.appendUpload(up.id, mid.offset + 1, Readable.from([Buffer.alloc(1)])), (e: ModelVaultError) => e.code === 'conflict');
  const end = await store.appendUpload(up.id, mid.offset, Readable.from([data.subarray(mid.offset)]));
  assert.equal(end.offset, data.length);
  const r = await store.commitUpload(up.id, digestOf(data));
  assert.deepEqual(readFileSync(store.pathOf(r.digest)), data);
});

/** A fresh store under the test's root. */
function freshStore(): FsBlobStore {
  return new FsBlobStore(mkdtempSync(join(root, 'store-')));
}

/** Everything a stream yields, or the error it ends with. */
async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The digests a store lists, in its order. */
async function listed(store: FsBlobStore): Promise<Digest[]> {
  const out: Digest[] = [];
  for await (const d of store.list()) out.push(d);
  return out;
}

const filesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);
const code = (c: string, message?: RegExp) => (e: unknown): boolean => e instanceof ModelVaultError && e.code === c && (message === undefined || message.test(e.message));

describe('hashing while streaming', () => {
  it('passes the bytes through, counts them, reports the running total and digests them', async () => {
    const seen: number[] = [];
    const h = new HashingStream((n) => seen.push(n));
    const out = await drain(Readable.from([Buffer.from('ab'), Buffer.from('cde')]).pipe(h));
    assert.equal(out.toString(), 'abcde');
    assert.equal(h.bytes, 5);
    assert.deepEqual(seen, [2, 5]);
    assert.equal(h.digest(), digestOf(Buffer.from('abcde')));
  });
});

describe('running digests of uploads', () => {
  it('start at offset 0 and give the digest of exactly the bytes fed, once', () => {
    const digests = new UploadDigests();
    const d = digests.resume('u', 0)!;
    d.update(Buffer.from('abc'));
    d.update(Buffer.from('de'));
    assert.equal(d.bytes, 5);
    digests.keep('u', d, 5);
    assert.equal(digests.take('u', 5), digestOf(Buffer.from('abcde')));
    assert.equal(digests.take('u', 5), undefined, 'taken once');
  });

  it('continue from where the last append ended, and only from there', () => {
    const digests = new UploadDigests();
    const d = digests.resume('u', 0)!;
    d.update(Buffer.from('abc'));
    digests.keep('u', d, 3);
    const next = digests.resume('u', 3)!;
    assert.equal(next.bytes, 3);
    next.update(Buffer.from('def'));
    digests.keep('u', next, 6);
    assert.equal(digests.take('u', 6), digestOf(Buffer.from('abcdef')));
    assert.equal(digests.resume('v', 3), undefined, 'none for an upload it never saw past offset 0');
  });

  it('are forgotten when an append starts elsewhere, when they do not cover the bytes on disk, or on a commit of another size', () => {
    const digests = new UploadDigests();
    const fed = (id: string, bytes: string): void => {
      const d = digests.resume(id, 0)!;
      d.update(Buffer.from(bytes));
      digests.keep(id, d, bytes.length);
    };
    fed('a', 'abc');
    assert.equal(digests.resume('a', 2), undefined);
    assert.equal(digests.take('a', 3), undefined, 'the mismatched resume dropped it');
    const short = digests.resume('b', 0)!;
    short.update(Buffer.from('abc'));
    digests.keep('b', short, 4);
    assert.equal(digests.take('b', 4), undefined, 'kept only when it covers exactly what is on disk');
    digests.keep('c', undefined, 0);
    assert.equal(digests.take('c', 0), undefined);
    fed('d', 'abc');
    assert.equal(digests.take('d', 4), undefined);
    assert.equal(digests.take('d', 3), undefined, 'a take of another size forgets it too');
    fed('e', 'abc');
    digests.forget('e');
    assert.equal(digests.take('e', 3), undefined);
    const fresh = digests.resume('f', 0)!;
    assert.equal(fresh.bytes, 0);
    digests.keep('f', fresh, 0);
    assert.equal(digests.take('f', 0), digestOf(Buffer.alloc(0)));
  });

  it('keep at most their limit, dropping the oldest', () => {
    const digests = new UploadDigests(2);
    assert.equal(new UploadDigests().limit, 1000);
    for (const id of ['a', 'b']) digests.keep(id, digests.resume(id, 0), 0);
    assert.equal(digests.take('a', 0), digestOf(Buffer.alloc(0)), 'two fit');
    for (const id of ['a', 'c']) digests.keep(id, digests.resume(id, 0), 0);
    assert.equal(digests.take('b', 0), undefined, 'the oldest went');
    assert.equal(digests.take('a', 0), digestOf(Buffer.alloc(0)));
    assert.equal(digests.take('c', 0), digestOf(Buffer.alloc(0)));
  });

  it('spend no room on a digest they refuse to keep', () => {
    const digests = new UploadDigests(1);
    digests.keep('a', digests.resume('a', 0), 0);
    const short = digests.resume('b', 0)!;
    short.update(Buffer.from('abc'));
    digests.keep('b', short, 4);
    digests.keep('c', undefined, 0);
    assert.equal(digests.take('a', 0), digestOf(Buffer.alloc(0)));
  });
});

describe('blob files', () => {
  it('are laid out as sha256/<2 hex>/<2 hex>/<hex> under the root', () => {
    const store = freshStore();
    const d = digestOf(Buffer.from('x'));
    const hex = d.slice(7);
    assert.equal(store.pathOf(d), join(store.root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex));
    assert.equal(store.localPath(d), store.pathOf(d));
  });

  it('ready() makes the directories it needs and leaves no probe behind', async () => {
    const store = freshStore();
    await store.ready();
    assert.deepEqual(filesIn(store.root).sort(), ['tmp', 'uploads']);
    assert.deepEqual(filesIn(join(store.root, 'tmp')), []);
  });

  it('ready() on a root that is a file says storage_unavailable, naming the root and the fix', async () => {
    const file = join(mkdtempSync(join(root, 'file-')), 'f');
    writeFileSync(file, 'x');
    const store = new FsBlobStore(file);
    await assert.rejects(store.ready(), (e: unknown) =>
      e instanceof ModelVaultError && e.code === 'storage_unavailable' && e.message.startsWith(`blob storage at ${file} is not usable: `) &&
      e.details.path === file && /make the directory writable/.test(String(e.details.hint)) &&
      typeof (e.cause as NodeJS.ErrnoException | undefined)?.code === 'string');
  });
});

describe('storing a stream', () => {
  it('stores the bytes once under their digest, reports progress, and drops the copy of a blob it already has', async () => {
    const store = freshStore();
    const data = randomBytes(70_000);
    const progress: number[] = [];
    const first = await store.put(Readable.from([data.subarray(0, 30_000), data.subarray(30_000)]), undefined, (n) => progress.push(n));
    assert.deepEqual(first, { digest: digestOf(data), size: data.length, created: true });
    assert.deepEqual(progress, [30_000, 70_000]);
    assert.deepEqual(await store.stat(first.digest), { size: data.length });
    assert.deepEqual(readFileSync(store.pathOf(first.digest)), data);
    const again = await store.put(Readable.from([data]), { digest: digestOf(data), size: data.length });
    assert.deepEqual(again, { digest: digestOf(data), size: data.length, created: false });
    assert.deepEqual(filesIn(join(store.root, 'tmp')), [], 'no temporary file remains');
  });

  it('refuses bytes of another size or digest than expected, storing nothing', async () => {
    const store = freshStore();
    const data = Buffer.from('model weights');
    await assert.rejects(store.put(Readable.from([data]), { size: data.length + 1 }), (e: unknown) =>
      e instanceof ModelVaultError && e.code === 'size_mismatch' && e.message === `received ${data.length} bytes, expected ${data.length + 1}` &&
      e.details.expected === data.length + 1 && e.details.actual === data.length && /retry/.test(String(e.details.hint)));
    await assert.rejects(store.put(Readable.from([data]), { size: 0 }), code('size_mismatch'));
    const other = digestOf(Buffer.from('other'));
    await assert.rejects(store.put(Readable.from([data]), { digest: other, size: data.length }), (e: unknown) =>
      e instanceof ModelVaultError && e.code === 'digest_mismatch' && e.message === `content hashes to ${digestOf(data)}, not ${other}` &&
      e.details.expected === other && e.details.actual === digestOf(data) && /re-hash the file/.test(String(e.details.hint)));
    assert.equal(await store.stat(digestOf(data)), undefined);
    assert.deepEqual(filesIn(join(store.root, 'tmp')), []);
    assert.deepEqual((await store.put(Readable.from([data]), { digest: digestOf(data), size: data.length })).created, true);
  });

  it('refuses an expected digest that is not one before reading a byte', async () => {
    const store = freshStore();
    const source = Readable.from([Buffer.from('x')]);
    await assert.rejects(store.put(source, { digest: 'sha256:nope' as Digest }), code('invalid_digest'));
    assert.equal(source.readableDidRead, false);
  });

  it('a source that fails leaves no temporary file and stores nothing', async () => {
    const store = freshStore();
    const broken = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('connection reset'));
      },
    });
    await assert.rejects(store.put(broken), (e: unknown) => e instanceof ModelVaultError && /connection reset/.test(e.message));
    assert.deepEqual(filesIn(join(store.root, 'tmp')), []);
    assert.deepEqual(filesIn(join(store.root, 'sha256')), []);
  });

  it('writes the bytes to a .part file under tmp/ until they are complete', async () => {
    const store = freshStore();
    const source = new PassThrough();
    const stored = store.put(source);
    source.write(Buffer.from('first half '));
    while (!filesIn(join(store.root, 'tmp')).some((f) => f.endsWith('.part'))) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(filesIn(store.root).sort(), ['tmp']);
    source.end(Buffer.from('second half'));
    assert.equal((await stored).size, 22);
    assert.deepEqual(filesIn(join(store.root, 'tmp')), []);
  });

  it('a source that fails before its first byte ends the put with its own error', async () => {
    const store = freshStore();
    const broken = new Readable({
      read() {
        this.destroy(new Error('connection reset before any byte'));
      },
    });
    await assert.rejects(store.put(broken), (e: unknown) => e instanceof ModelVaultError && e.message === 'connection reset before any byte');
    assert.deepEqual(filesIn(join(store.root, 'tmp')), []);
  });

  it('a blob that cannot be moved into place leaves no temporary file', async () => {
    const store = freshStore();
    await store.ready();
    writeFileSync(join(store.root, 'sha256'), 'a file where the blob directories belong');
    await assert.rejects(store.put(Readable.from([Buffer.from('x')])), (e: unknown) => e instanceof ModelVaultError);
    assert.deepEqual(filesIn(join(store.root, 'tmp')), []);
  });

  /** A fresh store and two local files, `a` (alpha) and `b` (beta). */
  function storeAndFiles(): { store: FsBlobStore; dir: string; a: string; b: string } {
    const dir = mkdtempSync(join(root, 'src-'));
    writeFileSync(join(dir, 'a'), 'alpha');
    writeFileSync(join(dir, 'b'), 'beta');
    return { store: freshStore(), dir, a: join(dir, 'a'), b: join(dir, 'b') };
  }

  it('stores local files on a store never used before, reporting progress per file', async () => {
    const { store, a } = storeAndFiles();
    const progress = new Map<number, number>();
    assert.deepEqual((await store.putFiles([a], (i, n) => progress.set(i, n))).map((r) => r.created), [true], 'works on a store never used before');
    assert.deepEqual([...progress], [[0, 5]]);
  });

  it('stores local files in the order given, each once', async () => {
    const { store, dir, a, b } = storeAndFiles();
    assert.deepEqual(await store.putFile(a, { digest: digestOf(Buffer.from('alpha')) }), { digest: digestOf(Buffer.from('alpha')), size: 5, created: true });
    const results = await store.putFiles([b, a, b]);
    assert.deepEqual(results.map((r) => [r.digest, r.size]), [[digestOf(Buffer.from('beta')), 4], [digestOf(Buffer.from('alpha')), 5], [digestOf(Buffer.from('beta')), 4]]);
    assert.deepEqual(results.map((r) => r.created), [true, false, false]);
    assert.deepEqual(await store.putFiles([]), []);
    await assert.rejects(store.putFiles([a, join(dir, 'missing')]), code('not_found'));
    assert.deepEqual(filesIn(join(store.root, 'tmp')), [], 'no temporary file remains after a failure');
  });
});

describe('reading a blob', () => {
  it('refuses a blob it does not hold', async () => {
    const store = freshStore();
    const d = digestOf(Buffer.from('absent'));
    assert.equal(await store.stat(d), undefined);
    await assert.rejects(store.open(d), (e: unknown) => e instanceof ModelVaultError && e.code === 'not_found' && e.message === `blob ${d} is not stored` && e.details.digest === d);
  });

  it('reads ranges inside the blob, cutting one that runs past its end, and refuses ranges outside it', async () => {
    const store = freshStore();
    const data = Buffer.from('0123456789');
    const { digest } = await store.put(Readable.from([data]));
    assert.equal((await drain(await store.open(digest, { range: { start: 2, end: 4 } }))).toString(), '234');
    assert.equal((await drain(await store.open(digest, { range: { start: 9, end: 9 } }))).toString(), '9');
    assert.equal((await drain(await store.open(digest, { range: { start: 0, end: 0 } }))).toString(), '0');
    assert.equal((await drain(await store.open(digest, { range: { start: 7, end: 100 } }))).toString(), '789');
    assert.equal((await drain(await store.open(digest, { range: { start: 3, end: 3 } }))).toString(), '3');
    for (const range of [{ start: -1, end: 3 }, { start: 5, end: 4 }, { start: 10, end: 12 }, { start: 11, end: 11 }]) {
      await assert.rejects(store.open(digest, { range }), (e: unknown) =>
        e instanceof ModelVaultError && e.code === 'invalid_range' && e.message === `range ${range.start}-${range.end} is outside blob of 10 bytes` && e.details.size === 10, JSON.stringify(range));
    }
  });

  it('checks a full read against the digest: a corrupted blob ends the stream with blob_corrupt unless the caller verifies itself', async () => {
    const store = freshStore();
    const data = randomBytes(3 << 20);
    const { digest } = await store.put(Readable.from([data]));
    assert.deepEqual(await drain(await store.open(digest)), data);
    assert.equal(await store.verify(digest), true);
    const bad = Buffer.from(data);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    writeFileSync(store.pathOf(digest), bad);
    const actual = digestOf(bad);
    await assert.rejects(drain(await store.open(digest)), (e: unknown) =>
      e instanceof ModelVaultError && e.code === 'blob_corrupt' && e.message === `stored blob ${digest} is corrupt (its bytes hash to ${actual})` &&
      e.details.actual === actual && /modelvault verify/.test(String(e.details.hint)));
    assert.deepEqual(await drain(await store.open(digest, { verify: false })), bad);
    assert.equal(await store.verify(digest), false);
  });

  it('a read error ends the verified stream with that error', async () => {
    const store = freshStore();
    const { digest } = await store.put(Readable.from([Buffer.from('soon a directory')]));
    const stream = await store.open(digest);
    rmSync(store.pathOf(digest));
    mkdirSync(store.pathOf(digest));
    await assert.rejects(drain(stream), (e: unknown) => (e as NodeJS.ErrnoException).code === 'EISDIR');
  });

  it('verify() is false for a blob that is gone and an error for one it cannot read', async () => {
    const store = freshStore();
    assert.equal(await store.verify(digestOf(Buffer.from('never stored'))), false);
    const { digest } = await store.put(Readable.from([Buffer.from('becomes a directory')]));
    rmSync(store.pathOf(digest));
    mkdirSync(store.pathOf(digest));
    await assert.rejects(store.verify(digest), (e: unknown) => e instanceof ModelVaultError && e.code === 'internal');
  });

  it('stat() of a blob whose directory is a file is an error, not "absent"', async () => {
    const store = freshStore();
    writeFileSync(join(store.root, 'sha256'), 'not a directory');
    await assert.rejects(store.stat(digestOf(Buffer.from('x'))), (e: unknown) => e instanceof ModelVaultError);
  });
});

describe('file descriptors', () => {
  it('are all closed again after storing, appending and committing', async () => {
    const open = (): number => readdirSync('/proc/self/fd').length;
    const store = freshStore();
    await store.put(Readable.from([Buffer.from('warm-up')]));
    const before = open();
    for (let i = 0; i < 20; i++) {
      await store.put(Readable.from([Buffer.from(`blob ${i}`)]));
      const up = await store.createUpload();
      await store.appendUpload(up.id, 0, Readable.from([Buffer.from(`upload ${i}`)]));
      await store.commitUpload(up.id, digestOf(Buffer.from(`upload ${i}`)));
    }
    assert.ok(open() <= before + 2, `${open() - before} more descriptors open than before`);
  });
});

describe('listing and deleting blobs', () => {
  it('lists the stored digests in order, skipping names that are not digests, and lists nothing in an empty store', async () => {
    const store = freshStore();
    assert.deepEqual(await listed(store), []);
    const digests: Digest[] = [];
    for (const s of ['one', 'two', 'three', 'four']) digests.push((await store.put(Readable.from([Buffer.from(s)]))).digest);
    const first = digests[0]!.slice(7);
    writeFileSync(join(store.root, 'sha256', first.slice(0, 2), first.slice(2, 4), 'stray.part'), 'x');
    writeFileSync(join(store.root, 'sha256', 'zz'), 'a file where a directory belongs');
    mkdirSync(join(store.root, 'sha256', '00'), { recursive: true });
    writeFileSync(join(store.root, 'sha256', '00', '11'), 'a file where a directory belongs');
    assert.deepEqual(await listed(store), [...digests].sort());
    await store.delete(digests[1]!);
    await store.delete(digests[1]!);
    assert.equal(await store.stat(digests[1]!), undefined);
    assert.deepEqual(await listed(store), digests.filter((d) => d !== digests[1]).sort());
  });
});

describe('resumable uploads', () => {
  it('start empty, keep their creation time, and refuse an id that is not one or is unknown', async () => {
    const store = freshStore();
    const up = await store.createUpload();
    assert.equal(up.offset, 0);
    assert.ok(Math.abs(Date.parse(up.createdAt) - Date.now()) < 60_000);
    assert.deepEqual(await store.getUpload(up.id), up);
    for (const id of ['../../etc', 'x', `${up.id}/..`]) {
      await assert.rejects(store.getUpload(id), (e: unknown) =>
        e instanceof ModelVaultError && e.code === 'not_found' && e.message === `upload ${JSON.stringify(id)} does not exist` && e.details.upload === id, id);
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    await assert.rejects(store.getUpload(unknown), (e: unknown) =>
      e instanceof ModelVaultError && e.code === 'not_found' && e.message === `upload ${unknown} does not exist` && e.details.hint === 'start a new upload');
    writeFileSync(join(store.root, 'uploads', up.id, 'info.json'), '{');
    await assert.rejects(store.getUpload(up.id), (e: unknown) => e instanceof ModelVaultError && e.code !== 'not_found');
  });

  it('refuse an append at another offset, draining its body and saying where to resume', async () => {
    const store = freshStore();
    const up = await store.createUpload();
    await store.appendUpload(up.id, 0, Readable.from([Buffer.from('abc')]));
    const body = Readable.from([Buffer.from('zzz')]);
    const drained = once(body, 'end');
    await assert.rejects(store.appendUpload(up.id, 5, body), (e: unknown) =>
      e instanceof ModelVaultError && e.code === 'conflict' && e.message === `upload ${up.id} is at offset 3, not 5` && e.details.offset === 3 && e.details.hint === 'resume from offset 3');
    await drained;
    assert.equal((await store.getUpload(up.id)).offset, 3);
  });

  it('commit only the bytes that hash to the digest given, then forget the upload', async () => {
    const store = freshStore();
    const up = await store.createUpload();
    await store.appendUpload(up.id, 0, Readable.from([Buffer.from('hello ')]));
    await store.appendUpload(up.id, 6, Readable.from([Buffer.from('world')]));
    await assert.rejects(store.commitUpload(up.id, 'sha256:abc' as Digest), code('invalid_digest'));
    const r = await store.commitUpload(up.id, digestOf(Buffer.from('hello world')));
    assert.deepEqual(r, { digest: digestOf(Buffer.from('hello world')), size: 11, created: true });
    assert.equal(readFileSync(store.pathOf(r.digest), 'utf8'), 'hello world');
    await assert.rejects(store.getUpload(up.id), code('not_found'));
    assert.deepEqual(filesIn(join(store.root, 'tmp')), []);
    const again = await store.createUpload();
    await store.appendUpload(again.id, 0, Readable.from([Buffer.from('hello world')]));
    assert.deepEqual(await store.commitUpload(again.id, r.digest), { ...r, created: false });
  });

  it('a commit with the wrong digest discards the upload, whether the digest ran while appending or is computed again', async () => {
    for (const sameStore of [true, false]) {
      const store = freshStore();
      const up = await store.createUpload();
      await store.appendUpload(up.id, 0, Readable.from([Buffer.from('abc')]));
      const committer = sameStore ? store : new FsBlobStore(store.root);
      const wrong = digestOf(Buffer.from('abd'));
      await assert.rejects(committer.commitUpload(up.id, wrong), (e: unknown) =>
        e instanceof ModelVaultError && e.code === 'digest_mismatch' && e.message === `uploaded bytes hash to ${digestOf(Buffer.from('abc'))}, not ${wrong}` &&
        e.details.expected === wrong && /upload the file again/.test(String(e.details.hint)));
      await assert.rejects(store.getUpload(up.id), code('not_found'));
      assert.deepEqual(await listed(store), []);
    }
  });

  it('a commit after appends by another store re-hashes what is on disk', async () => {
    const store = freshStore();
    const other = new FsBlobStore(store.root);
    const up = await store.createUpload();
    await store.appendUpload(up.id, 0, Readable.from([Buffer.from('one ')]));
    await other.appendUpload(up.id, 4, Readable.from([Buffer.from('two ')]));
    await store.appendUpload(up.id, 8, Readable.from([Buffer.from('three')]));
    assert.equal((await store.commitUpload(up.id, digestOf(Buffer.from('one two three')))).size, 13);
  });

  it('a commit after another store appended last re-hashes what is on disk', async () => {
    const store = freshStore();
    const up = await store.createUpload();
    await store.appendUpload(up.id, 0, Readable.from([Buffer.from('mine ')]));
    await new FsBlobStore(store.root).appendUpload(up.id, 5, Readable.from([Buffer.from('theirs')]));
    assert.equal((await store.commitUpload(up.id, digestOf(Buffer.from('mine theirs')))).size, 11);
  });

  it('an abort removes the upload; aborting an unknown one is not_found', async () => {
    const store = freshStore();
    const up = await store.createUpload();
    await store.appendUpload(up.id, 0, Readable.from([Buffer.from('abc')]));
    await store.abortUpload(up.id);
    assert.deepEqual(filesIn(join(store.root, 'uploads')), []);
    await assert.rejects(store.abortUpload(up.id), code('not_found'));
  });
});

describe('a blob store on a full disk', { skip: canMount ? false : 'needs root to mount a small tmpfs' }, () => {
  const disk = join(root, 'full');
  before(() => assert.ok(mountTmpfs(disk, 'size=64k')));
  after(() => unmount(disk));

  it('fails put and append with storage_full, keeping no temporary file, and ready() says the disk is full', async () => {
    const store = new FsBlobStore(disk);
    await store.ready();
    const big = randomBytes(256 << 10);
    await assert.rejects(store.put(Readable.from([big])), code('storage_full'));
    assert.deepEqual(filesIn(join(disk, 'tmp')), []);
    const up = await store.createUpload();
    await assert.rejects(store.appendUpload(up.id, 0, Readable.from([big])), code('storage_full'));
    // Whatever room is left (the append's lock file was removed) is taken, so ready()'s probe finds none.
    try {
      writeFileSync(join(disk, 'filler'), randomBytes(64 << 10));
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    await assert.rejects(store.ready(), (e: unknown) => e instanceof ModelVaultError && e.code === 'storage_full' && e.message.startsWith(`blob storage at ${disk} is not usable`));
  });
});
