import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { SCAN_EVIDENCE_KIND } from '../../src/scan/index.ts';
import { NO_APPROVALS, openHomeWithConfig, pushVersion } from '../helpers/registry-home.ts';

type App = Awaited<ReturnType<typeof openHomeWithConfig>>;
const UP = ['validation', 'staging', 'production'] as const;

/** Deletes the scan report of `m@version`, as for a version stored before scanning existed. */
async function deleteScanReport(app: App, version: string): Promise<void> {
  const ref = `m@${version}`;
  assert.equal((await app.registry('alice').listEvidence(ref, SCAN_EVIDENCE_KIND)).length, 1, 'the push stored a scan report');
  const row = await app.metadata.db.selectFrom('versions').innerJoin('models', 'models.id', 'versions.model_id').select('versions.id').where('models.name', '=', 'm').where('versions.version', '=', version).executeTakeFirstOrThrow();
  await app.metadata.db.deleteFrom('evidence').where('version_id', '=', Number(row.id)).where('kind', '=', SCAN_EVIDENCE_KIND).execute();
  assert.deepEqual(await app.registry('alice').listEvidence(ref, SCAN_EVIDENCE_KIND), []);
}

const refusedAsUnscanned = (ref: string) => (e: ModelVaultError): boolean =>
  e.code === 'policy_violation'
  && e.message.startsWith(`${ref} cannot enter production: the scan policy refuses dangerous, suspicious, unscannable files there`)
  && /no scan report is stored for this version/.test(JSON.stringify(e.details));

describe('a version without a scan report counts as unscannable', () => {
  let app: App;
  afterEach(async () => app.dispose());

  it('is refused at production with the default scan.block_stage, but may enter staging', async () => {
    app = await openHomeWithConfig(NO_APPROVALS);
    const reg = app.registry('alice');
    await pushVersion(app, 'm', '1.0.0');
    await deleteScanReport(app, '1.0.0');
    await reg.setStage('m@1.0.0', 'validation');
    await reg.setStage('m@1.0.0', 'staging');
    await assert.rejects(reg.setStage('m@1.0.0', 'production'), refusedAsUnscanned('m@1.0.0'));
    assert.equal((await reg.getVersion('m@1.0.0')).stage, 'staging');
  });

  it('is refused on rollback to production', async () => {
    app = await openHomeWithConfig(NO_APPROVALS);
    const reg = app.registry('alice');
    for (const v of ['1.0.0', '2.0.0']) {
      await pushVersion(app, 'm', v);
      for (const s of UP) await reg.setStage(`m@${v}`, s);
    }
    await deleteScanReport(app, '1.0.0');
    await assert.rejects(reg.rollback('m'), refusedAsUnscanned('m@1.0.0'));
    assert.equal((await reg.getVersion('m@production')).version, '2.0.0');
  });

  it('passes where the stage does not block unscannable files', async () => {
    app = await openHomeWithConfig(`scan:\n  block_stage:\n    production: [dangerous]\n${NO_APPROVALS}`);
    const reg = app.registry('alice');
    await pushVersion(app, 'm', '1.0.0');
    await deleteScanReport(app, '1.0.0');
    for (const s of UP) await reg.setStage('m@1.0.0', s);
    assert.equal((await reg.getVersion('m@production')).version, '1.0.0');
  });
});
