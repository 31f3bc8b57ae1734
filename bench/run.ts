// Runs the benchmarks: `npm run bench [-- NAME…]`; names: transfer, http, cli-transfer, cli-http, scan-healthz, hashing, rss, api, auth, signing, audit, scan, drift, ingest, startup, evaluate.
import { availableParallelism, cpus, totalmem } from 'node:os';
import { benchApi } from './api.ts';
import { benchAuthOverhead } from './auth.ts';
import { benchCliTransfer } from './cli-transfer.ts';
import { benchHealthzDuringScan } from './scan-responsive.ts';
import { benchHashing } from './hashing.ts';
import { benchHttpTransfer } from './http.ts';
import { scratch, type BenchResult } from './lib.ts';
import { benchEmbeddedTransfer } from './push-pull.ts';
import { benchPeakRss } from './rss.ts';
import { benchSignedVerify } from './signing.ts';
import { benchAudit } from './audit.ts';
import { benchScan } from './scan.ts';
import { benchDrift } from './drift.ts';
import { benchIngest } from './ingest.ts';
import { benchStartup } from './startup.ts';
import { benchEvaluate } from './evaluate.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const suites: Record<string, (dir: string) => Promise<BenchResult[]>> = {
  transfer: async (dir) => benchEmbeddedTransfer(dir, Number(process.env.BENCH_TRANSFER_BYTES ?? GiB), 3),
  http: async (dir) => benchHttpTransfer(dir, Number(process.env.BENCH_TRANSFER_BYTES ?? GiB), 3),
  'cli-transfer': async (dir) => benchCliTransfer(dir, Number(process.env.BENCH_TRANSFER_BYTES ?? GiB), 3, 'embedded'),
  'cli-http': async (dir) => benchCliTransfer(dir, Number(process.env.BENCH_TRANSFER_BYTES ?? GiB), 3, 'server'),
  'scan-healthz': async (dir) => benchHealthzDuringScan(dir, Number(process.env.BENCH_SCAN_BYTES ?? GiB)),
  hashing: async (dir) => benchHashing(dir, 512 * MiB),
  rss: async (dir) => [await benchPeakRss(dir, Number(process.env.BENCH_RSS_BYTES ?? 4 * GiB))],
  signing: async (dir) => benchSignedVerify(dir, Number(process.env.BENCH_SIGN_BYTES ?? 4 * GiB), 8, 3),
  audit: async (dir) => benchAudit(dir, Number(process.env.BENCH_AUDIT_APPEND ?? 30_000), Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000)),
  api: async (dir) => benchApi(dir, Number(process.env.BENCH_VERSIONS ?? 100_000)),
  auth: async (dir) => benchAuthOverhead(dir, Number(process.env.BENCH_VERSIONS ?? 100_000)),
  scan: async (dir) => benchScan(dir, Number(process.env.BENCH_SCAN_BYTES ?? GiB), 10_000),
  drift: async (dir) => benchDrift(dir, Number(process.env.BENCH_DRIFT_ROWS ?? 1_000_000), 20),
  ingest: async (dir) => benchIngest(dir, 5),
  startup: async (dir) => benchStartup(dir, Number(process.env.BENCH_STARTUP_RUNS ?? 15)),
  evaluate: async (dir) => benchEvaluate(dir, Number(process.env.BENCH_EVAL_ROWS ?? 100_000), 3),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const w of wanted) if (!suites[w]) throw new Error(`unknown benchmark ${w}; choose from ${Object.keys(suites).join(', ')}`);
const names = wanted.length ? wanted : Object.keys(suites);

process.stdout.write(`# ModelVault benchmarks — ${new Date().toISOString()}\n`);
process.stdout.write(`node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / GiB).toFixed(0)} GiB RAM\n\n`);
process.stdout.write('| benchmark | measured | baseline (same run) | ratio | target | result |\n| --- | --- | --- | --- | --- | --- |\n');
let failed = 0;
for (const name of names) {
  const s = scratch(name);
  try {
    for (const r of await suites[name]!(s.dir)) {
      if (!r.pass) failed++;
      process.stdout.write(`| ${r.name} | ${r.value} | ${r.baseline ?? '-'} | ${r.ratio === undefined ? '-' : r.ratio.toFixed(2)} | ${r.target} | ${r.pass ? 'pass' : 'FAIL'} |\n`);
    }
  } finally {
    s.dispose();
  }
}
process.stdout.write(`\n${failed === 0 ? 'all targets met' : `${failed} target(s) missed`}\n`);
