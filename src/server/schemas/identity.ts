import { Closed, Matching, Nullable, Str, StringEnum, Time, Type } from '../../core/schema.ts';
import { PERMISSIONS, TOKEN_SCOPES } from '../../auth/index.ts';

// Users, roles and API tokens as the HTTP API carries them. No response ever carries a token's secret
// except the one that creates it.

// Names are checked by the identity service, whose error says what a user name may hold.
const UserName = Str(200, { minLength: 1, description: 'a user name: lower-case letters, digits and . _ @ -' });
const RoleName = Matching(/^[a-z][a-z0-9_-]{0,62}$/, 63, { description: 'a role name' });
const ModelPattern = Str(200, { description: 'a model-name pattern, `*` a wildcard' });
const TokenId = Matching(/^tok_[0-9a-f]{12}$/, 16, { description: 'a token id' });

export const UserParams = Closed({ user: UserName });
export const TokenParams = Closed({ id: TokenId });

export const RoleGrant = Closed({ role: RoleName, models: Type.Optional(ModelPattern) });
export const User = Closed({
  name: UserName,
  displayName: Nullable(Str(200)),
  disabled: Type.Boolean(),
  roles: Type.Array(RoleGrant),
  createdBy: Str(300),
  createdAt: Time,
});
export const Users = Closed({ items: Type.Array(User) });
export const AddUserBody = Closed({
  name: UserName,
  displayName: Type.Optional(Str(200)),
  roles: Type.Optional(Type.Array(RoleName, { maxItems: 50 })),
  models: Type.Optional(ModelPattern),
});
export const DisabledBody = Closed({ disabled: Type.Boolean() });
export const RolesBody = Closed({
  add: Type.Optional(Type.Array(RoleName, { maxItems: 50 })),
  remove: Type.Optional(Type.Array(RoleName, { maxItems: 50 })),
  models: Type.Optional(ModelPattern),
});

const Scope = StringEnum(TOKEN_SCOPES);
export const Token = Closed({
  id: TokenId,
  user: UserName,
  name: Str(100),
  scope: Scope,
  models: Type.Optional(ModelPattern),
  expiresAt: Nullable(Time),
  createdBy: Str(300),
  createdAt: Time,
  revokedAt: Nullable(Time),
  status: StringEnum(['active', 'expired', 'revoked'] as const),
});
export const Tokens = Closed({ items: Type.Array(Token) });
export const CreatedToken = Closed({ ...Token.properties, token: Str(100, { description: 'the secret: shown once, stored only as a hash' }) });
export const CreateTokenBody = Closed({
  name: Str(100),
  user: Type.Optional(UserName),
  scope: Type.Optional(Scope),
  models: Type.Optional(ModelPattern),
  expires: Type.Optional(Str(64, { description: '`never`, a duration such as `90d`, or an ISO time; 90 days by default' })),
});
export const TokensQuery = Closed({ user: Type.Optional(UserName) });

export const WhoAmI = Closed({
  name: Str(300),
  via: StringEnum(['token', 'oidc', 'local', 'anonymous', 'open'] as const),
  roles: Type.Array(Str(63)),
  permissions: Type.Array(Closed({ permission: StringEnum(PERMISSIONS), models: Type.Optional(Type.Array(ModelPattern)), within: Type.Optional(ModelPattern) })),
  token: Type.Optional(Closed({ id: TokenId, scope: Scope, models: Type.Optional(ModelPattern) })),
});
