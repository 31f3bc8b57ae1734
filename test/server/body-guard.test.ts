import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { authedFetch, call, sha256, startTestServer, userToken, type TestServer } from './harness.ts';

/** A raw connection that sends a request head announcing `length` body bytes, then whatever the test writes. */
async function openBody(srv: TestServer, method: string, path: string, length: number, token: string, extra = ''): Promise<{ socket: Socket; closed: Promise<number>; response: () => string }> {
  const socket = connect(srv.port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString()));
  socket.on('error', () => undefined);
  const opened = Date.now();
  const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - opened)));
  socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n${extra}\r\n`);
  return { socket, closed, response: () => text };
}

const LIMITS = 'server:\n  body_idle_timeout: 1s\n  body_grace: 2s\n  min_body_rate: 50000\n  max_uploads_per_user: 2\n';

describe('slow and stalled request bodies', { timeout: 30_000 }, () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer(LIMITS);
  });
  after(() => srv.close());

  it('cuts off a blob upload that stops sending, and stores nothing of it', async () => {
    const digest = sha256(Buffer.alloc(1000));
    const { socket, closed } = await openBody(srv, 'PUT', `/api/v1/blobs/${digest}`, 1000, srv.token);
    socket.write(Buffer.alloc(10));
    const after = await closed;
    assert.ok(after >= 900 && after < 5000, `closed after ${after} ms`);
    assert.equal((await authedFetch(`${srv.url}/api/v1/blobs/${digest}`, { method: 'HEAD' })).status, 404);
    for (let i = 0; i < 50 && readdirSync(join(srv.home, 'blobs', 'tmp')).some((n) => n.endsWith('.part')); i++) await sleep(20);
    assert.deepEqual(readdirSync(join(srv.home, 'blobs', 'tmp')).filter((n) => n.endsWith('.part')), []);
  });

  it('cuts off an upload that trickles slower than the minimum rate, keeping what arrived for a resume', async () => {
    const created = await call(`${srv.url}/api/v1/blobs/uploads`, 'POST');
    const id = created.body.id as string;
    const { socket, closed } = await openBody(srv, 'PATCH', `/api/v1/blobs/uploads/${id}`, 100_000, srv.token, 'Upload-Offset: 0\r\n');
    let sent = 0;
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(Buffer.alloc(100), () => (sent += 100));
    }, 200);
    const after = await closed;
    clearInterval(drip);
    assert.ok(after >= 1900 && after < 6000, `a body that never stalls a whole second is cut after the grace period, at ${after} ms`);
    let offset = 0;
    for (let i = 0; i < 50; i++) {
      offset = (await call(`${srv.url}/api/v1/blobs/uploads/${id}`, 'GET')).body.offset as number;
      if (offset > 0) break;
      await sleep(20);
    }
    assert.ok(offset > 0 && offset <= sent, `kept ${offset} of ${sent} bytes`);
  });

  it('lets a body that arrives steadily above the minimum rate finish, however long it takes', async () => {
    const data = randomBytes(300_000);
    const digest = sha256(data);
    const { socket, closed, response } = await openBody(srv, 'PUT', `/api/v1/blobs/${digest}`, data.length, srv.token, 'Connection: close\r\n');
    for (let i = 0; i < 6; i++) {
      socket.write(data.subarray(i * 50_000, (i + 1) * 50_000));
      await sleep(500);
    }
    await closed;
    assert.match(response(), /^HTTP\/1\.1 201 /);
    assert.equal((await authedFetch(`${srv.url}/api/v1/blobs/${digest}`, { method: 'HEAD' })).status, 200);
  });

  it('refuses one upload too many from the same user with 429, while another user is not affected', async () => {
    const held = await Promise.all([0, 1].map(() => openBody(srv, 'PUT', `/api/v1/blobs/${sha256(Buffer.alloc(500_000))}`, 500_000, srv.token)));
    for (const h of held) h.socket.write(Buffer.alloc(100));
    await sleep(100);
    const third = await authedFetch(`${srv.url}/api/v1/blobs/${sha256('x')}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'x' });
    assert.equal(third.status, 429);
    const problem = (await third.json()) as { code: string; detail: string; hint: string };
    assert.equal(problem.code, 'too_many_requests');
    assert.equal(problem.detail, '2 uploads from admin are already in progress, the most this server allows at once');
    assert.match(problem.hint, /server\.max_uploads_per_user/);

    const bob = await userToken(srv.app, 'bob', ['ml_engineer']);
    const other = await fetch(`${srv.url}/api/v1/blobs/${sha256('y')}`, { method: 'PUT', headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/octet-stream' }, body: 'y' });
    assert.equal(other.status, 201, 'another user has uploads of their own');

    // Once one of the held uploads ends, the user may start another.
    held[0]!.socket.destroy();
    await held[0]!.closed;
    await sleep(50);
    const retry = await authedFetch(`${srv.url}/api/v1/blobs/${sha256('x')}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'x' });
    assert.equal(retry.status, 201);
    held[1]!.socket.destroy();
    await held[1]!.closed;
  });

  it('does not watch requests without a body', async () => {
    const r = await call(`${srv.url}/api/v1/models`, 'GET');
    assert.equal(r.status, 200);
    assert.ok(existsSync(srv.home));
  });
});

describe('the rate limit per API token', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer('server:\n  rate_limit: 5\n');
  });
  after(() => srv.close());

  it('answers a burst of one second\'s worth, then 429 with Retry-After, per token and not per server', async () => {
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call(`${srv.url}/api/v1/models`, 'GET')).status);
    // Five at once, plus whatever refilled while they ran (five a second) on a busy machine.
    const elapsed = Date.now() - started;
    const refilled = Math.ceil((elapsed * 5) / 1000);
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    const answered = statuses.filter((x) => x === 200).length;
    assert.ok(answered <= 5 + refilled, `${statuses} after ${elapsed} ms`);
    assert.deepEqual(statuses.filter((x) => x !== 200 && x !== 429), []);
    if (elapsed < 400) assert.ok(answered < 8, `${statuses} after ${elapsed} ms`);
    const refused = await authedFetch(`${srv.url}/api/v1/models`);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    const problem = (await refused.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'too_many_requests');
    assert.match(problem.detail, /^more than 5 requests a second from tok_[A-Za-z0-9_-]+$/);
    // Another token of its own has a full bucket.
    const carol = await userToken(srv.app, 'carol', ['analyst']);
    assert.equal((await fetch(`${srv.url}/api/v1/models`, { headers: { authorization: `Bearer ${carol}` } })).status, 200);
    // The bucket refills at 5 a second.
    await sleep(450);
    assert.equal((await call(`${srv.url}/api/v1/models`, 'GET')).status, 200);
  });

  it('is not there unless configured', async () => {
    const open = await startTestServer();
    try {
      for (let i = 0; i < 30; i++) assert.equal((await call(`${open.url}/api/v1/models`, 'GET')).status, 200);
    } finally {
      await open.close();
    }
  });
});
