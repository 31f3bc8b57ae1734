import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifySignature } from '../../src/webhooks/index.ts';
import { runCli, useCliTarget } from '../helpers/cli.ts';
import { makeModelDir } from '../helpers/model-dir.ts';
import { startReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

const SECRET = 'cli-hook-secret-0123456789';
const FILE_SECRET = 'file-hook-secret-0123456789';

type Listed = { items: { id: string; source: string; url: string; events: string[]; model: string | null; delivery: { delivered: number } | null }[]; allowAddresses: string[] };

/** `modelvault webhooks …`, embedded and against a live server (whose home holds webhooks.yaml). */
for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault webhooks (${mode})`, () => {
    let rx: WebhookReceiver;
    before(async () => {
      rx = await startReceiver();
    });
    after(() => rx.close());
    const t = useCliTarget(mode, 'mv-hooks', {
      prepare: (home) =>
        writeFileSync(join(home, 'webhooks.yaml'), ['allow_addresses: [loopback]', 'webhooks:', '  - id: audit-trail', `    url: ${rx.url}/file`, '    events: [stage.changed]', `    secret: ${FILE_SECRET}`].join('\n')),
    });
    const withSecret = (...args: string[]) => runCli(args, { ...t.env, HOOK_SECRET: SECRET });

    it('adds, lists without secrets, delivers signed events and removes', async () => {
      const added = await withSecret('webhooks', 'add', `${rx.url}/api`, '--events', 'version.created,stage.changed', '--model', 'fraud*', '--secret-env', 'HOOK_SECRET', '--json');
      assert.equal(added.code, 0, added.stderr);
      const sub = added.json as { id: string; source: string; events: string[]; model: string };
      assert.deepEqual([sub.source, sub.events, sub.model], ['api', ['version.created', 'stage.changed'], 'fraud*']);
      assert.ok(!added.stdout.includes(SECRET));

      for (const args of [['webhooks', 'list'], ['webhooks', 'list', '--json']]) {
        const listed = await t.cli(...args);
        assert.equal(listed.code, 0, listed.stderr);
        assert.ok(!listed.stdout.includes(SECRET) && !listed.stdout.includes(FILE_SECRET), `${args.join(' ')} shows no secret`);
        assert.ok(listed.stdout.includes(sub.id) && listed.stdout.includes('file:audit-trail'));
      }
      const text = (await t.cli('webhooks', 'list')).stdout;
      assert.match(text, /webhooks may reach loopback addresses/);

      assert.equal((await t.cli('push', makeModelDir({ name: 'fraud-eu' }).dir)).code, 0);
      assert.equal((await t.cli('push', makeModelDir({ name: 'churn' }).dir)).code, 0);
      assert.equal((await t.cli('stage', 'fraud-eu@1.0.0', 'validation')).code, 0);
      const pass = await t.cli('webhooks', 'deliver', '--json');
      assert.equal(pass.code, 0, pass.stderr);
      const deliveries = (pass.json as { deliveries: { subscription: string; event: string; outcome: string }[] }).deliveries;
      assert.deepEqual(deliveries.map((d) => [d.subscription, d.event, d.outcome]), [
        [sub.id, 'version.created', 'delivered'],
        ['file:audit-trail', 'stage.changed', 'delivered'],
        [sub.id, 'stage.changed', 'delivered'],
      ]);
      for (const h of rx.at('/api')) assert.ok(verifySignature(h.body, SECRET, h.headers['x-modelvault-signature'] as string));
      assert.deepEqual(rx.at('/api').map((h) => [h.json.event, h.json.model, h.json.version, h.json.actor]), [['version.created', 'fraud-eu', '1.0.0', 'carol'], ['stage.changed', 'fraud-eu', '1.0.0', 'carol']]);
      const fileHits = rx.at('/file');
      assert.deepEqual(fileHits.map((h) => [h.json.event, h.json.model, h.json.stage]), [['stage.changed', 'fraud-eu', 'validation']]);
      assert.ok(verifySignature(fileHits[0]!.body, FILE_SECRET, fileHits[0]!.headers['x-modelvault-signature'] as string));
      assert.equal((await t.cli('webhooks', 'deliver')).stdout, 'nothing to deliver\n');

      const fileRemove = await t.cli('webhooks', 'remove', 'file:audit-trail');
      assert.equal(fileRemove.code, 2);
      assert.match(fileRemove.stderr, /error\[forbidden\]: webhook file:audit-trail is defined in .*webhooks\.yaml and is read-only here/);
      const removed = await t.cli('webhooks', 'remove', sub.id);
      assert.equal(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, new RegExp(`^removed webhook ${sub.id} \\(${rx.url}/api\\)`));
      const left = (await t.cli('webhooks', 'list', '--json')).json as Listed;
      assert.deepEqual(left.items.map((i) => [i.id, i.source, i.delivery?.delivered]), [['file:audit-trail', 'file', 1]]);
      assert.equal((await t.cli('webhooks', 'remove', sub.id)).code, 2);
    });

    it('says what is wrong with a subscription and changes nothing', async () => {
      const before = ((await t.cli('webhooks', 'list', '--json')).json as Listed).items.length;
      const typo = await withSecret('webhooks', 'add', `${rx.url}/x`, '--events', 'version.create', '--secret-env', 'HOOK_SECRET');
      assert.equal(typo.code, 2);
      // Embedded, the service names the bad value; over HTTP, the request schema names the field; both list the event types.
      assert.match(typo.stderr, mode === 'embedded' ? /"version\.create" is not an event type/ : /body\.events\.0 must be equal to one of the allowed values/);
      assert.match(typo.stderr, /\(use version\.created, stage\.changed, alias\.changed, approval\.given, gate\.failed\)|\(version\.created, stage\.changed, alias\.changed, approval\.given, gate\.failed\)/);
      const refused = await withSecret('webhooks', 'add', 'http://10.9.8.7/x', '--events', 'version.created', '--secret-env', 'HOOK_SECRET', '--json');
      assert.equal(refused.code, 2);
      assert.equal((refused.json as { error: { code: string } }).error.code, 'forbidden');
      assert.match(refused.stdout, /10\.9\.8\.7 is a private address; allowed: loopback/);
      const both = await withSecret('webhooks', 'add', `${rx.url}/x`, '--events', 'version.created', '--secret-env', 'HOOK_SECRET', '--secret', SECRET);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /exactly one of --secret-env VAR or --secret VALUE/);
      const unset = await t.cli('webhooks', 'add', `${rx.url}/x`, '--events', 'version.created', '--secret-env', 'NOT_SET_ANYWHERE');
      assert.equal(unset.code, 2);
      assert.match(unset.stderr, /--secret-env NOT_SET_ANYWHERE: the variable is not set/);
      const short = await t.cli('webhooks', 'add', `${rx.url}/x`, '--events', 'version.created', '--secret', 'short');
      assert.equal(short.code, 2);
      assert.ok(!short.stderr.includes('    at '), 'no stack trace');
      assert.equal(((await t.cli('webhooks', 'list', '--json')).json as Listed).items.length, before);
    });
  });
}
