import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ModelVaultError } from '../../src/core/errors.ts';
import { uploadedRegistration } from '../helpers/registration.ts';
import { call, startTestServer, type TestServer } from './harness.ts';

describe('scan evidence comes only from the registry scanner', () => {
  let srv: TestServer;
  const forged = { kind: 'scan', body: { scanner: 'modelvault-scan', verdict: 'safe', files: [] } };
  before(async () => {
    srv = await startTestServer();
    const input = await uploadedRegistration(srv.url, 'scanned', '1.0.0', srv.auth);
    assert.equal((await call(`${srv.url}/api/v1/models/scanned/versions`, 'POST', input)).status, 201);
  });
  after(() => srv.close());

  const scanCount = async (): Promise<number> => (await srv.app.registry('reader').listEvidence('scanned@1.0.0', 'scan')).length;

  it('refuses a client-sent scan report over HTTP with 403 forbidden', async () => {
    const before = await scanCount();
    const res = await call(`${srv.url}/api/v1/models/scanned/versions/1.0.0/evidence`, 'POST', forged);
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.match(res.type, /^application\/problem\+json/);
    assert.equal(res.body.code, 'forbidden');
    assert.equal(res.body.field, 'kind');
    assert.match(res.body.hint, /modelvault scan scanned@1\.0\.0 --rescan/);
    assert.equal(await scanCount(), before);
  });

  it('refuses it through the embedded registry service too', async () => {
    const before = await scanCount();
    await assert.rejects(srv.app.registry('mallory').addEvidence('scanned@1.0.0', forged), (e: ModelVaultError) => e.code === 'forbidden' && e.details.field === 'kind');
    assert.equal(await scanCount(), before);
  });

  it('still accepts other evidence kinds from clients', async () => {
    const res = await call(`${srv.url}/api/v1/models/scanned/versions/1.0.0/evidence`, 'POST', { kind: 'review', body: { ok: true } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.kind, 'review');
  });

  it("records the registry's own scan, over HTTP and embedded", async () => {
    const before = await scanCount();
    const http = await call(`${srv.url}/api/v1/models/scanned/versions/1.0.0/scan`, 'POST');
    assert.equal(http.status, 200, JSON.stringify(http.body));
    assert.equal(http.body.rescanned, true);
    const embedded = await (await srv.app.scan('alice')).rescan('scanned@1.0.0');
    assert.equal(embedded.rescanned, true);
    assert.equal(await scanCount(), before + 2);
  });
});
