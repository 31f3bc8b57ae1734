import type { onRequestHookHandler } from 'fastify';
import { ModelVaultError } from '../core/errors.ts';

/** Buckets idle this long are dropped, so a stream of one-off callers cannot grow the table without end. */
const IDLE_BUCKET_MS = 60_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Limits each caller to `perSecond` requests a second on average, with bursts of up to one second's worth (a token
 * bucket per API token, else per user, else per address). One request too many is `429 too_many_requests` with
 * `Retry-After`. Installed only when `server.rate_limit` is set, so an unlimited server pays nothing for it.
 */
export function rateLimit(perSecond: number): onRequestHookHandler {
  const buckets = new Map<string, Bucket>();
  let sweptAt = Date.now();
  return (request, reply, done) => {
    const p = request.principal;
    const key = p?.token ? `token:${p.token.id}` : p && p.via !== 'anonymous' && p.via !== 'open' ? `user:${p.name}` : `ip:${request.ip}`;
    const now = Date.now();
    if (now - sweptAt > IDLE_BUCKET_MS) {
      for (const [k, b] of buckets) if (now - b.at > IDLE_BUCKET_MS) buckets.delete(k);
      sweptAt = now;
    }
    const b = buckets.get(key) ?? { tokens: perSecond, at: now };
    b.tokens = Math.min(perSecond, b.tokens + ((now - b.at) * perSecond) / 1000);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens < 1) {
      const wait = Math.ceil((1 - b.tokens) / perSecond);
      reply.header('retry-after', String(Math.max(1, wait)));
      return done(new ModelVaultError('too_many_requests', `more than ${perSecond} requests a second from ${key.slice(key.indexOf(':') + 1)}`, { hint: 'slow down and retry after the Retry-After seconds, or raise server.rate_limit in config.yaml' }));
    }
    b.tokens -= 1;
    done();
  };
}
