import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { call, sha256, startTestServer, type TestServer, authedFetch } from './harness.ts';

/** Starts a PATCH announcing the whole remainder, sends only `part`, then breaks the connection. */
function brokenPatch(srv: TestServer, id: string, offset: number, total: number, part: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${srv.url}/api/v1/blobs/uploads/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'content-length': total, 'upload-offset': offset, ...srv.auth },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(part, () => setTimeout(() => req.destroy(), 50));
  });
}

async function offsetOf(srv: TestServer, id: string): Promise<number> {
  const res = await call(`${srv.url}/api/v1/blobs/uploads/${id}`, 'GET');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('upload-offset'), String(res.body.offset));
  return res.body.offset as number;
}

/** Waits until the server has finished with a broken request and its offset stops moving. */
async function settledOffset(srv: TestServer, id: string): Promise<number> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const now = await offsetOf(srv, id);
    if (now === last && now > 0) return now;
    last = now;
    await sleep(50);
  }
  return last;
}

describe('resumable uploads', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  it('keeps the bytes of a broken PATCH, resumes from the offset and commits a verified blob', async () => {
    const data = randomBytes(4 << 20);
    const digest = sha256(data);
    const created = await call(`${srv.url}/api/v1/blobs/uploads`, 'POST');
    assert.equal(created.status, 201);
    assert.equal(created.body.offset, 0);
    const id = created.body.id as string;
    const half = data.length / 2;
    await brokenPatch(srv, id, 0, data.length, data.subarray(0, half));
    const offset = await settledOffset(srv, id);
    assert.ok(offset > 0 && offset <= half, `offset ${offset} after sending ${half}`);

    const head = await authedFetch(`${srv.url}/api/v1/blobs/uploads/${id}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('upload-offset'), String(offset));

    const wrong = await authedFetch(`${srv.url}/api/v1/blobs/uploads/${id}`, { method: 'PATCH', headers: { 'upload-offset': String(offset + 1), 'content-type': 'application/octet-stream' }, body: data.subarray(offset + 1) });
    assert.equal(wrong.status, 409);
    const problem = (await wrong.json()) as { code: string; offset: number };
    assert.equal(problem.code, 'conflict');
    assert.equal(problem.offset, offset);

    const rest = await authedFetch(`${srv.url}/api/v1/blobs/uploads/${id}`, { method: 'PATCH', headers: { 'upload-offset': String(offset), 'content-type': 'application/octet-stream' }, body: data.subarray(offset) });
    assert.equal(rest.status, 200);
    assert.deepEqual(await rest.json(), { id, offset: data.length });

    const commit = await call(`${srv.url}/api/v1/blobs/uploads/${id}?digest=${digest}`, 'PUT');
    assert.equal(commit.status, 201);
    assert.deepEqual(commit.body, { digest, size: data.length, created: true });
    const got = await authedFetch(`${srv.url}/api/v1/blobs/${digest}`);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(data));
    assert.equal((await call(`${srv.url}/api/v1/blobs/uploads/${id}`, 'GET')).status, 404, 'the session is gone after commit');
  });

  it('refuses a commit whose bytes do not hash to the digest, and stores nothing', async () => {
    const data = randomBytes(10_000);
    const { body } = await call(`${srv.url}/api/v1/blobs/uploads`, 'POST');
    const patch = await authedFetch(`${srv.url}/api/v1/blobs/uploads/${body.id}`, { method: 'PATCH', headers: { 'upload-offset': '0', 'content-type': 'application/octet-stream' }, body: data });
    assert.equal(patch.status, 200);
    const claimed = sha256('not these bytes');
    const commit = await call(`${srv.url}/api/v1/blobs/uploads/${body.id}?digest=${claimed}`, 'PUT');
    assert.equal(commit.status, 422);
    assert.equal(commit.body.code, 'digest_mismatch');
    assert.equal(commit.body.actual, sha256(data));
    assert.equal((await authedFetch(`${srv.url}/api/v1/blobs/${claimed}`, { method: 'HEAD' })).status, 404);
    assert.equal((await authedFetch(`${srv.url}/api/v1/blobs/${sha256(data)}`, { method: 'HEAD' })).status, 404);
  });

  it('validates the offset header, the digest and the session id', async () => {
    const { body } = await call(`${srv.url}/api/v1/blobs/uploads`, 'POST');
    const noOffset = await authedFetch(`${srv.url}/api/v1/blobs/uploads/${body.id}`, { method: 'PATCH', body: 'x' });
    assert.equal(noOffset.status, 400);
    const negative = await authedFetch(`${srv.url}/api/v1/blobs/uploads/${body.id}`, { method: 'PATCH', headers: { 'upload-offset': '-1' }, body: 'x' });
    assert.equal(negative.status, 400);
    assert.equal((await call(`${srv.url}/api/v1/blobs/uploads/${body.id}?digest=sha256:nothex`, 'PUT')).status, 400);
    assert.equal((await call(`${srv.url}/api/v1/blobs/uploads/00000000-0000-0000-0000-000000000000`, 'GET')).status, 404);
    const aborted = await authedFetch(`${srv.url}/api/v1/blobs/uploads/${body.id}`, { method: 'DELETE' });
    assert.equal(aborted.status, 204);
    assert.equal((await call(`${srv.url}/api/v1/blobs/uploads/${body.id}`, 'GET')).status, 404);
  });

  it('lets one request write a session at a time: a second PATCH at the same offset and a commit meanwhile get 409', async () => {
    const data = randomBytes(1 << 20);
    const { body } = await call(`${srv.url}/api/v1/blobs/uploads`, 'POST');
    const id = body.id as string;
    // A PATCH that sends half its body and then waits, holding the session.
    const held = request(`${srv.url}/api/v1/blobs/uploads/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'content-length': data.length, 'upload-offset': 0, ...srv.auth },
    });
    const heldDone = new Promise<number>((resolve, reject) => {
      held.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      held.on('error', reject);
    });
    held.write(data.subarray(0, data.length / 2));
    for (let i = 0; i < 200 && (await offsetOf(srv, id)) === 0; i++) await sleep(10);
    assert.ok((await offsetOf(srv, id)) > 0, 'the first PATCH is writing');

    const second = await authedFetch(`${srv.url}/api/v1/blobs/uploads/${id}`, { method: 'PATCH', headers: { 'upload-offset': '0', 'content-type': 'application/octet-stream' }, body: data });
    assert.equal(second.status, 409);
    const problem = (await second.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'conflict');
    assert.match(problem.detail, new RegExp(`^cannot append to upload ${id}: another request is writing it`));
    const early = await call(`${srv.url}/api/v1/blobs/uploads/${id}?digest=${sha256(data)}`, 'PUT');
    assert.equal(early.status, 409);
    assert.match(early.body.detail as string, new RegExp(`^cannot commit upload ${id}: another request is writing it`));

    held.end(data.subarray(data.length / 2));
    assert.equal(await heldDone, 200);
    const commit = await call(`${srv.url}/api/v1/blobs/uploads/${id}?digest=${sha256(data)}`, 'PUT');
    assert.equal(commit.status, 201);
    const got = await authedFetch(`${srv.url}/api/v1/blobs/${sha256(data)}`);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(data), 'the blob holds exactly the one body');
  });
});
