import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { call, sha256, startTestServer, type TestServer, authedFetch, authFor } from './harness.ts';

async function put(srv: TestServer, digest: string, data: Buffer): Promise<Response> {
  return authedFetch(`${srv.url}/api/v1/blobs/${digest}`, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
}

/** A full GET over plain http: status, bytes received, and whether the transfer completed. */
function download(url: string): Promise<{ status: number; length: number; received: number; complete: boolean; text: string }> {
  return new Promise((resolve) => {
    get(url, { headers: authFor(url) }, (res) => {
      let received = 0;
      let text = '';
      res.on('data', (c: Buffer) => {
        received += c.length;
        if (res.statusCode !== 200) text += c.toString();
      });
      const done = (complete: boolean): void => resolve({ status: res.statusCode ?? 0, length: Number(res.headers['content-length']), received, complete, text });
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    }).on('error', () => resolve({ status: 0, length: 0, received: 0, complete: false, text: '' }));
  });
}

describe('blobs over HTTP', () => {
  let srv: TestServer;
  const data = randomBytes(100_000);
  const digest = sha256(data);
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  it('PUT stores a blob once; HEAD reports its size, digest and range support', async () => {
    const first = await put(srv, digest, data);
    assert.equal(first.status, 201);
    assert.deepEqual(await first.json(), { digest, size: data.length, created: true });
    const again = await put(srv, digest, data);
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { created: boolean }).created, false);
    const head = await authedFetch(`${srv.url}/api/v1/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(data.length));
    assert.equal(head.headers.get('etag'), `"${digest}"`);
    assert.equal(head.headers.get('accept-ranges'), 'bytes');
  });

  it('accepts upper-case hex in the path and a body without content type', async () => {
    const small = Buffer.from('no content type');
    const d = sha256(small);
    const res = await authedFetch(`${srv.url}/api/v1/blobs/${d.toUpperCase().replace('SHA256', 'sha256')}`, { method: 'PUT', body: small });
    assert.equal(res.status, 201);
    const typed = await authedFetch(`${srv.url}/api/v1/blobs/${sha256('{"a":1}')}`, { method: 'PUT', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    assert.equal(typed.status, 201, 'a JSON file is stored as bytes, not parsed');
    assert.equal(((await res.json()) as { digest: string }).digest, d);
    const empty = await authedFetch(`${srv.url}/api/v1/blobs/${sha256('')}`, { method: 'PUT' });
    assert.equal(empty.status, 201);
    const got = await authedFetch(`${srv.url}/api/v1/blobs/${sha256('')}`);
    assert.equal(got.status, 200);
    assert.equal((await got.arrayBuffer()).byteLength, 0);
  });

  it('PUT with the wrong digest is refused with 422 and stores nothing', async () => {
    const other = randomBytes(5000);
    const claimed = sha256('something else');
    const res = await put(srv, claimed, other);
    assert.equal(res.status, 422);
    assert.equal(((await res.json()) as { code: string }).code, 'digest_mismatch');
    assert.equal((await authedFetch(`${srv.url}/api/v1/blobs/${claimed}`, { method: 'HEAD' })).status, 404);
    assert.equal((await authedFetch(`${srv.url}/api/v1/blobs/${sha256(other)}`, { method: 'HEAD' })).status, 404);
    const store = srv.app.blobs as FsBlobStore;
    assert.deepEqual(await readdir(`${store.root}/tmp`), []);
  });

  it('GET streams the whole blob with its length and digest', async () => {
    const res = await authedFetch(`${srv.url}/api/v1/blobs/${digest}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(data.length));
    assert.equal(res.headers.get('etag'), `"${digest}"`);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(data));
  });

  it('GET with Range answers 206 with exactly the bytes asked for', async () => {
    const cases: [string, number, number][] = [
      ['bytes=10-19', 10, 19],
      ['bytes=99990-', 99_990, 99_999],
      ['bytes=-5', 99_995, 99_999],
      ['bytes=99998-200000', 99_998, 99_999],
    ];
    for (const [range, start, end] of cases) {
      const res = await authedFetch(`${srv.url}/api/v1/blobs/${digest}`, { headers: { range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${data.length}`);
      assert.equal(res.headers.get('content-length'), String(end - start + 1));
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(data.subarray(start, end + 1)), range);
    }
  });

  it('GET with an unsatisfiable or malformed Range answers 416', async () => {
    for (const range of ['bytes=100000-', 'bytes=50-10', 'bytes=-0', 'bytes=a-b', 'bytes=1-2,5-6', 'lines=1-2']) {
      const res = await call(`${srv.url}/api/v1/blobs/${digest}`, 'GET', undefined, { range });
      assert.equal(res.status, 416, range);
      assert.equal(res.body.code, 'invalid_range');
      assert.equal(res.headers.get('content-range'), `bytes */${data.length}`);
    }
  });

  it('404 for a blob that is not stored', async () => {
    const res = await call(`${srv.url}/api/v1/blobs/${sha256('absent')}`, 'GET');
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'not_found');
  });

  it('POST /blobs/missing names the digests the server lacks', async () => {
    const absent = sha256('absent');
    const res = await call(`${srv.url}/api/v1/blobs/missing`, 'POST', { digests: [digest, absent, absent] });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { missing: [absent] });
    const bad = await call(`${srv.url}/api/v1/blobs/missing`, 'POST', { digests: ['sha256:../../etc'] });
    assert.equal(bad.status, 400);
  });

  for (const size of [10, 3 << 20]) {
    it(`never serves a corrupt blob as a successful download (${size} bytes)`, async () => {
      const bytes = randomBytes(size);
      const d = sha256(bytes);
      assert.equal((await put(srv, d, bytes)).status, 201);
      const corrupt = Buffer.from(bytes);
      corrupt[corrupt.length - 1]! ^= 0xff;
      await writeFile((srv.app.blobs as FsBlobStore).pathOf(d), corrupt);
      const got = await download(`${srv.url}/api/v1/blobs/${d}`);
      const served = got.status === 200 && got.complete && got.received === size;
      assert.equal(served, false, JSON.stringify(got));
      if (size > 1 << 20) assert.equal(got.status, 200, 'a large blob starts streaming before the corruption is found');
      // Either the failure is known before the first byte (a 500 problem) or the transfer breaks short.
      if (got.status === 200) assert.ok(got.received < size, `received ${got.received} of ${size}`);
      else assert.equal(JSON.parse(got.text).code, 'blob_corrupt');
      assert.equal((await call(`${srv.url}/healthz`, 'GET')).status, 200);
    });
  }
});
