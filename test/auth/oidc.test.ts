import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { DEFAULT_OIDC_ALGORITHMS, looksLikeJwt, OidcVerifier, parseOidcConfig, type OidcIssuer } from '../../src/auth/oidc.ts';
import { ModelVaultError } from '../../src/core/errors.ts';

const ISSUER_A = 'https://idp.example.com/realms/ml';
const ISSUER_B = 'https://other.example.org';
const now = (): number => Math.floor(Date.now() / 1000);

interface Keys {
  rsa: CryptoKeyPair;
  ec: CryptoKeyPair;
  rs384: CryptoKeyPair;
  rogue: CryptoKeyPair;
  other: CryptoKeyPair;
}
type CryptoKeyPair = { privateKey: CryptoKey; publicKey: CryptoKey };

let keys: Keys;
let server: Server;
let base: string;
let verifier: OidcVerifier;
const hits = new Map<string, number>();
const held: ServerResponse[] = [];

async function jwk(key: CryptoKey, kid: string, alg: string): Promise<Record<string, unknown>> {
  return { ...(await exportJWK(key)), kid, alg, use: 'sig' };
}

/** A token signed with `key`; `claims` replace the defaults (undefined removes one). */
async function sign(claims: Record<string, unknown> = {}, opts: { key?: CryptoKey | Uint8Array; kid?: string; alg?: string } = {}): Promise<string> {
  const payload: Record<string, unknown> = { iss: ISSUER_A, aud: 'modelvault', sub: 'user-123', preferred_username: 'alice', groups: ['ml-engineers', 'reviewers', 'kitchen'], exp: now() + 300, iat: now(), ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const header: Record<string, unknown> = { alg: opts.alg ?? 'RS256' };
  const kid = 'kid' in opts ? opts.kid : 'rsa-1';
  if (kid !== undefined) header.kid = kid;
  return new SignJWT(payload as JWTPayload).setProtectedHeader(header as { alg: string }).sign(opts.key ?? keys.rsa.privateKey);
}

/** Asserts that `token` is refused as unauthorized with a message matching `reason`, and that the message does not repeat the token. */
async function refused(token: string, reason: RegExp, by: OidcVerifier = verifier): Promise<ModelVaultError> {
  const err: unknown = await by.verify(token).then(
    (id) => assert.fail(`accepted as ${JSON.stringify(id)}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ModelVaultError, String(err));
  assert.equal(err.code, 'unauthenticated', err.message);
  assert.equal(err.status, 401);
  assert.match(err.message, reason);
  for (const part of token.split('.')) if (part.length > 8) assert.ok(!err.message.includes(part), `message repeats the token: ${err.message}`);
  return err;
}

function issuerA(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { issuer: ISSUER_A, audience: ['modelvault', 'mv-cli'], jwks_url: `${base}/a/jwks.json`, roles: { 'ml-admins': 'admin', 'ml-engineers': 'push', reviewers: 'approve' }, ...extra };
}

before(async () => {
  const gen = (alg: string) => generateKeyPair(alg, { extractable: true }) as Promise<CryptoKeyPair>;
  keys = { rsa: await gen('RS256'), ec: await gen('ES256'), rs384: await gen('RS384'), rogue: await gen('RS256'), other: await gen('RS256') };
  const jwks: Record<string, unknown> = {
    '/a/jwks.json': { keys: [await jwk(keys.rsa.publicKey, 'rsa-1', 'RS256'), await jwk(keys.ec.publicKey, 'ec-1', 'ES256'), await jwk(keys.rs384.publicKey, 'rsa-384', 'RS384')] },
    '/b/jwks.json': { keys: [await jwk(keys.other.publicKey, 'b-1', 'RS256')] },
  };
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/slow/jwks.json') return void held.push(res);
    const body = jwks[path];
    if (body === undefined) return void res.writeHead(500).end('down');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = parseOidcConfig([
    issuerA(),
    { issuer: ISSUER_B, audience: 'modelvault', jwks_url: `${base}/b/jwks.json`, groups_claim: 'realm_access.roles', username_claim: 'email', algorithms: ['RS256'], leeway_seconds: 0, roles: { 'ml-admins': 'admin' } },
  ]);
  verifier = new OidcVerifier(config);
});

after(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('OidcVerifier accepts', () => {
  it('an RS256 token of a configured issuer, mapping known groups to roles and ignoring the others', async () => {
    const exp = now() + 300;
    const groups = ['ml-engineers', 'reviewers', 'kitchen', 'constructor', '__proto__'];
    const id = await verifier.verify(await sign({ exp, groups }));
    assert.deepEqual(id, {
      issuer: ISSUER_A,
      subject: 'user-123',
      username: 'alice',
      groups,
      roles: ['approve', 'push'],
      expiresAt: new Date(exp * 1000).toISOString(),
    });
  });

  it('an ES256 token, a token for any one of the configured audiences, and no roles without groups', async () => {
    const ec = await verifier.verify(await sign({ groups: ['ml-admins'] }, { key: keys.ec.privateKey, kid: 'ec-1', alg: 'ES256' }));
    assert.deepEqual(ec.roles, ['admin']);
    const cli = await verifier.verify(await sign({ aud: ['someone-else', 'mv-cli'], groups: undefined }));
    assert.deepEqual([cli.groups, cli.roles], [[], []]);
  });

  it('falls back to the subject when the username claim is absent, and takes a single group given as a string', async () => {
    const id = await verifier.verify(await sign({ preferred_username: undefined, groups: 'ml-admins' }));
    assert.equal(id.username, 'user-123');
    assert.deepEqual([id.groups, id.roles], [['ml-admins'], ['admin']]);
  });

  it('reads configured claims, including a dotted path into nested objects (Keycloak realm roles)', async () => {
    const token = await sign({ iss: ISSUER_B, email: 'bob@example.org', realm_access: { roles: ['ml-admins', 'offline_access'] } }, { key: keys.other.privateKey, kid: 'b-1' });
    const id = await verifier.verify(token);
    assert.deepEqual([id.issuer, id.username, id.groups, id.roles], [ISSUER_B, 'bob@example.org', ['ml-admins', 'offline_access'], ['admin']]);
  });

  it('tolerates clock skew within leeway_seconds on exp and nbf', async () => {
    assert.equal((await verifier.verify(await sign({ exp: now() - 30 }))).subject, 'user-123');
    assert.equal((await verifier.verify(await sign({ nbf: now() + 30 }))).subject, 'user-123');
  });

  it('fetches each issuer\'s JWKS once and reuses it', async () => {
    for (let i = 0; i < 3; i++) await verifier.verify(await sign());
    assert.equal(hits.get('/a/jwks.json'), 1);
    assert.equal(hits.get('/b/jwks.json'), 1);
  });
});

describe('OidcVerifier refuses', () => {
  it('a bad signature: signed by another key under the right kid, or a payload changed after signing', async () => {
    await refused(await sign({}, { key: keys.rogue.privateKey }), /^bad signature: .*https:\/\/idp\.example\.com\/realms\/ml/);
    const [h, , s] = (await sign()).split('.');
    const forged = base64url.encode(JSON.stringify({ iss: ISSUER_A, aud: 'modelvault', sub: 'user-123', groups: ['ml-admins'], exp: now() + 300 }));
    await refused(`${h}.${forged}.${s}`, /^bad signature/);
  });

  it('a wrong issuer: one not configured, or a configured one with a key it does not publish', async () => {
    const err = await refused(await sign({ iss: 'https://evil.example.com' }), /^wrong issuer: "https:\/\/evil\.example\.com" is not a trusted issuer/);
    assert.match(err.message, /trusted: https:\/\/idp\.example\.com\/realms\/ml, https:\/\/other\.example\.org/);
    await refused(await sign({ iss: ISSUER_B }), /^unknown key: key id "rsa-1" matches no RS256 key in the JWKS of https:\/\/other\.example\.org/);
    await refused(await sign({ iss: undefined }), /no issuer \(no "iss" claim\)/);
  });

  it('a wrong audience, naming the token\'s and the accepted audiences', async () => {
    await refused(await sign({ aud: 'someone-else' }), /^wrong audience: the token is for "someone-else", .* must be for \["modelvault","mv-cli"\]/);
    await refused(await sign({ aud: undefined }), /has no "aud" claim/);
  });

  it('an expired token, beyond the leeway', async () => {
    const exp = now() - 120;
    await refused(await sign({ exp }), new RegExp(`^expired: the token expired at ${new Date(exp * 1000).toISOString()} \\(leeway 60s\\)`));
    await refused(await sign({ iss: ISSUER_B, exp: now() - 5 }, { key: keys.other.privateKey, kid: 'b-1' }), /^expired: .*\(leeway 0s\)/);
  });

  it('a token not yet valid (nbf beyond the leeway)', async () => {
    const nbf = now() + 600;
    await refused(await sign({ nbf }), new RegExp(`^not yet valid: the token is valid from ${new Date(nbf * 1000).toISOString()}`));
  });

  it('an unsigned token (alg "none")', async () => {
    const claims = base64url.encode(JSON.stringify({ iss: ISSUER_A, aud: 'modelvault', sub: 'user-123', groups: ['ml-admins'], exp: now() + 300 }));
    const token = `eyJhbGciOiJub25lIn0.${claims}.`;
    assert.equal(looksLikeJwt(token), true);
    await refused(token, /^algorithm not allowed: the token is unsigned \(alg "none"\)/);
    await refused(`${base64url.encode('{"alg":"none","typ":"JWT"}')}.${claims}.c2ln`, /unsigned \(alg "none"\)/);
    await refused(`${base64url.encode('{"alg":null}')}.${claims}.`, /^algorithm not allowed: the token names no algorithm/);
  });

  it('HS256 signed with the RSA public key as the HMAC secret (algorithm confusion)', async () => {
    const pem = new TextEncoder().encode(await exportSPKI(keys.rsa.publicKey));
    await refused(await sign({ groups: ['ml-admins'] }, { key: pem, alg: 'HS256' }), /^algorithm not allowed: the token is signed with "HS256", which is not allowed for .* \(allowed: RS256, ES256, PS256, EdDSA\)/);
    const jwkBytes = new TextEncoder().encode(JSON.stringify(await exportJWK(keys.rsa.publicKey)));
    await refused(await sign({}, { key: jwkBytes, alg: 'HS256', kid: undefined }), /signed with "HS256"/);
  });

  it('an algorithm outside the issuer\'s allowlist, though its key is published', async () => {
    const rs384 = await sign({}, { key: keys.rs384.privateKey, kid: 'rsa-384', alg: 'RS384' });
    await refused(rs384, /^algorithm not allowed: the token is signed with "RS384"/);
    const allowing = new OidcVerifier(parseOidcConfig([issuerA({ algorithms: ['RS384'] })]));
    assert.equal((await allowing.verify(rs384)).subject, 'user-123');
    await refused(await sign({ iss: ISSUER_B }, { key: keys.ec.privateKey, kid: 'ec-1', alg: 'ES256' }), /"ES256", which is not allowed for https:\/\/other\.example\.org \(allowed: RS256\)/);
  });

  it('malformed tokens', async () => {
    for (const bad of ['', 'not-a-jwt', 'abc.def', 'a.b.c.d.e', 'abc+/.def.ghi', `${'a'.repeat(20_000)}.b.c`]) await refused(bad, /^malformed token: /);
    await refused('bm90anNvbg.eyJpc3MiOiJ4In0.c2ln', /^malformed token: its header or claims are not/);
    await refused(`${base64url.encode('{"alg":"RS256","kid":"rsa-1"}')}.${base64url.encode('[1,2]')}.c2ln`, /^malformed token/);
  });

  it('an unknown kid', async () => {
    await refused(await sign({}, { kid: 'rotated-away' }), /^unknown key: key id "rotated-away" matches no RS256 key in the JWKS of https:\/\/idp\.example\.com\/realms\/ml/);
  });

  it('a token without exp or sub', async () => {
    await refused(await sign({ exp: undefined }), /the token has no "exp" claim/);
    await refused(await sign({ sub: undefined }), /the token has no "sub" claim/);
    await refused(await sign({ sub: 42 }), /"sub" claim is not a non-empty string/);
  });
});

describe('OidcVerifier when the JWKS cannot be fetched', () => {
  it('says the provider is unreachable (not the caller\'s fault) after a short timeout or on an error status', async () => {
    const v = new OidcVerifier(parseOidcConfig([issuerA({ jwks_url: `${base}/slow/jwks.json` }), { issuer: ISSUER_B, audience: 'modelvault', jwks_url: `${base}/gone/jwks.json` }]), { jwksTimeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(v.verify(await sign()), (e: unknown) => e instanceof ModelVaultError && e.code === 'server_unreachable' && /signing keys of https:\/\/idp\.example\.com\/realms\/ml from .*\/slow\/jwks\.json: it did not answer in time/.test(e.message));
    assert.ok(Date.now() - started < 3000, 'the timeout was not applied');
    await assert.rejects(v.verify(await sign({ iss: ISSUER_B }, { key: keys.other.privateKey, kid: 'b-1' })), (e: unknown) => e instanceof ModelVaultError && e.code === 'server_unreachable' && /\/gone\/jwks\.json: .*200 OK/.test(e.message));
  });
});

describe('OidcVerifier on arbitrary input', () => {
  it('refuses every forged or random bearer value as unauthorized, never accepting it or failing otherwise', async () => {
    const json = fc.oneof(fc.jsonValue(), fc.constantFrom(ISSUER_A, ISSUER_B, 'modelvault', 'rsa-1', 'b-1', now() + 300, now() - 300));
    const header = fc.record({ alg: fc.oneof(fc.constantFrom('RS256', 'ES256', 'RS384', 'HS256', 'none', 'NONE', 'EdDSA'), json), kid: json, crit: json, b64: json }, { requiredKeys: [] });
    const claims = fc.record({ iss: fc.oneof(fc.constantFrom(ISSUER_A, ISSUER_B), json), aud: json, sub: json, exp: json, nbf: json, groups: json }, { requiredKeys: [] });
    const encoded = (value: fc.Arbitrary<unknown>) => value.map((v) => base64url.encode(JSON.stringify(v)));
    const token = fc.oneof(fc.string(), fc.tuple(encoded(header), encoded(claims), fc.base64String()).map(([h, c, s]) => `${h}.${c}.${s.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')}`));
    await fc.assert(
      fc.asyncProperty(token, async (t) => {
        const err: unknown = await verifier.verify(t).then(() => 'accepted', (e: unknown) => e);
        assert.ok(err instanceof ModelVaultError && err.code === 'unauthenticated', `${t}: ${String(err)}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('looksLikeJwt', () => {
  it('tells JWTs from API tokens and other bearer values', async () => {
    assert.equal(looksLikeJwt(await sign()), true);
    for (const t of ['mvt_3f9a8c7d6e5b4a392817', '', 'a.b', 'a.b.c.d', 'a..c', 'YQ==.Yg==.Yw==', 'a+b.c.d', ` ${'a'}.b.c`, `${'a'.repeat(16_384)}.b.c`]) assert.equal(looksLikeJwt(t), false, t.slice(0, 40));
  });
});

describe('parseOidcConfig', () => {
  const fails = (value: unknown, field: string, message: RegExp, hint?: RegExp): void => {
    assert.throws(
      () => parseOidcConfig(value),
      (e: unknown) => {
        assert.ok(e instanceof ModelVaultError);
        assert.equal(e.code, 'invalid_input');
        assert.equal(e.details.field, field);
        assert.ok(e.message.startsWith(`${field} `), e.message);
        assert.match(e.message, message);
        if (hint) assert.match(String(e.details.hint), hint);
        return true;
      },
    );
  };
  const entry = { issuer: ISSUER_A, audience: 'modelvault', jwks_url: 'https://idp.example.com/jwks' };

  it('fills in the defaults, and reads nothing as no issuers', () => {
    assert.deepEqual(parseOidcConfig([entry]), [{ ...entry, groups_claim: 'groups', username_claim: 'preferred_username', roles: {}, algorithms: [...DEFAULT_OIDC_ALGORITHMS], leeway_seconds: 60 } satisfies OidcIssuer]);
    assert.deepEqual([parseOidcConfig(undefined), parseOidcConfig(null)], [[], []]);
    assert.equal(parseOidcConfig([{ ...entry, jwks_url: 'http://localhost:8080/jwks' }])[0]!.jwks_url, 'http://localhost:8080/jwks');
  });

  it('names a missing jwks_url and what to give', () => {
    fails([entry, { issuer: ISSUER_B, audience: 'x' }], 'auth.oidc[1].jwks_url', /is missing: give the https URL of the provider's JSON Web Key Set/, /add jwks_url:/);
  });

  it('refuses none and HMAC algorithms with the reason', () => {
    fails([{ ...entry, algorithms: ['RS256', 'HS256'] }], 'auth.oidc[0].algorithms[1]', /"HS256": a shared-secret \(HMAC\) algorithm lets anyone holding the public keys forge tokens/, /asymmetric algorithms only, e\.g\. \[RS256, ES256, PS256, EdDSA\]/);
    fails([{ ...entry, algorithms: ['none'] }], 'auth.oidc[0].algorithms[0]', /"none": unsigned tokens prove nothing/);
    fails([{ ...entry, algorithms: ['hs512'] }], 'auth.oidc[0].algorithms[0]', /HMAC/);
    fails([{ ...entry, algorithms: ['RS257'] }], 'auth.oidc[0].algorithms[0]', /is invalid/, /from RS256, RS384, .*EdDSA/);
    fails([{ ...entry, algorithms: [] }], 'auth.oidc[0].algorithms', /is invalid/);
  });

  it('refuses a leeway over 300 seconds', () => {
    fails([{ ...entry, leeway_seconds: 301 }], 'auth.oidc[0].leeway_seconds', /is invalid \(expected integer to be less or equal to 300\)/, /from 0 to 300/);
    fails([{ ...entry, leeway_seconds: -1 }], 'auth.oidc[0].leeway_seconds', /greater or equal to 0/);
  });

  it('refuses other bad settings, naming each', () => {
    fails({ issuer: ISSUER_A }, 'auth.oidc', /must be a list of issuers/);
    fails(['x'], 'auth.oidc[0]', /must be a mapping/);
    fails([{ ...entry, jwks_uri: 'https://x' }], 'auth.oidc[0].jwks_uri', /is not a setting/, /known settings: issuer, audience, jwks_url/);
    fails([{ ...entry, jwks_url: 'http://idp.example.com/jwks' }], 'auth.oidc[0].jwks_url', /must be an https URL \(http only on localhost\)/);
    fails([{ ...entry, issuer: 'idp.example.com' }], 'auth.oidc[0].issuer', /must be an http\(s\) URL/);
    fails([{ ...entry, audience: [] }], 'auth.oidc[0].audience', /is invalid/, /a string or a list/);
    fails([{ ...entry, roles: { '/ml/admins': '' } }], 'auth.oidc[0].roles["/ml/admins"]', /is invalid/);
    fails([entry, { ...entry, audience: 'other' }], 'auth.oidc[1].issuer', /repeats https:\/\/idp\.example\.com\/realms\/ml/, /list each issuer once/);
  });

  it('names the file when given one', () => {
    assert.throws(() => parseOidcConfig([{}], '/srv/mv/config.yaml'), (e: unknown) => e instanceof ModelVaultError && e.message.startsWith('/srv/mv/config.yaml: auth.oidc[0].issuer is missing') && e.details.path === '/srv/mv/config.yaml');
  });
});
