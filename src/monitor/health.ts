import type { Kysely } from 'kysely';
import type { Database } from '../storage/db/schema.ts';
import { quantileSorted } from './profile.ts';
import { sortFloat64 } from './stats/radix-sort.ts';
import { observationCounts, readLastRows } from './store.ts';
import type { HealthReport, MonitorRegistry } from './types.ts';

// Model health and the latest stored window figures, read from the monitor's tables in a few queries.

/** The median, p95 and p99 of the values that are not NaN, or null when there are none. */
export function percentiles(values: Float64Array): { p50: number; p95: number; p99: number; count: number } | null {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) n++;
  if (n === 0) return null;
  const sorted = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) sorted[k++] = values[i] as number;
  sortFloat64(sorted);
  return { p50: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95), p99: quantileSorted(sorted, 0.99), count: n };
}

/** The arrays joined end to end. */
export function concatF64(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A stored drift window as health reads it. */
type WindowRow = { window: string; drift_score: number; dataset_drift: number; accuracy: number | null; created_at: string };

/**
 * The drift score of each version's latest window and the accuracy of its latest labelled one, so live
 * gauges can start from the stored values after a restart.
 */
export async function latestWindowMetrics(db: Kysely<Database>, registry: MonitorRegistry): Promise<{ model: string; version: string; driftScore: number | null; accuracy: number | null }[]> {
  const latest = async (labelled: boolean): Promise<Map<number, { drift_score: number; accuracy: number | null }>> => {
    let newest = db.selectFrom('monitor_windows').select((eb) => ['version_id', eb.fn.max('id').as('id')]).groupBy('version_id');
    if (labelled) newest = newest.where('accuracy', 'is not', null);
    const rows = await db.selectFrom('monitor_windows as w').innerJoin(newest.as('n'), 'n.id', 'w.id').select(['w.version_id', 'w.drift_score', 'w.accuracy']).execute();
    return new Map(rows.map((r) => [Number(r.version_id), r]));
  };
  const [windows, labelled] = await Promise.all([latest(false), latest(true)]);
  // Every labelled window is also a window, so the versions of `windows` cover both.
  const keys = await registry.versionKeys({ ids: [...windows.keys()] });
  return keys.map((k) => {
    const accuracy = labelled.get(k.id)?.accuracy;
    return { model: k.name, version: k.version, driftScore: Number(windows.get(k.id)!.drift_score), accuracy: accuracy === undefined || accuracy === null ? null : Number(accuracy) };
  });
}

/** The newest `perVersion` windows of each version, oldest first, read in one query. */
async function recentWindows(db: Kysely<Database>, versionIds: number[], perVersion: number): Promise<Map<number, WindowRow[]>> {
  const out = new Map<number, WindowRow[]>();
  if (versionIds.length === 0) return out;
  const ranked = db
    .selectFrom('monitor_windows')
    .select((eb) => ['id', 'version_id', 'window', 'drift_score', 'dataset_drift', 'accuracy', 'created_at', eb.fn.agg<number>('row_number').over((ob) => ob.partitionBy('version_id').orderBy('id', 'desc')).as('rank')])
    .where('version_id', 'in', versionIds);
  const rows = await db.selectFrom(ranked.as('r')).selectAll().where('rank', '<=', perVersion).orderBy('version_id').orderBy('id').execute();
  for (const r of rows) {
    const list = out.get(Number(r.version_id));
    if (list) list.push(r);
    else out.set(Number(r.version_id), [r]);
  }
  return out;
}

/** Accuracy trend, latency distribution, drift scores, adoption, error rate and open alerts of a model's versions. */
export async function modelHealth(db: Kysely<Database>, registry: MonitorRegistry, name: string): Promise<HealthReport> {
  const versions = await registry.versionKeys({ model: name });
  const ids = versions.map((v) => v.id);
  const [counts, windowsOf, open] = await Promise.all([
    observationCounts(db, ids),
    recentWindows(db, ids, 50),
    db.selectFrom('monitor_alerts').selectAll().where('version_id', 'in', ids.length > 0 ? ids : [-1]).where('status', '=', 'open').orderBy('id').execute(),
  ]);
  const total = [...counts.values()].reduce((n, c) => n + c.rows, 0);
  const out: HealthReport = { model: name, versions: [], openAlerts: [] };
  for (const v of versions) {
    const c = counts.get(v.id) ?? { rows: 0, errors: 0 };
    const windows = windowsOf.get(v.id) ?? [];
    let latency: HealthReport['versions'][number]['latencyMs'] = null;
    if (c.rows > 0) latency = percentiles(concatF64((await readLastRows(db, v.id, 100_000)).map((b) => b.latency)));
    out.versions.push({
      version: v.version,
      stage: v.stage,
      observations: c.rows,
      adoption: total > 0 ? c.rows / total : 0,
      errorRate: c.rows > 0 ? c.errors / c.rows : null,
      latencyMs: latency,
      accuracyTrend: windows.filter((w) => w.accuracy !== null).map((w) => ({ at: w.created_at, window: w.window, accuracy: Number(w.accuracy) })),
      driftScores: windows.map((w) => ({ at: w.created_at, window: w.window, driftScore: Number(w.drift_score), datasetDrift: Number(w.dataset_drift) === 1 })),
    });
  }
  const byId = new Map(versions.map((v) => [v.id, v.version]));
  out.openAlerts = open.map((a) => ({ version: byId.get(Number(a.version_id)) ?? '?', name: a.rule, severity: a.severity, condition: a.condition, firedAt: a.fired_at, values: JSON.parse(a.values_json) as Record<string, number> }));
  return out;
}
