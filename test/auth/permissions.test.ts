import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allows,
  checkModelPattern,
  defaultRoles,
  grantsOf,
  isPermission,
  localAdmin,
  matchesPattern,
  openAccess,
  PERMISSIONS,
  scopeAllows,
  TOKEN_SCOPES,
  type Grant,
  type Permission,
  type Principal,
} from '../../src/auth/index.ts';
import { ModelVaultError } from '../../src/core/errors.ts';

const principal = (grants: Grant[], token?: Principal['token']): Principal => ({ name: 'ann', via: 'token', roles: [], grants, ...(token ? { token } : {}) });
const everywhere = (...permissions: Permission[]): Grant[] => permissions.map((permission) => ({ permission }));

describe('permissions and roles', () => {
  it('names ten permissions, in the order the route table and the role listings show them', () => {
    assert.deepEqual([...PERMISSIONS], ['read', 'push', 'stage', 'stage.production', 'approve', 'evaluate', 'monitor', 'runs', 'datasets', 'admin']);
    assert.deepEqual([...TOKEN_SCOPES], ['read', 'write', 'admin']);
  });

  it('recognises exactly the permission names, and nothing that is not a string', () => {
    for (const p of PERMISSIONS) assert.equal(isPermission(p), true, p);
    for (const v of ['Read', 'read ', '', 'stage.', 'production', 'write', 42, null, undefined, ['read'], { read: true }]) {
      assert.equal(isPermission(v), false, JSON.stringify(v));
    }
  });

  it('gives the default roles their permissions, and each call a fresh table', () => {
    assert.deepEqual(defaultRoles(), {
      admin: { permissions: [...PERMISSIONS] },
      ml_engineer: { permissions: ['read', 'push', 'stage', 'approve', 'evaluate', 'monitor'] },
      senior_engineer: { permissions: ['read', 'push', 'stage', 'approve', 'evaluate', 'monitor'] },
      data_scientist: { permissions: ['read', 'push', 'runs', 'datasets', 'evaluate'] },
      engineer: { permissions: ['read'] },
      analyst: { permissions: ['read'] },
    });
    const roles = defaultRoles();
    roles.admin!.permissions.pop();
    roles.ml_engineer!.permissions.push('admin');
    assert.deepEqual(defaultRoles().admin!.permissions, [...PERMISSIONS]);
    assert.equal(defaultRoles().ml_engineer!.permissions.includes('admin'), false);
    assert.equal(defaultRoles().senior_engineer!.permissions.includes('admin'), false);
  });

  it('lets a token scope carry: read only read, write all but admin, admin everything', () => {
    const carried = (scope: (typeof TOKEN_SCOPES)[number]): Permission[] => PERMISSIONS.filter((p) => scopeAllows(scope, p));
    assert.deepEqual(carried('read'), ['read']);
    assert.deepEqual(carried('write'), PERMISSIONS.filter((p) => p !== 'admin'));
    assert.deepEqual(carried('admin'), [...PERMISSIONS]);
  });

  it('gives the local administrator and an open registry every permission on every model', () => {
    assert.deepEqual(localAdmin('root'), { name: 'root', via: 'local', roles: ['admin'], grants: everywhere(...PERMISSIONS) });
    assert.deepEqual(openAccess('anyone'), { name: 'anyone', via: 'open', roles: [], grants: everywhere(...PERMISSIONS) });
  });
});

