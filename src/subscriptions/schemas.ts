import { Closed, Count, Matching, Nullable, Str, StringEnum, Type } from '../core/schema.ts';
import { ADDRESS_CLASSES } from '../webhooks/index.ts';

// Registry webhooks as JSON Schemas, declared once: the service's types derive from them and the HTTP API
// validates and documents with them.

/** The event types a webhook can subscribe to (see EVENT_OF_ACTION for the registry events behind each). */
export const WEBHOOK_EVENTS = ['version.created', 'stage.changed', 'alias.changed', 'approval.given', 'gate.failed'] as const;

/** A glob over model names: the characters of a name plus `*` (any run) and `?` (one character). */
export const MODEL_PATTERN = /^[a-z0-9._*?-]{1,128}$/;

/** Where a subscription comes from: the API (stored in the database) or webhooks.yaml (read-only). */
export const WEBHOOK_SOURCES = ['api', 'file'] as const;

const Text = Type.String();
const NullableText = Nullable(Type.String());

/** One subscribable event type. */
export const WebhookEventName = StringEnum(WEBHOOK_EVENTS, { description: 'a webhook event type' });

/** What `add` needs: where to deliver, which events, of which models, and the signing secret. */
export const WebhookInput = Closed({
  url: Str(2048, { description: 'an http or https URL' }),
  events: Type.Array(WebhookEventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true }),
  model: Type.Optional(Matching(MODEL_PATTERN, 128, { description: 'a glob over model names, e.g. `fraud-*`' })),
  secret: Str(1024, { minLength: 16, description: 'HMAC-SHA256 key of the X-ModelVault-Signature header; never returned' }),
});

/** Where a subscription stands in the event log and how its deliveries went. */
export const DeliveryState = Closed({
  cursor: Type.Integer({ description: 'every event up to this id is done' }),
  delivered: Count,
  failed: Count,
  failures: Type.Integer({ minimum: 0, description: 'consecutive passes that ended on a retryable failure' }),
  lastStatus: Nullable(Type.Integer()),
  lastError: NullableText,
  lastAttemptAt: NullableText,
  retryAt: NullableText,
});

/** A subscription as the API shows it: never its secret. */
export const WebhookSubscription = Closed({
  id: Text,
  source: StringEnum(WEBHOOK_SOURCES),
  url: Text,
  events: Type.Array(WebhookEventName),
  model: NullableText,
  /** The variable a file-defined subscription reads its secret from, when it does. */
  secretEnv: NullableText,
  createdBy: NullableText,
  createdAt: NullableText,
  /** Null until the outbox first saw the subscription. */
  delivery: Nullable(DeliveryState),
});

/** Every subscription, and the address classes webhooks may reach. */
export const WebhookList = Closed({ items: Type.Array(WebhookSubscription), allowAddresses: Type.Array(StringEnum(ADDRESS_CLASSES)) });

/** One delivery attempted by a pass of the outbox. */
export const PassDelivery = Closed({
  subscription: Text,
  eventId: Type.Integer(),
  event: WebhookEventName,
  delivered: Type.Boolean(),
  attempts: Count,
  status: Type.Optional(Type.Integer()),
  error: Type.Optional(Text),
  /** What happens next when not delivered: `retry` later (the cursor stays), or `dropped` (a final refusal). */
  outcome: StringEnum(['delivered', 'retry', 'dropped'] as const),
});

/** What one pass of the outbox did. */
export const DeliveryPass = Closed({
  deliveries: Type.Array(PassDelivery),
  /** Subscriptions another process was delivering to, or that wait for their retry time. */
  skipped: Type.Array(Text),
});

/** `id` of a subscription in a URL (unknown ids are `not_found`). */
export const WebhookIdText = Str(128, { description: 'a webhook id as `webhooks list` shows it' });
