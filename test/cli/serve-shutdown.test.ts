import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/model-dir.ts';

const BIN = fileURLToPath(new URL('../../bin/modelvault.js', import.meta.url));
const home = tempDir('mv-shutdown-');
after(() => rmSync(home, { recursive: true, force: true }));
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** `modelvault serve` on a free port; resolves with its URL, the process, and everything it wrote to stderr. */
function serve(): Promise<{ url: string; port: number; child: ChildProcess; stderr: () => string; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: { ...process.env, MODELVAULT_HOME: home, MODELVAULT_URL: '', MODELVAULT_DATABASE_URL: '', MODELVAULT_BLOB_URL: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(err);
      if (m) resolve({ url: m[1]!, port: Number(m[2]), child, stderr: () => err, exited });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

/** Starts a blob PUT announcing `length` bytes and sends `first` of them. */
async function startUpload(port: number, token: string, body: Buffer, first: number): Promise<{ socket: Socket; response: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString()));
  socket.on('error', () => undefined);
  const response = new Promise<string>((r) => socket.once('close', () => r(text)));
  socket.write(`PUT /api/v1/blobs/${sha(body)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  socket.write(body.subarray(0, first));
  return { socket, response };
}

it('on SIGTERM, a request that finishes within the grace period completes, one that does not is cut, and nothing half-written stays', { timeout: 60_000 }, async () => {
  writeFileSync(join(home, 'config.yaml'), 'server:\n  shutdown_grace: 2s\n  body_idle_timeout: 30s\n');
  const srv = await serve();
  const token = readFileSync(join(home, 'admin.token'), 'utf8').trim();
  const finishing = Buffer.alloc(200_000, 1);
  const stuck = Buffer.alloc(200_000, 2);
  const a = await startUpload(srv.port, token, finishing, 100_000);
  const b = await startUpload(srv.port, token, stuck, 100_000);
  await sleep(200);
  const signalled = Date.now();
  srv.child.kill('SIGTERM');
  await sleep(300);
  // A new request is refused (or finds nothing listening) while the server drains.
  const late = await fetch(`${srv.url}/api/v1/models`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status, () => 'refused');
  assert.ok(late === 503 || late === 'refused', `a new request got ${late}`);
  a.socket.write(finishing.subarray(100_000));
  assert.match(await a.response, /^HTTP\/1\.1 201 /, 'the upload that finished in time was stored');
  const cut = await b.response;
  assert.doesNotMatch(cut, /^HTTP\/1\.1 2/, 'the upload still running after the grace period was not stored');
  assert.equal(await srv.exited, 0);
  const took = Date.now() - signalled;
  assert.ok(took >= 1500 && took < 10_000, `stopped ${took} ms after SIGTERM`);
  assert.match(srv.stderr(), /stopping: waiting up to 2 s for requests in flight\n/);
  assert.match(srv.stderr(), /stopping: requests still running after 2 s; closing the connections still open\n/);
  assert.deepEqual(readdirSync(join(home, 'blobs', 'tmp')).filter((n) => n.endsWith('.part')), [], 'the cut upload left no temp file');
  const hex = (b: Buffer): string => sha(b).slice(7);
  assert.deepEqual(readFileSync(join(home, 'blobs', 'sha256', hex(finishing).slice(0, 2), hex(finishing).slice(2, 4), hex(finishing))), finishing);
  assert.throws(() => readFileSync(join(home, 'blobs', 'sha256', hex(stuck).slice(0, 2), hex(stuck).slice(2, 4), hex(stuck))), /ENOENT/);
});
