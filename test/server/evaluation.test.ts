import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fixture, pushOnnx, sklearnReference } from '../helpers/evaluation.ts';
import { call, sha256, startTestServer, type TestServer } from './harness.ts';

describe('evaluation over HTTP: the server runs its stored model on an uploaded blob', () => {
  let srv: TestServer;
  const csv = readFileSync(fixture('binary.csv'));
  const url = (path: string): string => `${srv.url}/api/v1/models/clf/versions/1.0.0/${path}`;

  before(async () => {
    srv = await startTestServer();
    await pushOnnx(srv.app, 'clf', '1.0.0', 'binary_good');
  });
  after(() => srv.close());

  it('refuses data the store lacks, naming the digest (409 blob_missing)', async () => {
    const res = await call(url('evaluate'), 'POST', { data: { digest: sha256(csv), format: 'csv' } });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.code, 'blob_missing');
    assert.match(res.body.detail, new RegExp(sha256(csv)));
  });

  it('evaluates an uploaded CSV blob and records evaluation evidence', async () => {
    assert.equal((await fetch(`${srv.url}/api/v1/blobs/${sha256(csv)}`, { method: 'PUT', body: csv, headers: srv.auth })).status, 201);
    const res = await call(url('evaluate'), 'POST', { data: { digest: sha256(csv), format: 'csv' }, batchSize: 300 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result.metrics.accuracy, sklearnReference.binary.binary_good.accuracy);
    assert.equal(res.body.data.digest, sha256(csv));
    assert.equal(res.body.result.latency.batchSize, 300);
    const stored = await srv.app.registry('reader').listEvidence('clf@1.0.0', 'evaluation');
    assert.equal(stored.at(-1)!.id, res.body.evidenceId);
  });

  it('refuses a server-side path (only uploaded blobs are read) and out-of-range settings', async () => {
    for (const body of [{ data: { path: '/etc/passwd' } }, { data: { digest: sha256(csv), format: 'xlsx' } }, { data: { digest: sha256(csv), format: 'csv' }, batchSize: 0 }, { data: { digest: sha256(csv), format: 'csv' }, task: 'ranking' }]) {
      const res = await call(url('evaluate'), 'POST', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, 'invalid_input');
    }
  });

  it('runs the gates and refuses forged gate evidence', async () => {
    const res = await call(url('gates'), 'POST', { data: { digest: sha256(csv), format: 'csv' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.passed, true, JSON.stringify(res.body.gates));
    assert.equal(res.body.baseline, null, 'the model has no production version');
    const forged = await call(`${srv.url}/api/v1/models/clf/versions/1.0.0/evidence`, 'POST', { kind: 'gates', body: res.body });
    assert.equal(forged.status, 403);
    assert.match(forged.body.hint, /modelvault gates run clf@1\.0\.0/);
  });
});
