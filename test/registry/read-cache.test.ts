import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { openApp, type AppContext } from '../../src/app.ts';
import { tempDir } from '../helpers/model-dir.ts';
import { pushVersion } from '../helpers/registry-home.ts';

const home = tempDir('mv-cache-');
const apps: AppContext[] = [];
after(async () => {
  for (const a of apps) await a.close();
  rmSync(home, { recursive: true, force: true });
});

async function open(): Promise<AppContext> {
  const app = await openApp({ home, databaseUrl: `sqlite:${join(home, 'modelvault.db')}`, blobUrl: `file://${join(home, 'blobs')}` });
  apps.push(app);
  return app;
}

it('cached versions reflect this process\'s writes at once and another process\'s commits within a millisecond', async () => {
  const server = await open();
  const other = await open();
  const reg = server.registry('alice');
  for (const v of ['1.0.0', '1.1.0']) await pushVersion(server, 'cached', v);
  const first = await reg.getVersionSnapshot('cached@1.0.0');
  assert.equal(await reg.getVersionSnapshot('cached@1.0.0'), first, 'a repeated read is served from the cache');
  await reg.setStage('cached@1.0.0', 'validation');
  assert.equal((await reg.getVersion('cached@1.0.0')).stage, 'validation', 'own write visible at once');
  await reg.setAlias('cached', 'champion', '1.0.0');
  assert.equal((await reg.getVersion('cached@champion')).version, '1.0.0');
  await other.registry('bob').setAlias('cached', 'champion', '1.1.0');
  await new Promise((r) => setTimeout(r, 5));
  assert.equal((await reg.getVersion('cached@champion')).version, '1.1.0', 'another connection\'s commit is seen');
  await other.registry('bob').setTags({ name: 'cached', version: '1.1.0' }, { team: 'risk' });
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual((await reg.getVersion('cached@1.1.0')).tags, { team: 'risk' });
});
