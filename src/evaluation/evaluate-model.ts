import { ModelVaultError } from '../core/errors.ts';
import type { Columns } from '../formats/read-table.ts';
import { percentiles } from './metrics.ts';
import { FeedBuilder, numericColumn, planFeatures, planInputs, type InputPlan } from './model-input.ts';
import { checkClassTarget, planOutputs, Predictions, type QualityMetrics, type Task, type TaskHint, type TaskSource } from './model-output.ts';
import { loadOrt, openSession, type ModelSession } from './onnx-session.ts';

/** How to evaluate one model on one table. */
export interface EvaluateModelOptions {
  /** The target column. */
  target: string;
  /** Rows per `session.run`. */
  batchSize: number;
  /** Classifier or regressor, when the caller knows (else metadata, outputs, data decide). */
  task?: TaskHint;
  /** The version's metadata (features, task). */
  metadata: Record<string, unknown>;
  /** The model named in messages, e.g. `name@1.0.0 model.onnx`. */
  where: string;
  /** Stop with `timeout` when this time (Date.now()) passes; checked between batches. */
  deadline?: number;
}

/** Percentiles of a latency distribution, in milliseconds. */
export interface LatencyStats {
  p50: number;
  p95: number;
  p99: number;
}

/** What evaluating one model measured. */
export interface ModelEvaluation {
  task: Task;
  taskSource: TaskSource;
  /** The columns fed to the model, in order. */
  features: string[];
  /** Rows in the table, rows scored, rows skipped for a missing target, rows whose outputs were NaN or infinite. */
  rows: number;
  evaluatedRows: number;
  skippedRows: number;
  nonFiniteRows: number;
  metrics: QualityMetrics;
  /** Time of each `session.run`, per batch and divided by its rows. */
  latency: { unit: 'ms'; batchSize: number; batches: number; perBatch: LatencyStats; perRow: LatencyStats };
  /** Peak resident memory while the model loaded and ran, minus the resident memory just before it loaded. */
  memory: { method: 'rss-delta'; peakRssDeltaBytes: number };
  /** Time to load the model, and the whole evaluation. */
  loadMs: number;
  durationMs: number;
}

// Resident memory is read at most this often between batches (and once after the last): each read is a system call.
const RSS_SAMPLE_MS = 4;

/** The largest batch a caller may ask for. */
export const MAX_BATCH_SIZE = 1 << 20;

/** Stops a long evaluation between batches once its deadline passed. */
export function checkDeadline(deadline: number | undefined, what: string): void {
  if (deadline !== undefined && Date.now() > deadline) throw new ModelVaultError('validation_failed', `${what} timed out`, { hint: 'raise the gate timeout in gates.yaml, or evaluate fewer rows' });
}

function stats(values: number[]): LatencyStats {
  const [p50, p95, p99] = percentiles(values, [50, 95, 99]);
  return { p50: p50!, p95: p95!, p99: p99! };
}

/** A loaded model bound to a table: runs batches, times them, and keeps its predictions. */
export class ModelRunner {
  readonly feeds: FeedBuilder;
  readonly truth: Float64Array;
  readonly rows: number;
  private peakRss: number;
  private rssSampledAt = 0;

  private constructor(readonly ms: ModelSession, readonly plan: InputPlan, columns: Columns, readonly opts: EvaluateModelOptions, private readonly rss0: number, readonly loadMs: number) {
    this.feeds = new FeedBuilder(ms.ort, plan, columns);
    this.truth = numericColumn(columns, opts.target);
    this.rows = this.truth.length;
    this.peakRss = process.memoryUsage.rss();
  }

