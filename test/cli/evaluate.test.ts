import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BINARY_METADATA, fixture, sklearnReference } from '../helpers/evaluation.ts';
import { useCliTarget } from '../helpers/cli.ts';
import { NO_APPROVALS } from '../helpers/registry-home.ts';
import { makeModelDir } from '../helpers/model-dir.ts';

const DATA = fixture('binary.csv');
const DATA_DIGEST = `sha256:${createHash('sha256').update(readFileSync(DATA)).digest('hex')}`;
const GATES_YAML = 'quality_gates:\n  schema_validation:\n  smoke_test:\n  performance_validation:\n    accuracy_threshold: 0.95\n  integration_tests:\n    success_rate: 1.0\n';

for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault evaluate and gates run (${mode})`, () => {
    // Production approvals are not what these tests are about.
    const t = useCliTarget(mode, `mv-eval-${mode}`, { prepare: (home) => writeFileSync(join(home, 'config.yaml'), NO_APPROVALS) });

    const push = async (version: string, model: string, extra: Record<string, unknown> = {}): Promise<void> => {
      const { dir } = makeModelDir({ name: 'clf', version, root: join(t.work, `clf-${version}`), files: { 'model.onnx': readFileSync(fixture(`${model}.onnx`)) }, extra: { ...BINARY_METADATA, ...extra } });
      const r = await t.cli('push', dir, '--json');
      assert.equal(r.code, 0, r.stderr);
    };

    it('evaluates the stored model, shows the claims that differ and records measured evidence', async () => {
      await push('1.0.0', 'binary_base', { metrics: { accuracy: 0.95 } });
      for (const s of ['validation', 'staging', 'production']) assert.equal((await t.cli('stage', 'clf@1.0.0', s)).code, 0);
      const r = await t.cli('evaluate', 'clf@1.0.0', '--data', DATA, '--batch-size', '256', '--json');
      assert.equal(r.code, 0, r.stderr);
      const report = r.json as { reference: string; data: { digest: string; rows: number }; result: { metrics: { accuracy: number } }; claims: { differences: { claimedAs: string }[] }; evidenceId: number };
      assert.equal(report.reference, 'clf@1.0.0');
      assert.equal(report.data.digest, DATA_DIGEST, 'the evidence names the exact bytes evaluated');
      assert.equal(report.result.metrics.accuracy, sklearnReference.binary.binary_base.accuracy);
      assert.deepEqual(report.claims.differences.map((d) => d.claimedAs), ['accuracy']);
      const text = await t.cli('evaluate', 'clf@1.0.0', '--data', DATA, '--fail-on-claims');
      assert.equal(text.code, 1, 'a claim that differs is a failed check with --fail-on-claims');
      assert.match(text.stdout, /^accuracy +0\.9093$/m);
      assert.match(text.stdout, /CLAIM DIFFERS accuracy in metadata\.metrics: claimed 0\.95, measured 0\.9093/);
      assert.match(text.stdout, /per batch of 1024/);
      const ev = await t.cli('versions', 'show', 'clf@1.0.0', '--json');
      const kinds = (ev.json as { evidence: { kind: string }[] }).evidence.map((e) => e.kind);
      assert.equal(kinds.filter((k) => k === 'evaluation').length, 2);
    });

    it('gates run: a worse model fails (exit 1) with the table of gates', async () => {
      await push('2.0.0', 'binary_worse');
      const r = await t.cli('gates', 'run', 'clf@2.0.0', '--data', DATA, '--batch-size', '500');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /against clf@1\.0\.0/);
      assert.match(r.stdout, /^performance_validation +yes +FAIL +accuracy 0\.7973 is below 0\.8639/m);
      assert.match(r.stdout, /^smoke_test +yes +pass/m);
      assert.match(r.stdout, /^security_scan +yes +pass/m);
    });

    it('with gates.yaml, staging is refused until the gates pass for the exact content', async () => {
      await push('3.0.0', 'binary_good');
      assert.equal((await t.cli('stage', 'clf@3.0.0', 'validation')).code, 0);
      writeFileSync(join(t.home, 'gates.yaml'), GATES_YAML);
      const refused = await t.cli('stage', 'clf@3.0.0', 'staging');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^error\[gate_failed\]: clf@3\.0\.0 cannot enter staging: no gate results for its content/m);
      assert.match(refused.stderr, /hint: run the gates first: `modelvault gates run clf@3\.0\.0 --data FILE`/);
      const run = await t.cli('gates', 'run', 'clf@3.0.0', '--data', DATA, '--batch-size', '500', '--json');
      assert.equal(run.code, 0, run.stdout);
      const body = run.json as { passed: boolean; configSource: string; gates: { name: string; status: string }[]; data: { digest: string } };
      assert.equal(body.passed, true);
      assert.equal(body.configSource, join(t.home, 'gates.yaml'));
      assert.deepEqual(body.gates.map((g) => g.name), ['schema_validation', 'smoke_test', 'performance_validation', 'integration_tests']);
      assert.equal(body.data.digest, DATA_DIGEST);
      const staged = await t.cli('stage', 'clf@3.0.0', 'staging', '--json');
      assert.equal(staged.code, 0, staged.stdout);
    });

    it('a mistake in gates.yaml names its line (exit 2)', async () => {
      writeFileSync(join(t.home, 'gates.yaml'), 'quality_gates:\n  performance_validation:\n    latency_threshold: fast\n');
      const r = await t.cli('gates', 'run', 'clf@3.0.0', '--json');
      assert.equal(r.code, 2);
      const err = (r.json as { error: { code: string; message: string; details: { line: number; field: string; hint: string } } }).error;
      assert.equal(err.code, 'invalid_input');
      assert.match(err.message, /gates\.yaml:3:24: quality_gates\.performance_validation\.latency_threshold must be a factor of at least 1, not "fast"/);
      assert.equal(err.details.line, 3);
      assert.match(err.details.hint, /latency_threshold: 1\.1/);
      writeFileSync(join(t.home, 'gates.yaml'), GATES_YAML);
    });

    it('usage errors: a bad batch size, a missing data file, an unknown column', async () => {
      const bad = await t.cli('evaluate', 'clf@3.0.0', '--data', DATA, '--batch-size', 'many');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--batch-size must be a whole number/);
      const missing = await t.cli('evaluate', 'clf@3.0.0', '--data', join(t.work, 'nope.csv'));
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /nope\.csv/);
      const target = await t.cli('evaluate', 'clf@3.0.0', '--data', DATA, '--target', 'outcome');
      assert.equal(target.code, 2);
      assert.match(target.stderr, /no target column "outcome"/);
    });
  });
}
