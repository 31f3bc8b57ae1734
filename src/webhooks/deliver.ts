import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressRefusal, literalAddress, type AddressPolicy } from './addresses.ts';
import { SIGNATURE_HEADER, signBody } from './sign.ts';
import type { WebhookTarget } from './target.ts';

/** Outcome of delivering one payload to one webhook. */
export interface Delivery {
  url: string;
  delivered: boolean;
  attempts: number;
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  /** Why the last attempt failed. */
  error?: string;
}

/** A delivery and whether trying again later could succeed (false once delivered, for a refused address, or a final 4xx). */
export interface DeliveryOutcome extends Delivery {
  retryable: boolean;
}

/** How to send: the User-Agent, extra headers, and the addresses the URL may lead to. */
export interface DeliveryOptions {
  userAgent: string;
  headers?: Record<string, string>;
  /** Address classes the host may resolve to; every address when absent. */
  addresses?: AddressPolicy;
}

/** An address the policy refuses: never retried. */
class AddressRefused extends Error {
  override name = 'AddressRefused';
}

/** A DNS lookup that fails when any address of the host is one the policy refuses, so the checked address is the one connected to. */
function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      for (const a of addresses) {
        const why = addressRefusal(a.address, policy, hostname);
        if (why) return callback(new AddressRefused(why), '', 0);
      }
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

class TimedOut extends Error {
  override name = 'TimeoutError';
}

/** One POST; resolves with the answer's status (its body is read and dropped), rejects when none came. */
function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number, policy: AddressPolicy | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    const send = url.protocol === 'https:' ? https.request : http.request;
    // A fresh connection per attempt (agent: false): nothing pooled outlives the delivery or skips the address check.
    const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false, ...(policy ? { lookup: guardedLookup(policy) } : {}) }, (res) => {
      status = res.statusCode ?? 0;
      res.on('error', () => undefined);
      res.on('close', () => {
        clearTimeout(timer);
        resolve(status!);
      });
      res.resume();
    });
    const timer = setTimeout(() => req.destroy(new TimedOut('timed out')), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      // An answer whose body did not finish in time still counts: its status was given.
      if (status !== undefined) resolve(status);
      else reject(err);
    });
    req.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Statuses worth another attempt: 3xx (redirects are not followed), 408, 429 and 5xx. */
function retryableStatus(status: number): boolean {
  return status < 200 || (status >= 300 && status < 400) || status === 408 || status === 429 || status >= 500;
}

/**
 * POSTs `payload` as JSON to the target, signed in `X-ModelVault-Signature`. Redirects are not followed; a
 * 2xx answer is success; timeouts, network errors, 3xx, 408, 429 and 5xx are retried with exponential
 * backoff until the attempts or the deadline run out; other 4xx answers are final, and so is an address the
 * policy refuses (checked before any connection, on the addresses the host name resolves to).
 */
export async function deliverWebhook(target: WebhookTarget, payload: unknown, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const body = JSON.stringify(payload);
  const headers = { 'content-type': 'application/json', 'user-agent': options.userAgent, ...options.headers, [SIGNATURE_HEADER]: signBody(body, target.secret) };
  const out: DeliveryOutcome = { url: target.url, delivered: false, attempts: 0, retryable: true };
  const url = new URL(target.url);
  const literal = literalAddress(url);
  const refused = options.addresses && literal !== undefined ? addressRefusal(literal, options.addresses, literal) : undefined;
  if (refused) return { ...out, error: `refused: ${refused}`, retryable: false };
  const deadline = Date.now() + target.deadlineMs;
  for (let attempt = 0; attempt < target.attempts; attempt++) {
    if (attempt > 0) {
      const wait = target.backoffMs * 2 ** (attempt - 1);
      if (Date.now() + wait >= deadline) break;
      await sleep(wait);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    out.attempts++;
    try {
      const status = await post(url, headers, body, Math.min(target.timeoutMs, remaining), options.addresses);
      out.status = status;
      if (status >= 200 && status < 300) {
        delete out.error;
        return { ...out, delivered: true, retryable: false };
      }
      out.error = `HTTP ${status}`;
      if (!retryableStatus(status)) return { ...out, retryable: false };
    } catch (err) {
      const e = err as Error;
      if (e instanceof AddressRefused) return { ...out, error: `refused: ${e.message}`, retryable: false };
      out.error = e.name === 'TimeoutError' ? 'timed out' : e.message;
    }
  }
  return out;
}

/**
 * Why the policy refuses `url`, checking a literal address or every address its host name resolves to now;
 * undefined when it may be reached, or when the name does not resolve (each delivery checks again).
 */
export async function addressCheck(url: string, policy: AddressPolicy): Promise<string | undefined> {
  const parsed = new URL(url);
  const literal = literalAddress(parsed);
  if (literal !== undefined) return addressRefusal(literal, policy, literal);
  const addresses = await dnsLookupAll(parsed.hostname).catch(() => []);
  for (const a of addresses) {
    const why = addressRefusal(a.address, policy, parsed.hostname);
    if (why) return why;
  }
  return undefined;
}

function dnsLookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
}
