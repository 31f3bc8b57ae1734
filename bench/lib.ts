import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** One measured figure compared with its baseline from the same run. */
export interface BenchResult {
  name: string;
  value: string;
  baseline?: string;
  ratio?: number;
  target: string;
  pass: boolean;
}

/** A scratch directory for one benchmark, removed by `dispose`. */
export function scratch(prefix: string): { dir: string; dispose(): void } {
  const base = process.env.MODELVAULT_BENCH_DIR ?? tmpdir();
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `mv-bench-${prefix}-`));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `bytes` of pseudo-random data (xorshift, seeded) so every file has distinct content. */
export async function writeRandomFile(path: string, bytes: number, seed: number): Promise<void> {
  const chunk = Buffer.alloc(1 << 22);
  let s = (seed * 2654435761) >>> 0 || 1;
  const fh = await open(path, 'w');
  try {
    for (let done = 0; done < bytes; ) {
      for (let i = 0; i < chunk.length; i += 4) {
        s ^= s << 13;
        s >>>= 0;
        s ^= s >>> 17;
        s ^= s << 5;
        s >>>= 0;
        chunk.writeUInt32LE(s, i);
      }
      const n = Math.min(chunk.length, bytes - done);
      await fh.write(chunk, 0, n);
      done += n;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The floor for moving a file: read + sha256 + write + fsync with plain Node streams. */
export async function floorCopy(src: string, dst: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(dst, 'w');
  try {
    await pipeline(
      createReadStream(src, { highWaterMark: 1 << 20 }),
      new Transform({
        transform(c: Buffer, _e, cb) {
          hash.update(c);
          cb(null, c);
        },
      }),
      createWriteStream(dst, { fd: fh.fd, autoClose: false }),
    );
    await fh.sync();
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/** Plain sequential sha256 of a file with Node streams. */
export async function plainHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(c as Buffer);
  return hash.digest('hex');
}

/** Wall time of `fn` in milliseconds. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The median of some numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Formats milliseconds. */
export function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;
}

/** A seeded xorshift generator of numbers uniform in [0, 1), so every run reads the same data. */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Wall time in milliseconds of one whole `node ARGS` process, from spawn to exit; throws unless it exits 0. */
export function timeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}
