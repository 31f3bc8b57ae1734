import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { makeModelDir, tempDir } from '../helpers/model-dir.ts';
import { canMount, mountTmpfs, unmount } from '../helpers/tmpfs.ts';

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return [];
  }
}

describe('storage failures', () => {
  const work = tempDir('mv-disk-');
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a home that cannot be created is a clear storage_unavailable error naming it', async () => {
    const file = join(work, 'not-a-dir');
    writeFileSync(file, 'x');
    const { dir } = makeModelDir({ root: join(work, 'model-a') });
    const r = await runCli(['push', dir], { MODELVAULT_HOME: join(file, 'home') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error\[storage_unavailable\]: cannot create MODELVAULT_HOME .*not-a-dir\/home/m);
    assert.match(r.stderr, /hint: set MODELVAULT_HOME/);
  });

  describe('on a full disk', { skip: canMount ? false : 'needs root to mount a small tmpfs' }, () => {
    const blobs = join(work, 'full-blobs');
    before(() => assert.ok(mountTmpfs(blobs, 'size=256k')));
    after(() => unmount(blobs));

    it('a push that does not fit fails with storage_full and leaves nothing behind', async () => {
      const home = join(work, 'home-full');
      const env = { MODELVAULT_HOME: home, MODELVAULT_BLOB_URL: `file://${blobs}` };
      const { dir } = makeModelDir({ root: join(work, 'model-big'), files: { 'big_1.0.0_20261123.bin': Buffer.alloc(1024 * 1024, 7) } });
      const r = await runCli(['push', dir], env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error\[storage_full\]: no space left on the device/m);
      assert.deepEqual(filesUnder(blobs).filter((f) => f !== '.probe'), [], 'no blob or temp file remains');
      const list = await runCli(['models', 'list', '--json'], env);
      assert.deepEqual((list.json as { items: unknown[] }).items, [], 'nothing registered');
      const { dir: small } = makeModelDir({ root: join(work, 'model-small'), name: 'small-model' });
      assert.equal((await runCli(['push', small], env)).code, 0, 'the store still works once a push fits');
    });
  });

  describe('on a read-only disk', { skip: canMount ? false : 'needs root to mount a small tmpfs' }, () => {
    const blobs = join(work, 'ro-blobs');
    before(() => assert.ok(mountTmpfs(blobs, 'size=64k,ro')));
    after(() => unmount(blobs));

    it('the blob store reports storage_unavailable with a fix', async () => {
      const { dir } = makeModelDir({ root: join(work, 'model-ro') });
      const r = await runCli(['push', dir], { MODELVAULT_HOME: join(work, 'home-ro'), MODELVAULT_BLOB_URL: `file://${blobs}` });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error\[storage_(unavailable|full)\]: blob storage at .*ro-blobs is not usable/m);
      assert.match(r.stderr, /hint: make the directory writable/);
    });
  });
});
