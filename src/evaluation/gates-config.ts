import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML, { isMap, isScalar, LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { canonicalJson } from '../core/canonical-json.ts';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { isStage, type Stage } from '../core/names.ts';
import { parseDuration } from '../core/duration.ts';

/** The gates a registry knows, in the order they run. */
export const GATE_NAMES = ['schema_validation', 'security_scan', 'smoke_test', 'performance_validation', 'integration_tests'] as const;

/** One quality gate. */
export type GateName = (typeof GATE_NAMES)[number];

/** Settings every gate has. */
export interface GateCommon {
  /** A failed required gate blocks promotion; an optional one is recorded only. */
  required: boolean;
  /** The gate fails when its work takes longer (checked between batches and steps). */
  timeoutMs: number;
}

/** The `quality_gates` block: each gate present in it runs. */
export interface QualityGates {
  schema_validation?: GateCommon;
  security_scan?: GateCommon & { maxVulnerabilities: number };
  smoke_test?: GateCommon;
  performance_validation?: GateCommon & {
    /** Candidate quality ≥ baseline quality × this (accuracy; for regressors RMSE ≤ baseline RMSE ÷ this). */
    accuracyThreshold: number;
    /** Candidate p95 batch latency ≤ baseline × this. */
    latencyThreshold: number;
    /** Candidate peak memory ≤ baseline × this. */
    memoryThreshold: number;
    /** Latency differences below this never fail (timer and scheduling jitter). */
    latencyFloorMs: number;
    /** Memory differences below this never fail (allocator noise in RSS). */
    memoryFloorBytes: number;
  };
  integration_tests?: GateCommon & { successRate: number };
}

/** Absolute limits: below `critical` (above, for latency and error metrics) fails, below `warning` warns. */
export interface Threshold {
  critical?: number;
  warning?: number;
}

/** Metrics the absolute thresholds may name, and which way is better. */
export const THRESHOLD_METRICS = {
  accuracy: 'min',
  precision: 'min',
  recall: 'min',
  f1: 'min',
  roc_auc: 'min',
  r2: 'min',
  rmse: 'max',
  mae: 'max',
  latency: 'max',
  drift_score: 'max',
} as const;

/** A metric an absolute threshold names. */
export type ThresholdMetric = keyof typeof THRESHOLD_METRICS;

/** The parsed gates.yaml (or the defaults). */
export interface GatesConfig {
  /** Where it came from: the file, or `defaults`. */
  source: string;
  gates: QualityGates;
  /** `latency` in milliseconds (p95 of one batch run). */
  thresholds: Partial<Record<ThresholdMetric, Threshold>>;
  /** The stages a version enters only with passing gate evidence. */
  enforce: Stage[];
  /** sha256 of the canonical JSON of the gates and thresholds: gate evidence counts only for the settings it ran with. */
  digest: Digest;
}

const MINUTE = 60_000;
const MiB = 1 << 20;

/** The gates and thresholds used when the home has no gates.yaml (seed 004's values; enforcement then is off). */
export function defaultGatesConfig(): GatesConfig {
  return withDigest({
    source: 'defaults',
    gates: {
      schema_validation: { required: true, timeoutMs: 5 * MINUTE },
      security_scan: { required: true, timeoutMs: 10 * MINUTE, maxVulnerabilities: 0 },
      smoke_test: { required: true, timeoutMs: 1 * MINUTE },
      performance_validation: { required: true, timeoutMs: 30 * MINUTE, accuracyThreshold: 0.95, latencyThreshold: 1.1, memoryThreshold: 1.2, latencyFloorMs: 0.5, memoryFloorBytes: 16 * MiB },
      integration_tests: { required: true, timeoutMs: 15 * MINUTE, successRate: 1 },
    },
    thresholds: { accuracy: { critical: 0.85, warning: 0.9 }, latency: { critical: 1000, warning: 500 }, drift_score: { critical: 0.3, warning: 0.1 } },
    enforce: ['staging', 'production'],
  });
}

function withDigest(c: Omit<GatesConfig, 'digest'>): GatesConfig {
  // Which stages are enforced does not change what a run measured, so it is left out.
  const settings = { gates: c.gates, thresholds: c.thresholds };
  return { ...c, digest: `sha256:${createHash('sha256').update(canonicalJson(settings)).digest('hex')}` };
}

const COMMON_KEYS = ['required', 'timeout'];
const GATE_KEYS: Record<GateName, string[]> = {
  schema_validation: COMMON_KEYS,
  security_scan: [...COMMON_KEYS, 'max_vulnerabilities'],
  smoke_test: COMMON_KEYS,
  performance_validation: [...COMMON_KEYS, 'accuracy_threshold', 'latency_threshold', 'memory_threshold', 'latency_floor_ms', 'memory_floor_mb'],
  integration_tests: [...COMMON_KEYS, 'success_rate'],
};
const DEFAULT_TIMEOUT: Record<GateName, number> = { schema_validation: 5 * MINUTE, security_scan: 10 * MINUTE, smoke_test: MINUTE, performance_validation: 30 * MINUTE, integration_tests: 15 * MINUTE };

/** Edit distance, for "did you mean" on misspelt keys. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

function suggestion(key: string, known: readonly string[]): string {
  const best = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? `did you mean ${best.k}? ` : '';
}

/** Reads one file's settings, naming the line of each mistake. */
class Reader {
  private readonly lines = new LineCounter();
  readonly root: YAMLMap | null;

  constructor(private readonly file: string, text: string) {
    const doc = YAML.parseDocument(text, { lineCounter: this.lines, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const pos = e.linePos?.[0];
      throw new ModelVaultError('invalid_input', `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`, {
        path: file,
        ...(pos ? { line: pos.line, column: pos.col } : {}),
        hint: 'fix the YAML syntax (indent with spaces, one key per line)',
      });
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) this.root = null;
    else if (isMap(doc.contents)) this.root = doc.contents;
    else this.fail(doc.contents, '', 'must be a mapping with quality_gates and performance_thresholds', 'see the gates.yaml example in the README');
  }

  fail(node: Node | Pair | null | undefined, field: string, message: string, hint: string): never {
    const range = node && 'range' in node ? node.range : node && 'key' in node && node.key && typeof node.key === 'object' && 'range' in node.key ? (node.key as Node).range : undefined;
    const pos = range ? this.lines.linePos(range[0]) : undefined;
    throw new ModelVaultError('invalid_input', `${this.file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${field ? `${field} ` : ''}${message}`, {
      path: this.file,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      ...(field ? { field } : {}),
      hint,
    });
  }

  /** The pairs of a mapping node, refusing keys outside `known`. */
  pairs(node: Node | null | undefined, field: string, known: readonly string[] | null, what: string): Map<string, Pair> {
    if (!isMap(node)) this.fail(node, field, `must be a mapping of ${what}`, `indent the entries under ${field || 'the top level'}`);
    const out = new Map<string, Pair>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const at = field ? `${field}.${key}` : key;
      if (known && !known.includes(key)) this.fail(pair, at, `is not a setting`, `${suggestion(key, known)}known: ${known.join(', ')}`);
      out.set(key, pair);
    }
    return out;
  }

  value(pair: Pair): unknown {
    return isScalar(pair.value) ? pair.value.value : (pair.value as Node | null)?.toJSON();
  }

  node(pair: Pair): Node | Pair {
    return (pair.value as Node | null) ?? pair;
  }

  number(pair: Pair | undefined, field: string, fallback: number, check: (v: number) => boolean, rule: string, example: string): number {
    if (!pair) return fallback;
    const v = this.value(pair);
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) this.fail(this.node(pair), field, `must be ${rule}, not ${JSON.stringify(v)}`, `e.g. ${example}`);
    return v;
  }

  bool(pair: Pair | undefined, field: string, fallback: boolean): boolean {
    if (!pair) return fallback;
    const v = this.value(pair);
    if (typeof v !== 'boolean') this.fail(this.node(pair), field, `must be true or false, not ${JSON.stringify(v)}`, `e.g. ${field.split('.').pop()}: true`);
    return v;
  }

  /** A duration such as "5m", "30s", "1h" or "500ms", in milliseconds. */
  duration(pair: Pair | undefined, field: string, fallback: number): number {
    if (!pair) return fallback;
    const v = this.value(pair);
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined || ms <= 0 || ms > 24 * 60 * MINUTE) this.fail(this.node(pair), field, `must be a duration such as "5m", "30s" or "1h" (at most 24h), not ${JSON.stringify(v)}`, `e.g. timeout: "5m"`);
    return ms;
  }

  /** Milliseconds: a number, or a string with ms or s. */
  latency(pair: Pair | undefined, field: string): number | undefined {
    if (!pair) return undefined;
    const v = this.value(pair);
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined || !Number.isFinite(ms) || ms <= 0) this.fail(this.node(pair), field, `must be a latency such as 500ms or 1s, not ${JSON.stringify(v)}`, `e.g. ${field.split('.').pop()}: 500ms`);
    return ms;
  }
}


