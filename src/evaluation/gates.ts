import type * as Ort from 'onnxruntime-node';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { ModelRunner, type EvaluateModelOptions, type ModelEvaluation } from './evaluate-model.ts';
import { THRESHOLD_METRICS, type GateName, type GatesConfig, type QualityGates, type ThresholdMetric } from './gates-config.ts';
import { percentiles } from './metrics.ts';
import { FeedBuilder, metadataTarget, planInputs, syntheticFeeds } from './model-input.ts';
import type { TaskHint } from './model-output.ts';
import { openSession, type ModelSession, type TensorInfo } from './onnx-session.ts';
import type { LoadedData, StoredModel } from './stored-inputs.ts';

/** The outcome of one gate. */
export interface GateResult {
  name: GateName;
  required: boolean;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it passed, failed or was skipped, in one line. */
  reason: string;
  /** What the gate measured. */
  measured: Record<string, unknown>;
  /** The settings it compared against. */
  thresholds: Record<string, unknown>;
  durationMs: number;
}

/** The body of `gates` evidence: every gate's outcome for exactly this content, settings and baseline. */
export interface GatesBody {
  runner: 'modelvault-gates';
  reference: string;
  manifestDigest: Digest;
  /** The digest of the gate settings the run used: a changed gates.yaml needs a new run. */
  configDigest: Digest;
  configSource: string;
  baseline: { reference: string; manifestDigest: Digest } | null;
  data: { digest: Digest; format: string; rows: number; target: string } | null;
  /** True when every required gate passed. */
  passed: boolean;
  gates: GateResult[];
  /** Warning-level thresholds crossed. */
  warnings: string[];
  ranAt: string;
}

/** What the gates read: the candidate, the baseline, the data and the scanner. */
export interface GateInputs {
  candidate: StoredModel;
  baseline?: StoredModel;
  data?: LoadedData;
  target?: string;
  batchSize: number;
  task?: TaskHint;
  config: GatesConfig;
  /** Re-scans the candidate's stored files and records the report; returns the verdict counts per file. */
  scan?: (ref: string) => Promise<{ verdict: string; counts: Record<string, number> }>;
}

type Outcome = Pick<GateResult, 'status' | 'reason' | 'measured' | 'thresholds'> & { warnings?: string[] };

function duration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

