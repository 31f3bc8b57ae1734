import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ModelVaultError } from '../../src/core/errors.ts';
import { safeRelativePath } from '../../src/core/paths.ts';

const refused = (why: RegExp) => (e: unknown): boolean => e instanceof ModelVaultError && e.code === 'invalid_path' && why.test(e.message);

describe('safeRelativePath', () => {
  it('keeps relative paths and normalises separators, "." and repeated slashes', () => {
    assert.equal(safeRelativePath('model.onnx'), 'model.onnx');
    assert.equal(safeRelativePath('weights/part-1.bin'), 'weights/part-1.bin');
    assert.equal(safeRelativePath('weights\\part-1.bin'), 'weights/part-1.bin');
    assert.equal(safeRelativePath('./a//b/./c/'), 'a/b/c');
    assert.equal(safeRelativePath('...'), '...');
    assert.equal(safeRelativePath('a/..b/c..'), 'a/..b/c..');
    assert.equal(safeRelativePath('données/modèle ✓.bin'), 'données/modèle ✓.bin');
  });

  it('refuses ".." segments with either separator', () => {
    for (const p of ['..', '../x', 'a/../../x', 'a/..', 'a\\..\\x', '..\\x', './..']) assert.throws(() => safeRelativePath(p), refused(/leaves the model directory/), p);
  });

  it('refuses absolute paths, UNC paths and drive letters', () => {
    for (const p of ['/etc/passwd', '\\etc\\passwd', '\\\\server\\share\\x', '//server/x', 'C:\\Windows', 'c:/x', 'C:relative', './C:x', './/c:\\x']) assert.throws(() => safeRelativePath(p), refused(/is absolute/), p);
  });

  it('refuses NUL and other control characters', () => {
    for (const p of ['a\u0000b', 'model.onnx\u0000.txt', 'a\nb', 'a\tb', 'a\u001fb', 'a\u007fb']) assert.throws(() => safeRelativePath(p), refused(/control characters/), JSON.stringify(p));
  });

  it('refuses the empty path and paths that name the directory itself', () => {
    assert.throws(() => safeRelativePath(''), refused(/is empty/));
    for (const p of ['.', './', './/.', '\\']) assert.throws(() => safeRelativePath(p), (e: ModelVaultError) => e.code === 'invalid_path', p);
  });

  it('accepts 4096 characters and refuses 4097', () => {
    assert.equal(safeRelativePath('a'.repeat(4096)).length, 4096);
    assert.throws(() => safeRelativePath('a'.repeat(4097)), refused(/is too long/));
  });

  it('keeps a colon that does not follow a single leading letter, so only drive letters count as absolute', () => {
    for (const p of ['ab:c', 'notes/a:b.txt', '1:x', 'ab:c/d']) assert.equal(safeRelativePath(p), p);
  });

  it('refuses values that are not strings, as JSON input may carry them', () => {
    for (const v of [42, null, ['a']]) assert.throws(() => safeRelativePath(v as unknown as string), refused(/./), String(v));
  });

  it('calls the value a path unless told where it comes from, and says how to fix it', () => {
    assert.throws(() => safeRelativePath('../x'), (e: ModelVaultError) =>
      e.message === 'path "../x" leaves the model directory' && e.details.hint === 'use a relative path inside the model directory, without ".."');
    assert.throws(() => safeRelativePath('./'), (e: ModelVaultError) => e.message === 'path "./" names the directory itself');
  });

  it('names the place in its message', () => {
    assert.throws(() => safeRelativePath('../x', 'metadata.yaml: artifacts[0]'), (e: ModelVaultError) => e.message === 'metadata.yaml: artifacts[0] "../x" leaves the model directory' && e.details.path === '../x');
  });

  it('never returns a path that is absolute, has an empty, "." or ".." segment, or a backslash', () => {
    const segment = fc.constantFrom('a', 'b.bin', '.', '..', '', 'C:', '\\', '..\\x', 'x y');
    fc.assert(fc.property(fc.array(segment, { maxLength: 6 }), fc.constantFrom('/', '\\'), (parts, sep) => {
      let out: string;
      try {
        out = safeRelativePath(parts.join(sep));
      } catch (e) {
        assert.equal((e as ModelVaultError).code, 'invalid_path');
        return;
      }
      assert.ok(!out.startsWith('/') && !out.includes('\\'), out);
      for (const s of out.split('/')) assert.ok(s !== '' && s !== '.' && s !== '..', out);
      assert.equal(safeRelativePath(out), out);
    }), { numRuns: 500 });
  });
});
