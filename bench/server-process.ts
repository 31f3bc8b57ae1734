import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits until `url` answers 200. */
export async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} did not become ready`);
}

/** True when processes can be pinned to cores (Linux `taskset`, at least two cores). */
function canPin(): boolean {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Spawns node with `args`, pinned to core `cpu` when `cpu` is given and pinning is available, so a
 * load generator pinned elsewhere does not take the server's core.
 */
export function spawnNode(args: string[], options: SpawnOptions, cpu?: number): ChildProcess {
  if (cpu !== undefined && canPin()) return spawn('taskset', ['-c', String(cpu), process.execPath, ...args], options);
  return spawn(process.execPath, args, options);
}

/** Starts `modelvault serve` on a home in its own process (its own core), as in production. */
export async function startServeProcess(home: string, env: Record<string, string> = {}, cpu?: number): Promise<{ url: string; token: string; stop(): Promise<void> }> {
  const port = await freePort();
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const child = spawnNode(
    ['--import', 'tsx', main, '--home', home, 'serve', '--port', String(port)],
    { env: { ...process.env, ...env, MODELVAULT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] },
    cpu,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/healthz`, child);
  // `serve` creates the first administrator of a fresh home and keeps their token in the home.
  const tokenFile = join(home, 'admin.token');
  const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '';
  return {
    url,
    token,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
