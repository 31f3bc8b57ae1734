import type { Kysely } from 'kysely';
import type { Database } from '../../storage/db/schema.ts';
import { csvRecord } from './csv.ts';

/** File name under which the provenance export is written. */
export const PROVENANCE_FILE_NAME = 'Provenance_Hashes.csv';

/** Columns of the provenance export, in order. */
export const PROVENANCE_COLUMNS = ['model', 'version', 'path', 'sha256', 'manifest_digest', 'signer_key_ids', 'log_index'] as const;

// Versions handled per round of queries; keeps IN lists short on both dialects.
const VERSION_CHUNK = 200;

/**
 * `Provenance_Hashes.csv`: one row per artifact file of every version, ordered by model, version precedence and
 * path. `sha256` is the file's hex digest, `signer_key_ids` the `;`-joined key ids of the version's signature
 * evidence, `log_index` the leaf index of the version's `version.push` event (empty when it predates the log).
 */
export async function exportProvenance(db: Kysely<Database>): Promise<string> {
  const versions = await db
    .selectFrom('versions')
    .innerJoin('models', 'models.id', 'versions.model_id')
    .select(['versions.id', 'models.name', 'versions.version', 'versions.manifest_digest'])
    .orderBy('models.name')
    .orderBy('versions.sort_key')
    .execute();
  let out = csvRecord(PROVENANCE_COLUMNS);
  for (let i = 0; i < versions.length; i += VERSION_CHUNK) {
    const chunk = versions.slice(i, i + VERSION_CHUNK);
    const ids = chunk.map((v) => Number(v.id));
    const [files, signatures, pushes] = await Promise.all([
      db.selectFrom('files').select(['version_id', 'path', 'digest']).where('version_id', 'in', ids).execute(),
      db.selectFrom('evidence').select(['version_id', 'key_id']).where('version_id', 'in', ids).where('kind', '=', 'signature').where('key_id', 'is not', null).execute(),
      db
        .selectFrom('events')
        .select(['subject', 'leaf_index'])
        .where('action', '=', 'version.push')
        .where('subject', 'in', chunk.map((v) => `${v.name}@${v.version}`))
        .orderBy('leaf_index')
        .execute(),
    ]);
    const filesOf = groupBy(files, (f) => Number(f.version_id));
    const keysOf = new Map<number, Set<string>>();
    for (const s of signatures) keysOf.set(Number(s.version_id), (keysOf.get(Number(s.version_id)) ?? new Set()).add(s.key_id as string));
    const pushIndex = new Map<string, number>();
    for (const p of pushes) if (p.leaf_index !== null && !pushIndex.has(p.subject)) pushIndex.set(p.subject, Number(p.leaf_index));
    for (const v of chunk) {
      const keys = [...(keysOf.get(Number(v.id)) ?? [])].sort().join(';');
      const index = pushIndex.get(`${v.name}@${v.version}`);
      // Sorted by UTF-16 code units in JS, so the order does not depend on the database's collation.
      const list = (filesOf.get(Number(v.id)) ?? []).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const f of list) out += csvRecord([v.name, v.version, f.path, f.digest.replace(/^sha256:/, ''), v.manifest_digest, keys, index ?? '']);
    }
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
