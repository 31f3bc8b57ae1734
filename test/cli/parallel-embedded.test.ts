import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { openHomeWithConfig, pushVersion } from '../helpers/registry-home.ts';
import { spawnCli } from '../helpers/cli.ts';

// Several commands on one home at once, each a process of its own with its own SQLite connection.
let home: string;
const MODELS = 6;
before(async () => {
  const app = await openHomeWithConfig('');
  home = app.home;
  for (let i = 0; i < MODELS; i++) await pushVersion(app, `m${i}`, '1.0.0');
  await app.close();
});
after(() => rmSync(home, { recursive: true, force: true }));

it('commands run at the same time on one home take turns: every stage change and alias lands, and the audit log stays whole', async () => {
  const runs = await Promise.all(
    Array.from({ length: MODELS }, (_, i) =>
      spawnCli(i % 2 === 0 ? ['stage', `m${i}@1.0.0`, 'validation'] : ['alias', 'set', `m${i}`, 'champion', '1.0.0'], { MODELVAULT_HOME: home }),
    ),
  );
  for (const [i, r] of runs.entries()) assert.equal(r.code, 0, `command ${i}: ${r.stderr}`);
  for (let i = 0; i < MODELS; i++) {
    const ref = i % 2 === 0 ? `m${i}@1.0.0` : `m${i}@champion`;
    const shown = await spawnCli(['versions', 'show', ref, '--json'], { MODELVAULT_HOME: home });
    assert.equal(shown.code, 0, `${ref}: ${shown.stderr}`);
    const v = shown.json as { version: string; stage: string };
    assert.equal(v.version, '1.0.0');
    assert.equal(v.stage, i % 2 === 0 ? 'validation' : 'development', ref);
  }
  const audit = await spawnCli(['audit', 'verify'], { MODELVAULT_HOME: home });
  assert.equal(audit.code, 0, audit.stdout + audit.stderr);
});

it('a lock held past the busy timeout is a storage_unavailable error that says so, not an internal one', async () => {
  const { default: Sqlite } = await import('better-sqlite3');
  const { toModelVaultError } = await import('../../src/core/errors.ts');
  const { join } = await import('node:path');
  const file = join(home, 'modelvault.db');
  const holder = new Sqlite(file);
  const waiter = new Sqlite(file);
  try {
    waiter.pragma('busy_timeout = 0');
    holder.exec('BEGIN IMMEDIATE');
    let caught: unknown;
    try {
      waiter.exec('BEGIN IMMEDIATE');
    } catch (err) {
      caught = err;
    }
    assert.equal((caught as { code?: string }).code, 'SQLITE_BUSY');
    const e = toModelVaultError(caught);
    assert.equal(e.code, 'storage_unavailable');
    assert.equal(e.message, 'the database stayed locked by another process for longer than the 10 s busy timeout');
    assert.match(String(e.details.hint), /^another command or server holds a long write on this home/);
    assert.equal(e.cause, caught);
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
    waiter.close();
  }
});
