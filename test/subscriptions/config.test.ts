import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT_OF_ACTION, modelMatches, parseWebhooksConfig, payloadOf } from '../../src/subscriptions/index.ts';

const SECRET = 'a-secret-of-enough-length';

describe('webhooks.yaml', () => {
  it('defaults to public and private addresses, a one-second poll and no file-defined webhooks', () => {
    const cfg = parseWebhooksConfig(null, 'webhooks.yaml');
    assert.deepEqual([[...cfg.allowAddresses], cfg.pollMs, cfg.webhooks], [['public', 'private'], 1000, []]);
  });

  it('reads file-defined webhooks with their secrets, filters and retry settings', () => {
    const cfg = parseWebhooksConfig(
      { allow_addresses: ['loopback'], poll_ms: 250, webhooks: [{ id: 'ci', url: 'http://127.0.0.1:9/h', events: ['stage.changed', 'gate.failed'], model: 'fraud-?', secret_env: 'CI_SECRET', attempts: 2 }] },
      'webhooks.yaml',
      { CI_SECRET: SECRET },
    );
    assert.deepEqual(cfg.webhooks, [{ id: 'ci', url: 'http://127.0.0.1:9/h', secret: SECRET, timeoutMs: 2000, attempts: 2, backoffMs: 250, deadlineMs: 10_000, events: ['stage.changed', 'gate.failed'], model: 'fraud-?', secretEnv: 'CI_SECRET' }]);
    assert.equal(cfg.pollMs, 250);
  });

  it('names the file, the field and the fix for bad entries', () => {
    const hook = { id: 'ci', url: 'http://h/x', events: ['version.created'], secret: SECRET };
    const cases: [unknown, RegExp][] = [
      [{ hooks: [] }, /webhooks\.yaml: hooks is not a setting \(use allow_addresses, poll_ms, webhooks\)/],
      [{ allow_addresses: ['intranet'] }, /allow_addresses must be a list of address classes \(loopback, private, link-local, public\)/],
      [{ poll_ms: 0 }, /poll_ms must be an integer from 10 to 3600000/],
      [{ webhooks: [{ ...hook, events: ['version.pushed'] }] }, /webhooks\[0\]\.events "version\.pushed" is not an event type \(use version\.created/],
      [{ webhooks: [{ ...hook, model: 'Fraud' }] }, /webhooks\[0\]\.model must be a model name or a glob/],
      [{ webhooks: [{ ...hook, id: 'Has Space' }] }, /webhooks\[0\]\.id must be a name/],
      [{ webhooks: [hook, hook] }, /webhooks\[1\]\.id repeats the id "ci"/],
      [{ webhooks: [{ ...hook, secret: undefined }] }, /webhooks\[0\]\.secret must be a string of at least 16 characters/],
      [{ webhooks: [{ ...hook, headers: {} }] }, /webhooks\[0\]\.headers is not a webhook setting/],
      [['not', 'a', 'mapping'], /webhooks\.yaml: must be a mapping/],
    ];
    for (const [doc, message] of cases) assert.throws(() => parseWebhooksConfig(doc, 'webhooks.yaml', {}), message, JSON.stringify(doc));
  });
});

describe('webhook events', () => {
  it('matches model globs on whole names, with "." taken literally', () => {
    assert.equal(modelMatches(null, 'anything'), true);
    assert.equal(modelMatches('fraud-*', 'fraud-eu'), true);
    assert.equal(modelMatches('fraud-*', 'churn-fraud-eu'), false);
    assert.equal(modelMatches('fraud-?', 'fraud-eu'), false);
    assert.equal(modelMatches('fraud-??', 'fraud-eu'), true);
    assert.equal(modelMatches('v1.0', 'v1x0'), false);
    assert.equal(modelMatches('v1.0', 'v1.0'), true);
  });

  it('maps the registry actions to event types and leaves the others out', () => {
    assert.deepEqual(EVENT_OF_ACTION, { 'version.push': 'version.created', 'version.stage': 'stage.changed', 'alias.set': 'alias.changed', 'alias.rm': 'alias.changed', 'version.approve': 'approval.given', 'approval.given': 'approval.given', 'gate.failed': 'gate.failed' });
    const base = { id: 7, time: '2026-01-01T00:00:00.000Z', actor: 'carol' };
    for (const action of ['version.rollback', 'tag.set', 'evidence.add', 'alert.fire', 'webhook.add', 'key.trust']) {
      assert.equal(payloadOf({ ...base, action, subject: 'fraud@1.0.0', payload: {} }), undefined, action);
    }
    assert.deepEqual(payloadOf({ ...base, action: 'version.approve', subject: 'fraud@1.2.0', payload: { stage: 'production', approval_id: 3, comment: 'ok' } }), {
      event: 'approval.given', eventId: 7, model: 'fraud', version: '1.2.0', stage: 'production', actor: 'carol', time: base.time, data: { stage: 'production', approval_id: 3, comment: 'ok' },
    });
    assert.deepEqual(payloadOf({ ...base, action: 'alias.rm', subject: 'fraud@champion', payload: { alias: 'champion' } }), {
      event: 'alias.changed', eventId: 7, model: 'fraud', version: null, stage: null, actor: 'carol', time: base.time, data: { alias: 'champion', previous: null, removed: true },
    });
  });
});
