import { ModelVaultError } from '../core/errors.ts';

/** Where a webhook is delivered and how hard delivery tries. */
export interface WebhookTarget {
  url: string;
  /** HMAC-SHA256 key of the `X-ModelVault-Signature` header. */
  secret: string;
  /** Per attempt (default 2000 ms). */
  timeoutMs: number;
  /** Attempts in all, the first included (default 4). */
  attempts: number;
  /** First retry delay, doubled on each retry (default 250 ms). */
  backoffMs: number;
  /** No attempt starts after this much time (default 10000 ms). */
  deadlineMs: number;
}

/** Shortest secret a webhook accepts. */
export const MIN_SECRET_LENGTH = 16;

/** Retry settings of a webhook that names none. */
export const DEFAULT_RETRY = { timeoutMs: 2000, attempts: 4, backoffMs: 250, deadlineMs: 10_000 } as const;

/** Reports a bad setting: `field` relative to the webhook's entry (`url`, `secret`, `timeout_ms`, …). */
export type SettingError = (field: string, message: string) => never;

/**
 * Validates a webhook URL: http or https, no credentials in it. Returns the normalised URL text; `fail`
 * receives the field `url`.
 */
export function webhookUrl(raw: unknown, fail: SettingError): string {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    return fail('url', 'must be an http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('url', 'must be an http or https URL');
  if (url.username || url.password) fail('url', 'must not carry credentials; use secret for signing');
  return url.href;
}

/** Validates a signing secret given directly or through `secret_env` (read from `env`). */
export function webhookSecret(secret: unknown, secretEnv: unknown, env: NodeJS.ProcessEnv, fail: SettingError): string {
  const value = secretEnv !== undefined ? env[String(secretEnv)] : secret;
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) {
    if (secretEnv !== undefined) fail('secret_env', `names the variable ${String(secretEnv)}, which must hold at least ${MIN_SECRET_LENGTH} characters`);
    fail('secret', `must be a string of at least ${MIN_SECRET_LENGTH} characters (or set secret_env)`);
  }
  return value as string;
}

function int(fail: SettingError, field: string, v: unknown, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `must be an integer from ${min} to ${max}`);
  return v as number;
}

/**
 * Reads one webhook entry of a configuration file: `url`, `secret` or `secret_env`, and the optional
 * `timeout_ms`, `attempts`, `backoff_ms`, `deadline_ms`. The caller checks which keys the entry may hold.
 */
export function parseWebhookTarget(entry: Record<string, unknown>, fail: SettingError, env: NodeJS.ProcessEnv = process.env): WebhookTarget {
  const url = webhookUrl(entry.url, fail);
  const secret = webhookSecret(entry.secret, entry.secret_env, env, fail);
  return {
    url,
    secret,
    timeoutMs: int(fail, 'timeout_ms', entry.timeout_ms, 1, 60_000, DEFAULT_RETRY.timeoutMs),
    attempts: int(fail, 'attempts', entry.attempts, 1, 10, DEFAULT_RETRY.attempts),
    backoffMs: int(fail, 'backoff_ms', entry.backoff_ms, 0, 60_000, DEFAULT_RETRY.backoffMs),
    deadlineMs: int(fail, 'deadline_ms', entry.deadline_ms, 1, 300_000, DEFAULT_RETRY.deadlineMs),
  };
}

/** The target whose URL is exactly `url`; any other address is refused before a connection is made. */
export function targetFor<T extends WebhookTarget>(url: string, targets: readonly T[], hint: string): T {
  const target = targets.find((t) => t.url === url);
  if (!target) throw new ModelVaultError('forbidden', `webhook ${url} is not configured`, { url, hint });
  return target;
}
