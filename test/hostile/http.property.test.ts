import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { NO_APPROVALS } from '../helpers/registry-home.ts';
import { authedFetch, startTestServer, type TestServer } from '../server/harness.ts';

// Every route of the OpenAPI document, called with random path segments, query strings, headers and JSON bodies by
// an administrator (so nothing is refused before it is parsed): the answer is a problem or a success, never a 500.
const RUNS = Number(process.env.MODELVAULT_FUZZ_RUNS ?? 200);

type Operation = { method: string; path: string; hasJsonBody: boolean };

const segment = fc.oneof(
  fc.constantFrom('m', 'fuzz', '1.0.0', 'latest', 'production', 'champion', 'm@1.0.0', '..', '%2e%2e', '%00', `sha256:${'a'.repeat(64)}`, '00000000-0000-4000-8000-000000000000', 'x'.repeat(400)),
  fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s)),
);
const queryValue = fc.oneof(fc.constantFrom('', '0', '-1', '1e309', 'true', 'production', '2026-01-01T00:00:00Z', 'x'.repeat(2000)), fc.string({ maxLength: 30 }));
const headerValue = fc.oneof(fc.constantFrom('bytes=0-', 'bytes=-5', 'bytes=9-1', 'bytes=0-1,2-3', '0', '-1', '99999999999999999999', 'NaN', ''), fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')));
const jsonBody = fc.oneof(
  fc.anything({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.dictionary(fc.constantFrom('name', 'version', 'stage', 'reason', 'force', 'metadata', 'files', 'tags', 'kind', 'body', 'digests', 'url', 'events', 'comment', 'data', 'target', 'roles', 'scope', 'expires', 'description'), fc.anything({ maxDepth: 3 })).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 50 }),
);

describe('the HTTP API given hostile requests', { timeout: 300_000 }, () => {
  let srv: TestServer;
  let operations: Operation[];
  before(async () => {
    srv = await startTestServer(NO_APPROVALS);
    const doc = (await (await authedFetch(`${srv.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, hasJsonBody: Boolean(op.requestBody?.content?.['application/json']) })),
    );
    assert.ok(operations.length > 40, `only ${operations.length} operations`);
  });
  after(() => srv.close());

  it('answers every route with a problem or a success, never a server error', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.array(segment, { minLength: 4, maxLength: 4 }),
        fc.dictionary(fc.constantFrom('limit', 'cursor', 'stage', 'since', 'after', 'at', 'against', 'digest', 'kind', 'model', 'window', 'depth', 'format'), queryValue, { maxKeys: 3 }),
        fc.dictionary(fc.constantFrom('range', 'upload-offset', 'x-modelvault-actor', 'if-none-match', 'content-length-x'), headerValue, { maxKeys: 2 }),
        jsonBody,
        async (pick, segments, query, headers, body) => {
          const op = operations[pick % operations.length]!;
          let i = 0;
          const path = op.path.replace(/\{[^}]+\}/g, () => segments[i++ % segments.length]!);
          const qs = new URLSearchParams(query).toString();
          const url = `${srv.url}${path}${qs ? `?${qs}` : ''}`;
          const init: RequestInit = { method: op.method, headers: { ...headers, ...(op.hasJsonBody ? { 'content-type': 'application/json' } : {}) } };
          if (op.hasJsonBody) init.body = body;
          else if (op.method === 'PUT' || op.method === 'PATCH' || op.method === 'POST') init.body = body;
          const res = await authedFetch(url, init);
          const text = await res.text();
          seen.add(`${op.method} ${op.path}`);
          assert.ok(res.status < 500 || res.status === 503 || res.status === 507, `${op.method} ${url} with ${JSON.stringify(headers)} and ${body.slice(0, 200)} → ${res.status} ${text.slice(0, 400)}`);
          if (res.status >= 400) assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `${op.method} ${url} → ${res.status} ${text.slice(0, 200)}`);
        },
      ),
      { numRuns: RUNS * 5 },
    );
    assert.ok(seen.size >= Math.min(operations.length, 30), `reached ${seen.size} of ${operations.length} operations`);
  });
});
