import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ModelVaultError } from '../../src/core/errors.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { isStale, UPLOAD_LOCK } from '../../src/storage/upload-lock.ts';
import { tempDir } from '../helpers/model-dir.ts';

const root = tempDir('mv-upload-writers-');
after(() => rmSync(root, { recursive: true, force: true }));
const store = new FsBlobStore(root);
const digestOf = (b: Buffer): `sha256:${string}` => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const lockOf = (id: string): string => join(root, 'uploads', id, UPLOAD_LOCK);

/** An error of `code` whose message is exactly `message`. */
const refused = (code: string, message: string) => (e: unknown): boolean => {
  assert.ok(e instanceof ModelVaultError, String(e));
  assert.equal(e.code, code);
  assert.equal(e.message, message);
  return true;
};
const busy = (action: string, id: string) => (e: unknown): boolean => {
  assert.ok(e instanceof ModelVaultError, String(e));
  assert.equal(e.code, 'conflict');
  assert.match(e.message, new RegExp(`^cannot ${action} upload ${id}: another request is writing it \\(since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)$`));
  assert.match(String(e.details.hint), /^send one request at a time per upload/);
  return true;
};

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await sleep(5);
  assert.ok(cond(), 'condition not reached within 2.5 s');
}

describe('one writer per upload session', () => {
  it('refuses a second append, a commit and an abort while an append is in flight, then commits exactly the bytes hashed', async () => {
    const data = randomBytes(300_000);
    const up = await store.createUpload();
    const slow = new PassThrough();
    const first = store.appendUpload(up.id, 0, slow);
    slow.write(data.subarray(0, 100_000));
    await until(() => existsSync(lockOf(up.id)));

    // The same offset passes the offset check: only the lock keeps the two bodies from both being appended.
    const second = Readable.from([data.subarray(0, 100_000)]);
    await assert.rejects(store.appendUpload(up.id, 0, second), busy('append to', up.id));
    assert.ok(second.readableEnded || second.readableFlowing, 'the refused body is drained, not left hanging');
    await assert.rejects(store.commitUpload(up.id, digestOf(data)), busy('commit', up.id));
    await assert.rejects(store.abortUpload(up.id), busy('abort', up.id));

    slow.end(data.subarray(100_000));
    assert.equal((await first).offset, data.length);
    assert.equal(existsSync(lockOf(up.id)), false, 'the lock goes with the append');
    const r = await store.commitUpload(up.id, digestOf(data));
    assert.deepEqual(r, { digest: digestOf(data), size: data.length, created: true });
    assert.deepEqual(readFileSync(store.pathOf(r.digest)), data);
    assert.equal(await store.verify(r.digest), true);
  });

  it('releases the lock after a refused or failed append, so the client can resume', async () => {
    const up = await store.createUpload();
    await assert.rejects(store.appendUpload(up.id, 7, Readable.from([Buffer.from('x')])), refused('conflict', `upload ${up.id} is at offset 0, not 7`));
    assert.equal(existsSync(lockOf(up.id)), false);
    const broken = new Readable({
      read() {
        this.push(Buffer.from('abc'));
        this.destroy(new Error('connection reset'));
      },
    });
    const cut = store.appendUpload(up.id, 0, broken);
    const s = await cut;
    assert.ok(s.offset === 0 || s.offset === 3, `kept ${s.offset} bytes`);
    assert.equal(existsSync(lockOf(up.id)), false);
    assert.equal((await store.appendUpload(up.id, s.offset, Readable.from([Buffer.from('def')]))).offset, s.offset + 3);
  });

  it('takes over a lock whose process is gone, and respects one held by a live process or another host', async () => {
    const up = await store.createUpload();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const hold = (holder: unknown): void => writeFileSync(lockOf(up.id), JSON.stringify(holder));
    const since = new Date().toISOString();

    hold({ pid: dead, host: hostname(), since });
    assert.equal((await store.appendUpload(up.id, 0, Readable.from([Buffer.from('a')]))).offset, 1, 'a dead writer\'s lock is taken over');

    for (const holder of [{ pid: process.ppid, host: hostname(), since }, { pid: dead, host: `not-${hostname()}`, since }, { pid: process.pid, host: hostname(), since }]) {
      hold(holder);
      await assert.rejects(store.appendUpload(up.id, 1, Readable.from([Buffer.from('b')])), busy('append to', up.id), JSON.stringify(holder));
    }

    // A lock file left empty: recent, it may be a writer still creating it; old, its writer died doing so.
    writeFileSync(lockOf(up.id), '');
    await assert.rejects(store.commitUpload(up.id, digestOf(Buffer.from('a'))), (e: unknown) => e instanceof ModelVaultError && e.code === 'conflict' && e.message === `cannot commit upload ${up.id}: another request is writing it`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockOf(up.id), old, old);
    assert.equal((await store.commitUpload(up.id, digestOf(Buffer.from('a')))).size, 1);
  });

  it('holds a lock whose holder it cannot read while it is recent, and takes it over once it is old', async () => {
    const since = new Date().toISOString();
    const unreadable = ['', '{', '{}', JSON.stringify({ pid: process.ppid }), JSON.stringify({ pid: process.ppid, host: hostname() }), JSON.stringify({ host: hostname(), since }), JSON.stringify({ pid: String(process.ppid), host: hostname(), since }), JSON.stringify({ pid: process.ppid, host: 7, since }), JSON.stringify({ pid: process.ppid, host: hostname(), since: 1 })];
    for (const text of unreadable) {
      const up = await store.createUpload();
      writeFileSync(lockOf(up.id), text);
      await assert.rejects(store.appendUpload(up.id, 0, Readable.from([Buffer.from('a')])), refused('conflict', `cannot append to upload ${up.id}: another request is writing it`), text);
      const old = new Date(Date.now() - 60_000);
      utimesSync(lockOf(up.id), old, old);
      assert.equal((await store.appendUpload(up.id, 0, Readable.from([Buffer.from('a')]))).offset, 1, text);
    }
  });

  it('judges a lock abandoned only when it is gone, unreadable and old, or its process on this host ended', async () => {
    const path = join(root, 'lock-probe');
    assert.equal(await isStale(path, undefined), true, 'a lock that is gone is no obstacle');
    writeFileSync(path, '');
    assert.equal(await isStale(path, undefined), false);
    const old = new Date(Date.now() - 11_000);
    utimesSync(path, old, old);
    assert.equal(await isStale(path, undefined), true);
    const since = new Date().toISOString();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    assert.equal(await isStale(path, { pid: dead, host: hostname(), since }), true);
    assert.equal(await isStale(path, { pid: dead, host: `other-${hostname()}`, since }), false);
    assert.equal(await isStale(path, { pid: process.pid, host: hostname(), since }), false);
    assert.equal(await isStale(path, { pid: process.ppid, host: hostname(), since }), false);
  });

  it('closes the lock file it writes: no descriptor is left open after appends, a commit and an abort', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 20; i++) {
      const up = await store.createUpload();
      await store.appendUpload(up.id, 0, Readable.from([Buffer.from(`piece ${i}`)]));
      if (i % 2 === 0) await store.commitUpload(up.id, digestOf(Buffer.from(`piece ${i}`)));
      else await store.abortUpload(up.id);
    }
    assert.ok(fds() <= before + 2, `${before} descriptors before, ${fds()} after`);
  });

  it('reports a session directory it cannot lock for another reason as that reason, not as a busy session', async () => {
    const id = '00000000-0000-4000-8000-000000000002';
    writeFileSync(join(root, 'uploads', id), 'a file where the session directory should be');
    await assert.rejects(store.appendUpload(id, 0, Readable.from([Buffer.from('x')])), (e: unknown) => e instanceof ModelVaultError && e.code !== 'conflict' && /ENOTDIR|not a directory/.test(e.message));
    rmSync(join(root, 'uploads', id));
  });

  it('says not_found for a session that does not exist, whatever the request', async () => {
    const unknown = '00000000-0000-4000-8000-000000000001';
    const gone = (e: unknown): boolean => {
      refused('not_found', `upload ${unknown} does not exist`)(e);
      assert.deepEqual((e as ModelVaultError).details, { upload: unknown, hint: 'start a new upload' });
      return true;
    };
    await assert.rejects(store.appendUpload(unknown, 0, Readable.from([Buffer.from('x')])), gone);
    await assert.rejects(store.commitUpload(unknown, digestOf(Buffer.from('x'))), gone);
    await assert.rejects(store.abortUpload(unknown), gone);
  });
});

describe('a stored blob that no longer matches its digest', () => {
  it('is replaced by the next verified copy; an intact one is kept as it is', async () => {
    const data = randomBytes(70_000);
    const first = await store.put(Readable.from([data]));
    const path = store.pathOf(first.digest);
    const bad = Buffer.from(data);
    bad[12_345] = bad[12_345]! ^ 0x01;
    writeFileSync(path, bad);
    assert.equal(await store.verify(first.digest), false);

    const again = await store.put(Readable.from([data]), { digest: first.digest });
    assert.deepEqual(again, { digest: first.digest, size: data.length, created: true });
    assert.deepEqual(readFileSync(path), data);

    const inode = statSync(path).ino;
    assert.equal((await store.put(Readable.from([data]))).created, false);
    assert.equal(statSync(path).ino, inode, 'an intact blob is not rewritten');

    // A truncated copy, and one replaced through a resumable upload.
    writeFileSync(path, data.subarray(0, 100));
    const up = await store.createUpload();
    await store.appendUpload(up.id, 0, Readable.from([data]));
    assert.equal((await store.commitUpload(up.id, first.digest)).created, true);
    assert.deepEqual(readFileSync(path), data);
  });
});
