import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../app.ts';
import { allows, describePrincipal, TOKEN_SCOPES, type IdentityService, type Principal, type TokenScope } from '../../auth/index.ts';
import { ModelVaultError } from '../../core/errors.ts';
import { actorOf } from '../actor.ts';
import { route, type RouteSpec } from '../route-spec.ts';
import { AddUserBody, CreatedToken, CreateTokenBody, DisabledBody, RolesBody, Token, TokenParams, Tokens, TokensQuery, User, UserParams, Users, WhoAmI } from '../schemas/identity.ts';

const principalOf = (req: FastifyRequest): Principal => req.principal!;

/** Whether the caller manages users and other users' tokens. */
const isAdmin = (p: Principal): boolean => allows(p, 'admin');

/**
 * A token may create tokens for its own user only, never of a wider scope or model range than its own:
 * a read token cannot mint a write token.
 */
function checkTokenRequest(p: Principal, user: string, scope: TokenScope, models: string | undefined): void {
  if (user !== p.name && !isAdmin(p)) throw new ModelVaultError('forbidden', `${p.name} may create tokens for themselves only`, { permission: 'admin', hint: 'leave out user, or ask an administrator' });
  const t = p.token;
  if (!t) return;
  if (TOKEN_SCOPES.indexOf(scope) > TOKEN_SCOPES.indexOf(t.scope)) {
    throw new ModelVaultError('forbidden', `a ${t.scope} token cannot create a ${scope} token`, { permission: 'admin', hint: `ask for scope ${t.scope} or narrower` });
  }
  if (t.models !== undefined && models !== t.models) {
    throw new ModelVaultError('forbidden', `a token limited to models ${t.models} can only create tokens with the same limit`, { hint: `pass models ${t.models}` });
  }
}

/** Users, their roles and their API tokens; who the caller is. */
export function identityRoutes(app: AppContext): RouteSpec[] {
  const identity = (req: FastifyRequest): IdentityService => app.identity(actorOf(req));
  return [
    route({
      method: 'GET',
      url: '/api/v1/auth/whoami',
      operationId: 'whoami',
      summary: 'Who the caller is: user, roles, permissions and token limits',
      tag: 'identity',
      responses: { 200: { description: 'the caller', schema: WhoAmI } },
      handler: async (req) => describePrincipal(principalOf(req)),
    }),
    route({
      method: 'GET',
      url: '/api/v1/users',
      operationId: 'listUsers',
      summary: 'Users and their roles',
      tag: 'identity',
      responses: { 200: { description: 'users', schema: Users } },
      handler: async (req) => ({ items: await identity(req).listUsers() }),
    }),
    route({
      method: 'POST',
      url: '/api/v1/users',
      operationId: 'addUser',
      summary: 'Add a user with roles; logged as `user.created`',
      tag: 'identity',
      body: AddUserBody,
      responses: { 201: { description: 'the user', schema: User } },
      handler: async (req, reply) => {
        const { name, ...rest } = req.body;
        const user = await identity(req).addUser(name, rest);
        reply.code(201);
        return user;
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/users/:user',
      operationId: 'getUser',
      summary: 'One user and their roles',
      tag: 'identity',
      params: UserParams,
      responses: { 200: { description: 'the user', schema: User } },
      handler: async (req) => identity(req).getUser(req.params.user),
    }),
    route({
      method: 'PUT',
      url: '/api/v1/users/:user/disabled',
      operationId: 'setUserDisabled',
      summary: 'Disable or enable a user; their tokens stop working at once; logged',
      tag: 'identity',
      params: UserParams,
      body: DisabledBody,
      responses: { 200: { description: 'the user', schema: User } },
      handler: async (req) => identity(req).setDisabled(req.params.user, req.body.disabled),
    }),
    route({
      method: 'POST',
      url: '/api/v1/users/:user/roles',
      operationId: 'changeUserRoles',
      summary: 'Add and remove roles of a user (for every model, or for a model-name pattern); logged',
      tag: 'identity',
      params: UserParams,
      body: RolesBody,
      responses: { 200: { description: 'the user', schema: User } },
      handler: async (req) => identity(req).changeRoles(req.params.user, req.body),
    }),
    route({
      method: 'GET',
      url: '/api/v1/tokens',
      operationId: 'listTokens',
      summary: 'API tokens (never their secrets): your own, or anyone\'s for an administrator',
      tag: 'identity',
      querystring: TokensQuery,
      responses: { 200: { description: 'tokens', schema: Tokens } },
      handler: async (req) => {
        const p = principalOf(req);
        const user = isAdmin(p) ? req.query.user : p.name;
        if (req.query.user !== undefined && req.query.user !== user) throw new ModelVaultError('forbidden', `${p.name} may list their own tokens only`, { permission: 'admin' });
        return { items: await identity(req).listTokens(user) };
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/tokens',
      operationId: 'createToken',
      summary: 'Create an API token; the secret is in this response only; logged as `token.created`',
      tag: 'identity',
      body: CreateTokenBody,
      responses: { 201: { description: 'the token with its secret', schema: CreatedToken } },
      handler: async (req, reply) => {
        const p = principalOf(req);
        const { user = p.name, scope = 'write', ...rest } = req.body;
        checkTokenRequest(p, user, scope, rest.models);
        const created = await identity(req).createToken(user, { scope, ...rest });
        reply.code(201);
        return created;
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/v1/tokens/:id',
      operationId: 'revokeToken',
      summary: 'Revoke a token (your own, or anyone\'s for an administrator); logged as `token.revoked`',
      tag: 'identity',
      params: TokenParams,
      responses: { 200: { description: 'the revoked token', schema: Token } },
      handler: async (req) => {
        const p = principalOf(req);
        const t = await identity(req).getToken(req.params.id);
        if (t.user !== p.name && !isAdmin(p)) throw new ModelVaultError('not_found', `no token ${req.params.id}`, { hint: 'see `modelvault tokens list`' });
        return identity(req).revokeToken(req.params.id);
      },
    }),
  ];
}
