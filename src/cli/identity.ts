import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppContext } from '../app.ts';
import type { CreatedToken, IdentityApi } from '../auth/index.ts';
import { ADMIN_TOKEN_FILE, type Session } from './context.ts';

/** Users and tokens of a session: the local database in embedded mode (as its administrator), the server's in remote mode. */
export async function identityOf(s: Session): Promise<IdentityApi> {
  if (s.app) {
    const [{ localActor }, { describePrincipal, localAdmin }] = await Promise.all([import('./actor.ts'), import('../auth/index.ts')]);
    const actor = localActor();
    const svc = s.app.identity(actor);
    return {
      whoami: async () => describePrincipal(localAdmin(actor)),
      addUser: (name, opts) => svc.addUser(name, opts),
      getUser: (name) => svc.getUser(name),
      listUsers: () => svc.listUsers(),
      setDisabled: (name, disabled) => svc.setDisabled(name, disabled),
      changeRoles: (name, change) => svc.changeRoles(name, change),
      createToken: (user, input) => svc.createToken(user ?? actor, input),
      listTokens: (user) => svc.listTokens(user),
      revokeToken: (id) => svc.revokeToken(id),
    };
  }
  const { RemoteIdentity } = await import('../client/index.ts');
  return new RemoteIdentity(s.client!);
}

/**
 * Creates the first administrator (named `name`) when the registry has no user, and writes their token to
 * `<home>/admin.token` (mode 0600) so the CLI on this machine can use it. Returns the token when created.
 */
export async function bootstrapAdmin(app: AppContext, name: string): Promise<(CreatedToken & { file: string }) | undefined> {
  if (!app.config.auth.enabled) return undefined;
  const created = await app.identity(name).bootstrapAdmin(name);
  if (!created) return undefined;
  const file = join(app.settings.home, ADMIN_TOKEN_FILE);
  writeFileSync(file, `${created.token}\n`, { mode: 0o600 });
  return { ...created, file };
}
