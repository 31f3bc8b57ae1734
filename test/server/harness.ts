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
  close(): Promise<void>;
}

/** Starts a server on a free port over a home whose config.yaml holds `config` when given; `close` stops it and removes its home. */
export async function startTestServer(config?: string): Promise<TestServer> {
  const home = await mkdtemp(join(tmpdir(), 'modelvault-http-'));
  if (config !== undefined) await writeFile(join(home, 'config.yaml'), config);
  const app = await openApp(resolveSettings({ home }, {}));
  const running = await startServer(app, { host: '127.0.0.1', port: 0, logger: false });
  return {
    app,
    url: running.url,
    port: running.port,
    home,
    close: async () => {
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

/** Sends JSON and returns the status and parsed body. */
export async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
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
