import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openApp, resolveSettings } from '../../src/app.ts';
import { startServer } from '../../src/server/index.ts';
import { runCli, useCliTarget, type CliResult } from '../helpers/cli.ts';
import { makeModelDir, tempDir } from '../helpers/model-dir.ts';

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.stderr);
  return r;
}

for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault users, tokens and whoami (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-identity');

    it('adds users with roles, creates a token shown once, and that token acts as its user', async () => {
      const added = ok(await t.cli('users', 'add', 'erin', '--role', 'ml_engineer', '--json')).json as { name: string; roles: { role: string }[] };
      assert.deepEqual([added.name, added.roles.map((r) => r.role)], ['erin', ['ml_engineer']]);
      ok(await t.cli('users', 'add', 'ana', '--role', 'analyst', '--models', 'fraud-*'));
      const list = ok(await t.cli('users', 'list')).stdout;
      assert.match(list, /\nana +analyst \(fraud-\*\) +active/);
      assert.match(list, /\nerin +ml_engineer +active/);

      const created = ok(await t.cli('tokens', 'create', '--name', 'laptop', '--user', 'erin', '--expires', '30d', '--json')).json as { id: string; token: string; expiresAt: string };
      assert.match(created.token, /^mvt_/);
      const days = (Date.parse(created.expiresAt) - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, String(days));
      const listed = ok(await t.cli('tokens', 'list', '--user', 'erin'));
      assert.match(listed.stdout, new RegExp(`${created.id} +erin +laptop +write +\\* +\\S+ +active`));
      assert.ok(!listed.stdout.includes(created.token), 'a listing never shows the secret');

      if (mode === 'remote') {
        const asErin = { ...t.env, MODELVAULT_TOKEN: created.token, MODELVAULT_ACTOR: undefined };
        const me = ok(await runCli(['whoami', '--json'], asErin)).json as { name: string; via: string; roles: string[] };
        assert.deepEqual([me.name, me.via, me.roles], ['erin', 'token', ['ml_engineer']]);
        const { dir } = makeModelDir({ name: 'erin-model' });
        ok(await runCli(['push', dir], asErin));
        const events = ok(await runCli(['events', '--model', 'erin-model', '--json'], asErin)).json as { items: { actor: string; action: string }[] };
        assert.deepEqual(events.items.filter((e) => e.action === 'version.push').map((e) => e.actor), ['erin']);
        const denied = await runCli(['users', 'add', 'mallory', '--role', 'admin'], asErin);
        assert.equal(denied.code, 2);
        assert.match(denied.stderr, /^error\[forbidden\]: erin lacks the admin permission/);
        ok(await t.cli('users', 'disable', 'erin'));
        const disabled = await runCli(['models', 'list'], asErin);
        assert.equal(disabled.code, 2);
        assert.match(disabled.stderr, /^error\[unauthenticated\]: user erin is disabled/);
      } else {
        const me = ok(await t.cli('whoami', '--json')).json as { name: string; via: string };
        assert.deepEqual([me.name, me.via], ['carol', 'local']);
      }
      const revoked = ok(await t.cli('tokens', 'revoke', created.id, '--json')).json as { status: string };
      assert.equal(revoked.status, 'revoked');
    });

    it('refuses unknown roles, bad names and bad expiries with the fix', async () => {
      const role = await t.cli('users', 'add', 'bob', '--role', 'wizard');
      assert.equal(role.code, 2);
      assert.match(role.stderr, /"wizard" is not a role/);
      assert.match(role.stderr, /hint: roles: admin, ml_engineer/);
      const name = await t.cli('users', 'add', 'Bob Smith');
      assert.equal(name.code, 2);
      assert.match(name.stderr, /"Bob Smith" is not a user name/);
      ok(await t.cli('users', 'add', 'bob', '--role', 'engineer'));
      const expiry = await t.cli('tokens', 'create', '--name', 'x', '--user', 'bob', '--expires', 'tomorrow');
      assert.equal(expiry.code, 2);
      assert.match(expiry.stderr, /expiry "tomorrow" is not a duration or a time/);
      const roles = ok(await t.cli('users', 'roles', 'bob', '--add', 'senior_engineer', '--remove', 'engineer', '--json')).json as { roles: { role: string }[] };
      assert.deepEqual(roles.roles.map((r) => r.role), ['senior_engineer']);
    });
  });
}

describe('init and serve on a fresh home', () => {
  const home = tempDir('mv-first-admin-');
  after(() => rmSync(home, { recursive: true, force: true }));

  it('init creates the first administrator, prints the token once and keeps it in a 0600 file the CLI reads', async () => {
    const r = ok(await runCli(['init', '--json'], { MODELVAULT_HOME: home, MODELVAULT_ACTOR: 'root' }));
    const admin = (r.json as { admin: { user: string; token: string; tokenFile: string } }).admin;
    assert.equal(admin.user, 'root');
    assert.equal(admin.tokenFile, join(home, 'admin.token'));
    assert.equal(readFileSync(admin.tokenFile, 'utf8').trim(), admin.token);
    assert.equal(statSync(admin.tokenFile).mode & 0o777, 0o600);
    const again = ok(await runCli(['init', '--json'], { MODELVAULT_HOME: home }));
    assert.equal((again.json as { admin?: unknown }).admin, undefined, 'only the first init creates an administrator');

    // A server over this home; the CLI on the same machine finds the token in the home without being told.
    const app = await openApp(resolveSettings({ home }, {}));
    const server = await startServer(app, { host: '127.0.0.1', port: 0, logger: false });
    try {
      const me = ok(await runCli(['whoami', '--json'], { MODELVAULT_HOME: home, MODELVAULT_URL: server.url })).json as { name: string; via: string };
      assert.deepEqual([me.name, me.via], ['root', 'token']);
      const other = await runCli(['whoami'], { MODELVAULT_HOME: tempDir('mv-no-token-'), MODELVAULT_URL: server.url });
      assert.equal(other.code, 2);
      assert.match(other.stderr, /^error\[unauthenticated\]: this registry needs a bearer token/);
    } finally {
      await server.close();
      await app.close();
    }
  });
});