async function withTimeout<T>(ms: number, fn: (deadline: number) => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ModelVaultError('validation_failed', `timed out after ${duration(ms)}`)), ms);
  });
  try {
    return await Promise.race([fn(Date.now() + ms), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function where(m: StoredModel): string {
  return `${m.reference} ${m.file.path}`;
}

async function withSession<T>(m: StoredModel, fn: (ms: ModelSession) => Promise<T>): Promise<T> {
  const ms = await openSession(m.bytes, where(m));
  try {
    return await fn(ms);
  } finally {
    await ms.release();
  }
}

function normalType(t: string): string {
  const x = t.toLowerCase();
  return ({ float: 'float32', double: 'float64', long: 'int64', int: 'int32' } as Record<string, string>)[x] ?? x;
}

function dynamic(d: unknown): boolean {
  return d === null || d === -1 || typeof d === 'string';
}

/** Differences between the tensors metadata `signature` declares and those the model has. */
function signatureProblems(kind: 'input' | 'output', declared: unknown, actual: readonly TensorInfo[]): string[] {
  if (!Array.isArray(declared)) return [];
  const problems: string[] = [];
  for (const d of declared as { name?: string; dtype?: string; shape?: unknown[] }[]) {
    const a = actual.find((t) => t.name === d?.name);
    if (!a) {
      problems.push(`metadata signature names ${kind} "${d?.name}", the model has ${actual.map((t) => t.name).join(', ') || 'none'}`);
      continue;
    }
    if (d.dtype && normalType(d.dtype) !== normalType(a.type)) problems.push(`${kind} "${a.name}" is ${a.type} in the model, ${d.dtype} in the metadata signature`);
    if (Array.isArray(d.shape)) {
      const mismatch = d.shape.length !== a.shape.length || d.shape.some((x, i) => !dynamic(x) && !dynamic(a.shape[i]) && x !== a.shape[i]);
      if (mismatch) problems.push(`${kind} "${a.name}" has shape [${a.shape.join(', ')}] in the model, [${d.shape.map((x) => (x === null ? 'null' : String(x))).join(', ')}] in the metadata signature`);
    }
  }
  return problems;
}

function tensorsOf(ms: ModelSession): Record<string, unknown> {
  return { inputs: ms.inputs, outputs: ms.outputs };
}

function targetOf(g: GateInputs): string | undefined {
  return g.target ?? metadataTarget(g.candidate.version.metadata);
}

async function schemaValidation(g: GateInputs): Promise<Outcome> {
  return withSession(g.candidate, async (ms) => {
    const problems: string[] = [];
    const numeric = new Set(['float32', 'float64', 'float16', 'int32', 'int64', 'int8', 'uint8', 'int16', 'uint16', 'uint32', 'uint64', 'bool']);
    for (const t of [...ms.inputs, ...ms.outputs]) if (!numeric.has(t.type)) problems.push(`tensor "${t.name}" is ${t.type}, not a numeric tensor`);
    const sig = g.candidate.version.metadata.signature as { inputs?: unknown; outputs?: unknown } | undefined;
    problems.push(...signatureProblems('input', sig?.inputs, ms.inputs), ...signatureProblems('output', sig?.outputs, ms.outputs));
    if (g.data) {
      const target = targetOf(g);
      if (!target) problems.push('no target column: pass --target or name target in the metadata');
      else {
        try {
          planInputs(ms.inputs, Object.keys(g.data.columns), target, g.candidate.version.metadata, where(g.candidate));
          if (!(target in g.data.columns)) problems.push(`the data has no target column "${target}"`);
        } catch (err) {
          problems.push((err as Error).message);
        }
      }
    } else if (ms.inputs.length === 1 && ms.inputs[0]!.shape.length === 2 && Array.isArray(g.candidate.version.metadata.features)) {
      const width = ms.inputs[0]!.shape[1];
      const listed = (g.candidate.version.metadata.features as unknown[]).length;
      if (typeof width === 'number' && width >= 0 && width !== listed) problems.push(`input "${ms.inputs[0]!.name}" takes ${width} features, the metadata lists ${listed}`);
    }
    return {
      status: problems.length === 0 ? 'passed' : 'failed',
      reason: problems.length === 0 ? `${ms.inputs.length} input(s) and ${ms.outputs.length} output(s) match the metadata${g.data ? ' and the data' : ''}` : problems.join('; '),
      measured: { ...tensorsOf(ms), problems },
      thresholds: {},
    };
  });
}

async function securityScan(g: GateInputs, max: number): Promise<Outcome> {
  if (!g.scan) return { status: 'failed', reason: 'the registry scanner is not available here', measured: {}, thresholds: { max_vulnerabilities: max } };
  const report = await g.scan(g.candidate.reference);
  // A file the scanner finds dangerous or suspicious (code that runs when it loads) counts as one vulnerability.
  const vulnerabilities = (report.counts.dangerous ?? 0) + (report.counts.suspicious ?? 0);
  return {
    status: vulnerabilities <= max ? 'passed' : 'failed',
    reason: `${vulnerabilities} file(s) dangerous or suspicious (verdict ${report.verdict}); at most ${max} allowed`,
    measured: { vulnerabilities, verdict: report.verdict, counts: report.counts },
    thresholds: { max_vulnerabilities: max },
  };
}

/** Input tensors of `rows` rows: the first rows of the data when there is data, else generated from the signature. */
function sampleFeeds(g: GateInputs, ms: ModelSession, rows: number, from = 0): { feeds: Record<string, Ort.Tensor>; rows: number; source: string } {
  const target = targetOf(g);
  if (g.data && target) {
    const n = Math.min(rows, Math.max(0, g.data.rows - from));
    if (n > 0) {
      const builder = new FeedBuilder(ms.ort, planInputs(ms.inputs, Object.keys(g.data.columns), target, g.candidate.version.metadata, where(g.candidate)), g.data.columns);
      return { feeds: builder.feeds(from, from + n), rows: n, source: 'data' };
    }
  }
  return { feeds: syntheticFeeds(ms, rows), rows, source: 'generated' };
}

/** Problems with outputs for `rows` input rows: a first dimension other than `rows`, fixed dimensions that differ, NaN or infinities. */
function outputProblems(ms: ModelSession, out: Ort.InferenceSession.ReturnType, rows: number): string[] {
  const problems: string[] = [];
  for (const o of ms.outputs) {
    const t = out[o.name];
    if (!t) {
      problems.push(`output "${o.name}" is missing`);
      continue;
    }
    if (t.dims.length > 0 && t.dims[0] !== rows) problems.push(`output "${o.name}" has ${t.dims[0]} rows for ${rows} input rows (shape [${t.dims.join(', ')}])`);
    const fixed = o.shape.some((d, i) => typeof d === 'number' && d >= 0 && i > 0 && t.dims[i] !== d) || (o.shape.length > 0 && t.dims.length !== o.shape.length);
    if (fixed) problems.push(`output "${o.name}" has shape [${t.dims.join(', ')}], the model declares [${o.shape.join(', ')}]`);
    if (t.data instanceof Float32Array || t.data instanceof Float64Array) {
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) problems.push(`output "${o.name}" holds ${t.data[bad]} (value ${bad + 1} of ${t.data.length})`);
    }
  }
  return problems;
}

async function smokeTest(g: GateInputs): Promise<Outcome> {
  let ms: ModelSession;
  try {
    ms = await openSession(g.candidate.bytes, where(g.candidate));
  } catch (err) {
    return { status: 'failed', reason: (err as Error).message, measured: { loaded: false }, thresholds: {} };
  }
  try {
    const sample = sampleFeeds(g, ms, 1);
    const out = await ms.session.run(sample.feeds);
    const problems = outputProblems(ms, out, sample.rows);
    return {
      status: problems.length === 0 ? 'passed' : 'failed',
      reason: problems.length === 0 ? `loaded and ran one ${sample.source === 'data' ? 'row of the data' : 'generated row'}: outputs have the right shape and finite values` : problems.join('; '),
      measured: { loaded: true, sample: sample.source, outputs: Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.dims])), problems },
      thresholds: {},
    };
  } catch (err) {
    return { status: 'failed', reason: `running one row failed: ${(err as Error).message.split('\n')[0]}`, measured: { loaded: true }, thresholds: {} };
  } finally {
    await ms.release();
  }
}

