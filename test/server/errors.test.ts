import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uploadedRegistration } from '../helpers/registration.ts';
import { call, rawRequest, sha256, startTestServer, type TestServer, authedFetch, userToken } from './harness.ts';

const PROBLEM = /^application\/problem\+json/;

function assertProblem(res: { status: number; type: string; body: any }, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.type, PROBLEM);
  assert.equal(res.body.code, code);
  assert.equal(res.body.status, status);
  assert.equal(res.body.type, `https://modelvault.dev/problems/${code}`);
  assert.equal(typeof res.body.title, 'string');
  assert.equal(typeof res.body.detail, 'string');
  assert.equal(res.body.stack, undefined);
}

describe('errors as problem+json', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  it('404 for unknown routes and unknown models', async () => {
    const route = await call(`${srv.url}/api/v1/nothing-here`, 'GET');
    assertProblem(route, 404, 'not_found');
    assert.equal(route.body.instance, '/api/v1/nothing-here');
    assertProblem(await call(`${srv.url}/api/v1/models/ghost`, 'GET'), 404, 'not_found');
  });

  it('400 invalid_input naming the field for schema violations', async () => {
    const q = await call(`${srv.url}/api/v1/models?limit=many`, 'GET');
    assertProblem(q, 400, 'invalid_input');
    assert.equal(q.body.field, 'querystring.limit');
    const b = await call(`${srv.url}/api/v1/models/m/versions/1.0.0/stage`, 'POST', { reason: 'x' });
    assertProblem(b, 400, 'invalid_input');
    assert.equal(b.body.field, 'body.stage');
    const extra = await call(`${srv.url}/api/v1/models/m/rollback`, 'POST', { stage: 'production', sneaky: true });
    assertProblem(extra, 400, 'invalid_input');
    assert.equal(extra.body.field, 'body.sneaky');
    const typed = await call(`${srv.url}/api/v1/models/m`, 'PATCH', { description: 42 });
    assertProblem(typed, 400, 'invalid_input');
    assert.equal(typed.body.field, 'body.description');
  });

  it('400 for malformed JSON and for a body that is not JSON', async () => {
    const bad = await authedFetch(`${srv.url}/api/v1/models/m`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"description":' });
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type') ?? '', PROBLEM);
    const text = await authedFetch(`${srv.url}/api/v1/models/m`, { method: 'PATCH', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    const body = (await text.json()) as { code: string };
    assert.equal(text.status, 400);
    assert.equal(body.code, 'invalid_input');
  });

  it('413 payload_too_large for oversized JSON bodies', async () => {
    const res = await call(`${srv.url}/api/v1/models/m`, 'PATCH', { description: 'x'.repeat(2 << 20) });
    assertProblem(res, 413, 'payload_too_large');
  });

  it('409 blob_missing and 400 path mismatch when registering', async () => {
    const input = { metadata: { name: 'm', version: '1.0.0' }, files: [{ path: 'w.bin', size: 3, digest: sha256('abc') }] };
    const missing = await call(`${srv.url}/api/v1/models/m/versions`, 'POST', input);
    assertProblem(missing, 409, 'blob_missing');
    assert.equal(missing.body.digest, sha256('abc'));
    const mismatch = await call(`${srv.url}/api/v1/models/other/versions`, 'POST', input);
    assertProblem(mismatch, 400, 'invalid_input');
    assert.equal(mismatch.body.field, 'body.metadata.name');
  });

  it('422 digest_mismatch when bytes do not match the path', async () => {
    const res = await authedFetch(`${srv.url}/api/v1/blobs/${sha256('one')}`, { method: 'PUT', body: 'two', headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 422);
    const body = (await res.json()) as { code: string; actual: string };
    assert.equal(body.code, 'digest_mismatch');
    assert.equal(body.actual, sha256('two'));
  });

  it('rejects path traversal and malformed digests cleanly', async () => {
    for (const path of ['/api/v1/blobs/sha256%3A..%2F..%2Fetc', '/api/v1/blobs/sha256:zz', `/api/v1/blobs/${sha256('x').toUpperCase().replace('SHA256', 'md5')}`]) {
      const res = await call(srv.url + path, 'GET');
      assertProblem(res, 400, 'invalid_input');
      assert.match(res.body.field, /params\.digest/);
    }
    const raw = await rawRequest(srv.port, 'GET /api/v1/blobs/sha256:../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 404/);
    assert.match(raw, /application\/problem\+json/);
    assert.doesNotMatch(raw, /root:/);
    const upload = await call(`${srv.url}/api/v1/blobs/uploads/..%2F..%2Fetc`, 'GET');
    assertProblem(upload, 400, 'invalid_input');
  });

  it('answers malformed HTTP with a problem and closes', async () => {
    const raw = await rawRequest(srv.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad\u0001Header: 1\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400/);
    assert.match(raw, /"code":"invalid_input"/);
  });

  it('records the token\'s user as the actor; an administrator may act for a named user, recorded as both', async () => {
    const input = (v: string) => uploadedRegistration(srv.url, 'actors', v, srv.auth);
    assert.equal((await call(`${srv.url}/api/v1/models/actors/versions`, 'POST', await input('1.0.0'))).status, 201);
    assert.equal((await call(`${srv.url}/api/v1/models/actors/versions`, 'POST', await input('1.0.1'), { 'x-modelvault-actor': 'alice@example.com' })).status, 201);
    assertProblem(await call(`${srv.url}/api/v1/models/actors/versions`, 'POST', await input('1.0.2'), { 'x-modelvault-actor': 'root; rm -rf /' }), 400, 'invalid_input');
    assertProblem(await call(`${srv.url}/api/v1/models/actors/versions`, 'POST', await input('1.0.2'), { 'x-modelvault-actor': 'a'.repeat(129) }), 400, 'invalid_input');
    // Anyone else naming another user is refused, not believed.
    const bob = await userToken(srv.app, 'bob', ['ml_engineer']);
    const asBob = { authorization: `Bearer ${bob}` };
    const forged = await call(`${srv.url}/api/v1/models/actors/versions`, 'POST', await input('1.0.3'), { ...asBob, 'x-modelvault-actor': 'alice' });
    assertProblem(forged, 403, 'forbidden');
    assert.match(forged.body.detail, /bob may not act for alice/);
    assert.equal((await call(`${srv.url}/api/v1/models/actors/versions`, 'POST', await input('1.0.4'), { ...asBob, 'x-modelvault-actor': 'bob' })).status, 201);
    const events = await call(`${srv.url}/api/v1/events?model=actors`, 'GET');
    assert.deepEqual(
      events.body.items.filter((e: { action: string }) => e.action === 'version.push').map((e: { actor: string }) => e.actor),
      ['admin', 'alice@example.com (by admin)', 'bob'],
    );
  });

  it('500 internal without leaking the cause, 503 from readyz when the database is gone', async () => {
    const broken = await startTestServer();
    try {
      await broken.app.metadata.close();
      const res = await call(`${broken.url}/api/v1/models`, 'GET');
      assertProblem(res, 500, 'internal');
      assert.doesNotMatch(JSON.stringify(res.body), /destroy|kysely|sqlite|\.ts:/i);
      assert.equal(typeof res.body.requestId, 'string');
      assertProblem(await call(`${broken.url}/readyz`, 'GET'), 503, 'storage_unavailable');
      assert.equal((await call(`${broken.url}/healthz`, 'GET')).status, 200);
    } finally {
      await broken.close();
    }
  });
});