describe('model-name patterns', () => {
  it('matches the whole name, with * standing for any run of characters, empty included', () => {
    assert.equal(matchesPattern('fraud', 'fraud'), true);
    assert.equal(matchesPattern('fraud', 'fraud-v2'), false);
    assert.equal(matchesPattern('fraud', 'old-fraud'), false);
    assert.equal(matchesPattern('fraud-*', 'fraud-'), true);
    assert.equal(matchesPattern('fraud-*', 'fraud-eu/v2'), true);
    assert.equal(matchesPattern('fraud-*', 'my-fraud-eu'), false);
    assert.equal(matchesPattern('*-eu', 'fraud-eu'), true);
    assert.equal(matchesPattern('*-eu', 'fraud-eu-2'), false);
    assert.equal(matchesPattern('a*b*c', 'a-x-b-y-c'), true);
    assert.equal(matchesPattern('a*b*c', 'a-x-c'), false);
    assert.equal(matchesPattern('*', ''), true);
    assert.equal(matchesPattern('*', 'anything/at.all'), true);
  });

  it('takes every other character literally, regular-expression syntax included', () => {
    assert.equal(matchesPattern('a.b', 'a.b'), true);
    assert.equal(matchesPattern('a.b', 'axb'), false);
    for (const [pattern, name] of [['a+', 'aa'], ['ab?', 'a'], ['a{2}', 'aa'], ['(a)', 'a'], ['a|b', 'b'], ['[ab]', 'a'], ['^a', 'a'], ['a$', 'a'], ['a\\d', 'a1'], ['a\\', 'a']] as const) {
      assert.equal(matchesPattern(pattern, name), false, `${pattern} against ${name}`);
      assert.equal(matchesPattern(pattern, pattern), true, `${pattern} against itself`);
    }
    assert.equal(matchesPattern('a\\*', 'a\\xyz'), true);
  });

  it('accepts model-name characters and *, from 1 to 200 characters, starting with a letter, digit or *', () => {
    for (const p of ['fraud-*', '*', '*-eu', 'team/fraud.v2_x-*', '0abc', 'a', 'a'.repeat(200), '*'.repeat(200)]) assert.equal(checkModelPattern(p, 'roles.x.models'), p);
  });

  it('refuses anything else, naming the field and how to write a pattern', () => {
    for (const p of ['', '.x', '-x', '_x', '/x', 'Fraud', 'fraud ', ' fraud', 'fraud\n', 'a?', 'a+b', 'a'.repeat(201), 'x'.repeat(199) + 'X', 'é']) {
      assert.throws(
        () => checkModelPattern(p, 'tokens.models'),
        (e: unknown) =>
          e instanceof ModelVaultError &&
          e.code === 'invalid_input' &&
          e.message === `tokens.models: ${JSON.stringify(p)} is not a model-name pattern` &&
          e.details.field === 'tokens.models' &&
          e.details.hint === 'use model-name characters (a-z 0-9 . _ - /) and * as a wildcard, e.g. fraud-*',
        JSON.stringify(p),
      );
    }
  });
});

