import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { afterEach, beforeEach, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import type { RegistryService } from '../../src/registry/index.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { rejectsWith } from '../helpers/errors.ts';
import { MODEL_CARD } from '../helpers/model-dir.ts';
import { NO_APPROVALS, storeVersionFiles } from '../helpers/registry-home.ts';

function meta(name: string, version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, version, license: 'MIT', source: { repo: 'https://example.com/r.git', commit: 'b'.repeat(40) }, dataset_manifest: 'd.yaml', training_hash: 'c'.repeat(40), artifacts: ['w.bin'], ...extra };
}

onEachBackend('registry service', (backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  let reg: RegistryService;
  beforeEach(async () => {
    app = await backend.open(NO_APPROVALS);
    reg = app.registry('alice');
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('registers a version once and treats identical pushes as no-ops', async () => {
    const files = await storeVersionFiles(app, { 'w.bin': 'weights-1' });
    const first = await reg.registerVersion({ metadata: meta('fraud', '1.0.0'), modelCard: MODEL_CARD, files });
    assert.equal(first.created, true);
    assert.equal(first.stage, 'development');
    const again = await reg.registerVersion({ metadata: meta('fraud', '1.0.0'), modelCard: MODEL_CARD, files });
    assert.equal(again.created, false);
    assert.equal(again.manifestDigest, first.manifestDigest);
    const other = await storeVersionFiles(app, { 'w.bin': 'weights-2' });
    const err = await rejectsWith(reg.registerVersion({ metadata: meta('fraud', '1.0.0'), modelCard: MODEL_CARD, files: other }), 'version_exists');
    assert.match(err.message, /fraud@1.0.0/);
    const v = await reg.getVersion('fraud@1.0.0');
    assert.equal(v.files.find((f) => f.path === 'w.bin')!.digest, files[0]!.digest);
    assert.equal(v.createdBy, 'alice');
    const pushes = (await reg.events({ model: 'fraud' })).items.filter((e) => e.action === 'version.push');
    assert.equal(pushes.length, 1);
  });

  it('refuses a manifest whose blobs were never stored, or with unsafe paths', async () => {
    await rejectsWith(reg.registerVersion({ metadata: meta('m', '1.0.0'), files: [{ path: 'w.bin', size: 3, digest: `sha256:${'0'.repeat(64)}`, format: 'binary' }] }), 'blob_missing');
    const files = await storeVersionFiles(app, { '../escape.bin': 'x' });
    await rejectsWith(reg.registerVersion({ metadata: meta('m', '1.0.0'), files }), 'invalid_path');
    const ok = await storeVersionFiles(app, { 'w.bin': 'x' });
    await rejectsWith(reg.registerVersion({ metadata: meta('Bad Name', '1.0.0'), files: ok }), 'invalid_name');
    await rejectsWith(reg.registerVersion({ metadata: meta('m', 'v1'), files: ok }), 'invalid_version');
    assert.equal((await reg.listModels()).items.length, 0, 'nothing registered after failures');
  });

  it('lets exactly one of two concurrent pushes of a version with different content win', async () => {
    const a = await storeVersionFiles(app, { 'w.bin': 'A' });
    const b = await storeVersionFiles(app, { 'w.bin': 'B' });
    const results = await Promise.allSettled([
      reg.registerVersion({ metadata: meta('race', '1.0.0'), files: a }),
      app.registry('bob').registerVersion({ metadata: meta('race', '1.0.0'), files: b }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(ok.length, 1);
    assert.equal(failed.length, 1);
    assert.equal((failed[0]!.reason as ModelVaultError).code, 'version_exists');
    assert.equal((await reg.listVersions('race')).items.length, 1);
  });

  it('resolves latest by semver precedence, stages and aliases', async () => {
    for (const v of ['1.0.0', '1.10.0', '1.2.0', '2.0.0-rc.1', '2.0.0-alpha']) {
      await reg.registerVersion({ metadata: meta('sem', v), files: await storeVersionFiles(app, { 'w.bin': v }) });
    }
    assert.equal((await reg.getVersion('sem@latest')).version, '2.0.0-rc.1');
    assert.equal((await reg.getVersion('sem')).version, '2.0.0-rc.1');
    await reg.registerVersion({ metadata: meta('sem', '2.0.0'), files: await storeVersionFiles(app, { 'w.bin': '2' }) });
    assert.equal((await reg.getVersion('sem@latest')).version, '2.0.0');
    assert.deepEqual((await reg.listVersions('sem')).items.map((v) => v.version), ['2.0.0', '2.0.0-rc.1', '2.0.0-alpha', '1.10.0', '1.2.0', '1.0.0']);
    await reg.setAlias('sem', 'champion', '1.10.0');
    assert.equal((await reg.getVersion('sem@champion')).version, '1.10.0');
    await reg.setAlias('sem', 'champion', '1.2.0');
    assert.equal((await reg.getVersion('sem@champion')).version, '1.2.0');
    await rejectsWith(reg.setAlias('sem', 'production', '1.2.0'), 'invalid_name');
    await rejectsWith(reg.setAlias('sem', 'latest', '1.2.0'), 'invalid_name');
    await rejectsWith(reg.setAlias('sem', 'champion', '9.9.9'), 'not_found');
    await reg.removeAlias('sem', 'champion');
    await rejectsWith(reg.getVersion('sem@champion'), 'not_found');
    await rejectsWith(reg.removeAlias('sem', 'champion'), 'not_found');
    await rejectsWith(reg.getVersion('nope@1.0.0'), 'not_found');
  });

  it('enforces the lifecycle, one production version, history and rollback', async () => {
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await reg.registerVersion({ metadata: meta('life', v), files: await storeVersionFiles(app, { 'w.bin': v }) });
    await rejectsWith(reg.setStage('life@1.0.0', 'production'), 'invalid_transition');
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
      await reg.setStage(`life@${v}`, 'validation');
      await reg.setStage(`life@${v}`, 'staging', 'passed checks');
    }
    const p1 = await reg.setStage('life@1.0.0', 'production');
    assert.equal(p1.displaced, undefined);
    const p2 = await reg.setStage('life@1.1.0', 'production', 'better recall');
    assert.deepEqual(p2.displaced, { version: '1.0.0', to: 'archived' });
    assert.equal((await reg.getVersion('life@production')).version, '1.1.0');
    assert.equal((await reg.getVersion('life@1.0.0')).stage, 'archived');
    const history = await reg.stageHistory('life');
    const last = history[history.length - 1]!;
    assert.equal(last.version, '1.1.0');
    assert.equal(last.to, 'production');
    assert.equal(last.reason, 'better recall');
    assert.equal(last.actor, 'alice');
    const rb = await reg.rollback('life');
    assert.equal(rb.version, '1.0.0');
    assert.equal(rb.to, 'production');
    assert.deepEqual(rb.displaced, { version: '1.1.0', to: 'archived' });
    assert.equal((await reg.getVersion('life@production')).version, '1.0.0');
    // The database itself refuses a second production version.
    await assert.rejects(app.metadata.db.updateTable('versions').set({ stage: 'production' }).where('version', '=', '1.2.0').execute());
    const prodList = await reg.listVersions('life', { stage: 'production' });
    assert.deepEqual(prodList.items.map((v) => v.version), ['1.0.0']);
  });

  it('filters and pages models and versions', async () => {
    for (const n of ['alpha-a', 'alpha-b', 'beta']) {
      await reg.registerVersion({ metadata: meta(n, '1.0.0', { framework: n === 'beta' ? 'pytorch' : 'onnx', tags: { team: n.startsWith('alpha') ? 'risk' : 'growth' } }), files: await storeVersionFiles(app, { 'w.bin': n }) });
    }
    await reg.setTags({ name: 'beta' }, { domain: 'ads' });
    assert.deepEqual((await reg.listModels({ prefix: 'alpha' })).items.map((m) => m.name), ['alpha-a', 'alpha-b']);
    assert.deepEqual((await reg.listModels({ tag: 'domain=ads' })).items.map((m) => m.name), ['beta']);
    const p1 = await reg.listModels({ limit: 2 });
    assert.equal(p1.items.length, 2);
    assert.ok(p1.nextCursor);
    const p2 = await reg.listModels({ limit: 2, cursor: p1.nextCursor! });
    assert.deepEqual(p2.items.map((m) => m.name), ['beta']);
    assert.equal(p2.nextCursor, null);
    await rejectsWith(reg.listModels({ cursor: 'garbage!' }), 'invalid_input');
    for (let i = 1; i <= 5; i++) await reg.registerVersion({ metadata: meta('beta', `1.0.${i}`, { framework: i % 2 ? 'onnx' : 'pytorch' }), files: await storeVersionFiles(app, { 'w.bin': `b${i}` }) });
    assert.deepEqual((await reg.listVersions('beta', { framework: 'pytorch' })).items.map((v) => v.version), ['1.0.4', '1.0.2', '1.0.0']);
    assert.deepEqual((await reg.listVersions('beta', { tag: 'team=growth' })).items.map((v) => v.version), ['1.0.0']);
    const since = (await reg.listVersions('beta', { since: '2000-01-01' })).items.length;
    assert.equal(since, 6);
    assert.equal((await reg.listVersions('beta', { since: '2999-01-01' })).items.length, 0);
    await rejectsWith(reg.listVersions('beta', { since: 'yesterday' }), 'invalid_input');
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await reg.listVersions('beta', { limit: 4, cursor });
      pages.push(...page.items.map((v) => v.version));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(pages, ['1.0.5', '1.0.4', '1.0.3', '1.0.2', '1.0.1', '1.0.0']);
  });

  it('records lineage and refuses a parent that does not exist', async () => {
    await reg.registerVersion({ metadata: meta('base', '1.0.0'), files: await storeVersionFiles(app, { 'w.bin': 'base' }) });
    const lineage = { parent_model: 'base@1.0.0', training_dataset: { name: 'tx', version: '2026.11', checksum: `sha256:${'1'.repeat(64)}` } };
    // The metadata schema asks for NAME@VERSION, so a stage, alias or latest is refused for every registration.
    const floating = await rejectsWith(reg.registerVersion({ metadata: meta('tuned', '1.0.0', { lineage: { ...lineage, parent_model: 'base@latest' } }), files: await storeVersionFiles(app, { 'w.bin': 'tuned' }) }), 'policy_violation');
    assert.deepEqual((floating.details.problems as Array<{ field: string }>).map((p) => p.field), ['lineage.parent_model']);
    await reg.registerVersion({ metadata: meta('tuned', '1.0.0', { lineage, run_id: 'run-42' }), files: await storeVersionFiles(app, { 'w.bin': 'tuned' }) });
    await reg.registerVersion({ metadata: meta('tuned2', '1.0.0', { lineage: { parent_model: 'tuned@1.0.0' } }), files: await storeVersionFiles(app, { 'w.bin': 'tuned2' }) });
    const err = await rejectsWith(reg.registerVersion({ metadata: meta('orphan', '1.0.0', { lineage: { parent_model: 'ghost@1.0.0' } }), files: await storeVersionFiles(app, { 'w.bin': 'o' }) }), 'invalid_metadata');
    assert.match(err.message, /parent_model/);
    const v = await reg.getVersion('tuned@1.0.0');
    assert.deepEqual(v.lineage.map((e) => e.kind).sort(), ['derived_from', 'produced_by', 'source', 'trained_on']);
    assert.equal(v.lineage.find((e) => e.kind === 'derived_from')!.target, 'base@1.0.0');
    const g = await reg.lineage('tuned@1.0.0');
    assert.ok(g.edges.some((e) => e.from === 'tuned@1.0.0' && e.to === 'base@1.0.0' && e.kind === 'derived_from'));
    assert.ok(g.edges.some((e) => e.from === 'tuned2@1.0.0' && e.to === 'tuned@1.0.0'), 'descendants included');
    assert.ok(g.nodes.some((n) => n.kind === 'dataset' && n.label === 'tx@2026.11'));
    assert.ok(g.nodes.some((n) => n.kind === 'run' && n.label === 'run-42'));
  });

  it('keeps the event log append-only', async () => {
    await reg.registerVersion({ metadata: meta('ev', '1.0.0'), files: await storeVersionFiles(app, { 'w.bin': 'ev' }) });
    await reg.setTags({ name: 'ev', version: '1.0.0' }, { owner: 'risk' });
    await reg.setDescription({ name: 'ev' }, 'event model');
    const events = (await reg.events()).items;
    assert.deepEqual(events.map((e) => e.action), ['version.push', 'tag.set', 'description.set']);
    assert.equal(events[0]!.actor, 'alice');
    assert.match(String((events[0]!.payload as { manifest_digest: string }).manifest_digest), /^sha256:[0-9a-f]{64}$/);
    await assert.rejects(sql`UPDATE events SET actor = 'mallory'`.execute(app.metadata.db), /append-only/);
    await assert.rejects(sql`DELETE FROM events`.execute(app.metadata.db), /append-only/);
    assert.equal((await reg.events()).items.length, 3);
  });
});