function parseGate(r: Reader, name: GateName, pair: Pair): NonNullable<QualityGates[GateName]> {
  const field = `quality_gates.${name}`;
  // `name: {}` or `name:` alone keeps every default of the gate.
  const p = pair.value === null || (isScalar(pair.value) && pair.value.value === null) ? new Map<string, Pair>() : r.pairs(pair.value as Node, field, GATE_KEYS[name], 'gate settings');
  const common: GateCommon = { required: r.bool(p.get('required'), `${field}.required`, true), timeoutMs: r.duration(p.get('timeout'), `${field}.timeout`, DEFAULT_TIMEOUT[name]) };
  const fraction = (key: string, fallback: number, example: string, open = false): number =>
    r.number(p.get(key), `${field}.${key}`, fallback, (v) => v > 0 && (open || v <= 1), open ? 'a number above 0' : 'a number in (0, 1]', `${key}: ${example}`);
  switch (name) {
    case 'security_scan':
      return { ...common, maxVulnerabilities: r.number(p.get('max_vulnerabilities'), `${field}.max_vulnerabilities`, 0, (v) => Number.isInteger(v) && v >= 0, 'a whole number ≥ 0', 'max_vulnerabilities: 0') };
    case 'performance_validation':
      return {
        ...common,
        accuracyThreshold: fraction('accuracy_threshold', 0.95, '0.95   # 95% of the baseline'),
        latencyThreshold: r.number(p.get('latency_threshold'), `${field}.latency_threshold`, 1.1, (v) => v >= 1, 'a factor of at least 1', 'latency_threshold: 1.1   # 110% of the baseline'),
        memoryThreshold: r.number(p.get('memory_threshold'), `${field}.memory_threshold`, 1.2, (v) => v >= 1, 'a factor of at least 1', 'memory_threshold: 1.2   # 120% of the baseline'),
        latencyFloorMs: r.number(p.get('latency_floor_ms'), `${field}.latency_floor_ms`, 0.5, (v) => v >= 0, 'a number of milliseconds ≥ 0', 'latency_floor_ms: 0.5'),
        memoryFloorBytes: r.number(p.get('memory_floor_mb'), `${field}.memory_floor_mb`, 16, (v) => v >= 0, 'a number of MiB ≥ 0', 'memory_floor_mb: 16') * MiB,
      };
    case 'integration_tests':
      return { ...common, successRate: fraction('success_rate', 1, '1.0') };
    default:
      return common;
  }
}

