import { join } from 'node:path';
import { EmbeddedBlobTransport } from '../src/registry/index.ts';
import { median, ms, xorshift, type BenchResult } from './lib.ts';
import { makeBenchModel } from './model-dir.ts';
import { openHome, pushDir } from './push-pull.ts';
import { startServeProcess } from './server-process.ts';

/** JSON lines of `n` observations with `features` numeric features, a prediction, a label and a latency. */
function observations(n: number, features: number, seed: number): string {
  const rnd = xorshift(seed);
  const lines: string[] = [];
  const t0 = Date.parse('2026-11-23T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const f: Record<string, number> = {};
    for (let j = 0; j < features; j++) f[`f${j}`] = Math.round(rnd() * 1e6) / 1e3;
    lines.push(JSON.stringify({ features: f, prediction: Math.round(rnd() * 1e4) / 1e4, label: rnd() < 0.1 ? 1 : 0, latency_ms: Math.round(rnd() * 200) / 10, timestamp: t0 + i }));
  }
  return `${lines.join('\n')}\n`;
}

/** Observations ingested per second over HTTP on loopback, in batches of 50,000 (as `modelvault observe` sends them). */
export async function benchIngest(dir: string, batches: number): Promise<BenchResult[]> {
  const home = join(dir, 'home');
  const model = join(dir, 'model');
  await makeBenchModel(model, 'bench-model', '1.0.0', [{ name: 'weights.bin', bytes: 1024, seed: 5 }]);
  const app = await openHome(home);
  await pushDir(app.registry('bench'), new EmbeddedBlobTransport(app.blobs), model);
  await app.close();
  const batch = 50_000;
  const bodies = Array.from({ length: 3 }, (_, i) => observations(batch, 10, i + 1));
  const server = await startServeProcess(home);
  const url = `${server.url}/api/v1/models/bench-model/versions/1.0.0/observations`;
  const rates: number[] = [];
  try {
    const post = async (body: string): Promise<number> => {
      const t = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${server.token}` }, body });
      if (!res.ok) throw new Error(`ingestion failed: HTTP ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      return performance.now() - t;
    };
    await post(bodies[0]!);
    for (let i = 0; i < batches; i++) rates.push(batch / ((await post(bodies[i % bodies.length]!)) / 1000));
  } finally {
    await server.stop();
  }
  const rate = median(rates);
  return [
    {
      name: `ingest observations over HTTP (batches of ${batch.toLocaleString('en')}, 10 features)`,
      value: `${Math.round(rate).toLocaleString('en')} obs/s`,
      baseline: `median batch ${ms((batch / rate) * 1000)}`,
      target: '≥ 50,000 obs/s',
      pass: rate >= 50_000,
    },
  ];
}
