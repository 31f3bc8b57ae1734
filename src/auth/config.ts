import { ModelVaultError } from '../core/errors.ts';
import { checkModelPattern, defaultRoles, isPermission, PERMISSIONS, type Permission, type RoleDefinition } from './permissions.ts';

/** The `auth:` block of `config.yaml`. */
export interface AuthConfig {
  /** Off only on an isolated network: every caller may do everything, named by the X-ModelVault-Actor header. */
  enabled: boolean;
  /** Callers without credentials may read (never write). */
  anonymousRead: boolean;
  /** Role name → what it grants. */
  roles: Record<string, RoleDefinition>;
  /**
   * Issuers whose bearer JSON Web Tokens are accepted (single sign-on), as written: the server validates them
   * with `parseOidcConfig` when it starts, so commands that never verify a token do not load the JWT library.
   */
  oidc: unknown[];
}

export function defaultAuthConfig(): AuthConfig {
  return { enabled: true, anonymousRead: false, roles: defaultRoles(), oidc: [] };
}

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

function fail(file: string, field: string, message: string, hint?: string): never {
  throw new ModelVaultError('invalid_input', `${file}: ${field} ${message}`, { path: file, field, ...(hint ? { hint } : {}) });
}

function mapping(value: unknown, file: string, field: string, known?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(file, field, 'must be a mapping');
  if (known) {
    for (const k of Object.keys(value)) if (!known.includes(k)) fail(file, `${field}.${k}`, `is not a setting (known: ${known.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function parseRole(value: unknown, file: string, field: string): RoleDefinition {
  const r = mapping(value, file, field, ['permissions', 'models']);
  if (!Array.isArray(r.permissions) || r.permissions.length === 0) fail(file, `${field}.permissions`, 'must be a non-empty list of permissions', `choose from ${PERMISSIONS.join(', ')}`);
  const permissions: Permission[] = [];
  for (const p of r.permissions) {
    if (!isPermission(p)) fail(file, `${field}.permissions`, `names ${JSON.stringify(p)}, which is not a permission`, `choose from ${PERMISSIONS.join(', ')}`);
    permissions.push(p);
  }
  const role: RoleDefinition = { permissions: [...new Set(permissions)] };
  if (r.models !== undefined) {
    if (!Array.isArray(r.models) || r.models.length === 0 || !r.models.every((m) => typeof m === 'string')) fail(file, `${field}.models`, 'must be a non-empty list of model-name patterns', 'e.g. models: [fraud-*]');
    role.models = (r.models as string[]).map((m) => checkModelPattern(m, `${file}: ${field}.models`));
  }
  return role;
}

/**
 * Parses the `auth:` block. Roles given replace the default role of the same name and add new ones; the
 * `admin` role always keeps every permission, so a configuration cannot lock its administrators out.
 */
export function parseAuthConfig(value: unknown, file: string): AuthConfig {
  const cfg = defaultAuthConfig();
  if (value === undefined || value === null) return cfg;
  const a = mapping(value, file, 'auth', ['enabled', 'anonymous_read', 'roles', 'oidc']);
  if (a.enabled !== undefined) {
    if (typeof a.enabled !== 'boolean') fail(file, 'auth.enabled', 'must be true or false');
    cfg.enabled = a.enabled;
  }
  if (a.anonymous_read !== undefined) {
    if (typeof a.anonymous_read !== 'boolean') fail(file, 'auth.anonymous_read', 'must be true or false');
    cfg.anonymousRead = a.anonymous_read;
  }
  if (a.roles !== undefined) {
    for (const [name, def] of Object.entries(mapping(a.roles, file, 'auth.roles'))) {
      if (!ROLE_NAME.test(name)) fail(file, `auth.roles.${name}`, 'is not a role name', 'use lower-case letters, digits, _ and -, starting with a letter');
      if (name === 'admin') fail(file, 'auth.roles.admin', 'cannot be redefined: admin always holds every permission', 'define a new role instead');
      cfg.roles[name] = parseRole(def, file, `auth.roles.${name}`);
    }
  }
  if (a.oidc !== undefined && a.oidc !== null) {
    if (!Array.isArray(a.oidc)) fail(file, 'auth.oidc', 'must be a list of issuers', 'e.g. oidc: [{ issuer: https://login.example.com, audience: modelvault, jwks_url: … }]');
    cfg.oidc = a.oidc;
  }
  return cfg;
}
