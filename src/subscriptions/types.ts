import type { Static } from '../core/schema.ts';
import type * as S from './schemas.ts';

/** A subscribable event type. */
export type WebhookEventName = Static<typeof S.WebhookEventName>;
/** What adding a subscription needs. */
export type WebhookInput = Static<typeof S.WebhookInput>;
/** A subscription as the API shows it (no secret). */
export type WebhookSubscription = Static<typeof S.WebhookSubscription>;
/** Every subscription and the address policy. */
export type WebhookList = Static<typeof S.WebhookList>;
/** Where a subscription stands in the event log. */
export type DeliveryState = Static<typeof S.DeliveryState>;
/** One delivery made by a pass of the outbox. */
export type PassDelivery = Static<typeof S.PassDelivery>;
/** What one pass of the outbox did. */
export type DeliveryPass = Static<typeof S.DeliveryPass>;

/** Registry webhooks, embedded (the service) or over HTTP (the client). */
export interface WebhookApi {
  /** Subscribes a URL to event types (of models matching a pattern); logged as `webhook.add`. */
  add(input: WebhookInput): Promise<WebhookSubscription>;
  /** Every subscription, from the database and from webhooks.yaml, with its delivery state. */
  list(): Promise<WebhookList>;
  /** Removes a subscription made through the API; logged as `webhook.remove`. */
  remove(id: string): Promise<WebhookSubscription>;
  /** Runs one pass of the outbox now: delivers what is pending to every subscription. */
  deliver(): Promise<DeliveryPass>;
}
