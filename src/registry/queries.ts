import type { Kysely, Transaction } from 'kysely';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import type { ManifestEntry } from '../core/manifest.ts';
import { assertName, type Stage } from '../core/names.ts';
import { formatReference, parseReference } from '../core/reference.ts';
import { readFormatName } from '../formats/index.ts';
import { isUniqueViolation } from '../storage/db/errors.ts';
import type { Database } from '../storage/db/schema.ts';
import type { Evidence, VersionSummary } from './types.ts';

/** A row of the versions table as selected. */
export type VersionRow = Database['versions'] extends infer T ? { [K in keyof T]: T[K] extends { __select__: infer S } ? S : T[K] } : never;
/** The database, or a transaction on it. */
export type Trx = Transaction<Database> | Kysely<Database>;

/** The timestamp stored with a change. */
export const now = (): string => new Date().toISOString();

/** The row of model `name`; `not_found` when it is not registered. */
export async function modelRow(trx: Trx, name: string) {
  assertName(name);
  const row = await trx.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw new ModelVaultError('not_found', `model ${name} does not exist`, { model: name, hint: 'run `modelvault models list` to see registered models' });
  return row;
}

/** Resolves a reference to its model and version row. */
export async function resolveRow(trx: Trx, refText: string): Promise<{ model: { id: number; name: string }; row: VersionRow }> {
  const ref = parseReference(refText);
  const model = await modelRow(trx, ref.name);
  const base = trx.selectFrom('versions').selectAll('versions').where('versions.model_id', '=', model.id);
  let row: VersionRow | undefined;
  switch (ref.kind) {
    case 'version':
      row = await base.where('version', '=', ref.version).executeTakeFirst();
      break;
    case 'latest':
      row = await base.orderBy('sort_key', 'desc').limit(1).executeTakeFirst();
      break;
    case 'stage':
      row = await base.where('stage', '=', ref.stage).orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      break;
    case 'alias':
      row = await base
        .innerJoin('aliases', (j) => j.onRef('aliases.version_id', '=', 'versions.id'))
        .where('aliases.model_id', '=', model.id)
        .where('aliases.alias', '=', ref.alias)
        .executeTakeFirst();
      break;
  }
  if (!row) {
    const what = ref.kind === 'version' ? `version ${ref.version}` : ref.kind === 'stage' ? `a version in ${ref.stage}` : ref.kind === 'alias' ? `alias ${ref.alias}` : 'any version';
    throw new ModelVaultError('not_found', `model ${ref.name} has no ${what}`, { reference: formatReference(ref), hint: `run \`modelvault versions list ${ref.name}\`` });
  }
  return { model: { id: Number(model.id), name: model.name }, row: row as VersionRow };
}

/** Tags by version id (0 for the model's own tags when `versionIds` is null). */
export async function tagsOf(trx: Trx, modelId: number, versionIds: number[] | null): Promise<Map<number, Record<string, string>>> {
  const out = new Map<number, Record<string, string>>();
  let q = trx.selectFrom('tags').select(['version_id', 'key', 'value']).where('model_id', '=', modelId);
  q = versionIds === null ? q.where('version_id', 'is', null) : versionIds.length === 0 ? q.where('version_id', '=', -1) : q.where('version_id', 'in', versionIds);
  for (const t of await q.execute()) {
    const id = t.version_id === null ? 0 : Number(t.version_id);
    const m = out.get(id) ?? {};
    m[t.key] = t.value;
    out.set(id, m);
  }
  return out;
}

/** A model's aliases by version id, in name order. */
export async function aliasesOf(trx: Trx, modelId: number): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  const rows = await trx.selectFrom('aliases').select(['alias', 'version_id']).where('model_id', '=', modelId).orderBy('alias').execute();
  for (const r of rows) out.set(Number(r.version_id), [...(out.get(Number(r.version_id)) ?? []), r.alias]);
  return out;
}

/** The id of a model's highest version, if it has one. */
export async function latestVersionId(trx: Trx, modelId: number): Promise<number | undefined> {
  const latest = await trx.selectFrom('versions').select('id').where('model_id', '=', modelId).orderBy('sort_key', 'desc').limit(1).executeTakeFirst();
  return latest ? Number(latest.id) : undefined;
}

/** A version's files in path order. */
export async function filesOf(trx: Trx, versionId: number): Promise<ManifestEntry[]> {
  const files = await trx.selectFrom('files').selectAll().where('version_id', '=', versionId).orderBy('path').execute();
  return files.map((f) => ({ path: f.path, size: Number(f.size), digest: f.digest as Digest, format: readFormatName(f.format) }));
}

/** A version's evidence with bodies, optionally of one kind, in the order it was given. */
export async function evidenceOf(trx: Trx, versionId: number, kind?: string): Promise<Evidence[]> {
  let q = trx.selectFrom('evidence').selectAll().where('version_id', '=', versionId).orderBy('id');
  if (kind) q = q.where('kind', '=', kind);
  return (await q.execute()).map((e) => ({ id: Number(e.id), kind: e.kind, digest: e.digest as Digest, keyId: e.key_id, createdAt: e.created_at, body: JSON.parse(e.body) as unknown }));
}

/** A version row as listed. */
export function summaryOf(name: string, row: VersionRow, tags: Record<string, string>, aliases: string[]): VersionSummary {
  return {
    name,
    version: row.version,
    stage: row.stage as Stage,
    manifestDigest: row.manifest_digest as Digest,
    framework: row.framework,
    description: row.description,
    totalSize: Number(row.total_size),
    fileCount: Number(row.file_count),
    tags,
    aliases,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Runs a change; a unique violation from a concurrent change to the same model becomes `conflict`. */
export async function withConflictRetry<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ModelVaultError('conflict', 'another change to this model happened at the same time', { hint: 'retry the command' }, { cause: err });
    }
    throw err;
  }
}
