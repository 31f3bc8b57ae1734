import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, it } from 'node:test';
import { onEachBackend } from '../helpers/backends.ts';
import { MODEL_CARD } from '../helpers/model-dir.ts';
import { storeModelCard } from '../helpers/registration.ts';
import { call, sha256, startTestServer } from '../server/harness.ts';

const PICKLE = readFileSync(new URL('../fixtures/formats/object_p4.pkl', import.meta.url));
const ONNX = readFileSync(new URL('../fixtures/formats/matmul.onnx', import.meta.url));

function meta(name: string, version: string): Record<string, unknown> {
  return { name, version, license: 'MIT', source: { repo: 'https://example.com/r.git', commit: 'b'.repeat(40) }, dataset_manifest: 'd.yaml', training_hash: 'c'.repeat(40), artifacts: ['model.onnx'] };
}

onEachBackend('registry detects formats from stored bytes', (backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => {
    app = await backend.open();
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('stores pickle for a pickle the client calls onnx, and reads the detected formats back', async () => {
    const pickle = await app.blobs.put(Readable.from([PICKLE]));
    const onnx = await app.blobs.put(Readable.from([ONNX]));
    const reg = app.registry('alice');
    await reg.registerVersion({
      metadata: meta('claims', '1.0.0'),
      files: [
        { path: 'model.onnx', size: pickle.size, digest: pickle.digest, format: 'onnx' },
        { path: 'real.onnx', size: onnx.size, digest: onnx.digest },
        await storeModelCard(app.blobs),
      ],
    });
    const v = await reg.getVersion('claims@1.0.0');
    assert.deepEqual(Object.fromEntries(v.files.map((f) => [f.path, f.format])), { 'MODEL_CARD.md': 'text', 'model.onnx': 'pickle', 'real.onnx': 'onnx' });
  });
});

it('over HTTP, a client-claimed format is ignored and the detected one is returned', async () => {
  const server = await startTestServer();
  try {
    const digest = sha256(PICKLE);
    for (const bytes of [PICKLE, Buffer.from(MODEL_CARD)]) {
      const put = await fetch(`${server.url}/api/v1/blobs/${sha256(bytes)}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream', ...server.auth } });
      assert.ok(put.ok, `blob upload: ${put.status}`);
    }
    const files = [{ path: 'model.onnx', size: PICKLE.length, digest, format: 'onnx' }, { path: 'MODEL_CARD.md', size: Buffer.byteLength(MODEL_CARD), digest: sha256(MODEL_CARD) }];
    const reg = await call(`${server.url}/api/v1/models/claims/versions`, 'POST', { metadata: meta('claims', '1.0.0'), files });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const got = await call(`${server.url}/api/v1/models/claims/versions/1.0.0`, 'GET');
    assert.equal(got.status, 200);
    assert.equal(got.body.files.find((f: { path: string }) => f.path === 'model.onnx').format, 'pickle');
  } finally {
    await server.close();
  }
});
