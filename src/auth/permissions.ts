import { ModelVaultError } from '../core/errors.ts';

/**
 * What a caller may do. Every HTTP route and every embedded command declares one of these; roles grant
 * sets of them, optionally only for models whose names match a pattern.
 */
export const PERMISSIONS = [
  /** Read models, versions, blobs, evidence, events, scans, monitoring. */
  'read',
  /** Push versions (upload blobs, register), add evidence, edit descriptions and tags. */
  'push',
  /** Move versions between stages below production, set aliases, roll back below production. */
  'stage',
  /** Move a version into production or roll production back. */
  'stage.production',
  /** Approve a version for production. */
  'approve',
  /** Run evaluations and quality gates. */
  'evaluate',
  /** Record monitoring data: reference profiles, observations, alert rules. */
  'monitor',
  /** Record training runs. */
  'runs',
  /** Register datasets. */
  'datasets',
  /** Trust keys, edit the scan allowlist, record anchors, manage users, tokens and webhooks, force a decision. */
  'admin',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/** A role as configured: the permissions it grants, and optionally the model names it is limited to. */
export interface RoleDefinition {
  permissions: Permission[];
  /** Glob patterns (`*` matches any run of characters); the role applies to every model when absent. */
  models?: string[];
}

/** The roles a registry has unless `auth.roles` in config.yaml says otherwise. */
export function defaultRoles(): Record<string, RoleDefinition> {
  const engineer: Permission[] = ['read', 'push', 'stage', 'approve', 'evaluate', 'monitor'];
  return {
    admin: { permissions: [...PERMISSIONS] },
    ml_engineer: { permissions: engineer },
    senior_engineer: { permissions: [...engineer] },
    data_scientist: { permissions: ['read', 'push', 'runs', 'datasets', 'evaluate'] },
    engineer: { permissions: ['read'] },
    analyst: { permissions: ['read'] },
  };
}

/** What an API token may do at most: its owner's permissions, cut down to its scope. */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Permissions a token of `scope` can carry (never more than its owner holds). */
export function scopeAllows(scope: TokenScope, permission: Permission): boolean {
  if (scope === 'admin') return true;
  if (scope === 'write') return permission !== 'admin';
  return permission === 'read';
}

/** One grant a principal holds: a permission, everywhere or for the models matching `models`. */
export interface Grant {
  permission: Permission;
  /** The grant applies to models matching one of these patterns; to every model when absent. */
  models?: readonly string[];
  /** A second limit (a role given for some models only): the model must match this pattern too. */
  within?: string;
}

/** Who is calling, once authenticated. */
export interface Principal {
  /** The user's name: what the audit log records as the actor. */
  name: string;
  /** How the caller proved who they are. */
  via: 'token' | 'oidc' | 'local' | 'anonymous' | 'open';
  roles: readonly string[];
  grants: readonly Grant[];
  /** Set for API tokens: their id, scope and model pattern. */
  token?: { id: string; scope: TokenScope; models?: string };
}

/** Whether `pattern` (a glob with `*`) matches the whole of `name`. */
export function matchesPattern(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

/** A model-name pattern as accepted in roles, grants and tokens: model-name characters and `*`. */
export function checkModelPattern(pattern: string, field: string): string {
  if (!/^[a-z0-9*][a-z0-9._*/-]{0,199}$/.test(pattern)) {
    throw new ModelVaultError('invalid_input', `${field}: ${JSON.stringify(pattern)} is not a model-name pattern`, {
      field,
      hint: 'use model-name characters (a-z 0-9 . _ - /) and * as a wildcard, e.g. fraud-*',
    });
  }
  return pattern;
}

/**
 * Whether `principal` holds `permission`, for `model` when the action concerns one model. An action that
 * concerns no single model (listing models, uploading content-addressed blobs) needs the permission granted
 * without a model limit, unless `anyModel` says a grant for some models is enough.
 */
export function allows(principal: Principal, permission: Permission, model?: string, anyModel = false): boolean {
  const token = principal.token;
  if (token) {
    if (!scopeAllows(token.scope, permission)) return false;
    if (token.models !== undefined) {
      if (model !== undefined ? !matchesPattern(token.models, model) : !anyModel) return false;
    }
  }
  return principal.grants.some((g) => {
    if (g.permission !== permission) return false;
    if (g.models === undefined && g.within === undefined) return true;
    if (model === undefined) return anyModel;
    return (g.models === undefined || g.models.some((p) => matchesPattern(p, model))) && (g.within === undefined || matchesPattern(g.within, model));
  });
}

/** Grants of `roles` under the role table; unknown role names grant nothing. */
export function grantsOf(roles: readonly { role: string; models?: string | null }[], table: Record<string, RoleDefinition>): Grant[] {
  const out: Grant[] = [];
  for (const { role, models } of roles) {
    const def = Object.hasOwn(table, role) ? table[role] : undefined;
    if (!def) continue;
    // A role limited to some models and given for some models applies where both limits match.
    for (const permission of def.permissions) out.push({ permission, ...(def.models ? { models: def.models } : {}), ...(models ? { within: models } : {}) });
  }
  return out;
}

/** The principal of an embedded command: the local administrator of the home, named by the OS user. */
export function localAdmin(name: string): Principal {
  return { name, via: 'local', roles: ['admin'], grants: PERMISSIONS.map((permission) => ({ permission })) };
}

/** The principal of a registry that runs with authentication off: anyone may do anything. */
export function openAccess(name: string): Principal {
  return { name, via: 'open', roles: [], grants: PERMISSIONS.map((permission) => ({ permission })) };
}
