import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import type { GateResult, GatesReport } from '../../src/evaluation/index.ts';
import { NO_APPROVALS } from '../helpers/registry-home.ts';
import { onEachBackend, type Backend } from '../helpers/backends.ts';
import { BINARY_METADATA, fixture, pushOnnx, sklearnReference } from '../helpers/evaluation.ts';

type App = Awaited<ReturnType<Backend['open']>>;
const DATA = { path: fixture('binary.csv') };
const UP = ['validation', 'staging', 'production'] as const;

function gate(r: GatesReport, name: string): GateResult {
  const g = r.gates.find((x) => x.name === name);
  assert.ok(g, `no ${name} in ${r.gates.map((x) => x.name).join(', ')}`);
  return g;
}

const GATES_YAML = `quality_gates:
  schema_validation:
    required: true
    timeout: "5m"
  security_scan:
    required: true
    max_vulnerabilities: 0
  smoke_test:
    required: true
  performance_validation:
    required: true
    accuracy_threshold: 0.95
    latency_threshold: 1.1
    memory_threshold: 1.2
  integration_tests:
    required: true
    success_rate: 1.0
performance_thresholds:
  accuracy:
    critical: 0.85
    warning: 0.92
`;

onEachBackend('evaluation and quality gates', (backend) => {
  let app: App;

  before(async () => {
    // Production approvals are not what these tests are about.
    app = await backend.open(NO_APPROVALS);
    // 1.0.0 is in production: the baseline of every candidate below.
    await pushOnnx(app, 'clf', '1.0.0', 'binary_base', { ...BINARY_METADATA, metrics: { accuracy: 0.95, f1_score: 0.9113 } });
    for (const s of UP) await app.registry('alice').setStage('clf@1.0.0', s);
    await pushOnnx(app, 'clf', '2.0.0', 'binary_worse');
    await pushOnnx(app, 'clf', '3.0.0', 'binary_slow');
    await pushOnnx(app, 'clf', '4.0.0', 'binary_good');
    await pushOnnx(app, 'clf', '5.0.0', 'binary_nan');
  });
  after(async () => app.dispose());

  it('evaluate measures the stored model, reports claims that differ, and stores measured evidence', async () => {
    const ev = await app.evaluation('alice');
    const r = await ev.evaluate('clf@production', { data: DATA, batchSize: 256 });
    assert.equal(r.reference, 'clf@1.0.0');
    assert.equal(r.data.target, 'label', 'the target comes from the metadata');
    assert.equal(r.data.rows, 1500);
    assert.match(r.data.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal((r.result.metrics as { accuracy: number }).accuracy, sklearnReference.binary.binary_base.accuracy);
    assert.equal(r.claims.checked, 2);
    assert.deepEqual(r.claims.differences.map((d) => [d.claimedAs, d.claimed]), [['accuracy', 0.95]], 'the claimed F1 is within the tolerance; the accuracy is not');
    const stored = await app.registry('alice').listEvidence('clf@1.0.0', 'evaluation');
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.id, r.evidenceId);
    assert.equal((stored[0]!.body as { manifestDigest: string }).manifestDigest, (await app.registry('alice').getVersion('clf@1.0.0')).manifestDigest);
  });

  it('evaluate with a baseline reports both and the differences', async () => {
    const r = await (await app.evaluation('alice')).evaluate('clf@4.0.0', { data: DATA, baseline: 'clf@1.0.0', batchSize: 500 });
    assert.equal(r.baseline?.reference, 'clf@1.0.0');
    const d = r.baseline!.delta.accuracy!;
    assert.ok(Math.abs(d - (sklearnReference.binary.binary_good.accuracy - sklearnReference.binary.binary_base.accuracy)) < 1e-12, String(d));
  });

  it('clients cannot send evaluation or gate evidence', async () => {
    for (const kind of ['evaluation', 'gates']) {
      await assert.rejects(app.registry('mallory').addEvidence('clf@2.0.0', { kind, body: { runner: 'modelvault-gates', passed: true } }), (e: ModelVaultError) => e.code === 'forbidden' && e.details.field === 'kind');
    }
  });

  it('a model that got worse (accuracy −12 % against production) fails the performance gate', async () => {
    const r = await (await app.evaluation('alice')).runGates('clf@2.0.0', { data: DATA, batchSize: 500 });
    assert.equal(r.baseline?.reference, 'clf@1.0.0', 'the baseline is the production version');
    assert.equal(r.passed, false);
    const perf = gate(r, 'performance_validation');
    assert.equal(perf.status, 'failed');
    assert.match(perf.reason, /accuracy 0\.7973 is below 0\.8639 \(0\.95 × baseline 0\.9093\)/);
    assert.match(perf.reason, /crosses the critical threshold 0\.85/);
    for (const g of ['schema_validation', 'security_scan', 'smoke_test', 'integration_tests']) assert.equal(gate(r, g).status, 'passed', `${g}: ${gate(r, g).reason}`);
  });

  it('a slower model (a heavy branch that adds nothing) fails on latency', async () => {
    const r = await (await app.evaluation('alice')).runGates('clf@3.0.0', { data: DATA, batchSize: 500 });
    const perf = gate(r, 'performance_validation');
    assert.equal(perf.status, 'failed');
    assert.match(perf.reason, /^p95 batch latency [\d.]+ ms is above [\d.]+ ms \(1\.1 × baseline/);
    const checks = (perf.measured as { checks: { check: string; candidate: number; baseline: number; passed: boolean }[] }).checks;
    const latency = checks.find((c) => c.check === 'latency_p95_ms')!;
    assert.ok(latency.candidate > 1.2 * latency.baseline, JSON.stringify(latency));
    assert.equal(checks.find((c) => c.check === 'accuracy')?.passed, true, 'its predictions equal the good model\'s');
  });

  it('a better model passes every gate, with the evidence naming content, settings, baseline and data', async () => {
    const r = await (await app.evaluation('alice')).runGates('clf@4.0.0', { data: DATA, batchSize: 500 });
    assert.equal(r.passed, true, r.gates.map((g) => `${g.name}: ${g.reason}`).join('\n'));
    assert.deepEqual(r.gates.map((g) => g.status), ['passed', 'passed', 'passed', 'passed', 'passed']);
    assert.equal(r.configSource, 'defaults');
    const v = await app.registry('alice').getVersion('clf@4.0.0');
    assert.equal(r.manifestDigest, v.manifestDigest);
    assert.equal(r.baseline?.manifestDigest, (await app.registry('alice').getVersion('clf@1.0.0')).manifestDigest);
    assert.equal(r.data?.rows, 1500);
    const stored = await app.registry('alice').listEvidence('clf@4.0.0', 'gates');
    assert.equal(stored.at(-1)!.id, r.evidenceId);
    assert.equal((stored.at(-1)!.body as GatesReport).passed, true);
    assert.ok((await app.registry('alice').listEvidence('clf@4.0.0', 'scan')).length >= 2, 'the security gate re-scanned the stored files');
  });

  it('the smoke test fails when the model returns NaN, with data and with a generated sample', async () => {
    const ev = await app.evaluation('alice');
    for (const data of [DATA, undefined]) {
      const r = await ev.runGates('clf@5.0.0', data ? { data } : {});
      const smoke = gate(r, 'smoke_test');
      assert.equal(smoke.status, 'failed');
      assert.match(smoke.reason, /output "probability" holds NaN/);
      assert.equal((smoke.measured as { sample: string }).sample, data ? 'data' : 'generated');
      assert.equal(gate(r, 'integration_tests').status, 'failed');
    }
  });

  it('without data the performance gate cannot measure and fails (it is required)', async () => {
    const r = await (await app.evaluation('alice')).runGates('clf@4.0.0', {});
    assert.equal(gate(r, 'performance_validation').status, 'failed');
    assert.match(gate(r, 'performance_validation').reason, /needs evaluation data: pass --data FILE/);
    assert.equal(gate(r, 'smoke_test').status, 'passed');
    assert.equal(r.passed, false);
  });

  it('gates.yaml present: staging needs a passing gate run for the exact content, and a changed gates.yaml needs a new run', async () => {
    const reg = app.registry('alice');
    await reg.setStage('clf@4.0.0', 'validation');
    await reg.setStage('clf@2.0.0', 'validation');
    writeFileSync(join(app.home, 'gates.yaml'), GATES_YAML);
    const ev = await app.evaluation('alice');
    // The newest run of 4.0.0 (without data) failed, and it ran with the defaults, not this file.
    await assert.rejects(reg.setStage('clf@4.0.0', 'staging'), (e: ModelVaultError) => e.code === 'gate_failed' && /gates\.yaml changed since the gates last ran/.test(e.message));
    await pushOnnx(app, 'clf', '6.0.0', 'binary_good', { ...BINARY_METADATA, description: 'same weights, new version' });
    await reg.setStage('clf@6.0.0', 'validation');
    await assert.rejects(reg.setStage('clf@6.0.0', 'staging'), (e: ModelVaultError) => {
      assert.equal(e.code, 'gate_failed');
      assert.match(e.message, /^clf@6\.0\.0 cannot enter staging: no gate results for its content sha256:[0-9a-f]{64} \(required: schema_validation, security_scan, smoke_test, performance_validation, integration_tests\)/);
      assert.match(String(e.details.hint), /modelvault gates run clf@6\.0\.0 --data FILE/);
      return true;
    });
    const worse = await ev.runGates('clf@2.0.0', { data: DATA, batchSize: 500 });
    assert.equal(worse.configSource, join(app.home, 'gates.yaml'));
    await assert.rejects(reg.setStage('clf@2.0.0', 'staging'), (e: ModelVaultError) => e.code === 'gate_failed' && /cannot enter staging: performance_validation failed: accuracy 0\.7973 is below/.test(e.message) && (e.details.failed as string[]).join() === 'performance_validation');
    const good = await ev.runGates('clf@4.0.0', { data: DATA, batchSize: 500 });
    assert.equal(good.passed, true, good.gates.map((g) => `${g.name}: ${g.reason}`).join('\n'));
    assert.deepEqual(good.warnings, [], 'accuracy 0.94 is above the 0.92 warning level');
    await reg.setStage('clf@4.0.0', 'staging');
    await reg.setStage('clf@4.0.0', 'production');
    assert.equal((await reg.getVersion('clf@production')).version, '4.0.0');
    // A stricter gates.yaml invalidates the run: production was entered; staging again needs a new run.
    writeFileSync(join(app.home, 'gates.yaml'), GATES_YAML.replace('accuracy_threshold: 0.95', 'accuracy_threshold: 0.99'));
    await assert.rejects(reg.setStage('clf@4.0.0', 'staging'), (e: ModelVaultError) => e.code === 'gate_failed' && /changed since the gates last ran/.test(e.message));
    // Rolling back is not gated: the previous production version held the stage before.
    const rolled = await reg.rollback('clf');
    assert.equal(rolled.version, '1.0.0');
  });

  it('stages gates.yaml does not enforce stay open, and `enforce` picks them', async () => {
    writeFileSync(join(app.home, 'gates.yaml'), `${GATES_YAML}enforce: [production]\n`);
    const reg = app.registry('alice');
    await pushOnnx(app, 'other', '1.0.0', 'binary_good');
    for (const s of ['validation', 'staging'] as const) await reg.setStage('other@1.0.0', s);
    await assert.rejects(reg.setStage('other@1.0.0', 'production'), (e: ModelVaultError) => e.code === 'gate_failed' && /no gate results/.test(e.message));
  });
});

describe('without gates.yaml nothing is enforced', () => {
  it('a version without any gate run is promoted to production', async () => {
    const { openHomeWithConfig } = await import('../helpers/registry-home.ts');
    const app = await openHomeWithConfig(NO_APPROVALS);
    try {
      await pushOnnx(app, 'free', '1.0.0', 'binary_nan');
      for (const s of UP) await app.registry('alice').setStage('free@1.0.0', s);
      assert.equal((await app.registry('alice').getVersion('free@production')).version, '1.0.0');
    } finally {
      await app.dispose();
    }
  });
});
