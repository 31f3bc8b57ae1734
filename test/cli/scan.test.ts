import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RemoteRegistry } from '../../src/client/index.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/registry/index.ts';
import { runCli, useCliTarget, type CliResult } from '../helpers/cli.ts';
import { makeModelDir, tempDir } from '../helpers/model-dir.ts';
import { NO_APPROVALS } from '../helpers/registry-home.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/scan/', import.meta.url));
const fixture = (p: string): Buffer => readFileSync(join(FIXTURES, p));
/** GLOBAL mylib.layers.Custom, EMPTY_TUPLE, NEWOBJ, STOP: a global no allowlist knows, and no known danger. */
const CUSTOM_PICKLE = Buffer.from('\x80\x02cmylib.layers\nCustom\n)\x81.', 'latin1');

type ScanJson = { reference?: string; verdict: string; counts: Record<string, number>; files: { path: string; format: string; verdict: string; findings: { severity: string; name?: string; offset?: number }[] }[] };

for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault scan and scan on push (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-scan', { prepare: (home) => writeFileSync(join(home, 'config.yaml'), NO_APPROVALS) });
    const cli = t.cli;

    it('refuses to push a dangerous pickle, naming the file and finding, and registers nothing', async () => {
      const { dir } = makeModelDir({ name: 'evil-model', files: { 'model.pkl': fixture('malicious/os-system-p0.pkl') } });
      const refused = await cli('push', dir);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /error\[policy_violation\]: push of evil-model@1\.0\.0 refused by the scan policy/);
      assert.match(refused.stderr, /\n {2}model\.pkl: dangerous global os\.system at offset \d+: GLOBAL imports os\.system/);
      const json = await cli('push', dir, '--json');
      const err = (json.json as { error: { code: string; details: { problems: { file: string; name: string; severity: string }[] } } }).error;
      assert.equal(err.code, 'policy_violation');
      assert.deepEqual(err.details.problems.map((p) => [p.file, p.severity, p.name]), [['model.pkl', 'dangerous', 'os.system']]);
      const shown = await cli('versions', 'show', 'evil-model@1.0.0');
      assert.equal(shown.code, 2);
      assert.match(shown.stderr, /not_found/);
      rmSync(dir, { recursive: true, force: true });
    });

    it('pushes benign torch and sklearn models with a safe scan report as evidence', async () => {
      const { dir } = makeModelDir({ name: 'torch-model', files: { 'model.pt': fixture('benign/torch-state-dict.pt'), 'pipeline.pkl': fixture('benign/sklearn-pipeline.pkl') } });
      const pushed = await cli('push', dir, '--json');
      assert.equal(pushed.code, 0, pushed.stderr);
      const shown = (await cli('versions', 'show', 'torch-model@1.0.0', '--json')).json as { evidence: { kind: string; digest: string }[] };
      assert.deepEqual(shown.evidence.map((e) => e.kind), ['scan']);
      const stored = await cli('scan', 'torch-model@1.0.0', '--json');
      assert.equal(stored.code, 0, stored.stderr);
      const report = stored.json as ScanJson;
      assert.equal(report.reference, 'torch-model@1.0.0');
      assert.equal(report.verdict, 'safe');
      const formats = Object.fromEntries(report.files.map((f) => [f.path, f.format]));
      assert.equal(formats['model.pt'], 'pytorch');
      assert.equal(formats['pipeline.pkl'], 'pickle');
      assert.equal(formats['metadata.yaml'], 'text');
      const text = await cli('scan', 'torch-model@1.0.0');
      assert.match(text.stdout, /^torch-model@1\.0\.0 \(sha256:[0-9a-f]{64}\): scanned /);
      assert.match(text.stdout, /SAFE +model\.pt \[pytorch\]/);
      for (const s of ['validation', 'staging', 'production']) assert.equal((await cli('stage', 'torch-model@1.0.0', s)).code, 0, s);
      rmSync(dir, { recursive: true, force: true });
    });

    it('lets a suspicious file in but keeps it out of production until a reviewed allowlist entry and a re-scan clear it', async () => {
      const { dir } = makeModelDir({ name: 'custom-model', files: { 'custom.pkl': CUSTOM_PICKLE } });
      const pushed = await cli('push', dir);
      assert.equal(pushed.code, 0, pushed.stderr);
      const before = (await cli('scan', 'custom-model@1.0.0', '--json')).json as ScanJson;
      assert.equal(before.verdict, 'suspicious');
      assert.equal((await cli('scan', 'custom-model@1.0.0')).code, 0, 'suspicious is exit 0 without --strict');
      assert.equal((await cli('scan', 'custom-model@1.0.0', '--strict')).code, 1);
      assert.equal((await cli('stage', 'custom-model@1.0.0', 'validation')).code, 0);
      assert.equal((await cli('stage', 'custom-model@1.0.0', 'staging')).code, 0);
      const blocked = await cli('stage', 'custom-model@1.0.0', 'production');
      assert.equal(blocked.code, 1);
      assert.match(blocked.stderr, /error\[policy_violation\]: custom-model@1\.0\.0 cannot enter production/);
      assert.match(blocked.stderr, /custom\.pkl: suspicious global mylib\.layers\.Custom at offset 2/);
      assert.equal(((await cli('versions', 'show', 'custom-model@1.0.0', '--json')).json as { stage: string }).stage, 'staging');

      const noReason = await cli('scan', 'allow', 'mylib.layers.Custom');
      assert.equal(noReason.code, 2, 'the reason is required');
      const dangerous = await cli('scan', 'allow', 'subprocess.Popen', '--reason', 'trust me');
      assert.equal(dangerous.code, 2);
      assert.match(dangerous.stderr, /known to be dangerous/);
      const allowed = await cli('scan', 'allow', 'mylib.layers.Custom', '--reason', 'our own layer class; reviewed in PR 42', '--json');
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal((allowed.json as { reviewer: string }).reviewer, 'carol');
      const list = (await cli('scan', 'allowlist', '--json')).json as { items: { name: string; reason: string; reviewer: string }[] };
      assert.deepEqual(list.items.map((e) => [e.name, e.reviewer]), [['mylib.layers.Custom', 'carol']]);
      const events = (await cli('events', '--json', '--limit', '1000')).json as { items: { action: string; actor: string; payload: { name?: string; reason?: string; reviewer?: string } }[] };
      const add = events.items.find((e) => e.action === 'scan.allowlist.add');
      assert.deepEqual(add && [add.actor, add.payload.name, add.payload.reviewer, add.payload.reason], ['carol', 'mylib.layers.Custom', 'carol', 'our own layer class; reviewed in PR 42']);

      const still = await cli('stage', 'custom-model@1.0.0', 'production');
      assert.equal(still.code, 1, 'the stored report predates the allowlist entry');
      const rescanned = await cli('scan', 'custom-model@1.0.0', '--rescan', '--json');
      assert.equal(rescanned.code, 0, rescanned.stderr);
      assert.equal((rescanned.json as ScanJson & { rescanned: boolean }).rescanned, true);
      assert.equal((rescanned.json as ScanJson).verdict, 'safe');
      const promoted = await cli('stage', 'custom-model@1.0.0', 'production');
      assert.equal(promoted.code, 0, promoted.stderr);

      const removed = await cli('scan', 'disallow', 'mylib.layers.Custom');
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal((await cli('scan', 'disallow', 'mylib.layers.Custom')).code, 2, 'already removed');
      const later = (await cli('events', '--json', '--limit', '1000')).json as { items: { action: string }[] };
      assert.ok(later.items.some((e) => e.action === 'scan.allowlist.remove'));
      const after = (await cli('scan', 'custom-model@1.0.0', '--rescan', '--json')).json as ScanJson;
      assert.equal(after.verdict, 'suspicious', 'without the entry the global is suspicious again');
      rmSync(dir, { recursive: true, force: true });
    });

    it('re-hashes the stored blobs on --rescan: a corrupted blob fails with blob_corrupt and no report is recorded', async () => {
      const { dir } = makeModelDir({ name: 'rot-model', files: { 'pipeline.pkl': fixture('benign/sklearn-pipeline.pkl') } });
      assert.equal((await cli('push', dir)).code, 0);
      const shown = (await cli('versions', 'show', 'rot-model@1.0.0', '--json')).json as { files: { path: string; digest: string }[] };
      const digest = shown.files.find((f) => f.path === 'pipeline.pkl')!.digest;
      const hex = digest.slice('sha256:'.length);
      const stored = join(t.home, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
      const original = readFileSync(stored);
      // Rotted into a pickle that is still well-formed, so a scan of the bytes would judge it rather than fail.
      writeFileSync(stored, fixture('malicious/os-system-p0.pkl'));
      try {
        const refused = await cli('scan', 'rot-model@1.0.0', '--rescan');
        assert.equal(refused.code, 1, refused.stdout + refused.stderr);
        assert.match(refused.stderr, new RegExp(`^error\\[blob_corrupt\\]: stored blob ${digest} is corrupt \\(its bytes hash to sha256:[0-9a-f]{64}\\)`));
        const evidence = (await cli('versions', 'show', 'rot-model@1.0.0', '--json')).json as { evidence: { kind: string }[] };
        assert.deepEqual(evidence.evidence.map((e) => e.kind), ['scan'], 'only the report made at push time');
      } finally {
        writeFileSync(stored, original);
      }
      const rescanned = await cli('scan', 'rot-model@1.0.0', '--rescan', '--json');
      assert.equal(rescanned.code, 0, rescanned.stderr);
      assert.equal((rescanned.json as ScanJson).verdict, 'safe');
      rmSync(dir, { recursive: true, force: true });
    });

    if (mode === 'remote') {
      it('refuses scan evidence sent by a client, so a forged report cannot open a gate', async () => {
        // Even the administrator's token cannot record a scan report: only the registry's scanner does.
        const reg = new RemoteRegistry({ baseUrl: t.server!.url, token: t.env.MODELVAULT_TOKEN! });
        await assert.rejects(
          reg.addEvidence('torch-model@1.0.0', { kind: 'scan', body: { scanner: 'modelvault-scan', verdict: 'safe', files: [] } }),
          (e: ModelVaultError) => e.code === 'forbidden' && /scanner/.test(e.message),
        );
      });
    }
  });
}

