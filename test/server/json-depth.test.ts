import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { checkJsonDepth, MAX_JSON_DEPTH } from '../../src/server/json-depth.ts';

const nested = (n: number, open = '[', close = ']'): string => `${open.repeat(n)}${close.repeat(n)}`;
const tooDeep = (e: unknown): boolean => e instanceof ModelVaultError && e.code === 'invalid_input' && e.message === `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels` && e.details.field === 'body';

describe('the nesting limit of JSON bodies', () => {
  it('accepts 64 levels of arrays and objects, and refuses 65', () => {
    assert.equal(MAX_JSON_DEPTH, 64);
    assert.doesNotThrow(() => checkJsonDepth(nested(64)));
    assert.doesNotThrow(() => checkJsonDepth(`${'{"a":'.repeat(63)}[]${'}'.repeat(63)}`));
    assert.throws(() => checkJsonDepth(nested(65)), tooDeep);
    assert.throws(() => checkJsonDepth(`${'{"a":'.repeat(64)}[]${'}'.repeat(64)}`), tooDeep);
  });

  it('counts depth, not brackets: siblings do not add up, whether arrays or objects', () => {
    assert.doesNotThrow(() => checkJsonDepth(`[${Array.from({ length: 1000 }, () => nested(60)).join(',')}]`));
    assert.doesNotThrow(() => checkJsonDepth(`[${Array.from({ length: 1000 }, () => nested(60, '{"a":', '}').replace(/:}/, ':1}')).join(',')}]`));
    assert.doesNotThrow(() => checkJsonDepth(`[${'{},'.repeat(200)}{}]`));
  });

  it('says how to fix it', () => {
    assert.throws(() => checkJsonDepth(nested(100)), (e: unknown) => e instanceof ModelVaultError && e.details.hint === 'flatten the nested values');
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    assert.doesNotThrow(() => checkJsonDepth(JSON.stringify({ text: '['.repeat(1000) })));
    assert.doesNotThrow(() => checkJsonDepth(JSON.stringify({ text: `\\"${'{'.repeat(1000)}` })));
    assert.doesNotThrow(() => checkJsonDepth(JSON.stringify({ text: `say \\"hi\\" ${'['.repeat(200)}` })));
    // A quote that ends the string is not escaped by an escaped backslash before it.
    assert.throws(() => checkJsonDepth(`["\\\\",${nested(64)}]`), tooDeep);
  });
});
