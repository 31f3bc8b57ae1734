import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { versionSortKey } from '../src/registry/index.ts';
import { median, ms, type BenchResult } from './lib.ts';
import { openHome } from './push-pull.ts';
import { freePort, spawnNode, startServeProcess, waitReady } from './server-process.ts';

const MODELS = 1000;

/** Fills a registry with `total` versions spread over 1,000 models, with bulk inserts in one transaction. */
export async function populate(home: string, total: number): Promise<void> {
  const app = await openHome(home);
  try {
    const perModel = Math.ceil(total / MODELS);
    const t = new Date().toISOString();
    const digest = `sha256:${'ab'.repeat(32)}`;
    await app.metadata.db.transaction().execute(async (trx) => {
      await trx.insertInto('blobs').values({ digest, size: 1024, created_at: t }).execute();
      for (let m = 0; m < MODELS; m++) {
        const name = `model-${String(m).padStart(4, '0')}`;
        const model = await trx.insertInto('models').values({ name, description: `benchmark model ${m}`, owner: 'bench', created_at: t, updated_at: t }).returning('id').executeTakeFirstOrThrow();
        const rows = Array.from({ length: perModel }, (_, v) => ({
          model_id: Number(model.id),
          version: `1.0.${v}`,
          sort_key: versionSortKey(`1.0.${v}`),
          stage: v === perModel - 1 ? 'production' : v % 10 === 0 ? 'staging' : 'development',
          manifest_digest: `sha256:${String(m * perModel + v).padStart(64, '0')}`,
          metadata_json: JSON.stringify({ name, version: `1.0.${v}`, license: 'MIT', framework: v % 2 ? 'onnx' : 'pytorch' }),
          model_card: '# card',
          description: null,
          framework: v % 2 ? 'onnx' : 'pytorch',
          total_size: 1024,
          file_count: 1,
          created_by: 'bench',
          created_at: t,
          updated_at: t,
        }));
        const ids = await trx.insertInto('versions').values(rows).returning('id').execute();
        await trx.insertInto('files').values(ids.map((r) => ({ version_id: Number(r.id), path: 'model.onnx', size: 1024, digest, format: 'onnx' }))).execute();
        await trx.insertInto('stage_history').values(ids.map((r) => ({ version_id: Number(r.id), from_stage: null, to_stage: 'development', actor: 'bench', reason: 'pushed', created_at: t }))).execute();
        await trx.insertInto('tags').values(ids.filter((_, i) => i % 5 === 0).map((r) => ({ model_id: Number(model.id), version_id: Number(r.id), key: 'team', value: 'risk' }))).execute();
      }
    });
  } finally {
    await app.close();
  }
}

interface LoadResult {
  rps: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** autocannon with 64 connections for `seconds`, run in its own process on core 1 (see startServeProcess), sending `token` when given. */
export function cannon(url: string, paths: string[], seconds: number, token?: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(token ? { BENCH_AUTHORIZATION: `Bearer ${token}` } : {}) };
    const child = spawnNode(['--import', 'tsx', fileURLToPath(new URL('./load-child.ts', import.meta.url)), url, String(seconds), ...paths], { stdio: ['ignore', 'pipe', 'inherit'], env }, 1);
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${code}`))));
  });
}

/** GET of one version by reference at 64 connections against a bare Fastify route, and the filtered list's first page. */
export async function benchApi(dir: string, total: number): Promise<BenchResult[]> {
  const home = join(dir, 'home');
  const t0 = performance.now();
  await populate(home, total);
  const populateMs = performance.now() - t0;
  const perModel = Math.ceil(total / MODELS);
  const paths = Array.from({ length: 256 }, (_, i) => `/api/v1/models/model-${String((i * 37) % MODELS).padStart(4, '0')}/versions/1.0.${(i * 13) % perModel}`);
  const seconds = Number(process.env.BENCH_API_SECONDS ?? 10);

  // Both servers run on core 0 and the load generator on core 1, so it does not preempt the server it
  // measures; without taskset or with one core they share whatever there is.
  const server = await startServeProcess(home, {}, 0);
  // `serve` created the first administrator on this fresh home; the benchmark calls as them.
  const token = server.token;
  const auth = { authorization: `Bearer ${token}` };
  const port = await freePort();
  const bare = spawnNode(['--import', 'tsx', fileURLToPath(new URL('./bare-server.ts', import.meta.url)), String(port)], { stdio: ['ignore', 'ignore', 'inherit'] }, 0);
  const bareUrl = `http://127.0.0.1:${port}`;
  const ours: LoadResult[] = [];
  const baseline: LoadResult[] = [];
  const listTimes: number[] = [];
  try {
    await waitReady(`${bareUrl}/healthz`, bare);
    for (const p of paths.slice(0, 3)) if (!(await fetch(server.url + p, { headers: auth })).ok) throw new Error(`GET ${p} failed`);
    await cannon(server.url, paths, 2, token);
    await cannon(bareUrl, ['/constant'], 2);
    // Alternate the two, so both see the same machine load; medians of the rounds are compared.
    for (let round = 0; round < 3; round++) {
      const r = await cannon(server.url, paths, seconds, token);
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`API benchmark saw ${r.non2xx} non-2xx answers and ${r.errors} errors`);
      ours.push(r);
      baseline.push(await cannon(bareUrl, ['/constant'], seconds));
    }
    for (let i = 0; i < 40; i++) {
      const m = `model-${String((i * 101) % MODELS).padStart(4, '0')}`;
      const q = i % 2 ? 'stage=staging&framework=pytorch&limit=50' : 'tag=team%3Drisk&limit=50';
      const s = performance.now();
      const r = await fetch(`${server.url}/api/v1/models/${m}/versions?${q}`, { headers: auth });
      await r.json();
      listTimes.push(performance.now() - s);
    }
  } finally {
    await server.stop();
    bare.kill('SIGTERM');
  }
  const rps = median(ours.map((r) => r.rps));
  const bareRps = median(baseline.map((r) => r.rps));
  const p99 = median(ours.map((r) => r.p99));
  const bareP99 = median(baseline.map((r) => r.p99));
  const ratio = rps / bareRps;
  const sorted = listTimes.slice(5).sort((a, b) => a - b);
  const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
  return [
    { name: `GET version by reference, ${total.toLocaleString('en')} versions (populated in ${ms(populateMs)}), 64 connections: p99`, value: `${p99} ms`, baseline: `bare Fastify p99 ${bareP99} ms`, target: '≤ 10 ms', pass: p99 <= 10 },
    { name: 'GET version by reference: throughput vs bare Fastify', value: `${Math.round(rps)} req/s`, baseline: `bare ${Math.round(bareRps)} req/s`, ratio, target: '≥ 0.50', pass: ratio >= 0.5 },
    { name: 'filtered first page of versions list (HTTP)', value: `p95 ${ms(p95)}`, baseline: `median ${ms(median(sorted))}`, target: '≤ 50 ms', pass: p95 <= 50 },
  ];
}
