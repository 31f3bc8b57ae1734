import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { openApp, resolveSettings, type AppContext } from '../../src/app.ts';
import { allows, defaultRoles, grantsOf, PERMISSIONS, type Permission } from '../../src/auth/index.ts';
import { ROUTE_ACCESS } from '../../src/server/permissions.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { tempDir } from '../helpers/model-dir.ts';
import { uploadedRegistration } from '../helpers/registration.ts';
import { call, sha256, startTestServer, userToken, type TestServer } from '../server/harness.ts';

const ROLES = Object.keys(defaultRoles());

/** A value for each path parameter of the route table, so every route can be called. */
const PARAM_VALUES: Record<string, string> = {
  name: 'matrix-model',
  selector: '1.0.0',
  version: '1.0.0',
  alias: 'champion',
  digest: sha256('matrix'),
  id: 'tok_000000000000',
  keyId: 'a'.repeat(64),
  global: 'os.system',
  user: 'nobody',
};

interface Operation {
  method: string;
  path: string;
  operationId: string;
}

async function operations(srv: TestServer): Promise<Operation[]> {
  const doc = (await call(`${srv.url}/api/v1/openapi.json`, 'GET')).body as { paths: Record<string, Record<string, { operationId: string }>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, (_m, p: string) => PARAM_VALUES[p] ?? assert.fail(`no test value for path parameter ${p} of ${path}`)), operationId: op.operationId })),
  );
}

async function send(srv: TestServer, op: Operation, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${srv.url}${op.path}`, { method: op.method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

describe('every route × every role, generated from the route table', () => {
  let srv: TestServer;
  const tokens = new Map<string, string>();
  before(async () => {
    srv = await startTestServer();
    for (const role of ROLES) tokens.set(role, await userToken(srv.app, `user-${role.replace(/_/g, '-')}`, [role], { scope: 'admin' }));
  });
  after(() => srv.close());

  it('declares a permission for every route the server serves', async () => {
    const ops = await operations(srv);
    assert.ok(ops.length >= 60, `only ${ops.length} operations`);
    assert.deepEqual(ops.filter((o) => !ROUTE_ACCESS[o.operationId]).map((o) => o.operationId), []);
  });

  it('answers 403 naming the permission to a role without it, and lets a role with it through', async () => {
    const ops = await operations(srv);
    const table = defaultRoles();
    let denied = 0;
    let allowed = 0;
    for (const op of ops) {
      const access = ROUTE_ACCESS[op.operationId]!;
      for (const role of ROLES) {
        const res = await send(srv, op, tokens.get(role));
        const where = `${op.method} ${op.path} as ${role}: ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
        assert.notEqual(res.status, 401, where);
        const perm = access.permission;
        const may = perm === 'public' || perm === 'authenticated' || allows({ name: role, via: 'token', roles: [role], grants: grantsOf([{ role }], table) }, perm, PARAM_VALUES.name, access.anyModel ?? false);
        if (may) {
          allowed++;
          assert.ok(!(res.status === 403 && res.body?.code === 'forbidden' && res.body?.permission === perm), where);
        } else {
          denied++;
          assert.equal(res.status, 403, where);
          if (op.method === 'HEAD') continue;
          assert.equal(res.body.code, 'forbidden', where);
          assert.equal(res.body.permission, perm, where);
          assert.match(res.body.detail, new RegExp(`lacks the ${perm.replace('.', '\\.')} permission`), where);
        }
      }
    }
    // Both outcomes occur for many routes: the matrix is not vacuous.
    assert.ok(denied > 100 && allowed > 100, `denied ${denied}, allowed ${allowed}`);
  });

  it('answers 401 unauthenticated without a token on every route but health and the API description', async () => {
    for (const op of await operations(srv)) {
      const res = await send(srv, op);
      if (ROUTE_ACCESS[op.operationId]!.permission === 'public') {
        assert.notEqual(res.status, 401, `${op.method} ${op.path}`);
        continue;
      }
      assert.equal(res.status, 401, `${op.method} ${op.path}: ${res.status}`);
      if (op.method !== 'HEAD') assert.equal(res.body.code, 'unauthenticated');
    }
  });
});

