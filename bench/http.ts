import { RemoteBlobTransport, RemoteRegistry } from '../src/client/index.ts';
import type { BenchResult } from './lib.ts';
import { benchTransfer } from './push-pull.ts';
import { startServeProcess } from './server-process.ts';

/** Push and pull through `modelvault serve` (its own process) on loopback, against the same floor. */
export function benchHttpTransfer(dir: string, bytes: number, reps: number): Promise<BenchResult[]> {
  return benchTransfer(dir, bytes, reps, {
    label: 'HTTP',
    limit: 1.5,
    async open(home) {
      const server = await startServeProcess(home);
      const opts = { baseUrl: server.url, token: server.token };
      return { api: new RemoteRegistry(opts), transport: new RemoteBlobTransport(opts), close: () => server.stop() };
    },
  });
}
