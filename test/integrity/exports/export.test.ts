import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openApp } from '../../../src/app.ts';
import { ModelVaultError } from '../../../src/core/errors.ts';
import { csvField, PROVENANCE_COLUMNS } from '../../../src/integrity/exports/index.ts';
import { generateNoteKey, openCheckpoint } from '../../../src/audit/index.ts';
import { onEachBackend, type Backend } from '../../helpers/backends.ts';
import { tempDir } from '../../helpers/model-dir.ts';
import { eventRows, meta, publishedVerifier, push } from '../../audit/helpers.ts';
import { storeVersionFiles } from '../../helpers/registry-home.ts';

onEachBackend('audit exports', (backend: Backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => {
    app = await backend.open();
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('exports anchored and latest checkpoints with public data only', async () => {
    await push(app, 'anc', '1.0.0');
    await push(app, 'anc', '1.0.1');
    await app.audit.recordAnchor({ checkpointSize: 1, ledger: 'ethereum-mainnet', tx: '0x01' }, 'alice');
    await app.audit.recordAnchor({ checkpointSize: 1, ledger: 'bitcoin', tx: 'ab'.repeat(32) }, 'alice');
    await assert.rejects(app.audit.recordAnchor({ checkpointSize: 2, ledger: 'bitcoin', tx: 'ab'.repeat(32) }, 'bob'), (e: unknown) => e instanceof ModelVaultError && e.code === 'conflict');
    await assert.rejects(app.audit.recordAnchor({ checkpointSize: 99, ledger: 'bitcoin', tx: 'x' }, 'bob'), (e: unknown) => e instanceof ModelVaultError && e.code === 'not_found');
    const anchorEvents = (await eventRows(app)).filter((r) => r.action === 'anchor.record');
    assert.equal(anchorEvents.length, 2);
    const doc = await (await app.integrity('alice')).exportAnchors();
    const text = JSON.stringify(doc, null, 2);
    const signerKey = readFileSync(join(app.home, 'keys', 'log.key'), 'utf8').trim();
    assert.ok(!text.includes(signerKey), 'the signer key is not exported');
    // PRIVATE+KEY+<name>+<id>+<base64>: the base64 part may itself contain '+'.
    assert.ok(!text.includes(signerKey.split('+').slice(4).join('+')), 'nor its key material');
    assert.ok(!/PRIVATE/.test(text));
    assert.equal(doc.origin, app.audit.origin);
    assert.equal(doc.log_public_key, readFileSync(join(app.home, 'keys', 'log.pub'), 'utf8').trim());
    // Checkpoint 1 is anchored; 4 is the latest (two pushes, then two anchor records).
    assert.deepEqual(doc.checkpoints.map((c) => c.size), [1, 4]);
    const first = doc.checkpoints[0]!;
    assert.deepEqual(first.anchors.map((a) => [a.ledger, a.tx]), [['ethereum-mainnet', '0x01'], ['bitcoin', 'ab'.repeat(32)]]);
    assert.deepEqual(doc.checkpoints[1]!.anchors, []);
    for (const c of doc.checkpoints) {
      // The exported fields rebuild the signed note, which verifies with the published key.
      const note = `${c.origin}\n${c.size}\n${c.root_hash}\n\n${c.signature}\n`;
      assert.equal(openCheckpoint(note, [publishedVerifier(app.home)]).checkpoint.size, c.size);
      assert.ok(!Number.isNaN(Date.parse(c.time)));
    }
    assert.deepEqual((await (await app.integrity('alice')).exportAnchors({ all: true })).checkpoints.map((c) => c.size), [1, 2, 3, 4]);
    assert.equal((await app.audit.verify()).ok, true);
  });

  it('exports one provenance row per artifact file, quoting hostile paths', async () => {
    const hostile = 'weights/we,ird "name".bin';
    const files = await storeVersionFiles(app, { [hostile]: 'w1', 'config.json': '{}' });
    await app.registry('alice').registerVersion({ metadata: meta('prov', '1.0.0', { artifacts: [hostile, 'config.json'] }), files });
    await push(app, 'prov', '1.1.0');
    await push(app, 'another', '0.1.0');
    const v = await app.metadata.db.selectFrom('versions').innerJoin('models', 'models.id', 'versions.model_id').select(['versions.id', 'versions.manifest_digest']).where('models.name', '=', 'prov').where('versions.version', '=', '1.0.0').executeTakeFirstOrThrow();
    for (const key of ['key-b', 'key-a']) {
      await app.metadata.db.insertInto('evidence').values({ version_id: Number(v.id), kind: 'signature', digest: `sha256:${'0'.repeat(64)}`, key_id: key, body: '{}', created_at: new Date().toISOString() }).execute();
    }
    const csv = await (await app.integrity('alice')).exportProvenance();
    const lines = csv.split('\r\n');
    assert.equal(lines.pop(), '', 'every record ends in CRLF');
    assert.equal(lines[0], PROVENANCE_COLUMNS.join(','));
    const pushIndex = new Map((await eventRows(app)).filter((r) => r.action === 'version.push').map((r) => [r.subject, r.leaf_index]));
    const digest = (p: string): string => files.find((f) => f.path === p)!.digest.slice('sha256:'.length);
    // A row of an unsigned version pushed by the helper, for one of its files.
    const unsigned = async (ref: string, path: string): Promise<string> => {
      const version = await app.registry('a').getVersion(ref);
      return `${ref.replace('@', ',')},${path},${version.files.find((f) => f.path === path)!.digest.slice(7)},${version.manifestDigest},,${pushIndex.get(ref)}`;
    };
    assert.deepEqual(lines.slice(1), [
      await unsigned('another@0.1.0', 'MODEL_CARD.md'),
      await unsigned('another@0.1.0', 'w.bin'),
      `prov,1.0.0,MODEL_CARD.md,${digest('MODEL_CARD.md')},${v.manifest_digest},key-a;key-b,${pushIndex.get('prov@1.0.0')}`,
      `prov,1.0.0,config.json,${digest('config.json')},${v.manifest_digest},key-a;key-b,${pushIndex.get('prov@1.0.0')}`,
      `prov,1.0.0,"weights/we,ird ""name"".bin",${digest(hostile)},${v.manifest_digest},key-a;key-b,${pushIndex.get('prov@1.0.0')}`,
      await unsigned('prov@1.1.0', 'MODEL_CARD.md'),
      await unsigned('prov@1.1.0', 'w.bin'),
    ]);
  });
});

describe('audit CSV quoting and log key', () => {
  it('quotes CSV fields per RFC 4180', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('line\r\nbreak'), '"line\r\nbreak"');
    assert.equal(csvField(42), '42');
  });

  it('names the key after log.origin and takes MODELVAULT_LOG_KEY instead of the key file', async () => {
    const home = tempDir('mv-home-');
    try {
      writeFileSync(join(home, 'config.yaml'), 'log:\n  origin: registry.example.com/audit\n');
      const settings = { home, databaseUrl: `sqlite:${join(home, 'modelvault.db')}`, blobUrl: `file://${join(home, 'blobs')}` };
      const app = await openApp(settings);
      assert.equal(app.audit.origin, 'modelvault.registry.example.com/audit');
      await app.close();
      const other = generateNoteKey('modelvault.registry.example.com/audit');
      const withEnv = await openApp({ ...settings, logKey: other.signerKey });
      assert.equal(withEnv.audit.verifierKey, other.verifierKey);
      assert.equal(readFileSync(join(home, 'keys', 'log.pub'), 'utf8').trim(), other.verifierKey);
      await withEnv.close();
      await assert.rejects(openApp({ ...settings, logKey: generateNoteKey('modelvault.elsewhere').signerKey }), (e: unknown) => e instanceof ModelVaultError && e.code === 'conflict');
      writeFileSync(join(home, 'config.yaml'), 'log:\n  origin: "has space"\n');
      await assert.rejects(openApp(settings), (e: unknown) => e instanceof ModelVaultError && e.code === 'invalid_input' && /log.origin/.test(e.message));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
