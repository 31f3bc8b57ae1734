import type { DeliveryPass, WebhookApi, WebhookInput, WebhookList, WebhookSubscription } from '../subscriptions/index.ts';
import { ApiClient, seg, type RemoteOptions } from './http.ts';

/** Registry webhooks over HTTP. */
export class RemoteWebhooks implements WebhookApi {
  private readonly api: ApiClient;

  constructor(opts: RemoteOptions) {
    this.api = new ApiClient(opts);
  }

  add(input: WebhookInput): Promise<WebhookSubscription> {
    return this.api.json('POST', '/webhooks', { json: input });
  }

  list(): Promise<WebhookList> {
    return this.api.json('GET', '/webhooks');
  }

  remove(id: string): Promise<WebhookSubscription> {
    return this.api.json('DELETE', `/webhooks/${seg(id)}`);
  }

  deliver(): Promise<DeliveryPass> {
    return this.api.json('POST', '/webhooks/deliveries');
  }
}
