import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { EVALUATION_EVIDENCE_KIND, GATES_EVIDENCE_KIND } from '../core/evidence.ts';
import type { MeasuringRegistryApi } from '../registry/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { checkClaims, DEFAULT_CLAIM_TOLERANCE, type ClaimCheck } from './claims.ts';
import { evaluateModel, type ModelEvaluation } from './evaluate-model.ts';
import { loadGatesConfig } from './gates-config.ts';
import { runGates, type GatesBody } from './gates.ts';
import { metadataTarget } from './model-input.ts';
import { loadOrt } from './onnx-session.ts';
import type { TaskHint } from './model-output.ts';
import { claimedMetrics, loadData, loadStoredModel, type DataRef, type StoredModel } from './stored-inputs.ts';

/** Rows per `session.run` unless the caller says otherwise. */
export const DEFAULT_BATCH_SIZE = 1024;

/** What `evaluate` runs on. */
export interface EvaluateRequest {
  data: DataRef;
  /** The target column (default: the metadata's `target`). */
  target?: string;
  /** Also evaluate this version on the same data and report the differences. */
  baseline?: string;
  batchSize?: number;
  task?: TaskHint;
  /** Largest absolute difference between a claimed and a measured metric that is not reported (default 0.01). */
  tolerance?: number;
}

/** What `gates run` runs on. */
export interface GatesRequest {
  /** Evaluation data; without it the performance gate cannot measure and fails when required. */
  data?: DataRef;
  target?: string;
  /** The version to compare with (default: the model's production version). */
  baseline?: string;
  batchSize?: number;
  task?: TaskHint;
}

/** The body of `evaluation` evidence: what the registry measured running the stored model on the data. */
export interface EvaluationBody {
  evaluator: 'modelvault-evaluate';
  reference: string;
  manifestDigest: Digest;
  model: { path: string; digest: Digest };
  data: { digest: Digest; format: string; bytes: number; rows: number; target: string };
  result: ModelEvaluation;
  /** The metrics the version claims (metadata, metrics.json) against the measured ones. */
  claims: ClaimCheck;
  baseline: { reference: string; manifestDigest: Digest; result: ModelEvaluation; delta: Record<string, number> } | null;
  evaluatedAt: string;
}

/** An evaluation as stored, with the id of its evidence. */
export type EvaluationReport = EvaluationBody & { evidenceId: number };
/** A gate run as stored, with the id of its evidence. */
export type GatesReport = GatesBody & { evidenceId: number };

/** Evaluation and quality gates, the same in embedded and remote mode. */
export interface EvaluationApi {
  /** Runs the version's stored ONNX model on the data, measures quality, latency and memory, and records it as evidence. */
  evaluate(ref: string, request: EvaluateRequest): Promise<EvaluationReport>;
  /** Runs every gate of gates.yaml (or the defaults) and records the outcome as evidence. */
  runGates(ref: string, request: GatesRequest): Promise<GatesReport>;
}

/** What the evaluation service works on. */
export interface EvaluationDeps {
  registry: MeasuringRegistryApi;
  blobs: BlobStore;
  /** The registry home (gates.yaml). */
  home: string;
  /** Re-scans a version's stored files with the registry's scanner and records the report. */
  scan?: (ref: string) => Promise<{ verdict: string; counts: Record<string, number> }>;
}

function batchSizeOf(n: number | undefined): number {
  return n ?? DEFAULT_BATCH_SIZE;
}

function targetFor(m: StoredModel, given: string | undefined): string {
  const target = given ?? metadataTarget(m.version.metadata);
  if (!target) throw new ModelVaultError('usage', `no target column for ${m.reference}: its metadata names no target`, { reference: m.reference, hint: 'pass --target COLUMN' });
  return target;
}

function delta(a: ModelEvaluation, b: ModelEvaluation): Record<string, number> {
  const out: Record<string, number> = {};
  const am = a.metrics as unknown as Record<string, number | null>;
  const bm = b.metrics as unknown as Record<string, number | null>;
  for (const [k, v] of Object.entries(am)) if (v !== null && typeof bm[k] === 'number') out[k] = v - bm[k]!;
  out.latency_p95_ms = a.latency.perBatch.p95 - b.latency.perBatch.p95;
  out.peak_rss_delta_bytes = a.memory.peakRssDeltaBytes - b.memory.peakRssDeltaBytes;
  return out;
}

/** Evaluation and gates over a local registry, recording what they measure as registry evidence. */
export class EvaluationService implements EvaluationApi {
  constructor(private readonly deps: EvaluationDeps) {}

