import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { detectDrift, parseMethodSpec } from '../../src/monitor/index.ts';
import { useCliTarget } from '../helpers/cli.ts';
import { makeModelDir } from '../helpers/model-dir.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/fraud-detector', import.meta.url));

function observationLines(n: number, shift: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = ((i * 7919) % 1000) / 500 - 1;
    out.push(JSON.stringify({ features: { amount_log_z: x + shift, merchant_risk: (i % 10) / 10, hour_of_day_sin: Math.sin(i), velocity_24h_z: x / 2 }, prediction: i % 5 === 0 ? 0.8 : 0.2, label: i % 5 === 0 ? 1 : 0, latency_ms: 3 + (i % 7) }));
  }
  return `${out.join('\n')}\n`;
}

/** A numeric and a categorical (two-valued) feature: reference rows and a shifted current window. */
function mixedColumns(n: number, shift: number): { amount: number[]; merchant: string[] } {
  const amount = Array.from({ length: n }, (_, i) => ((i * 37) % n) / 20 + shift);
  const merchant = Array.from({ length: n }, (_, i) => (i % (shift > 0 ? 5 : 2) === 0 ? 'store' : 'online'));
  return { amount, merchant };
}

for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault drift --method per feature type (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-methods', { prepare: (home) => writeFileSync(join(home, 'config.yaml'), 'monitoring:\n  method: numeric=wasserstein,categorical=chi2\n') });
    const cli = t.cli;
    const reference = mixedColumns(200, 0);
    const current = mixedColumns(150, 3);

    it('uses config.yaml, then --method per type and per feature, and refuses what a feature cannot take', async () => {
      const { dir } = makeModelDir({ name: 'card-risk', root: join(t.work, 'model'), extra: { features: [{ name: 'amount', dtype: 'float64' }, { name: 'merchant', dtype: 'string' }] } });
      assert.equal((await cli('push', dir)).code, 0);
      const csv = join(t.work, 'reference.csv');
      writeFileSync(csv, `amount,merchant\n${reference.amount.map((a, i) => `${a},${reference.merchant[i]}`).join('\n')}\n`);
      const profiled = await cli('profile', 'card-risk@1.0.0', '--data', csv);
      assert.equal(profiled.code, 0, profiled.stderr);
      const obs = join(t.work, 'current.jsonl');
      writeFileSync(obs, current.amount.map((amount, i) => JSON.stringify({ features: { amount, merchant: current.merchant[i] }, prediction: 0 })).join('\n'));
      assert.equal((await cli('observe', 'card-risk@1.0.0', '--data', obs)).code, 0);

      const drift = async (...args: string[]): Promise<{ method: string; features: { name: string; method: string; statistic: number; pValue?: number }[] }> => {
        const r = await cli('drift', 'card-risk@1.0.0', '--json', ...args);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        return r.json as { method: string; features: { name: string; method: string; statistic: number; pValue?: number }[] };
      };
      const methods = (r: { features: { name: string; method: string }[] }): string[][] => r.features.map((f) => [f.name, f.method]);
      const configured = await drift();
      assert.equal(configured.method, 'numeric=wasserstein,categorical=chi2');
      assert.deepEqual(methods(configured), [['amount', 'wasserstein'], ['merchant', 'chi2']]);
      const typed = await drift('--method', 'numeric=ks,categorical=chi2');
      assert.deepEqual(methods(typed), [['amount', 'ks'], ['merchant', 'chi2']]);
      // The same statistics as drift over the raw columns in this process.
      const expected = detectDrift(reference, current, { method: parseMethodSpec('numeric=ks,categorical=chi2') });
      assert.deepEqual(typed.features.map((f) => [f.statistic, f.pValue]), expected.features.map((f) => [f.statistic, f.pValue]));
      assert.deepEqual(methods(await drift('--method', 'auto')), [['amount', 'ks'], ['merchant', 'z']]);
      // A request's spec replaces config.yaml's: what it leaves out gets auto.
      assert.deepEqual(methods(await drift('--method', 'amount=psi')), [['amount', 'psi'], ['merchant', 'z']]);
      assert.deepEqual(methods(await drift('--method', 'js')), [['amount', 'js'], ['merchant', 'js']]);
      const text = await cli('drift', 'card-risk@1.0.0', '--method', 'numeric=ks,categorical=chi2');
      assert.match(text.stdout, /^amount +numeric +ks /m);
      assert.match(text.stdout, /^merchant +categorical +chi2 /m);

      const refused = async (method: string, pattern: RegExp): Promise<void> => {
        const r = await cli('drift', 'card-risk@1.0.0', '--method', method);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, pattern);
      };
      await refused('ks', /error\[invalid_input\]: feature "merchant": ks compares numeric features only and this feature is categorical\n {2}hint: give a method per type: numeric=ks \(auto for the other types\) or numeric=ks,categorical=chi2/);
      await refused('categorical=ks', /error\[invalid_input\]: method: entry "categorical=ks": ks compares numeric features only \(for categorical features use one of auto, psi, js, chi2, z\)/);
      await refused('numeric=magic', /"magic" is not a drift method \(use one of auto, ks, psi, js, wasserstein, chi2, z\)/);
      await refused('numerc=ks', /"numerc" is neither a feature type \(numeric, categorical, boolean\) nor a feature of the reference \(amount, merchant\)/);
    });
  });

  describe(`modelvault monitoring CLI (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-mon', { prepare: (home) => writeFileSync(join(home, 'alerts.yaml'), 'alerts:\n  - name: ModelDriftDetected\n    condition: drift_score > 0.2\n    severity: critical\n') });
    const cli = t.cli;
    before(async () => {
      const pushed = await cli('push', EXAMPLE, '--json');
      assert.equal(pushed.code, 0, pushed.stdout + pushed.stderr);
    });

    it('profiles, observes, detects drift, fires an alert and shows health', async () => {
      const profile = await cli('profile', 'fraud-detector@1.0.0', '--json');
      assert.equal(profile.code, 0, profile.stdout + profile.stderr);
      assert.equal((profile.json as { source: string }).source, 'fraud-detector@1.0.0:data/eval.csv');
      assert.equal((profile.json as { label: string }).label, 'is_fraud');
      const fromFile = await cli('profile', 'fraud-detector@1.0.0', '--data', join(EXAMPLE, 'data', 'eval.csv'));
      assert.equal(fromFile.code, 0, fromFile.stderr);
      assert.match(fromFile.stdout, /reference profile of 400 rows from eval\.csv/);

      const empty = await cli('drift', 'fraud-detector@1.0.0', '--window', '1h');
      assert.equal(empty.code, 2);
      assert.match(empty.stderr, /window 1h holds no observations/);

      const bad = join(t.work, 'bad.jsonl');
      writeFileSync(bad, '{"features": {"amount_log_z": 1, "merchant_risk": 0.1, "hour_of_day_sin": 0, "colour": "red"}, "prediction": 1}\n');
      const refused = await cli('observe', 'fraud-detector@1.0.0', '--data', bad);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /features\.colour: is not a feature of the model signature/);

      const data = join(t.work, 'obs.jsonl');
      writeFileSync(data, observationLines(1000, 2));
      const observed = await cli('observe', 'fraud-detector@1.0.0', '--data', data, '--json');
      assert.equal(observed.code, 0, observed.stderr);
      assert.deepEqual(observed.json, { model: 'fraud-detector', version: '1.0.0', accepted: 1000, labelled: 1000 });

      const drift = await cli('drift', 'fraud-detector@1.0.0', '--window', '1000', '--json');
      assert.equal(drift.code, 0, drift.stdout + drift.stderr);
      const report = drift.json as { features: { name: string; method: string; drifted: boolean }[]; driftScore: number; quality: { accuracy: number }; alerts: { firing: { name: string }[] } };
      assert.equal(report.features.find((f) => f.name === 'amount_log_z')?.drifted, true);
      // KS: hour_of_day_sin (sin of the row number) stays within the reference's spread (p ≈ 0.095); the shifted
      // amount and the synthetic merchant_risk and velocity_24h_z do not, so 3 of 4 features drift.
      assert.deepEqual(report.features.filter((f) => f.drifted).map((f) => f.name), ['amount_log_z', 'merchant_risk', 'velocity_24h_z']);
      assert.equal(report.driftScore, 3 / 4);
      assert.equal(report.features[0]?.method, 'ks');
      assert.equal(report.quality.accuracy, 1);
      assert.deepEqual(report.alerts.firing.map((a) => a.name), ['ModelDriftDetected']);
      const text = await cli('drift', 'fraud-detector@1.0.0', '--method', 'psi', '--fail-on-drift');
      assert.equal(text.code, 1);
      assert.match(text.stdout, /dataset drift: YES/);
      assert.match(text.stdout, /dataset drift: YES \(drift score 1\.0000: 4 of 4 features\)/);
      const badMethod = await cli('drift', 'fraud-detector@1.0.0', '--method', 'magic');
      assert.equal(badMethod.code, 2);

      const health = await cli('health', 'fraud-detector', '--json');
      assert.equal(health.code, 0, health.stderr);
      const h = health.json as { versions: { observations: number; latencyMs: { p50: number } }[]; openAlerts: { name: string }[] };
      assert.equal(h.versions[0]?.observations, 1000);
      assert.equal(h.versions[0]?.latencyMs.p50, 6);
      assert.deepEqual(h.openAlerts.map((a) => a.name), ['ModelDriftDetected']);

      if (t.server) {
        const metrics = await (await fetch(`${t.server.url}/metrics`, { headers: { authorization: `Bearer ${t.env.MODELVAULT_TOKEN}` } })).text();
        assert.match(metrics, /modelvault_prediction_latency_seconds_count\{model="fraud-detector",version="1\.0\.0"\} 1000/);
        // The gauge holds the latest window's score: the PSI run, which flags all 4 features (4 / 4), not the KS run's 3 / 4.
        assert.match(metrics, /^modelvault_drift_score\{model="fraud-detector",version="1\.0\.0"\} 1$/m);
        assert.match(metrics, /modelvault_prediction_accuracy\{model="fraud-detector",version="1\.0\.0"\} 1/);
        assert.match(metrics, /modelvault_http_requests_total/);
      }
    });
  });
}
