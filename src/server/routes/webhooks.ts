import type { AppContext } from '../../app.ts';
import { actorOf } from '../actor.ts';
import { route, type RouteSpec } from '../route-spec.ts';
import { DeliveryPass, Webhook, WebhookBody, WebhookList, WebhookParams } from '../schemas/webhooks.ts';

/** Registry webhooks: subscriptions to registry events and their deliveries. */
export function webhookRoutes(app: AppContext): RouteSpec[] {
  return [
    // permission: admin
    route({
      method: 'GET',
      url: '/api/v1/webhooks',
      operationId: 'listWebhooks',
      summary: 'Webhook subscriptions (the API\'s and those of webhooks.yaml) with their delivery state; secrets are never returned',
      tag: 'webhooks',
      responses: { 200: { description: 'every subscription and the address classes webhooks may reach', schema: WebhookList } },
      handler: async (req) => (await app.webhooks(actorOf(req))).list(),
    }),
    // permission: admin
    route({
      method: 'POST',
      url: '/api/v1/webhooks',
      operationId: 'addWebhook',
      summary: 'Subscribe a URL to registry event types, optionally of models matching a glob; logged as `webhook.add`',
      tag: 'webhooks',
      body: WebhookBody,
      responses: { 201: { description: 'the subscription, without its secret', schema: Webhook } },
      handler: async (req, reply) => {
        const sub = await (await app.webhooks(actorOf(req))).add(req.body);
        reply.code(201);
        return sub;
      },
    }),
    // permission: admin
    route({
      method: 'DELETE',
      url: '/api/v1/webhooks/:id',
      operationId: 'removeWebhook',
      summary: 'Remove a subscription made through the API (those of webhooks.yaml are read-only); logged as `webhook.remove`',
      tag: 'webhooks',
      params: WebhookParams,
      responses: { 200: { description: 'the subscription that was removed', schema: Webhook } },
      handler: async (req) => (await app.webhooks(actorOf(req))).remove(req.params.id),
    }),
    // permission: admin
    route({
      method: 'POST',
      url: '/api/v1/webhooks/deliveries',
      operationId: 'deliverWebhooks',
      summary: 'Run one pass of the outbox now: deliver pending registry events to every subscription',
      tag: 'webhooks',
      responses: { 200: { description: 'what the pass delivered, and the subscriptions it skipped', schema: DeliveryPass } },
      handler: async (req) => (await app.webhooks(actorOf(req))).deliver(),
    }),
  ];
}
