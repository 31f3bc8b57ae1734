import type { Kysely } from 'kysely';
import { appendAuditEvents } from '../audit/index.ts';
import { ModelVaultError } from '../core/errors.ts';
import type { Database } from '../storage/db/schema.ts';
import { isUniqueViolation } from '../storage/db/errors.ts';
import type { AuthConfig } from './config.ts';
import { checkModelPattern, grantsOf, TOKEN_SCOPES, type Principal, type TokenScope } from './permissions.ts';
import { checkTokenShape, newTokenId, newTokenSecret, parseExpiry, tokenHash } from './tokens.ts';

/** A user as listed: never a secret. */
export interface UserInfo {
  name: string;
  displayName: string | null;
  disabled: boolean;
  roles: { role: string; models?: string }[];
  createdBy: string;
  createdAt: string;
}

/** An API token as listed: its id and limits, never the secret. */
export interface TokenInfo {
  id: string;
  user: string;
  name: string;
  scope: TokenScope;
  models?: string;
  expiresAt: string | null;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  /** active, expired or revoked, at the time of listing. */
  status: 'active' | 'expired' | 'revoked';
}

/** A token just created: the only time its secret exists outside the caller's hands. */
export interface CreatedToken extends TokenInfo {
  token: string;
}

export interface CreateTokenInput {
  name: string;
  scope?: TokenScope;
  models?: string;
  /** `never`, a duration such as `90d`, or an ISO time; 90 days when absent. */
  expires?: string;
}

/** User names: what audit events record as actors. E-mail-like names are allowed for single sign-on users. */
const USER_NAME = /^[a-z0-9][a-z0-9._@-]{0,127}$/;
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._:/@-]{0,99}$/;

export function checkUserName(name: string): string {
  if (!USER_NAME.test(name)) {
    throw new ModelVaultError('invalid_name', `${JSON.stringify(name.slice(0, 140))} is not a user name`, {
      field: 'user',
      hint: 'use lower-case letters, digits and . _ @ - (at most 128), starting with a letter or digit',
    });
  }
  return name;
}

/** How long a verified token is remembered: revocation in another process takes effect within this. */
export const TOKEN_CACHE_MS = 1000;

/** Who the caller is, as `whoami` reports it. */
export interface WhoAmI {
  name: string;
  via: Principal['via'];
  roles: string[];
  permissions: { permission: string; models?: string[]; within?: string }[];
  token?: { id: string; scope: TokenScope; models?: string };
}

/** Managing users and tokens, embedded or over HTTP. */
export interface IdentityApi {
  whoami(): Promise<WhoAmI>;
  addUser(name: string, opts?: { displayName?: string; roles?: string[]; models?: string }): Promise<UserInfo>;
  getUser(name: string): Promise<UserInfo>;
  listUsers(): Promise<UserInfo[]>;
  setDisabled(name: string, disabled: boolean): Promise<UserInfo>;
  changeRoles(name: string, change: { add?: string[]; remove?: string[]; models?: string }): Promise<UserInfo>;
  /** A token for `user` (the caller when absent). */
  createToken(user: string | undefined, input: CreateTokenInput): Promise<CreatedToken>;
  listTokens(user?: string): Promise<TokenInfo[]>;
  revokeToken(id: string): Promise<TokenInfo>;
}

/** The report of `principal` for `whoami`. */
export function describePrincipal(p: Principal): WhoAmI {
  return {
    name: p.name,
    via: p.via,
    roles: [...p.roles],
    permissions: p.grants.map((g) => ({ permission: g.permission, ...(g.models ? { models: [...g.models] } : {}), ...(g.within ? { within: g.within } : {}) })),
    ...(p.token ? { token: p.token } : {}),
  };
}

/**
 * Users, their roles and their API tokens, with every change logged as an audit event by `actor`.
 * Authentication of API tokens happens here too (`authenticate`), with a short cache so a busy server does
 * not query the database for every request.
 */
