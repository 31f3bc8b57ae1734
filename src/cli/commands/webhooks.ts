import type { Command } from 'commander';
import type { DeliveryPass, WebhookApi, WebhookEventName, WebhookSubscription } from '../../subscriptions/index.ts';
import { withSession, type Session } from '../context.ts';
import { emit, table, usage, type GlobalOptions } from '../output.ts';

const EVENTS_HELP = 'version.created, stage.changed, alias.changed, approval.given, gate.failed';

/** The webhook API of a session: the local database in embedded mode, the server's in remote mode. */
async function webhooksOf(s: Session): Promise<WebhookApi> {
  const { localActor } = await import('../actor.ts');
  if (s.app) return s.app.webhooks(localActor());
  const { RemoteWebhooks } = await import('../../client/webhooks.ts');
  return new RemoteWebhooks(s.client!);
}

/** The secret from --secret or from the variable --secret-env names (read here, so it stays out of the shell history). */
function secretOf(o: { secret?: string; secretEnv?: string }): string {
  if ((o.secret === undefined) === (o.secretEnv === undefined)) throw usage('give the signing secret with exactly one of --secret-env VAR or --secret VALUE', 'e.g. --secret-env HOOK_SECRET, with HOOK_SECRET set to at least 16 characters');
  if (o.secretEnv === undefined) return o.secret!;
  const value = process.env[o.secretEnv];
  if (value === undefined || value === '') throw usage(`--secret-env ${o.secretEnv}: the variable is not set`, `export ${o.secretEnv}=… (at least 16 characters) and run the command again`);
  return value;
}

function state(w: WebhookSubscription): string {
  const d = w.delivery;
  if (!d) return 'not started';
  const parts = [`${d.delivered} delivered`];
  if (d.failed > 0) parts.push(`${d.failed} dropped`);
  if (d.failures > 0) parts.push(`retrying (${d.lastError ?? 'failed'}) at ${d.retryAt ?? '?'}`);
  return parts.join(', ');
}

function passText(pass: DeliveryPass): string {
  const lines = pass.deliveries.map((d) => {
    const how = d.outcome === 'delivered' ? 'delivered' : `${d.outcome === 'retry' ? 'will retry' : 'dropped'} (${d.error ?? 'failed'})`;
    return `event ${d.eventId} ${d.event} → ${d.subscription}: ${how}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  });
  if (pass.skipped.length > 0) lines.push(`skipped (another process is delivering, or waiting to retry): ${pass.skipped.join(', ')}`);
  return lines.length > 0 ? lines.join('\n') : 'nothing to deliver';
}

/** `modelvault webhooks add|list|remove|deliver`. */
export function register(program: Command): void {
  const webhooks = program.command('webhooks').description('registry webhooks: POST signed JSON to a URL when versions are created, change stage or alias, are approved or fail a gate');
  webhooks
    .command('add')
    .description('subscribe URL to registry events (delivered by `modelvault serve`, or by `webhooks deliver`)')
    .argument('<url>', 'an http or https URL')
    .requiredOption('--events <list>', `comma-separated event types: ${EVENTS_HELP}`)
    .option('--model <pattern>', 'only models whose name matches this glob (`*`, `?`), e.g. fraud-*')
    .option('--secret-env <var>', 'read the HMAC-SHA256 signing secret (16+ characters) from this environment variable')
    .option('--secret <value>', 'the signing secret itself (prefer --secret-env: a command line is visible to others)')
    .action(async (url: string, o: { events: string; model?: string; secretEnv?: string; secret?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const secret = secretOf(o);
      const events = o.events.split(',').map((e) => e.trim()).filter(Boolean) as WebhookEventName[];
      const w = await withSession(opts, async (s) => (await webhooksOf(s)).add({ url, events, secret, ...(o.model === undefined ? {} : { model: o.model }) }));
      emit(opts, w, () => `added webhook ${w.id}: ${w.url} on ${w.events.join(', ')} of ${w.model === null ? 'every model' : `models ${w.model}`}`);
    });
  webhooks
    .command('list')
    .description('the subscriptions (of the registry and of webhooks.yaml) and how their deliveries went; secrets are never shown')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const list = await withSession(opts, async (s) => (await webhooksOf(s)).list());
      emit(opts, list, () =>
        [
          list.items.length > 0 ? table(['ID', 'URL', 'EVENTS', 'MODELS', 'DELIVERIES'], list.items.map((w) => [w.id, w.url, w.events.join(','), w.model ?? '*', state(w)])) : 'no webhooks',
          `webhooks may reach ${list.allowAddresses.join(', ') || 'no'} addresses (allow_addresses of webhooks.yaml)`,
        ].join('\n'),
      );
    });
  webhooks
    .command('remove')
    .description('remove a subscription made with `webhooks add` (those of webhooks.yaml are edited in the file)')
    .argument('<id>', 'the id `webhooks list` shows')
    .action(async (id: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const w = await withSession(opts, async (s) => (await webhooksOf(s)).remove(id));
      emit(opts, { ...w, removed: true }, () => `removed webhook ${w.id} (${w.url})`);
    });
  webhooks
    .command('deliver')
    .description('deliver pending events now, once (a server delivers on its own; use this for a home without one)')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const pass = await withSession(opts, async (s) => (await webhooksOf(s)).deliver());
      emit(opts, pass, () => passText(pass));
    });
}
