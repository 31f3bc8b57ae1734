import { join } from 'node:path';
import { ModelVaultError } from '../core/errors.ts';
import { readHomeYaml } from '../storage/home-yaml.ts';
import { ADDRESS_CLASSES, parseAddressPolicy, parseWebhookTarget, type AddressPolicy, type WebhookTarget } from '../webhooks/index.ts';
import { isModelPattern } from './model-pattern.ts';
import { WEBHOOK_EVENTS } from './schemas.ts';
import type { WebhookEventName } from './types.ts';

/** A subscription of webhooks.yaml: read-only through the API, its cursor kept under `file:<id>`. */
export interface FileWebhook extends WebhookTarget {
  id: string;
  events: WebhookEventName[];
  model: string | null;
  secretEnv: string | null;
}

/** `<home>/webhooks.yaml`: the address policy, how often the outbox polls, and file-defined subscriptions. */
export interface WebhooksConfig {
  file: string;
  allowAddresses: AddressPolicy;
  /** How often the server's outbox looks for new events (default 1000 ms). */
  pollMs: number;
  webhooks: FileWebhook[];
}

/** Address classes webhooks may reach when webhooks.yaml names none: not the registry's own host, nor link-local (cloud metadata). */
export const DEFAULT_ALLOW_ADDRESSES: readonly (typeof ADDRESS_CLASSES)[number][] = ['public', 'private'];

const KEYS = new Set(['allow_addresses', 'poll_ms', 'webhooks']);
const HOOK_KEYS = new Set(['id', 'url', 'events', 'model', 'secret', 'secret_env', 'timeout_ms', 'attempts', 'backoff_ms', 'deadline_ms']);
const FILE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Validates a list of subscribed event types; `fail` gets the message. */
export function parseEventList(value: unknown, fail: (message: string) => never): WebhookEventName[] {
  const known: readonly string[] = WEBHOOK_EVENTS;
  if (!Array.isArray(value) || value.length === 0) fail(`must list one or more of ${WEBHOOK_EVENTS.join(', ')}`);
  const list = value as unknown[];
  const unknown = list.find((e) => typeof e !== 'string' || !known.includes(e));
  if (unknown !== undefined) fail(`${JSON.stringify(unknown)} is not an event type (use ${WEBHOOK_EVENTS.join(', ')})`);
  return [...new Set(list as WebhookEventName[])];
}

/** Validates a model glob; `fail` gets the message. */
export function parseModelPattern(value: unknown, fail: (message: string) => never): string {
  if (typeof value !== 'string' || !isModelPattern(value)) fail(`must be a model name or a glob of one (letters a-z, digits, ".", "_", "-", "*", "?"), not ${JSON.stringify(value)}`);
  return value as string;
}

/** Validates parsed webhooks.yaml; `env` supplies `secret_env` variables. */
export function parseWebhooksConfig(doc: unknown, file: string, env: NodeJS.ProcessEnv = process.env): WebhooksConfig {
  const bad = (field: string, message: string): never => {
    throw new ModelVaultError('invalid_input', `${file}: ${field ? `${field} ` : ''}${message}`, { path: file, field });
  };
  const cfg: WebhooksConfig = { file, allowAddresses: new Set(DEFAULT_ALLOW_ADDRESSES), pollMs: 1000, webhooks: [] };
  if (doc === null || doc === undefined) return cfg;
  if (typeof doc !== 'object' || Array.isArray(doc)) return bad('', 'must be a mapping of allow_addresses, poll_ms and webhooks');
  const m = doc as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!KEYS.has(k)) bad(k, `is not a setting (use ${[...KEYS].join(', ')})`);
  if (m.allow_addresses !== undefined) cfg.allowAddresses = parseAddressPolicy(m.allow_addresses, (msg) => bad('allow_addresses', msg));
  if (m.poll_ms !== undefined) {
    if (typeof m.poll_ms !== 'number' || !Number.isInteger(m.poll_ms) || m.poll_ms < 10 || m.poll_ms > 3_600_000) bad('poll_ms', 'must be an integer from 10 to 3600000');
    cfg.pollMs = m.poll_ms as number;
  }
  if (m.webhooks !== undefined) {
    if (!Array.isArray(m.webhooks)) bad('webhooks', 'must be a list');
    const seen = new Set<string>();
    cfg.webhooks = (m.webhooks as unknown[]).map((h, i) => {
      const where = `webhooks[${i}]`;
      if (h === null || typeof h !== 'object' || Array.isArray(h)) return bad(where, 'must be a mapping with id, url, events and secret (or secret_env)');
      const w = h as Record<string, unknown>;
      for (const k of Object.keys(w)) if (!HOOK_KEYS.has(k)) bad(`${where}.${k}`, `is not a webhook setting (use ${[...HOOK_KEYS].join(', ')})`);
      if (typeof w.id !== 'string' || !FILE_ID.test(w.id)) bad(`${where}.id`, 'must be a name of lowercase letters, digits, ".", "_" or "-"');
      const id = w.id as string;
      if (seen.has(id)) bad(`${where}.id`, `repeats the id "${id}"`);
      seen.add(id);
      const target = parseWebhookTarget(w, (field, message) => bad(`${where}.${field}`, message), env);
      return {
        ...target,
        id,
        events: parseEventList(w.events, (msg) => bad(`${where}.events`, msg)),
        model: w.model === undefined ? null : parseModelPattern(w.model, (msg) => bad(`${where}.model`, msg)),
        secretEnv: w.secret_env === undefined ? null : String(w.secret_env),
      };
    });
  }
  return cfg;
}

/** Reads `<home>/webhooks.yaml` (the defaults and no subscriptions when there is none). */
export function loadWebhooksConfig(home: string, env: NodeJS.ProcessEnv = process.env): WebhooksConfig {
  const file = join(home, 'webhooks.yaml');
  const doc = readHomeYaml(file);
  return parseWebhooksConfig(doc, file, env);
}