describe('allows', () => {
  it('holds a permission granted everywhere, for any model and for none, and nothing not granted', () => {
    const p = principal(everywhere('read', 'push'));
    assert.equal(allows(p, 'read'), true);
    assert.equal(allows(p, 'push', 'fraud'), true);
    assert.equal(allows(p, 'stage', 'fraud'), false);
    assert.equal(allows(p, 'stage'), false);
    assert.equal(allows(p, 'stage', undefined, true), false);
    assert.equal(allows(principal([]), 'read', 'fraud', true), false);
  });

  it('holds a grant for some models on those models only, and off any single model only when some model is enough', () => {
    const p = principal([{ permission: 'push', models: ['fraud-*', 'churn'] }]);
    assert.equal(allows(p, 'push', 'fraud-eu'), true);
    assert.equal(allows(p, 'push', 'churn'), true);
    assert.equal(allows(p, 'push', 'churn-v2'), false);
    assert.equal(allows(p, 'read', 'churn'), false);
    assert.equal(allows(p, 'push'), false);
    assert.equal(allows(p, 'push', undefined, true), true);
  });

  it('needs both limits of a role limited to some models and given for some models', () => {
    const both = principal([{ permission: 'stage', models: ['fraud-*'], within: '*-eu' }]);
    assert.equal(allows(both, 'stage', 'fraud-eu'), true);
    assert.equal(allows(both, 'stage', 'fraud-us'), false);
    assert.equal(allows(both, 'stage', 'churn-eu'), false);
    assert.equal(allows(both, 'stage'), false);
    assert.equal(allows(both, 'stage', undefined, true), true);
    const within = principal([{ permission: 'stage', within: 'fraud-*' }]);
    assert.equal(allows(within, 'stage', 'fraud-eu'), true);
    assert.equal(allows(within, 'stage', 'churn'), false);
    assert.equal(allows(within, 'stage'), false);
    assert.equal(allows(within, 'stage', undefined, true), true);
  });

  it('cuts a token down to its scope, whatever its owner holds', () => {
    const grants = everywhere(...PERMISSIONS);
    assert.equal(allows(principal(grants, { id: 't', scope: 'read' }), 'read', 'm'), true);
    assert.equal(allows(principal(grants, { id: 't', scope: 'read' }), 'push', 'm'), false);
    assert.equal(allows(principal(grants, { id: 't', scope: 'write' }), 'stage.production', 'm'), true);
    assert.equal(allows(principal(grants, { id: 't', scope: 'write' }), 'admin'), false);
    assert.equal(allows(principal(grants, { id: 't', scope: 'admin' }), 'admin'), true);
    assert.equal(allows(principal(everywhere('read'), { id: 't', scope: 'admin' }), 'push', 'm'), false);
  });

  it('limits a token with a model pattern to matching models, and off any single model to actions where some model is enough', () => {
    const p = principal(everywhere(...PERMISSIONS), { id: 't', scope: 'write', models: 'fraud-*' });
    assert.equal(allows(p, 'push', 'fraud-eu'), true);
    assert.equal(allows(p, 'push', 'churn'), false);
    assert.equal(allows(p, 'push'), false);
    assert.equal(allows(p, 'push', undefined, true), true);
    const limitedOwner = principal([{ permission: 'push', models: ['churn'] }], { id: 't', scope: 'write', models: 'fraud-*' });
    assert.equal(allows(limitedOwner, 'push', 'fraud-eu'), false);
    assert.equal(allows(limitedOwner, 'push', 'churn'), false);
    const unlimited = principal(everywhere('push'), { id: 't', scope: 'write' });
    assert.equal(allows(unlimited, 'push'), true);
  });
});

describe('grantsOf', () => {
  const table = {
    reviewer: { permissions: ['read', 'approve'] as Permission[], models: ['fraud-*', 'churn'] },
    reader: { permissions: ['read'] as Permission[] },
  };

  it('turns each role into one grant per permission, with the role\'s model limit and the assignment\'s', () => {
    assert.deepEqual(grantsOf([{ role: 'reader' }], table), [{ permission: 'read' }]);
    assert.deepEqual(grantsOf([{ role: 'reader', models: null }], table), [{ permission: 'read' }]);
    assert.deepEqual(grantsOf([{ role: 'reader', models: '' }], table), [{ permission: 'read' }]);
    assert.deepEqual(grantsOf([{ role: 'reader', models: 'fraud-*' }], table), [{ permission: 'read', within: 'fraud-*' }]);
    assert.deepEqual(grantsOf([{ role: 'reviewer' }, { role: 'reader', models: 'x-*' }], table), [
      { permission: 'read', models: ['fraud-*', 'churn'] },
      { permission: 'approve', models: ['fraud-*', 'churn'] },
      { permission: 'read', within: 'x-*' },
    ]);
    assert.deepEqual(grantsOf([{ role: 'reviewer', models: '*-eu' }], table), [
      { permission: 'read', models: ['fraud-*', 'churn'], within: '*-eu' },
      { permission: 'approve', models: ['fraud-*', 'churn'], within: '*-eu' },
    ]);
  });

  it('grants nothing for a role the table does not define, and goes on with the next', () => {
    assert.deepEqual(grantsOf([{ role: 'owner' }, { role: 'ghost' }, { role: 'reader' }], table), [{ permission: 'read' }]);
    assert.deepEqual(grantsOf([], table), []);
  });

  it('does not take what every object has (toString, constructor, __proto__) for a role', () => {
    assert.deepEqual(grantsOf([{ role: 'toString' }, { role: 'constructor' }, { role: '__proto__' }, { role: 'hasOwnProperty' }, { role: 'reader' }], table), [{ permission: 'read' }]);
  });
});