describe('API tokens', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  const models = (token: string): Promise<{ status: number; body: any }> => call(`${srv.url}/api/v1/models`, 'GET', undefined, { authorization: `Bearer ${token}` });

  it('are shown once, stored only as a SHA-256 hash, and carry a recognisable prefix', async () => {
    const created = await call(`${srv.url}/api/v1/tokens`, 'POST', { name: 'ci', scope: 'read' });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^mvt_[A-Za-z0-9_-]{43}$/);
    const rows = await srv.app.metadata.db.selectFrom('api_tokens').selectAll().where('id', '=', created.body.id).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.hash, sha256(created.body.token).slice('sha256:'.length));
    assert.ok(!JSON.stringify(rows).includes(created.body.token));
    const listed = await call(`${srv.url}/api/v1/tokens`, 'GET');
    assert.ok(!JSON.stringify(listed.body).includes(created.body.token));
    assert.equal((await models(created.body.token)).status, 200);
  });

  it('refuses expired, revoked, malformed and foreign tokens with 401 saying why', async () => {
    const expiring = await srv.app.identity('admin').createToken('admin', { name: 'short', expires: '1h' });
    await srv.app.metadata.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', expiring.id).execute();
    const expired = await models(expiring.token);
    assert.equal(expired.status, 401);
    assert.match(expired.body.detail, new RegExp(`API token ${expiring.id} expired at`));

    const revoking = await srv.app.identity('admin').createToken('admin', { name: 'to revoke' });
    assert.equal((await models(revoking.token)).status, 200);
    assert.equal((await call(`${srv.url}/api/v1/tokens/${revoking.id}`, 'DELETE')).status, 200);
    const revoked = await models(revoking.token);
    assert.equal(revoked.status, 401, 'revocation takes effect at once, past the token cache');
    assert.match(revoked.body.detail, /was revoked/);

    const truncated = await models(revoking.token.slice(0, -3));
    assert.equal(truncated.status, 401);
    assert.match(truncated.body.detail, /malformed/);
    const unknown = await models(`mvt_${'A'.repeat(43)}`);
    assert.match(unknown.body.detail, /not known to this registry/);
    const github = await models(`ghp_${'a'.repeat(36)}`);
    assert.equal(github.status, 401);
    assert.match(github.body.detail, /not a ModelVault API token/);
    const basic = await call(`${srv.url}/api/v1/models`, 'GET', undefined, { authorization: 'Basic YWRtaW46YWRtaW4=' });
    assert.equal(basic.status, 401);
    assert.equal(basic.headers.get('www-authenticate'), 'Bearer realm="modelvault"');
    assert.match(basic.body.detail, /not a bearer token/);
  });

  it('limits a token to its scope and model pattern, and a disabled user to nothing', async () => {
    const reader = await userToken(srv.app, 'rita', ['ml_engineer'], { scope: 'read' });
    const data = Buffer.from('scoped');
    const put = await call(`${srv.url}/api/v1/models/fraud-a`, 'PATCH', { description: 'x' }, { authorization: `Bearer ${reader}` });
    assert.equal(put.status, 403);
    assert.match(put.body.detail, /rita lacks the push permission on model fraud-a \(token tok_[0-9a-f]{12}: scope read\)/);

    const fraudOnly = await userToken(srv.app, 'fred', ['ml_engineer'], { models: 'fraud-*' });
    const auth = { authorization: `Bearer ${fraudOnly}` };
    assert.equal((await call(`${srv.url}/api/v1/blobs/${sha256(data)}`, 'PUT', undefined, auth)).status !== 403, true, 'content-addressed uploads are not model-bound');
    assert.equal((await call(`${srv.url}/api/v1/models/fraud-a/versions`, 'POST', await uploadedRegistration(srv.url, 'fraud-a', '1.0.0', auth), auth)).status, 201);
    const other = await call(`${srv.url}/api/v1/models/churn/versions`, 'POST', await uploadedRegistration(srv.url, 'churn', '1.0.0', auth), auth);
    assert.equal(other.status, 403);
    assert.match(other.body.detail, /models fraud-\*/);
    assert.equal((await call(`${srv.url}/api/v1/models`, 'GET', undefined, auth)).status, 403, 'listing every model is not within a model-bound token');

    await srv.app.identity('admin').setDisabled('fred', true);
    const disabled = await call(`${srv.url}/api/v1/models/fraud-a`, 'GET', undefined, auth);
    assert.equal(disabled.status, 401);
    assert.match(disabled.body.detail, /user fred is disabled/);
  });

  it('cannot mint a token wider than itself, nor one for someone else', async () => {
    const reader = await userToken(srv.app, 'rosa', ['ml_engineer'], { scope: 'read' });
    const auth = { authorization: `Bearer ${reader}` };
    const wider = await call(`${srv.url}/api/v1/tokens`, 'POST', { name: 'escalate', scope: 'write' }, auth);
    assert.equal(wider.status, 403);
    assert.match(wider.body.detail, /a read token cannot create a write token/);
    const forOther = await call(`${srv.url}/api/v1/tokens`, 'POST', { name: 'x', scope: 'read', user: 'admin' }, auth);
    assert.equal(forOther.status, 403);
    assert.equal((await call(`${srv.url}/api/v1/tokens`, 'POST', { name: 'same', scope: 'read' }, auth)).status, 201);
  });

  it('keeps roles to what an administrator gave: an engineer cannot promote to production, trust keys or add users', async () => {
    const eng = await userToken(srv.app, 'erin', ['ml_engineer']);
    const auth = { authorization: `Bearer ${eng}` };
    const prod = await call(`${srv.url}/api/v1/models/fraud-a/versions/1.0.0/stage`, 'POST', { stage: 'production' }, auth);
    assert.equal(prod.status, 403);
    assert.equal(prod.body.permission, 'stage.production');
    const forced = await call(`${srv.url}/api/v1/models/fraud-a/versions/1.0.0/stage`, 'POST', { stage: 'staging', force: true, reason: 'x' }, auth);
    assert.equal(forced.status, 403);
    assert.equal(forced.body.permission, 'admin');
    assert.equal((await call(`${srv.url}/api/v1/models/fraud-a/versions/1.0.0/stage`, 'POST', { stage: 'validation' }, auth)).status, 200);
    assert.equal((await call(`${srv.url}/api/v1/users`, 'POST', { name: 'eve', roles: ['admin'] }, auth)).status, 403);
    assert.equal((await call(`${srv.url}/api/v1/users/erin/roles`, 'POST', { add: ['admin'] }, auth)).status, 403);
  });

  it('logs every failed login, every denial and every token or role change in the audit log', async () => {
    await call(`${srv.url}/api/v1/models`, 'GET', undefined, { authorization: `Bearer mvt_${'B'.repeat(43)}` });
    const eng = await userToken(srv.app, 'ella', ['analyst']);
    await call(`${srv.url}/api/v1/models/x`, 'PATCH', { description: 'y' }, { authorization: `Bearer ${eng}` });
    await call(`${srv.url}/api/v1/users/ella/roles`, 'POST', { add: ['ml_engineer'], models: 'fraud-*' });
    const log = await call(`${srv.url}/api/v1/audit/log?limit=1000`, 'GET');
    const entries = log.body.items as { action: string; actor: string; payload: Record<string, unknown> }[];
    const failed = entries.filter((e) => e.action === 'auth.failed');
    assert.ok(failed.some((e) => /not known to this registry/.test(String(e.payload.reason)) && e.payload.route === '/api/v1/models'), JSON.stringify(failed));
    assert.ok(entries.some((e) => e.action === 'auth.denied' && e.actor === 'ella' && /lacks the push permission/.test(String(e.payload.reason))));
    assert.ok(entries.some((e) => e.action === 'user.roles_changed' && e.actor === 'admin' && e.payload.user === 'ella' && e.payload.models === 'fraud-*'));
    assert.ok(entries.some((e) => e.action === 'token.created' && e.payload.user === 'ella'));
    assert.ok(entries.some((e) => e.action === 'token.revoked'));
    // No secret ever reaches the log.
    assert.ok(!JSON.stringify(entries).includes('mvt_B'));
  });
});

