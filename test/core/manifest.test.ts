import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Digest } from '../../src/core/digest.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { checkManifest, MAX_MANIFEST_FILES, manifestDigest, type ClientManifestEntry } from '../../src/core/manifest.ts';

const D1: Digest = `sha256:${createHash('sha256').update('one').digest('hex')}`;
const D2: Digest = `sha256:${createHash('sha256').update('two').digest('hex')}`;
const D3: Digest = `sha256:${createHash('sha256').update('three').digest('hex')}`;
const sha = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A ModelVaultError with this code, whose message and field name the entry at fault. */
const refused = (code: string, message: RegExp, field?: string) => (e: unknown): boolean =>
  e instanceof ModelVaultError && e.code === code && message.test(e.message) && (field === undefined || e.details.field === field);

describe('manifest digest', () => {
  it('is sha256 over the canonical JSON of the entries sorted by path, with only path, size and digest', () => {
    const files = [
      { path: 'weights/b.bin', size: 2, digest: D2, format: 'pickle' },
      { path: 'a.json', size: 10, digest: D1, format: 'json' },
      { path: 'weights/a.bin', size: 0, digest: D3, format: 'safetensors' },
    ];
    const text = `{"files":[{"digest":"${D1}","path":"a.json","size":10},{"digest":"${D3}","path":"weights/a.bin","size":0},{"digest":"${D2}","path":"weights/b.bin","size":2}]}`;
    assert.equal(manifestDigest(files), sha(text));
  });

  it('does not depend on the order of the files, nor on their formats, and leaves the input as it was', () => {
    const files = [
      { path: 'b', size: 1, digest: D1 },
      { path: 'a', size: 2, digest: D2 },
      { path: 'c', size: 3, digest: D3 },
    ];
    const copy = structuredClone(files);
    const expected = manifestDigest(files);
    assert.deepEqual(files, copy);
    assert.equal(manifestDigest([files[2]!, files[0]!, files[1]!]), expected);
    assert.equal(manifestDigest([files[1]!, files[2]!, files[0]!]), expected);
    assert.equal(manifestDigest(files.map((f) => ({ ...f, format: 'onnx' }))), expected);
  });

  it('changes with any path, size or digest', () => {
    const base = [{ path: 'a', size: 1, digest: D1 }, { path: 'b', size: 2, digest: D2 }];
    const d = manifestDigest(base);
    assert.notEqual(manifestDigest([base[0]!, { ...base[1]!, path: 'c' }]), d);
    assert.notEqual(manifestDigest([base[0]!, { ...base[1]!, size: 3 }]), d);
    assert.notEqual(manifestDigest([base[0]!, { ...base[1]!, digest: D3 }]), d);
    assert.notEqual(manifestDigest([base[0]!]), d);
  });

  it('sorts by code unit, so equal paths keep a stable digest and upper case sorts before lower case', () => {
    const text = `{"files":[{"digest":"${D1}","path":"B","size":1},{"digest":"${D2}","path":"a","size":2}]}`;
    assert.equal(manifestDigest([{ path: 'a', size: 2, digest: D2 }, { path: 'B', size: 1, digest: D1 }]), sha(text));
  });

  it('sorts long lists of distinct paths in any order the way the default string order does', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 400 }), (paths) => {
      const files = paths.map((p) => ({ path: p, size: p.length, digest: D1 }));
      const text = JSON.stringify({ files: [...paths].sort().map((p) => ({ digest: D1, path: p, size: p.length })) });
      assert.equal(manifestDigest(files), sha(text));
    }), { numRuns: 200 });
  });
});

