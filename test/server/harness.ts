import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, resolveSettings, type AppContext } from '../../src/app.ts';
import type { Digest } from '../../src/core/digest.ts';
import { startServer } from '../../src/server/index.ts';

/** A real server on 127.0.0.1 over a fresh MODELVAULT_HOME. */
export interface TestServer {
  app: AppContext;
  url: string;
  port: number;
  home: string;
  /** The API token of the registry's first administrator (`admin`). */
  token: string;
  /** `Authorization` for `token`. */
  auth: Record<string, string>;
  close(): Promise<void>;
}

/** The administrator token of each running test server, by origin: `call` sends it unless told otherwise. */
const tokens = new Map<string, string>();

/** Creates the first administrator of `app`, named `name`, and returns their API token. */
export async function adminToken(app: AppContext, name = 'admin'): Promise<string> {
  const created = await app.identity(name).bootstrapAdmin(name);
  if (!created) throw new Error('the registry already has users');
  return created.token;
}

/** Creates a user with `roles` and returns a token of theirs (scope write unless given). */
export async function userToken(app: AppContext, name: string, roles: string[], token: { scope?: 'read' | 'write' | 'admin'; models?: string; expires?: string } = {}): Promise<string> {
  const identity = app.identity('admin');
  if (!(await identity.findUser(name))) await identity.addUser(name, { roles });
  return (await identity.createToken(name, { name: `${name} token`, ...token })).token;
}

/** Starts a server on a free port over a home whose config.yaml holds `config` when given; `close` stops it and removes its home. */
export async function startTestServer(config?: string): Promise<TestServer> {
  const home = await mkdtemp(join(tmpdir(), 'modelvault-http-'));
  if (config !== undefined) await writeFile(join(home, 'config.yaml'), config);
  const app = await openApp(resolveSettings({ home }, {}));
  const running = await startServer(app, { host: '127.0.0.1', port: 0, logger: false });
  const token = await adminToken(app);
  tokens.set(new URL(running.url).origin, token);
  return {
    app,
    url: running.url,
    port: running.port,
    home,
    token,
    auth: { authorization: `Bearer ${token}` },
    close: async () => {
      tokens.delete(new URL(running.url).origin);
      await running.close();
      await app.close().catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** The digest of some bytes. */
export function sha256(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The administrator's `Authorization` for a test server's URL, if one is running there. */
export function authFor(url: string): Record<string, string> {
  const token = tokens.get(new URL(url).origin);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * Sends JSON and returns the status and parsed body; as the server's administrator unless `headers` carries
 * its own `authorization` (an empty one sends none).
 */
export async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: any; headers: Headers }> {
  const given = { ...authFor(url), ...headers };
  if (given.authorization === '') delete given.authorization;
  const res = await fetch(url, {
    method,
    headers: body === undefined ? given : { 'content-type': 'application/json', ...given },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Sends raw bytes over TCP and returns what came back. */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('end', () => resolve(out));
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
  });
}

/** `fetch` as the test server's administrator (their token added unless `init.headers` has an authorization). */
export function authedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) for (const [k, v] of Object.entries(authFor(url))) headers.set(k, v);
  return fetch(url, { ...init, headers });
}
