import type { Command } from 'commander';
import type { UserInfo } from '../../auth/index.ts';
import { withSession } from '../context.ts';
import { collect } from '../integrity.ts';
import { emit, table, type GlobalOptions } from '../output.ts';

function rolesText(u: UserInfo): string {
  return u.roles.map((r) => (r.models ? `${r.role} (${r.models})` : r.role)).join(', ') || '-';
}

function showUser(u: UserInfo): string {
  return [`user ${u.name}${u.disabled ? ' (disabled)' : ''}`, `  roles       ${rolesText(u)}`, `  created     ${u.createdAt} by ${u.createdBy}`].join('\n');
}

/** `modelvault users …` and `modelvault whoami`: people and services that may call the registry. */
export function register(program: Command): void {
  program
    .command('whoami')
    .description('who the registry takes you for: user, roles, permissions, token limits')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { identityOf } = await import('../identity.ts');
      const me = await withSession(opts, async (s) => (await identityOf(s)).whoami());
      emit(opts, me, () =>
        [
          `${me.name} (${me.via === 'local' ? 'local administrator of this home' : `via ${me.via}`})`,
          `  roles        ${me.roles.join(', ') || '-'}`,
          `  permissions  ${[...new Set(me.permissions.map((p) => p.permission + (p.models ? ` (${p.models.join(', ')})` : '') + (p.within ? ` (${p.within})` : '')))].join(', ') || '-'}`,
          ...(me.token ? [`  token        ${me.token.id}, scope ${me.token.scope}${me.token.models ? `, models ${me.token.models}` : ''}`] : []),
        ].join('\n'),
      );
    });
  const users = program.command('users').description('users and their roles (administrators)');
  users
    .command('add')
    .description('add a user')
    .argument('<name>', 'user name (lower-case letters, digits, . _ @ -)')
    .option('--role <role>', 'a role to give (repeatable): admin, ml_engineer, senior_engineer, data_scientist, engineer, analyst, or one from config.yaml', collect, [])
    .option('--models <pattern>', 'give the roles for models matching this pattern only, e.g. fraud-*')
    .option('--display-name <text>', 'the name people know them by')
    .action(async (name: string, o: { role: string[]; models?: string; displayName?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { identityOf } = await import('../identity.ts');
      const u = await withSession(opts, async (s) => (await identityOf(s)).addUser(name, { roles: o.role, ...(o.models ? { models: o.models } : {}), ...(o.displayName ? { displayName: o.displayName } : {}) }));
      emit(opts, u, () => `added ${showUser(u)}`);
    });
  users
    .command('list')
    .description('users, their roles and whether they are disabled')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { identityOf } = await import('../identity.ts');
      const items = await withSession(opts, async (s) => (await identityOf(s)).listUsers());
      emit(opts, { items }, () => (items.length ? table(['USER', 'ROLES', 'STATUS', 'CREATED', 'BY'], items.map((u) => [u.name, rolesText(u), u.disabled ? 'disabled' : 'active', u.createdAt, u.createdBy])) : 'no users'));
    });
  users
    .command('show')
    .description('one user and their roles')
    .argument('<name>')
    .action(async (name: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { identityOf } = await import('../identity.ts');
      const u = await withSession(opts, async (s) => (await identityOf(s)).getUser(name));
      emit(opts, u, () => showUser(u));
    });
  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    users
      .command(verb)
      .description(disabled ? 'disable a user: their tokens stop working at once' : 'enable a disabled user')
      .argument('<name>')
      .action(async (name: string, _o, cmd: Command) => {
        const opts = cmd.optsWithGlobals<GlobalOptions>();
        const { identityOf } = await import('../identity.ts');
        const u = await withSession(opts, async (s) => (await identityOf(s)).setDisabled(name, disabled));
        emit(opts, u, () => `${verb}d ${u.name}`);
      });
  }
  users
    .command('roles')
    .description('show, add or remove roles of a user')
    .argument('<name>')
    .option('--add <role>', 'give a role (repeatable)', collect, [])
    .option('--remove <role>', 'take a role away (repeatable)', collect, [])
    .option('--models <pattern>', 'the roles added or removed apply to models matching this pattern only')
    .action(async (name: string, o: { add: string[]; remove: string[]; models?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { identityOf } = await import('../identity.ts');
      const u = await withSession(opts, async (s) => {
        const api = await identityOf(s);
        if (o.add.length === 0 && o.remove.length === 0) return api.getUser(name);
        return api.changeRoles(name, { add: o.add, remove: o.remove, ...(o.models ? { models: o.models } : {}) });
      });
      emit(opts, u, () => `${u.name}: ${rolesText(u)}`);
    });
}
