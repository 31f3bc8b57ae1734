import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import YAML from 'yaml';
import { appendAuditEvents } from '../audit/index.ts';
import { parseDigest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import type { VersionDetail } from '../registry/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { conditionVariables } from './alert-expression.ts';
import { evaluateRules, loadAlertRules, type AlertRule } from './alerts.ts';
import { loadMonitoringConfig, type MonitoringConfig } from './config.ts';
import { detectDrift, planDrift, type FeatureDrift } from './drift.ts';
import { formatMethodSpec, parseMethodSpec } from './method-spec.ts';
import { columnSlice, parseObservations, WindowColumn, schemaFromMetadata, type ObservationBatch } from './observations.ts';
import type { DriftColumns, Profile } from './profile.ts';
import { decodeProfile, encodeProfile, type ReferenceProfile } from './profile-codec.ts';
import { concatF64, latestWindowMetrics, modelHealth, percentiles } from './health.ts';
import type { DriftReport, HealthReport, MonitorApi, MonitorContext, MonitorUpdate, ObserveResult, ProfileSummary, WindowSpec } from './types.ts';
import { windowQuality } from './quality.ts';
import { checkReference, referenceFromFile } from './reference.ts';
import { insertBatch, readLastRows, readTimeRange } from './store.ts';
import { deliver } from './webhooks.ts';

export type * from './types.ts';
export { referenceFromColumns, referenceFromFile } from './reference.ts';

/** Data files a reference profile can be computed from. */
const DATA_EXTENSIONS = new Set(['.csv', '.tsv', '.parquet', '.json', '.jsonl', '.ndjson']);
/** Largest window read into memory. */
const MAX_WINDOW_ROWS = 5_000_000;

/** Parses `10000` (a count) or `30m`, `1h`, `7d` (a duration ending now). */
export function parseWindow(text: string): WindowSpec {
  const t = String(text).trim();
  const count = /^[1-9][0-9]{0,7}$/.exec(t);
  if (count) {
    const n = Number(t);
    if (n > MAX_WINDOW_ROWS) throw new ModelVaultError('invalid_input', `window ${t} is larger than ${MAX_WINDOW_ROWS} observations`, { field: 'window' });
    return { kind: 'count', count: n, text: t };
  }
  const dur = /^([1-9][0-9]{0,5})(s|m|h|d)$/.exec(t);
  if (dur) return { kind: 'time', ms: Number(dur[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[dur[2] as 's' | 'm' | 'h' | 'd'], text: t };
  throw new ModelVaultError('invalid_input', `window ${JSON.stringify(t)} is neither a count nor a duration`, { field: 'window', hint: 'use a count such as 10000 or a duration such as 30m, 1h or 7d' });
}

/** The dataset-manifest file list of a version, read from its blob: `files: [{path, split}]`. */
async function readManifestListing(blobs: BlobStore, digest: string): Promise<{ path: string; split?: string }[]> {
  const chunks: Buffer[] = [];
  for await (const c of await blobs.open(parseDigest(digest))) chunks.push(c as Buffer);
  const doc = YAML.parse(Buffer.concat(chunks).toString('utf8'), { maxAliasCount: 0 }) as { files?: unknown } | null;
  if (!doc || !Array.isArray(doc.files)) return [];
  return doc.files.filter((f): f is { path: string; split?: string } => !!f && typeof (f as { path?: unknown }).path === 'string').map((f) => ({ path: f.path, ...(typeof f.split === 'string' ? { split: f.split } : {}) }));
}

/** A stored drift window as health reads it. */

/** Monitoring of model versions over the registry's database: profiles, observations, drift, alerts, health. */
export class MonitorService implements MonitorApi {
  private readonly listeners: Set<(u: MonitorUpdate) => void>;
  /** The `monitoring:` block of config.yaml, read once when the monitor starts. */
  readonly config: MonitoringConfig;

  constructor(
    private readonly ctx: MonitorContext,
    private readonly actor: string,
    shared?: { listeners: Set<(u: MonitorUpdate) => void>; config: MonitoringConfig },
  ) {
    this.listeners = shared?.listeners ?? new Set();
    this.config = shared?.config ?? loadMonitoringConfig(ctx.home);
    // A broken alerts.yaml is reported when the monitor starts, not at the first window.
    if (!shared) this.rules();
  }

  /** The same monitor acting as `actor` (same listeners and configuration). */
  as(actor: string): MonitorService {
    return new MonitorService(this.ctx, actor, { listeners: this.listeners, config: this.config });
  }

  /** Calls `listener` on every ingestion and drift computation; returns the unsubscribe function. */
  subscribe(listener: (u: MonitorUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(u: MonitorUpdate): void {
    for (const l of this.listeners) l(u);
  }

  /** The rules of `<home>/alerts.yaml`, read on each evaluation so edits apply without a restart. */
  rules(): AlertRule[] {
    const file = join(this.ctx.home, 'alerts.yaml');
    if (!existsSync(file)) return [];
    try {
      return loadAlertRules(readFileSync(file, 'utf8'));
    } catch (err) {
      if (err instanceof ModelVaultError) throw new ModelVaultError(err.code, `${file}: ${err.message.replace(/^alerts\.yaml: /, '')}`, { ...err.details, path: file }, { cause: err });
      throw err;
    }
  }

  private async version(ref: string): Promise<{ detail: VersionDetail; id: number }> {
    const registry = this.ctx.registry(this.actor);
    const detail = await registry.getVersion(ref);
    const [key] = await registry.versionKeys({ model: detail.name, versions: [detail.version] });
    if (!key) throw new ModelVaultError('not_found', `${detail.name}@${detail.version} was removed while it was being read`, { reference: ref, hint: 'try again' });
    return { detail, id: key.id };
  }

  private async storedProfile(versionId: number, ref: string): Promise<{ reference: ReferenceProfile; row: { source: string; rows: number | string; digest: string; created_at: string } }> {
    const row = await this.ctx.db.selectFrom('monitor_profiles').select(['source', 'rows', 'digest', 'body', 'created_at']).where('version_id', '=', versionId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (!row) throw new ModelVaultError('not_found', `${ref} has no reference profile`, { reference: ref, hint: `run \`modelvault profile ${ref} --data FILE\`` });
    return { reference: decodeProfile(row.body), row };
  }

  private summary(detail: VersionDetail, reference: ReferenceProfile, row: { source: string; rows: number | string; digest: string; created_at: string }): ProfileSummary {
    return {
      model: detail.name,
      version: detail.version,
      source: row.source,
      rows: Number(row.rows),
      digest: row.digest,
      features: reference.profile.features.map((f) => ({ name: f.name, type: f.type, count: f.count, missing: f.missing })),
      prediction: reference.columns.prediction ?? null,
      label: reference.columns.label ?? null,
      createdAt: row.created_at,
    };
  }

  async putProfile(ref: string, reference: ReferenceProfile, source: string): Promise<ProfileSummary> {
    checkReference(reference);
    const { detail, id } = await this.version(ref);
    const { body, digest } = encodeProfile(reference);
    const at = new Date().toISOString();
    const src = source.slice(0, 500);
    await this.ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('monitor_profiles').values({ version_id: id, source: src, rows: reference.profile.rows, digest, body, created_by: this.actor, created_at: at }).execute();
      await appendAuditEvents(trx, [{ actor: this.actor, action: 'monitor.profile', subject: `${detail.name}@${detail.version}`, model: detail.name, payload: { digest, source: src, rows: reference.profile.rows } }], at);
    });
    return this.summary(detail, reference, { source: src, rows: reference.profile.rows, digest, created_at: at });
  }

  /**
   * Profiles the version's own data: the file named by `lineage.training_dataset.path` or
   * `lineage.evaluation_dataset.path`, else the file whose digest is their `checksum`, else the first data
   * file the version's dataset manifest lists (training split before evaluation).
   */
  async profileFromVersion(ref: string): Promise<ProfileSummary> {
    const { detail } = await this.version(ref);
    const file = await this.referenceFile(detail);
    const dir = mkdtempSync(join(tmpdir(), 'mv-profile-'));
    try {
      const local = join(dir, `data${extname(file.path).toLowerCase()}`);
      const stream: Readable = await this.ctx.blobs.open(parseDigest(file.digest));
      await writeFile(local, stream);
      const reference = await referenceFromFile(local, detail.metadata);
      return await this.putProfile(ref, reference, `${detail.name}@${detail.version}:${file.path}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private async referenceFile(detail: VersionDetail): Promise<{ path: string; digest: string }> {
    const files = detail.files.filter((f) => DATA_EXTENSIONS.has(extname(f.path).toLowerCase()));
    const lineage = (detail.metadata.lineage ?? {}) as Record<string, unknown>;
    for (const key of ['training_dataset', 'evaluation_dataset']) {
      const ds = lineage[key] as { path?: unknown; checksum?: unknown } | undefined;
      const hit = files.find((f) => (typeof ds?.path === 'string' && f.path === ds.path) || (typeof ds?.checksum === 'string' && f.digest === ds.checksum.toLowerCase()));
      if (hit) return hit;
    }
    const manifestPath = detail.metadata.dataset_manifest;
    const manifestFile = detail.files.find((f) => f.path === manifestPath);
    if (manifestFile) {
      const listed = await readManifestListing(this.ctx.blobs, manifestFile.digest);
      for (const split of ['train', 'training', 'evaluation', 'eval', 'test', 'validation', undefined]) {
        const hit = listed.find((l) => (split === undefined || l.split === split) && files.some((f) => f.path === l.path));
        if (hit) return files.find((f) => f.path === hit.path) as { path: string; digest: string };
      }
    }
    throw new ModelVaultError('not_found', `${detail.name}@${detail.version} holds no reference data file`, {
      reference: `${detail.name}@${detail.version}`,
      hint: 'pass --data FILE, or include the training or evaluation data (CSV, Parquet, JSON lines) in the version and name it in lineage.training_dataset.path or the dataset manifest',
    });
  }

  async getProfile(ref: string): Promise<ProfileSummary> {
    const { detail, id } = await this.version(ref);
    const { reference, row } = await this.storedProfile(id, ref);
    return this.summary(detail, reference, row);
  }

  async observe(ref: string, jsonLines: string): Promise<ObserveResult> {
    const { detail, id } = await this.version(ref);
    const batch = parseObservations(jsonLines, schemaFromMetadata(detail.metadata));
    await insertBatch(this.ctx.db, id, batch, new Date().toISOString());
    let labelled = 0;
    let accuracy: number | undefined;
    if (batch.label) {
      const q = windowQuality(columnSlice(batch.prediction, 0, batch.rows), columnSlice(batch.label, 0, batch.rows), this.qualityOptions(detail));
      labelled = q?.labelled ?? 0;
      accuracy = q?.accuracy;
    }
    this.emit({ kind: 'observations', model: detail.name, version: detail.version, latencyMs: batch.latency, ...(accuracy !== undefined ? { accuracy } : {}) });
    return { model: detail.name, version: detail.version, accepted: batch.rows, labelled };
  }

  private qualityOptions(detail: VersionDetail): { task?: string; threshold?: number } {
    const task = typeof detail.metadata.task === 'string' ? detail.metadata.task : undefined;
    const t = (detail.metadata.hyperparameters as { decision_threshold?: unknown } | undefined)?.decision_threshold;
    return { ...(task ? { task } : {}), ...(typeof t === 'number' ? { threshold: t } : {}) };
  }

  private async window(id: number, spec: WindowSpec, ref: string): Promise<{ batches: ObservationBatch[]; rows: number; from: number; to: number }> {
    const now = Date.now();
    const batches = spec.kind === 'count' ? await readLastRows(this.ctx.db, id, spec.count) : await readTimeRange(this.ctx.db, id, now - spec.ms, now);
    const rows = batches.reduce((n, b) => n + b.rows, 0);
    if (rows === 0) {
      throw new ModelVaultError('invalid_input', `${ref}: the window ${spec.text} holds no observations`, {
        reference: ref,
        window: spec.text,
        reason: 'empty_window',
        hint: spec.kind === 'time' ? 'send observations with `modelvault observe`, or widen the window (e.g. --window 24h or a count)' : 'send observations with `modelvault observe` first',
      });
    }
    if (rows > MAX_WINDOW_ROWS) throw new ModelVaultError('invalid_input', `the window ${spec.text} holds ${rows} observations, more than ${MAX_WINDOW_ROWS}`, { hint: 'use a shorter window' });
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const b of batches) {
      for (let i = 0; i < b.rows; i++) {
        const t = b.timestamps[i] as number;
        if (t < from) from = t;
        if (t > to) to = t;
      }
    }
    return { batches, rows, from, to };
  }

  async drift(ref: string, options: { window?: string; method?: string } = {}): Promise<DriftReport> {
    const { detail, id } = await this.version(ref);
    const spec = parseWindow(options.window ?? this.config.window);
    // A request's spec replaces monitoring.method of config.yaml; auto fills what the spec in effect leaves out.
    const methods = options.method === undefined ? this.config.method : parseMethodSpec(options.method);
    const { reference } = await this.storedProfile(id, `${detail.name}@${detail.version}`);
    planDrift(reference.profile, { method: methods }); // a spec the features cannot take is refused before the window is read
    const rules = this.rules();
    const win = await this.window(id, spec, `${detail.name}@${detail.version}`);
    // Windows hand drift the batches' columns with their ingestion-time counts: count-based methods never read the values.
    const column = (pick: (b: ObservationBatch) => ObservationBatch['prediction'] | undefined): WindowColumn => new WindowColumn(win.batches.map((b) => ({ column: pick(b), rows: b.rows })));
    const current: DriftColumns = {};
    for (const f of reference.profile.features) current[f.name] = column((b) => b.features.get(f.name));
    const driftOptions = { method: methods, thresholds: this.config.thresholds, driftShare: this.config.driftShare };
    const result = detectDrift(reference.profile, current, driftOptions);
    const predictions = column((b) => b.prediction);
    const labels = win.batches.some((b) => b.label) ? column((b) => b.label).values() : undefined;
    let prediction: DriftReport['prediction'] = null;
    const predRef = reference.prediction ?? reference.label;
    if (predRef) {
      const p: Profile = { version: 1, rows: predRef.count + predRef.missing, features: [{ ...predRef, name: 'prediction' }] };
      try {
        // Feature entries name features, not the prediction: it takes the spec's type entries and default.
        const r = detectDrift(p, { prediction: predictions }, { method: { ...methods, features: new Map() }, thresholds: this.config.thresholds });
        prediction = { ...(r.features[0] as FeatureDrift), against: reference.prediction ? 'prediction' : 'label' };
      } catch (err) {
        // Predictions of another kind than the reference column (scores against class labels) are compared by their classes.
        if (!(err instanceof ModelVaultError)) throw err;
      }
    }
    const quality = labels ? windowQuality(predictions.values(), labels, this.qualityOptions(detail)) ?? null : null;
    const latency = percentiles(concatF64(win.batches.map((b) => b.latency)));
    let errors = 0;
    for (const b of win.batches) for (let i = 0; i < b.rows; i++) errors += b.errors[i] as number;
    const report: DriftReport = {
      model: detail.name,
      version: detail.version,
      window: { spec: spec.text, rows: win.rows, from: new Date(win.from).toISOString(), to: new Date(win.to).toISOString() },
      method: formatMethodSpec(methods),
      features: result.features,
      skipped: result.skipped,
      driftScore: result.share,
      datasetDrift: result.datasetDrift,
      prediction,
      quality,
      latencyMs: latency ? { p50: latency.p50, p95: latency.p95, p99: latency.p99 } : null,
      errorRate: errors / win.rows,
      metrics: {},
      alerts: { firing: [], resolved: [], notEvaluated: [] },
    };
    report.metrics = this.metricsOf(report, detail);
    await this.recordWindow(id, report);
    await this.evaluateAlerts(id, detail, report, rules);
    this.emit({ kind: 'drift', model: detail.name, version: detail.version, driftScore: report.driftScore, ...(quality?.accuracy !== undefined ? { accuracy: quality.accuracy } : {}) });
    return report;
  }

  private metricsOf(r: DriftReport, detail: VersionDetail): Record<string, number> {
    const m: Record<string, number> = {
      drift_score: r.driftScore,
      drifted_features: r.features.filter((f) => f.drifted).length,
      dataset_drift: r.datasetDrift ? 1 : 0,
      error_rate: r.errorRate,
      observations: r.window.rows,
    };
    if (r.prediction) m.prediction_drift = r.prediction.drifted ? 1 : 0;
    if (r.latencyMs) {
      m.latency_p50 = r.latencyMs.p50;
      m.latency_p95 = r.latencyMs.p95;
      m.latency_p99 = r.latencyMs.p99;
    }
    for (const k of ['accuracy', 'f1', 'rmse', 'mae'] as const) {
      const v = r.quality?.[k];
      if (typeof v === 'number') m[k] = v;
    }
    const baseline = (detail.metadata.metrics as Record<string, unknown> | undefined)?.accuracy;
    if (typeof baseline === 'number') m.baseline = baseline;
    return m;
  }

  private async recordWindow(versionId: number, r: DriftReport): Promise<void> {
    const { alerts: _alerts, ...stored } = r;
    await this.ctx.db
      .insertInto('monitor_windows')
      .values({ version_id: versionId, window: r.window.spec, rows: r.window.rows, drift_score: r.driftScore, dataset_drift: r.datasetDrift ? 1 : 0, accuracy: r.quality?.accuracy ?? null, result_json: JSON.stringify(stored), created_at: new Date().toISOString() })
      .execute();
  }

  /** Fires new alerts (event + webhooks), keeps already open ones, resolves those whose condition cleared. */
  private async evaluateAlerts(versionId: number, detail: VersionDetail, r: DriftReport, rules: AlertRule[]): Promise<void> {
    const evaluable = rules.filter((rule) => {
      const missing = conditionVariables(rule.expr).filter((v) => !Object.hasOwn(r.metrics, v));
      if (missing.length > 0) r.alerts.notEvaluated.push({ name: rule.name, missing });
      return missing.length === 0;
    });
    const firing = evaluateRules(evaluable, r.metrics);
    const firingNames = new Set(firing.map((f) => f.name));
    const db = this.ctx.db;
    const subject = `${detail.name}@${detail.version}`;
    const open = await db.selectFrom('monitor_alerts').select(['id', 'rule']).where('version_id', '=', versionId).where('status', '=', 'open').execute();
    const openByRule = new Map(open.map((o) => [o.rule, Number(o.id)]));
    const at = new Date().toISOString();
    const fresh: { id: number; alert: (typeof firing)[number] }[] = [];
    await db.transaction().execute(async (trx) => {
      const events = [];
      for (const alert of firing) {
        if (openByRule.has(alert.name)) {
          r.alerts.firing.push({ ...alert, new: false, deliveries: [] });
          continue;
        }
        const row = await trx
          .insertInto('monitor_alerts')
          .values({ version_id: versionId, rule: alert.name, severity: alert.severity, condition: alert.condition, status: 'open', values_json: JSON.stringify(r.metrics), deliveries_json: '[]', fired_at: at, resolved_at: null })
          .returning('id')
          .executeTakeFirstOrThrow();
        fresh.push({ id: Number(row.id), alert });
        events.push({ actor: this.actor, action: 'alert.fire', subject, model: detail.name, payload: { rule: alert.name, severity: alert.severity, condition: alert.condition, window: r.window, values: r.metrics } });
      }
      for (const rule of evaluable) {
        const openId = openByRule.get(rule.name);
        if (openId === undefined || firingNames.has(rule.name)) continue;
        await trx.updateTable('monitor_alerts').set({ status: 'resolved', resolved_at: at }).where('id', '=', openId).execute();
        r.alerts.resolved.push(rule.name);
        events.push({ actor: this.actor, action: 'alert.resolve', subject, model: detail.name, payload: { rule: rule.name, window: r.window, values: r.metrics } });
      }
      if (events.length > 0) await appendAuditEvents(trx, events, at);
    });
    for (const { id, alert } of fresh) {
      const payload = { alert: alert.name, severity: alert.severity, condition: alert.condition, model: detail.name, version: detail.version, stage: detail.stage, window: r.window, values: r.metrics, firedAt: at };
      const deliveries = await Promise.all(this.config.webhooks.map((h) => deliver(h.url, payload, this.config.webhooks)));
      await db.updateTable('monitor_alerts').set({ deliveries_json: JSON.stringify(deliveries) }).where('id', '=', id).execute();
      r.alerts.firing.push({ ...alert, new: true, deliveries });
    }
  }

  /**
   * The drift score of each version's latest window and the accuracy of its latest labelled one, so live
   * gauges can start from the stored values after a restart.
   */
  latestWindowMetrics(): Promise<{ model: string; version: string; driftScore: number | null; accuracy: number | null }[]> {
    return latestWindowMetrics(this.ctx.db, this.ctx.registry(this.actor));
  }

  /** Accuracy trend, latency distribution, drift scores, adoption, error rate and open alerts of a model's versions. */
  health(name: string): Promise<HealthReport> {
    return modelHealth(this.ctx.db, this.ctx.registry(this.actor), name);
  }
}


