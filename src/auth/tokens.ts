import { createHash, randomBytes } from 'node:crypto';
import { ModelVaultError } from '../core/errors.ts';
import { realDate } from '../core/instant.ts';

/** Every API token starts with this, so leaked tokens are recognisable (and secret scanners can find them). */
export const TOKEN_PREFIX = 'mvt_';
const TOKEN_PATTERN = /^mvt_[A-Za-z0-9_-]{43}$/;

/** A new API token: 256 random bits, base64url, behind the prefix. */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** A new token id: public, shown in listings and the audit log, useless for authenticating. */
export function newTokenId(): string {
  return `tok_${randomBytes(6).toString('hex')}`;
}

/** What is stored of a token: the hex SHA-256 of the whole secret. */
export function tokenHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Checks a presented token's shape; the reason names what is wrong without echoing the token. */
export function checkTokenShape(secret: string): void {
  if (!secret.startsWith(TOKEN_PREFIX)) {
    throw new ModelVaultError('unauthenticated', 'the bearer token is not a ModelVault API token (they start with mvt_) nor a JSON Web Token from a configured issuer', {
      hint: 'create one with `modelvault tokens create` and send it as Authorization: Bearer <token>',
    });
  }
  if (!TOKEN_PATTERN.test(secret)) {
    throw new ModelVaultError('unauthenticated', 'the API token is malformed (truncated or altered)', { hint: 'copy the whole token as `tokens create` printed it' });
  }
}

/**
 * Parses an expiry: `never`, a duration (`90d`, `12h`, `30m`) from `now`, or an ISO-8601 time.
 * Returns the ISO time, or null for `never`.
 */
export function parseExpiry(value: string, now: Date = new Date()): string | null {
  if (value === 'never') return null;
  const d = /^(\d{1,5})([mhdw])$/.exec(value);
  if (d) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[d[2] as 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() + Number(d[1]) * unit).toISOString();
  }
  const t = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && realDate(value) && Number.isFinite(t)) {
    if (t <= now.getTime()) throw new ModelVaultError('invalid_input', `expiry ${value} is in the past`, { field: 'expires', hint: 'give a future time, a duration such as 90d, or never' });
    return new Date(t).toISOString();
  }
  throw new ModelVaultError('invalid_input', `expiry ${JSON.stringify(value)} is not a duration or a time`, { field: 'expires', hint: 'use e.g. 30d, 12h, 2027-06-30T00:00:00Z or never' });
}
