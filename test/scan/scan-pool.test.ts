import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { bundleOptions } from '../../scripts/build.ts';
import { defaultPolicy } from '../../src/scan/policy.ts';
import { ScanPool } from '../../src/scan/scan-pool.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVIL = join(ROOT, 'test/fixtures/scan/malicious/os-system-p0.pkl');
const run = promisify(execFile);

describe('scan pool', () => {
  const pool = new ScanPool(1);
  after(() => pool.close());

  it('scans on a worker thread from the TypeScript sources (tsx registered inside the worker)', async () => {
    const report = await pool.scan(EVIL, 'model.pkl', defaultPolicy);
    assert.equal(report.verdict, 'dangerous');
    assert.equal(report.findings[0]?.name, 'os.system');
    const again = await pool.scan(EVIL, 'model.pkl', defaultPolicy);
    assert.equal(again.verdict, 'dangerous', 'the worker is reused for the next file');
  });

  it('rethrows the error a scan raises, with its code', async () => {
    await assert.rejects(pool.scan(join(ROOT, 'no-such-blob'), 'model.pkl', defaultPolicy), (err: unknown) => (err as { code?: string }).code === 'not_found');
  });

  it('reports a file whose worker dies as unscannable, never safe, and starts a fresh worker afterwards', async () => {
    const doomed = new ScanPool(1);
    const pending = doomed.scan(EVIL, 'model.pkl', defaultPolicy);
    await doomed.close();
    const report = await pending;
    assert.equal(report.verdict, 'unscannable');
    assert.equal(report.findings[0]?.kind, 'scanner');
    assert.match(report.findings[0]?.message ?? '', /nothing in it was checked/);
    const fresh = await doomed.scan(EVIL, 'model.pkl', defaultPolicy);
    assert.equal(fresh.verdict, 'dangerous');
    await doomed.close();
  });

  it('scans on a worker thread from bundled JavaScript laid out as dist/, with plain node', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mv-compiled-'));
    try {
      const dist = join(out, 'dist');
      await build(bundleOptions(dist, { 'scan/scan-pool': 'src/scan/scan-pool.ts', 'scan/scan-worker': 'src/scan/scan-worker.ts', 'scan/policy': 'src/scan/policy.ts' }));
      writeFileSync(join(out, 'package.json'), '{"type":"module"}');
      symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
      const script = `const { scanPool } = await import(${JSON.stringify(pathToFileURL(join(dist, 'scan/scan-pool.js')).href)});
        const { defaultPolicy } = await import(${JSON.stringify(pathToFileURL(join(dist, 'scan/policy.js')).href)});
        process.stdout.write(JSON.stringify(await scanPool.scan(${JSON.stringify(EVIL)}, 'model.pkl', defaultPolicy)));`;
      writeFileSync(join(out, 'scan-one.js'), script);
      const { stdout } = await run(process.execPath, [join(out, 'scan-one.js')], { cwd: out });
      const report = JSON.parse(stdout) as { verdict: string; findings: { name?: string }[] };
      assert.equal(report.verdict, 'dangerous');
      assert.equal(report.findings[0]?.name, 'os.system');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
