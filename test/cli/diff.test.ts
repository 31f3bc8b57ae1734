import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { useCliTarget } from '../helpers/cli.ts';
import { makeModelDir } from '../helpers/model-dir.ts';

const onnx = (name: string): Buffer => readFileSync(new URL(`../fixtures/signature/${name}.onnx`, import.meta.url));

/** A model directory of `clf` holding one of the signature fixtures as model.onnx. */
function clf(version: string, model: string, metrics: Record<string, number>): string {
  return makeModelDir({ name: 'clf', version, files: { 'model.onnx': onnx(model) }, extra: { metrics } }).dir;
}

type Diff = {
  from: { version: string };
  to: { version: string };
  files: { changed: { path: string }[]; added: unknown[]; removed: unknown[] };
  metadata: { field: string; change: string }[];
  metrics: { name: string; before: number | null; after: number | null; delta: number | null }[];
  signature: { level: string; changes: { side: string; kind: string; name: string; level: string; message: string }[] };
  semver: { change: string; required: string; bump: string; satisfied: boolean; minimumVersion: string | null } | null;
};

/** Signatures at push, the semver rule, `versions show` and `diff`, embedded and against a live server. */
for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault push (semver rule), versions show and diff (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-diff');
    const cli = t.cli;

    it('versions show lists the signature read from the ONNX file, as text and as JSON', async () => {
      const pushed = await cli('push', clf('1.0.0', 'classifier', { accuracy: 0.9, auc: 0.81 }));
      assert.equal(pushed.code, 0, pushed.stderr);
      const text = await cli('versions', 'show', 'clf@1.0.0');
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /\nsignature \(from model\.onnx\):\n  input   features       float32  \[batch, 4\]\n  input   amount         float32  \[batch, 1\]\n  output  label          int64    \[batch\]\n  output  probabilities  float32  \[batch, \?\]\nfiles:\n/);
      const json = (await cli('versions', 'show', 'clf@1.0.0', '--json')).json as { signature: { source: string; inputs: { name: string; shape: unknown[] }[] } };
      assert.equal(json.signature.source, 'onnx');
      assert.deepEqual(json.signature.inputs.map((i) => [i.name, i.shape]), [['features', ['batch', 4]], ['amount', ['batch', 1]]]);
    });

    it('push refuses a version number that under-states a removed input, and says which to use', async () => {
      const r = await cli('push', clf('1.0.1', 'classifier-no-amount', { accuracy: 0.88 }));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error\[policy_violation\]: clf@1\.0\.1: input `amount` was removed since 1\.0\.0: this breaks callers; push as 2\.0\.0 or later\n  hint: bump the version to 2\.0\.0 or later; an admin can keep 1\.0\.1 with --force --reason TEXT\n$/);
      const json = await cli('push', clf('1.0.1', 'classifier-no-amount', { accuracy: 0.88 }), '--json');
      assert.equal(json.code, 1);
      const error = (json.json as { error: { code: string; details: { rule: string; minimumVersion: string; changes: { kind: string }[] } } }).error;
      assert.deepEqual([error.code, error.details.rule, error.details.minimumVersion, error.details.changes[0]!.kind], ['policy_violation', 'semver', '2.0.0', 'removed']);
      assert.equal((await cli('versions', 'show', 'clf@1.0.1')).code, 2, 'nothing was registered');
    });

    it('push accepts the same change as a major version', async () => {
      const r = await cli('push', clf('2.0.0', 'classifier-no-amount', { accuracy: 0.88 }));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /pushed clf@2\.0\.0/);
    });

    it('push --force needs --reason, and a forced push is recorded as forced', async () => {
      const dir = clf('2.0.1', 'classifier', { accuracy: 0.9 });
      const bare = await cli('push', dir, '--force');
      assert.equal(bare.code, 2);
      assert.match(bare.stderr, /error\[usage\]: --force needs --reason TEXT/);
      assert.equal((await cli('push', dir, '--reason', 'why')).code, 2);
      const forced = await cli('push', dir, '--force', '--reason', 'amount is back; no caller broke');
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stdout, /\n {2}semver check forced: the signature change since 2\.0\.0 needs 3\.0\.0 or later \(reason: amount is back; no caller broke\)\n/);
      const events = (await cli('events', '--model', 'clf', '--json')).json as { items: { action: string; subject: string; actor: string; payload: { semver?: Record<string, unknown> } }[] };
      const push = events.items.find((e) => e.action === 'version.push' && e.subject === 'clf@2.0.1');
      assert.equal(push?.actor, 'carol');
      assert.deepEqual(push?.payload.semver, { previous: '2.0.0', change: 'major', required: 'major', bump: 'patch', satisfied: false, forced: true, reason: 'amount is back; no caller broke', minimum_version: '3.0.0' });
      const shown = await cli('versions', 'show', 'clf@2.0.1');
      assert.match(shown.stdout, /\(new\) → development {2}by carol \(pushed; semver check forced: amount is back; no caller broke\)/);
    });

    it('diff --json gives the file, metadata, metric and signature changes and the semver verdict', async () => {
      const r = await cli('diff', 'clf@1.0.0', 'clf@2.0.0', '--json');
      assert.equal(r.code, 0, r.stderr);
      const d = r.json as Diff;
      assert.deepEqual([d.from.version, d.to.version], ['1.0.0', '2.0.0']);
      assert.deepEqual(d.files.changed.map((f) => f.path), ['metadata.yaml', 'model.onnx']);
      assert.deepEqual(d.metadata.map((m) => `${m.change} ${m.field}`), ['changed training_hash']);
      assert.deepEqual(d.metrics, [
        { name: 'accuracy', before: 0.9, after: 0.88, delta: -0.02 },
        { name: 'auc', before: 0.81, after: null, delta: null },
      ]);
      assert.deepEqual(d.signature.changes, [{ side: 'input', kind: 'removed', name: 'amount', level: 'major', message: 'input `amount` was removed' }]);
      assert.deepEqual(d.semver, { change: 'major', required: 'major', bump: 'major', satisfied: true, minimumVersion: null });
      const under = (await cli('diff', 'clf@2.0.0', 'clf@2.0.1', '--json')).json as Diff;
      assert.deepEqual(under.semver, { change: 'major', required: 'major', bump: 'patch', satisfied: false, minimumVersion: '3.0.0' });
      assert.equal(under.signature.changes[0]!.message, 'required input `amount` was added');
    });

    it('diff with one reference compares it with the version it follows', async () => {
      const d = (await cli('diff', 'clf@2.0.0', '--json')).json as Diff;
      assert.deepEqual([d.from.version, d.to.version], ['1.0.0', '2.0.0']);
      const first = await cli('diff', 'clf@1.0.0');
      assert.equal(first.code, 2);
      assert.match(first.stderr, /error\[not_found\]: clf@1\.0\.0 is the first version of clf/);
      assert.equal((await cli('diff', 'clf@9.9.9', 'clf@1.0.0')).code, 2);
    });

    it('diff prints a readable summary', async () => {
      const r = await cli('diff', 'clf@1.0.0', 'clf@2.0.0');
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(lines[0], 'clf@1.0.0 → clf@2.0.0');
      assert.equal(lines[1], 'semver: major-level signature change needs a major bump; 1.0.0 → 2.0.0 is a major bump: stated');
      assert.match(r.stdout, /\nsignature \(model\.onnx → model\.onnx\):\n {2}major {2}input `amount` was removed\n/);
      assert.match(r.stdout, /\nfiles \(1 unchanged\):\n {2}changed {2}metadata\.yaml {2}sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}\n {2}changed {2}model\.onnx {5}sha256:/);
      assert.match(r.stdout, /\nmetrics:\n {2}METRIC {4}1\.0\.0 {2}2\.0\.0 {2}DELTA\n {2}accuracy {2}0\.9 {4}0\.88 {3}-0\.02\n {2}auc {7}0\.81 {3}- {6}-\n$/);
      const under = await cli('diff', 'clf@2.0.0', 'clf@2.0.1');
      assert.match(under.stdout, /is a patch bump: UNDER-STATED: 3\.0\.0 or later would state it\n/);
    });
  });
}
