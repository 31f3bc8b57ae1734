import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { isErrorCode, ModelVaultError } from '../core/errors.ts';

/** How to reach a ModelVault server. */
export interface RemoteOptions {
  /** Server URL, e.g. `http://127.0.0.1:7750`. */
  baseUrl: string;
  /** Bearer token sent as `Authorization`. */
  token?: string;
  /** Acting user, sent as `X-ModelVault-Actor`. */
  actor?: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
  /** A download that receives nothing for this long is broken off (and resumed by a pull); default 60 s. */
  readIdleMs?: number;
}

/** How long a download may receive nothing before it is broken off, unless the options say otherwise. */
export const DEFAULT_READ_IDLE_MS = 60_000;

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | undefined>;

/** One request to the API. */
export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as a raw stream (`duplex: 'half'`). */
  stream?: ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'code', 'instance']);
const UNREACHABLE_HINT = 'check --server / MODELVAULT_URL and that `modelvault serve` is running there';

/** Turns an error response into the ModelVaultError it describes; unknown codes become `internal`. */
export async function errorFromResponse(res: Response): Promise<ModelVaultError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object' && !Array.isArray(body) && 'code' in body) {
    const p = body as Record<string, unknown>;
    const details = Object.fromEntries(Object.entries(p).filter(([k]) => !PROBLEM_MEMBERS.has(k)));
    const code = isErrorCode(p.code) ? p.code : 'internal';
    if (code === 'internal' && p.code !== 'internal') details.remoteCode = p.code;
    const detail = typeof p.detail === 'string' ? p.detail : `the server answered HTTP ${res.status}`;
    return new ModelVaultError(code, detail, details);
  }
  return new ModelVaultError('internal', `the server answered HTTP ${res.status} ${res.statusText}`.trim(), { status: res.status, body: text.slice(0, 200) });
}

/** Turns a failed fetch (nothing answered) into `server_unreachable`; anything else passes through. */
export function networkError(err: unknown, baseUrl: string): unknown {
  if (err instanceof ModelVaultError) return err;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (e?.name === 'AbortError') return err;
  const code = (err as { code?: unknown })?.code;
  // node:http reports a dropped or refused connection as an error with a system code.
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNABORTED)$/.test(code)) {
    return new ModelVaultError('server_unreachable', `cannot reach the ModelVault server at ${baseUrl}: ${code}`, { server: baseUrl, reason: code, hint: UNREACHABLE_HINT }, { cause: err });
  }
  if (e instanceof TypeError || e?.cause) {
    const why = e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message ?? e.message ?? 'connection failed';
    return new ModelVaultError('server_unreachable', `cannot reach the ModelVault server at ${baseUrl}: ${why}`, { server: baseUrl, reason: why, hint: UNREACHABLE_HINT }, { cause: err });
  }
  return err;
}