describe('modelvault scan PATH…: formats and exit codes', () => {
  const cli = (...args: string[]): Promise<CliResult> => runCli(args, { MODELVAULT_HOME: tempDir('mv-scan-paths-') });

  it('prints text, JSON and SARIF with each finding, exits 1 on dangerous and 0 on safe', async () => {
    const evil = join(FIXTURES, 'malicious/pathlib-os-system.pkl');
    const text = await cli('scan', evil);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^DANGEROUS +\S+pathlib-os-system\.pkl \[pickle\]\n {2}dangerous +global pathlib\.os\.system \(@\d+\): /);
    const json = await cli('scan', evil, join(FIXTURES, 'benign/model.safetensors'), '--format', 'json');
    assert.equal(json.code, 1);
    const r = json.json as ScanJson;
    assert.deepEqual(r.counts, { safe: 1, suspicious: 0, dangerous: 1, unscannable: 0 });
    assert.equal(r.files.find((f) => f.path.endsWith('.safetensors'))!.format, 'safetensors');
    const sarif = await cli('scan', evil, '--format', 'sarif');
    const log = sarif.json as { version: string; runs: { results: { level: string; properties: { name: string } }[] }[] };
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs[0]!.results[0]!.level, 'error');
    assert.match(log.runs[0]!.results[0]!.properties.name, /os\.system/);
    const safe = await cli('scan', join(FIXTURES, 'benign'), '--json');
    assert.equal(safe.code, 0, safe.stdout);
    assert.equal((safe.json as ScanJson).verdict, 'safe');
  });

  it('fails unscannable files only with --strict, and exits 2 on usage errors', async () => {
    const sevenZip = join(FIXTURES, 'unscannable');
    assert.equal((await cli('scan', sevenZip)).code, 0);
    const strict = await cli('scan', sevenZip, '--strict');
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /UNSCANNABLE/);
    assert.equal((await cli('scan', sevenZip, '--format', 'xml')).code, 2);
    assert.equal((await cli('scan')).code, 2);
    const missing = await cli('scan', join(FIXTURES, 'no-such-file.pkl'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file/);
    assert.equal((await cli('scan', sevenZip, '--rescan')).code, 2, '--rescan needs a version');
  });
});

