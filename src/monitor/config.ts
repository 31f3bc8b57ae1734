import { join } from 'node:path';
import { ModelVaultError } from '../core/errors.ts';
import { readHomeYaml } from '../storage/home-yaml.ts';
import { parseWebhookTarget, type WebhookTarget } from '../webhooks/index.ts';
import { DEFAULT_THRESHOLDS } from './drift.ts';
import { DRIFT_METHODS, parseMethodSpec, uniformSpec, type ConcreteMethod, type MethodSpec } from './method-spec.ts';

/** One webhook alerts are delivered to. */
export type WebhookConfig = WebhookTarget;

/** The `monitoring:` block of config.yaml. */
export interface MonitoringConfig {
  /** Default window: a count (`10000`) or a duration (`1h`). */
  window: string;
  /** Drift methods when a request gives none: a bare method and per-type entries (`numeric=ks,categorical=chi2`). */
  method: MethodSpec;
  thresholds: Record<ConcreteMethod, number>;
  /** Dataset drift when this share of features drifted (default 0.5). */
  driftShare: number;
  webhooks: WebhookConfig[];
}

const METHODS: ReadonlySet<string> = new Set(DRIFT_METHODS);
const KEYS = new Set(['window', 'method', 'thresholds', 'drift_share', 'webhooks']);
const HOOK_KEYS = new Set(['url', 'secret', 'secret_env', 'timeout_ms', 'attempts', 'backoff_ms', 'deadline_ms']);

/** Defaults: a 10000-observation window, `auto`, Evidently's thresholds, share 0.5, no webhooks. */
export function defaultMonitoringConfig(): MonitoringConfig {
  return { window: '10000', method: uniformSpec(), thresholds: { ...DEFAULT_THRESHOLDS }, driftShare: 0.5, webhooks: [] };
}

function bad(file: string, field: string, message: string): never {
  throw new ModelVaultError('invalid_input', `${file}: monitoring.${field} ${message}`, { path: file, field: `monitoring.${field}` });
}

/** The text of `method:`, given as `numeric=ks,categorical=chi2` or as a mapping of types to methods. */
function methodText(file: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(file, 'method', 'must be a method, a spec such as numeric=ks,categorical=chi2, or a mapping of types to methods');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => {
      if (typeof x !== 'string') bad(file, `method.${k}`, `must be one of ${[...METHODS].join(', ')}`);
      return `${k}=${x as string}`;
    })
    .join(',');
}

/** Validates a parsed `monitoring:` block; `env` supplies `secret_env` variables. */
export function parseMonitoringConfig(raw: unknown, file: string, env: NodeJS.ProcessEnv = process.env): MonitoringConfig {
  const cfg = defaultMonitoringConfig();
  if (raw === undefined || raw === null) return cfg;
  if (typeof raw !== 'object' || Array.isArray(raw)) bad(file, '', 'must be a mapping');
  const m = raw as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!KEYS.has(k)) bad(file, k, `is not a setting (use ${[...KEYS].join(', ')})`);
  if (m.window !== undefined) {
    const w = String(m.window);
    if (!/^([1-9][0-9]{0,7}|[1-9][0-9]{0,5}[smhd])$/.test(w)) bad(file, 'window', 'must be a count such as 10000 or a duration such as 1h');
    cfg.window = w;
  }
  if (m.method !== undefined) cfg.method = parseMethodSpec(methodText(file, m.method), { field: 'monitoring.method', path: file, features: false });
  if (m.thresholds !== undefined) {
    if (typeof m.thresholds !== 'object' || m.thresholds === null) bad(file, 'thresholds', 'must map methods to numbers');
    for (const [k, v] of Object.entries(m.thresholds)) {
      if (!METHODS.has(k) || k === 'auto') bad(file, `thresholds.${k}`, 'is not a drift method');
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(file, `thresholds.${k}`, 'must be a finite number >= 0');
      cfg.thresholds[k as ConcreteMethod] = v;
    }
  }
  if (m.drift_share !== undefined) {
    if (typeof m.drift_share !== 'number' || !(m.drift_share > 0 && m.drift_share <= 1)) bad(file, 'drift_share', 'must be a number in (0, 1]');
    cfg.driftShare = m.drift_share;
  }
  if (m.webhooks !== undefined) {
    if (!Array.isArray(m.webhooks)) bad(file, 'webhooks', 'must be a list');
    cfg.webhooks = m.webhooks.map((h: unknown, i: number) => {
      const where = `webhooks[${i}]`;
      if (h === null || typeof h !== 'object') bad(file, where, 'must be a mapping with url and secret');
      const w = h as Record<string, unknown>;
      for (const k of Object.keys(w)) if (!HOOK_KEYS.has(k)) bad(file, `${where}.${k}`, 'is not a webhook setting');
      return parseWebhookTarget(w, (field, message) => bad(file, `${where}.${field}`, message), env);
    });
  }
  return cfg;
}

/** Reads the `monitoring:` block of `<home>/config.yaml` (defaults when the file or block is absent). */
export function loadMonitoringConfig(home: string, env: NodeJS.ProcessEnv = process.env): MonitoringConfig {
  const file = join(home, 'config.yaml');
  const doc = readHomeYaml(file);
  if (doc === undefined) return defaultMonitoringConfig();
  return parseMonitoringConfig((doc as Record<string, unknown> | null)?.monitoring, file, env);
}
