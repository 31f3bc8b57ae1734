import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { useCliTarget } from '../helpers/cli.ts';
import { makeModelDir } from '../helpers/model-dir.ts';
import { NO_APPROVALS } from '../helpers/registry-home.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/fraud-detector', import.meta.url));

function sha256File(p: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
}

function blobPath(home: string, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(home, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1))
    .sort();
}

/** The same scenarios, run against an embedded home and against a live server over HTTP. */
for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault CLI (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-cli', { prepare: (home) => writeFileSync(join(home, 'config.yaml'), NO_APPROVALS) });
    const cli = t.cli;

    it('validates the example and reports every problem of a broken directory', async () => {
      const ok = await cli('validate', EXAMPLE);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const broken = join(t.work, 'broken');
      cpSync(EXAMPLE, broken, { recursive: true });
      const meta = YAML.parse(readFileSync(join(broken, 'metadata.yaml'), 'utf8')) as Record<string, unknown>;
      delete meta.source;
      meta.license = 'GPL';
      meta.version = 'one';
      writeFileSync(join(broken, 'metadata.yaml'), YAML.stringify(meta));
      const bad = await cli('validate', broken, '--format', 'json');
      assert.equal(bad.code, 1);
      const report = bad.json as { ok: boolean; problems: { field?: string; severity: string }[] };
      assert.equal(report.ok, false);
      const fields = report.problems.filter((p) => p.severity === 'error').map((p) => p.field ?? '');
      assert.ok(fields.some((f) => f.startsWith('source')), fields.join(','));
      assert.ok(fields.includes('license'));
      assert.ok(fields.includes('version'));
      const sarif = await cli('validate', broken, '--format', 'sarif');
      assert.equal((sarif.json as { version: string }).version, '2.1.0');
      const pushBad = await cli('push', broken);
      assert.equal(pushBad.code, 1);
      assert.match(pushBad.stderr, /error\[validation_failed\]/);
      const missing = await cli('validate', join(t.work, 'nope'));
      assert.equal(missing.code, 2);
    });

    it('pushes once, treats a repeat as a no-op and refuses changed content for the same version', async () => {
      const first = await cli('push', EXAMPLE, '--json');
      assert.equal(first.code, 0, first.stderr);
      const r = first.json as { name: string; version: string; created: boolean; files: { path: string; format: string; digest: string }[] };
      assert.equal(r.name, 'fraud-detector');
      assert.equal(r.created, true);
      const onnx = r.files.find((f) => f.path.endsWith('.onnx'))!;
      assert.equal(onnx.format, 'onnx');
      assert.equal(onnx.digest, sha256File(join(EXAMPLE, onnx.path)));
      assert.ok(existsSync(blobPath(t.home, onnx.digest)), 'blob stored in the sharded layout');
      const again = await cli('push', EXAMPLE, '--json');
      assert.equal(again.code, 0);
      assert.equal((again.json as { created: boolean }).created, false);
      const changed = join(t.work, 'changed');
      cpSync(EXAMPLE, changed, { recursive: true });
      writeFileSync(join(changed, 'metrics.json'), '{"accuracy": 0.5}\n');
      const refused = await cli('push', changed);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /error\[version_exists\]/);
      const bumped = await cli('push', changed, '--version', '1.1.0', '--json');
      assert.equal(bumped.code, 0, bumped.stderr);
      assert.equal((bumped.json as { version: string }).version, '1.1.0');
    });

    it('promotes through the lifecycle, pulls by stage, alias and latest, and rolls back', async () => {
      for (const v of ['1.0.0', '1.1.0']) {
        for (const s of ['validation', 'staging', 'production']) {
          const r = await cli('stage', `fraud-detector@${v}`, s, '--reason', `ci ${s}`);
          assert.equal(r.code, 0, r.stderr);
        }
      }
      const skip = await cli('stage', 'fraud-detector@1.0.0', 'production');
      assert.equal(skip.code, 2, 'archived → production is not a lifecycle transition');
      assert.match(skip.stderr, /invalid_transition/);
      const shown = await cli('versions', 'show', 'fraud-detector@production', '--json');
      assert.equal((shown.json as { version: string }).version, '1.1.0');
      assert.equal(((await cli('versions', 'show', 'fraud-detector@1.0.0', '--json')).json as { stage: string }).stage, 'archived');

      const out = join(t.work, 'pulled-prod');
      const pulled = await cli('pull', 'fraud-detector@production', out, '--json');
      assert.equal(pulled.code, 0, pulled.stderr);
      for (const f of files(EXAMPLE).filter((f) => f !== 'metrics.json')) assert.equal(sha256File(join(out, f)), sha256File(join(EXAMPLE, f)), f);
      assert.notEqual(readFileSync(join(out, 'metrics.json'), 'utf8'), readFileSync(join(EXAMPLE, 'metrics.json'), 'utf8'), 'production is 1.1.0 with its own metrics');

      assert.equal((await cli('alias', 'set', 'fraud-detector', 'champion', '1.0.0')).code, 0);
      const champ = join(t.work, 'pulled-champion');
      assert.equal((await cli('pull', 'fraud-detector@champion', champ)).code, 0);
      assert.deepEqual(files(champ), files(EXAMPLE));
      assert.equal(readFileSync(join(champ, 'metrics.json'), 'utf8'), readFileSync(join(EXAMPLE, 'metrics.json'), 'utf8'));
      const latest = await cli('versions', 'show', 'fraud-detector@latest', '--json');
      assert.equal((latest.json as { version: string }).version, '1.1.0');
      const reserved = await cli('alias', 'set', 'fraud-detector', 'production', '1.0.0');
      assert.equal(reserved.code, 2);

      const rb = await cli('rollback', 'fraud-detector', '--json');
      assert.equal(rb.code, 0, rb.stderr);
      assert.equal((rb.json as { version: string }).version, '1.0.0');
      assert.equal(((await cli('versions', 'show', 'fraud-detector@production', '--json')).json as { version: string }).version, '1.0.0');
      const history = await cli('models', 'history', 'fraud-detector', '--json');
      const h = history.json as { version: string; to: string; actor: string }[];
      assert.ok(h.length >= 8);
      assert.ok(h.every((c) => c.actor === 'carol'));

      const again = await cli('pull', 'fraud-detector@production', out);
      assert.equal(again.code, 1, 'local files of 1.1.0 differ from 1.0.0');
      assert.match(again.stderr, /conflict/);
      assert.equal((await cli('pull', 'fraud-detector@production', out, '--force')).code, 0);
      assert.equal(readFileSync(join(out, 'metrics.json'), 'utf8'), readFileSync(join(EXAMPLE, 'metrics.json'), 'utf8'));
    });

    it('lists and filters models and versions as JSON, and records every change as an event', async () => {
      const { dir } = makeModelDir({ name: 'churn-model', version: '0.1.0', extra: { framework: 'pytorch', tags: { team: 'growth' } } });
      assert.equal((await cli('push', dir)).code, 0);
      const all = (await cli('models', 'list', '--json')).json as { items: { name: string }[] };
      assert.deepEqual(all.items.map((m) => m.name), ['churn-model', 'fraud-detector']);
      const pre = (await cli('models', 'list', '--prefix', 'fraud', '--json')).json as { items: { name: string }[] };
      assert.deepEqual(pre.items.map((m) => m.name), ['fraud-detector']);
      const byStage = (await cli('versions', 'list', 'fraud-detector', '--stage', 'production', '--json')).json as { items: { version: string }[] };
      assert.deepEqual(byStage.items.map((v) => v.version), ['1.0.0']);
      const byTag = (await cli('versions', 'list', 'churn-model', '--tag', 'team=growth', '--json')).json as { items: { version: string }[] };
      assert.deepEqual(byTag.items.map((v) => v.version), ['0.1.0']);
      const page = (await cli('versions', 'list', 'fraud-detector', '--limit', '1', '--json')).json as { items: unknown[]; nextCursor: string };
      assert.equal(page.items.length, 1);
      const page2 = (await cli('versions', 'list', 'fraud-detector', '--limit', '1', '--cursor', page.nextCursor, '--json')).json as { items: { version: string }[] };
      assert.deepEqual(page2.items.map((v) => v.version), ['1.0.0']);
      assert.equal((await cli('models', 'tag', 'churn-model', 'tier=gold')).code, 0);
      assert.equal((await cli('versions', 'describe', 'churn-model@0.1.0', 'first cut')).code, 0);
      const shown = (await cli('models', 'show', 'churn-model', '--json')).json as { tags: Record<string, string> };
      assert.equal(shown.tags.tier, 'gold');
      const events = (await cli('events', '--model', 'churn-model', '--json')).json as { items: { action: string; actor: string }[] };
      assert.deepEqual(events.items.map((e) => e.action), ['version.push', 'tag.set', 'description.set']);
      assert.ok(events.items.every((e) => e.actor === 'carol'));
    });

    it('shows lineage as a tree, JSON, DOT and Mermaid', async () => {
      const { dir } = makeModelDir({ name: 'fraud-detector-tuned', version: '1.0.0', extra: { lineage: { parent_model: 'fraud-detector@1.0.0', training_dataset: { name: 'transactions', version: '2026.11' } }, run_id: 'run-7' } });
      assert.equal((await cli('push', dir)).code, 0);
      const text = await cli('lineage', 'fraud-detector@1.0.0');
      assert.match(text.stdout, /derived by:\n\s+← fraud-detector-tuned@1.0.0/);
      const json = (await cli('lineage', 'fraud-detector-tuned@1.0.0', '--format', 'json')).json as { edges: { from: string; to: string; kind: string }[] };
      assert.ok(json.edges.some((e) => e.kind === 'derived_from' && e.to === 'fraud-detector@1.0.0'));
      assert.ok(json.edges.some((e) => e.kind === 'trained_on'));
      const dot = await cli('lineage', 'fraud-detector-tuned@1.0.0', '--format', 'dot');
      assert.match(dot.stdout, /^digraph lineage \{/);
      assert.match(dot.stdout, /-> n\d+ \[label="derived_from"\]/);
      const mermaid = await cli('lineage', 'fraud-detector-tuned@1.0.0', '--format', 'mermaid');
      assert.match(mermaid.stdout, /^flowchart BT/);
      const orphan = makeModelDir({ name: 'orphan', version: '1.0.0', extra: { lineage: { parent_model: 'ghost@1.0.0' } } });
      const refused = await cli('push', orphan.dir);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /parent_model/);
    });

    it('detects a blob corrupted on disk: pull fails without leaving a file, verify names it', async () => {
      const v = (await cli('versions', 'show', 'fraud-detector@1.0.0', '--json')).json as { files: { path: string; digest: string }[] };
      assert.equal((await cli('verify', 'fraud-detector@1.0.0')).code, 0);
      const victim = v.files.find((f) => f.path.endsWith('.onnx'))!;
      const stored = blobPath(t.home, victim.digest);
      const original = readFileSync(stored);
      const corrupt = Buffer.from(original);
      corrupt[corrupt.length >> 1] = corrupt[corrupt.length >> 1]! ^ 0xff;
      writeFileSync(stored, corrupt);
      try {
        const out = join(t.work, 'pulled-corrupt');
        const pulled = await cli('pull', 'fraud-detector@1.0.0', out);
        assert.equal(pulled.code, 1, pulled.stderr);
        // Embedded, the client hashes the bytes it read; remote, the server refuses to send a blob that fails its check.
        assert.match(pulled.stderr, mode === 'embedded'
          ? new RegExp(`^error\\[digest_mismatch\\]: ${victim.path}: downloaded bytes hash to sha256:[0-9a-f]{64} \\(\\d+ bytes\\), expected ${victim.digest} `)
          : new RegExp(`^error\\[blob_corrupt\\]: stored blob ${victim.digest} is corrupt `));
        assert.ok(!existsSync(join(out, victim.path)), 'no corrupt file written');
        assert.ok(!files(existsSync(out) ? out : t.work).some((f) => f.endsWith('.mvpart')), 'no partial file left');
        const verified = await cli('verify', 'fraud-detector@1.0.0', '--json');
        assert.equal(verified.code, 1);
        const problems = (verified.json as { problems: { path: string; kind: string }[] }).problems;
        assert.deepEqual(problems.map((p) => p.path), [victim.path]);
      } finally {
        writeFileSync(stored, original);
      }
      assert.equal((await cli('verify', 'fraud-detector@1.0.0')).code, 0);
    });

    it('compares a local directory with its registered version', async () => {
      const copy = join(t.work, 'verify-dir');
      cpSync(EXAMPLE, copy, { recursive: true });
      assert.equal((await cli('verify', copy)).code, 0);
      writeFileSync(join(copy, 'extra.txt'), 'x');
      rmSync(join(copy, 'metrics.json'));
      const res = await cli('verify', copy, '--json');
      assert.equal(res.code, 1);
      const kinds = (res.json as { problems: { path: string; kind: string }[] }).problems.map((p) => `${p.kind}:${p.path}`).sort();
      assert.deepEqual(kinds, ['extra:extra.txt', 'missing:metrics.json']);
    });

    it('gives clear errors with exit 2 for bad references and usage', async () => {
      const nf = await cli('versions', 'show', 'fraud-detector@9.9.9');
      assert.equal(nf.code, 2);
      assert.match(nf.stderr, /error\[not_found\]: model fraud-detector has no version 9.9.9/);
      assert.match(nf.stderr, /hint:/);
      const badName = await cli('versions', 'list', 'Bad Name!');
      assert.equal(badName.code, 2);
      assert.match(badName.stderr, /invalid_name/);
      const badStage = await cli('stage', 'fraud-detector@1.0.0', 'prod');
      assert.equal(badStage.code, 2);
      const json = await cli('versions', 'show', 'nope@1.0.0', '--json');
      assert.equal((json.json as { error: { code: string } }).error.code, 'not_found');
      assert.ok(!json.stderr.includes('    at '), 'no stack trace');
      const unknown = await cli('frobnicate');
      assert.equal(unknown.code, 2);
    });
  });
}
