import type { Stage } from '../core/names.ts';
import type { RegistryScope } from './context.ts';
import { clampLimit, decodeCursor, encodeCursor, parseTagFilter } from './pagination.ts';
import { modelRow, tagsOf } from './queries.ts';
import type { ModelDetail, ModelFilter, ModelSummary, Page } from './types.ts';

type ModelRecord = { id: number; name: string; description: string | null; owner: string | null; created_at: string; updated_at: string };

async function modelSummaries(s: RegistryScope, rows: ModelRecord[]): Promise<ModelSummary[]> {
  return Promise.all(
    rows.map(async (m) => {
      const id = Number(m.id);
      const [count, latest, prod, tags] = await Promise.all([
        s.db.selectFrom('versions').select((eb) => eb.fn.countAll<number>().as('n')).where('model_id', '=', id).executeTakeFirstOrThrow(),
        s.db.selectFrom('versions').select('version').where('model_id', '=', id).orderBy('sort_key', 'desc').limit(1).executeTakeFirst(),
        s.db.selectFrom('versions').select('version').where('model_id', '=', id).where('stage', '=', 'production').executeTakeFirst(),
        tagsOf(s.db, id, null),
      ]);
      return {
        name: m.name,
        description: m.description,
        owner: m.owner,
        tags: tags.get(0) ?? {},
        versionCount: Number(count.n),
        latestVersion: latest?.version ?? null,
        productionVersion: prod?.version ?? null,
        createdAt: m.created_at,
        updatedAt: m.updated_at,
      };
    }),
  );
}

/** A model with its aliases and the versions in each stage but archived. */
export async function getModel(s: RegistryScope, name: string): Promise<ModelDetail> {
  const m = await modelRow(s.db, name);
  const [summary] = await modelSummaries(s, [{ ...m, id: Number(m.id) }]);
  const aliasRows = await s.db
    .selectFrom('aliases')
    .innerJoin('versions', 'versions.id', 'aliases.version_id')
    .select(['aliases.alias', 'versions.version'])
    .where('aliases.model_id', '=', Number(m.id))
    .orderBy('aliases.alias')
    .execute();
  const stageRows = await s.db.selectFrom('versions').select(['version', 'stage', 'sort_key']).where('model_id', '=', Number(m.id)).where('stage', '!=', 'archived').orderBy('sort_key', 'desc').limit(1000).execute();
  const stages: Partial<Record<Stage, string[]>> = {};
  for (const r of stageRows) (stages[r.stage as Stage] ??= []).push(r.version);
  return { ...summary!, aliases: Object.fromEntries(aliasRows.map((a) => [a.alias, a.version])), stages };
}

/** One page of models in name order. */
export async function listModels(s: RegistryScope, filter: ModelFilter = {}): Promise<Page<ModelSummary>> {
  const limit = clampLimit(filter.limit);
  const after = decodeCursor(filter.cursor, (v): v is { n: string } => typeof (v as { n?: unknown })?.n === 'string');
  let q = s.db.selectFrom('models').selectAll('models').orderBy('models.name').limit(limit + 1);
  if (filter.prefix) q = q.where('models.name', '>=', filter.prefix).where('models.name', '<', `${filter.prefix}\u{10FFFF}`);
  if (after) q = q.where('models.name', '>', after.n);
  if (filter.tag) {
    const t = parseTagFilter(filter.tag);
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('tags')
          .select('tags.id')
          .whereRef('tags.model_id', '=', 'models.id')
          .where('tags.version_id', 'is', null)
          .where('tags.key', '=', t.key)
          .$if(t.value !== undefined, (qb) => qb.where('tags.value', '=', t.value!)),
      ),
    );
  }
  const rows = await q.execute();
  const page = rows.slice(0, limit).map((r) => ({ ...r, id: Number(r.id) }));
  const items = await modelSummaries(s, page);
  return { items, nextCursor: rows.length > limit ? encodeCursor({ n: page[page.length - 1]!.name }) : null };
}
