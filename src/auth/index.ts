export { defaultAuthConfig, parseAuthConfig } from './config.ts';
export type { AuthConfig } from './config.ts';
export { checkUserName, describePrincipal, IdentityService, TOKEN_CACHE_MS } from './identity.ts';
export type { CreatedToken, CreateTokenInput, IdentityApi, TokenInfo, UserInfo, WhoAmI } from './identity.ts';
export { allows, checkModelPattern, defaultRoles, grantsOf, isPermission, localAdmin, matchesPattern, openAccess, PERMISSIONS, scopeAllows, TOKEN_SCOPES } from './permissions.ts';
export type { Grant, Permission, Principal, RoleDefinition, TokenScope } from './permissions.ts';
export { checkTokenShape, parseExpiry, TOKEN_PREFIX, tokenHash } from './tokens.ts';
