import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface ReceivedHook {
  path: string;
  body: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON. */
  json: any;
}

/** A real HTTP receiver on 127.0.0.1 whose answers are scripted per path: a status, or 'hold' (answered by release()). */
export interface WebhookReceiver {
  url: string;
  hits: ReceivedHook[];
  /** Requests to `path`, in arrival order. */
  at(path: string): ReceivedHook[];
  /** Answers every held request with 200. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a receiver; `script[path][n]` answers the n-th request to `path` (200 once the script runs out). */
export async function startReceiver(script: Record<string, (number | 'hold')[]> = {}): Promise<WebhookReceiver> {
  const hits: ReceivedHook[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = Buffer.concat(chunks).toString();
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const n = hits.filter((h) => h.path === path).length;
      hits.push({ path, body, headers: req.headers, json });
      const step = script[path]?.[n] ?? 200;
      if (step === 'hold') held.push(res);
      else res.writeHead(step).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    at: (path) => hits.filter((h) => h.path === path),
    release: () => {
      for (const res of held.splice(0)) res.writeHead(200).end();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it returns a value other than undefined, failing after `ms` (no fixed sleeps). */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
