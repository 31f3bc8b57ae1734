import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { spawnCli } from '../helpers/cli.ts';
import { openHomeWithConfig, pushVersion } from '../helpers/registry-home.ts';

let home: string;
before(async () => {
  const app = await openHomeWithConfig('');
  home = app.home;
  for (let i = 0; i < 20; i++) await pushVersion(app, `m${i}`, '1.0.0');
  await app.close();
});
after(() => rmSync(home, { recursive: true, force: true }));

it('a damaged database file is storage_unavailable naming the damage and the way out, never an internal error or wrong data', async () => {
  const file = join(home, 'modelvault.db');
  const pageSize = (() => {
    const fd = openSync(file, 'r');
    const head = Buffer.alloc(18);
    readSync(fd, head, 0, 18, 0);
    closeSync(fd);
    const v = head.readUInt16BE(16);
    return v === 1 ? 65536 : v;
  })();
  // Every b-tree page past the first gets an impossible page type: SQLite cannot read any table.
  const fd = openSync(file, 'r+');
  for (let page = 1; page * pageSize < statSync(file).size; page++) writeSync(fd, Buffer.from([0x7f]), 0, 1, page * pageSize);
  closeSync(fd);
  const r = await spawnCli(['versions', 'show', 'm3@1.0.0'], { MODELVAULT_HOME: home });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error\[storage_unavailable\]: .*the database file is damaged: database disk image is malformed/m);
  assert.match(r.stderr, /hint: stop using this home; restore it with `modelvault restore` from a backup/);
  assert.doesNotMatch(r.stderr, /internal|at .*\.js:\d+/);
});

it('a flipped character in a stored digest, which SQLite cannot see, is named by audit verify', async () => {
  const app = await openHomeWithConfig('');
  const other = app.home;
  try {
    await pushVersion(app, 'flip', '1.0.0');
    const digest = (await app.registry('alice').getVersion('flip@1.0.0')).files[0]!.digest.slice(7);
    await app.close();
    const file = join(other, 'modelvault.db');
    const bytes = readFileSync(file);
    let at = bytes.indexOf(digest, 0, 'latin1');
    let flipped = 0;
    for (; at !== -1; at = bytes.indexOf(digest, at + 1, 'latin1')) {
      bytes[at + 10] = bytes[at + 10] === 0x30 ? 0x31 : 0x30;
      flipped++;
    }
    assert.ok(flipped >= 1, 'the digest is stored in the file');
    writeFileSync(file, bytes);
    const r = await spawnCli(['audit', 'verify'], { MODELVAULT_HOME: other });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^audit log verification FAILED/);
    assert.match(r.stdout, /version_altered +version flip@1\.0\.0|event_edited/);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
