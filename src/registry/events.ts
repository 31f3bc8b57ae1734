import type { Kysely, Transaction } from 'kysely';
import { appendAuditEvents } from '../audit/index.ts';
import type { Database } from '../storage/db/schema.ts';
import type { EventFilter, Page, RegistryEvent } from './types.ts';

/** An event about to be appended. */
export interface NewEvent {
  actor: string;
  action: string;
  subject: string;
  /** The model concerned, when there is one. */
  model?: string;
  payload: Record<string, unknown>;
}

/**
 * Appends events to the tamper-evident log inside the caller's transaction, so they commit with the change
 * they describe: each gets the next leaf index, its leaf (see eventLeafData) joins the Merkle tree, and the
 * batch ends with a signed checkpoint.
 */
export async function appendEvents(trx: Transaction<Database> | Kysely<Database>, events: NewEvent[], time = new Date().toISOString()): Promise<void> {
  await appendAuditEvents(trx, events, time);
}

/** Reads the event log in append order. */
export async function readEvents(db: Kysely<Database>, filter: EventFilter = {}): Promise<Page<RegistryEvent>> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  let q = db.selectFrom('events').selectAll().orderBy('id', 'asc').limit(limit + 1);
  if (filter.afterId !== undefined) q = q.where('id', '>', filter.afterId);
  if (filter.subject) q = q.where('subject', '=', filter.subject);
  if (filter.model) q = q.where('model', '=', filter.model);
  if (filter.since) q = q.where('time', '>=', filter.since);
  const rows = await q.execute();
  const items = rows.slice(0, limit).map((r) => ({ id: Number(r.id), time: r.time, actor: r.actor, action: r.action, subject: r.subject, payload: JSON.parse(r.payload_json) as Record<string, unknown> }));
  return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]!.id) : null };
}
