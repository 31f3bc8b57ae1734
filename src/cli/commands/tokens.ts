import type { Command } from 'commander';
import type { TokenScope } from '../../auth/index.ts';
import { withSession } from '../context.ts';
import { emit, print, table, type GlobalOptions } from '../output.ts';

/** `modelvault tokens …`: API tokens, shown once, stored as hashes. */
export function register(program: Command): void {
  const tokens = program.command('tokens').description('API tokens: create (the secret is shown once), list, revoke');
  tokens
    .command('create')
    .description('create an API token; prints the secret once (send it as MODELVAULT_TOKEN)')
    .requiredOption('--name <name>', 'what the token is for, e.g. "ci pipeline"')
    .option('--user <user>', 'whose token (administrators only; default: you)')
    .option('--scope <scope>', 'read, write or admin: never more than the user\'s roles allow', 'write')
    .option('--models <pattern>', 'limit the token to models matching this pattern, e.g. fraud-*')
    .option('--expires <when>', 'a duration (30d, 12h), an ISO time, or never', '90d')
    .option('-q, --quiet', 'print the secret alone, for a script: TOKEN=$(modelvault tokens create … --quiet)')
    .action(async (o: { name: string; user?: string; scope: string; models?: string; expires: string; quiet?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { identityOf } = await import('../identity.ts');
      const t = await withSession(opts, async (s) => (await identityOf(s)).createToken(o.user, { name: o.name, scope: o.scope as TokenScope, expires: o.expires, ...(o.models ? { models: o.models } : {}) }));
      if (o.quiet && !opts.json) {
        print(t.token);
        return;
      }
      emit(opts, t, () =>
        [
          `created token ${t.id} for ${t.user} (scope ${t.scope}${t.models ? `, models ${t.models}` : ''}, ${t.expiresAt ? `expires ${t.expiresAt}` : 'never expires'})`,
          '',
          `  ${t.token}`,
          '',
          'This is the only time it is shown: store it now (e.g. export MODELVAULT_TOKEN=…).',
        ].join('\n'),
      );
    });
  tokens
    .command('list')
    .description('tokens (never their secrets): yours, or a user\'s / everyone\'s for administrators')
    .option('--user <user>', 'only this user\'s tokens')
    .action(async (o: { user?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { identityOf } = await import('../identity.ts');
      const items = await withSession(opts, async (s) => (await identityOf(s)).listTokens(o.user));
      emit(opts, { items }, () =>
        items.length ? table(['ID', 'USER', 'NAME', 'SCOPE', 'MODELS', 'EXPIRES', 'STATUS'], items.map((t) => [t.id, t.user, t.name, t.scope, t.models ?? '*', t.expiresAt ?? 'never', t.status])) : 'no tokens',
      );
    });
  tokens
    .command('revoke')
    .description('revoke a token: refused at once by this server, within a second by other processes')
    .argument('<id>', 'the token id (tok_…), as `tokens list` shows it')
    .action(async (id: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { identityOf } = await import('../identity.ts');
      const t = await withSession(opts, async (s) => (await identityOf(s)).revokeToken(id));
      emit(opts, t, () => `revoked ${t.id} (${t.name}, ${t.user})`);
    });
}
