import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { detectDrift, profileColumns, type Columns, type DriftColumns, type DriftMethod, type Profile } from '../src/monitor/index.ts';
import { decodeBatch, encodeBatch, WindowColumn, type ObservationBatch } from '../src/monitor/observations.ts';
import { BATCH_ROWS } from '../src/monitor/store.ts';
import { ms, type BenchResult } from './lib.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./drift_scipy.py', import.meta.url));
const METHODS: DriftMethod[] = ['auto', 'ks', 'wasserstein', 'psi', 'js', 'chi2', 'z'];
const TARGET_MS = 3000;
const TARGET_RATIO = 3;

/** Seeded xorshift uniform in (0, 1), so both sides read the same data on every run. */
function uniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
}

/** Twenty continuous features of several shapes (normal, skewed, heavy ties), the current ones shifted a little. */
function continuous(rows: number, features: number, seed: number, shift: number): Float64Array[] {
  const u = uniform(seed);
  const out: Float64Array[] = [];
  for (let f = 0; f < features; f++) {
    const col = new Float64Array(rows);
    const kind = f % 4;
    const s = shift * (f % 3);
    for (let i = 0; i < rows; i++) {
      const z = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      col[i] = kind === 0 ? z + s : kind === 1 ? Math.exp(0.5 * z + s) : kind === 2 ? Math.round((z + s) * 4) / 4 : 10 * u() + s;
    }
    out.push(col);
  }
  return out;
}

function binary(rows: number, features: number, seed: number, p: number): Float64Array[] {
  const u = uniform(seed);
  return Array.from({ length: features }, (_, f) => {
    const col = new Float64Array(rows);
    const pf = p + 0.01 * (f % 5);
    for (let i = 0; i < rows; i++) col[i] = u() < pf ? 1 : 0;
    return col;
  });
}

function asColumns(prefix: string, cols: Float64Array[]): Columns {
  const out: Columns = {};
  cols.forEach((c, i) => (out[`${prefix}${i}`] = c));
  return out;
}

/**
 * The current data as the store hands a window to drift: batches of BATCH_ROWS rows encoded as they are
 * stored (with the value counts ingestion keeps) and decoded again.
 */
function storedBatches(prefix: string, cols: Float64Array[]): ObservationBatch[] {
  const rows = cols[0]?.length ?? 0;
  const out: ObservationBatch[] = [];
  for (let start = 0; start < rows; start += BATCH_ROWS) {
    const end = Math.min(rows, start + BATCH_ROWS);
    const n = end - start;
    const batch: ObservationBatch = {
      rows: n,
      timestamps: new Float64Array(n).fill(Date.now()),
      latency: new Float64Array(n).fill(Number.NaN),
      errors: new Uint8Array(n),
      features: new Map(cols.map((c, i) => [`${prefix}${i}`, { kind: 'num' as const, values: c.slice(start, end) }])),
      prediction: { kind: 'num', values: new Float64Array(n) },
    };
    out.push(decodeBatch(encodeBatch(batch)));
  }
  return out;
}

/** The window's columns, as the monitoring service builds them from the stored batches. */
function windowColumns(batches: ObservationBatch[], names: string[]): DriftColumns {
  const out: DriftColumns = {};
  for (const name of names) out[name] = new WindowColumn(batches.map((b) => ({ column: b.features.get(name), rows: b.rows })));
  return out;
}

function writeRaw(path: string, cols: Float64Array[]): void {
  const buf = Buffer.alloc(cols.length * (cols[0]?.length ?? 0) * 8);
  cols.forEach((c, i) => Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(buf, i * c.byteLength));
  writeFileSync(path, buf);
}

interface ScipyTimes {
  [method: string]: { ms: number; values: number[] };
}

async function runScipy(dir: string, rows: number, features: number, reps: number): Promise<ScipyTimes | undefined> {
  if (!existsSync(PYTHON)) return undefined;
  try {
    const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, dir, String(rows), String(features), String(reps)], { maxBuffer: 1 << 24 });
    return JSON.parse(stdout) as ScipyTimes;
  } catch (err) {
    process.stderr.write(`scipy baseline unavailable: ${(err as Error).message.split('\n')[0]}\n`);
    return undefined;
  }
}

/**
 * Drift of `rows` current observations × `features` features against a `rows`-row reference whose profile
 * keeps every value (so KS and Wasserstein see the whole reference), per method, against numpy/scipy
 * computing the same statistics on the same data in the same run. The current window is read from
 * stored batches as the monitoring service reads it: the values for KS, Wasserstein and histogram
 * binning, the counts kept at ingestion for counting methods on few-valued features (the Z-test here).
 */
export async function benchDrift(dir: string, rows: number, features: number, reps = 3): Promise<BenchResult[]> {
  const refCont = continuous(rows, features, 11, 0);
  const curCont = continuous(rows, features, 23, 0.05);
  const refBin = binary(rows, features, 37, 0.2);
  const curBin = binary(rows, features, 41, 0.205);
  writeRaw(join(dir, 'ref.f64'), refCont);
  writeRaw(join(dir, 'cur.f64'), curCont);
  writeRaw(join(dir, 'ref_bin.f64'), refBin);
  writeRaw(join(dir, 'cur_bin.f64'), curBin);
  const options = { sampleSize: rows };
  const profiles: { cont: Profile; bin: Profile } = { cont: profileColumns(asColumns('x', refCont), options), bin: profileColumns(asColumns('b', refBin), options) };
  const stored = { cont: storedBatches('x', curCont), bin: storedBatches('b', curBin) };
  const names = { cont: Object.keys(asColumns('x', curCont)), bin: Object.keys(asColumns('b', curBin)) };
  const ours: Record<string, number> = {};
  const statistics: Record<string, number[]> = {};
  for (const method of METHODS) {
    const kind = method === 'z' ? 'bin' : 'cont';
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const result = detectDrift(profiles[kind], windowColumns(stored[kind], names[kind]), { method });
      best = Math.min(best, performance.now() - t0);
      statistics[method] = result.features.map((f) => f.pValue ?? f.statistic);
    }
    ours[method] = best;
  }
  const scipy = await runScipy(dir, rows, features, reps);
  return METHODS.map((method) => {
    const mine = ours[method] as number;
    const base = scipy?.[method];
    const ratio = base ? base.ms / mine : undefined;
    let agree = '';
    if (base) {
      const worst = Math.max(...base.values.map((v, i) => Math.abs(v - (statistics[method]?.[i] ?? Number.NaN)) / Math.max(Math.abs(v), 1e-300)));
      agree = `, max rel. diff ${worst.toExponential(1)}`;
    }
    return {
      name: `drift ${method}, ${rows.toLocaleString('en')} × ${features} vs ${rows.toLocaleString('en')}-row reference`,
      value: ms(mine),
      ...(base ? { baseline: `scipy ${ms(base.ms)}${agree}`, ratio } : {}),
      target: `≤ ${ms(TARGET_MS)}, ≥ ${TARGET_RATIO} × faster than scipy`,
      pass: mine <= TARGET_MS && (ratio === undefined || ratio >= TARGET_RATIO),
    };
  });
}
