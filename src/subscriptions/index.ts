// Registry webhooks: subscriptions to registry events (in the database and in webhooks.yaml) and the outbox
// that delivers those events after they committed, through the shared delivery of src/webhooks/.
export { DEFAULT_ALLOW_ADDRESSES, loadWebhooksConfig, parseWebhooksConfig, type FileWebhook, type WebhooksConfig } from './config.ts';
export { EVENT_OF_ACTION, payloadOf, type WebhookPayload } from './event-types.ts';
export { modelMatches } from './model-pattern.ts';
export { WebhookOutbox, type OutboxSubscription } from './outbox.ts';
export { WEBHOOK_EVENTS } from './schemas.ts';
export { outboxSubscriptions, WebhookService, type WebhookContext } from './service.ts';
export type { DeliveryPass, DeliveryState, PassDelivery, WebhookApi, WebhookEventName, WebhookInput, WebhookList, WebhookSubscription } from './types.ts';