function sameOutputs(a: Ort.InferenceSession.ReturnType, b: Ort.InferenceSession.ReturnType, tolerance: number): boolean {
  for (const [k, t] of Object.entries(a)) {
    const u = b[k];
    if (!u || u.data.length !== t.data.length) return false;
    for (let i = 0; i < t.data.length; i++) {
      const x = Number(t.data[i] as number | bigint);
      const y = Number(u.data[i] as number | bigint);
      if (!(x === y || Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(x)))) return false;
    }
  }
  return true;
}

function rowsOf(out: Ort.InferenceSession.ReturnType, row: number, rows: number): Ort.InferenceSession.ReturnType {
  return Object.fromEntries(
    Object.entries(out).map(([k, t]) => {
      const w = t.dims.length > 1 ? t.data.length / rows : 1;
      return [k, { data: (t.data as Float32Array).subarray(row * w, row * w + w), dims: t.dims } as unknown as Ort.Tensor];
    }),
  );
}

async function integrationTests(g: GateInputs, successRate: number, deadline: number): Promise<Outcome> {
  const cases: { name: string; passed: boolean; detail: string }[] = [];
  const check = async (name: string, fn: () => Promise<string | undefined>): Promise<void> => {
    try {
      const problem = await fn();
      cases.push({ name, passed: problem === undefined, detail: problem ?? 'ok' });
    } catch (err) {
      cases.push({ name, passed: false, detail: (err as Error).message.split('\n')[0]! });
    }
  };
  let ms: ModelSession | undefined;
  await check('loads in onnxruntime', async () => {
    ms = await openSession(g.candidate.bytes, where(g.candidate));
    return undefined;
  });
  const total = 6;
  if (ms) {
    const m = ms;
    try {
      const batch = sampleFeeds(g, m, 16);
      await check('a batch of one row returns one row of outputs', async () => {
        const one = sampleFeeds(g, m, 1);
        const p = outputProblems(m, await m.session.run(one.feeds), one.rows).filter((x) => !/holds/.test(x));
        return p.length ? p.join('; ') : undefined;
      });
      await check(`a batch of ${batch.rows} rows returns ${batch.rows} rows of outputs`, async () => {
        const p = outputProblems(m, await m.session.run(batch.feeds), batch.rows).filter((x) => !/holds/.test(x));
        return p.length ? p.join('; ') : undefined;
      });
      await check('outputs are finite for every row', async () => {
        let from = 0;
        const step = 4096;
        do {
          if (Date.now() > deadline) return 'timed out';
          const s = sampleFeeds(g, m, step, from);
          const bad = outputProblems(m, await m.session.run(s.feeds), s.rows).filter((x) => /holds/.test(x));
          if (bad.length) return `${s.source === 'data' ? `rows ${from + 1}–${from + s.rows}` : 'generated rows'}: ${bad.join('; ')}`;
          from += s.rows;
          if (s.source !== 'data') break;
        } while (g.data && from < g.data.rows);
        return undefined;
      });
      await check('the same input gives the same output', async () => {
        const a = await m.session.run(batch.feeds);
        const b = await m.session.run(batch.feeds);
        return sameOutputs(a, b, 0) ? undefined : 'two runs of the same batch differ';
      });
      await check('rows give the same outputs alone as in a batch', async () => {
        const all = await m.session.run(batch.feeds);
        for (let r = 0; r < batch.rows; r++) {
          const one = sampleFeeds(g, m, 1, batch.source === 'data' ? r : 0);
          if (!sameOutputs(await m.session.run(one.feeds), rowsOf(all, r, batch.rows), 1e-5)) return `row ${r + 1} differs when run alone`;
        }
        return undefined;
      });
    } finally {
      await m.release();
    }
  }
  const passed = cases.filter((c) => c.passed).length;
  const rate = passed / total;
  return {
    status: rate >= successRate ? 'passed' : 'failed',
    reason: `${passed} of ${total} checks passed (${(rate * 100).toFixed(0)}%; at least ${(successRate * 100).toFixed(0)}% required)${cases.some((c) => !c.passed) ? `: ${cases.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`).join('; ')}` : ''}`,
    measured: { cases, successRate: rate },
    thresholds: { success_rate: successRate },
  };
}

/** Times the same batches of both models alternately until each has 200 timings (at most 3 s after the first pass). */
async function interleavedLatency(a: ModelRunner, b: ModelRunner, batchSize: number, deadline: number): Promise<[number, number]> {
  const ta: number[] = [];
  const tb: number[] = [];
  const rows = a.rows;
  const stop = Date.now() + 3000;
  let flip = false;
  for (let pass = 0; pass === 0 || (ta.length < 200 && Date.now() < stop); pass++) {
    for (let start = 0; start < rows; start += batchSize) {
      if (Date.now() > deadline) throw new ModelVaultError('validation_failed', 'timed out while timing the models');
      const end = Math.min(start + batchSize, rows);
      // Alternating which model goes first cancels drifts in machine load between the two.
      const first = flip ? b : a;
      const second = flip ? a : b;
      const x = (await first.runBatch(start, end)).ms;
      const y = (await second.runBatch(start, end)).ms;
      (flip ? tb : ta).push(x);
      (flip ? ta : tb).push(y);
      flip = !flip;
    }
  }
  return [percentiles(ta, [95])[0]!, percentiles(tb, [95])[0]!];
}

function qualityOf(e: ModelEvaluation): { metric: string; value: number | null; higherIsBetter: boolean } {
  const m = e.metrics as unknown as Record<string, number | null>;
  return e.task === 'regression' ? { metric: 'rmse', value: m.rmse ?? null, higherIsBetter: false } : { metric: 'accuracy', value: m.accuracy ?? null, higherIsBetter: true };
}

async function performanceValidation(g: GateInputs, s: NonNullable<QualityGates['performance_validation']>, deadline: number): Promise<Outcome> {
  const thresholds = {
    accuracy_threshold: s.accuracyThreshold,
    latency_threshold: s.latencyThreshold,
    memory_threshold: s.memoryThreshold,
    latency_floor_ms: s.latencyFloorMs,
    memory_floor_mb: s.memoryFloorBytes / (1 << 20),
    absolute: g.config.thresholds,
  };
  const target = targetOf(g);
  if (!g.data || !target) {
    return { status: s.required ? 'failed' : 'skipped', reason: !g.data ? 'needs evaluation data: pass --data FILE' : 'no target column: pass --target or name target in the metadata', measured: {}, thresholds };
  }
  const opts = (m: StoredModel): EvaluateModelOptions => ({ target, batchSize: g.batchSize, metadata: m.version.metadata, where: where(m), deadline, ...(g.task ? { task: g.task } : {}) });
  const evaluate = async (m: StoredModel): Promise<ModelEvaluation> => {
    const r = await ModelRunner.open(m.bytes, g.data!.columns, opts(m));
    try {
      return await r.evaluate();
    } finally {
      await r.release();
    }
  };
  // The candidate is measured first: a model measured after another may reuse memory that one freed.
  const cand = await evaluate(g.candidate);
  const base = g.baseline ? await evaluate(g.baseline) : undefined;
  let candLatency = cand.latency.perBatch.p95;
  let baseLatency = base?.latency.perBatch.p95;
  if (g.baseline && base) {
    const [a, b] = [await ModelRunner.open(g.candidate.bytes, g.data.columns, opts(g.candidate)), await ModelRunner.open(g.baseline.bytes, g.data.columns, opts(g.baseline))];
    try {
      [candLatency, baseLatency] = await interleavedLatency(a, b, g.batchSize, deadline);
    } finally {
      await a.release();
      await b.release();
    }
  }
  const failures: string[] = [];
  const warnings: string[] = [];
  const checks: Record<string, unknown>[] = [];
  const q = qualityOf(cand);
  if (base) {
    const bq = qualityOf(base);
    if (bq.metric !== q.metric) failures.push(`the baseline is a ${base.task} model, the candidate a ${cand.task} model: their quality cannot be compared`);
    else if (q.value !== null && bq.value !== null) {
      const limit = q.higherIsBetter ? bq.value * s.accuracyThreshold : bq.value / s.accuracyThreshold;
      const ok = q.higherIsBetter ? q.value >= limit : q.value <= limit;
      checks.push({ check: q.metric, candidate: q.value, baseline: bq.value, limit, passed: ok });
      if (!ok) failures.push(`${q.metric} ${q.value.toFixed(4)} is ${q.higherIsBetter ? 'below' : 'above'} ${limit.toFixed(4)} (${q.higherIsBetter ? `${s.accuracyThreshold} × baseline` : `baseline ÷ ${s.accuracyThreshold}`} ${bq.value.toFixed(4)})`);
    }
    const latencyLimit = baseLatency! * s.latencyThreshold;
    const latencyOk = candLatency <= latencyLimit || candLatency - baseLatency! <= s.latencyFloorMs;
    checks.push({ check: 'latency_p95_ms', candidate: candLatency, baseline: baseLatency, limit: latencyLimit, passed: latencyOk });
    if (!latencyOk) failures.push(`p95 batch latency ${candLatency.toFixed(3)} ms is above ${latencyLimit.toFixed(3)} ms (${s.latencyThreshold} × baseline ${baseLatency!.toFixed(3)} ms)`);
    const memC = cand.memory.peakRssDeltaBytes;
    const memB = base.memory.peakRssDeltaBytes;
    const memLimit = memB * s.memoryThreshold;
    const memOk = memC <= memLimit || memC - memB <= s.memoryFloorBytes;
    checks.push({ check: 'peak_memory_bytes', candidate: memC, baseline: memB, limit: memLimit, passed: memOk });
    if (!memOk) failures.push(`peak memory ${(memC / (1 << 20)).toFixed(1)} MiB is above ${(memLimit / (1 << 20)).toFixed(1)} MiB (${s.memoryThreshold} × baseline ${(memB / (1 << 20)).toFixed(1)} MiB)`);
  }
  const measuredValues: Record<string, number | null> = { ...(cand.metrics as unknown as Record<string, number | null>), latency: candLatency };
  for (const [metric, t] of Object.entries(g.config.thresholds) as [ThresholdMetric, { critical?: number; warning?: number }][]) {
    const value = measuredValues[metric];
    if (value === undefined || value === null) continue;
    const worse = (limit: number): boolean => (THRESHOLD_METRICS[metric] === 'min' ? value < limit : value > limit);
    const unit = metric === 'latency' ? ' ms' : '';
    if (t.critical !== undefined && worse(t.critical)) failures.push(`${metric} ${value.toFixed(4)}${unit} crosses the critical threshold ${t.critical}${unit}`);
    else if (t.warning !== undefined && worse(t.warning)) warnings.push(`${metric} ${value.toFixed(4)}${unit} crosses the warning threshold ${t.warning}${unit}`);
    checks.push({ check: `threshold.${metric}`, candidate: value, ...t, passed: t.critical === undefined || !worse(t.critical) });
  }
  const summary = (e: ModelEvaluation, latency: number): Record<string, unknown> => ({ task: e.task, metrics: e.metrics, latencyP95Ms: latency, peakRssDeltaBytes: e.memory.peakRssDeltaBytes, evaluatedRows: e.evaluatedRows });
  return {
    status: failures.length === 0 ? 'passed' : 'failed',
    reason: failures.length > 0 ? failures.join('; ') : base ? `${q.metric}, latency and memory within the limits against the baseline` : 'no baseline: absolute thresholds only',
    measured: { candidate: summary(cand, candLatency), baseline: base ? summary(base, baseLatency!) : null, checks },
    thresholds,
    warnings,
  };
}

/** Runs every gate the settings list, in order; a gate that throws or times out fails with the reason. */
export async function runGates(g: GateInputs): Promise<{ gates: GateResult[]; warnings: string[] }> {
  const results: GateResult[] = [];
  const warnings: string[] = [];
  const gates = g.config.gates;
  const runners: { [K in GateName]: (deadline: number) => Promise<Outcome> } = {
    schema_validation: () => schemaValidation(g),
    security_scan: () => securityScan(g, gates.security_scan?.maxVulnerabilities ?? 0),
    smoke_test: () => smokeTest(g),
    performance_validation: (deadline) => performanceValidation(g, gates.performance_validation!, deadline),
    integration_tests: (deadline) => integrationTests(g, gates.integration_tests?.successRate ?? 1, deadline),
  };
  for (const name of Object.keys(runners) as GateName[]) {
    const s = gates[name];
    if (!s) continue;
    const t = performance.now();
    let outcome: Outcome;
    try {
      outcome = await withTimeout(s.timeoutMs, runners[name]);
    } catch (err) {
      outcome = { status: 'failed', reason: (err as Error).message.split('\n')[0]!, measured: {}, thresholds: {} };
    }
    warnings.push(...(outcome.warnings ?? []));
    results.push({ name, required: s.required, status: outcome.status, reason: outcome.reason, measured: outcome.measured, thresholds: { timeout_ms: s.timeoutMs, ...outcome.thresholds }, durationMs: performance.now() - t });
  }
  return { gates: results, warnings };
}
