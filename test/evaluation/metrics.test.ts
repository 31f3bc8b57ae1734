import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ModelVaultError } from '../../src/core/errors.ts';
import { evaluateModel, percentiles, rocAuc, type ModelEvaluation } from '../../src/evaluation/index.ts';
import { readTable } from '../../src/formats/read-table.ts';
import { BINARY_METADATA, fixture, sklearnReference, writeCsv } from '../helpers/evaluation.ts';
import { tempDir } from '../helpers/model-dir.ts';

async function evaluate(model: string, data: string, target: string, metadata: Record<string, unknown> = {}, batchSize = 128): Promise<ModelEvaluation> {
  return evaluateModel(readFileSync(fixture(`${model}.onnx`)), await readTable(fixture(data)), { target, batchSize, metadata, where: model });
}

function close(actual: number | null, expected: number, what: string, tol = 1e-9): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs sklearn ${expected}`);
}

describe('evaluating an ONNX model in onnxruntime matches sklearn.metrics', () => {
  for (const model of ['binary_base', 'binary_good', 'binary_worse'] as const) {
    it(`${model}: accuracy, precision, recall, F1 and ROC AUC of a binary classifier`, async () => {
      const r = await evaluate(model, 'binary.csv', 'label', BINARY_METADATA);
      assert.equal(r.task, 'binary-classification');
      assert.equal(r.taskSource, 'metadata');
      assert.equal(r.rows, 1500);
      assert.equal(r.evaluatedRows, 1500);
      assert.deepEqual(r.features, ['f0', 'f1', 'f2', 'f3']);
      for (const [k, v] of Object.entries(sklearnReference.binary[model])) close((r.metrics as unknown as Record<string, number>)[k]!, v, `${model} ${k}`);
    });
  }

  it('multi-class (skl2onnx-style label + probabilities outputs): macro precision, recall, F1 and one-vs-rest ROC AUC', async () => {
    const r = await evaluate('multiclass', 'multiclass.csv', 'species');
    assert.equal(r.task, 'multiclass-classification');
    assert.equal(r.taskSource, 'model', 'an integer label output makes it a classifier');
    for (const [k, v] of Object.entries(sklearnReference.multiclass)) close((r.metrics as unknown as Record<string, number>)[k]!, v, `multiclass ${k}`);
  });

  it('regression: RMSE, MAE and R²', async () => {
    const r = await evaluate('regression', 'regression.csv', 'y', {}, 100);
    assert.equal(r.task, 'regression');
    assert.equal(r.taskSource, 'data', 'a continuous target makes a single float output a regressor');
    for (const [k, v] of Object.entries(sklearnReference.regression)) close((r.metrics as unknown as Record<string, number>)[k]!, v, `regression ${k}`, 1e-6);
  });

  it('gives the same metrics whatever the batch size', async () => {
    const a = await evaluate('binary_good', 'binary.csv', 'label', BINARY_METADATA, 1);
    const b = await evaluate('binary_good', 'binary.csv', 'label', BINARY_METADATA, 1500);
    assert.deepEqual(a.metrics, b.metrics);
    assert.equal(a.latency.batches, 1500);
    assert.equal(b.latency.batches, 1);
  });

  it('reports latency percentiles per batch and per row, and the resident-memory delta', async () => {
    const r = await evaluate('binary_slow', 'binary.csv', 'label', BINARY_METADATA, 100);
    const { perBatch, perRow } = r.latency;
    assert.equal(r.latency.batches, 15);
    assert.ok(perBatch.p50 > 0 && perBatch.p50 <= perBatch.p95 && perBatch.p95 <= perBatch.p99, JSON.stringify(perBatch));
    close(perRow.p50, perBatch.p50 / 100, 'per-row p50 is the batch time over its 100 rows', 1e-9);
    assert.equal(r.memory.method, 'rss-delta');
    assert.ok(r.memory.peakRssDeltaBytes >= 0);
  });

  it('a task flag overrides what metadata and outputs suggest', async () => {
    const r = await evaluateModel(readFileSync(fixture('binary_good.onnx')), await readTable(fixture('binary.csv')), { target: 'label', batchSize: 500, metadata: BINARY_METADATA, where: 'm', task: 'regression' });
    assert.equal(r.task, 'regression');
    assert.equal(r.taskSource, 'flag');
    assert.ok('rmse' in r.metrics);
  });

  it('skips rows whose target is missing and counts them', async () => {
    const dir = tempDir('mv-eval-');
    const path = writeCsv(dir, 'gaps.csv', [['f0', 'f1', 'f2', 'f3', 'label'], [1, 0, 0, 0, 1], [-1, 1, 0, 0, ''], [-2, 2, 0, 0, 0]]);
    const r = await evaluateModel(readFileSync(fixture('binary_good.onnx')), await readTable(path), { target: 'label', batchSize: 2, metadata: BINARY_METADATA, where: 'm' });
    assert.equal(r.rows, 3);
    assert.equal(r.skippedRows, 1);
    assert.equal(r.evaluatedRows, 2);
    assert.equal((r.metrics as { accuracy: number }).accuracy, 1);
  });
});

describe('evaluation input errors name the column and the fix', () => {
  const run = async (rows: (string | number)[][], metadata: Record<string, unknown>, target = 'label', model = 'binary_good'): Promise<unknown> => {
    const path = writeCsv(tempDir('mv-eval-'), 'd.csv', rows);
    return evaluateModel(readFileSync(fixture(`${model}.onnx`)), await readTable(path), { target, batchSize: 8, metadata, where: 'm@1.0.0 model.onnx' });
  };

  it('a missing target column', async () => {
    await assert.rejects(run([['f0', 'f1', 'f2', 'f3', 'y'], [1, 2, 3, 4, 1]], BINARY_METADATA), (e: ModelVaultError) => e.code === 'invalid_input' && /no target column "label"/.test(e.message) && /f0, f1, f2, f3, y/.test(String(e.details.hint)));
  });

  it('a feature the metadata lists but the data lacks', async () => {
    await assert.rejects(run([['f0', 'f1', 'f3', 'label'], [1, 2, 4, 1]], BINARY_METADATA), (e: ModelVaultError) => e.code === 'invalid_input' && /no column for feature "f2"/.test(e.message));
  });

  it('more columns than the model takes, without a features list', async () => {
    await assert.rejects(run([['id', 'f0', 'f1', 'f2', 'f3', 'label'], [7, 1, 2, 3, 4, 1]], {}), (e: ModelVaultError) => e.code === 'invalid_input' && /takes 4 features per row, but the data has 5 \(id, f0, f1, f2, f3\)/.test(e.message) && /features:/.test(String(e.details.hint)));
  });

  it('text in a feature column', async () => {
    await assert.rejects(run([['f0', 'f1', 'f2', 'f3', 'label'], [1, 2, 3, 'red', 1]], BINARY_METADATA), (e: ModelVaultError) => e.code === 'invalid_input' && /column "f3" holds "red" at row 1/.test(e.message));
  });

  it('a classifier target that is not a class index', async () => {
    await assert.rejects(run([['f0', 'f1', 'f2', 'f3', 'label'], [1, 2, 3, 4, 0.5]], BINARY_METADATA), (e: ModelVaultError) => e.code === 'invalid_input' && /holds 0.5 at row 1/.test(e.message) && /--task regression/.test(String(e.details.hint)));
  });

  it('a model whose every output is NaN', async () => {
    await assert.rejects(run([['f0', 'f1', 'f2', 'f3', 'label'], [1, 2, 3, 4, 1]], BINARY_METADATA, 'label', 'binary_nan'), (e: ModelVaultError) => e.code === 'validation_failed' && /1 rows gave NaN/.test(e.message));
  });

  it('bytes that are not a model', async () => {
    await assert.rejects(
      evaluateModel(Buffer.from('not an onnx model'), { label: new Float64Array([1]) }, { target: 'label', batchSize: 1, metadata: {}, where: 'm@1.0.0 model.onnx' }),
      (e: ModelVaultError) => e.code === 'validation_failed' && e.message.startsWith('m@1.0.0 model.onnx: onnxruntime cannot load the model'),
    );
  });

  it('a batch size out of range', async () => {
    await assert.rejects(evaluateModel(readFileSync(fixture('binary_good.onnx')), { label: new Float64Array([1]) }, { target: 'label', batchSize: 0, metadata: {}, where: 'm' }), (e: ModelVaultError) => e.code === 'usage' && /batch size/.test(e.message));
  });
});

describe('metric building blocks', () => {
  it('ROC AUC equals the share of (positive, negative) pairs ranked right, ties counting half', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 40 }), (rows) => {
        const pos = rows.filter((r) => r[0]).map((r) => r[1]);
        const neg = rows.filter((r) => !r[0]).map((r) => r[1]);
        const auc = rocAuc(rows.map((r) => r[0]), rows.map((r) => r[1]));
        if (pos.length === 0 || neg.length === 0) return auc === null;
        let wins = 0;
        for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
        return Math.abs(auc! - wins / (pos.length * neg.length)) < 1e-12;
      }),
    );
  });

  it('ROC AUC is the same for float32 scores (sorted as keys), doubles, negative zero, infinities and long runs of ties', () => {
    const pairwise = (pos: number[], neg: number[]): number => {
      let wins = 0;
      for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
      return wins / (pos.length * neg.length);
    };
    const score = fc.oneof(fc.float({ noNaN: true }).map(Math.fround), fc.double({ noNaN: true }), fc.constantFrom(0, -0, 0.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), score), { minLength: 2, maxLength: 60 }), (rows) => {
        const auc = rocAuc(rows.map((r) => r[0]), rows.map((r) => r[1]));
        const pos = rows.filter((r) => r[0]).map((r) => r[1]);
        const neg = rows.filter((r) => !r[0]).map((r) => r[1]);
        return pos.length === 0 || neg.length === 0 ? auc === null : auc === pairwise(pos, neg);
      }),
    );
    // 60,000 rows over three score values: long runs of ties on both sides.
    const positive = Array.from({ length: 60_000 }, (_, i) => i % 2 === 0);
    const tied = Array.from({ length: 60_000 }, (_, i) => (i % 3) / 2);
    assert.equal(rocAuc(positive, tied), pairwise([0, 0.5, 1], [0, 0.5, 1]));
  });

  it('percentiles interpolate linearly like numpy', () => {
    assert.deepEqual(percentiles([4, 1, 3, 2], [0, 50, 100]), [1, 2.5, 4]);
    assert.deepEqual(percentiles([10], [95]), [10]);
    close(percentiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [95])[0]!, 9.55, 'p95 of 1..10');
  });
});
