import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { readEvents } from '../registry/index.ts';
import type { Database } from '../storage/db/schema.ts';
import { deliverWebhook, type AddressPolicy, type WebhookTarget } from '../webhooks/index.ts';
import { payloadOf } from './event-types.ts';
import { modelMatches } from './model-pattern.ts';
import { claimCursor, ensureCursor, releaseCursor, saveCursor } from './store.ts';
import type { DeliveryPass, WebhookEventName } from './types.ts';

/** A subscription as the outbox delivers to it: its cursor key, its target and what it wants. */
export interface OutboxSubscription extends WebhookTarget {
  /** The cursor's key: the stored id, or `file:<id>` for one of webhooks.yaml. */
  key: string;
  events: readonly WebhookEventName[];
  model: string | null;
}

/** What the outbox reads and whom it delivers to. */
export interface OutboxOptions {
  db: Kysely<Database>;
  addresses: AddressPolicy;
  /** The subscriptions of this moment (the table's and the file's), read at the start of every pass. */
  subscriptions: () => Promise<OutboxSubscription[]>;
}

const PAGE = 200;
// A long backlog is worked off over several passes, so one pass stays short.
const EVENTS_PER_PASS = 2000;
// A lease outlives the longest delivery it covers by this much.
const LEASE_MARGIN_MS = 30_000;
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 300_000;

/** Delay before the next pass may try a subscription that failed `failures` passes in a row. */
function retryDelay(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(failures - 1, 0), LONGEST_RETRY_MS);
}

/**
 * Delivers registry events to webhooks after they committed: each subscription has a cursor in the events
 * table, moved past an event once it was delivered (or refused for good, or is not subscribed), in the
 * same order as the log. A pass takes a subscription's lease first, so processes sharing a database do not
 * deliver the same event twice; a crash between a delivery and saving the cursor delivers that event again
 * (at-least-once). A retryable failure keeps the cursor where it is and the subscription waits, with a
 * growing delay, for a later pass.
 */
export class WebhookOutbox {
  private readonly owner = randomUUID();
  private tail: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: OutboxOptions) {}

  /**
   * Gives every subscription that has none a cursor at the newest event, so one just added to webhooks.yaml
   * receives what happens from the moment the registry read the file (its first `webhooks` command, or the
   * server's start), not only from the first pass.
   */
  async track(): Promise<void> {
    for (const s of await this.opts.subscriptions()) await ensureCursor(this.opts.db, s.key);
  }

  /** Runs one pass, after any pass in progress in this process. */
  runOnce(): Promise<DeliveryPass> {
    const pass = this.tail.then(() => this.pass());
    this.tail = pass.catch(() => undefined);
    return pass;
  }

  /** Runs a pass every `pollMs` until stopped; a failed pass is reported to `onError` and the next one runs as usual. */
  start(pollMs: number, onError: (err: unknown) => void): void {
    if (this.timer !== undefined || this.stopped) return;
    const tick = (): void => {
      void this.runOnce()
        .catch(onError)
        .finally(() => {
          if (this.stopped) return;
          this.timer = setTimeout(tick, pollMs);
          this.timer.unref();
        });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  /** Stops polling and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tail;
  }

  private async pass(): Promise<DeliveryPass> {
    const subscriptions = await this.opts.subscriptions();
    const result: DeliveryPass = { deliveries: [], skipped: [] };
    const settled = await Promise.allSettled(subscriptions.map((s) => this.serve(s, result)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    result.deliveries.sort((a, b) => a.eventId - b.eventId || a.subscription.localeCompare(b.subscription));
    return result;
  }

  /** Delivers the events after a subscription's cursor, in order, while holding its lease. */
  private async serve(sub: OutboxSubscription, result: DeliveryPass): Promise<void> {
    const { db } = this.opts;
    const leaseMs = sub.deadlineMs + LEASE_MARGIN_MS;
    await ensureCursor(db, sub.key);
    const claimedAt = Date.now();
    const claim = await claimCursor(db, sub.key, this.owner, claimedAt, claimedAt + leaseMs);
    if (!claim) {
      result.skipped.push(sub.key);
      return;
    }
    let cursor = claim.position;
    let saved = cursor;
    let failures = claim.failures;
    try {
      for (let read = 0; read < EVENTS_PER_PASS; ) {
        const page = await readEvents(db, { afterId: cursor, limit: PAGE });
        for (const e of page.items) {
          read++;
          const payload = payloadOf(e);
          if (!payload || !sub.events.includes(payload.event) || !modelMatches(sub.model, payload.model)) {
            cursor = e.id;
            continue;
          }
          const d = await deliverWebhook(sub, payload, {
            userAgent: 'modelvault-webhooks',
            addresses: this.opts.addresses,
            headers: { 'x-modelvault-event': payload.event, 'x-modelvault-delivery': `${sub.key}/${e.id}` },
          });
          const outcome = d.delivered ? 'delivered' : d.retryable ? 'retry' : 'dropped';
          result.deliveries.push({ subscription: sub.key, eventId: e.id, event: payload.event, delivered: d.delivered, attempts: d.attempts, ...(d.status === undefined ? {} : { status: d.status }), ...(d.error === undefined ? {} : { error: d.error }), outcome });
          const at = Date.now();
          const attempt = { last_status: d.status ?? null, last_error: d.error ?? null, last_attempt_at: new Date(at).toISOString(), lease_until: at + leaseMs };
          if (outcome === 'retry') {
            failures++;
            await saveCursor(db, sub.key, this.owner, { ...attempt, last_event_id: cursor, failures, retry_at: at + retryDelay(failures) });
            return;
          }
          cursor = e.id;
          // Saved before the next delivery: a restart resumes after this event, never before it.
          if (!(await saveCursor(db, sub.key, this.owner, { ...attempt, last_event_id: cursor, failures: 0, retry_at: null }, { delivered: d.delivered, failed: !d.delivered }))) return;
          saved = cursor;
          failures = 0;
        }
        if (page.nextCursor === null) break;
      }
      if (cursor !== saved) await saveCursor(db, sub.key, this.owner, { last_event_id: cursor });
    } finally {
      await releaseCursor(db, sub.key, this.owner);
    }
  }
}
