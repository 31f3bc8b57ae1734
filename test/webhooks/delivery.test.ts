import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { addressClass, deliverWebhook, parseAddressPolicy, parseWebhookTarget, signBody, verifySignature, type WebhookTarget } from '../../src/webhooks/index.ts';

const SECRET = 'a-shared-secret-of-some-length';

function target(url: string, extra: Partial<WebhookTarget> = {}): WebhookTarget {
  return { url, secret: SECRET, timeoutMs: 500, attempts: 3, backoffMs: 10, deadlineMs: 5000, ...extra };
}

describe('webhook addresses', () => {
  it('classifies addresses, IPv4-mapped IPv6 by their IPv4 address', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.9.9.9', 'loopback'],
      ['0.0.0.0', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.31.255.255', 'private'],
      ['172.32.0.1', 'public'],
      ['192.168.0.10', 'private'],
      ['100.64.0.1', 'private'],
      ['fd12::1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['224.0.0.1', 'reserved'],
      ['255.255.255.255', 'reserved'],
      ['93.184.216.34', 'public'],
      ['2606:4700::1111', 'public'],
    ];
    for (const [ip, cls] of cases) assert.equal(addressClass(ip), cls, ip);
  });

  it('parses a policy of known classes only', () => {
    const fail = (m: string): never => {
      throw new Error(m);
    };
    assert.deepEqual([...parseAddressPolicy(['loopback', 'private'], fail)], ['loopback', 'private']);
    assert.throws(() => parseAddressPolicy(['loopback', 'intranet'], fail), /address classes \(loopback, private, link-local, public\)/);
    assert.throws(() => parseAddressPolicy('loopback', fail), /must be a list/);
  });

  it('validates a webhook entry: URL scheme, credentials, secret length, retry bounds', () => {
    const fail = (field: string, m: string): never => {
      throw new Error(`${field} ${m}`);
    };
    const t = parseWebhookTarget({ url: 'https://hooks.example.com/x', secret_env: 'S', attempts: 2 }, fail, { S: SECRET });
    assert.deepEqual(t, { url: 'https://hooks.example.com/x', secret: SECRET, timeoutMs: 2000, attempts: 2, backoffMs: 250, deadlineMs: 10_000 });
    assert.throws(() => parseWebhookTarget({ url: 'file:///etc/passwd', secret: SECRET }, fail), /: url must be an http or https URL/);
    assert.throws(() => parseWebhookTarget({ url: 'http://u:p@h/x', secret: SECRET }, fail), /: url must not carry credentials/);
    assert.throws(() => parseWebhookTarget({ url: 'http://h/x', secret_env: 'MISSING' }, fail, {}), /: secret_env names the variable MISSING, which must hold at least 16 characters/);
    assert.throws(() => parseWebhookTarget({ url: 'http://h/x', secret: SECRET, attempts: 11 }, fail), /: attempts must be an integer from 1 to 10/);
  });
});

describe('webhook delivery', () => {
  let server: Server;
  let base: string;
  const hits: Record<string, { body: string; signature: string | undefined; agent: string | undefined; extra: string | undefined }[]> = {};
  const script: Record<string, number[]> = { '/gone': [404], '/down': [503, 503, 503], '/once': [500, 200] };
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const list = (hits[req.url ?? '/'] ??= []);
        list.push({ body: Buffer.concat(chunks).toString(), signature: req.headers['x-modelvault-signature'] as string | undefined, agent: req.headers['user-agent'], extra: req.headers['x-extra'] as string | undefined });
        res.writeHead(script[req.url ?? '/']?.[list.length - 1] ?? 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('signs the exact body it sends, with the caller\'s User-Agent and headers', async () => {
    const d = await deliverWebhook(target(`${base}/ok`), { a: 1 }, { userAgent: 'modelvault-test', headers: { 'x-extra': 'yes' } });
    assert.deepEqual(d, { url: `${base}/ok`, delivered: true, attempts: 1, status: 200, retryable: false });
    const hit = hits['/ok']![0]!;
    assert.equal(hit.body, '{"a":1}');
    assert.equal(hit.signature, signBody(hit.body, SECRET));
    assert.ok(verifySignature(hit.body, SECRET, hit.signature));
    assert.equal(verifySignature(hit.body, 'another-secret-of-length', hit.signature), false);
    assert.equal(verifySignature(`${hit.body} `, SECRET, hit.signature), false);
    assert.deepEqual([hit.agent, hit.extra], ['modelvault-test', 'yes']);
  });

  it('retries a 500 and then succeeds', async () => {
    const d = await deliverWebhook(target(`${base}/once`), { b: 2 }, { userAgent: 'modelvault-test' });
    assert.deepEqual({ delivered: d.delivered, attempts: d.attempts, status: d.status }, { delivered: true, attempts: 2, status: 200 });
    assert.equal(hits['/once']!.length, 2);
  });

  it('does not retry a final 4xx, and says a 5xx that outlasted its attempts may be retried later', async () => {
    const gone = await deliverWebhook(target(`${base}/gone`), {}, { userAgent: 'modelvault-test' });
    assert.deepEqual({ delivered: gone.delivered, attempts: gone.attempts, error: gone.error, retryable: gone.retryable }, { delivered: false, attempts: 1, error: 'HTTP 404', retryable: false });
    const down = await deliverWebhook(target(`${base}/down`), {}, { userAgent: 'modelvault-test' });
    assert.deepEqual({ delivered: down.delivered, attempts: down.attempts, error: down.error, retryable: down.retryable }, { delivered: false, attempts: 3, error: 'HTTP 503', retryable: true });
  });

  it('refuses an address outside the policy before connecting, for literal addresses and resolved host names', async () => {
    const publicOnly = new Set(['public', 'private'] as const);
    const literal = await deliverWebhook(target(`${base}/never`), {}, { userAgent: 'modelvault-test', addresses: publicOnly });
    assert.deepEqual({ delivered: literal.delivered, attempts: literal.attempts, retryable: literal.retryable }, { delivered: false, attempts: 0, retryable: false });
    assert.match(literal.error!, /^refused: address 127\.0\.0\.1 is a loopback address; allowed: public, private/);
    const port = (server.address() as AddressInfo).port;
    const named = await deliverWebhook(target(`http://localhost:${port}/never`), {}, { userAgent: 'modelvault-test', addresses: publicOnly });
    assert.equal(named.delivered, false);
    assert.equal(named.retryable, false);
    assert.match(named.error!, /^refused: localhost \((127\.0\.0\.1|::1)\) is a loopback address/);
    const loopbackOnly = await deliverWebhook(target('http://10.255.255.1:9/never'), {}, { userAgent: 'modelvault-test', addresses: new Set(['loopback'] as const) });
    assert.match(loopbackOnly.error!, /^refused: address 10\.255\.255\.1 is a private address; allowed: loopback/);
    assert.equal(hits['/never'], undefined);
    const allowed = await deliverWebhook(target(`http://localhost:${port}/named`), {}, { userAgent: 'modelvault-test', addresses: new Set(['loopback'] as const) });
    assert.equal(allowed.delivered, true);
  });
});
