import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { assertTransition, canTransition, TRANSITIONS } from '../../src/core/lifecycle.ts';
import { STAGES, type Stage } from '../../src/core/names.ts';

/** The README "Lifecycle" table, written out independently of src/core/lifecycle.ts. */
const ALLOWED: ReadonlyArray<readonly [Stage, Stage]> = [
  ['development', 'validation'],
  ['development', 'archived'],
  ['validation', 'staging'],
  ['validation', 'development'],
  ['validation', 'archived'],
  ['staging', 'production'],
  ['staging', 'validation'],
  ['staging', 'archived'],
  ['production', 'staging'],
  ['production', 'archived'],
  ['archived', 'development'],
  ['archived', 'staging'],
];

const allowed = (from: Stage, to: Stage): boolean => ALLOWED.some(([f, t]) => f === from && t === to);

describe('lifecycle transitions', () => {
  for (const from of STAGES) {
    for (const to of STAGES) {
      const ok = allowed(from, to);
      it(`${from} → ${to} is ${ok ? 'allowed' : 'refused'}`, () => {
        assert.equal(canTransition(from, to), ok);
        if (ok) {
          assert.doesNotThrow(() => assertTransition('m@1.0.0', from, to));
        } else {
          assert.throws(() => assertTransition('m@1.0.0', from, to), (e: ModelVaultError) => e.code === 'invalid_transition' && e.details.from === from && e.details.to === to && e.details.reference === 'm@1.0.0');
        }
      });
    }
  }

  it('lists exactly the README table, nothing more', () => {
    const table = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}→${to}`)).sort();
    assert.deepEqual(table, ALLOWED.map(([f, t]) => `${f}→${t}`).sort());
  });

  it('says a version is already in a stage, and lists where a refused one may go', () => {
    assert.throws(() => assertTransition('m@1.0.0', 'staging', 'staging'), (e: ModelVaultError) => e.message === 'm@1.0.0 is already in staging');
    assert.throws(() => assertTransition('m@1.0.0', 'development', 'production'), (e: ModelVaultError) =>
      e.message === 'm@1.0.0 cannot move from development to production' && e.details.hint === 'from development a version may move to: validation, archived');
  });

  it('hints that a move to the stage a version is already in has nothing to do', () => {
    assert.throws(() => assertTransition('m@1.0.0', 'production', 'production'), (e: ModelVaultError) =>
      e.code === 'invalid_transition' && e.details.hint === 'nothing to do' && e.details.from === 'production' && e.details.to === 'production');
  });
});
