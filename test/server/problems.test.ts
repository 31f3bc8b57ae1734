import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, startTestServer, type TestServer, authedFetch } from './harness.ts';

async function problem(res: Response): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
}

describe('every error the server itself raises is a problem with a stable code', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  const cases: { name: string; send: () => Promise<Response>; status: number; code: string; field?: string }[] = [
    { name: 'a path segment longer than the router takes', send: () => authedFetch(`${srv.url}/api/v1/models/${'x'.repeat(400)}`), status: 400, code: 'invalid_input' },
    { name: 'an unknown route', send: () => authedFetch(`${srv.url}/api/v1/no/such/route?x=1`), status: 404, code: 'not_found' },
    {
      name: 'a malformed JSON body',
      send: () => authedFetch(`${srv.url}/api/v1/models/m`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"description":' }),
      status: 400,
      code: 'invalid_input',
      field: 'body',
    },
    {
      name: 'an empty JSON body',
      send: () => authedFetch(`${srv.url}/api/v1/models/m`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '' }),
      status: 400,
      code: 'invalid_input',
      field: 'body',
    },
    {
      name: 'an oversized body',
      send: () => authedFetch(`${srv.url}/api/v1/models/m/versions/1.0.0/stage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stage: 'staging', reason: 'x'.repeat(2 << 20) }) }),
      status: 413,
      code: 'payload_too_large',
      field: 'body',
    },
    {
      name: 'a JSON body nested too deeply (inside metadata, which is free-form)',
      send: () => authedFetch(`${srv.url}/api/v1/models/m/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"metadata":{"name":"m","version":"1.0.0","deep":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}},"files":[]}` }),
      status: 400,
      code: 'invalid_input',
      field: 'body',
    },
    {
      name: 'metadata larger than 1 MiB as JSON',
      send: () => authedFetch(`${srv.url}/api/v1/models/m/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'm', version: '1.0.0', notes: 'x'.repeat(1 << 20) }, files: [{ path: 'w.bin', size: 1, digest: `sha256:${'a'.repeat(64)}` }] }) }),
      status: 413,
      code: 'payload_too_large',
      field: 'metadata',
    },
    {
      name: 'a body that breaks its schema',
      send: () => authedFetch(`${srv.url}/api/v1/models/m/tags`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags: { 'bad key!': 'v' } }) }),
      status: 400,
      code: 'invalid_input',
      field: 'body.tags',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      const res = await problem(await c.send());
      assert.equal(res.status, c.status, JSON.stringify(res.body));
      assert.match(res.type, /^application\/problem\+json/);
      assert.equal(res.body.code, c.code);
      assert.equal(res.body.status, c.status);
      assert.equal(res.body.type, `https://modelvault.dev/problems/${c.code}`);
      assert.equal(typeof res.body.title, 'string');
      assert.equal(typeof res.body.detail, 'string');
      assert.match(String(res.body.instance), /^\/api\/v1\//);
      if (c.field) assert.equal(res.body.field, c.field);
      assert.doesNotMatch(String(res.body.detail), /FST_|Body is not valid JSON/);
    });
  }

  it('malformed HTTP: 400 invalid_input rendered by the same function', async () => {
    const raw = await rawRequest(srv.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad\u0001Header: 1\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.match(raw, /content-type: application\/problem\+json/i);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    assert.deepEqual(
      { code: body.code, status: body.status, type: body.type, title: body.title },
      { code: 'invalid_input', status: 400, type: 'https://modelvault.dev/problems/invalid_input', title: 'Invalid input' },
    );
    assert.equal(typeof body.hint, 'string');
  });
});
