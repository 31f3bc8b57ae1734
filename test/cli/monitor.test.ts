import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useCliTarget } from '../helpers/cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/fraud-detector', import.meta.url));

function observationLines(n: number, shift: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = ((i * 7919) % 1000) / 500 - 1;
    out.push(JSON.stringify({ features: { amount_log_z: x + shift, merchant_risk: (i % 10) / 10, hour_of_day_sin: Math.sin(i), velocity_24h_z: x / 2 }, prediction: i % 5 === 0 ? 0.8 : 0.2, label: i % 5 === 0 ? 1 : 0, latency_ms: 3 + (i % 7) }));
  }
  return `${out.join('\n')}\n`;
}

for (const mode of ['embedded', 'remote'] as const) {
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
        const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
        assert.match(metrics, /modelvault_prediction_latency_seconds_count\{model="fraud-detector",version="1\.0\.0"\} 1000/);
        // The gauge holds the latest window's score: the PSI run, which flags all 4 features (4 / 4), not the KS run's 3 / 4.
        assert.match(metrics, /^modelvault_drift_score\{model="fraud-detector",version="1\.0\.0"\} 1$/m);
        assert.match(metrics, /modelvault_prediction_accuracy\{model="fraud-detector",version="1\.0\.0"\} 1/);
        assert.match(metrics, /modelvault_http_requests_total/);
      }
    });
  });
}
