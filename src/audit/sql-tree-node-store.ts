import type { Kysely } from 'kysely';
import type { NodeId, TreeNode, TreeNodeStore } from './log/index.ts';
import type { Database } from '../storage/db/schema.ts';

// Three parameters per node; stays well below SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK = 1000;

/** A TreeNodeStore over the `log_nodes` table, read and written through the caller's connection or transaction. */
export class SqlTreeNodeStore implements TreeNodeStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The hash of node (level, index), or undefined when it is not stored. */
  async get(level: number, index: number): Promise<Buffer | undefined> {
    const row = await this.#db.selectFrom('log_nodes').select('hash').where('level', '=', level).where('idx', '=', index).executeTakeFirst();
    return row ? Buffer.from(row.hash) : undefined;
  }

  /** Hashes of many nodes in the order asked, read in one query. */
  async getMany(ids: readonly NodeId[]): Promise<(Buffer | undefined)[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db
      .selectFrom('log_nodes')
      .select(['level', 'idx', 'hash'])
      .where((eb) => eb.or(ids.map((id) => eb.and([eb('level', '=', id.level), eb('idx', '=', id.index)]))))
      .execute();
    const found = new Map(rows.map((r) => [`${Number(r.level)}/${Number(r.idx)}`, Buffer.from(r.hash)]));
    return ids.map((id) => found.get(`${id.level}/${id.index}`));
  }

  /** Inserts the nodes of one append; the primary key refuses a node that is already stored. */
  async putMany(nodes: readonly TreeNode[]): Promise<void> {
    for (let i = 0; i < nodes.length; i += INSERT_CHUNK) {
      const chunk = nodes.slice(i, i + INSERT_CHUNK);
      await this.#db.insertInto('log_nodes').values(chunk.map((n) => ({ level: n.level, idx: n.index, hash: n.hash }))).execute();
    }
  }

  /** The number of stored leaves: one past the highest leaf index, read from the primary key. */
  async size(): Promise<number> {
    const row = await this.#db.selectFrom('log_nodes').select((eb) => eb.fn.max('idx').as('last')).where('level', '=', 0).executeTakeFirst();
    return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
  }
}
