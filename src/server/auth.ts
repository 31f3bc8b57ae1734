import type { FastifyReply, FastifyRequest, onRequestHookHandler, preValidationHookHandler } from 'fastify';
import type { AppContext } from '../app.ts';
import { allows, openAccess, type IdentityService, type Permission, type Principal } from '../auth/index.ts';
import { onBehalfOf } from '../core/actor.ts';
import { ModelVaultError } from '../core/errors.ts';
import type { RouteAccess } from './permissions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, once the route's access hook authenticated them. */
    principal?: Principal;
    /** The actor recorded for changes this request makes. */
    actor?: string;
  }
}

const ACTOR = /^[\w.@+-]{1,128}$/;

/** Verifies a bearer JSON Web Token from a configured issuer: the user's name and the roles their groups map to. */
export type JwtVerifier = (token: string) => Promise<{ username: string; roles: string[] }>;

const ANONYMOUS: Principal = { name: 'anonymous', via: 'anonymous', roles: [], grants: [] };
const ANONYMOUS_READER: Principal = { name: 'anonymous', via: 'anonymous', roles: [], grants: [{ permission: 'read' }] };

function modelOf(request: FastifyRequest): string | undefined {
  const p = request.params as { name?: unknown } | undefined;
  return typeof p?.name === 'string' ? p.name : undefined;
}

/** Who the request comes from, from its bearer credential; undefined when it carries none. */
async function authenticate(identity: IdentityService, request: FastifyRequest, verifyJwt: JwtVerifier | undefined): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!m) {
    throw new ModelVaultError('unauthenticated', 'the Authorization header is not a bearer token', { hint: 'send Authorization: Bearer <token> (a ModelVault API token or a JSON Web Token from a configured issuer)' });
  }
  const token = m[1]!;
  if (verifyJwt && !token.startsWith('mvt_') && token.split('.').length === 3) {
    const claims = await verifyJwt(token);
    const known = await identity.findUser(claims.username);
    if (known?.disabled) throw new ModelVaultError('unauthenticated', `user ${claims.username} is disabled`, { hint: 'ask an administrator to enable the user' });
    return identity.principalOf(claims.username, 'oidc', claims.roles);
  }
  return identity.authenticate(token);
}

async function refuse(identity: IdentityService, request: FastifyRequest, kind: 'auth.failed' | 'auth.denied', who: string, err: ModelVaultError): Promise<never> {
  // Every refused request is on record; a failure to record it must not turn the refusal into an acceptance.
  await identity
    .recordRefusal(kind, who, { method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0]!.slice(0, 300), reason: err.message, ip: request.ip })
    .catch((e: unknown) => request.log.error({ err: e }, 'could not record a refused request in the audit log'));
  throw err;
}

function check(principal: Principal, permission: Permission, access: RouteAccess, request: FastifyRequest): ModelVaultError | undefined {
  const model = modelOf(request);
  if (allows(principal, permission, model, access.anyModel ?? false)) return undefined;
  const where = model !== undefined ? ` on model ${model}` : '';
  const limit = principal.token ? ` (token ${principal.token.id}: scope ${principal.token.scope}${principal.token.models ? `, models ${principal.token.models}` : ''})` : '';
  return new ModelVaultError('forbidden', `${principal.name} lacks the ${permission} permission${where}${limit}`, {
    permission,
    ...(model !== undefined ? { model } : {}),
    hint: principal.via === 'anonymous' ? 'authenticate with Authorization: Bearer <token>' : `ask an administrator for a role that grants ${permission} (see \`modelvault users roles\`)`,
  });
}

/**
 * The hooks that enforce a route's access: `onRequest` authenticates the caller, checks the route's
 * permission before the body is read and decides the recorded actor; for routes whose body can call for more,
 * `preValidation` checks the stricter permission the parsed body needs (promoting into production, forcing).
 */
