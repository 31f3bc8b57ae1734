import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IdentityService } from '../../src/auth/index.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { openHomeWithConfig } from '../helpers/registry-home.ts';

describe('the verified-token cache', () => {
  let app: Awaited<ReturnType<typeof openHomeWithConfig>>;
  let identity: IdentityService;
  before(async () => {
    app = await openHomeWithConfig('');
    identity = app.identity('root');
    await identity.addUser('carol', { roles: ['ml_engineer'] });
  });
  after(() => app.dispose());

  it('admits a token it verified without asking again, and knows nothing of a token it has not verified', async () => {
    const { token } = await identity.createToken('carol', { name: 'ci' });
    assert.equal(identity.cached(token), undefined, 'a token is not admitted before it was verified');
    const principal = await identity.authenticate(token);
    assert.equal(principal.name, 'carol');
    assert.equal(identity.cached(token), principal, 'the verified principal is served from the cache');
    assert.equal(await identity.authenticate(token), principal);
    // A lookup by the presented secret: a different secret of the same shape is not a hit.
    assert.equal(identity.cached(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`), undefined);
  });

  it('shares one lookup between concurrent requests presenting the same token', async () => {
    const { token } = await identity.createToken('carol', { name: 'burst' });
    const all = await Promise.all(Array.from({ length: 16 }, () => identity.authenticate(token)));
    assert.ok(all.every((p) => p === all[0]), 'every concurrent caller gets the principal of the one lookup');
    assert.equal(all[0]!.token?.scope, 'write');
  });

  it('forgets a token revoked while its lookup was under way, and refuses it afterwards', async () => {
    const { token, id } = await identity.createToken('carol', { name: 'race' });
    // Begun in this order, the lookup reads the token before the revocation commits and finishes after it.
    const revoked = identity.revokeToken(id);
    const lookup = identity.authenticate(token);
    assert.equal((await lookup).name, 'carol', 'the lookup read the token before it was revoked');
    await revoked;
    assert.equal(identity.cached(token), undefined, 'a lookup that raced a revocation is not remembered');
    await assert.rejects(identity.authenticate(token), (err: unknown) => err instanceof ModelVaultError && err.code === 'unauthenticated' && err.message === `API token ${id} was revoked`);
  });

  it('forgets every verified token when a role changes', async () => {
    const { token } = await identity.createToken('carol', { name: 'roles' });
    const before = await identity.authenticate(token);
    assert.deepEqual(before.roles, ['ml_engineer']);
    await identity.changeRoles('carol', { add: ['analyst'] });
    assert.equal(identity.cached(token), undefined);
    assert.deepEqual([...(await identity.authenticate(token)).roles].sort(), ['analyst', 'ml_engineer']);
  });

  it('refuses to give a user a name every object has as if it were a role', async () => {
    for (const role of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      await assert.rejects(identity.changeRoles('carol', { add: [role] }), (e: unknown) => e instanceof ModelVaultError && e.code === 'invalid_input' && e.message === `${JSON.stringify(role)} is not a role`, role);
    }
    const { token } = await identity.createToken('carol', { name: 'after-refusals' });
    assert.equal((await identity.authenticate(token)).name, 'carol', 'the user still authenticates');
  });
});
