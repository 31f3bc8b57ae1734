import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { assertAlias, assertName, assertStage, assertTag, isStage, STAGES } from '../../src/core/names.ts';

const code = (c: string) => (e: unknown): boolean => e instanceof ModelVaultError && e.code === c;

describe('assertName', () => {
  it('accepts 1 to 128 characters of a-z, 0-9, ".", "_" and "-" starting with a letter or digit', () => {
    for (const n of ['a', '0', 'fraud-detector', 'bert_base.v2', 'a'.repeat(128), '9lives', 'x-', 'x.', 'x_']) assert.equal(assertName(n), n);
  });

  it('refuses 129 characters, the empty name, upper case and a leading dot, dash or underscore', () => {
    for (const n of ['a'.repeat(129), '', 'Fraud', 'fraudD', '.hidden', '-flag', '_private', 'a b', 'a/b', 'a@b', 'é', 'a\u0000']) {
      assert.throws(() => assertName(n), code('invalid_name'), JSON.stringify(n));
    }
  });

  it('refuses ".." anywhere, so a name never walks out of a directory', () => {
    for (const n of ['a..b', 'a..', '0..1']) assert.throws(() => assertName(n), code('invalid_name'), n);
    assert.equal(assertName('a.b.c'), 'a.b.c');
  });

  it('names the kind of name and the rule in its error', () => {
    assert.throws(() => assertName('Bad', 'dataset name'), (e: ModelVaultError) => /^dataset name "Bad" is not valid$/.test(e.message) && /1-128 characters/.test(String(e.details.hint)));
  });
});

describe('stages', () => {
  it('lists the five stages in lifecycle order', () => {
    assert.deepEqual([...STAGES], ['development', 'validation', 'staging', 'production', 'archived']);
  });

  it('recognises exactly the stage names, case-sensitively', () => {
    for (const s of STAGES) {
      assert.equal(isStage(s), true);
      assert.equal(assertStage(s), s);
    }
    for (const s of ['Production', 'prod', 'latest', '', 'production ']) {
      assert.equal(isStage(s), false, s);
      assert.throws(() => assertStage(s), code('invalid_input'), s);
    }
  });
});

describe('assertAlias', () => {
  it('accepts names that start with a letter and are neither a stage nor "latest"', () => {
    for (const a of ['champion', 'challenger', 'blue-green', 'vnext', 'a1']) assert.equal(assertAlias(a), a);
  });

  it('refuses stage names and "latest" as reserved', () => {
    for (const a of [...STAGES, 'latest']) assert.throws(() => assertAlias(a), (e: ModelVaultError) => e.code === 'invalid_name' && /reserved/.test(e.message), a);
  });

  it('refuses aliases that look like a version', () => {
    for (const a of ['1', '1.2.0', 'v1', 'v2.0.0', '0abc']) assert.throws(() => assertAlias(a), (e: ModelVaultError) => e.code === 'invalid_name' && /looks like a version/.test(e.message), a);
  });

  it('applies the name rule first', () => {
    for (const a of ['Champion', '-x', 'a..b', 'c'.repeat(129)]) assert.throws(() => assertAlias(a), (e: ModelVaultError) => e.code === 'invalid_name' && /is not valid/.test(e.message), a);
  });
});

describe('assertTag', () => {
  it('accepts keys of 1 to 64 characters and printable values up to 256 characters', () => {
    assert.doesNotThrow(() => assertTag('team', 'risk'));
    assert.doesNotThrow(() => assertTag('k8s.io/Owner_x-y', ''));
    assert.doesNotThrow(() => assertTag('k'.repeat(64), 'v'.repeat(256)));
    assert.doesNotThrow(() => assertTag('lang', 'français ✓'));
  });

  it('refuses long or malformed keys', () => {
    for (const k of ['k'.repeat(65), '', '-team', '/team', 'a b', 'a=b']) assert.throws(() => assertTag(k, 'v'), code('invalid_input'), k);
  });

  it('refuses values over 256 characters or with control characters', () => {
    for (const v of ['v'.repeat(257), 'a\nb', 'a\u0000', 'a\u007f', 'tab\there']) assert.throws(() => assertTag('k', v), code('invalid_input'), JSON.stringify(v));
  });
});

describe('errors of the name rules', () => {
  const fails = (f: () => unknown, expected: { code: string; message: string; details: Record<string, unknown> }) =>
    assert.throws(f, (e: ModelVaultError) => {
      assert.equal(e.code, expected.code);
      assert.equal(e.message, expected.message);
      for (const [k, v] of Object.entries(expected.details)) assert.equal(e.details[k], v, k);
      return true;
    });

  it('refuses values that are not strings, as JSON input may carry them', () => {
    for (const v of [42, null, ['a'], { toString: () => 'a' }]) {
      assert.throws(() => assertName(v as unknown as string), code('invalid_name'), String(v));
      assert.throws(() => assertTag('k', v as unknown as string), code('invalid_input'), String(v));
    }
  });

  it('says which name, stage, alias or tag is wrong and how to fix it', () => {
    fails(() => assertName('Bad'), { code: 'invalid_name', message: 'model name "Bad" is not valid', details: { name: 'Bad' } });
    fails(() => assertAlias('Champion'), { code: 'invalid_name', message: 'alias "Champion" is not valid', details: { name: 'Champion' } });
    fails(() => assertStage('prod'), {
      code: 'invalid_input',
      message: '"prod" is not a stage',
      details: { stage: 'prod', hint: 'use one of: development, validation, staging, production, archived' },
    });
    fails(() => assertAlias('latest'), {
      code: 'invalid_name',
      message: 'alias "latest" is reserved',
      details: { alias: 'latest', hint: 'pick a name that is not a stage or "latest", e.g. champion' },
    });
    fails(() => assertAlias('v2'), {
      code: 'invalid_name',
      message: 'alias "v2" looks like a version',
      details: { alias: 'v2', hint: 'aliases must start with a letter, e.g. champion or challenger' },
    });
    fails(() => assertTag('a b', 'v'), {
      code: 'invalid_input',
      message: 'tag key "a b" is not valid',
      details: { tag: 'a b', hint: 'use 1-64 characters of letters, digits, ".", "_", "/" or "-"' },
    });
    fails(() => assertTag('team', 'a\nb'), { code: 'invalid_input', message: 'tag team has an invalid value', details: { tag: 'team', hint: 'use at most 256 printable characters' } });
  });
});
