import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestServer, type TestServer, authedFetch } from './harness.ts';

describe('health and metrics', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  it('healthz and readyz answer when the registry is usable', async () => {
    assert.deepEqual((await call(`${srv.url}/healthz`, 'GET')).body, { status: 'ok' });
    assert.deepEqual((await call(`${srv.url}/readyz`, 'GET')).body, { status: 'ready' });
  });

  it('counts requests by route template and times them', async () => {
    await call(`${srv.url}/api/v1/models/alpha`, 'GET');
    await call(`${srv.url}/api/v1/models/beta`, 'GET');
    await call(`${srv.url}/no/such/path`, 'GET');
    const res = await authedFetch(`${srv.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /modelvault_http_requests_total\{method="GET",route="\/api\/v1\/models\/:name",status="404"\} 2/);
    assert.match(text, /modelvault_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    assert.match(text, /modelvault_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/models\/:name"\} 2/);
    assert.doesNotMatch(text, /alpha|beta|no\/such/);
  });
});
