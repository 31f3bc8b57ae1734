import type * as Ort from 'onnxruntime-node';
import { ModelVaultError } from '../core/errors.ts';
import { binaryMetrics, multiclassMetrics, regressionMetrics, type ClassificationMetrics, type RegressionMetrics } from './metrics.ts';
import type { TensorInfo } from './onnx-session.ts';

/** What a model predicts. */
export type Task = 'binary-classification' | 'multiclass-classification' | 'regression';

/** Where the task was read from: the `--task` flag, metadata `task`, the model's outputs, or the data. */
export type TaskSource = 'flag' | 'metadata' | 'model' | 'data';

/** The task the caller states: a flag, or nothing to decide from metadata, model and data. */
export type TaskHint = 'classification' | 'regression';

/** Which outputs are read, and as what. */
export interface OutputPlan {
  task: Task;
  taskSource: TaskSource;
  /** An integer output of predicted classes. */
  labelOutput?: string;
  /** A float output: class probabilities/scores ([N], [N, 1] or [N, C]) or the regression value. */
  scoreOutput?: string;
  /** Width of the score output (1 for a single class-1 score). */
  scoreWidth: number;
}

const FLOATS = new Set(['float32', 'float64', 'float16']);
const INTS = new Set(['int64', 'int32', 'int8', 'uint8', 'int16', 'uint16', 'uint32', 'uint64', 'bool']);

function width(t: Ort.Tensor): number {
  return t.dims.length >= 2 ? t.dims.slice(1).reduce((a, b) => a * b, 1) : 1;
}

function taskFromMetadata(metadata: Record<string, unknown>): TaskHint | undefined {
  const t = typeof metadata.task === 'string' ? metadata.task.toLowerCase() : '';
  if (/regress/.test(t)) return 'regression';
  if (/classif/.test(t)) return 'classification';
  return undefined;
}

/**
 * Decides classifier or regressor, in order: the caller's hint (flag), metadata `task`, the model's outputs
 * (an integer output, or a float output wider than one column, is a classifier), then the data (a single
 * score in [0, 1] against a 0/1 target is a binary classifier; anything else a regressor).
 */
export function planOutputs(outputs: readonly TensorInfo[], first: Ort.InferenceSession.ReturnType, truth: Float64Array, hint: TaskHint | undefined, metadata: Record<string, unknown>, where: string): OutputPlan {
  const label = outputs.find((o) => INTS.has(o.type));
  const score = outputs.find((o) => FLOATS.has(o.type));
  if (!label && !score) {
    throw new ModelVaultError('invalid_input', `${where}: no numeric tensor output (outputs: ${outputs.map((o) => `${o.name} ${o.type}`).join(', ')})`, { hint: 'evaluation reads a float score or an integer label output' });
  }
  const scoreWidth = score ? width(first[score.name]!) : 0;
  let task: TaskHint | undefined = hint;
  let taskSource: TaskSource = 'flag';
  if (!task) {
    task = taskFromMetadata(metadata);
    taskSource = 'metadata';
  }
  if (!task && (label || scoreWidth > 1)) {
    task = 'classification';
    taskSource = 'model';
  }
  if (!task) {
    const values = first[score!.name]!.data as Float32Array;
    const inUnit = values.every((v) => v >= 0 && v <= 1);
    const binaryTruth = truth.every((v) => Number.isNaN(v) || v === 0 || v === 1);
    task = inUnit && binaryTruth ? 'classification' : 'regression';
    taskSource = 'data';
  }
  if (task === 'regression') {
    if (!score || scoreWidth !== 1) {
      throw new ModelVaultError('invalid_input', `${where}: a regressor needs one float output of one value per row${score ? `; "${score.name}" has ${scoreWidth}` : ''}`, { hint: 'pass --task classification if the model is a classifier' });
    }
    return { task: 'regression', taskSource, scoreOutput: score.name, scoreWidth };
  }
  const classes = Math.max(scoreWidth, 2);
  return {
    task: classes > 2 ? 'multiclass-classification' : 'binary-classification',
    taskSource,
    ...(label ? { labelOutput: label.name } : {}),
    ...(score ? { scoreOutput: score.name } : {}),
    scoreWidth,
  };
}

/** `out[r] = from[rows[r]]` for every r. */
function gather<T extends Float64Array | Int32Array>(from: T, rows: Int32Array, out: T): T {
  for (let r = 0; r < rows.length; r++) out[r] = from[rows[r]!]!;
  return out;
}

/** Rows of a row-major matrix `width` wide that hold NaN or an infinity. */
function nonFiniteRows(data: Float32Array | Float64Array, width: number): number {
  let bad = 0;
  for (let i = 0; i < data.length; i += width) {
    for (let j = i; j < i + width; j++) {
      if (!Number.isFinite(data[j]!)) {
        bad++;
        break;
      }
    }
  }
  return bad;
}

