import { parseDuration } from '../core/duration.ts';
import { ModelVaultError } from '../core/errors.ts';

/** `server:` of config.yaml: how long and how slowly a client may send, and how many uploads one user may run at once. */
export interface ServerLimits {
  /** A request body that sends no byte for this long is cut off. */
  bodyIdleMs: number;
  /** Once a body has been arriving for `bodyGraceMs`, one that averages fewer bytes per second than this is cut off. */
  minBodyRate: number;
  bodyGraceMs: number;
  /** Uploads (blob PUT, upload PATCH, profiles and observation batches) one user may have in flight at once. */
  maxUploadsPerUser: number;
  /** On SIGTERM or SIGINT, requests in flight get this long to finish before their connections are closed. */
  shutdownGraceMs: number;
  /** Requests a second one API token (or user, or address) may make on average; 0 for no limit. */
  rateLimit: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = { bodyIdleMs: 30_000, minBodyRate: 1024, bodyGraceMs: 60_000, maxUploadsPerUser: 16, shutdownGraceMs: 30_000, rateLimit: 0 };

const KEYS = ['body_idle_timeout', 'min_body_rate', 'body_grace', 'max_uploads_per_user', 'shutdown_grace', 'rate_limit'] as const;

/** Parses the `server:` block; every mistake names the setting and what it accepts. */
export function parseServerLimits(raw: unknown, file: string): ServerLimits {
  const out: ServerLimits = { ...DEFAULT_SERVER_LIMITS };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ModelVaultError('invalid_input', `${file}: server must be a mapping of ${KEYS.join(', ')}`, { path: file, field: 'server' });
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!(KEYS as readonly string[]).includes(k)) throw new ModelVaultError('invalid_input', `${file}: server.${k} is not a setting (use ${KEYS.join(', ')})`, { path: file, field: `server.${k}` });
  }
  const duration = (key: string, fallback: number): number => {
    const v = r[key];
    if (v === undefined) return fallback;
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined || ms <= 0) throw new ModelVaultError('invalid_input', `${file}: server.${key} must be a duration such as "30s" or "2m", not ${JSON.stringify(v)}`, { path: file, field: `server.${key}` });
    return ms;
  };
  const count = (key: string, fallback: number, min: number): number => {
    const v = r[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new ModelVaultError('invalid_input', `${file}: server.${key} must be a whole number of at least ${min}, not ${JSON.stringify(v)}`, { path: file, field: `server.${key}` });
    return v;
  };
  out.bodyIdleMs = duration('body_idle_timeout', out.bodyIdleMs);
  out.bodyGraceMs = duration('body_grace', out.bodyGraceMs);
  out.minBodyRate = count('min_body_rate', out.minBodyRate, 0);
  out.maxUploadsPerUser = count('max_uploads_per_user', out.maxUploadsPerUser, 1);
  out.shutdownGraceMs = duration('shutdown_grace', out.shutdownGraceMs);
  out.rateLimit = count('rate_limit', out.rateLimit, 0);
  return out;
}