describe('checking a manifest a client sends', () => {
  it('returns the entries normalised, in the order sent, without a claimed format', () => {
    const files: ClientManifestEntry[] = [
      { path: './weights\\model.bin', size: 5, digest: D1, format: 'safetensors' },
      { path: 'config.json', size: 0, digest: D2 },
    ];
    assert.deepEqual(checkManifest(files), [
      { path: 'weights/model.bin', size: 5, digest: D1 },
      { path: 'config.json', size: 0, digest: D2 },
    ]);
  });

  it('refuses an empty list and a value that is not a list', () => {
    assert.throws(() => checkManifest([]), refused('invalid_input', /^a version needs at least one file$/, 'files'));
    assert.throws(() => checkManifest({ length: 1 } as unknown as ClientManifestEntry[]), refused('invalid_input', /^a version needs at least one file$/, 'files'));
    assert.throws(() => checkManifest(null as unknown as ClientManifestEntry[]), refused('invalid_input', /at least one file/, 'files'));
  });

  it(`accepts ${MAX_MANIFEST_FILES} files and refuses one more`, () => {
    assert.equal(MAX_MANIFEST_FILES, 100_000);
    const many = Array.from({ length: MAX_MANIFEST_FILES + 1 }, (_, i) => ({ path: `f${i}`, size: 1, digest: D1 }));
    assert.throws(() => checkManifest(many), refused('invalid_input', /^a version may hold at most 100000 files$/, 'files'));
    assert.equal(checkManifest(many.slice(0, MAX_MANIFEST_FILES)).length, MAX_MANIFEST_FILES);
  });

  it('refuses a path that leaves the directory, naming the entry', () => {
    assert.throws(() => checkManifest([{ path: 'a', size: 1, digest: D1 }, { path: '../etc/passwd', size: 1, digest: D1 }]), (e: unknown) =>
      e instanceof ModelVaultError && e.code === 'invalid_path' && e.message.startsWith('files[1].path '));
  });

  it('refuses the same file twice, also when two spellings normalise to one path', () => {
    assert.throws(() => checkManifest([{ path: 'a/b', size: 1, digest: D1 }, { path: './a\\b', size: 2, digest: D2 }]),
      refused('invalid_input', /^files\[1\]\.path a\/b appears twice$/, 'files[1].path'));
    assert.doesNotThrow(() => checkManifest([{ path: 'a/b', size: 1, digest: D1 }, { path: 'a/c', size: 1, digest: D1 }]));
  });

  it('refuses files in version control, names that differ only in case or Unicode form, and a file used as a directory', () => {
    const entries = (...paths: string[]): ClientManifestEntry[] => paths.map((path) => ({ path, size: 1, digest: D1 }));
    const cases: [string[], RegExp, string][] = [
      [['a', '.git/config'], /^files\[1\]\.path \.git\/config is inside a version-control directory \(\.git\)$/, 'files[1].path'],
      [['w/.Git/hooks/pre-commit'], /^files\[0\]\.path w\/\.Git\/hooks\/pre-commit is inside a version-control directory \(\.Git\)$/, 'files[0].path'],
      [['.svn/entries'], /\(\.svn\)$/, 'files[0].path'],
      [['.HG/hgrc'], /\(\.HG\)$/, 'files[0].path'],
      [['README.md', 'readme.MD'], /^files\[1\]\.path readme\.MD and files\[0\]\.path README\.md differ only in letter case or Unicode form: on a case-insensitive file system one would overwrite the other$/, 'files[1].path'],
      [['Dir/a', 'dir/a'], /^files\[1\]\.path dir\/a and files\[0\]\.path Dir\/a differ only/, 'files[1].path'],
      [['\u00c5.bin', 'A\u030a.bin'], /^files\[1\]\.path A\u030a\.bin and files\[0\]\.path \u00c5\.bin differ only/, 'files[1].path'],
      [['m', 'n', 'm/x'], /^files\[2\]\.path m\/x is inside files\[0\]\.path m, which is a file$/, 'files[2].path'],
      [['p/q/r', 'p/q'], /^files\[0\]\.path p\/q\/r is inside files\[1\]\.path p\/q, which is a file$/, 'files[0].path'],
    ];
    for (const [paths, message, field] of cases) assert.throws(() => checkManifest(entries(...paths)), refused('invalid_path', message, field), paths.join(' '));
    // Names that only look alike are fine: a dot-directory of another name, a file beside a directory of a longer name.
    assert.deepEqual(checkManifest(entries('.github/x', 'git/config', 'a.git', 'm', 'mm/x', 'm.d/x')).map((f) => f.path), ['.github/x', 'git/config', 'a.git', 'm', 'mm/x', 'm.d/x']);
  });

  it('refuses a digest that is not sha256:<hex>, naming the entry and the value', () => {
    for (const digest of [D1.toUpperCase(), D1.slice(0, -1), 'md5:abc', 42, undefined]) {
      assert.throws(() => checkManifest([{ path: 'a', size: 1, digest: D1 }, { path: 'b', size: 1, digest: digest as Digest }]),
        (e: unknown) => e instanceof ModelVaultError && e.code === 'invalid_digest' && e.details.field === 'files[1].digest'
          && e.message === `files[1].digest ${JSON.stringify(digest)} is not sha256:<hex>`, String(digest));
    }
  });

  it('refuses a size that is negative, fractional, unsafe or not a number, and accepts zero', () => {
    for (const size of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Infinity, '5', null]) {
      assert.throws(() => checkManifest([{ path: 'a', size: 1, digest: D1 }, { path: 'b', size: size as number, digest: D1 }]),
        refused('invalid_input', /^files\[1\]\.size must be a non-negative integer$/, 'files[1].size'), String(size));
    }
    assert.equal(checkManifest([{ path: 'a', size: 0, digest: D1 }])[0]!.size, 0);
    assert.equal(checkManifest([{ path: 'a', size: Number.MAX_SAFE_INTEGER, digest: D1 }])[0]!.size, Number.MAX_SAFE_INTEGER);
  });
});
