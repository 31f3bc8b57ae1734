import { Gauge, Histogram, type Registry } from 'prom-client';
import type { MonitorService } from '../monitor/service.ts';

/**
 * Registers the model-monitoring metrics on the server's registry, next to the request metrics, and keeps
 * them current from the monitor: latency on every ingested observation, accuracy on labelled batches and
 * windows, drift score on every window. The gauges start, on the first scrape, from the latest stored
 * windows, so a restart does not blank them; the latency histogram counts from the process start, as
 * Prometheus histograms do (rate() handles the reset). Returns the function that stops the updates.
 */
export function registerMonitorMetrics(registry: Registry, monitor: MonitorService): () => void {
  // Label sets updated live since the start; the stored values never overwrite those.
  const live = { drift: new Set<string>(), accuracy: new Set<string>() };
  let seeded: Promise<void> | undefined;
  const seed = (): Promise<void> =>
    (seeded ??= monitor.latestWindowMetrics().then(
      (rows) => {
        for (const r of rows) {
          const labels = { model: r.model, version: r.version };
          const key = `${r.model}@${r.version}`;
          if (r.driftScore !== null && !live.drift.has(key)) drift.set(labels, r.driftScore);
          if (r.accuracy !== null && !live.accuracy.has(key)) accuracy.set(labels, r.accuracy);
        }
      },
      () => {
        seeded = undefined; // The database was unavailable: try again on the next scrape.
      },
    ));
  const latency = new Histogram({
    name: 'modelvault_prediction_latency_seconds',
    help: 'Prediction latency reported with observations, by model and version',
    labelNames: ['model', 'version'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const accuracy = new Gauge({
    name: 'modelvault_prediction_accuracy',
    help: 'Accuracy of the latest labelled batch or window, by model and version',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
    collect: seed,
  });
  const drift = new Gauge({
    name: 'modelvault_drift_score',
    help: 'Share of drifted features in the latest drift window, by model and version',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
    collect: seed,
  });
  return monitor.subscribe((u) => {
    const labels = { model: u.model, version: u.version };
    const key = `${u.model}@${u.version}`;
    if (u.kind === 'drift') live.drift.add(key);
    if (u.accuracy !== undefined) live.accuracy.add(key);
    if (u.kind === 'observations') {
      const child = latency.labels(labels);
      for (let i = 0; i < u.latencyMs.length; i++) {
        const v = u.latencyMs[i] as number;
        if (!Number.isNaN(v)) child.observe(v / 1000);
      }
    } else drift.set(labels, u.driftScore);
    if (u.accuracy !== undefined) accuracy.set(labels, u.accuracy);
  });
}