export class IdentityService {
  /**
   * Tokens verified in the last second, keyed by the presented secret itself: a hit costs one map lookup, not a
   * sha256 (which alone would be a few per cent of a cached registry read). Expired entries are swept as it grows,
   * and every token, role or user change empties it.
   */
  private readonly cache: Map<string, { principal: Principal; until: number }>;
  /** Token lookups under way, and a count of changes that makes a lookup begun before one of them stale. */
  private readonly pending: Map<string, Promise<Principal>>;
  private readonly generation: { value: number };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: AuthConfig,
    private readonly actor: string,
    shared?: IdentityService,
  ) {
    this.cache = shared?.cache ?? new Map();
    this.pending = shared?.pending ?? new Map();
    this.generation = shared?.generation ?? { value: 0 };
  }

  /** The same service acting as another user (sharing the token cache). */
  as(actor: string): IdentityService {
    return new IdentityService(this.db, this.config, actor, this);
  }

  private async log(trx: Kysely<Database>, action: string, subject: string, payload: Record<string, unknown>, actor = this.actor): Promise<void> {
    await appendAuditEvents(trx, [{ actor, action, subject, payload }], new Date().toISOString());
  }

  private checkRole(role: string): void {
    // Own names only: `toString` or `constructor` are on every object, and are no roles.
    if (!Object.hasOwn(this.config.roles, role)) {
      throw new ModelVaultError('invalid_input', `${JSON.stringify(role)} is not a role`, { field: 'role', hint: `roles: ${Object.keys(this.config.roles).join(', ')} (auth.roles in config.yaml adds more)` });
    }
  }

  async userCount(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Adds a user with `roles` (each for every model, or for `models`). */
  async addUser(name: string, opts: { displayName?: string; roles?: string[]; models?: string } = {}): Promise<UserInfo> {
    checkUserName(name);
    for (const r of opts.roles ?? []) this.checkRole(r);
    if (opts.models !== undefined) checkModelPattern(opts.models, 'models');
    const now = new Date().toISOString();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values({ name, display_name: opts.displayName ?? null, disabled: 0, created_by: this.actor, created_at: now, updated_at: now }).execute();
        for (const role of new Set(opts.roles ?? [])) {
          await trx.insertInto('user_roles').values({ user_name: name, role, models: opts.models ?? '', granted_by: this.actor, granted_at: now }).execute();
        }
        await this.log(trx, 'user.created', `users/${name}`, { user: name, roles: opts.roles ?? [], ...(opts.models ? { models: opts.models } : {}) });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ModelVaultError('conflict', `user ${name} exists`, { hint: `change their roles with \`modelvault users roles ${name} --add ROLE\`` });
      throw err;
    }
    return this.getUser(name);
  }

  async getUser(name: string): Promise<UserInfo> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new ModelVaultError('not_found', `no user ${name}`, { hint: 'see `modelvault users list`' });
    const roles = await this.db.selectFrom('user_roles').select(['role', 'models']).where('user_name', '=', name).orderBy('role').orderBy('models').execute();
    return {
      name: row.name,
      displayName: row.display_name,
      disabled: Number(row.disabled) === 1,
      roles: roles.map((r) => (r.models ? { role: r.role, models: r.models } : { role: r.role })),
      createdBy: row.created_by,
      createdAt: row.created_at,
    };
  }

  /** The user named `name`, or undefined. */
  async findUser(name: string): Promise<UserInfo | undefined> {
    const row = await this.db.selectFrom('users').select('name').where('name', '=', name).executeTakeFirst();
    return row ? this.getUser(name) : undefined;
  }

  async listUsers(): Promise<UserInfo[]> {
    const names = await this.db.selectFrom('users').select('name').orderBy('name').execute();
    return Promise.all(names.map((n) => this.getUser(n.name)));
  }

  /** Disables (or re-enables) a user: their tokens stop working at once in this process, within a second elsewhere. */
  async setDisabled(name: string, disabled: boolean): Promise<UserInfo> {
    await this.getUser(name);
    if (disabled && name === this.actor) throw new ModelVaultError('invalid_input', 'you cannot disable yourself', { hint: 'ask another administrator' });
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ disabled: disabled ? 1 : 0, updated_at: new Date().toISOString() }).where('name', '=', name).execute();
      await this.log(trx, disabled ? 'user.disabled' : 'user.enabled', `users/${name}`, { user: name });
    });
    this.forgetTokens();
    return this.getUser(name);
  }

  /** Adds and removes roles of a user (for every model, or for the models matching `models`). */
  async changeRoles(name: string, change: { add?: string[]; remove?: string[]; models?: string }): Promise<UserInfo> {
    const before = await this.getUser(name);
    for (const r of [...(change.add ?? []), ...(change.remove ?? [])]) this.checkRole(r);
    if (change.models !== undefined) checkModelPattern(change.models, 'models');
    const models = change.models ?? '';
    if ((change.remove ?? []).includes('admin') && name === this.actor && models === '') {
      throw new ModelVaultError('invalid_input', 'you cannot remove your own admin role', { hint: 'ask another administrator' });
    }
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      for (const role of change.remove ?? []) await trx.deleteFrom('user_roles').where('user_name', '=', name).where('role', '=', role).where('models', '=', models).execute();
      for (const role of change.add ?? []) {
        const has = before.roles.some((r) => r.role === role && (r.models ?? '') === models);
        if (!has) await trx.insertInto('user_roles').values({ user_name: name, role, models, granted_by: this.actor, granted_at: now }).execute();
      }
      await this.log(trx, 'user.roles_changed', `users/${name}`, { user: name, added: change.add ?? [], removed: change.remove ?? [], ...(models ? { models } : {}) });
    });
    this.forgetTokens();
    return this.getUser(name);
  }

  /** Creates an API token for `user`; the secret is in the result and nowhere else. */
  async createToken(user: string, input: CreateTokenInput): Promise<CreatedToken> {
    const owner = await this.getUser(user);
    if (owner.disabled) throw new ModelVaultError('invalid_input', `user ${user} is disabled`, { hint: `enable them first with \`modelvault users enable ${user}\`` });
    if (!TOKEN_NAME.test(input.name)) throw new ModelVaultError('invalid_input', `token name ${JSON.stringify(input.name.slice(0, 120))} is not valid`, { field: 'name', hint: 'use letters, digits, spaces and . _ : / @ - (at most 100)' });
    const scope = input.scope ?? 'write';
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) throw new ModelVaultError('invalid_input', `scope ${JSON.stringify(scope)} is not read, write or admin`, { field: 'scope' });
    if (input.models !== undefined) checkModelPattern(input.models, 'models');
    const expiresAt = parseExpiry(input.expires ?? '90d');
    const token = newTokenSecret();
    const id = newTokenId();
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('api_tokens').values({ id, user_name: user, name: input.name, hash: tokenHash(token), scope, models: input.models ?? null, expires_at: expiresAt, created_by: this.actor, created_at: now, revoked_at: null, revoked_by: null }).execute();
      await this.log(trx, 'token.created', `tokens/${id}`, { token: id, user, name: input.name, scope, ...(input.models ? { models: input.models } : {}), expiresAt });
    });
    const info = await this.getToken(id);
    return { ...info, token };
  }

  private toInfo(r: Database['api_tokens']): TokenInfo {
    const expired = r.expires_at !== null && Date.parse(r.expires_at) <= Date.now();
    return {
      id: r.id,
      user: r.user_name,
      name: r.name,
      scope: r.scope as TokenScope,
      ...(r.models ? { models: r.models } : {}),
      expiresAt: r.expires_at,
      createdBy: r.created_by,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
      status: r.revoked_at ? 'revoked' : expired ? 'expired' : 'active',
    };
  }

  async getToken(id: string): Promise<TokenInfo> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new ModelVaultError('not_found', `no token ${id}`, { hint: 'see `modelvault tokens list`' });
    return this.toInfo(r);
  }

  /** Tokens of `user`, or of everyone. */
  async listTokens(user?: string): Promise<TokenInfo[]> {
    let q = this.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id');
    if (user !== undefined) q = q.where('user_name', '=', user);
    return (await q.execute()).map((r) => this.toInfo(r));
  }

  /** Revokes a token: refused at once by this process, within a second by others. */
  async revokeToken(id: string): Promise<TokenInfo> {
    const t = await this.getToken(id);
    if (t.revokedAt) return t;
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('api_tokens').set({ revoked_at: new Date().toISOString(), revoked_by: this.actor }).where('id', '=', id).execute();
      await this.log(trx, 'token.revoked', `tokens/${id}`, { token: id, user: t.user });
    });
    this.forgetTokens();
    return this.getToken(id);
  }

  /** The principal of a user (their roles' grants), as used for tokens and single sign-on. */
  async principalOf(name: string, via: Principal['via'], extraRoles: readonly string[] = []): Promise<Principal> {
    const rows = await this.db.selectFrom('user_roles').select(['role', 'models']).where('user_name', '=', name).execute();
    const roles = [...rows.map((r) => ({ role: r.role, models: r.models || null })), ...extraRoles.map((role) => ({ role }))];
    return { name, via, roles: [...new Set(roles.map((r) => r.role))], grants: grantsOf(roles, this.config.roles) };
  }

  /** The principal of an API token verified within the last second (and not expired since), without a query. */
  cached(secret: string): Principal | undefined {
    const hit = this.cache.get(secret);
    return hit !== undefined && hit.until > Date.now() ? hit.principal : undefined;
  }

  /** Verifies an API token: its shape, that it exists, is not revoked or expired, and that its user is enabled. */
  async authenticate(secret: string): Promise<Principal> {
    checkTokenShape(secret);
    const hit = this.cache.get(secret);
    if (hit !== undefined && hit.until > Date.now()) return hit.principal;
    // Concurrent requests with the same token share one lookup when its cache entry lapses.
    const pending = this.pending.get(secret);
    if (pending) return pending;
    const lookup: Promise<Principal> = this.lookUpToken(secret).finally(() => {
      if (this.pending.get(secret) === lookup) this.pending.delete(secret);
    });
    this.pending.set(secret, lookup);
    return lookup;
  }

  private async lookUpToken(secret: string): Promise<Principal> {
    const generation = this.generation.value;
    const now = Date.now();
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.name', 'api_tokens.user_name')
      .select(['api_tokens.id', 'api_tokens.user_name', 'api_tokens.scope', 'api_tokens.models', 'api_tokens.expires_at', 'api_tokens.revoked_at', 'users.disabled'])
      .where('api_tokens.hash', '=', tokenHash(secret))
      .executeTakeFirst();
    if (!row) throw new ModelVaultError('unauthenticated', 'the API token is not known to this registry', { hint: 'check MODELVAULT_TOKEN, or create a token with `modelvault tokens create`' });
    if (row.revoked_at) throw new ModelVaultError('unauthenticated', `API token ${row.id} was revoked`, { hint: 'create a new token with `modelvault tokens create`' });
    if (row.expires_at !== null && Date.parse(row.expires_at) <= now) throw new ModelVaultError('unauthenticated', `API token ${row.id} expired at ${row.expires_at}`, { hint: 'create a new token with `modelvault tokens create`' });
    if (Number(row.disabled) === 1) throw new ModelVaultError('unauthenticated', `user ${row.user_name} is disabled`, { hint: 'ask an administrator to enable the user' });
    const base = await this.principalOf(row.user_name, 'token');
    const principal: Principal = { ...base, token: { id: row.id, scope: row.scope as TokenScope, ...(row.models ? { models: row.models } : {}) } };
    // A change to tokens, roles or users while this lookup ran may have made its answer stale: then it is not kept.
    if (generation !== this.generation.value) return principal;
    if (this.cache.size >= 1_000) this.sweep(now);
    // Remembered briefly, and never past the token's expiry.
    this.cache.set(secret, { principal, until: Math.min(now + TOKEN_CACHE_MS, row.expires_at === null ? Infinity : Date.parse(row.expires_at)) });
    return principal;
  }

  /** Forgets every verified token: called after any change to tokens, roles or users. */
  private forgetTokens(): void {
    this.cache.clear();
    this.pending.clear();
    this.generation.value++;
  }

  /** Drops the expired entries of the token cache, or all of them when that is not enough. */
  private sweep(now: number): void {
    for (const [secret, entry] of this.cache) if (entry.until <= now) this.cache.delete(secret);
    if (this.cache.size >= 1_000) this.cache.clear();
  }

  /** Records a refused request (failed authentication or a denied permission) in the audit log. */
  async recordRefusal(kind: 'auth.failed' | 'auth.denied', who: string, details: Record<string, unknown>): Promise<void> {
    await appendAuditEvents(this.db, [{ actor: who, action: kind, subject: 'auth', payload: details }], new Date().toISOString());
  }

  /**
   * Creates the first administrator when the registry has no user yet, with a token that never expires;
   * returns it, or undefined when users exist already.
   */
  async bootstrapAdmin(name: string): Promise<CreatedToken | undefined> {
    if ((await this.userCount()) > 0) return undefined;
    try {
      await this.as(name).addUser(name, { roles: ['admin'] });
    } catch (err) {
      // Another process created the first user at the same moment.
      if (err instanceof ModelVaultError && err.code === 'conflict') return undefined;
      throw err;
    }
    return this.as(name).createToken(name, { name: 'initial admin token', scope: 'admin', expires: 'never' });
  }
}
