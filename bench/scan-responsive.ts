// Whether the server keeps answering while it scans a large pickle someone pushed.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RemoteBlobTransport, RemoteRegistry } from '../src/client/index.ts';
import { ms, time, type BenchResult } from './lib.ts';
import { writeStringListPickle } from './scan.ts';
import { startServeProcess } from './server-process.ts';

/** The `q` quantile of some numbers. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/**
 * `/healthz` latency (one request every 5 ms) while `modelvault serve` scans a pushed pickle of `bytes`:
 * the blob is uploaded first, so the figures cover the registration, i.e. the scan, alone.
 */
export async function benchHealthzDuringScan(dir: string, bytes: number): Promise<BenchResult[]> {
  const pickle = join(dir, 'model.pkl');
  await writeStringListPickle(pickle, bytes);
  const server = await startServeProcess(join(dir, 'home'));
  try {
    const opts = { baseUrl: server.url, token: server.token };
    const [stored] = await new RemoteBlobTransport(opts).storeFiles([pickle]);
    const latencies: number[] = [];
    let scanning = true;
    const probe = (async () => {
      while (scanning) {
        const t0 = performance.now();
        const res = await fetch(`${server.url}/healthz`);
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        await sleep(5);
      }
    })();
    const files = [{ path: 'model.pkl', size: stored!.size, digest: stored!.digest, format: 'pickle' }];
    const scan = await time(() => new RemoteRegistry(opts).registerVersion({ metadata: { name: 'bench-pickle', version: '1.0.0' }, modelCard: null, files }).finally(() => (scanning = false)));
    await probe;
    const p99 = quantile(latencies, 0.99);
    return [
      {
        name: `/healthz p99 while the server scans a ${(bytes / 2 ** 30).toFixed(2)} GiB pickle push`,
        value: ms(p99),
        baseline: `scan ${ms(scan)}, ${latencies.length} requests, max ${ms(Math.max(...latencies))}`,
        target: '≤ 50 ms',
        pass: p99 <= 50,
      },
    ];
  } finally {
    await server.stop();
  }
}