describe('config.yaml scan policy', () => {
  const withConfig = (yaml: string): Record<string, string> => {
    const home = tempDir('mv-scan-config-');
    writeFileSync(join(home, 'config.yaml'), yaml);
    return { MODELVAULT_HOME: home, MODELVAULT_ACTOR: 'carol' };
  };

  it('names the setting at fault in every policy error', async () => {
    const cases: [string, RegExp][] = [
      ['scan:\n  block_push: [safe]\n', /scan\.block_push must be a list of scan verdicts .* not "safe"/],
      ['scan:\n  block_push: dangerous\n', /scan\.block_push must be a list/],
      ['scan:\n  block_stage:\n    prod: [dangerous]\n', /scan\.block_stage\.prod: "prod" is not a stage/],
      ['scan:\n  block_stage:\n    archived: [dangerous]\n', /scan\.block_stage\.archived: archiving cannot be blocked/],
      ['scan:\n  block_stage: [dangerous]\n', /scan\.block_stage must map a stage/],
      ['scan:\n  block_pushes: [dangerous]\n', /scan\.block_pushes is not a setting/],
    ];
    for (const [yaml, message] of cases) {
      const env = withConfig(yaml);
      const r = await runCli(['models', 'list'], env);
      assert.equal(r.code, 2, yaml);
      assert.match(r.stderr, /error\[invalid_input\]: \S+config\.yaml: /, yaml);
      assert.match(r.stderr, message, yaml);
      assert.throws(() => loadConfig(env.MODELVAULT_HOME!), (e: ModelVaultError) => message.test(e.message));
    }
  });

  it('applies a stricter push policy and keeps defaults for stages it does not name', async () => {
    const env = withConfig('scan:\n  block_push: [dangerous, suspicious]\n  block_stage:\n    staging: [dangerous, suspicious]\n');
    const cfg = loadConfig(env.MODELVAULT_HOME!);
    assert.deepEqual(cfg.scan.blockPush, ['dangerous', 'suspicious']);
    assert.deepEqual(cfg.scan.blockStage.production, ['dangerous', 'suspicious', 'unscannable']);
    assert.deepEqual(cfg.scan.blockStage.archived, []);
    const { dir } = makeModelDir({ name: 'custom-model', files: { 'custom.pkl': CUSTOM_PICKLE } });
    const refused = await runCli(['push', dir], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /scan\.block_push: dangerous, suspicious/);
    assert.match(refused.stderr, /custom\.pkl: suspicious global mylib\.layers\.Custom/);
    assert.equal((await runCli(['scan', 'allow', 'mylib.layers.Custom', '--reason', 'reviewed'], env)).code, 0);
    const pushed = await runCli(['push', dir], env);
    assert.equal(pushed.code, 0, pushed.stderr);
    rmSync(dir, { recursive: true, force: true });
  });
});