/** Parses the text of a gates.yaml; every mistake names its line, the setting and the fix. */
export function parseGatesConfig(text: string, file: string): GatesConfig {
  const r = new Reader(file, text);
  const defaults = defaultGatesConfig();
  if (!r.root) return withDigest({ ...defaults, source: file });
  const top = r.pairs(r.root, '', ['quality_gates', 'performance_thresholds', 'enforce'], 'settings');
  let gates: QualityGates = defaults.gates;
  const qg = top.get('quality_gates');
  if (qg) {
    gates = {};
    for (const [name, pair] of r.pairs(qg.value as Node, 'quality_gates', GATE_NAMES, 'gates')) {
      (gates as Record<string, unknown>)[name] = parseGate(r, name as GateName, pair);
    }
  }
  let thresholds = defaults.thresholds;
  const pt = top.get('performance_thresholds');
  if (pt) {
    thresholds = {};
    for (const [metric, pair] of r.pairs(pt.value as Node, 'performance_thresholds', Object.keys(THRESHOLD_METRICS), 'metrics')) {
      const field = `performance_thresholds.${metric}`;
      const levels = r.pairs(pair.value as Node, field, ['critical', 'warning'], 'levels (critical, warning)');
      const lower = THRESHOLD_METRICS[metric as ThresholdMetric] === 'max';
      const level = (key: 'critical' | 'warning'): number | undefined => {
        const p = levels.get(key);
        if (metric === 'latency') return r.latency(p, `${field}.${key}`);
        return p ? r.number(p, `${field}.${key}`, 0, (v) => v >= 0, 'a number ≥ 0', `${key}: ${lower ? '0.3' : '0.85'}`) : undefined;
      };
      const t: Threshold = {};
      const critical = level('critical');
      const warning = level('warning');
      if (critical !== undefined) t.critical = critical;
      if (warning !== undefined) t.warning = warning;
      if (critical !== undefined && warning !== undefined && (lower ? warning > critical : warning < critical)) {
        r.fail(levels.get('warning')!.value as Node, `${field}.warning`, `(${warning}) must be ${lower ? 'at most' : 'at least'} critical (${critical}): a warning comes before the critical level`, lower ? 'e.g. critical: 1000ms, warning: 500ms' : 'e.g. critical: 0.85, warning: 0.90');
      }
      thresholds[metric as ThresholdMetric] = t;
    }
  }
  let enforce = defaults.enforce;
  const en = top.get('enforce');
  if (en) {
    const v = r.value(en);
    const stages = Array.isArray(v) ? (v as unknown[]) : undefined;
    if (!stages || !stages.every((s): s is Stage => typeof s === 'string' && isStage(s) && s !== 'archived' && s !== 'development')) {
      r.fail(r.node(en), 'enforce', `must list the stages gates guard (validation, staging, production), not ${JSON.stringify(v)}`, 'e.g. enforce: [staging, production]; [] records gate results without enforcing them');
    }
    enforce = [...new Set(stages as Stage[])];
  }
  return withDigest({ source: file, gates, thresholds, enforce });
}

/** The path of a home's gates.yaml. */
export function gatesFile(home: string): string {
  return join(home, 'gates.yaml');
}

/** Reads `<home>/gates.yaml`: undefined when absent (gates run with the defaults, nothing is enforced). */
export function readGatesConfig(home: string): GatesConfig | undefined {
  const file = gatesFile(home);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ModelVaultError('storage_unavailable', `cannot read ${file}: ${(err as Error).message}`, { path: file, hint: 'make the file readable' });
  }
  return parseGatesConfig(text, file);
}

/** The home's gates.yaml, or the documented defaults. */
export function loadGatesConfig(home: string): GatesConfig {
  return readGatesConfig(home) ?? defaultGatesConfig();
}
