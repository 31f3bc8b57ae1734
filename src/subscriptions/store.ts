import type { Kysely } from 'kysely';
import type { Database, WebhookCursorsTable } from '../storage/db/schema.ts';
import type { DeliveryState, WebhookEventName } from './types.ts';

type Db = Kysely<Database>;

/** A subscription stored in the database, secret included (it never leaves the service). */
export interface SubscriptionRow {
  id: string;
  url: string;
  events: WebhookEventName[];
  model: string | null;
  secret: string;
  createdBy: string;
  createdAt: string;
}

type CursorChange = Partial<Omit<WebhookCursorsTable, 'subscription_id' | 'lease_owner'>>;

/** A cursor at `position` with nothing delivered yet. */
function newCursor(key: string, position: number): WebhookCursorsTable {
  return { subscription_id: key, last_event_id: position, delivered: 0, failed: 0, failures: 0, last_status: null, last_error: null, last_attempt_at: null, retry_at: null, lease_owner: null, lease_until: null };
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function subscriptionOf(r: { id: string; url: string; events_json: string; model_pattern: string | null; secret: string; created_by: string; created_at: string }): SubscriptionRow {
  return { id: r.id, url: r.url, events: JSON.parse(r.events_json) as WebhookEventName[], model: r.model_pattern, secret: r.secret, createdBy: r.created_by, createdAt: r.created_at };
}

/** Every stored subscription, oldest first. */
export async function subscriptionRows(db: Db): Promise<SubscriptionRow[]> {
  const rows = await db.selectFrom('webhook_subscriptions').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(subscriptionOf);
}

/** The newest event's id (0 for an empty log). */
export async function latestEventId(db: Db): Promise<number> {
  const row = await db.selectFrom('events').select((eb) => eb.fn.max('id').as('last')).executeTakeFirst();
  return Number(row?.last ?? 0);
}

/** Stores a subscription with its cursor at the newest event, so it receives what happens from now on. */
export async function insertSubscription(db: Db, s: SubscriptionRow): Promise<void> {
  await db
    .insertInto('webhook_subscriptions')
    .values({ id: s.id, url: s.url, events_json: JSON.stringify(s.events), model_pattern: s.model, secret: s.secret, created_by: s.createdBy, created_at: s.createdAt })
    .execute();
  await db.insertInto('webhook_cursors').values(newCursor(s.id, await latestEventId(db))).execute();
}

/** Deletes a stored subscription and its cursor; undefined when there is none of that id. */
export async function deleteSubscription(db: Db, id: string): Promise<SubscriptionRow | undefined> {
  const row = await db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  await db.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
  await db.deleteFrom('webhook_cursors').where('subscription_id', '=', id).execute();
  return subscriptionOf(row);
}

/** The delivery state of every cursor, by subscription key. */
export async function deliveryStates(db: Db): Promise<Map<string, DeliveryState>> {
  const rows = await db.selectFrom('webhook_cursors').selectAll().execute();
  return new Map(
    rows.map((r) => {
      const retryAt = num(r.retry_at);
      return [
        r.subscription_id,
        {
          cursor: Number(r.last_event_id),
          delivered: Number(r.delivered),
          failed: Number(r.failed),
          failures: r.failures,
          lastStatus: r.last_status,
          lastError: r.last_error,
          lastAttemptAt: r.last_attempt_at,
          retryAt: retryAt === null ? null : new Date(retryAt).toISOString(),
        },
      ];
    }),
  );
}

/** Gives a subscription first seen now (one of webhooks.yaml) a cursor at the newest event; keeps an existing one. */
export async function ensureCursor(db: Db, key: string): Promise<void> {
  const last = await latestEventId(db);
  await db.insertInto('webhook_cursors').values(newCursor(key, last)).onConflict((oc) => oc.column('subscription_id').doNothing()).execute();
}

/**
 * Takes the lease of a cursor for `owner` until `until` when nobody holds it (or their lease ran out) and its
 * retry time has come; returns the cursor's position and failures so far, or undefined when it was not taken.
 */
export async function claimCursor(db: Db, key: string, owner: string, now: number, until: number): Promise<{ position: number; failures: number } | undefined> {
  const res = await db
    .updateTable('webhook_cursors')
    .set({ lease_owner: owner, lease_until: until })
    .where('subscription_id', '=', key)
    .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_until', '<', now)]))
    .where((eb) => eb.or([eb('retry_at', 'is', null), eb('retry_at', '<=', now)]))
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return undefined;
  const row = await db.selectFrom('webhook_cursors').select(['last_event_id', 'failures']).where('subscription_id', '=', key).executeTakeFirstOrThrow();
  return { position: Number(row.last_event_id), failures: row.failures };
}

/** Records progress while holding the lease; counters named in `add` are incremented. False when the lease was lost. */
export async function saveCursor(db: Db, key: string, owner: string, change: CursorChange, add: { delivered?: boolean; failed?: boolean } = {}): Promise<boolean> {
  const res = await db
    .updateTable('webhook_cursors')
    .set((eb) => ({
      ...change,
      ...(add.delivered ? { delivered: eb('delivered', '+', 1) } : {}),
      ...(add.failed ? { failed: eb('failed', '+', 1) } : {}),
    }))
    .where('subscription_id', '=', key)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Gives the lease back. */
export async function releaseCursor(db: Db, key: string, owner: string): Promise<void> {
  await db.updateTable('webhook_cursors').set({ lease_owner: null, lease_until: null }).where('subscription_id', '=', key).where('lease_owner', '=', owner).execute();
}
