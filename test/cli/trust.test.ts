import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { keyIdOf } from '../../src/integrity/signing/index.ts';
import { interopDir } from '../helpers/interop.ts';
import { useCliTarget } from '../helpers/cli.ts';
import { makeModelDir } from '../helpers/model-dir.ts';
import { NO_APPROVALS } from '../helpers/registry-home.ts';

type Problem = { kind: string; path: string; message: string };

const SIGNING = join(interopDir(), 'model-signing');
const CA = join(SIGNING, 'keys', 'ca-cert.pem');
const INTERMEDIATE = join(SIGNING, 'keys', 'int-ca-cert.pem');
const SIGNER_PUB = join(SIGNING, 'keys', 'signing-key-pub.pem');

/** Untrusting keys (CLI and HTTP) and certificate-chain signatures, embedded and against a live server. */
for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault keys untrust and verify --cert-chain (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-trust', { prepare: (home) => writeFileSync(join(home, 'config.yaml'), `signing:\n  require_signature: [production]\n${NO_APPROVALS}`) });
    const cli = t.cli;

    /** Generates and trusts a key pair, pushes `name@1.0.0` to staging and signs it with the key. */
    async function signedVersion(name: string): Promise<{ ref: string; keyId: string; pub: string }> {
      const g = await cli('keys', 'generate', '--name', name, '--json');
      assert.equal(g.code, 0, g.stderr);
      const key = g.json as { keyId: string; privateKeyFile: string; publicKeyFile: string };
      assert.equal((await cli('keys', 'trust', key.publicKeyFile)).code, 0);
      const ref = `${name}@1.0.0`;
      assert.equal((await cli('push', makeModelDir({ name }).dir)).code, 0);
      for (const s of ['validation', 'staging']) assert.equal((await cli('stage', ref, s)).code, 0, s);
      const signed = await cli('sign', ref, '--key', key.privateKeyFile);
      assert.equal(signed.code, 0, signed.stderr);
      return { ref, keyId: key.keyId, pub: key.publicKeyFile };
    }

    async function verifyRef(ref: string): Promise<{ code: number; problems: Problem[] }> {
      const r = await cli('verify', ref, '--json');
      return { code: r.code, problems: (r.json as { problems: Problem[] }).problems };
    }

    it('keys untrust: a version signed with the key no longer verifies and may not enter a signed stage', async () => {
      const { ref, keyId } = await signedVersion('untrusted-model');
      assert.deepEqual(await verifyRef(ref), { code: 0, problems: [] });

      const untrusted = await cli('keys', 'untrust', keyId);
      assert.equal(untrusted.code, 0, untrusted.stderr);
      assert.equal(untrusted.stdout, `no longer trusted: untrusted-model ${keyId}\n`);
      assert.deepEqual(((await cli('keys', 'list', '--json')).json as { trusted: unknown[] }).trusted, []);
      const events = (await cli('events', '--json', '--limit', '1000')).json as { items: { action: string; subject: string }[] };
      assert.deepEqual(events.items.filter((e) => e.subject === `key:${keyId}`).map((e) => e.action), ['key.trust', 'key.untrust']);

      const after = await verifyRef(ref);
      assert.equal(after.code, 1);
      assert.deepEqual(after.problems.map((p) => p.kind), ['untrusted_key']);
      const gated = await cli('stage', ref, 'production');
      assert.equal(gated.code, 1);
      assert.match(gated.stderr, /^error\[policy_violation\]: untrusted-model@1\.0\.0 cannot enter production/);

      const again = await cli('keys', 'untrust', keyId);
      assert.equal(again.code, 2);
      assert.match(again.stderr, new RegExp(`^error\\[not_found\\]: key ${keyId} is not trusted by this registry`));
    });

    if (mode === 'remote') {
      it('DELETE /api/v1/keys/{keyId}: a version signed with the key no longer passes the signing gate', async () => {
        const { ref, keyId } = await signedVersion('deleted-key-model');
        const auth = { authorization: `Bearer ${t.env.MODELVAULT_TOKEN}` };
        const res = await fetch(`${t.server!.url}/api/v1/keys/${keyId}`, { method: 'DELETE', headers: { ...auth, 'x-modelvault-actor': 'dave' } });
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as { keyId: string }).keyId, keyId);
        const listed = (await (await fetch(`${t.server!.url}/api/v1/keys`, { headers: auth })).json()) as { items: { keyId: string }[] };
        assert.ok(!listed.items.some((k) => k.keyId === keyId));

        const stage = await fetch(`${t.server!.url}/api/v1/models/deleted-key-model/versions/1.0.0/stage`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ stage: 'production' }) });
        assert.equal(stage.status, 403);
        const problem = (await stage.json()) as { code: string; detail: string };
        assert.equal(problem.code, 'policy_violation');
        assert.match(problem.detail, /^deleted-key-model@1\.0\.0 cannot enter production/);
        const after = await verifyRef(ref);
        assert.deepEqual([after.code, after.problems.map((p) => p.kind)], [1, ['untrusted_key']]);
        const gone = await fetch(`${t.server!.url}/api/v1/keys/${keyId}`, { method: 'DELETE', headers: auth });
        assert.equal(gone.status, 404);
      });
    }

    it('verify --cert-chain: accepts a certificate-signed directory only with a chain that reaches its issuer', async () => {
      const dir = join(t.work, 'cert-signed');
      cpSync(join(SIGNING, 'v1.1.0-certificate'), dir, { recursive: true });
      const withChain = await cli('verify', dir, '--cert-chain', CA, '--cert-chain', INTERMEDIATE, '--json');
      assert.equal(withChain.code, 0, withChain.stdout);
      const report = withChain.json as { ok: boolean; signer: { certificateSubject?: string }; trustedKeys: string; problems: Problem[] };
      assert.deepEqual([report.ok, report.signer.certificateSubject, report.trustedKeys, report.problems], [true, 'CN=intermediate-ca', 'the keys given on the command line', []]);
      const text = await cli('verify', dir, '--cert-chain', CA);
      assert.equal(text.stdout, `verified ${dir}: signature by key ${keyIdOf(readFileSync(SIGNER_PUB, 'utf8'))} (trusted: the keys given on the command line); every file matches\n`);

      // The signer's public key alone is not a certificate chain: the bundle's certificate is not trusted.
      const keyOnly = await cli('verify', dir, '--key', SIGNER_PUB, '--json');
      assert.equal(keyOnly.code, 1);
      assert.deepEqual((keyOnly.json as { problems: Problem[] }).problems.map((p) => p.kind), ['untrusted_key']);
      // Nothing given and nothing trusted by the registry.
      const none = await cli('verify', dir, '--json');
      assert.equal(none.code, 1);
      assert.deepEqual((none.json as { problems: Problem[] }).problems.map((p) => p.kind), ['untrusted_key']);

      writeFileSync(join(dir, 'signme-1'), 'changed after signing\n');
      const tampered = await cli('verify', dir, '--cert-chain', CA, '--cert-chain', INTERMEDIATE, '--json');
      assert.equal(tampered.code, 1);
      assert.deepEqual((tampered.json as { problems: Problem[] }).problems.map((p) => [p.kind, p.path]), [['changed', 'signme-1']]);
    });

    it('keys trust of a certificate root: verify uses it without --cert-chain until it is untrusted', async () => {
      const dir = join(t.work, 'cert-trusted');
      cpSync(join(SIGNING, 'v1.1.0-certificate'), dir, { recursive: true });
      const trusted = await cli('keys', 'trust', CA, '--name', 'interop-ca', '--json');
      assert.equal(trusted.code, 0, trusted.stderr);
      const root = trusted.json as { keyId: string; kind: string };
      assert.equal(root.kind, 'certificate');
      const ok = await cli('verify', dir, '--json');
      assert.equal(ok.code, 0, ok.stdout);
      assert.equal((ok.json as { signer: { certificateSubject: string } }).signer.certificateSubject, 'CN=intermediate-ca');
      assert.equal((await cli('keys', 'untrust', root.keyId)).code, 0);
      const refused = await cli('verify', dir, '--json');
      assert.equal(refused.code, 1);
      assert.deepEqual((refused.json as { problems: Problem[] }).problems.map((p) => p.kind), ['untrusted_key']);
    });
  });
}
