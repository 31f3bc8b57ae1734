import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '../../src/app.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { startServer } from '../../src/server/index.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { rejectsWith } from '../helpers/errors.ts';
import { MODEL_CARD } from '../helpers/model-dir.ts';
import { storeRegistrationBlobs, uploadRegistrationBlobs, validRegistration, type Registration } from '../helpers/registration.ts';
import { adminToken } from '../server/harness.ts';

// The registry requires a contact and a card with a Contact section and an Ethics section on top of the schema.
const CONFIG = 'policy:\n  required_fields: [contact]\n  model_card_sections:\n    contact: [Contact]\n    ethics: [Ethical considerations]\n';
const CARD = `${MODEL_CARD}\n## Ethical considerations\nNone, it is a test.\n`;

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** A registration that passes this registry's policy, changed by `options`. */
function registration(version: string, options: Parameters<typeof validRegistration>[2] = {}): Registration {
  return validRegistration('policed', version, { card: CARD, ...options, metadata: { contact: 'ml@example.com', ...options.metadata } });
}

interface Refusal {
  rule: string;
  field?: string;
  message: string;
  hint?: string;
}

/** Each way to break the policy, the rule it breaks and the field named. */
const BROKEN: Array<{ what: string; make(v: string): Registration; rule: string; field?: string; message: RegExp }> = [
  { what: 'metadata without the required fields', make: (v) => ({ ...registration(v), input: { ...registration(v).input, metadata: { name: 'policed', version: v } } }), rule: 'schema', field: 'license', message: /required field is missing/ },
  { what: 'a license that is not SPDX', make: (v) => registration(v, { metadata: { license: 'GPL' } }), rule: 'license', field: 'license', message: /GPL/ },
  { what: 'an artifact not in the manifest', make: (v) => registration(v, { metadata: { artifacts: ['w.bin', 'model.onnx'] } }), rule: 'artifact-missing', field: 'artifacts[1]', message: /"model\.onnx" is not among the version's files/ },
  { what: 'a training_hash that is not the artifact\'s digest', make: (v) => registration(v, { metadata: { training_hash: sha256('other bytes') } }), rule: 'checksum-mismatch', field: 'training_hash', message: /training_hash says/ },
  { what: 'an artifact checksum that is not its digest', make: (v) => registration(v, { metadata: { artifacts: [{ path: 'w.bin', checksum: sha256('other bytes') }] } }), rule: 'checksum-mismatch', field: 'artifacts[0].checksum', message: /the metadata says/ },
  { what: 'no model card among the files', make: (v) => registration(v, { card: null }), rule: 'model-card-missing', message: /no MODEL_CARD\.md in the version's files/ },
  { what: 'a model card without a required section', make: (v) => registration(v, { card: MODEL_CARD }), rule: 'model-card-section', field: 'ethics', message: /missing section "ethics"/ },
  { what: 'a field config.yaml requires left out', make: (v) => validRegistration('policed', v, { card: CARD }), rule: 'required-field', field: 'contact', message: /requires the field/ },
];

function assertNames(problems: Refusal[], rule: string, field: string | undefined, message: RegExp): void {
  const found = problems.find((p) => p.rule === rule && p.field === field);
  assert.ok(found, `no ${rule} problem for ${field ?? '(no field)'} in ${JSON.stringify(problems)}`);
  assert.match(found.message, message);
  assert.equal(typeof found.hint, 'string');
}

onEachBackend('registration is held to the registry policy', (backend) => {
  let app: AppContext & { dispose(): Promise<void> };
  let url: string;
  let auth: Record<string, string>;
  let close: () => Promise<void>;
  before(async () => {
    app = await backend.open(CONFIG);
    const running = await startServer(app, { host: '127.0.0.1', port: 0, logger: false });
    url = running.url;
    close = running.close;
    auth = { authorization: `Bearer ${await adminToken(app)}` };
  });
  after(async () => {
    await close();
    await app.dispose();
  });

  const post = async (r: Registration, extra: Record<string, unknown> = {}): Promise<{ status: number; body: any }> => {
    await uploadRegistrationBlobs(url, r, auth);
    const res = await fetch(`${url}/api/v1/models/policed/versions`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ ...r.input, ...extra }) });
    return { status: res.status, body: await res.json() };
  };

  describe('over HTTP', () => {
    it('refuses the bare registration of a name, a version and a file', async () => {
      const r = registration('0.0.1');
      const res = await post({ ...r, input: { metadata: { name: 'policed', version: '0.0.1' }, files: r.input.files.filter((f) => f.path === 'w.bin') } });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'policy_violation');
      assert.match(res.body.detail, /^policed@0\.0\.1 does not pass the registry policy: metadata/);
      for (const field of ['source', 'dataset_manifest', 'training_hash', 'license', 'artifacts']) assertNames(res.body.problems, 'schema', field, /required field is missing/);
      assertNames(res.body.problems, 'model-card-missing', undefined, /MODEL_CARD\.md/);
      assertNames(res.body.problems, 'required-field', 'contact', /requires the field/);
      assert.match(res.body.detail, /\(and \d+ more\)$/);
    });

    for (const [i, broken] of BROKEN.entries()) {
      it(`refuses ${broken.what}, naming the problem`, async () => {
        const res = await post(broken.make(`1.${i}.0`));
        assert.equal(res.status, 403, JSON.stringify(res.body));
        assert.equal(res.body.code, 'policy_violation');
        assert.match(res.body.detail, broken.message);
        assertNames(res.body.problems, broken.rule, broken.field, broken.message);
        const versions = await (await fetch(`${url}/api/v1/models/policed/versions`, { headers: auth })).json() as { items?: Array<{ version: string }> };
        assert.ok(!(versions.items ?? []).some((v) => v.version === `1.${i}.0`), 'the refused version was stored');
      });
    }

    it('does not let an administrator force a version past the policy', async () => {
      const res = await post(registration('2.0.0', { metadata: { license: 'GPL' } }), { force: true, reason: 'release today' });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'policy_violation');
      assertNames(res.body.problems, 'license', 'license', /GPL/);
    });

    it('accepts a valid registration and stores the card of its MODEL_CARD.md', async () => {
      const res = await post(registration('3.0.0'));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const shown = await (await fetch(`${url}/api/v1/models/policed/versions/3.0.0`, { headers: auth })).json() as { modelCard: string };
      assert.equal(shown.modelCard, CARD);
    });

    it('refuses a modelCard that differs from the MODEL_CARD.md of the files, and accepts the same text', async () => {
      const differs = await post(registration('3.1.0'), { modelCard: '# Another card\n' });
      assert.equal(differs.status, 400);
      assert.equal(differs.body.code, 'invalid_input');
      assert.equal(differs.body.field, 'modelCard');
      const same = await post(registration('3.1.0'), { modelCard: CARD });
      assert.equal(same.status, 201, JSON.stringify(same.body));
    });
  });

  describe('embedded', () => {
    it('refuses every broken registration with the problem in details, and stores nothing', async () => {
      const registry = app.registry('alice');
      for (const [i, broken] of BROKEN.entries()) {
        const r = broken.make(`4.${i}.0`);
        await storeRegistrationBlobs(app.blobs, r);
        const err = await rejectsWith(registry.registerVersion(r.input), 'policy_violation');
        assertNames((err.details as { problems: Refusal[] }).problems, broken.rule, broken.field, broken.message);
        await assert.rejects(registry.getVersion(`policed@4.${i}.0`), (e) => e instanceof ModelVaultError && e.code === 'not_found');
      }
    });

    it('registers a valid version', async () => {
      const r = registration('5.0.0');
      await storeRegistrationBlobs(app.blobs, r);
      const result = await app.registry('alice').registerVersion(r.input);
      assert.equal(result.created, true);
      assert.equal((await app.registry('alice').getVersion('policed@5.0.0')).modelCard, CARD);
    });
  });
});

onEachBackend('the built-in model card sections when config.yaml names none', (backend) => {
  let app: AppContext & { dispose(): Promise<void> };
  before(async () => {
    app = await backend.open('policy:\n  required_fields: []\n');
  });
  after(() => app.dispose());

  it('requires every default section: a card without Contact is refused, a full one accepted', async () => {
    const withoutContact = MODEL_CARD.replace(/^## Contact[\s\S]*?(?=^## |(?![\s\S]))/m, '');
    assert.notEqual(withoutContact, MODEL_CARD, 'the test card has a Contact section to take out');
    const refused = validRegistration('sections', '1.0.0', { card: withoutContact });
    await storeRegistrationBlobs(app.blobs, refused);
    const e = await rejectsWith(app.registry('alice').registerVersion(refused.input), 'policy_violation');
    assertNames(e.details.problems as Refusal[], 'model-card-section', 'contact', /missing section "contact"/);
    const accepted = validRegistration('sections', '1.0.1');
    await storeRegistrationBlobs(app.blobs, accepted);
    assert.equal((await app.registry('alice').registerVersion(accepted.input)).created, true);
  });
});
