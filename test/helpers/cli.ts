import { spawn, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { openApp, resolveSettings, type AppContext } from '../../src/app.ts';
import { run } from '../../src/cli/main.ts';
import { startServer } from '../../src/server/index.ts';
import { tempDir } from './model-dir.ts';

const BIN = fileURLToPath(new URL('../../bin/modelvault.js', import.meta.url));
const ISOLATE = { MODELVAULT_HOME: undefined, MODELVAULT_URL: undefined, MODELVAULT_DATABASE_URL: undefined, MODELVAULT_ACTOR: undefined, MODELVAULT_TOKEN: undefined, CI: '1' };

/** Result of one CLI invocation. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json: unknown;
}

function result(code: number, stdout: string, stderr: string): CliResult {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

/** Runs the installed `modelvault` binary (bin/modelvault.js) in a child process, with `nodeArgs` given to node. */
export function spawnCli(args: string[], env: Record<string, string | undefined>, nodeArgs: string[] = []): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { env: { ...process.env, ...ISOLATE, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve(result(code ?? -1, stdout, stderr)));
  });
}

/**
 * Starts `modelvault serve` on a free port over `env`'s registry (in a child process, as an operator would) and
 * resolves with its URL once it listens; `onStart` receives the process at once, so the caller can stop it.
 */
export function spawnServe(env: Record<string, string | undefined>, onStart: (server: ChildProcess) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: { ...process.env, ...env, MODELVAULT_URL: undefined, MODELVAULT_TOKEN: undefined, MODELVAULT_ACTOR: undefined }, stdio: ['ignore', 'ignore', 'pipe'] });
    onStart(server);
    let err = '';
    server.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

/**
 * Runs the CLI's `run(argv)` in this process with the given environment, capturing stdout, stderr and the
 * exit code: the same code path as the binary without the start-up cost of a new process per command.
 */
export async function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const vars = { ...ISOLATE, ...env };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const out: string[] = [];
  const err: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  process.exitCode = undefined;
  let code: number;
  try {
    code = await run(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  } finally {
    process.exitCode = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return result(code, out.join(''), err.join(''));
}

/** Where CLI scenarios run: an embedded home, or a live server over that home with a separate client home. */
export interface CliTarget {
  env: Record<string, string>;
  /** The home the CLI itself uses (the registry home in embedded mode). */
  clientHome: string;
  /** The server's app and address in remote mode. */
  app?: AppContext;
  server?: { url: string; close(): Promise<void> };
  close(): Promise<void>;
}

/** Sets up `mode` over a registry `home` (created by the caller, who may write its config first), acting as `actor`. */
export async function startCliTarget(mode: 'embedded' | 'remote', home: string, actor: string): Promise<CliTarget> {
  if (mode === 'embedded') return { env: { MODELVAULT_HOME: home, MODELVAULT_ACTOR: actor }, clientHome: home, close: async () => {} };
  const app = await openApp(resolveSettings({ home }));
  const server = await startServer(app, { host: '127.0.0.1', port: 0, logger: false });
  // The actor is the registry's first administrator, calling with their API token.
  const created = await app.identity(actor).bootstrapAdmin(actor);
  if (!created) throw new Error(`the registry in ${home} already has users`);
  // The client's home holds no registry: everything must go over HTTP.
  const clientHome = tempDir('mv-cli-client-');
  return {
    env: { MODELVAULT_URL: server.url, MODELVAULT_HOME: clientHome, MODELVAULT_ACTOR: actor, MODELVAULT_TOKEN: created.token },
    clientHome,
    app,
    server,
    async close() {
      await server.close();
      await app.close();
      rmSync(clientHome, { recursive: true, force: true });
    },
  };
}

/** The target of a describe block's CLI tests; its fields are set once the block's `before` ran. */
export interface CliFixture {
  /** The registry home. */
  home: string;
  /** A scratch directory for the tests' files. */
  work: string;
  env: Record<string, string>;
  /** The live server in remote mode. */
  server?: { url: string; close(): Promise<void> };
  cli(...args: string[]): Promise<CliResult>;
}

/**
 * Registers `before`/`after` hooks in the calling describe block that start `mode` over a fresh home
 * (after `prepare` wrote its configuration) and remove everything afterwards.
 */
export function useCliTarget(mode: 'embedded' | 'remote', prefix: string, options: { actor?: string; prepare?: (home: string) => void } = {}): CliFixture {
  let target: CliTarget | undefined;
  const fixture: CliFixture = { home: '', work: '', env: {}, cli: (...args) => runCli(args, fixture.env) };
  before(async () => {
    fixture.home = tempDir(`${prefix}-home-`);
    fixture.work = tempDir(`${prefix}-work-`);
    options.prepare?.(fixture.home);
    target = await startCliTarget(mode, fixture.home, options.actor ?? 'carol');
    fixture.env = target.env;
    if (target.server) fixture.server = target.server;
  });
  after(async () => {
    await target?.close();
    rmSync(fixture.home, { recursive: true, force: true });
    rmSync(fixture.work, { recursive: true, force: true });
  });
  return fixture;
}
