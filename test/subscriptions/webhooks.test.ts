import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { openApp, type AppContext } from '../../src/app.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { appendEvents } from '../../src/registry/index.ts';
import type { WebhookService } from '../../src/subscriptions/index.ts';
import { verifySignature } from '../../src/webhooks/index.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { pushVersion } from '../helpers/registry-home.ts';
import { eventually, startReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

const SECRET = 'receiver-secret-0123456789';
const FILE_SECRET = 'file-defined-secret-0123456789';

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<ModelVaultError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ModelVaultError, `expected ModelVaultError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

function writeWebhooksYaml(home: string, text: string): void {
  writeFileSync(join(home, 'webhooks.yaml'), text);
}

onEachBackend('registry webhooks', (backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  let hooks: WebhookService;
  let rx: WebhookReceiver;
  // Apps opened again on the same home and database, closed before the first one is disposed.
  const reopened: AppContext[] = [];

  before(async () => {
    rx = await startReceiver({ '/flaky': [500, 200], '/down': [500], '/hold': ['hold'] });
  });
  after(() => rx.close());
  beforeEach(async () => {
    rx.hits.length = 0;
    app = await backend.open();
    writeWebhooksYaml(app.home, 'allow_addresses: [loopback]\n');
    hooks = await app.webhooks('root');
  });
  afterEach(async () => {
    for (const a of reopened.splice(0)) await a.close();
    await app.dispose();
  });

  async function reopen(): Promise<AppContext> {
    const again = await openApp(app.settings);
    reopened.push(again);
    return again;
  }

  it('delivers version.created, stage.changed and alias.changed, signed with the secret, with the event in the body', async () => {
    const sub = await hooks.add({ url: `${rx.url}/all`, events: ['version.created', 'stage.changed', 'alias.changed'], secret: SECRET });
    assert.match(sub.id, /^wh_[0-9a-f]{12}$/);
    await pushVersion(app, 'fraud', '1.0.0', 'alice');
    await app.registry('bob').setStage('fraud@1.0.0', 'validation', 'offline metrics ok');
    await app.registry('carol').setAlias('fraud', 'champion', '1.0.0');
    const pass = await hooks.deliver();
    assert.deepEqual(pass.deliveries.map((d) => [d.event, d.outcome, d.attempts]), [['version.created', 'delivered', 1], ['stage.changed', 'delivered', 1], ['alias.changed', 'delivered', 1]]);
    const got = rx.at('/all');
    assert.equal(got.length, 3);
    for (const h of got) {
      assert.ok(verifySignature(h.body, SECRET, h.headers['x-modelvault-signature'] as string), 'the signature verifies with the secret');
      assert.equal(verifySignature(h.body, 'some-other-secret-value', h.headers['x-modelvault-signature'] as string), false);
      assert.equal(h.headers['content-type'], 'application/json');
      assert.equal(h.headers['x-modelvault-event'], h.json.event);
      assert.equal(h.headers['x-modelvault-delivery'], `${sub.id}/${h.json.eventId}`);
    }
    const events = (await app.registry('x').events({ model: 'fraud' })).items;
    const idOf = (action: string): number => events.find((e) => e.action === action)!.id;
    const [created, staged, aliased] = got.map((h) => h.json);
    assert.deepEqual({ ...created, time: typeof created.time }, { event: 'version.created', eventId: idOf('version.push'), model: 'fraud', version: '1.0.0', stage: 'development', actor: 'alice', time: 'string', data: { manifestDigest: events.find((e) => e.action === 'version.push')!.payload.manifest_digest } });
    assert.deepEqual({ ...staged, time: undefined }, { event: 'stage.changed', eventId: idOf('version.stage'), model: 'fraud', version: '1.0.0', stage: 'validation', actor: 'bob', time: undefined, data: { from: 'development', to: 'validation', reason: 'offline metrics ok' } });
    assert.equal(staged.time, events.find((e) => e.action === 'version.stage')!.time);
    assert.deepEqual({ ...aliased, time: undefined }, { event: 'alias.changed', eventId: idOf('alias.set'), model: 'fraud', version: '1.0.0', stage: null, actor: 'carol', time: undefined, data: { alias: 'champion', previous: null, removed: false } });
    const state = (await hooks.list()).items.find((i) => i.id === sub.id)!.delivery!;
    assert.deepEqual({ delivered: state.delivered, failed: state.failed, failures: state.failures, lastStatus: state.lastStatus }, { delivered: 3, failed: 0, failures: 0, lastStatus: 200 });
    assert.equal((await hooks.deliver()).deliveries.length, 0, 'a second pass finds nothing new');
  });

  it('sends nothing for event types not subscribed or models not matching the pattern', async () => {
    const sub = await hooks.add({ url: `${rx.url}/fraud-stages`, events: ['stage.changed'], model: 'fraud-*', secret: SECRET });
    await pushVersion(app, 'fraud-eu', '1.0.0');
    await pushVersion(app, 'churn', '1.0.0');
    await app.registry('bob').setStage('churn@1.0.0', 'validation');
    await app.registry('bob').setStage('fraud-eu@1.0.0', 'validation');
    await app.registry('bob').setAlias('fraud-eu', 'champion', '1.0.0');
    const pass = await hooks.deliver();
    assert.deepEqual(pass.deliveries.map((d) => d.event), ['stage.changed']);
    assert.deepEqual(rx.at('/fraud-stages').map((h) => [h.json.event, h.json.model]), [['stage.changed', 'fraud-eu']]);
    // The cursor moved past the events it skipped: the newest event is done.
    const last = (await app.registry('x').events({ limit: 1000 })).items.at(-1)!.id;
    assert.equal((await hooks.list()).items.find((i) => i.id === sub.id)!.delivery!.cursor, last);
  });

  it('retries after a 500 within the delivery, then succeeds', async () => {
    await hooks.add({ url: `${rx.url}/flaky`, events: ['version.created'], secret: SECRET });
    await pushVersion(app, 'fraud', '1.0.0');
    const pass = await hooks.deliver();
    assert.deepEqual(pass.deliveries.map((d) => ({ delivered: d.delivered, attempts: d.attempts, status: d.status })), [{ delivered: true, attempts: 2, status: 200 }]);
    const got = rx.at('/flaky');
    assert.equal(got.length, 2);
    assert.equal(got[0]!.body, got[1]!.body, 'the retry sends the same body');
    assert.ok(verifySignature(got[1]!.body, SECRET, got[1]!.headers['x-modelvault-signature'] as string));
  });

  it('keeps its place while a file-defined receiver is down, then delivers in order', async () => {
    writeWebhooksYaml(app.home, ['allow_addresses: [loopback]', 'webhooks:', '  - id: ci', `    url: ${rx.url}/down`, '    events: [version.created]', '    secret_env: MV_TEST_HOOK_SECRET', '    attempts: 1'].join('\n'));
    process.env.MV_TEST_HOOK_SECRET = FILE_SECRET;
    const again = await reopen();
    const fileHooks = await again.webhooks('root').finally(() => delete process.env.MV_TEST_HOOK_SECRET);
    assert.equal((await fileHooks.deliver()).deliveries.length, 0, 'the cursor of a new file-defined webhook starts at the newest event');
    await pushVersion(again, 'fraud', '1.0.0');
    await pushVersion(again, 'fraud', '1.1.0');
    const first = await fileHooks.deliver();
    assert.deepEqual(first.deliveries.map((d) => [d.outcome, d.error]), [['retry', 'HTTP 500']]);
    const waiting = (await fileHooks.list()).items.find((i) => i.id === 'file:ci')!;
    assert.equal(waiting.source, 'file');
    assert.equal(waiting.secretEnv, 'MV_TEST_HOOK_SECRET');
    assert.equal(waiting.delivery!.failures, 1);
    assert.ok(waiting.delivery!.retryAt !== null);
    await eventually('both versions delivered', async () => {
      await fileHooks.deliver();
      return rx.at('/down').length >= 3 ? true : undefined;
    });
    const got = rx.at('/down');
    assert.deepEqual(got.map((h) => h.json.version), ['1.0.0', '1.0.0', '1.1.0']);
    assert.ok(got.every((h) => verifySignature(h.body, FILE_SECRET, h.headers['x-modelvault-signature'] as string)));
    const done = (await fileHooks.list()).items.find((i) => i.id === 'file:ci')!.delivery!;
    assert.deepEqual({ delivered: done.delivered, failures: done.failures, retryAt: done.retryAt }, { delivered: 2, failures: 0, retryAt: null });
    await rejects(fileHooks.remove('file:ci'), 'forbidden', /webhooks\.yaml and is read-only/);
  });

  it('keeps its cursor across a restart: nothing is delivered twice', async () => {
    const sub = await hooks.add({ url: `${rx.url}/restart`, events: ['version.created'], secret: SECRET });
    await pushVersion(app, 'fraud', '1.0.0');
    assert.equal((await hooks.deliver()).deliveries.length, 1);
    await app.close();
    const again = await reopen();
    const afterRestart = await again.webhooks('root');
    assert.deepEqual((await afterRestart.deliver()).deliveries, []);
    await pushVersion(again, 'fraud', '1.1.0');
    const pass = await afterRestart.deliver();
    assert.deepEqual(pass.deliveries.map((d) => [d.subscription, d.outcome]), [[sub.id, 'delivered']]);
    assert.deepEqual(rx.at('/restart').map((h) => h.json.version), ['1.0.0', '1.1.0']);
  });

  it('delivers each event once when two processes share the database', async () => {
    await hooks.add({ url: `${rx.url}/shared`, events: ['version.created'], secret: SECRET });
    const other = await (await reopen()).webhooks('root');
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await pushVersion(app, 'fraud', v);
    await Promise.all([hooks.deliver(), other.deliver()]);
    await Promise.all([hooks.deliver(), other.deliver()]);
    const ids = rx.at('/shared').map((h) => h.json.eventId);
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 3);
  });

  it('delivers approval.given and gate.failed by name once the registry logs them', async () => {
    await hooks.add({ url: `${rx.url}/governance`, events: ['approval.given', 'gate.failed'], secret: SECRET });
    await pushVersion(app, 'fraud', '1.0.0');
    await appendEvents(app.metadata.db, [
      { actor: 'dana', action: 'approval.given', subject: 'fraud@1.0.0', model: 'fraud', payload: { stage: 'production', comment: 'reviewed' } },
      { actor: 'ci', action: 'gate.failed', subject: 'fraud@1.0.0', model: 'fraud', payload: { to: 'production', gate: 'accuracy >= 0.9' } },
    ]);
    await hooks.deliver();
    assert.deepEqual(
      rx.at('/governance').map((h) => [h.json.event, h.json.model, h.json.version, h.json.stage, h.json.actor, h.json.data]),
      [
        ['approval.given', 'fraud', '1.0.0', 'production', 'dana', { stage: 'production', comment: 'reviewed' }],
        ['gate.failed', 'fraud', '1.0.0', 'production', 'ci', { to: 'production', gate: 'accuracy >= 0.9' }],
      ],
    );
  });

  it('refuses addresses outside allow_addresses, when adding and again when delivering', async () => {
    await rejects(hooks.add({ url: 'http://10.20.30.40/hook', events: ['version.created'], secret: SECRET }), 'forbidden', /10\.20\.30\.40 is a private address; allowed: loopback/);
    const kept = await hooks.add({ url: `${rx.url}/narrowed`, events: ['version.created'], secret: SECRET });
    // The default policy (no webhooks.yaml) allows public and private addresses, not the registry's own host.
    rmSync(join(app.home, 'webhooks.yaml'));
    const again = await reopen();
    const strict = await again.webhooks('root');
    const err = await rejects(strict.add({ url: `${rx.url}/x`, events: ['version.created'], secret: SECRET }), 'forbidden', /127\.0\.0\.1 is a loopback address; allowed: public, private/);
    assert.match(String(err.details.hint), /allow_addresses in .*webhooks\.yaml/);
    await rejects(strict.add({ url: `http://localhost:9/x`, events: ['version.created'], secret: SECRET }), 'forbidden', /localhost \(.*\) is a loopback address/);
    await pushVersion(again, 'fraud', '1.0.0');
    const pass = await strict.deliver();
    assert.deepEqual(pass.deliveries.map((d) => [d.subscription, d.outcome, d.attempts]), [[kept.id, 'dropped', 0]]);
    assert.match(pass.deliveries[0]!.error!, /^refused: address 127\.0\.0\.1 is a loopback address/);
    assert.equal(rx.at('/narrowed').length, 0);
    assert.equal((await strict.list()).items.find((i) => i.id === kept.id)!.delivery!.failed, 1);
  });

  it('never shows a secret, validates what it stores, and logs adding and removing', async () => {
    const sub = await hooks.add({ url: `${rx.url}/listed?token=abc`, events: ['version.created', 'version.created'], secret: SECRET });
    assert.deepEqual(sub.events, ['version.created']);
    const list = await hooks.list();
    assert.deepEqual(list.allowAddresses, ['loopback']);
    assert.ok(!JSON.stringify(list).includes(SECRET), 'list carries no secret');
    assert.ok(!JSON.stringify(sub).includes(SECRET), 'add answers without the secret');
    await rejects(hooks.add({ url: `${rx.url}/x`, events: ['version.create' as never], secret: SECRET }), 'invalid_input', /"version\.create" is not an event type \(use version\.created, stage\.changed, alias\.changed, approval\.given, gate\.failed\)/);
    await rejects(hooks.add({ url: `${rx.url}/x`, events: [], secret: SECRET }), 'invalid_input', /events must list one or more/);
    await rejects(hooks.add({ url: `${rx.url}/x`, events: ['version.created'], model: 'Fraud/*', secret: SECRET }), 'invalid_input', /webhook model must be a model name or a glob/);
    await rejects(hooks.add({ url: 'ftp://127.0.0.1/x', events: ['version.created'], secret: SECRET }), 'invalid_input', /webhook url must be an http or https URL/);
    await rejects(hooks.add({ url: `${rx.url}/x`, events: ['version.created'], secret: 'short' }), 'invalid_input', /webhook secret must be 16 to 1024 characters/);
    const removed = await hooks.remove(sub.id);
    assert.equal(removed.id, sub.id);
    assert.deepEqual((await hooks.list()).items, []);
    await rejects(hooks.remove(sub.id), 'not_found');
    const logged = (await app.registry('x').events({ limit: 1000 })).items.filter((e) => e.action.startsWith('webhook.'));
    assert.deepEqual(logged.map((e) => [e.action, e.actor, e.subject]), [['webhook.add', 'root', `webhook:${sub.id}`], ['webhook.remove', 'root', `webhook:${sub.id}`]]);
    assert.equal(logged[0]!.payload.origin, rx.url);
    assert.ok(!JSON.stringify(logged).includes('token=abc') && !JSON.stringify(logged).includes(SECRET));
  });

  it('delivers in the background after commit without holding up registry operations', async () => {
    await hooks.add({ url: `${rx.url}/hold`, events: ['version.created', 'stage.changed'], secret: SECRET });
    await app.startWebhookDelivery((err) => assert.fail(String(err)));
    await pushVersion(app, 'fraud', '1.0.0');
    await eventually('the receiver holding the first delivery', () => (rx.at('/hold').length === 1 ? true : undefined));
    // The delivery is in flight and unanswered: registry writes go on.
    await app.registry('bob').setStage('fraud@1.0.0', 'validation');
    await pushVersion(app, 'fraud', '1.1.0');
    assert.equal(rx.at('/hold').length, 1);
    rx.release();
    const got = await eventually('every event delivered', () => (rx.at('/hold').length === 3 ? rx.at('/hold') : undefined));
    assert.deepEqual(got.map((h) => [h.json.event, h.json.version]), [['version.created', '1.0.0'], ['stage.changed', '1.0.0'], ['version.created', '1.1.0']]);
  });
});
