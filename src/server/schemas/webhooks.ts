import { Closed } from '../../core/schema.ts';
import * as webhooks from '../../subscriptions/schemas.ts';

// Registry webhooks as the HTTP API carries them: the values are the capability's own schemas.

export const WebhookBody = webhooks.WebhookInput;
export const Webhook = webhooks.WebhookSubscription;
export const WebhookList = webhooks.WebhookList;
export const WebhookParams = Closed({ id: webhooks.WebhookIdText });
export const DeliveryPass = webhooks.DeliveryPass;
