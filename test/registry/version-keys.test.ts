import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import type { RegistryService } from '../../src/registry/index.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { pushVersion } from '../helpers/registry-home.ts';

onEachBackend('registry version keys', (backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  let reg: RegistryService;
  const push = (name: string, version: string): Promise<void> => pushVersion(app, name, version);
  const idsInDb = async (): Promise<Map<string, number>> => {
    const rows = await app.metadata.db.selectFrom('versions').innerJoin('models', 'models.id', 'versions.model_id').select(['versions.id', 'models.name', 'versions.version']).execute();
    return new Map(rows.map((r) => [`${r.name}@${r.version}`, Number(r.id)]));
  };
  beforeEach(async () => {
    app = await backend.open();
    reg = app.registry('alice');
    for (const v of ['1.0.0', '1.10.0', '1.2.0', '2.0.0-rc.1']) await push('sem', v);
    await push('alpha', '0.1.0');
    await reg.setStage('sem@1.2.0', 'validation');
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('reads every version of a model with its id and stage in one call, newest first', async () => {
    const ids = await idsInDb();
    assert.deepEqual(await reg.versionKeys({ model: 'sem' }), [
      { id: ids.get('sem@2.0.0-rc.1'), name: 'sem', version: '2.0.0-rc.1', stage: 'development' },
      { id: ids.get('sem@1.10.0'), name: 'sem', version: '1.10.0', stage: 'development' },
      { id: ids.get('sem@1.2.0'), name: 'sem', version: '1.2.0', stage: 'validation' },
      { id: ids.get('sem@1.0.0'), name: 'sem', version: '1.0.0', stage: 'development' },
    ]);
    assert.deepEqual((await reg.versionKeys({ model: 'sem', versions: ['1.0.0', '9.9.9', '1.2.0'] })).map((k) => k.version), ['1.2.0', '1.0.0']);
    assert.deepEqual(await reg.versionKeys({ model: 'sem', versions: [] }), []);
    await assert.rejects(reg.versionKeys({ model: 'nope' }), (e: unknown) => e instanceof ModelVaultError && e.code === 'not_found' && /nope/.test(e.message));
  });

  it('reads versions by id across models, leaving unknown ids out, in order across query chunks', async () => {
    const ids = await idsInDb();
    const unknown = Array.from({ length: 600 }, (_, i) => 1_000_000 + i);
    // One known id in the first chunk of 500 and the others in the second, so the order is restored across chunks.
    const asked = [ids.get('sem@1.0.0')!, ...unknown.slice(0, 550), ids.get('alpha@0.1.0')!, ids.get('sem@2.0.0-rc.1')!, ...unknown.slice(550)];
    assert.deepEqual((await reg.versionKeys({ ids: asked })).map((k) => `${k.name}@${k.version}#${k.id}`), [
      `alpha@0.1.0#${ids.get('alpha@0.1.0')}`,
      `sem@2.0.0-rc.1#${ids.get('sem@2.0.0-rc.1')}`,
      `sem@1.0.0#${ids.get('sem@1.0.0')}`,
    ]);
    assert.deepEqual(await reg.versionKeys({ ids: [] }), []);
  });
});
