import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, it } from 'node:test';
import type { AppContext } from '../../src/app.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { MonitorService, referenceFromColumns } from '../../src/monitor/service.ts';
import { startServer } from '../../src/server/index.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { storeModelCard } from '../helpers/registration.ts';
import { close, sample, scipyReference } from '../helpers/scipy-reference.ts';
import { rejectsWith } from '../helpers/errors.ts';

const FEATURES = [
  { name: 'amount', dtype: 'float32' },
  { name: 'merchant', dtype: 'string' },
  { name: 'fixed', dtype: 'float64' },
];

function rand(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Reference CSV: a numeric feature, a categorical one, a constant column and the label. */
function referenceCsv(rows: number): string {
  const r = rand(1);
  const lines = ['amount,merchant,fixed,is_fraud'];
  for (let i = 0; i < rows; i++) lines.push(`${(r() * 10).toFixed(4)},${['a', 'b', 'c'][i % 3]},1,${i % 4 === 0 ? 1 : 0}`);
  return `${lines.join('\n')}\n`;
}

function observations(n: number, opts: { shift?: number; merchant?: (i: number) => string; label?: boolean; fixed?: number } = {}): string {
  const r = rand(7);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 4 === 0 ? 1 : 0;
    out.push(JSON.stringify({ features: { amount: r() * 10 + (opts.shift ?? 0), merchant: opts.merchant?.(i) ?? ['a', 'b', 'c'][i % 3], fixed: opts.fixed ?? 1 }, prediction: i % 5 === 0 ? 0.9 : 0.1, ...(opts.label ? { label } : {}), latency_ms: 5 + (i % 10) }));
  }
  return out.join('\n');
}

async function register(app: AppContext, csv: string, opts: { version?: string; name?: string; features?: { name: string; dtype: string }[] } = {}): Promise<void> {
  const { version = '1.0.0', name = 'fraud', features = FEATURES } = opts;
  const files = [];
  for (const [path, content] of Object.entries({ 'w.bin': 'weights', 'data/train.csv': csv })) {
    const r = await app.blobs.put(Readable.from([Buffer.from(content)]));
    files.push({ path, size: r.size, digest: r.digest, format: 'binary' });
  }
  files.push(await storeModelCard(app.blobs));
  await app.registry('alice').registerVersion({
    metadata: {
      name, version, license: 'MIT', source: { repo: 'https://example.com/r.git', commit: 'b'.repeat(40) }, dataset_manifest: 'd.yaml', training_hash: 'c'.repeat(40), artifacts: ['w.bin'],
      features, target: { name: 'is_fraud', dtype: 'int64' }, task: 'binary-classification', metrics: { accuracy: 0.95 },
      lineage: { training_dataset: { name: 'tx', version: '1', path: 'data/train.csv' } },
    },
    files,
  });
}

/** A monitor started now, reading the home's config.yaml and alerts.yaml as they are. */
function startMonitor(app: AppContext): MonitorService {
  return new MonitorService({ db: app.metadata.db, blobs: app.blobs, home: app.settings.home, registry: (actor) => app.registry(actor) }, 'alice');
}

