import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestServer, type TestServer, authedFetch } from './harness.ts';

const EXPECTED = [
  'get /healthz',
  'get /readyz',
  'get /metrics',
  'get /api/v1/openapi.json',
  'get /api/v1/auth/whoami',
  'get /api/v1/users',
  'post /api/v1/users',
  'get /api/v1/users/{user}',
  'put /api/v1/users/{user}/disabled',
  'post /api/v1/users/{user}/roles',
  'get /api/v1/tokens',
  'post /api/v1/tokens',
  'delete /api/v1/tokens/{id}',
  'get /api/v1/models',
  'get /api/v1/models/{name}',
  'get /api/v1/models/{name}/versions/{selector}/evidence',
  'post /api/v1/models/{name}/versions/{selector}/evidence',
  'patch /api/v1/models/{name}',
  'put /api/v1/models/{name}/tags',
  'delete /api/v1/models/{name}/tags',
  'get /api/v1/models/{name}/versions',
  'post /api/v1/models/{name}/versions',
  'get /api/v1/models/{name}/versions/{selector}',
  'get /api/v1/models/{name}/versions/{selector}/diff',
  'patch /api/v1/models/{name}/versions/{version}',
  'put /api/v1/models/{name}/versions/{version}/tags',
  'delete /api/v1/models/{name}/versions/{version}/tags',
  'post /api/v1/models/{name}/versions/{selector}/stage',
  'post /api/v1/models/{name}/rollback',
  'get /api/v1/models/{name}/history',
  'get /api/v1/models/{name}/stage-holders',
  'post /api/v1/models/{name}/versions/{selector}/approvals',
  'get /api/v1/models/{name}/versions/{selector}/approvals',
  'put /api/v1/models/{name}/aliases/{alias}',
  'delete /api/v1/models/{name}/aliases/{alias}',
  'get /api/v1/models/{name}/versions/{selector}/lineage',
  'get /api/v1/events',
  'get /api/v1/models/{name}/versions/{selector}/scan',
  'post /api/v1/models/{name}/versions/{selector}/scan',
  'get /api/v1/scan/allowlist',
  'put /api/v1/scan/allowlist/{global}',
  'delete /api/v1/scan/allowlist/{global}',
  'get /api/v1/keys',
  'post /api/v1/keys',
  'delete /api/v1/keys/{keyId}',
  'get /api/v1/audit/log',
  'get /api/v1/audit/checkpoint',
  'get /api/v1/audit/key',
  'get /api/v1/audit/proof/inclusion',
  'get /api/v1/audit/proof/consistency',
  'post /api/v1/audit/verify',
  'post /api/v1/audit/anchors',
  'get /api/v1/export/anchors',
  'get /api/v1/export/provenance',
  'head /api/v1/blobs/{digest}',
  'get /api/v1/blobs/{digest}',
  'put /api/v1/blobs/{digest}',
  'post /api/v1/blobs/missing',
  'post /api/v1/blobs/uploads',
  'head /api/v1/blobs/uploads/{id}',
  'get /api/v1/blobs/uploads/{id}',
  'patch /api/v1/blobs/uploads/{id}',
  'put /api/v1/blobs/uploads/{id}',
  'delete /api/v1/blobs/uploads/{id}',
  'put /api/v1/models/{name}/versions/{selector}/profile',
  'post /api/v1/models/{name}/versions/{selector}/profile',
  'get /api/v1/models/{name}/versions/{selector}/profile',
  'post /api/v1/models/{name}/versions/{selector}/observations',
  'post /api/v1/models/{name}/versions/{selector}/drift',
  'get /api/v1/models/{name}/health',
  'get /api/v1/webhooks',
  'post /api/v1/webhooks',
  'delete /api/v1/webhooks/{id}',
  'post /api/v1/webhooks/deliveries',
  'post /api/v1/models/{name}/versions/{selector}/evaluate',
  'post /api/v1/models/{name}/versions/{selector}/gates',
];

type Doc = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown> } };

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  let srv: TestServer;
  let doc: Doc;
  before(async () => {
    srv = await startTestServer();
    const res = await call(`${srv.url}/api/v1/openapi.json`, 'GET');
    assert.equal(res.status, 200);
    doc = res.body as Doc;
  });
  after(() => srv.close());

  it('has the OpenAPI 3.1 shape', () => {
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.equal(doc.info.title, 'ModelVault');
    assert.match(doc.info.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof doc.paths, 'object');
    for (const [path, ops] of Object.entries(doc.paths)) {
      assert.match(path, /^\/[^:]*$/, `${path} uses {param} syntax`);
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op.operationId, `${method} ${path} has an operationId`);
        assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} has responses`);
        assert.ok(op.responses.default, `${method} ${path} documents its problems`);
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          const p = op.parameters.find((x: { name: string; in: string }) => `{${x.name}}` === name && x.in === 'path');
          assert.ok(p?.required, `${method} ${path} declares path parameter ${name}`);
        }
      }
    }
  });

  it('lists exactly the routes the server serves, with unique operation ids', () => {
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    assert.deepEqual([...listed].sort(), [...EXPECTED].sort());
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId as string));
    assert.equal(new Set(ids).size, ids.length);
  });

  it('every listed operation reaches a handler', async () => {
    const sample: Record<string, string> = { name: 'm', selector: 'latest', version: '1.0.0', alias: 'champion', digest: `sha256:${'0'.repeat(64)}`, id: '00000000-0000-0000-0000-000000000000' };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        if (method === 'head') continue;
        const url = srv.url + path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(sample[k]!));
        const res = await authedFetch(url, { method: method.toUpperCase(), headers: { 'content-type': 'application/json', 'upload-offset': '0' }, ...(method === 'get' ? {} : { body: '{}' }) });
        const text = await res.text();
        assert.doesNotMatch(text, /no route for/, `${method} ${path} is served`);
      }
    }
  });

  it('documents request bodies and query strings with the schemas that validate them', () => {
    const register = doc.paths['/api/v1/models/{name}/versions']!.post;
    assert.equal(register.requestBody.content['application/json'].schema.$ref, '#/components/schemas/RegisterVersionInput');
    const input = doc.components.schemas.RegisterVersionInput as { required: string[]; properties: Record<string, unknown> };
    assert.deepEqual(input.required, ['metadata', 'files']);
    assert.deepEqual(refsIn(input.properties.files), ['#/components/schemas/ManifestEntry']);
    const list = doc.paths['/api/v1/models/{name}/versions']!.get;
    const stage = list.parameters.find((p: { name: string }) => p.name === 'stage');
    assert.equal(stage.in, 'query');
    assert.deepEqual(stage.schema.enum, ['development', 'validation', 'staging', 'production', 'archived']);
    const limit = list.parameters.find((p: { name: string }) => p.name === 'limit');
    assert.deepEqual(limit.schema, { type: 'integer', minimum: 1, maximum: 1000 });
    const patch = doc.paths['/api/v1/blobs/uploads/{id}']!.patch;
    assert.ok(patch.parameters.some((p: { name: string; in: string; required: boolean }) => p.name === 'upload-offset' && p.in === 'header' && p.required));
    assert.ok(patch.requestBody.content['application/octet-stream']);
    assert.equal(doc.paths['/api/v1/models/{name}/versions/{selector}']!.get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/VersionDetail');
  });

  it('resolves every $ref to a component', () => {
    const refs = refsIn(doc);
    assert.ok(refs.length > 20);
    for (const r of refs) {
      const name = r.replace('#/components/schemas/', '');
      assert.ok(r.startsWith('#/components/schemas/') && doc.components.schemas[name], `dangling ${r}`);
    }
  });
});
