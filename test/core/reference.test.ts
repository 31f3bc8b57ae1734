import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ModelVaultError } from '../../src/core/errors.ts';
import { assertAlias, STAGES } from '../../src/core/names.ts';
import { formatReference, parseReference, type Reference, SELECTOR_PATTERN } from '../../src/core/reference.ts';

const invalid = (e: unknown): boolean => e instanceof ModelVaultError && e.code === 'invalid_reference';

describe('parseReference', () => {
  it('reads a version, a stage, an alias and latest', () => {
    assert.deepEqual(parseReference('fraud@1.2.0'), { name: 'fraud', kind: 'version', version: '1.2.0' });
    assert.deepEqual(parseReference('fraud@1.0.0-rc.1'), { name: 'fraud', kind: 'version', version: '1.0.0-rc.1' });
    assert.deepEqual(parseReference('fraud@production'), { name: 'fraud', kind: 'stage', stage: 'production' });
    assert.deepEqual(parseReference('fraud@champion'), { name: 'fraud', kind: 'alias', alias: 'champion' });
    assert.deepEqual(parseReference('fraud@latest'), { name: 'fraud', kind: 'latest' });
  });

  it('reads every stage as a stage, never as an alias', () => {
    for (const s of STAGES) assert.deepEqual(parseReference(`m@${s}`), { name: 'm', kind: 'stage', stage: s });
  });

  it('treats a bare name as latest', () => {
    assert.deepEqual(parseReference('fraud-detector'), { name: 'fraud-detector', kind: 'latest' });
  });

  it('drops a leading "v" of a version, and only of a version', () => {
    assert.deepEqual(parseReference('m@v1.2.0'), { name: 'm', kind: 'version', version: '1.2.0' });
    assert.deepEqual(parseReference('m@vnext'), { name: 'm', kind: 'alias', alias: 'vnext' });
  });

  it('accepts a name of 128 characters and refuses one of 129', () => {
    assert.equal(parseReference(`${'a'.repeat(128)}@1.0.0`).name, 'a'.repeat(128));
    assert.throws(() => parseReference(`${'a'.repeat(129)}@1.0.0`), invalid);
  });

  it('refuses malformed references with invalid_reference', () => {
    for (const r of ['', '@1.0.0', 'fraud@', 'Fraud@1.0.0', '.fraud@1.0.0', '-fraud', 'fraud@1.0', 'fraud@01.0.0', 'fraud@Production', 'fraud@1.0.0@2.0.0', 'fraud@-x', 'fraud@_x', 'fraud@cham pion', 'a..b@1.0.0', 'fraud@1.0.0+build', `m@${'a'.repeat(299)}`]) {
      assert.throws(() => parseReference(r), invalid, JSON.stringify(r));
    }
  });

  it('says what a reference looks like when it refuses one', () => {
    assert.throws(() => parseReference('fraud@1.0'), (e: ModelVaultError) => /"1\.0" is neither a version, a stage nor an alias/.test(e.message) && e.details.reference === 'fraud@1.0');
  });
});

describe('errors of parseReference', () => {
  const HINT = 'use NAME@VERSION, NAME@STAGE, NAME@ALIAS or NAME@latest';
  const fails = (ref: unknown, message: string, hint = HINT) =>
    assert.throws(() => parseReference(ref as string), (e: ModelVaultError) => {
      assert.equal(e.code, 'invalid_reference');
      assert.equal(e.message, message);
      assert.equal(e.details.reference, ref);
      assert.equal(e.details.hint, hint);
      return true;
    });

  it('refuses values that are not strings, as JSON input may carry them', () => {
    for (const v of [42, null, ['m@1.0.0']]) fails(v, `reference ${JSON.stringify(v)} is not valid`);
  });

  it('accepts 300 characters and refuses 301 before reading the name', () => {
    const pre = (n: number) => `${'a'.repeat(128)}@1.0.0-${'x'.repeat(n)}`;
    assert.equal(pre(165).length, 300);
    assert.deepEqual(parseReference(pre(165)), { name: 'a'.repeat(128), kind: 'version', version: `1.0.0-${'x'.repeat(165)}` });
    fails(pre(166), `reference ${JSON.stringify(pre(166))} is not valid`);
    fails('', 'reference "" is not valid');
  });

  it('names the part that is wrong: the name before "@", or the selector after it', () => {
    fails('@1.0.0', 'reference "@1.0.0": model name "" is not valid');
    fails('Fraud@1.0.0', 'reference "Fraud@1.0.0": model name "Fraud" is not valid');
    fails('fraud@1.0', 'reference "fraud@1.0": "1.0" is neither a version, a stage nor an alias', 'use NAME@1.2.0, NAME@production, NAME@champion or NAME@latest');
  });
});

describe('SELECTOR_PATTERN', () => {
  it('admits every selector parseReference reads, whole, and nothing that starts with punctuation or holds a space', () => {
    for (const s of ['1.2.0', 'v1.2.0', '1.0.0-rc.1', '1.0.0+build', 'production', 'champion', 'latest', 'A1']) assert.equal(SELECTOR_PATTERN.test(s), true, s);
    for (const s of ['', '-x', '_x', '.x', 'cham pion', 'a/b', 'a@b', 'x\n']) assert.equal(SELECTOR_PATTERN.test(s), false, s);
  });
});

const name = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,127}$/).filter((n) => !n.includes('..'));
const version = fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999), fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,8}(\.[1-9][0-9]{0,3})?$/), { nil: undefined }))
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}`);
const alias = fc.stringMatching(/^[a-z][a-z0-9._-]{0,40}$/).filter((a) => {
  try {
    assertAlias(a);
    return true;
  } catch {
    return false;
  }
});
const reference: fc.Arbitrary<Reference> = fc.oneof(
  fc.record({ name, kind: fc.constant('version' as const), version }),
  fc.record({ name, kind: fc.constant('stage' as const), stage: fc.constantFrom(...STAGES) }),
  fc.record({ name, kind: fc.constant('latest' as const) }),
  fc.record({ name, kind: fc.constant('alias' as const), alias }),
).map((r) => ({ ...r }));

describe('formatReference', () => {
  it('writes each kind as NAME@SELECTOR', () => {
    assert.equal(formatReference({ name: 'm', kind: 'version', version: '1.2.0' }), 'm@1.2.0');
    assert.equal(formatReference({ name: 'm', kind: 'stage', stage: 'staging' }), 'm@staging');
    assert.equal(formatReference({ name: 'm', kind: 'latest' }), 'm@latest');
    assert.equal(formatReference({ name: 'm', kind: 'alias', alias: 'champion' }), 'm@champion');
  });

  it('round-trips through parseReference', () => {
    fc.assert(fc.property(reference, (r) => {
      assert.deepEqual(parseReference(formatReference(r)), r);
    }), { numRuns: 500 });
  });

  it('is a fixed point of parse after format for any text parseReference accepts', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.tuple(name, fc.string({ maxLength: 20 })).map(([n, s]) => `${n}@${s}`)), (text) => {
      let parsed: Reference;
      try {
        parsed = parseReference(text);
      } catch (e) {
        assert.ok(invalid(e), `unexpected error for ${JSON.stringify(text)}: ${String(e)}`);
        return;
      }
      const again = formatReference(parsed);
      assert.deepEqual(parseReference(again), parsed);
      assert.equal(formatReference(parseReference(again)), again);
    }), { numRuns: 500 });
  });
});
