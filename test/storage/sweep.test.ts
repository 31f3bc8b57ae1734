import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { UPLOAD_LOCK } from '../../src/storage/upload-lock.ts';
import { spawnCli } from '../helpers/cli.ts';
import { makeModelDir, tempDir } from '../helpers/model-dir.ts';

const work = tempDir('mv-sweep-');
after(() => rmSync(work, { recursive: true, force: true }));
const HOUR = 60 * 60 * 1000;
const age = (path: string, ms: number): void => {
  const t = new Date(Date.now() - ms);
  utimesSync(path, t, t);
};

describe('sweeping leftovers of interrupted work', () => {
  it('removes temp files and upload sessions past their grace, and keeps fresh ones, other files and sessions being written', async () => {
    const store = new FsBlobStore(join(work, 'store'));
    await store.ready();
    const tmp = join(store.root, 'tmp');
    writeFileSync(join(tmp, 'old.part'), Buffer.alloc(1000));
    age(join(tmp, 'old.part'), 2 * HOUR);
    writeFileSync(join(tmp, 'fresh.part'), Buffer.alloc(10));
    writeFileSync(join(tmp, 'notes.txt'), 'not ours');
    age(join(tmp, 'notes.txt'), 2 * HOUR);

    const idle = await store.createUpload();
    await store.appendUpload(idle.id, 0, Readable.from([Buffer.alloc(500)]));
    for (const f of ['data', 'info.json']) age(join(store.root, 'uploads', idle.id, f), 25 * HOUR);
    const busy = await store.createUpload();
    for (const f of ['data', 'info.json']) age(join(store.root, 'uploads', busy.id, f), 25 * HOUR);
    // A live process (this test's parent) is writing it.
    writeFileSync(join(store.root, 'uploads', busy.id, UPLOAD_LOCK), JSON.stringify({ pid: process.ppid, host: hostname(), since: new Date().toISOString() }));
    const recent = await store.createUpload();

    assert.deepEqual(await store.sweep(), { tempFiles: 1, uploads: 1, bytes: 1500 });
    assert.deepEqual(readdirSync(tmp).sort(), ['fresh.part', 'notes.txt']);
    assert.deepEqual(readdirSync(join(store.root, 'uploads')).sort(), [busy.id, recent.id].sort());
    await assert.rejects(store.getUpload(idle.id), (e: Error & { code?: string }) => e.code === 'not_found');

    // Shorter limits, as an operator may set them: now the fresh temp file and the recent session go too.
    assert.deepEqual(await store.sweep({ tempGraceMs: -1, uploadExpiryMs: -1 }), { tempFiles: 1, uploads: 1, bytes: 10 });
    assert.deepEqual(readdirSync(join(store.root, 'uploads')), [busy.id]);
  });

  it('the next command after a push killed mid-write removes its temp file once it is past the grace period, and no version appears', async () => {
    const home = join(work, 'home');
    const big = join(work, 'big-model');
    const { dir } = makeModelDir({ name: 'killed', version: '1.0.0', root: big, files: { 'model.bin': Buffer.alloc(16) } });
    // A large sparse file: reading it takes long enough to kill the push while it writes.
    truncateSync(join(dir, 'model.bin'), 2 ** 31);
    const bin = fileURLToPath(new URL('../../bin/modelvault.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'push', dir], { env: { ...process.env, MODELVAULT_HOME: home, MODELVAULT_URL: '', MODELVAULT_DATABASE_URL: '', MODELVAULT_BLOB_URL: '' }, stdio: 'ignore' });
    const tmp = join(home, 'blobs', 'tmp');
    const parts = (): string[] => (existsSync(tmp) ? readdirSync(tmp).filter((n) => n.endsWith('.part')) : []);
    for (let i = 0; i < 1000 && !parts().some((p) => statSync(join(tmp, p)).size > 0); i++) await sleep(10);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const left = parts();
    assert.ok(left.length > 0, 'the killed push left a temp file');

    const soon = await spawnCli(['versions', 'list', 'killed'], { MODELVAULT_HOME: home });
    assert.equal(soon.code, 2, 'no version of the killed push is visible');
    assert.match(soon.stderr, /killed/);
    assert.deepEqual(parts(), left, 'within the grace period a temp file may belong to a running write: kept');

    for (const p of left) age(join(tmp, p), 2 * HOUR);
    assert.equal((await spawnCli(['models', 'list'], { MODELVAULT_HOME: home })).code, 0);
    assert.deepEqual(parts(), [], 'the next command removed it');
  });
});