describe('anonymous read and authentication off', () => {
  const started: { app: AppContext; server: RunningServer }[] = [];
  async function serverWith(config: string): Promise<{ url: string; app: AppContext }> {
    const home = tempDir('mv-auth-cfg-');
    writeFileSync(join(home, 'config.yaml'), config);
    const app = await openApp(resolveSettings({ home }, {}));
    const server = await startServer(app, { host: '127.0.0.1', port: 0, logger: false });
    started.push({ app, server });
    return { url: server.url, app };
  }
  after(async () => {
    for (const s of started) {
      await s.server.close();
      await s.app.close();
    }
  });

  it('with auth.anonymous_read, reads need no token and writes still do', async () => {
    const { url } = await serverWith('auth:\n  anonymous_read: true\n');
    assert.equal((await fetch(`${url}/api/v1/models`)).status, 200);
    const write = await fetch(`${url}/api/v1/models/x`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"description":"y"}' });
    assert.equal(write.status, 401);
    assert.equal(((await write.json()) as { code: string }).code, 'unauthenticated');
  });

  it('with auth.enabled false, anyone may do anything, named by the actor header', async () => {
    const { url, app } = await serverWith('auth:\n  enabled: false\n');
    const res = await fetch(`${url}/api/v1/models/x`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-modelvault-actor': 'carol' }, body: '{"description":"y"}' });
    assert.equal(res.status, 404, 'reaches the handler (no such model)');
    assert.equal((await app.identity('x').userCount()), 0);
  });

  it('refuses a config.yaml that names an unknown permission or redefines admin, naming the setting', async () => {
    const home = tempDir('mv-auth-bad-');
    writeFileSync(join(home, 'config.yaml'), 'auth:\n  roles:\n    reviewer:\n      permissions: [read, promote]\n');
    await assert.rejects(openApp(resolveSettings({ home }, {})), /auth\.roles\.reviewer\.permissions names "promote", which is not a permission/);
    writeFileSync(join(home, 'config.yaml'), 'auth:\n  roles:\n    admin:\n      permissions: [read]\n');
    await assert.rejects(openApp(resolveSettings({ home }, {})), /auth\.roles\.admin cannot be redefined/);
  });

  it('applies roles from config.yaml, limited to a model pattern', async () => {
    const { url, app } = await serverWith('auth:\n  roles:\n    fraud_releaser:\n      permissions: [read, stage, stage.production]\n      models: [fraud-*]\n');
    await app.identity('root').bootstrapAdmin('root');
    await app.identity('root').addUser('rel', { roles: ['fraud_releaser'] });
    const t = (await app.identity('root').createToken('rel', { name: 'rel' })).token;
    const whoami = (await (await fetch(`${url}/api/v1/auth/whoami`, { headers: { authorization: `Bearer ${t}` } })).json()) as { permissions: { permission: Permission; models?: string[] }[] };
    assert.deepEqual(whoami.permissions.map((p) => `${p.permission}:${p.models?.join(',')}`), ['read:fraud-*', 'stage:fraud-*', 'stage.production:fraud-*']);
    assert.equal((await fetch(`${url}/api/v1/models/churn`, { headers: { authorization: `Bearer ${t}` } })).status, 403);
    assert.equal((await fetch(`${url}/api/v1/models/fraud-x`, { headers: { authorization: `Bearer ${t}` } })).status, 404);
  });
});

describe('single sign-on: bearer JSON Web Tokens from a configured issuer', () => {
  let jwks: Server;
  let jwksUrl: string;
  let key: { privateKey: CryptoKey; publicKey: CryptoKey };
  let rogue: { privateKey: CryptoKey; publicKey: CryptoKey };
  let app: AppContext;
  let server: RunningServer;
  const ISSUER = 'https://login.example.com';

  before(async () => {
    key = await generateKeyPair('RS256');
    rogue = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    const home = tempDir('mv-oidc-');
    writeFileSync(join(home, 'config.yaml'), `auth:\n  oidc:\n    - issuer: ${ISSUER}\n      audience: modelvault\n      jwks_url: ${jwksUrl}\n      roles:\n        ml-team: ml_engineer\n        platform: admin\n`);
    app = await openApp(resolveSettings({ home }, {}));
    server = await startServer(app, { host: '127.0.0.1', port: 0, logger: false });
  });
  after(async () => {
    await server.close();
    await app.close();
    await new Promise((r) => jwks.close(r));
  });

  const jwt = (claims: Record<string, unknown>, signer: CryptoKey = key.privateKey): Promise<string> =>
    new SignJWT({ iss: ISSUER, aud: 'modelvault', sub: 's-1', preferred_username: 'Dana', groups: ['ml-team'], exp: Math.floor(Date.now() / 1000) + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(signer);

  it('maps the token\'s groups to roles and records the user as the actor', async () => {
    const t = await jwt({});
    const me = (await (await fetch(`${server.url}/api/v1/auth/whoami`, { headers: { authorization: `Bearer ${t}` } })).json()) as { name: string; via: string; roles: string[] };
    assert.deepEqual([me.name, me.via, me.roles], ['dana', 'oidc', ['ml_engineer']]);
    const denied = await fetch(`${server.url}/api/v1/users`, { headers: { authorization: `Bearer ${t}` } });
    assert.equal(denied.status, 403);
  });

  it('refuses a token signed by another key or for another audience, and logs the failure', async () => {
    const forged = await fetch(`${server.url}/api/v1/models`, { headers: { authorization: `Bearer ${await jwt({ groups: ['platform'] }, rogue.privateKey)}` } });
    assert.equal(forged.status, 401);
    assert.match(((await forged.json()) as { detail: string }).detail, /bad signature/);
    const aud = await fetch(`${server.url}/api/v1/models`, { headers: { authorization: `Bearer ${await jwt({ aud: 'other' })}` } });
    assert.equal(aud.status, 401);
    assert.match(((await aud.json()) as { detail: string }).detail, /wrong audience/);
    const rows = await app.metadata.db.selectFrom('events').select(['action', 'payload_json']).where('action', '=', 'auth.failed').execute();
    assert.ok(rows.some((r) => /bad signature/.test(r.payload_json)));
  });

  it('refuses a disabled user even with a valid token', async () => {
    await app.identity('root').bootstrapAdmin('root');
    await app.identity('root').addUser('dana', { roles: [] });
    await app.identity('root').setDisabled('dana', true);
    const res = await fetch(`${server.url}/api/v1/models`, { headers: { authorization: `Bearer ${await jwt({})}` } });
    assert.equal(res.status, 401);
  });
});

describe('permissions', () => {
  it('gives each default role what seed 004 describes', () => {
    const can = (role: string, p: Permission): boolean => allows({ name: 'x', via: 'token', roles: [role], grants: grantsOf([{ role }], defaultRoles()) }, p, 'm');
    assert.deepEqual(PERMISSIONS.filter((p) => can('admin', p)), [...PERMISSIONS]);
    for (const r of ['ml_engineer', 'senior_engineer']) assert.deepEqual(PERMISSIONS.filter((p) => can(r, p)), ['read', 'push', 'stage', 'approve', 'evaluate', 'monitor']);
    assert.deepEqual(PERMISSIONS.filter((p) => can('data_scientist', p)), ['read', 'push', 'evaluate', 'runs', 'datasets']);
    for (const r of ['engineer', 'analyst']) assert.deepEqual(PERMISSIONS.filter((p) => can(r, p)), ['read']);
  });
});
