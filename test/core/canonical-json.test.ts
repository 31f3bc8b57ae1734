import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../../src/core/canonical-json.ts';

describe('canonicalJson (RFC 8785)', () => {
  it('produces the RFC 8785 §3.2.2 example output exactly', () => {
    const input = JSON.parse('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}');
    assert.equal(canonicalJson(input), '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('orders keys by UTF-16 code units, so a surrogate pair sorts before U+FB33 (RFC 8785 §3.2.3)', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    assert.equal(canonicalJson(input), '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}');
  });

  it('writes numbers in the ECMAScript shortest round-trip form (RFC 8785 Appendix B)', () => {
    const cases: Array<[number, string]> = [
      [0, '0'], [-0, '0'], [1, '1'], [-1, '-1'], [0.1, '0.1'], [1e21, '1e+21'], [1e20, '100000000000000000000'], [123456789012345680000, '123456789012345680000'],
      [1e-6, '0.000001'], [1e-7, '1e-7'], [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [9007199254740992, '9007199254740992'],
      [-1.5e-10, '-1.5e-10'], [4.5, '4.5'], [0.002, '0.002'], [333333333.3333333, '333333333.3333333'], [295147905179352830000, '295147905179352830000'],
    ];
    for (const [n, text] of cases) assert.equal(canonicalJson(n), text, String(n));
  });

  it('refuses NaN and the infinities', () => {
    for (const n of [NaN, Infinity, -Infinity]) assert.throws(() => canonicalJson({ x: n }), TypeError);
  });

  it('escapes only what JSON requires, with lower-case hex, and leaves non-ASCII as is', () => {
    assert.equal(canonicalJson('\u0000\u0008\u0009\u000a\u000c\u000d\u001f"\\/é€😀'), '"\\u0000\\b\\t\\n\\f\\r\\u001f\\"\\\\/é€😀"');
  });

  it('sorts nested object keys, keeps array order and drops undefined members', () => {
    assert.equal(canonicalJson({ b: [3, { z: 1, a: 2 }, 1], a: { y: null, x: true }, u: undefined }), '{"a":{"x":true,"y":null},"b":[3,{"a":2,"z":1},1]}');
    assert.equal(canonicalJson([undefined, 1]), '[null,1]');
    assert.equal(canonicalJson({}), '{}');
    assert.equal(canonicalJson([]), '[]');
  });

  it('refuses values JSON cannot hold', () => {
    for (const v of [undefined, () => 1, Symbol('s'), 1n]) assert.throws(() => canonicalJson(v), TypeError);
  });

  it('says which value it cannot hold', () => {
    assert.throws(() => canonicalJson({ x: NaN }), { name: 'TypeError', message: 'canonical JSON cannot hold NaN or Infinity' });
    assert.throws(() => canonicalJson([1n]), { name: 'TypeError', message: 'canonical JSON cannot hold a bigint' });
    assert.throws(() => canonicalJson(() => 1), { name: 'TypeError', message: 'canonical JSON cannot hold a function' });
  });

  it('parses back to the same value and is a fixed point', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const text = canonicalJson(v);
      const back: unknown = JSON.parse(text);
      assert.deepEqual(back, JSON.parse(JSON.stringify(v)));
      assert.equal(canonicalJson(back), text);
    }), { numRuns: 300 });
  });

  it('does not depend on the order keys were inserted in', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 2 })), (obj) => {
      const reversed = Object.fromEntries(Object.entries(obj).reverse());
      assert.equal(canonicalJson(reversed), canonicalJson(obj));
      const text = canonicalJson(obj);
      const positions = [...Object.keys(obj)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => text.indexOf(`${JSON.stringify(k)}:`));
      assert.ok(positions.every((p, i) => p > (positions[i - 1] ?? 0)), text);
    }), { numRuns: 300 });
  });
});
