import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { assertVersion, isVersion, VERSION_TEXT_PATTERN } from '../../src/core/version.ts';

describe('assertVersion', () => {
  it('accepts strict MAJOR.MINOR.PATCH with an optional pre-release', () => {
    for (const v of ['0.0.0', '1.2.3', '10.20.30', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-0.3.7', '1.0.0-x.7.z.92', '1.0.0-x-y']) {
      assert.equal(assertVersion(v), v);
      assert.equal(isVersion(v), true, v);
    }
  });

  it('refuses a leading "v", missing parts, leading zeros, build metadata and stray text', () => {
    for (const v of ['v1.2.3', '1.2', '1', '01.2.3', '1.02.3', '1.2.3-', '1.2.3-01', ' 1.2.3', '1.2.3 ', 'latest', '', '1.2.3.4', '=1.2.3', '1.0.0+20130313144700', '1.0.0-beta+exp.sha.5114f85']) {
      assert.throws(() => assertVersion(v), (e: ModelVaultError) => e.code === 'invalid_version', JSON.stringify(v));
      assert.equal(isVersion(v), false, v);
    }
  });

  it('suggests the version a sloppy one meant', () => {
    assert.throws(() => assertVersion('v1.2.3'), (e: ModelVaultError) => e.details.hint === 'did you mean 1.2.3?');
    assert.throws(() => assertVersion('1.2'), (e: ModelVaultError) => e.details.hint === 'did you mean 1.2.0?');
    assert.throws(() => assertVersion('banana'), (e: ModelVaultError) => e.details.hint === 'use MAJOR.MINOR.PATCH, e.g. 1.0.0');
  });

  it('refuses versions longer than 128 characters', () => {
    const long = `1.0.0-${'a'.repeat(123)}`;
    assert.equal(long.length, 129);
    assert.throws(() => assertVersion(long), (e: ModelVaultError) => e.code === 'invalid_version');
    assert.equal(assertVersion(long.slice(0, 128)), long.slice(0, 128));
  });
});

describe('errors of assertVersion', () => {
  it('refuses values that are not strings with its own error and the generic hint', () => {
    for (const v of [null, 42, ['1.2.3']]) {
      assert.throws(() => assertVersion(v as unknown as string), (e: ModelVaultError) =>
        e.code === 'invalid_version' && e.details.version === v && e.details.hint === 'use MAJOR.MINOR.PATCH, e.g. 1.0.0', String(v));
    }
  });

  it('names the version and the rule in its message', () => {
    assert.throws(() => assertVersion('1.2'), (e: ModelVaultError) => e.message === 'version "1.2" is not semantic versioning (MAJOR.MINOR.PATCH)');
  });
});

describe('VERSION_TEXT_PATTERN', () => {
  it('admits the shape of a version in a path, whole: numbers, an optional leading "v" and suffix', () => {
    for (const v of ['1.2.3', 'v1.2.3', '10.20.30', '1.0.0-rc.1', '1.0.0+build.5', '1.0.0-x-y+z']) assert.equal(VERSION_TEXT_PATTERN.test(v), true, v);
    for (const v of ['x1.2.3', '1.2.3 x', '1.2', 'a.2.3', '1.b.3', '1.2.c', '1.2.3_x', '1.0.0-a b', 'vv1.2.3', '']) assert.equal(VERSION_TEXT_PATTERN.test(v), false, v);
  });
});
