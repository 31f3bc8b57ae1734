import { deliverWebhook, targetFor, type Delivery } from '../webhooks/index.ts';
import type { WebhookConfig } from './config.ts';

export { signBody } from '../webhooks/index.ts';
export type { Delivery } from '../webhooks/index.ts';

/**
 * POSTs an alert to `url`, which must be exactly one of the configured webhooks (anything else is refused
 * before a connection is made), with the shared delivery: signature, retries with backoff, deadline.
 */
export async function deliver(url: string, payload: unknown, configured: readonly WebhookConfig[]): Promise<Delivery> {
  const hook = targetFor(url, configured, 'alerts go only to monitoring.webhooks of config.yaml');
  const { retryable: _retryable, ...delivery } = await deliverWebhook(hook, payload, { userAgent: 'modelvault-alerts' });
  return delivery;
}
