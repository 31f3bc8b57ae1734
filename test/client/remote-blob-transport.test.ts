import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RemoteBlobTransport } from '../../src/client/index.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { pullVersion, type VersionDetail } from '../../src/registry/index.ts';
import { sha256, startTestServer, type TestServer } from '../server/harness.ts';

const REQUEST_LINE = /(GET|HEAD|POST|PUT|PATCH|DELETE) (\/api\/v1\/\S*) HTTP\/1\.1\r\n/g;

/**
 * A loopback TCP proxy in front of the server that logs every request line and can drop connections:
 * `cut(n)` says whether the n-th PATCH (1-based) dies after how many of its bytes (undefined: passes).
 */
async function startProxy(target: string, cut: (patch: number) => number | undefined, cutResponse?: (get: number) => number | undefined): Promise<{ url: string; log: string[]; close(): Promise<void> }> {
  const { port: targetPort } = new URL(target);
  const log: string[] = [];
  let patches = 0;
  let gets = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort), '127.0.0.1');
    sockets.add(client).add(upstream);
    let budget: number | undefined;
    let responseBudget: number | undefined;
    client.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(REQUEST_LINE)) {
        log.push(`${m[1]} ${m[2]}`);
        if (m[1] === 'PATCH') budget = cut(++patches);
        if (m[1] === 'GET' && m[2]!.startsWith('/api/v1/blobs/sha256')) responseBudget = cutResponse?.(++gets);
      }
      if (budget !== undefined) {
        if (chunk.length >= budget) {
          upstream.write(chunk.subarray(0, budget), () => setTimeout(() => (client.destroy(), upstream.destroy()), 50));
          budget = 0;
          return;
        }
        budget -= chunk.length;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (d: Buffer) => {
      if (responseBudget === undefined) return void client.write(d);
      if (d.length >= responseBudget) {
        client.write(d.subarray(0, responseBudget), () => setTimeout(() => (client.destroy(), upstream.destroy()), 50));
        // Nothing after the cut may reach the client, or the stream would have a hole instead of an end.
        responseBudget = 0;
        return;
      }
      responseBudget -= d.length;
      client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('RemoteBlobTransport against a real server', () => {
  let srv: TestServer;
  let dir: string;
  before(async () => {
    srv = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'modelvault-transport-'));
  });
  after(async () => {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads only what the server lacks and returns digests in input order', async () => {
    const a = randomBytes(200_000);
    const b = randomBytes(1000);
    await writeFile(join(dir, 'a'), a);
    await writeFile(join(dir, 'b'), b);
    await writeFile(join(dir, 'a-copy'), a);
    await srv.app.blobs.put(Readable.from([b]));
    const proxy = await startProxy(srv.url, () => undefined);
    const log = proxy.log;
    const progress = new Map<number, number>();
    const t = new RemoteBlobTransport({ baseUrl: proxy.url, token: srv.token });
    const out = await t.storeFiles([join(dir, 'a'), join(dir, 'b'), join(dir, 'a-copy')], (i, bytes) => progress.set(i, bytes)).finally(() => proxy.close());
    assert.deepEqual(out, [
      { digest: sha256(a), size: a.length },
      { digest: sha256(b), size: b.length },
      { digest: sha256(a), size: a.length },
    ]);
    assert.deepEqual(log.filter((l) => l.startsWith('PUT')), [`PUT /api/v1/blobs/${encodeURIComponent(sha256(a))}`]);
    assert.deepEqual([...progress.entries()].sort(), [[0, a.length], [1, b.length], [2, a.length]]);
    assert.equal((await srv.app.blobs.stat(sha256(a)))?.size, a.length);
  });

  it('resumes a large upload after a dropped connection and commits the verified blob', async () => {
    const data = randomBytes(3 << 20);
    const path = join(dir, 'large.bin');
    await writeFile(path, data);
    const proxy = await startProxy(srv.url, (n) => (n === 1 ? 1 << 20 : undefined));
    const log = proxy.log;
    const t = new RemoteBlobTransport({ baseUrl: proxy.url, token: srv.token, sessionThreshold: 1 << 20, retryDelayMs: 10 });
    const [stored] = await t.storeFiles([path]).finally(() => proxy.close());
    assert.deepEqual(stored, { digest: sha256(data), size: data.length });
    const patches = log.filter((l) => l.startsWith('PATCH'));
    // A resume that arrives while the server is still finishing the broken request gets 409 (one writer per
    // session) and is sent again after a backoff: two PATCHes, or three.
    assert.ok(patches.length === 2 || patches.length === 3, log.join('\n'));
    assert.ok(log.some((l) => l.startsWith('GET /api/v1/blobs/uploads/')), 'asked the offset before resuming');
    assert.ok(log.some((l) => /^PUT \/api\/v1\/blobs\/uploads\/.*\?digest=/.test(l)), 'committed');
    const back = await buffer(await new RemoteBlobTransport({ baseUrl: srv.url, token: srv.token }).openBlob(sha256(data)));
    assert.ok(back.equals(data));
  });

  it('gives up after the retry budget when the connection keeps failing', async () => {
    const path = join(dir, 'doomed.bin');
    await writeFile(path, randomBytes(2 << 20));
    const proxy = await startProxy(srv.url, () => 0);
    const t = new RemoteBlobTransport({ baseUrl: proxy.url, token: srv.token, sessionThreshold: 1 << 20, retryDelayMs: 1, maxRetries: 2 });
    await assert.rejects(t.storeFiles([path]).finally(() => proxy.close()), (err: unknown) => err instanceof ModelVaultError && err.code === 'server_unreachable');
    assert.equal(proxy.log.filter((l) => l.startsWith('PATCH')).length, 3);
  });

  it('resumes a download cut mid-body with a range request and verifies the whole file', async () => {
    const data = randomBytes(3 << 20);
    const put = await srv.app.blobs.put(Readable.from([data]));
    const proxy = await startProxy(srv.url, () => undefined, (n) => (n === 1 ? 1 << 20 : undefined));
    const out = await mkdtemp(join(tmpdir(), 'modelvault-pull-'));
    try {
      const version = { files: [{ path: 'w.bin', size: data.length, digest: put.digest, format: 'binary' }] } as unknown as VersionDetail;
      await pullVersion({ transport: new RemoteBlobTransport({ baseUrl: proxy.url, token: srv.token }), version, dir: out });
      assert.ok((await readFile(join(out, 'w.bin'))).equals(data));
      assert.equal(proxy.log.filter((l) => l.startsWith('GET /api/v1/blobs/')).length, 2, 'one cut download, one resumed');
    } finally {
      await proxy.close();
      await rm(out, { recursive: true, force: true });
    }
  });

  it('hashes the assembled file of a resumed download: bytes corrupted after the resume point are caught', async () => {
    const data = randomBytes(3 << 20);
    const put = await srv.app.blobs.put(Readable.from([data]));
    // The stored blob rots after it was verified at write time, past the point where the first response is cut.
    const stored = srv.app.blobs.localPath!(put.digest)!;
    const rotten = Buffer.from(data);
    rotten[2 << 20] = rotten[2 << 20]! ^ 0xff;
    await writeFile(stored, rotten);
    const proxy = await startProxy(srv.url, () => undefined, (n) => (n === 1 ? 1 << 20 : undefined));
    const out = await mkdtemp(join(tmpdir(), 'modelvault-pull-'));
    try {
      const version = { files: [{ path: 'w.bin', size: data.length, digest: put.digest, format: 'binary' }] } as unknown as VersionDetail;
      await assert.rejects(pullVersion({ transport: new RemoteBlobTransport({ baseUrl: proxy.url, token: srv.token }), version, dir: out }), (err: unknown) => {
        assert.ok(err instanceof ModelVaultError, String(err));
        assert.equal(err.code, 'digest_mismatch');
        assert.match(err.message, new RegExp(`^w\\.bin: downloaded bytes hash to sha256:[0-9a-f]{64} \\(${data.length} bytes\\), expected ${put.digest} `));
        return true;
      });
      assert.deepEqual(proxy.log.filter((l) => l.startsWith('GET /api/v1/blobs/')).length, 2, 'one cut download, one resumed with a range');
      assert.deepEqual(await readdir(out), [], 'neither the file nor a partial download is left');
    } finally {
      await proxy.close();
      await rm(out, { recursive: true, force: true });
      await writeFile(stored, data);
    }
  });

  it('opens a blob from an offset and refuses unknown ones', async () => {
    const data = Buffer.from('0123456789abcdef');
    await writeFile(join(dir, 'small'), data);
    const t = new RemoteBlobTransport({ baseUrl: srv.url, token: srv.token });
    const [s] = await t.storeFiles([join(dir, 'small')]);
    assert.equal((await buffer(await t.openBlob(s!.digest, { offset: 10 }))).toString(), 'abcdef');
    assert.equal((await buffer(await t.openBlob(s!.digest))).toString(), '0123456789abcdef');
    await assert.rejects(t.openBlob(sha256('nope')), (err: unknown) => err instanceof ModelVaultError && err.code === 'not_found');
    await assert.rejects(t.openBlob(s!.digest, { offset: 16 }), (err: unknown) => err instanceof ModelVaultError && err.code === 'invalid_range');
  });
});
