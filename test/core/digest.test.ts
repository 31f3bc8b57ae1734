import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DIGEST_TEXT_PATTERN, digestHex, isDigest, parseDigest, SHA256_HEX_PATTERN } from '../../src/core/digest.ts';
import { ModelVaultError } from '../../src/core/errors.ts';

const HEX = createHash('sha256').update('weights').digest('hex');
const invalid = (e: unknown): boolean => e instanceof ModelVaultError && e.code === 'invalid_digest';

describe('digests', () => {
  it('recognises sha256: followed by exactly 64 lower-case hex digits', () => {
    assert.equal(isDigest(`sha256:${HEX}`), true);
    for (const d of [`sha256:${HEX.slice(1)}`, `sha256:${HEX}0`, HEX, `sha512:${HEX}`, `sha256:${HEX.toUpperCase()}`, `SHA256:${HEX}`, `sha256:${HEX.slice(1)}g`, ` sha256:${HEX}`, `sha256:${HEX}\n`, 'sha256:', 42, null, undefined]) {
      assert.equal(isDigest(d), false, String(d));
    }
  });

  it('parses upper-case hex to the lower-case form', () => {
    assert.equal(parseDigest(`sha256:${HEX.toUpperCase()}`), `sha256:${HEX}`);
    assert.equal(parseDigest(`SHA256:${HEX}`), `sha256:${HEX}`);
  });

  it('refuses 63 and 65 hex digits, other algorithms and non-hex characters', () => {
    for (const d of [`sha256:${'a'.repeat(63)}`, `sha256:${'a'.repeat(65)}`, `md5:${'a'.repeat(32)}`, `sha256:${'z'.repeat(64)}`, `sha256-${HEX}`, '']) {
      assert.throws(() => parseDigest(d), invalid, d);
    }
    assert.throws(() => parseDigest('sha256:xyz'), (e: ModelVaultError) => e.message === '"sha256:xyz" is not a sha256 digest' && e.details.hint === 'use sha256:<64 hexadecimal characters>');
  });

  it('splits and joins the hex part', () => {
    assert.equal(digestHex(`sha256:${HEX}`), HEX);
    assert.equal(parseDigest(`sha256:${HEX}`), `sha256:${HEX}`);
    assert.throws(() => parseDigest(`sha256:${HEX.slice(2)}`), invalid);
  });

  it('refuses values that are not strings, even one whose text is a digest', () => {
    for (const v of [[`sha256:${HEX}`], { toString: () => `sha256:${HEX}` }, 42, null]) {
      assert.equal(isDigest(v), false, String(v));
      assert.throws(() => parseDigest(v as unknown as string), invalid, String(v));
    }
  });

  it('has patterns for the text clients send and for a bare key id, each matching the whole value', () => {
    for (const d of [`sha256:${HEX}`, `sha256:${HEX.toUpperCase()}`]) assert.equal(DIGEST_TEXT_PATTERN.test(d), true, d);
    for (const d of [`x sha256:${HEX}`, `sha256:${HEX}0`, `sha256:${HEX.slice(1)}`, `sha256:${'g'.repeat(64)}`, 'sha256:a']) assert.equal(DIGEST_TEXT_PATTERN.test(d), false, d);
    assert.equal(SHA256_HEX_PATTERN.test(HEX), true);
    for (const d of [`0${HEX}`, `${HEX}0`, HEX.slice(1), HEX.toUpperCase(), 'a', 'g'.repeat(64)]) assert.equal(SHA256_HEX_PATTERN.test(d), false, d);
  });

  it('round-trips any 32 bytes through hex and back', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
      const hex = Buffer.from(bytes).toString('hex');
      const d = parseDigest(`sha256:${hex.toUpperCase()}`);
      assert.equal(isDigest(d), true);
      assert.equal(digestHex(d), hex);
      assert.equal(parseDigest(d), d);
    }));
  });
});
