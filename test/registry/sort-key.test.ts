import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import semver from 'semver';
import { versionSortKey } from '../../src/registry/index.ts';

const byKey = (a: string, b: string): number => {
  const ka = versionSortKey(a);
  const kb = versionSortKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

describe('versionSortKey', () => {
  it('orders by semver precedence, pre-releases before their release (semver.org §11)', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0-0', '2.0.0', '10.0.0'];
    const shuffled = [...ordered].reverse();
    assert.deepEqual(shuffled.sort(byKey), ordered);
    for (let i = 1; i < ordered.length; i++) {
      assert.equal(byKey(ordered[i - 1]!, ordered[i]!), -1, `${ordered[i - 1]} < ${ordered[i]}`);
      assert.equal(byKey(ordered[i]!, ordered[i - 1]!), 1);
    }
  });

  it('agrees with semver precedence on arbitrary versions', () => {
    const version = fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20), fc.option(fc.constantFrom('alpha', 'alpha.1', 'beta', 'rc.2', '0'), { nil: undefined }))
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}`);
    fc.assert(fc.property(version, version, (a, b) => byKey(a, b) === semver.compare(a, b)));
  });
});
