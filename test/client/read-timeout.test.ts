import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RemoteBlobTransport } from '../../src/client/index.ts';
import { DEFAULT_READ_IDLE_MS } from '../../src/client/http.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { pullVersion, type VersionDetail } from '../../src/registry/index.ts';

const data = randomBytes(1 << 20);
const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
const version = { files: [{ path: 'w.bin', size: data.length, digest, format: 'binary' }] } as unknown as VersionDetail;

/** A server that answers blob GETs through `answer`, numbering the requests; it never closes a stalled response itself. */
async function hostile(answer: (n: number, res: ServerResponse, range: string | undefined) => void): Promise<{ url: string; requests: () => number; server: Server }> {
  let n = 0;
  const stalled: ServerResponse[] = [];
  const server = createServer((req, res) => {
    n += 1;
    stalled.push(res);
    answer(n, res, req.headers.range);
  });
  server.on('close', () => stalled.forEach((r) => r.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n, server };
}

const stop = (server: Server): Promise<void> => {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
};

describe('a download from a server that stops sending', { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const target = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'mv-read-timeout-'));
    dirs.push(d);
    return d;
  };

  it('waits a minute by default', () => {
    assert.equal(DEFAULT_READ_IDLE_MS, 60_000);
  });

  it('is broken off when the body stalls, and resumed from what arrived', async () => {
    const srv = await hostile((n, res, range) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
        res.write(data.subarray(0, data.length / 2)); // and then nothing, for ever
        return;
      }
      const start = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
      res.writeHead(206, { 'content-type': 'application/octet-stream', 'content-length': data.length - start, 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` });
      res.end(data.subarray(start));
    });
    const dir = await target();
    const started = Date.now();
    try {
      await pullVersion({ transport: new RemoteBlobTransport({ baseUrl: srv.url, readIdleMs: 300 }), version, dir });
    } finally {
      await stop(srv.server);
    }
    assert.ok((await readFile(join(dir, 'w.bin'))).equals(data));
    assert.equal(srv.requests(), 2, 'one stalled download, one resumed');
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  it('gives up with server_unreachable when the server never answers, leaving nothing behind', async () => {
    const srv = await hostile(() => undefined);
    const dir = await target();
    try {
      await assert.rejects(pullVersion({ transport: new RemoteBlobTransport({ baseUrl: srv.url, readIdleMs: 200 }), version, dir }), (err: unknown) => {
        assert.ok(err instanceof ModelVaultError, String(err));
        assert.equal(err.code, 'server_unreachable');
        assert.match(err.message, /ETIMEDOUT/);
        return true;
      });
    } finally {
      await stop(srv.server);
    }
    assert.equal(srv.requests(), 5, 'the first try and four retries');
    assert.deepEqual(await readdir(dir), []);
  });
});
