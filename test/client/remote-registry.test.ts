import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RemoteBlobTransport, RemoteRegistry } from '../../src/client/index.ts';
import type { RegisterVersionInput } from '../../src/registry/index.ts';
import { sha256, startTestServer, userToken, type TestServer } from '../server/harness.ts';
import { rejectsWith } from '../helpers/errors.ts';
import { MODEL_CARD } from '../helpers/model-dir.ts';

describe('RemoteRegistry against a real server', () => {
  let srv: TestServer;
  let dir: string;
  let reg: RemoteRegistry;
  let transport: RemoteBlobTransport;
  // Plain text under a non-ONNX name: a fake .onnx would scan as a malformed model and be kept out of production.
  const files = { 'model.bin': 'weights v1', 'config.json': '{"layers":3}' };

  // Every version carries its model card and the metadata the registry policy requires.
  const input = async (version: string, extra: Record<string, unknown> = {}, weights: Record<string, string> = files): Promise<RegisterVersionInput> => {
    const content: Record<string, string> = { ...weights, 'MODEL_CARD.md': MODEL_CARD };
    const paths = Object.keys(content);
    await Promise.all(paths.map((p) => writeFile(join(dir, `${version}-${p}`), content[p]!)));
    const stored = await transport.storeFiles(paths.map((p) => join(dir, `${version}-${p}`)));
    const metadata = { name: 'fraud', version, framework: 'onnx', license: 'MIT', source: { repo: 'https://example.com/r.git', commit: 'b'.repeat(40) }, dataset_manifest: 'https://example.com/datasets/train.yaml', training_hash: 'c'.repeat(40), artifacts: ['model.bin'], ...extra };
    return { metadata, modelCard: MODEL_CARD, files: paths.map((p, i) => ({ path: p, ...stored[i]!, format: 'binary' })) };
  };

  before(async () => {
    srv = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'modelvault-client-'));
    const token = await userToken(srv.app, 'carol', ['admin']);
    reg = new RemoteRegistry({ baseUrl: srv.url, token });
    transport = new RemoteBlobTransport({ baseUrl: srv.url, token });
  });
  after(async () => {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to register before the blobs are uploaded (blob_missing)', async () => {
    const err = await rejectsWith(reg.registerVersion({ metadata: { name: 'fraud', version: '0.0.1' }, files: [{ path: 'w', size: 1, digest: sha256('never uploaded'), format: 'binary' }] }), 'blob_missing');
    assert.equal(err.details.digest, sha256('never uploaded'));
    assert.equal(err.details.path, 'w');
  });

  it('registers, reads and lists versions; an identical push is a no-op', async () => {
    const v1 = await input('1.0.0', { tags: { team: 'risk' } });
    const created = await reg.registerVersion(v1);
    assert.equal(created.created, true);
    assert.equal(created.stage, 'development');
    assert.equal((await reg.registerVersion(v1)).created, false);
    const detail = await reg.getVersion('fraud@1.0.0');
    const embedded = await srv.app.registry('x').getVersion('fraud@1.0.0');
    assert.deepEqual(detail, embedded);
    assert.equal(detail.createdBy, 'carol');
    assert.deepEqual(detail.files.map((f) => f.path), ['MODEL_CARD.md', 'config.json', 'model.bin']);
    await reg.registerVersion(await input('1.1.0', { lineage: { parent_model: 'fraud@1.0.0' } }, { 'model.bin': 'weights v2', 'config.json': '{"layers":4}' }));
    const page = await reg.listVersions('fraud', { limit: 1 });
    assert.deepEqual(page.items.map((v) => v.version), ['1.1.0']);
    assert.ok(page.nextCursor);
    const next = await reg.listVersions('fraud', { limit: 1, cursor: page.nextCursor });
    assert.deepEqual(next.items.map((v) => v.version), ['1.0.0']);
    assert.deepEqual((await reg.listVersions('fraud', { tag: 'team=risk' })).items.map((v) => v.version), ['1.0.0']);
    assert.equal((await reg.getVersion('fraud@latest')).version, '1.1.0');
    const models = await reg.listModels({ prefix: 'fr' });
    assert.deepEqual(models.items.map((m) => [m.name, m.versionCount, m.latestVersion]), [['fraud', 2, '1.1.0']]);
  });

  it('moves versions through stages, rolls back and keeps history', async () => {
    for (const s of ['validation', 'staging'] as const) await reg.setStage('fraud@1.0.0', s, `to ${s}`);
    // Production needs two approvals from users other than the pusher (carol), given over HTTP too.
    for (const v of ['1.0.0', '1.1.0']) {
      for (const actor of ['dave', 'erin']) await new RemoteRegistry({ baseUrl: srv.url, token: await userToken(srv.app, actor, ['senior_engineer']) }).approve(`fraud@${v}`, 'production', 'reviewed');
    }
    const approvals = await reg.listApprovals('fraud@1.0.0');
    assert.deepEqual([approvals.count, approvals.required, approvals.satisfied, approvals.approvals.map((a) => [a.actor, a.comment, a.stale])], [2, 2, true, [['dave', 'reviewed', false], ['erin', 'reviewed', false]]]);
    await reg.setStage('fraud@1.0.0', 'production', 'to production');
    for (const s of ['validation', 'staging'] as const) await reg.setStage('fraud@1.1.0', s);
    const promoted = await reg.setStage('fraud@1.1.0', 'production', 'better recall');
    assert.deepEqual(promoted.displaced?.version, '1.0.0');
    assert.equal((await reg.getVersion('fraud@production')).version, '1.1.0');
    const rolled = await reg.rollback('fraud', 'production', 'latency regression');
    assert.equal(rolled.version, '1.0.0');
    assert.equal((await reg.getModel('fraud')).productionVersion, '1.0.0');
    const history = await reg.stageHistory('fraud');
    assert.ok(history.some((h) => h.version === '1.0.0' && h.to === 'production' && h.reason === 'latency regression'));
    await rejectsWith(reg.setStage('fraud@1.0.0', 'development'), 'invalid_transition');
  });

  it('sets and removes aliases, tags and descriptions', async () => {
    await reg.setAlias('fraud', 'champion', '1.1.0');
    assert.equal((await reg.getVersion('fraud@champion')).version, '1.1.0');
    assert.equal((await reg.getModel('fraud')).aliases.champion, '1.1.0');
    await reg.removeAlias('fraud', 'champion');
    await rejectsWith(reg.getVersion('fraud@champion'), 'not_found');
    await rejectsWith(reg.setAlias('fraud', 'production', '1.1.0'), 'invalid_name');
    await reg.setTags({ name: 'fraud' }, { owner: 'risk-team' });
    await reg.setTags({ name: 'fraud', version: '1.1.0' }, { eval: 'passed' });
    assert.deepEqual((await reg.getModel('fraud')).tags, { owner: 'risk-team' });
    assert.deepEqual((await reg.getVersion('fraud@1.1.0')).tags, { eval: 'passed' });
    await reg.removeTags({ name: 'fraud', version: '1.1.0' }, ['eval']);
    assert.deepEqual((await reg.getVersion('fraud@1.1.0')).tags, {});
    await rejectsWith(reg.removeTags({ name: 'fraud' }, ['absent']), 'not_found');
    await reg.setDescription({ name: 'fraud' }, 'card fraud scorer');
    await reg.setDescription({ name: 'fraud', version: '1.0.0' }, 'first release');
    assert.equal((await reg.getModel('fraud')).description, 'card fraud scorer');
    assert.equal((await reg.getVersion('fraud@1.0.0')).description, 'first release');
  });

  it('reads lineage and the event log', async () => {
    const graph = await reg.lineage('fraud@1.0.0');
    assert.equal(graph.root, 'fraud@1.0.0');
    assert.ok(graph.edges.some((e) => e.from === 'fraud@1.1.0' && e.to === 'fraud@1.0.0' && e.kind === 'derived_from'));
    const events = await reg.events({ model: 'fraud', limit: 3 });
    assert.equal(events.items.length, 3);
    assert.equal(events.items[0]!.action, 'version.push');
    assert.ok(events.items.every((e) => e.actor === 'carol'));
    const more = await reg.events({ model: 'fraud', afterId: Number(events.nextCursor) });
    assert.ok(more.items.length > 0 && more.items[0]!.id > events.items[2]!.id);
    assert.ok(more.items.some((e) => e.action === 'version.rollback'));
  });

  it('maps problems to ModelVaultError codes, with details', async () => {
    await rejectsWith(reg.getModel('ghost'), 'not_found');
    await rejectsWith(reg.getVersion('fraud@9.9.9'), 'not_found');
    await rejectsWith(reg.getVersion('Bad Name'), 'invalid_reference');
    await rejectsWith(reg.listVersions('fraud', { limit: 5000 }), 'invalid_input');
    const alien = new RemoteRegistry({
      baseUrl: srv.url,
      fetch: async () => new Response(JSON.stringify({ code: 'teapot', detail: 'short and stout', status: 418, hint: 'tip me over' }), { status: 418, headers: { 'content-type': 'application/problem+json' } }),
    });
    const err = await rejectsWith(alien.getModel('fraud'), 'internal');
    assert.equal(err.message, 'short and stout');
    assert.equal(err.details.hint, 'tip me over');
  });

  it('exactly one of two concurrent pushes of the same version with different content wins', async () => {
    const a = await input('2.0.0', {}, { 'model.bin': 'content A', 'config.json': '{}' });
    const b = await input('2.0.0', { description: 'other' }, { 'model.bin': 'content B', 'config.json': '{}' });
    const post = (body: RegisterVersionInput) => fetch(`${srv.url}/api/v1/models/fraud/versions`, { method: 'POST', headers: { 'content-type': 'application/json', ...srv.auth }, body: JSON.stringify(body) });
    const [ra, rb] = await Promise.all([post(a), post(b)]);
    const statuses = [ra.status, rb.status].sort();
    assert.deepEqual(statuses, [201, 409]);
    const loser = ra.status === 409 ? ra : rb;
    assert.equal(((await loser.json()) as { code: string }).code, 'version_exists');
    await rejectsWith(reg.registerVersion(ra.status === 409 ? a : b), 'version_exists');
  });

  it('reports server_unreachable with a hint when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const err = await rejectsWith(new RemoteRegistry({ baseUrl: `http://127.0.0.1:${port}` }).listModels(), 'server_unreachable');
    assert.match(String(err.details.hint), /--server|MODELVAULT_URL/);
    assert.match(err.message, /ECONNREFUSED/);
  });
});