/** Measured quality of a model on the rows evaluated. */
export type QualityMetrics = ClassificationMetrics | RegressionMetrics;

/** Collects the predictions of every batch and scores them against the target. */
export class Predictions {
  private readonly label: Int32Array;
  private readonly score: Float64Array;
  private nonFinite = 0;

  constructor(readonly plan: OutputPlan, private readonly rows: number) {
    this.label = new Int32Array(plan.task === 'regression' ? 0 : rows);
    this.score = new Float64Array(rows * Math.max(plan.scoreWidth, 1));
  }

  /** Rows whose output held NaN or an infinity. */
  get nonFiniteRows(): number {
    return this.nonFinite;
  }

  /** Stores the outputs of rows [start, start + n); a wrong number of rows is `validation_failed`. */
  add(out: Ort.InferenceSession.ReturnType, start: number, n: number, where: string): void {
    const p = this.plan;
    const w = Math.max(p.scoreWidth, 1);
    if (p.scoreOutput) {
      const t = out[p.scoreOutput]!;
      const data = t.data as Float32Array | Float64Array;
      if (data.length !== n * w) throw new ModelVaultError('validation_failed', `${where}: output "${p.scoreOutput}" returned ${data.length} values for ${n} rows (expected ${n * w})`, { hint: 'the model must return one row of outputs per input row' });
      this.score.set(data, start * w);
      this.nonFinite += nonFiniteRows(data, w);
    }
    if (p.task === 'regression') return;
    if (p.labelOutput) {
      const data = out[p.labelOutput]!.data as BigInt64Array | Int32Array;
      if (data.length !== n) throw new ModelVaultError('validation_failed', `${where}: output "${p.labelOutput}" returned ${data.length} labels for ${n} rows`, { hint: 'the model must return one label per input row' });
      for (let i = 0; i < n; i++) this.label[start + i] = Number(data[i]);
    } else if (w === 1) {
      for (let i = 0; i < n; i++) this.label[start + i] = this.score[start + i]! >= 0.5 ? 1 : 0;
    } else {
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < w; j++) if (this.score[(start + i) * w + j]! > this.score[(start + i) * w + best]!) best = j;
        this.label[start + i] = best;
      }
    }
  }

  /** The predictions of every row, as stored (labels for classifiers, values for regressors). */
  values(): Float64Array {
    return this.plan.task === 'regression' ? this.score : Float64Array.from(this.label);
  }

  /** Scores the rows whose target is present and whose outputs are finite. */
  metrics(truth: Float64Array): { metrics: QualityMetrics; evaluated: number } {
    const p = this.plan;
    const w = Math.max(p.scoreWidth, 1);
    const checked = p.scoreOutput ? w : 0;
    const keep = new Int32Array(this.rows);
    let k = 0;
    for (let i = 0; i < this.rows; i++) {
      if (Number.isNaN(truth[i]!)) continue;
      let finite = true;
      for (let j = 0; j < checked; j++) if (!Number.isFinite(this.score[i * w + j]!)) finite = false;
      if (finite) keep[k++] = i;
    }
    const rows = keep.subarray(0, k);
    // When every row is scored, the stored arrays are used as they are.
    const all = k === this.rows;
    const t = all ? truth : gather(truth, rows, new Float64Array(k));
    if (p.task === 'regression') return { metrics: regressionMetrics(t, all ? this.score : gather(this.score, rows, new Float64Array(k))), evaluated: k };
    const predicted = all ? this.label : gather(this.label, rows, new Int32Array(k));
    if (p.task === 'binary-classification') {
      const col = w === 2 ? 1 : 0;
      let score: Float64Array | null = null;
      if (p.scoreOutput && all && w === 1) score = this.score;
      else if (p.scoreOutput) {
        score = new Float64Array(k);
        for (let r = 0; r < k; r++) score[r] = this.score[rows[r]! * w + col]!;
      }
      return { metrics: binaryMetrics(t, predicted, score), evaluated: k };
    }
    const probs = p.scoreOutput ? new Float64Array(k * w) : null;
    if (probs) for (let r = 0; r < k; r++) probs.set(this.score.subarray(rows[r]! * w, rows[r]! * w + w), r * w);
    return { metrics: multiclassMetrics(t, predicted, probs, w), evaluated: k };
  }
}

/** Checks a classifier's target: class indices 0, 1, … (missing values are skipped). */
export function checkClassTarget(truth: Float64Array, target: string): void {
  for (let i = 0; i < truth.length; i++) {
    const v = truth[i]!;
    if (!Number.isNaN(v) && !(Number.isInteger(v) && v >= 0)) {
      throw new ModelVaultError('invalid_input', `target column "${target}" holds ${v} at row ${i + 1}; a classifier's target must be class indices 0, 1, …`, {
        field: target,
        row: i + 1,
        hint: 'pass --task regression if the model is a regressor, or encode the classes as 0, 1, …',
      });
    }
  }
}