/** A small JSON-over-HTTP client for `/api/v1`, mapping problems back to ModelVaultError. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly readIdleMs: number;

  constructor(opts: RemoteOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new ModelVaultError('usage', `server URL ${JSON.stringify(opts.baseUrl)} is not a URL`, { hint: 'pass --server http://HOST:PORT or set MODELVAULT_URL' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ModelVaultError('usage', `server URL ${JSON.stringify(opts.baseUrl)} must use http or https`, { hint: 'pass --server http://HOST:PORT or set MODELVAULT_URL' });
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.readIdleMs = opts.readIdleMs ?? DEFAULT_READ_IDLE_MS;
    this.headers = { accept: 'application/json, application/problem+json' };
    if (opts.token) this.headers.authorization = `Bearer ${opts.token}`;
    if (opts.actor) this.headers['x-modelvault-actor'] = opts.actor;
  }

  /** The absolute URL of an API path (`/models/x` → `<base>/api/v1/models/x`). */
  url(path: string, query?: Query): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const s = qs.toString();
    return `${this.baseUrl}/api/v1${path}${s ? `?${s}` : ''}`;
  }

  /** Sends a request; resolves with the response when it is 2xx, else rejects with the problem it carries. */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...opts.headers };
    const init: RequestInit & { duplex?: 'half' } = { method, headers };
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(opts.json);
    } else if (opts.stream) {
      headers['content-type'] = 'application/octet-stream';
      init.body = opts.stream;
      init.duplex = 'half';
    }
    if (opts.signal) init.signal = opts.signal;
    let res: Response;
    try {
      res = await this.fetchFn(this.url(path, opts.query), init);
    } catch (err) {
      throw networkError(err, this.baseUrl);
    }
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  /**
   * Streams a file (from byte `start`) as a request body and parses the JSON answer. Uses node:http
   * directly: piping a file into the socket moves large blobs about twice as fast as a fetch body.
   */
  async sendFile<T>(method: string, path: string, file: { path: string; start?: number; onBytes?: (sent: number) => void }, opts: { headers?: Record<string, string>; query?: Query } = {}): Promise<T> {
    const url = new URL(this.url(path, opts.query));
    const transport = url.protocol === 'https:' ? https : http;
    const headers = { ...this.headers, ...opts.headers, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' };
    let status = 0;
    let resHeaders: http.IncomingHttpHeaders = {};
    let text = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const req = transport.request(url, { method, headers }, (res) => {
          status = res.statusCode ?? 0;
          resHeaders = res.headers;
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', resolve);
          res.on('error', reject);
        });
        req.on('error', reject);
        const source = createReadStream(file.path, { start: file.start ?? 0, highWaterMark: 1 << 20 });
        let sent = file.start ?? 0;
        source.on('data', (chunk) => file.onBytes?.((sent += chunk.length)));
        pipeline(source, req).catch(reject);
      });
    } catch (err) {
      if (err instanceof ModelVaultError) throw err;
      throw networkError(err, this.baseUrl);
    }
    const response = new Response(status === 204 ? null : text, { status, headers: Object.entries(resHeaders).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v] as [string, string]])) });
    if (!response.ok) throw await errorFromResponse(response);
    if (status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ModelVaultError('internal', `the server at ${this.baseUrl} answered ${method} ${path} with invalid JSON`, { status });
    }
  }

  /** GETs a path and returns the body as a Node stream once the status is 2xx (node:http: no web-stream copies). */
  async getStream(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: http.IncomingMessage }> {
    const url = new URL(this.url(path));
    const transport = url.protocol === 'https:' ? https : http;
    let res: http.IncomingMessage;
    try {
      res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = transport.request(url, { method: 'GET', headers: { ...this.headers, ...headers } }, resolve);
        req.on('error', reject);
        // A server that stops sending (before the head or in the middle of the body) breaks the download off, as a
        // dropped connection would: the caller resumes from what arrived instead of waiting for ever.
        req.setTimeout(this.readIdleMs, () => {
          req.destroy(Object.assign(new Error(`the server sent nothing for ${this.readIdleMs / 1000} s`), { code: 'ETIMEDOUT' }));
        });
        req.end();
      });
    } catch (err) {
      throw networkError(err, this.baseUrl);
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      let text = '';
      res.setEncoding('utf8');
      for await (const c of res) text += c as string;
      const h = Object.entries(res.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v] as [string, string]]));
      throw await errorFromResponse(new Response(text, { status, headers: h }));
    }
    // A connection cut mid-body surfaces as a stream error the caller can resume after.
    res.on('aborted', () => res.destroy(Object.assign(new Error('connection aborted'), { code: 'ECONNRESET' })));
    return { status, body: res };
  }

  /** Sends a request and parses its JSON answer (undefined for 204). */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch (err) {
      if (err instanceof SyntaxError) throw new ModelVaultError('internal', `the server at ${this.baseUrl} answered ${method} ${path} with invalid JSON`, { status: res.status });
      throw networkError(err, this.baseUrl);
    }
  }
}

/** Encodes one path segment. */
export const seg = (s: string): string => encodeURIComponent(s);
