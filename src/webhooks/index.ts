// Webhook delivery shared by monitoring's alerts and the registry's event subscriptions: the signature,
// retries with backoff, timeouts and the rules on which addresses a webhook may reach.
export { ADDRESS_CLASSES, addressClass, addressRefusal, literalAddress, parseAddressPolicy, type AddressClass, type AddressPolicy } from './addresses.ts';
export { addressCheck, deliverWebhook, type Delivery, type DeliveryOptions, type DeliveryOutcome } from './deliver.ts';
export { SIGNATURE_HEADER, signBody, verifySignature } from './sign.ts';
export { DEFAULT_RETRY, MIN_SECRET_LENGTH, parseWebhookTarget, targetFor, webhookSecret, webhookUrl, type SettingError, type WebhookTarget } from './target.ts';
