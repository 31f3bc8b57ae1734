import type { Kysely } from 'kysely';
import { isDigest, type Digest } from '../core/digest.ts';
import type { Database } from '../storage/db/schema.ts';

/** A row naming a blob wrongly: not a digest, or with a size another row contradicts. */
export interface ReferenceProblem {
  kind: 'blob_missing' | 'blob_size';
  subject: string;
  message: string;
}

const PAGE = 1000;

/**
 * A blob some row names, with the size the row gives it and who names it (a few, for messages). `required` when a
 * version's file or the blobs table names it; evidence alone may name data that was never stored (an evaluation
 * run on a local file in embedded mode), which keeps the blob from being an orphan but need not exist.
 */
export interface Reference {
  size: number | undefined;
  by: string[];
  required: boolean;
}

/** The blob an evidence body names, if any: the data set an evaluation or a gate run read. */
function evidenceBlob(body: string): { digest: Digest; size?: number } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const data = (parsed as { data?: { digest?: unknown; bytes?: unknown } | null } | null)?.data;
  if (!data || typeof data.digest !== 'string' || !isDigest(data.digest)) return undefined;
  return { digest: data.digest, ...(typeof data.bytes === 'number' ? { size: data.bytes } : {}) };
}

/** Every blob the database references: versions' files, the blobs table, evidence bodies. */
export async function references(db: Kysely<Database>, problem: (p: ReferenceProblem) => void): Promise<Map<Digest, Reference>> {
  const refs = new Map<Digest, Reference>();
  const add = (digest: string, size: number | undefined, by: string, required = true): void => {
    if (!isDigest(digest)) {
      problem({ kind: 'blob_missing', subject: by, message: `${by} names ${JSON.stringify(digest)}, which is not a blob digest` });
      return;
    }
    const ref = refs.get(digest);
    if (!ref) {
      refs.set(digest, { size, by: [by], required });
      return;
    }
    ref.required ||= required;
    if (ref.by.length < 3) ref.by.push(by);
    if (size === undefined) return;
    if (ref.size === undefined) ref.size = size;
    else if (ref.size !== size) problem({ kind: 'blob_size', subject: digest, message: `${by} gives blob ${digest} ${size} bytes, ${ref.by[0]} gives it ${ref.size}` });
  };
  for (let after = 0; ; ) {
    const versions = await db.selectFrom('versions').innerJoin('models', 'models.id', 'versions.model_id').select(['versions.id', 'models.name', 'versions.version']).where('versions.id', '>', after).orderBy('versions.id').limit(PAGE).execute();
    if (versions.length === 0) break;
    const names = new Map(versions.map((v) => [Number(v.id), `${v.name}@${v.version}`]));
    const files = await db.selectFrom('files').select(['version_id', 'path', 'digest', 'size']).where('version_id', 'in', [...names.keys()]).execute();
    for (const f of files) add(f.digest, Number(f.size), `file ${f.path} of ${names.get(Number(f.version_id))}`);
    after = Number(versions.at(-1)!.id);
  }
  for (let after = ''; ; ) {
    const rows = await db.selectFrom('blobs').select(['digest', 'size']).where('digest', '>', after).orderBy('digest').limit(PAGE).execute();
    if (rows.length === 0) break;
    for (const r of rows) add(r.digest, Number(r.size), 'the blobs table');
    after = rows.at(-1)!.digest;
  }
  for (let after = 0; ; ) {
    const rows = await db.selectFrom('evidence').select(['id', 'kind', 'body']).where('id', '>', after).orderBy('id').limit(PAGE).execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const blob = evidenceBlob(r.body);
      if (blob) add(blob.digest, blob.size, `${r.kind} evidence ${Number(r.id)}`, false);
    }
    after = Number(rows.at(-1)!.id);
  }
  return refs;
}
