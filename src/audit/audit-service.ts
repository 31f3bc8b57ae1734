import type { Kysely } from 'kysely';
import { ModelVaultError } from '../core/errors.ts';
import type { Database } from '../storage/db/schema.ts';
import { emptyRoot, MerkleTree, signCheckpoint } from './log/index.ts';
import { appendAuditEvents } from './append-events.ts';
import type { LogKey } from './log-key.ts';
import { SqlTreeNodeStore } from './sql-tree-node-store.ts';
import type { Anchor, AnchorInput, AuditLogFilter, AuditLogPage, AuditReport, ConsistencyProof, InclusionProof, SignedCheckpoint } from './types.ts';
import { verifyLog, type VerifyOptions } from './verify-log.ts';

interface CheckpointRow {
  size: number;
  root_hash: Buffer;
  note: string;
}

const MAX_LABEL = 256;

/** The audit log: signed checkpoints, proofs, full verification and anchors. */
export class AuditService {
  readonly #db: Kysely<Database>;
  readonly #key: LogKey;

  /** `db` must be bound to `key` (bindAuditLog) so the events it records are logged. */
  constructor(db: Kysely<Database>, key: LogKey) {
    this.#db = db;
    this.#key = key;
  }

  /** The log's name: the origin line of its checkpoints and the name of its key. */
  get origin(): string {
    return this.#key.origin;
  }

  /** The verifier key string that checks the log's checkpoints. */
  get verifierKey(): string {
    return this.#key.verifier.verifierKey;
  }

