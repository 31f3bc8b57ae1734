import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { loadConfig } from '../../src/registry/index.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model-dir.ts';

const home = tempDir('mv-init-');
after(() => rmSync(home, { recursive: true, force: true }));

it('init creates the home with a config.yaml that the registry reads back as the defaults', async () => {
  const r = await runCli(['init', '--json'], { MODELVAULT_HOME: home });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.json as { createdConfig: boolean }).createdConfig, true);
  assert.ok(existsSync(join(home, 'modelvault.db')));
  const cfg = loadConfig(home);
  assert.equal(cfg.lifecycle.demoteProductionTo, 'archived');
  assert.deepEqual(cfg.lifecycle.approvals, { production: 2 });
  assert.match(readFileSync(join(home, 'config.yaml'), 'utf8'), /\n  approvals:\n    production: 2\n/, 'the template writes the default out');
  assert.deepEqual(cfg.signing.requireSignature, []);
  writeFileSync(join(home, 'config.yaml'), `${readFileSync(join(home, 'config.yaml'), 'utf8')}\nlifecycle: [oops\n`);
  const broken = await runCli(['models', 'list'], { MODELVAULT_HOME: home });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /config\.yaml:\d+:\d+/, 'a malformed config names the line');
  const again = await runCli(['init', '--json'], { MODELVAULT_HOME: tempDir('mv-init2-') });
  assert.equal(again.code, 0);
});