onEachBackend('monitoring service', (backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  let monitor: MonitorService;
  let hooks: Server | undefined;
  beforeEach(async () => {
    app = await backend.open();
    await register(app, referenceCsv(600));
    monitor = await app.monitor('alice');
  });
  afterEach(async () => {
    hooks?.closeAllConnections();
    hooks?.close();
    hooks = undefined;
    await app.dispose();
  });

  it('profiles the training data inside the version and keeps prediction and label apart', async () => {
    const p = await monitor.profileFromVersion('fraud@1.0.0');
    assert.equal(p.rows, 600);
    assert.equal(p.source, 'fraud@1.0.0:data/train.csv');
    assert.deepEqual(p.features.map((f) => [f.name, f.type]), [['amount', 'numeric'], ['merchant', 'categorical'], ['fixed', 'numeric']]);
    assert.equal(p.label, 'is_fraud');
    assert.deepEqual((await monitor.getProfile('fraud@latest')).digest, p.digest);
    const events = await app.registry('alice').events({ model: 'fraud' });
    assert.ok(events.items.some((e) => e.action === 'monitor.profile'));
  });

  it('rejects observations that do not match the signature, naming the field', async () => {
    const ok = { features: { amount: 1, merchant: 'a', fixed: 1 }, prediction: 0.5 };
    const bad = async (line: string, pattern: RegExp): Promise<void> => {
      await rejectsWith(monitor.observe('fraud@1.0.0', `${JSON.stringify(ok)}\n${line}`), 'invalid_input', pattern);
    };
    await bad(JSON.stringify({ ...ok, features: { ...ok.features, extra: 1 } }), /observation 2: features\.extra: is not a feature of the model signature/);
    await bad(JSON.stringify({ ...ok, features: { amount: 1, merchant: 'a' } }), /features\.fixed: is missing/);
    await bad(JSON.stringify({ ...ok, features: { ...ok.features, amount: 'ten' } }), /features\.amount: expected a number/);
    await bad(JSON.stringify({ ...ok, features: { ...ok.features, merchant: 3 } }), /features\.merchant: expected a string/);
    await bad(JSON.stringify({ ...ok, features: { ...ok.features, amount: 'NaN' } }), /features\.amount: expected a number/);
    await bad('{"features": {"amount": NaN, "merchant": "a", "fixed": 1}, "prediction": 1}', /not valid JSON/);
    await bad('{"features": {"amount": 1e999, "merchant": "a", "fixed": 1}, "prediction": 1}', /features\.amount: Infinity is not a finite number/);
    await bad(JSON.stringify({ ...ok, latency_ms: -3 }), /latency_ms/);
    await bad(JSON.stringify({ features: ok.features }), /prediction: is required/);
    await rejectsWith(monitor.drift('fraud@1.0.0'), 'not_found', /no reference profile/);
  });

  it('computes drift, quality and latency on a count window; an empty time window is a clear error', async () => {
    await monitor.profileFromVersion('fraud@1.0.0');
    await rejectsWith(monitor.drift('fraud@1.0.0', { window: '1h' }), 'invalid_input', /window 1h holds no observations/);
    const stored = await monitor.observe('fraud@1.0.0', observations(500, { shift: 5, merchant: (i) => (i % 2 ? 'a' : 'zz-new'), label: true }));
    assert.deepEqual(stored, { model: 'fraud', version: '1.0.0', accepted: 500, labelled: 500 });
    const r = await monitor.drift('fraud@1.0.0', { window: '400' });
    assert.equal(r.window.rows, 400);
    const byName = Object.fromEntries(r.features.map((f) => [f.name, f]));
    assert.equal(byName.amount?.method, 'ks');
    assert.equal(byName.amount?.drifted, true);
    // The unseen category gets the documented epsilon share, so chi-square stays finite and flags it.
    assert.equal(byName.merchant?.method, 'chi2');
    assert.equal(byName.merchant?.drifted, true);
    assert.ok(Number.isFinite(byName.merchant?.statistic));
    // A constant reference column compared with the same constant: no drift, no division by zero.
    assert.equal(byName.fixed?.drifted, false);
    assert.equal(r.driftScore, 2 / 3);
    assert.equal(r.datasetDrift, true);
    assert.equal(r.quality?.task, 'classification');
    // Rows 100-499 are labelled 1 when i % 4 == 0 and predicted 1 when i % 5 == 0: right on the 20 multiples
    // of 20 and on the 400 - (100 + 80 - 20) = 240 rows that are neither, so 260 of 400.
    assert.equal(r.quality?.labelled, 400);
    assert.equal(r.quality?.accuracy, 260 / 400);
    assert.deepEqual(r.latencyMs, { p50: 9.5, p95: 14, p99: 14 });
    assert.equal(r.prediction?.against, 'label');
    const timed = await monitor.drift('fraud@1.0.0', { window: '1h', method: 'psi' });
    assert.equal(timed.window.rows, 500);
    assert.ok(timed.features.every((f) => f.method === 'psi'));
    const shifted = await monitor.observe('fraud@1.0.0', observations(10, { fixed: 2 }));
    assert.equal(shifted.accepted, 10);
    const constant = await monitor.drift('fraud@1.0.0', { window: '10' });
    assert.equal(constant.features.find((f) => f.name === 'fixed')?.drifted, true);
  });

  it('compares each feature with the method of its type or name, as the request or config.yaml gives them', async () => {
    // scipy's ks_2samp and chisquare on the same data: a numeric feature of 15,000 reference rows (where auto
    // would pick Wasserstein) and a binary categorical one (where auto would pick Jensen-Shannon).
    const ks = scipyReference.ks2samp.find((c) => c.name === 'asymp 15000 vs 100') as (typeof scipyReference.ks2samp)[number];
    const chi = scipyReference.chisquare.find((c) => c.name === 'two categories') as (typeof scipyReference.chisquare)[number];
    assert.deepEqual([chi.observed, chi.expected], [[48, 52], [50, 50]]);
    const amountRef = sample(ks.a);
    const amountCur = sample(ks.b);
    assert.equal(amountCur.length, 100);
    await register(app, 'amount,merchant\n1,a\n', { name: 'mixed', features: [{ name: 'amount', dtype: 'float64' }, { name: 'merchant', dtype: 'string' }] });
    const metadata = (await app.registry('alice').getVersion('mixed@1.0.0')).metadata;
    const reference = referenceFromColumns({ amount: amountRef, merchant: Array.from(amountRef, (_, i) => (i % 2 ? 'b' : 'a')) }, metadata);
    await monitor.putProfile('mixed@1.0.0', reference, 'scipy fixture');
    const lines = Array.from(amountCur, (amount, i) => JSON.stringify({ features: { amount, merchant: i < 48 ? 'a' : 'b' }, prediction: 0.5 }));
    await monitor.observe('mixed@1.0.0', lines.join('\n'));

    const expectScipy = (r: Awaited<ReturnType<MonitorService['drift']>>): void => {
      const [amount, merchant] = r.features;
      assert.deepEqual([amount?.name, amount?.method, merchant?.name, merchant?.method], ['amount', 'ks', 'merchant', 'chi2']);
      close(amount?.statistic as number, ks.statistic, 'ks statistic');
      close(amount?.pValue as number, ks.pvalue, 'ks p-value');
      close(merchant?.statistic as number, chi.statistic as number, 'chi2 statistic');
      close(merchant?.pValue as number, chi.pvalue as number, 'chi2 p-value');
      assert.deepEqual(r.features.map((f) => f.drifted), [true, false]);
    };
    const auto = await monitor.drift('mixed@1.0.0', { window: '100' });
    assert.deepEqual(auto.features.map((f) => f.method), ['wasserstein', 'js']);
    assert.equal(auto.method, 'auto');
    const typed = await monitor.drift('mixed@1.0.0', { window: '100', method: 'numeric=ks,categorical=chi2' });
    expectScipy(typed);
    assert.equal(typed.method, 'numeric=ks,categorical=chi2');
    const named = await monitor.drift('mixed@1.0.0', { window: '100', method: 'categorical=chi2, amount=wasserstein' });
    assert.deepEqual(named.features.map((f) => [f.name, f.method]), [['amount', 'wasserstein'], ['merchant', 'chi2']]);
    assert.equal(named.features[0]?.statistic, auto.features[0]?.statistic);
    assert.equal(named.method, 'categorical=chi2,amount=wasserstein');

    // A bare method every feature can take keeps its meaning; one some feature cannot take is refused by name.
    assert.ok((await monitor.drift('mixed@1.0.0', { window: '100', method: 'psi' })).features.every((f) => f.method === 'psi'));
    const refused = await rejectsWith(monitor.drift('mixed@1.0.0', { window: '100', method: 'ks' }), 'invalid_input', /feature "merchant": ks compares numeric features only and this feature is categorical/);
    assert.match(String(refused.details.hint), /numeric=ks,categorical=chi2/);
    await rejectsWith(monitor.drift('mixed@1.0.0', { method: 'numeric=kss' }), 'invalid_input', /entry "numeric=kss": "kss" is not a drift method \(use one of auto, ks, psi, js, wasserstein, chi2, z\)/);
    await rejectsWith(monitor.drift('mixed@1.0.0', { method: 'categorical=ks' }), 'invalid_input', /entry "categorical=ks": ks compares numeric features only \(for categorical features use one of auto, psi, js, chi2, z\)/);
    await rejectsWith(monitor.drift('mixed@1.0.0', { method: 'colour=psi' }), 'invalid_input', /"colour" is neither a feature type \(numeric, categorical, boolean\) nor a feature of the reference \(amount, merchant\)/);
    assert.equal((await monitor.health('mixed')).versions[0]?.driftScores.length, 4, 'refused requests record no window');

    // config.yaml's spec applies when a request gives none; a request's spec replaces it.
    writeFileSync(join(app.home, 'config.yaml'), 'monitoring:\n  method: numeric=ks,categorical=chi2\n');
    const configured = startMonitor(app);
    expectScipy(await configured.drift('mixed@1.0.0', { window: '100' }));
    assert.deepEqual((await configured.drift('mixed@1.0.0', { window: '100', method: 'auto' })).features.map((f) => f.method), ['wasserstein', 'js']);
    writeFileSync(join(app.home, 'config.yaml'), 'monitoring:\n  method: {amount: ks}\n');
    assert.throws(() => startMonitor(app), /config\.yaml: monitoring\.method: entry "amount=ks": "amount" is not a feature type \(use one of numeric, categorical, boolean\)/);
  });

  it('a newly started server reports the stored drift score and accuracy before any new window', async () => {
    await monitor.profileFromVersion('fraud@1.0.0');
    await monitor.observe('fraud@1.0.0', observations(500, { shift: 5, label: true }));
    const labelled = await monitor.drift('fraud@1.0.0', { window: '400' });
    await monitor.observe('fraud@1.0.0', observations(100));
    const unlabelled = await monitor.drift('fraud@1.0.0', { window: '100' });
    assert.equal(unlabelled.quality, null);
    assert.notEqual(unlabelled.driftScore, labelled.driftScore);
    // A fresh server (its own metrics registry, as after a restart) over the same database.
    const running = await startServer(app, { host: '127.0.0.1', port: 0, logger: false });
    const token = (await app.identity('ops').bootstrapAdmin('ops'))!.token;
    const auth = { authorization: `Bearer ${token}` };
    try {
      const text = await (await fetch(`${running.url}/metrics`, { headers: auth })).text();
      const line = (metric: string): string | undefined => text.split('\n').find((l) => l.startsWith(`${metric}{model="fraud",version="1.0.0"}`));
      // The drift score of the latest window, the accuracy of the latest labelled one.
      assert.equal(line('modelvault_drift_score'), `modelvault_drift_score{model="fraud",version="1.0.0"} ${unlabelled.driftScore}`);
      assert.equal(line('modelvault_prediction_accuracy'), `modelvault_prediction_accuracy{model="fraud",version="1.0.0"} ${labelled.quality?.accuracy}`);
      // A live window replaces the stored value.
      const res = await fetch(`${running.url}/api/v1/models/fraud/versions/1.0.0/drift`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ window: '400' }) });
      assert.equal(res.status, 200, await res.text());
      const after = await (await fetch(`${running.url}/metrics`, { headers: auth })).text();
      assert.ok(after.includes(`modelvault_drift_score{model="fraud",version="1.0.0"} ${labelled.driftScore}`), after);
    } finally {
      await running.close();
    }
  });

  it('fires an alert once as an audit event, delivers it to the webhook, resolves it, and reports health', async () => {
    const received: string[] = [];
    let calls = 0;
    hooks = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        calls++;
        received.push(Buffer.concat(chunks).toString());
        res.writeHead(calls === 1 ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => hooks!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/alerts`;
    writeFileSync(join(app.home, 'config.yaml'), `monitoring:\n  webhooks:\n    - url: ${url}\n      secret: a-secret-of-enough-length\n      backoff_ms: 10\n`);
    writeFileSync(join(app.home, 'alerts.yaml'), 'alerts:\n  - name: ModelDriftDetected\n    condition: drift_score > 0.2\n    severity: critical\n  - name: ModelAccuracyDrop\n    condition: accuracy < baseline * 0.9\n    severity: warning\n  - name: ModelLatencyHigh\n    condition: latency_p95 > 1000ms\n    severity: warning\n');
    monitor = startMonitor(app);
    await monitor.profileFromVersion('fraud@1.0.0');
    await monitor.observe('fraud@1.0.0', observations(300, { shift: 5 }));
    const first = await monitor.drift('fraud@1.0.0', { window: '300' });
    assert.deepEqual(first.alerts.firing.map((a) => [a.name, a.new]), [['ModelDriftDetected', true]]);
    assert.deepEqual(first.alerts.notEvaluated.map((n) => n.name), ['ModelAccuracyDrop']);
    assert.deepEqual(first.alerts.firing[0]?.deliveries.map((d) => [d.delivered, d.attempts]), [[true, 2]]);
    assert.equal(JSON.parse(received[1] ?? '{}').alert, 'ModelDriftDetected');
    const again = await monitor.drift('fraud@1.0.0', { window: '300' });
    assert.equal(again.alerts.firing[0]?.new, false);
    assert.equal(calls, 2);
    const events = (await app.registry('alice').events({ model: 'fraud' })).items.filter((e) => e.action === 'alert.fire');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.payload.rule, 'ModelDriftDetected');
    assert.equal((await app.audit.verify()).ok, true);
    const health = await monitor.health('fraud');
    assert.equal(health.openAlerts.length, 1);
    assert.equal(health.versions[0]?.observations, 300);
    assert.equal(health.versions[0]?.adoption, 1);
    assert.equal(health.versions[0]?.driftScores.length, 2);
    await monitor.observe('fraud@1.0.0', observations(300));
    const calm = await monitor.drift('fraud@1.0.0', { window: '300' });
    assert.deepEqual(calm.alerts.resolved, ['ModelDriftDetected']);
    assert.equal((await monitor.health('fraud')).openAlerts.length, 0);
  });

  it('reports health per version, newest version first, with the latest 50 windows of each', async () => {
    await register(app, referenceCsv(600), { version: '1.1.0' });
    for (const v of ['1.0.0', '1.1.0']) await monitor.profileFromVersion(`fraud@${v}`);
    await monitor.observe('fraud@1.0.0', observations(300, { shift: 5 }));
    await monitor.observe('fraud@1.1.0', observations(100));
    const older: number[] = [];
    for (let i = 0; i < 52; i++) older.push((await monitor.drift('fraud@1.0.0', { window: String(100 + i) })).window.rows);
    await monitor.drift('fraud@1.1.0', { window: '100' });
    const health = await monitor.health('fraud');
    assert.deepEqual(health.versions.map((v) => [v.version, v.observations, v.adoption]), [['1.1.0', 100, 0.25], ['1.0.0', 300, 0.75]]);
    assert.deepEqual(health.versions[0]?.driftScores.map((d) => d.window), ['100']);
    assert.deepEqual(health.versions[1]?.driftScores.map((d) => d.window), older.slice(2).map(String));
    assert.equal(health.versions[1]?.driftScores.every((d) => d.driftScore > 0), true);
    await rejectsWith(monitor.health('nope'), 'not_found', /nope/);
  });

  it('refuses to start with an alert condition that does not parse, giving the column', async () => {
    writeFileSync(join(app.home, 'alerts.yaml'), 'alerts:\n  - name: Broken\n    condition: drift_score > > 0.2\n    severity: critical\n');
    assert.throws(() => startMonitor(app), (e: ModelVaultError) => e.code === 'invalid_input' && /alerts\.yaml/.test(e.message) && e.details.column === 15);
  });
});
