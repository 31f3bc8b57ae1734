import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApp } from '../src/app.ts';
import { evaluateModel, ModelRunner } from '../src/evaluation/index.ts';
import { readTable } from '../src/formats/read-table.ts';
import { makeModelDir } from '../test/helpers/model-dir.ts';
import { median, ms, timeProcess, xorshift, type BenchResult } from './lib.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'modelvault.js');
const MODEL = join(ROOT, 'test', 'fixtures', 'evaluation', 'binary20.onnx');
const ENV = { ...process.env, MODELVAULT_URL: '', MODELVAULT_DATABASE_URL: '', MODELVAULT_BLOB_URL: '', CI: '1' };
const FEATURES = 20;
const BATCH = 1024;
const TARGET_ROWS_PER_S = 200_000;
const TARGET_RATIO = 2;

/** Rows of 20 features (seeded xorshift, uniform in [-2, 2)) labelled by the fixture's own weights plus noise. */
function writeData(path: string, rows: number): void {
  const u = xorshift(20261123);
  const w = Array.from({ length: FEATURES }, (_, j) => Math.round((-1 + (2 * j) / (FEATURES - 1)) * 1000) / 1000);
  const lines = [[...Array.from({ length: FEATURES }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: FEATURES }, () => Math.round((u() * 4 - 2) * 1e4) / 1e4);
    const z = x.reduce((a, v, j) => a + v * w[j]!, 0.1) + (u() - 0.5);
    lines.push(`${x.join(',')},${z > 0 ? 1 : 0}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const rate = (rows: number, t: number): string => `${Math.round(rows / (t / 1000)).toLocaleString('en-US')} rows/s (${ms(t)})`;

/**
 * `evaluate` on `rows` × 20 features in batches of 1024: the whole service call in-process (CSV and Parquet:
 * read, hash, infer, score, record), the inference loop alone on a table in memory, and the whole
 * `modelvault evaluate` process, each against `session.run` called directly on the same prebuilt batches.
 */
export async function benchEvaluate(dir: string, rows: number, runs: number): Promise<BenchResult[]> {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT, stdio: 'inherit' });
  const csv = join(dir, 'eval.csv');
  const parquet = join(dir, 'eval.parquet');
  writeData(csv, rows);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (SELECT * FROM read_csv_auto('${csv}')) TO '${parquet}' (FORMAT parquet)`);
  con.closeSync();
  db.closeSync();

  const home = join(dir, 'home');
  const { dir: modelDir } = makeModelDir({ name: 'bench-clf', version: '1.0.0', root: join(dir, 'model'), files: { 'model.onnx': readFileSync(MODEL) }, extra: { features: Array.from({ length: FEATURES }, (_, j) => `f${j}`), target: 'label', task: 'binary-classification' } });
  execFileSync(process.execPath, [BIN, '--home', home, 'push', modelDir], { env: ENV, stdio: 'ignore' });

  const app = await openApp({ home, databaseUrl: `sqlite:${join(home, 'modelvault.db')}`, blobUrl: `file://${join(home, 'blobs')}` });
  const times = { direct: [] as number[], loop: [] as number[], csv: [] as number[], parquet: [] as number[], cli: [] as number[] };
  try {
    const ev = await app.evaluation('bench');
    const columns = await readTable(csv);
    const bytes = readFileSync(MODEL);
    const opts = { target: 'label', batchSize: BATCH, metadata: { features: Array.from({ length: FEATURES }, (_, j) => `f${j}`) }, where: 'bench' };
    // The floor: session.run on the same batches, built beforehand and outside the timing.
    const runner = await ModelRunner.open(bytes, columns, opts);
    const batches = [];
    for (let start = 0; start < rows; start += BATCH) batches.push(runner.feeds.feeds(start, Math.min(start + BATCH, rows)));
    await runner.ms.session.run(batches[0]!);
    for (let r = 0; r < runs + 1; r++) {
      let t = performance.now();
      for (const b of batches) await runner.ms.session.run(b);
      const direct = performance.now() - t;
      t = performance.now();
      await evaluateModel(bytes, columns, opts);
      const loop = performance.now() - t;
      t = performance.now();
      await ev.evaluate('bench-clf@1.0.0', { data: { path: csv }, batchSize: BATCH });
      const fromCsv = performance.now() - t;
      t = performance.now();
      await ev.evaluate('bench-clf@1.0.0', { data: { path: parquet }, batchSize: BATCH });
      const fromParquet = performance.now() - t;
      const cli = await timeProcess([BIN, '--home', home, 'evaluate', 'bench-clf@1.0.0', '--data', parquet, '--json'], ENV);
      // The first round warms the caches and is not counted.
      if (r === 0) continue;
      times.direct.push(direct);
      times.loop.push(loop);
      times.csv.push(fromCsv);
      times.parquet.push(fromParquet);
      times.cli.push(cli);
    }
    await runner.release();
  } finally {
    await app.close();
  }
  const direct = median(times.direct);
  const row = (name: string, t: number, target: number): BenchResult => ({
    name,
    value: rate(rows, t),
    baseline: `session.run direct ${rate(rows, direct)}`,
    ratio: t / direct,
    target: `≥ ${target.toLocaleString('en-US')} rows/s`,
    pass: rows / (t / 1000) >= target,
  });
  const loop = median(times.loop);
  return [
    { name: `evaluate loop, ${rows} × ${FEATURES} in memory, batch ${BATCH}`, value: rate(rows, loop), baseline: `session.run direct ${rate(rows, direct)}`, ratio: loop / direct, target: `≤ ${TARGET_RATIO}× direct`, pass: loop / direct <= TARGET_RATIO },
    row(`evaluate in-process from CSV (read, hash, infer, score, record)`, median(times.csv), TARGET_ROWS_PER_S),
    row(`evaluate in-process from Parquet`, median(times.parquet), TARGET_ROWS_PER_S),
    row(`modelvault evaluate --data .parquet (whole process)`, median(times.cli), TARGET_ROWS_PER_S),
  ];
}
