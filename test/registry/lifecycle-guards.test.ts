import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import type { Stage } from '../../src/core/names.ts';
import { NO_APPROVALS, openHomeWithConfig, pushVersion } from '../helpers/registry-home.ts';

type App = Awaited<ReturnType<typeof openHomeWithConfig>>;

/** Walks a new version along allowed transitions to `stage`. */
const PATH_TO: Record<Stage, Stage[]> = {
  development: [],
  validation: ['validation'],
  staging: ['validation', 'staging'],
  production: ['validation', 'staging', 'production'],
  archived: ['archived'],
};

describe('the registry enforces the lifecycle table on setStage', () => {
  let app: App;
  afterEach(async () => app.dispose());

  // Refused pairs that skip a step or go backwards past one, and allowed pairs that are not on the way up.
  const refused: Array<[Stage, Stage]> = [['development', 'staging'], ['development', 'production'], ['validation', 'production'], ['archived', 'production'], ['archived', 'validation'], ['production', 'development'], ['production', 'validation']];
  const allowed: Array<[Stage, Stage]> = [['validation', 'development'], ['staging', 'validation'], ['production', 'staging'], ['archived', 'development'], ['archived', 'staging'], ['development', 'archived']];

  it('refuses a transition the table does not list, changing nothing', async () => {
    app = await openHomeWithConfig(NO_APPROVALS);
    const reg = app.registry('alice');
    for (const [i, [from, to]] of refused.entries()) {
      const ref = `walk@1.${i}.0`;
      await pushVersion(app, 'walk', `1.${i}.0`);
      for (const s of PATH_TO[from]) await reg.setStage(ref, s);
      const before = (await reg.stageHistory('walk')).length;
      await assert.rejects(reg.setStage(ref, to), (e: ModelVaultError) => e.code === 'invalid_transition' && e.message === `${ref} cannot move from ${from} to ${to}`, `${from} → ${to}`);
      assert.equal((await reg.getVersion(ref)).stage, from);
      assert.equal((await reg.stageHistory('walk')).length, before, 'a refused transition writes no history');
    }
  });

  it('performs a transition the table lists', async () => {
    app = await openHomeWithConfig(NO_APPROVALS);
    const reg = app.registry('alice');
    for (const [i, [from, to]] of allowed.entries()) {
      const ref = `walk@2.${i}.0`;
      await pushVersion(app, 'walk', `2.${i}.0`);
      for (const s of PATH_TO[from]) await reg.setStage(ref, s);
      const r = await reg.setStage(ref, to);
      assert.deepEqual([r.from, r.to], [from, to]);
      assert.equal((await reg.getVersion(ref)).stage, to);
    }
  });
});

describe('lifecycle.demote_production_to', () => {
  let app: App;
  afterEach(async () => app.dispose());

  const promote = async (version: string): Promise<void> => {
    await pushVersion(app, 'demo', version);
    for (const s of PATH_TO.production.slice(0, -1)) await app.registry('alice').setStage(`demo@${version}`, s);
  };

  for (const demoteTo of ['staging', 'archived'] as const) {
    it(`moves the displaced production version to ${demoteTo} on promotion and on rollback`, async () => {
      app = await openHomeWithConfig(`lifecycle:\n  demote_production_to: ${demoteTo}\n  approvals:\n    production: 0\n`);
      assert.equal(app.config.lifecycle.demoteProductionTo, demoteTo);
      const reg = app.registry('alice');
      await promote('1.0.0');
      await promote('1.1.0');
      assert.equal((await reg.setStage('demo@1.0.0', 'production')).displaced, undefined);
      const p = await reg.setStage('demo@1.1.0', 'production');
      assert.deepEqual(p.displaced, { version: '1.0.0', to: demoteTo });
      assert.equal((await reg.getVersion('demo@1.0.0')).stage, demoteTo);
      assert.equal((await reg.getVersion('demo@production')).version, '1.1.0');

      const rb = await reg.rollback('demo');
      assert.deepEqual([rb.version, rb.from, rb.to], ['1.0.0', demoteTo, 'production']);
      assert.deepEqual(rb.displaced, { version: '1.1.0', to: demoteTo });
      assert.equal((await reg.getVersion('demo@1.1.0')).stage, demoteTo);
      assert.equal((await reg.getVersion('demo@production')).version, '1.0.0');
      const history = (await reg.stageHistory('demo')).slice(-2).map((h) => [h.version, h.from, h.to]);
      assert.deepEqual(history, [['1.1.0', 'production', demoteTo], ['1.0.0', demoteTo, 'production']]);
    });
  }

  it('refuses any other stage in config.yaml', async () => {
    await assert.rejects(openHomeWithConfig('lifecycle:\n  demote_production_to: development\n'), (e: ModelVaultError) => e.code === 'invalid_input' && /lifecycle\.demote_production_to must be "archived" or "staging"/.test(e.message));
    app = await openHomeWithConfig('');
  });
});