  async evaluate(ref: string, request: EvaluateRequest): Promise<EvaluationReport> {
    const tolerance = request.tolerance ?? DEFAULT_CLAIM_TOLERANCE;
    if (!(tolerance >= 0 && Number.isFinite(tolerance))) throw new ModelVaultError('usage', `tolerance must be a number ≥ 0, not ${tolerance}`, { field: 'tolerance' });
    // The data is read while the versions are looked up, and onnxruntime loads while DuckDB decodes the data
    // on its own threads; errors still come in that order.
    const reading = loadData(this.deps.blobs, request.data);
    reading.catch(() => undefined);
    const model = await loadStoredModel(this.deps.registry, this.deps.blobs, ref);
    loadOrt().catch(() => undefined);
    const baseline = request.baseline ? await loadStoredModel(this.deps.registry, this.deps.blobs, request.baseline) : undefined;
    const target = targetFor(model, request.target);
    const data = await reading;
    const batchSize = batchSizeOf(request.batchSize);
    const run = (m: StoredModel): Promise<ModelEvaluation> =>
      evaluateModel(m.bytes, data.columns, { target, batchSize, metadata: m.version.metadata, where: `${m.reference} ${m.file.path}`, ...(request.task ? { task: request.task } : {}) });
    const result = await run(model);
    const base = baseline ? await run(baseline) : undefined;
    const body: EvaluationBody = {
      evaluator: 'modelvault-evaluate',
      reference: model.reference,
      manifestDigest: model.version.manifestDigest,
      model: { path: model.file.path, digest: model.file.digest },
      data: { digest: data.digest, format: data.format, bytes: data.bytes, rows: data.rows, target },
      result,
      claims: checkClaims(await claimedMetrics(this.deps.blobs, model.version), result.metrics, tolerance),
      baseline: baseline && base ? { reference: baseline.reference, manifestDigest: baseline.version.manifestDigest, result: base, delta: delta(result, base) } : null,
      evaluatedAt: new Date().toISOString(),
    };
    const stored = await this.deps.registry.recordMeasuredEvidence(model.reference, { kind: EVALUATION_EVIDENCE_KIND, body });
    return { ...body, evidenceId: stored.id };
  }

  /** The version to compare with: the one named, else the production version (none when the candidate is it or there is none). */
  private async baselineFor(candidate: StoredModel, ref: string | undefined): Promise<StoredModel | undefined> {
    let baseline: StoredModel;
    try {
      baseline = await loadStoredModel(this.deps.registry, this.deps.blobs, ref ?? `${candidate.version.name}@production`);
    } catch (err) {
      if (!ref && err instanceof ModelVaultError && err.code === 'not_found') return undefined;
      throw err;
    }
    return baseline.version.manifestDigest === candidate.version.manifestDigest ? undefined : baseline;
  }

  async runGates(ref: string, request: GatesRequest): Promise<GatesReport> {
    const config = loadGatesConfig(this.deps.home);
    const candidate = await loadStoredModel(this.deps.registry, this.deps.blobs, ref);
    const baseline = await this.baselineFor(candidate, request.baseline);
    const data = request.data ? await loadData(this.deps.blobs, request.data) : undefined;
    const target = request.target ?? metadataTarget(candidate.version.metadata);
    const { gates, warnings } = await runGates({
      candidate,
      ...(baseline ? { baseline } : {}),
      ...(data ? { data } : {}),
      ...(target ? { target } : {}),
      batchSize: batchSizeOf(request.batchSize),
      ...(request.task ? { task: request.task } : {}),
      config,
      ...(this.deps.scan ? { scan: this.deps.scan } : {}),
    });
    const body: GatesBody = {
      runner: 'modelvault-gates',
      reference: candidate.reference,
      manifestDigest: candidate.version.manifestDigest,
      configDigest: config.digest,
      configSource: config.source,
      baseline: baseline ? { reference: baseline.reference, manifestDigest: baseline.version.manifestDigest } : null,
      data: data && target ? { digest: data.digest, format: data.format, rows: data.rows, target } : null,
      passed: gates.every((g) => !g.required || g.status === 'passed'),
      gates,
      warnings,
      ranAt: new Date().toISOString(),
    };
    const stored = await this.deps.registry.recordMeasuredEvidence(candidate.reference, { kind: GATES_EVIDENCE_KIND, body });
    return { ...body, evidenceId: stored.id };
  }
}