  /** Loads the model (measuring resident memory from just before) and maps the table's columns onto its inputs. */
  static async open(bytes: Uint8Array, columns: Columns, opts: EvaluateModelOptions): Promise<ModelRunner> {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1 || opts.batchSize > MAX_BATCH_SIZE) {
      throw new ModelVaultError('usage', `batch size must be a whole number from 1 to ${MAX_BATCH_SIZE}, not ${opts.batchSize}`, { field: 'batchSize' });
    }
    const names = Object.keys(columns);
    if (!names.includes(opts.target)) {
      throw new ModelVaultError('invalid_input', `the data has no target column "${opts.target}"`, { field: 'target', hint: `pass --target with one of: ${names.join(', ')}` });
    }
    await loadOrt();
    const rss0 = process.memoryUsage.rss();
    const t0 = performance.now();
    const ms = await openSession(bytes, opts.where);
    const loadMs = performance.now() - t0;
    try {
      return new ModelRunner(ms, planInputs(ms.inputs, names, opts.target, opts.metadata, opts.where), columns, opts, rss0, loadMs);
    } catch (err) {
      await ms.release();
      throw err;
    }
  }

  /** Runs rows [start, end) and returns the outputs and the milliseconds `session.run` took. */
  async runBatch(start: number, end: number): Promise<{ out: Awaited<ReturnType<ModelSession['session']['run']>>; ms: number }> {
    const feeds = this.feeds.feeds(start, end);
    const t = performance.now();
    let out;
    try {
      out = await this.ms.session.run(feeds);
    } catch (err) {
      throw new ModelVaultError('validation_failed', `${this.opts.where}: onnxruntime failed on rows ${start + 1}–${end}: ${(err as Error).message.split('\n')[0]}`, { hint: 'check that the data matches the model inputs (types and feature count)' }, { cause: err });
    }
    const ms = performance.now() - t;
    if (t - this.rssSampledAt >= RSS_SAMPLE_MS) this.sampleRss(t);
    return { out, ms };
  }

  private sampleRss(now: number): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
    this.rssSampledAt = now;
  }

  /** Evaluates every row once, in batches: metrics, latency, memory. */
  async evaluate(): Promise<ModelEvaluation> {
    const started = performance.now();
    const { batchSize, where, deadline } = this.opts;
    if (this.rows === 0) throw new ModelVaultError('invalid_input', 'the data has no rows', { hint: 'evaluate on a table with at least one row' });
    const batchMs: number[] = [];
    const rowMs: number[] = [];
    let predictions: Predictions | undefined;
    // One untimed run first: the first run of a session allocates its buffers, which serving pays once.
    await this.runBatch(0, Math.min(batchSize, this.rows));
    for (let start = 0; start < this.rows; start += batchSize) {
      checkDeadline(deadline, `evaluating ${where}`);
      const end = Math.min(start + batchSize, this.rows);
      const { out, ms } = await this.runBatch(start, end);
      if (!predictions) {
        const plan = planOutputs(this.ms.outputs, out, this.truth, this.opts.task, this.opts.metadata, where);
        if (plan.task !== 'regression') checkClassTarget(this.truth, this.opts.target);
        predictions = new Predictions(plan, this.rows);
      }
      predictions.add(out, start, end - start, where);
      batchMs.push(ms);
      rowMs.push(ms / (end - start));
    }
    this.sampleRss(performance.now());
    const { metrics, evaluated } = predictions!.metrics(this.truth);
    if (evaluated === 0) {
      throw new ModelVaultError('validation_failed', `${where}: no row could be scored: ${predictions!.nonFiniteRows > 0 ? `${predictions!.nonFiniteRows} rows gave NaN or infinite outputs` : `every target value is missing`}`, {
        hint: predictions!.nonFiniteRows > 0 ? 'the model returns NaN; check its weights and the input scaling' : `fill the target column "${this.opts.target}"`,
      });
    }
    let missing = 0;
    for (const v of this.truth) if (Number.isNaN(v)) missing++;
    return {
      task: predictions!.plan.task,
      taskSource: predictions!.plan.taskSource,
      features: planFeatures(this.plan),
      rows: this.rows,
      evaluatedRows: evaluated,
      skippedRows: missing,
      nonFiniteRows: predictions!.nonFiniteRows,
      metrics,
      latency: { unit: 'ms', batchSize, batches: batchMs.length, perBatch: stats(batchMs), perRow: stats(rowMs) },
      memory: { method: 'rss-delta', peakRssDeltaBytes: Math.max(0, this.peakRss - this.rss0) },
      loadMs: this.loadMs,
      durationMs: performance.now() - started + this.loadMs,
    };
  }

  release(): Promise<void> {
    return this.ms.release();
  }
}

/** Loads a model from its bytes, evaluates it on every row of `columns`, and releases it. */
export async function evaluateModel(bytes: Uint8Array, columns: Columns, opts: EvaluateModelOptions): Promise<ModelEvaluation> {
  const runner = await ModelRunner.open(bytes, columns, opts);
  try {
    return await runner.evaluate();
  } finally {
    await runner.release();
  }
}