export function accessHooks(app: AppContext, access: RouteAccess, verifyJwt?: JwtVerifier): { onRequest: onRequestHookHandler; preValidation?: preValidationHookHandler } {
  const identity = app.identity('system');

  /** Checks the route's permission for `principal` and decides the actor; a refusal is thrown. */
  const admit = async (request: FastifyRequest, principal: Principal): Promise<void> => {
    const denied = grant(request, principal);
    if (denied) await refuse(identity, request, 'auth.denied', principal.name, denied);
  };
  /** Sets who is calling; returns the refusal when the route's permission or the actor header is not theirs. */
  const grant = (request: FastifyRequest, principal: Principal): ModelVaultError | undefined => {
    request.principal = principal;
    request.actor = principal.name;
    const needed = access.permission;
    if (needed !== 'authenticated' && needed !== 'public') {
      const denied = check(principal, needed, access, request);
      if (denied) return denied;
    }
    const h = request.headers['x-modelvault-actor'];
    if (typeof h === 'string' && h !== principal.name) {
      if (!ACTOR.test(h)) throw new ModelVaultError('invalid_input', 'X-ModelVault-Actor is not a user name', { field: 'x-modelvault-actor' });
      // Only an administrator may act for someone else; both names go on record.
      if (!allows(principal, 'admin', undefined)) {
        return new ModelVaultError('forbidden', `${principal.name} may not act for ${h}: X-ModelVault-Actor is for administrators acting for a named user`, {
          permission: 'admin',
          hint: 'leave out X-ModelVault-Actor (unset MODELVAULT_ACTOR); changes are recorded under the token\'s user',
        });
      }
      request.actor = onBehalfOf(h, principal.name);
    }
    return undefined;
  };
  const slow = async (request: FastifyRequest): Promise<void> => {
    let principal: Principal | undefined;
    try {
      principal = await authenticate(identity, request, verifyJwt);
    } catch (err) {
      if (err instanceof ModelVaultError && err.code === 'unauthenticated') return refuse(identity, request, 'auth.failed', 'anonymous', err);
      throw err;
    }
    if (principal === undefined) {
      if (app.config.auth.anonymousRead && access.permission === 'read' && !access.escalate) principal = ANONYMOUS_READER;
      else {
        return refuse(identity, request, 'auth.failed', 'anonymous', new ModelVaultError('unauthenticated', 'this registry needs a bearer token', {
          hint: 'send Authorization: Bearer <token>; the CLI sends MODELVAULT_TOKEN (create one with `modelvault tokens create`)',
        }));
      }
    }
    return admit(request, principal);
  };
  // A callback hook, so a request whose token was verified within the last second is admitted without a promise.
  const onRequest: onRequestHookHandler = (request, _reply, done) => {
    try {
      if (!app.config.auth.enabled) {
        const h = request.headers['x-modelvault-actor'];
        const name = typeof h === 'string' && ACTOR.test(h) ? h : 'anonymous';
        request.principal = openAccess(name);
        request.actor = name;
        return done();
      }
      if (access.permission === 'public') {
        request.principal = ANONYMOUS;
        request.actor = 'anonymous';
        return done();
      }
      const header = request.headers.authorization;
      const cached = header !== undefined && header.startsWith('Bearer mvt_') ? identity.cached(header.slice(7)) : undefined;
      if (cached && !grant(request, cached)) return done();
      slow(request).then(() => done(), (err: Error) => done(err));
    } catch (err) {
      done(err as Error);
    }
  };
  const escalate = access.escalate;
  if (!escalate) return { onRequest };
  // Only routes whose parsed body can call for a stricter permission pay for a second hook.
  const preValidation = async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = request.principal!;
    if (principal.via === 'open') return;
    const stricter = escalate(request);
    if (stricter) {
      const denied = check(principal, stricter, access, request);
      if (denied) return refuse(identity, request, 'auth.denied', principal.name, denied);
    }
  };
  return { onRequest, preValidation };
}
