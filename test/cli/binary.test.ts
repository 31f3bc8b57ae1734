import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model-dir.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/fraud-detector', import.meta.url));
const home = tempDir('mv-bin-');
after(() => rmSync(home, { recursive: true, force: true }));

it('the modelvault binary pushes and pulls the example end to end, with exit codes', async () => {
  const version = await spawnCli(['--version'], {});
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  const push = await spawnCli(['push', EXAMPLE, '--json'], { MODELVAULT_HOME: home });
  assert.equal(push.code, 0, push.stderr);
  assert.equal((push.json as { created: boolean }).created, true);
  // Rescanning a version runs the scanner on a worker thread: from dist/, the worker is a bundle entry of its own.
  const rescan = await spawnCli(['scan', 'fraud-detector@1.0.0', '--rescan', '--format', 'json'], { MODELVAULT_HOME: home });
  assert.equal(rescan.code, 0, rescan.stderr);
  assert.deepEqual((rescan.json as { counts: Record<string, number> }).counts, { dangerous: 0, safe: 7, suspicious: 0, unscannable: 0 });
  const out = join(home, 'out');
  const pull = await spawnCli(['pull', 'fraud-detector@latest', out], { MODELVAULT_HOME: home });
  assert.equal(pull.code, 0, pull.stderr);
  const onnx = 'fraud_detector_1.0.0_20261123.onnx';
  assert.deepEqual(readFileSync(join(out, onnx)), readFileSync(join(EXAMPLE, onnx)));
  const missing = await spawnCli(['pull', 'fraud-detector@9.9.9', out], { MODELVAULT_HOME: home });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^error\[not_found\]/m);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
});
