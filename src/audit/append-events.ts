import type { Kysely } from 'kysely';
import { sql } from '../storage/db/kysely.ts';
import { canonicalJson } from '../core/canonical-json.ts';
import type { Database } from '../storage/db/schema.ts';
import { MerkleTree, signCheckpoint } from './log/index.ts';
import { eventLeafHash } from './event-leaf.ts';
import { auditLogBinding } from './log-binding.ts';
import { SqlTreeNodeStore } from './sql-tree-node-store.ts';

/** Key of the PostgreSQL advisory lock that serialises appends to the log ("mvlog"). */
export const LOG_LOCK_KEY = 0x6d766c6f67;

// Eight columns per row.
const INSERT_CHUNK = 500;

/** An event to log. */
export interface AuditEventInput {
  actor: string;
  action: string;
  subject: string;
  model?: string;
  payload: Record<string, unknown>;
}

/** Where a batch landed in the log. */
export interface AppendResult {
  /** Leaf index of the first event of the batch. */
  first: number;
  /** Tree size after the batch: the size of its checkpoint. */
  size: number;
}

/**
 * Appends events to the log in the caller's transaction (opening one when given a plain handle): takes the
 * log lock, gives the events the next leaf indices, adds their leaves to the Merkle tree and stores a signed
 * checkpoint of the new size, so events, tree and checkpoint commit or roll back together.
 */
export async function appendAuditEvents(db: Kysely<Database>, events: readonly AuditEventInput[], time: string): Promise<AppendResult | undefined> {
  if (events.length === 0) return undefined;
  if (!db.isTransaction) return db.transaction().execute((trx) => appendAuditEvents(trx, events, time));
  const { key, dialect } = auditLogBinding(db);
  // SQLite runs one write transaction at a time; PostgreSQL writers queue here until the holder commits.
  if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${sql.lit(LOG_LOCK_KEY)})`.execute(db);
  const tree = new MerkleTree(new SqlTreeNodeStore(db));
  const first = await tree.size();
  const rows = events.map((e, i) => ({
    leaf_index: first + i,
    time,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    model: e.model ?? null,
    payload_json: canonicalJson(e.payload),
  }));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await db.insertInto('events').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  const size = await tree.append(rows.map((r) => eventLeafHash(r.leaf_index, r)));
  const rootHash = await tree.root(size);
  const note = signCheckpoint({ origin: key.origin, size, rootHash, extensions: [] }, key.signer);
  await db.insertInto('checkpoints').values({ size, root_hash: rootHash, note, created_at: new Date().toISOString() }).execute();
  return { first, size };
}
