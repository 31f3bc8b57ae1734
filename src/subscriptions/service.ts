import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ModelVaultError } from '../core/errors.ts';
import { appendEvents } from '../registry/index.ts';
import type { Database } from '../storage/db/schema.ts';
import { addressCheck, DEFAULT_RETRY, MIN_SECRET_LENGTH, webhookUrl } from '../webhooks/index.ts';
import { parseEventList, parseModelPattern, type FileWebhook, type WebhooksConfig } from './config.ts';
import type { OutboxSubscription, WebhookOutbox } from './outbox.ts';
import { deleteSubscription, deliveryStates, insertSubscription, subscriptionRows, type SubscriptionRow } from './store.ts';
import type { DeliveryPass, DeliveryState, WebhookApi, WebhookInput, WebhookList, WebhookSubscription } from './types.ts';

/** What the webhook service runs on: the database, webhooks.yaml, and the outbox shared by every actor. */
export interface WebhookContext {
  db: Kysely<Database>;
  config: WebhooksConfig;
  outbox: WebhookOutbox;
}

const FILE_PREFIX = 'file:';
const MAX_SECRET_LENGTH = 1024;

function invalid(field: string, message: string): never {
  throw new ModelVaultError('invalid_input', `webhook ${field} ${message}`, { field });
}

function storedView(r: SubscriptionRow, delivery: DeliveryState | undefined): WebhookSubscription {
  return { id: r.id, source: 'api', url: r.url, events: r.events, model: r.model, secretEnv: null, createdBy: r.createdBy, createdAt: r.createdAt, delivery: delivery ?? null };
}

function fileView(h: FileWebhook, delivery: DeliveryState | undefined): WebhookSubscription {
  return { id: `${FILE_PREFIX}${h.id}`, source: 'file', url: h.url, events: h.events, model: h.model, secretEnv: h.secretEnv, createdBy: null, createdAt: null, delivery: delivery ?? null };
}

/** The subscriptions the outbox delivers to at this moment: the table's, with default retries, and the file's. */
export function outboxSubscriptions(db: Kysely<Database>, config: WebhooksConfig): () => Promise<OutboxSubscription[]> {
  return async () => [
    ...(await subscriptionRows(db)).map((r) => ({ ...DEFAULT_RETRY, key: r.id, url: r.url, secret: r.secret, events: r.events, model: r.model })),
    ...config.webhooks.map(({ id, secretEnv: _secretEnv, ...h }) => ({ ...h, key: `${FILE_PREFIX}${id}` })),
  ];
}

/** Registry webhooks acting as one user: subscriptions of the table and of webhooks.yaml, and their deliveries. */
export class WebhookService implements WebhookApi {
  constructor(
    private readonly ctx: WebhookContext,
    private readonly actor: string,
  ) {}

  async add(input: WebhookInput): Promise<WebhookSubscription> {
    const url = webhookUrl(input.url, (field, message) => invalid(field, message));
    const events = parseEventList(input.events, (message) => invalid('events', message));
    const model = input.model === undefined ? null : parseModelPattern(input.model, (message) => invalid('model', message));
    if (typeof input.secret !== 'string' || input.secret.length < MIN_SECRET_LENGTH || input.secret.length > MAX_SECRET_LENGTH) {
      invalid('secret', `must be ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters`);
    }
    const refused = await addressCheck(url, this.ctx.config.allowAddresses);
    if (refused) {
      throw new ModelVaultError('forbidden', `webhook ${url} is refused: ${refused}`, { url, hint: `list the address class under allow_addresses in ${this.ctx.config.file}` });
    }
    const row: SubscriptionRow = { id: `wh_${randomBytes(6).toString('hex')}`, url, events, model, secret: input.secret, createdBy: this.actor, createdAt: new Date().toISOString() };
    await this.ctx.db.transaction().execute(async (trx) => {
      // The log keeps the receiver's origin only: a path or query may itself be a credential (chat webhooks).
      await appendEvents(trx, [{ actor: this.actor, action: 'webhook.add', subject: `webhook:${row.id}`, payload: { id: row.id, origin: new URL(url).origin, events, model } }], row.createdAt);
      await insertSubscription(trx, row);
    });
    return storedView(row, (await deliveryStates(this.ctx.db)).get(row.id));
  }

  async list(): Promise<WebhookList> {
    const [rows, states] = await Promise.all([subscriptionRows(this.ctx.db), deliveryStates(this.ctx.db)]);
    return {
      items: [...rows.map((r) => storedView(r, states.get(r.id))), ...this.ctx.config.webhooks.map((h) => fileView(h, states.get(`${FILE_PREFIX}${h.id}`)))],
      allowAddresses: [...this.ctx.config.allowAddresses].filter((c) => c !== 'reserved') as WebhookList['allowAddresses'],
    };
  }

  async remove(id: string): Promise<WebhookSubscription> {
    if (id.startsWith(FILE_PREFIX)) {
      const inFile = this.ctx.config.webhooks.some((h) => `${FILE_PREFIX}${h.id}` === id);
      if (inFile) throw new ModelVaultError('forbidden', `webhook ${id} is defined in ${this.ctx.config.file} and is read-only here`, { id, hint: `remove its entry from ${this.ctx.config.file}` });
    }
    const states = await deliveryStates(this.ctx.db);
    const removed = await this.ctx.db.transaction().execute(async (trx) => {
      const row = await deleteSubscription(trx, id);
      if (!row) throw new ModelVaultError('not_found', `no webhook ${id}`, { id, hint: 'see `modelvault webhooks list` for the ids' });
      await appendEvents(trx, [{ actor: this.actor, action: 'webhook.remove', subject: `webhook:${id}`, payload: { id, origin: new URL(row.url).origin } }]);
      return row;
    });
    return storedView(removed, states.get(id));
  }

  deliver(): Promise<DeliveryPass> {
    return this.ctx.outbox.runOnce();
  }
}
