import assert from 'node:assert/strict';
import { createHash, createPrivateKey } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openApp, resolveSettings, type AppContext } from '../../src/app.ts';
import { keyIdOf } from '../../src/integrity/signing/index.ts';
import { signPae } from '../../src/integrity/signing/dsse.ts';
import { statementPayload } from '../../src/integrity/signing/in-toto-statement.ts';
import { dropAppendOnly } from '../audit/helpers.ts';
import { runCli, startCliTarget, type CliResult, type CliTarget } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model-dir.ts';
import { NO_APPROVALS } from '../helpers/registry-home.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/fraud-detector', import.meta.url));

type Problem = { kind: string; path: string; message: string };
type DirReport = { ok: boolean; signer: { keyId?: string } | null; problems: Problem[] };

/** Signing, trust, the signing policy and the audit log through the CLI, embedded and against a live server. */
for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault signing and audit (${mode})`, () => {
    let home: string;
    let clientHome: string;
    let work: string;
    let env: Record<string, string>;
    let server: { url: string; close(): Promise<void> } | undefined;
    let app: AppContext | undefined;
    let target: CliTarget;
    let model: string;
    let keyId: string;
    const cli = (...args: string[]): Promise<CliResult> => runCli(args, env);
    const keyFile = (name: string, ext: 'key' | 'pub'): string => join(clientHome, 'keys', `${name}.${ext}`);
    const verifyDir = async (dir: string, ...extra: string[]): Promise<{ code: number; report: DirReport; stderr: string }> => {
      const r = await cli('verify', dir, '--json', ...extra);
      return { code: r.code, report: r.json as DirReport, stderr: r.stderr };
    };

    before(async () => {
      home = tempDir('mv-sign-home-');
      work = tempDir('mv-sign-work-');
      writeFileSync(join(home, 'config.yaml'), `signing:\n  require_signature: [production]\n${NO_APPROVALS}`);
      target = await startCliTarget(mode, home, 'erin');
      ({ env, app, server } = target);
      clientHome = target.clientHome;
      model = join(work, 'fraud-detector');
      cpSync(EXAMPLE, model, { recursive: true });
      writeFileSync(join(work, 'pass.txt'), 'correct horse\n');
      writeFileSync(join(work, 'wrong.txt'), 'wrong horse\n');
    });
    after(async () => {
      await target.close();
      for (const d of [home, work, clientHome]) rmSync(d, { recursive: true, force: true });
    });

    it('generates keys (0600, encrypted with a passphrase), prints the key id and never overwrites', async () => {
      const g = await cli('keys', 'generate', '--name', 'release', '--passphrase-file', join(work, 'pass.txt'), '--json');
      assert.equal(g.code, 0, g.stderr);
      const k = g.json as { keyId: string; encrypted: boolean; privateKeyFile: string };
      keyId = k.keyId;
      assert.equal(k.keyId, keyIdOf(readFileSync(keyFile('release', 'pub'), 'utf8')));
      assert.equal(statSync(keyFile('release', 'key')).mode & 0o777, 0o600);
      assert.match(readFileSync(keyFile('release', 'key'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
      assert.throws(() => createPrivateKey({ key: readFileSync(keyFile('release', 'key'), 'utf8'), passphrase: 'wrong horse' }));
      const other = await cli('keys', 'generate', '--name', 'intruder', '--type', 'ecdsa-p256');
      assert.equal(other.code, 0, other.stderr);
      assert.match(other.stdout, /key id\s+[0-9a-f]{64}/);
      const before = readFileSync(keyFile('release', 'key'), 'utf8');
      const again = await cli('keys', 'generate', '--name', 'release');
      assert.equal(again.code, 1);
      assert.match(again.stderr, /error\[conflict\].*refusing to overwrite/);
      assert.equal(readFileSync(keyFile('release', 'key'), 'utf8'), before);
      assert.equal((await cli('keys', 'generate', '--type', 'rsa', '--name', 'x')).code, 2);
    });

    it('refuses a wrong passphrase, signs a directory and verifies it with a given or a trusted key', async () => {
      const wrong = await cli('sign', model, '--key', keyFile('release', 'key'), '--passphrase-file', join(work, 'wrong.txt'));
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /wrong passphrase/);
      assert.equal(existsSync(join(model, 'model.sig')), false);
      const signed = await cli('sign', model, '--key', keyFile('release', 'key'), '--passphrase-file', join(work, 'pass.txt'), '--json');
      assert.equal(signed.code, 0, signed.stderr);
      assert.equal((signed.json as { keyId: string }).keyId, keyId);
      const bundle = JSON.parse(readFileSync(join(model, 'model.sig'), 'utf8')) as { mediaType: string; dsseEnvelope: { payloadType: string } };
      assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
      assert.equal(bundle.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');

      const given = await verifyDir(model, '--key', keyFile('release', 'pub'));
      assert.equal(given.code, 0, JSON.stringify(given.report));
      assert.equal(given.report.signer?.keyId, keyId);
      const untrusted = await verifyDir(model);
      assert.equal(untrusted.code, 1);
      assert.deepEqual(untrusted.report.problems.map((p) => p.kind), ['untrusted_key']);
      const wrongKey = await verifyDir(model, '--key', keyFile('intruder', 'pub'));
      assert.equal(wrongKey.code, 1);
      assert.match(wrongKey.report.problems[0]!.message, new RegExp(`signed by key ${keyId}, which is not a trusted key`));

      const trust = await cli('keys', 'trust', keyFile('release', 'pub'), '--json');
      assert.equal(trust.code, 0, trust.stderr);
      assert.equal((trust.json as { keyId: string; created: boolean }).created, true);
      const byRegistry = await cli('verify', model);
      assert.equal(byRegistry.code, 0, byRegistry.stderr);
      assert.match(byRegistry.stdout, new RegExp(`signature by key ${keyId}`));
      const list = await cli('keys', 'list', '--json');
      const listed = list.json as { local: { name: string; trusted: boolean }[]; trusted: { keyId: string; pem?: string }[]; policy: { requireSignature: string[] } };
      assert.deepEqual(listed.local.map((k) => [k.name, k.trusted]), [['intruder', false], ['release', true]]);
      assert.deepEqual(listed.trusted.map((k) => k.keyId), [keyId]);
      assert.deepEqual(listed.policy.requireSignature, ['production']);
      const priv = await cli('keys', 'trust', keyFile('intruder', 'key'));
      assert.equal(priv.code, 2);
      assert.match(priv.stderr, /private key/);
    });

    it('names the changed, extra, missing and symlinked files', async () => {
      const copy = join(work, 'tampered');
      cpSync(model, copy, { recursive: true });
      const onnx = 'fraud_detector_1.0.0_20261123.onnx';
      const bytes = readFileSync(join(copy, onnx));
      bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0x01, bytes.length >> 1);
      writeFileSync(join(copy, onnx), bytes);
      writeFileSync(join(copy, 'extra.txt'), 'not signed\n');
      unlinkSync(join(copy, 'metrics.json'));
      symlinkSync(join(copy, 'MODEL_CARD.md'), join(copy, 'card-link.md'));
      const r = await verifyDir(copy, '--key', keyFile('release', 'pub'));
      assert.equal(r.code, 1);
      assert.deepEqual(r.report.problems.map((p) => [p.kind, p.path]).sort(), [['changed', onnx], ['extra', 'extra.txt'], ['missing', 'metrics.json'], ['symlink', 'card-link.md']].sort());
      const text = await cli('verify', copy, '--key', keyFile('release', 'pub'));
      assert.match(text.stdout, new RegExp(`changed\\s+${onnx.replace(/\./g, '\\.')}: content changed`));
    });

    it('rejects truncated, non-JSON, retyped, two-subject and foreign bundles with exit 1', async () => {
      const good = readFileSync(join(model, 'model.sig'), 'utf8');
      const pem = readFileSync(keyFile('release', 'key'), 'utf8');
      const key = createPrivateKey({ key: pem, passphrase: 'correct horse' });
      const twoSubjects = (() => {
        const statement = JSON.parse(Buffer.from((JSON.parse(good) as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: unknown[] };
        statement.subject.push(statement.subject[0]);
        const payload = Buffer.from(JSON.stringify(statement));
        const b = JSON.parse(good) as { dsseEnvelope: { payload: string; signatures: { sig: string }[] } };
        b.dsseEnvelope.payload = payload.toString('base64');
        b.dsseEnvelope.signatures[0]!.sig = signPae(key, 'application/vnd.in-toto+json', payload).toString('base64');
        return JSON.stringify(b);
      })();
      const foreign = (() => {
        const payload = statementPayload('other-model', [{ name: 'weights.bin', digest: 'a'.repeat(64) }], ['model.sig']);
        const b = JSON.parse(good) as { dsseEnvelope: { payload: string; signatures: { sig: string }[] } };
        b.dsseEnvelope.payload = payload.toString('base64');
        b.dsseEnvelope.signatures[0]!.sig = signPae(key, 'application/vnd.in-toto+json', payload).toString('base64');
        return JSON.stringify(b);
      })();
      const cases: [string, string, RegExp][] = [
        ['truncated', good.slice(0, good.length >> 1), /truncated/],
        ['not JSON', 'this is not a bundle', /JSON/i],
        ['payload type', good.replace('application/vnd.in-toto+json', 'application/json'), /payloadType|payload type/i],
        ['two subjects', twoSubjects, /subject/i],
        ['other model', foreign, /weights\.bin|not covered|missing/],
        ['altered signature', good.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === 'A' ? 'B' : 'A'}`), /does not verify|signature/],
      ];
      for (const [name, text, why] of cases) {
        const dir = join(work, `bad-${name.replace(/ /g, '-')}`);
        cpSync(model, dir, { recursive: true });
        writeFileSync(join(dir, 'model.sig'), text);
        const r = await verifyDir(dir, '--key', keyFile('release', 'pub'));
        assert.equal(r.code, 1, `${name}: ${JSON.stringify(r.report)}`);
        assert.equal(r.report.ok, false, name);
        assert.ok(r.report.problems.length > 0, name);
        assert.match(r.report.problems.map((p) => p.message).join('\n'), why, name);
      }
    });

    it('blocks production until a trusted key signs the version, lists the signature and verifies it', async () => {
      const pushed = await cli('push', EXAMPLE);
      assert.equal(pushed.code, 0, pushed.stderr);
      for (const s of ['validation', 'staging']) assert.equal((await cli('stage', 'fraud-detector@1.0.0', s)).code, 0);
      const blocked = await cli('stage', 'fraud-detector@1.0.0', 'production');
      assert.equal(blocked.code, 1);
      assert.match(blocked.stderr, /error\[policy_violation\]: fraud-detector@1\.0\.0 cannot enter production.*no signature/);

      const byIntruder = await cli('sign', 'fraud-detector@1.0.0', '--key', keyFile('intruder', 'key'));
      assert.equal(byIntruder.code, 0, byIntruder.stderr);
      const stillBlocked = await cli('stage', 'fraud-detector@1.0.0', 'production');
      assert.equal(stillBlocked.code, 1);
      assert.match(stillBlocked.stderr, /cannot enter production.*not a trusted key|untrusted|no trusted public key/);

      const signed = await cli('sign', 'fraud-detector@1.0.0', '--key', keyFile('release', 'key'), '--passphrase-file', join(work, 'pass.txt'), '--json');
      assert.equal(signed.code, 0, signed.stderr);
      const promoted = await cli('stage', 'fraud-detector@1.0.0', 'production');
      assert.equal(promoted.code, 0, promoted.stderr);

      const shown = await cli('versions', 'show', 'fraud-detector@1.0.0');
      assert.match(shown.stdout, /evidence:\n(.|\n)*signature\s+sha256:[0-9a-f]{64}\s+key [0-9a-f]{64}/);
      assert.ok(shown.stdout.includes(`key ${keyId}`));
      const verified = await cli('verify', 'fraud-detector@1.0.0', '--key', keyFile('release', 'pub'), '--json');
      const report = verified.json as { ok: boolean; signatures: { ok: boolean; keyId: string }[]; problems: Problem[] };
      // The intruder's signature cannot be checked with the release key: verify reports it and fails.
      assert.equal(verified.code, 1);
      assert.deepEqual(report.signatures.map((s) => s.ok).sort(), [false, true]);
      assert.ok(report.problems.every((p) => p.kind === 'untrusted_key'), JSON.stringify(report.problems));
      const pulled = await cli('pull', 'fraud-detector@production', join(work, 'pulled'), '--verify', '--json');
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.equal((pulled.json as { signing: { required: boolean } }).signing.required, true);
    });

    it('shows audit proofs verified locally, and exports anchors and provenance', async () => {
      const log = await cli('audit', 'log', '--model', 'fraud-detector', '--json');
      const entries = (log.json as { items: { index: number; action: string }[] }).items;
      assert.ok(entries.some((e) => e.action === 'evidence.add'));
      const sign = entries.find((e) => e.action === 'evidence.add')!;
      const proof = await cli('audit', 'proof', '--index', String(sign.index));
      assert.equal(proof.code, 0, proof.stderr);
      assert.match(proof.stdout, /verified locally: the event hashes to the leaf, the proof leads to the root signed in checkpoint \d+/);
      const cp = (await cli('audit', 'checkpoint', '--out', join(work, 'cp.note'), '--json')).json as { size: number; verified: boolean };
      assert.equal(cp.verified, true);
      const consistency = await cli('audit', 'proof', '--from', '2', '--to', String(cp.size), '--json');
      assert.equal(consistency.code, 0, consistency.stderr);
      assert.equal((consistency.json as { verified: boolean }).verified, true);

      const anchored = await cli('anchor', 'record', '--checkpoint', String(cp.size), '--ledger', 'ethereum-sepolia', '--tx', '0xabc123', '--json');
      assert.equal(anchored.code, 0, anchored.stderr);
      const later = await cli('audit', 'checkpoint', '--previous', join(work, 'cp.note'), '--json');
      assert.equal(later.code, 0, later.stderr);
      assert.equal((later.json as { consistentWith: number }).consistentWith, cp.size);
      const verified = await cli('audit', 'verify');
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      assert.match(verified.stdout, /, 1 anchors, 1 versions and 3 evidence records against the log, no problems\n {2}1 anchor\(s\) checked against the local log only \(the root each records and its anchor\.record event\); no ledger was consulted\n$/);

      const anchorsFile = join(work, 'Blockchain_Anchors.json');
      assert.equal((await cli('export', 'anchors', '--out', anchorsFile)).code, 0);
      const anchors = readFileSync(anchorsFile, 'utf8');
      assert.doesNotMatch(anchors, /PRIVATE/);
      const doc = JSON.parse(anchors) as { checkpoints: { size: number; anchors: { ledger: string; tx: string }[] }[] };
      assert.deepEqual(doc.checkpoints.find((c) => c.size === cp.size)?.anchors.map((a) => [a.ledger, a.tx]), [['ethereum-sepolia', '0xabc123']]);

      const csvFile = join(work, 'Provenance_Hashes.csv');
      assert.equal((await cli('export', 'provenance', '--out', csvFile)).code, 0);
      const lines = readFileSync(csvFile, 'utf8').trim().split(/\r?\n/);
      assert.equal(lines[0], 'model,version,path,sha256,manifest_digest,signer_key_ids,log_index');
      const onnx = lines.find((l) => l.includes('.onnx'))!.split(',');
      assert.equal(onnx[3], sha256Hex(join(EXAMPLE, 'fraud_detector_1.0.0_20261123.onnx')));
      assert.ok(onnx[5]!.split(';').includes(keyId), onnx[5]);
      assert.match(onnx[6]!, /^\d+$/);
    });

    it('rejects a checkpoint with a bad signature, a rolled-back log, and finds an edited event row', async () => {
      const saved = readFileSync(join(work, 'cp.note'), 'utf8');
      writeFileSync(join(work, 'forged.note'), saved.replace(/\n(\d+)\n/, (_m, n: string) => `\n${Number(n) + 1}\n`));
      const forged = await cli('audit', 'checkpoint', '--previous', join(work, 'forged.note'));
      assert.equal(forged.code, 1);
      assert.match(forged.stderr, /error\[verification_failed\].*signature does not verify/);

      const registry = app ?? (await openApp(resolveSettings({ home })));
      try {
        const newest = await cli('audit', 'checkpoint', '--out', join(work, 'newest.note'), '--json');
        const size = (newest.json as { size: number }).size;
        // Someone with database access drops the newest checkpoint: the log now presents an older head.
        await dropAppendOnly(registry, 'checkpoints');
        await registry.metadata.db.deleteFrom('checkpoints').where('size', '=', size).execute();
        const rolledBack = await cli('audit', 'checkpoint', '--previous', join(work, 'newest.note'));
        assert.equal(rolledBack.code, 1);
        assert.match(rolledBack.stderr, /older than the one in .*newest\.note/);

        await dropAppendOnly(registry, 'events');
        const row = await registry.metadata.db.selectFrom('events').selectAll().where('action', '=', 'evidence.add').orderBy('id').executeTakeFirstOrThrow();
        await registry.metadata.db.updateTable('events').set({ actor: 'mallory' }).where('id', '=', row.id).execute();
        const verify = await cli('audit', 'verify', '--json');
        assert.equal(verify.code, 1);
        const problems = (verify.json as { problems: { kind: string; index?: number }[] }).problems;
        assert.ok(problems.some((p) => p.kind === 'event_edited' && p.index === Number(row.leaf_index)), JSON.stringify(problems));
        const text = await cli('audit', 'verify');
        assert.match(text.stdout, new RegExp(`event_edited.*row id ${row.id} \\(index ${row.leaf_index}\\) was edited`));
      } finally {
        if (!app) await registry.close();
      }
    });
  });
}

function sha256Hex(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
