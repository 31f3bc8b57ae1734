import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, useCliTarget } from '../helpers/cli.ts';
import { makeModelDir } from '../helpers/model-dir.ts';

/** A loopback HTTP proxy in front of the server that records each request's method, path and headers. */
async function recordingProxy(target: string): Promise<{ url: string; seen: { method: string; path: string; headers: IncomingHttpHeaders }[]; close(): Promise<void> }> {
  const upstream = new URL(target);
  const seen: { method: string; path: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, headers: req.headers });
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('MODELVAULT_TOKEN (remote mode)', () => {
  const t = useCliTarget('remote', 'mv-token');
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  before(async () => {
    proxy = await recordingProxy(t.server!.url);
  });
  after(() => proxy.close());

  it('is sent as Authorization: Bearer with every request of every client, blob transfers included', async () => {
    const env = { ...t.env, MODELVAULT_URL: proxy.url };
    const token = t.env.MODELVAULT_TOKEN!;
    assert.match(token, /^mvt_[A-Za-z0-9_-]{43}$/);
    const { dir } = makeModelDir({ name: 'token-model' });
    const commands = [
      ['push', dir],
      ['pull', 'token-model@1.0.0', join(t.work, 'pulled')],
      ['models', 'list'],
      ['keys', 'list'],
      ['scan', 'token-model@1.0.0'],
      ['audit', 'log'],
      ['health', 'token-model'],
    ];
    for (const args of commands) {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const requests = proxy.seen.map((s) => `${s.method} ${s.path}`);
    // Each client is covered: registry JSON, blob upload and download, integrity, scan and monitoring.
    for (const p of [/^POST \/api\/v1\/blobs\/missing$/, /^PUT \/api\/v1\/blobs\/sha256/, /^GET \/api\/v1\/blobs\/sha256/, /^POST \/api\/v1\/models\/token-model\/versions$/, /^GET \/api\/v1\/keys$/, /^GET \/api\/v1\/models\/token-model\/versions\/1\.0\.0\/scan$/, /^GET \/api\/v1\/audit\/log$/, /^GET \/api\/v1\/models\/token-model\/health$/]) {
      assert.ok(requests.some((r) => p.test(r)), `${p} in\n${requests.join('\n')}`);
    }
    assert.deepEqual(proxy.seen.filter((s) => s.headers.authorization !== `Bearer ${token}`).map((s) => `${s.method} ${s.path}: ${s.headers.authorization}`), []);

    proxy.seen.length = 0;
    // Without a token the request goes out bare and the registry refuses it, saying how to authenticate.
    const without = await runCli(['models', 'list'], { ...env, MODELVAULT_TOKEN: undefined });
    assert.equal(without.code, 2, without.stderr);
    assert.match(without.stderr, /this registry needs a bearer token/);
    assert.match(without.stderr, /MODELVAULT_TOKEN/);
    assert.ok(proxy.seen.length > 0);
    assert.deepEqual(proxy.seen.map((s) => s.headers.authorization), proxy.seen.map(() => undefined));
  });
});
