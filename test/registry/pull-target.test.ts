import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Digest } from '../../src/core/digest.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { pullVersion, type VersionDetail } from '../../src/registry/index.ts';
import { EmbeddedBlobTransport } from '../../src/registry/embedded-transport.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { tempDir } from '../helpers/model-dir.ts';

// A pull trusts neither the server's manifest nor what already sits in the target directory.
const work = tempDir('mv-pull-target-');
after(() => rmSync(work, { recursive: true, force: true }));
const store = new FsBlobStore(join(work, 'store'));
const transport = new EmbeddedBlobTransport(store);
const WEIGHTS = Buffer.from('weights');
let digest: Digest;
before(async () => {
  digest = (await store.put(Readable.from([WEIGHTS]))).digest;
});

/** The part of a version a pull reads, as a hostile server could send it. */
const version = (...paths: string[]): VersionDetail => ({ files: paths.map((path) => ({ path, size: WEIGHTS.length, digest, format: 'binary' })) }) as unknown as VersionDetail;
let n = 0;
const target = (): string => {
  const dir = join(work, `target-${n++}`);
  mkdirSync(dir);
  return dir;
};
const refused = (code: string, message: string | RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof ModelVaultError, String(e));
  assert.equal(e.code, code);
  if (typeof message === 'string') assert.equal(e.message, message);
  else assert.match(e.message, message);
  return true;
};
/** Every entry under `dir`, recursively, as relative paths. */
const tree = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('pulling into a directory', () => {
  it('does not write through a symlinked directory already in the target, wherever it points', async () => {
    const dir = target();
    const outside = join(work, `outside-${n}`);
    mkdirSync(outside);
    symlinkSync(outside, join(dir, 'sub'));
    await assert.rejects(pullVersion({ transport, version: version('a.bin', 'sub/w.bin'), dir }), refused('invalid_path', 'sub in the target directory is a symlink; a pull does not write through links'));
    assert.deepEqual(readdirSync(outside), [], 'nothing was written where the link points');
    assert.deepEqual(tree(dir), ['sub'], 'nothing was written at all: the check comes before the first file');
    // Deeper: a link two levels down.
    const deep = target();
    mkdirSync(join(deep, 'a'));
    symlinkSync(outside, join(deep, 'a', 'b'));
    await assert.rejects(pullVersion({ transport, version: version('a/b/c/w.bin'), dir: deep }), refused('invalid_path', /^a\/b in the target directory is a symlink/));
    assert.deepEqual(readdirSync(outside), []);
  });

  it('refuses a file where the manifest needs a directory, and a link where it writes a file', async () => {
    const dir = target();
    writeFileSync(join(dir, 'sub'), 'mine');
    await assert.rejects(pullVersion({ transport, version: version('sub/w.bin'), dir }), refused('conflict', 'sub exists in the target directory and is not a directory'));
    assert.equal(readFileSync(join(dir, 'sub'), 'utf8'), 'mine');
    const linked = target();
    symlinkSync(join(work, 'nowhere'), join(linked, 'w.bin'));
    await assert.rejects(pullVersion({ transport, version: version('w.bin'), dir: linked, force: true }), refused('conflict', `w.bin exists in ${linked} and is not a regular file`));
    assert.equal(existsSync(join(work, 'nowhere')), false);
  });

  it('refuses manifests that write into version control, collide by letter case, or use a file as a directory', async () => {
    const cases: [string[], RegExp][] = [
      [['.git/config'], /^files\[0\]\.path \.git\/config is inside a version-control directory \(\.git\)$/],
      [['model.bin', 'sub/.GIT/hooks/post-checkout'], /^files\[1\]\.path sub\/\.GIT\/hooks\/post-checkout is inside a version-control directory \(\.GIT\)$/],
      [['.hg/hgrc'], /inside a version-control directory \(\.hg\)/],
      [['Model.bin', 'model.bin'], /^files\[1\]\.path model\.bin and files\[0\]\.path Model\.bin differ only in letter case or Unicode form/],
      [['caf\u00e9.bin', 'cafe\u0301.bin'], /^files\[1\]\.path cafe\u0301\.bin and files\[0\]\.path caf\u00e9\.bin differ only/],
      [['a', 'a/b'], /^files\[1\]\.path a\/b is inside files\[0\]\.path a, which is a file$/],
      [['x/y/z', 'x/y'], /^files\[0\]\.path x\/y\/z is inside files\[1\]\.path x\/y, which is a file$/],
    ];
    for (const [paths, message] of cases) {
      const dir = target();
      await assert.rejects(pullVersion({ transport, version: version(...paths), dir }), refused('invalid_path', message), paths.join(' '));
      assert.deepEqual(tree(dir), [], `${paths.join(' ')}: nothing written`);
    }
  });

  it('refuses paths that leave the directory, in every spelling', async () => {
    for (const path of ['../escape.bin', '/etc/escape.bin', 'a/../../escape.bin', 'a\\..\\..\\escape.bin', 'C:/escape.bin', 'a\u0000b', '.', '']) {
      const dir = target();
      await assert.rejects(pullVersion({ transport, version: version(path), dir }), refused('invalid_path', /^files\[0\]\.path /), JSON.stringify(path));
      assert.deepEqual(tree(dir), []);
    }
    assert.equal(existsSync(join(work, 'escape.bin')), false);
  });

  it('removes the leftovers of a killed download beside the files it writes, and nothing else', async () => {
    const dir = target();
    mkdirSync(join(dir, 'sub'));
    const leftovers = ['.0123456789ab.mvpart', 'sub/.ba9876543210.mvpart'];
    for (const f of leftovers) writeFileSync(join(dir, f), 'half a download');
    writeFileSync(join(dir, '.notmine.mvpart'), 'keep');
    writeFileSync(join(dir, 'notes.txt'), 'keep');
    const pulled = await pullVersion({ transport, version: version('w.bin', 'sub/w.bin'), dir });
    assert.deepEqual(pulled.map((p) => p.status), ['written', 'written']);
    assert.deepEqual(tree(dir), ['.notmine.mvpart', 'notes.txt', 'sub', 'sub/w.bin', 'w.bin']);
    assert.deepEqual(readFileSync(join(dir, 'sub', 'w.bin')), WEIGHTS);
  });

  it('leaves no file and no partial download when the bytes do not match the manifest', async () => {
    const dir = target();
    const wrong = `sha256:${createHash('sha256').update('other').digest('hex')}` as Digest;
    // The store holds WEIGHTS under `digest`; a manifest claiming another digest for them is a lie.
    const v = { files: [{ path: 'w.bin', size: WEIGHTS.length, digest, format: 'binary' }] } as unknown as VersionDetail;
    await store.put(Readable.from([Buffer.from('other')]));
    writeFileSync(store.pathOf(wrong), WEIGHTS.toString().split('').reverse().join(''));
    await assert.rejects(pullVersion({ transport, version: { files: [{ ...v.files[0]!, digest: wrong }] } as unknown as VersionDetail, dir }), refused('digest_mismatch', /^w\.bin: downloaded bytes hash to sha256:[0-9a-f]{64} \(7 bytes\), expected sha256:[0-9a-f]{64} \(7 bytes\)$/));
    assert.deepEqual(tree(dir), []);
  });
});
