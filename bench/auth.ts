import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cannon, populate } from './api.ts';
import { median, type BenchResult } from './lib.ts';
import { startServeProcess } from './server-process.ts';

/**
 * The same reads through each registry's request pipeline in this process (`inject`: no sockets, no load
 * generator), alternating blocks of 5,000: what the access hooks add to a request, free of network noise.
 */
async function injectCost(secured: string, open: string, token: string, paths: string[]): Promise<{ on: number; off: number }> {
  const [{ openApp, resolveSettings }, { buildServer }] = await Promise.all([import('../src/app.ts'), import('../src/server/index.ts')]);
  const apps = await Promise.all([secured, open].map((home) => openApp(resolveSettings({ home }, {}))));
  try {
    const servers = await Promise.all(apps.map((app) => buildServer(app)));
    const headers = [{ authorization: `Bearer ${token}` }, {}];
    const block = async (i: number): Promise<number> => {
      const t = performance.now();
      for (let n = 0; n < 5000; n++) {
        const r = await servers[i]!.inject({ method: 'GET', url: paths[n % paths.length]!, headers: headers[i] });
        if (r.statusCode !== 200) throw new Error(`GET ${paths[n % paths.length]}: ${r.statusCode}`);
      }
      return ((performance.now() - t) * 1000) / 5000;
    };
    await block(0);
    await block(1);
    const on: number[] = [];
    const off: number[] = [];
    for (let round = 0; round < 6; round++) {
      on.push(await block(0));
      off.push(await block(1));
    }
    await Promise.all(servers.map((s) => s.close()));
    return { on: median(on), off: median(off) };
  } finally {
    await Promise.all(apps.map((a) => a.close()));
  }
}

/**
 * What authentication and authorization cost a registry read: the same populated registry served twice, once
 * with access control (every request carries an API token, checked against its role) and once with
 * `auth.enabled: false`, loaded in alternating rounds at 64 connections so both see the same machine.
 */
export async function benchAuthOverhead(dir: string, total: number): Promise<BenchResult[]> {
  const secured = join(dir, 'secured');
  const open = join(dir, 'open');
  await populate(secured, total);
  cpSync(secured, open, { recursive: true });
  writeFileSync(join(open, 'config.yaml'), 'auth:\n  enabled: false\n');
  const perModel = Math.ceil(total / 1000);
  const paths = Array.from({ length: 256 }, (_, i) => `/api/v1/models/model-${String((i * 37) % 1000).padStart(4, '0')}/versions/1.0.${(i * 13) % perModel}`);
  const seconds = Number(process.env.BENCH_API_SECONDS ?? 10);
  const withAuth = await startServeProcess(secured, {}, 0);
  const without = await startServeProcess(open, {}, 0);
  const token = withAuth.token;
  const on: { rps: number; p99: number }[] = [];
  const off: { rps: number; p99: number }[] = [];
  try {
    if ((await fetch(withAuth.url + paths[0])).status !== 401) throw new Error('the secured server answered a request without a token');
    if (!(await fetch(withAuth.url + paths[0], { headers: { authorization: `Bearer ${token}` } })).ok) throw new Error('the secured server refused its administrator');
    await cannon(withAuth.url, paths, 2, token);
    await cannon(without.url, paths, 2);
    for (let round = 0; round < 5; round++) {
      const a = await cannon(withAuth.url, paths, seconds, token);
      const b = await cannon(without.url, paths, seconds);
      if (a.non2xx + a.errors + b.non2xx + b.errors > 0) throw new Error(`auth benchmark saw failures: ${JSON.stringify({ a, b })}`);
      on.push(a);
      off.push(b);
    }
  } finally {
    await withAuth.stop();
    await without.stop();
  }
  const inject = await injectCost(secured, open, token, paths);
  const rpsOn = median(on.map((r) => r.rps));
  const rpsOff = median(off.map((r) => r.rps));
  const p99On = median(on.map((r) => r.p99));
  const p99Off = median(off.map((r) => r.p99));
  const rpsRatio = rpsOn / rpsOff;
  const p99Ratio = p99On / p99Off;
  return [
    { name: `GET version by reference with an API token, ${total.toLocaleString('en')} versions, 64 connections: throughput`, value: `${Math.round(rpsOn)} req/s`, baseline: `auth off ${Math.round(rpsOff)} req/s`, ratio: rpsRatio, target: '≥ 0.95', pass: rpsRatio >= 0.95 },
    { name: 'GET version by reference with an API token: p99', value: `${p99On} ms`, baseline: `auth off ${p99Off} ms`, ratio: p99Ratio, target: '≤ 1.05', pass: p99Ratio <= 1.05 },
    { name: 'GET version by reference with an API token, in-process (Fastify inject, no sockets): time per request', value: `${inject.on.toFixed(1)} µs`, baseline: `auth off ${inject.off.toFixed(1)} µs`, ratio: inject.on / inject.off, target: '≤ 1.05', pass: inject.on / inject.off <= 1.05 },
  ];
}
