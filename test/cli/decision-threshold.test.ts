import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useCliTarget } from '../helpers/cli.ts';
import { makeModelDir } from '../helpers/model-dir.ts';

/**
 * Scores against 0/1 labels, and the class each gets: at threshold 0.8 only 0.9 and 0.8 (the threshold itself
 * counts) are positive; at the default 0.5 so are 0.79, 0.7 and 0.6.
 */
const SCORED: [score: number, label: 0 | 1][] = [[0.9, 1], [0.8, 1], [0.79, 0], [0.7, 1], [0.6, 0], [0.3, 0]];

type Quality = { task: string; labelled: number; accuracy: number; f1: number };

/** `hyperparameters.decision_threshold` decides the class of a score in drift quality, embedded and remote. */
for (const mode of ['embedded', 'remote'] as const) {
  describe(`hyperparameters.decision_threshold (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-threshold');
    const cli = t.cli;

    async function windowQuality(name: string, hyperparameters: Record<string, unknown> | undefined): Promise<Quality> {
      const extra = { features: [{ name: 'x', dtype: 'float64' }], target: { name: 'y', dtype: 'int64' }, task: 'binary-classification', ...(hyperparameters ? { hyperparameters } : {}) };
      assert.equal((await cli('push', makeModelDir({ name, extra }).dir)).code, 0);
      const reference = join(t.work, `${name}-reference.csv`);
      writeFileSync(reference, `x,y\n${Array.from({ length: 40 }, (_, i) => `${i / 40},${i % 2}`).join('\n')}\n`);
      const profiled = await cli('profile', `${name}@1.0.0`, '--data', reference);
      assert.equal(profiled.code, 0, profiled.stderr);
      const observations = join(t.work, `${name}.jsonl`);
      writeFileSync(observations, SCORED.map(([prediction, label], i) => JSON.stringify({ features: { x: i / SCORED.length }, prediction, label })).join('\n'));
      assert.equal((await cli('observe', `${name}@1.0.0`, '--data', observations)).code, 0);
      const drift = await cli('drift', `${name}@1.0.0`, '--window', String(SCORED.length), '--json');
      assert.equal(drift.code, 0, drift.stdout + drift.stderr);
      return (drift.json as { quality: Quality }).quality;
    }

    it('thresholds scores at the metadata value, a score equal to it counting as positive', async () => {
      const q = await windowQuality('thresholded-model', { decision_threshold: 0.8 });
      // Right: 0.9→1, 0.8→1, 0.79→0, 0.6→0, 0.3→0; wrong: 0.7→0 (label 1). F1 of class 1: tp 2, fp 0, fn 1.
      assert.deepEqual(q, { task: 'classification', labelled: 6, accuracy: 5 / 6, f1: 0.8 });
    });

    it('thresholds at 0.5 without the hyperparameter', async () => {
      const q = await windowQuality('default-threshold-model', undefined);
      // Right: 0.9, 0.8, 0.7 (→1) and 0.3 (→0); wrong: 0.79 and 0.6 (→1, label 0). F1 of class 1: tp 3, fp 2, fn 0.
      assert.deepEqual(q, { task: 'classification', labelled: 6, accuracy: 4 / 6, f1: 0.75 });
    });
  });
}