  /** The latest signed checkpoint; for an empty log, a freshly signed checkpoint of size 0. */
  async checkpoint(): Promise<SignedCheckpoint> {
    const row = await this.#latest();
    if (!row) {
      const rootHash = emptyRoot();
      return { origin: this.#key.origin, size: 0, rootHash: rootHash.toString('base64'), note: signCheckpoint({ origin: this.#key.origin, size: 0, rootHash, extensions: [] }, this.#key.signer) };
    }
    return { origin: this.#key.origin, size: row.size, rootHash: row.root_hash.toString('base64'), note: row.note };
  }

  /** Inclusion proof of leaf `index` in the checkpoint of `size` leaves (default: the latest). */
  async inclusionProof(index: number, size?: number): Promise<InclusionProof> {
    const cp = size === undefined ? await this.#requireLatest() : await this.#checkpointAt(size, 'size');
    if (!Number.isSafeInteger(index) || index < 0 || index >= cp.size) {
      throw new ModelVaultError('invalid_input', `leaf index ${index} is not below the checkpoint size ${cp.size}`, { field: 'index', hint: `use an index from 0 to ${cp.size - 1}` });
    }
    // The leaf is read straight from the store: the checkpoint already bounds the index, so no size query is needed.
    const store = new SqlTreeNodeStore(this.#db);
    const [leaf, proof] = await Promise.all([store.get(0, index), new MerkleTree(store).inclusionProof(index, cp.size)]);
    if (leaf === undefined) throw new ModelVaultError('internal', `leaf ${index} is missing from the log's tree`, { index, hint: 'run `modelvault audit verify`' });
    return { index, size: cp.size, leafHash: leaf.toString('base64'), proof: proof.map(b64), rootHash: b64(cp.root_hash), checkpoint: cp.note };
  }

  /** Consistency proof from the checkpoint of `from` leaves to the checkpoint of `to` leaves (default: the latest). */
  async consistencyProof(from: number, to?: number): Promise<ConsistencyProof> {
    const newer = to === undefined ? await this.#requireLatest() : await this.#checkpointAt(to, 'to');
    const older = await this.#checkpointAt(from, 'from');
    if (older.size > newer.size) {
      throw new ModelVaultError('invalid_input', `from (${older.size}) must not exceed to (${newer.size})`, { field: 'from', hint: 'give the older checkpoint size first' });
    }
    const proof = await this.#tree().consistencyProof(older.size, newer.size);
    return { from: older.size, to: newer.size, proof: proof.map(b64), fromRoot: b64(older.root_hash), toRoot: b64(newer.root_hash), fromCheckpoint: older.note, toCheckpoint: newer.note };
  }

  /** A page of logged events in leaf order, filtered by model and time. */
  async entries(filter: AuditLogFilter = {}): Promise<AuditLogPage> {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    let q = this.#db.selectFrom('events').selectAll().where('leaf_index', 'is not', null).orderBy('leaf_index').limit(limit + 1);
    if (filter.after !== undefined) q = q.where('leaf_index', '>', filter.after);
    if (filter.model) q = q.where('model', '=', filter.model);
    if (filter.since) q = q.where('time', '>=', filter.since);
    const rows = await q.execute();
    const items = rows.slice(0, limit).map((r) => ({
      index: Number(r.leaf_index),
      id: Number(r.id),
      time: r.time,
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      model: r.model,
      payload: JSON.parse(r.payload_json) as Record<string, unknown>,
    }));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.index : null };
  }

  /** Recomputes the whole log from the event rows and checks every node, checkpoint and anchor against it. */
  verify(options: VerifyOptions = {}): Promise<AuditReport> {
    return verifyLog(this.#db, this.#key, options);
  }

  /** Records that checkpoint `checkpointSize` was published on `ledger` in transaction `tx`; logged as `anchor.record`. */
  async recordAnchor(input: AnchorInput, actor: string): Promise<Anchor> {
    const ledger = label(input.ledger, 'ledger');
    const tx = label(input.tx, 'tx');
    const recordedBy = label(actor, 'actor');
    return this.#db.transaction().execute(async (trx) => {
      const cp = await this.#checkpointAt(input.checkpointSize, 'checkpointSize', trx);
      const taken = await trx.selectFrom('anchors').select('checkpoint_size').where('ledger', '=', ledger).where('tx', '=', tx).executeTakeFirst();
      if (taken) {
        throw new ModelVaultError('conflict', `${ledger} transaction ${tx} is already recorded as the anchor of checkpoint ${Number(taken.checkpoint_size)}`, { ledger, tx });
      }
      const recordedAt = new Date().toISOString();
      const row = await trx
        .insertInto('anchors')
        .values({ checkpoint_size: cp.size, root_hash: cp.root_hash, ledger, tx, recorded_by: recordedBy, recorded_at: recordedAt })
        .returning('id')
        .executeTakeFirstOrThrow();
      const rootHash = b64(cp.root_hash);
      await appendAuditEvents(trx, [{ actor: recordedBy, action: 'anchor.record', subject: `checkpoint@${cp.size}`, payload: { checkpoint_size: cp.size, root_hash: rootHash, ledger, tx } }], recordedAt);
      return { id: Number(row.id), checkpointSize: cp.size, rootHash, ledger, tx, recordedBy, recordedAt };
    });
  }

  #tree(): MerkleTree {
    return new MerkleTree(new SqlTreeNodeStore(this.#db));
  }

  async #latest(): Promise<CheckpointRow | undefined> {
    const row = await this.#db.selectFrom('checkpoints').select(['size', 'root_hash', 'note']).orderBy('size', 'desc').limit(1).executeTakeFirst();
    return row ? { size: Number(row.size), root_hash: Buffer.from(row.root_hash), note: row.note } : undefined;
  }

  async #requireLatest(): Promise<CheckpointRow> {
    const row = await this.#latest();
    if (!row) throw new ModelVaultError('not_found', 'the audit log is empty: there is nothing to prove yet', { hint: 'push a model first' });
    return row;
  }

  async #checkpointAt(size: number, field: string, db: Kysely<Database> = this.#db): Promise<CheckpointRow> {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new ModelVaultError('invalid_input', `${field} ${size} is not a positive integer`, { field });
    }
    const row = await db.selectFrom('checkpoints').select(['size', 'root_hash', 'note']).where('size', '=', size).executeTakeFirst();
    if (row) return { size: Number(row.size), root_hash: Buffer.from(row.root_hash), note: row.note };
    const next = await db.selectFrom('checkpoints').select('size').where('size', '>', size).orderBy('size').limit(1).executeTakeFirst();
    const prev = await db.selectFrom('checkpoints').select('size').where('size', '<', size).orderBy('size', 'desc').limit(1).executeTakeFirst();
    const near = [prev, next].filter((r) => r !== undefined).map((r) => Number(r.size));
    throw new ModelVaultError('not_found', `the log has no checkpoint of size ${size}`, {
      field,
      hint: near.length > 0 ? `checkpoints are signed per batch of events; the nearest sizes are ${near.join(' and ')}` : 'the audit log is empty',
    });
  }
}

function b64(b: Buffer): string {
  return b.toString('base64');
}

function label(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_LABEL || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new ModelVaultError('invalid_input', `${field} must be non-empty text of at most ${MAX_LABEL} characters without control characters`, { field });
  }
  return value;
}
