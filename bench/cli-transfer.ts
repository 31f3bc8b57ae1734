// Push and pull as a user runs them: `node bin/modelvault.js push|pull` as whole processes, start-up included.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { floorCopy, median, ms, plainHash, time, type BenchResult } from './lib.ts';
import { makeBenchModel } from './model-dir.ts';
import { startServeProcess } from './server-process.ts';

const BIN = fileURLToPath(new URL('../bin/modelvault.js', import.meta.url));

/** Runs `node bin/modelvault.js ...args` in its own process; rejects with its stderr when it fails. */
export function modelvault(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', MODELVAULT_LOG_LEVEL: 'warn' };
    for (const k of ['MODELVAULT_HOME', 'MODELVAULT_URL', 'MODELVAULT_DATABASE_URL', 'MODELVAULT_BLOB_URL']) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`modelvault ${args.join(' ')} exited with ${code}: ${stderr}`))));
  });
}

/**
 * Whole-process push, no-op re-push and pull of a 1 GiB model (its `training_hash` the artifact's sha256),
 * embedded or against `modelvault serve` on loopback. Push and pull are compared with the read + sha256 +
 * write + fsync floor, the re-push with one read + sha256 of the file, all measured in the same rounds.
 */
export async function benchCliTransfer(dir: string, bytes: number, reps: number, mode: 'embedded' | 'server'): Promise<BenchResult[]> {
  const model = join(dir, 'model');
  await makeBenchModel(model, 'bench-model', '1.0.0', [{ name: 'weights.bin', bytes, seed: 7 }]);
  const src = join(model, 'weights.bin');
  const push: number[] = [];
  const repush: number[] = [];
  const pull: number[] = [];
  const floors: number[] = [];
  const reads: number[] = [];
  const ratios = { push: [] as number[], repush: [] as number[], pull: [] as number[] };
  for (let r = 0; r < reps; r++) {
    const home = join(dir, `home-${r}`);
    const server = mode === 'server' ? await startServeProcess(home) : undefined;
    // Against the server, the CLI finds the administrator's token in the home `serve` created.
    const target = server ? ['--server', server.url, '--home', home] : ['--home', home];
    try {
      const floor1 = await time(() => floorCopy(src, join(dir, 'floor.bin')));
      rmSync(join(dir, 'floor.bin'));
      const p = await time(() => modelvault(['push', model, ...target]));
      const read = await time(() => plainHash(src));
      const rp = await time(() => modelvault(['push', model, ...target]));
      const floor2 = await time(() => floorCopy(src, join(dir, 'floor.bin')));
      rmSync(join(dir, 'floor.bin'));
      const out = join(dir, `pulled-${r}`);
      const pl = await time(() => modelvault(['pull', 'bench-model@1.0.0', out, ...target]));
      rmSync(out, { recursive: true, force: true });
      push.push(p);
      repush.push(rp);
      pull.push(pl);
      floors.push(floor1, floor2);
      reads.push(read);
      ratios.push.push(p / floor1);
      ratios.repush.push(rp / read);
      ratios.pull.push(pl / floor2);
    } finally {
      await server?.stop();
      rmSync(home, { recursive: true, force: true });
    }
  }
  const size = `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  const label = mode === 'server' ? 'CLI --server (loopback)' : 'CLI embedded';
  const floor = `floor ${ms(median(floors))}`;
  const limits = mode === 'server' ? { push: 1.5, pull: 1.5 } : { push: 1.25, pull: 1.15 };
  const row = (name: string, t: number[], ratio: number[], baseline: string, limit: number, unit: string): BenchResult => ({
    name,
    value: ms(median(t)),
    baseline,
    ratio: median(ratio),
    target: `≤ ${limit} × ${unit}`,
    pass: median(ratio) <= limit,
  });
  return [
    row(`${label} push, ${size}`, push, ratios.push, floor, limits.push, 'floor'),
    row(`${label} no-op re-push, ${size}`, repush, ratios.repush, `read + sha256 ${ms(median(reads))}`, 1.5, 'read + sha256'),
    row(`${label} pull + verify, ${size}`, pull, ratios.pull, floor, limits.pull, 'floor'),
  ];
}
