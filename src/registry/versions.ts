import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { assertStage, type Stage } from '../core/names.ts';
import { formatReference, parseReference } from '../core/reference.ts';
import type { RegistryScope } from './context.ts';
import { clampLimit, decodeCursor, encodeCursor, parseTagFilter } from './pagination.ts';
import { stageChangeOf } from './move-record.ts';
import { aliasesOf, filesOf, latestVersionId, modelRow, resolveRow, summaryOf, tagsOf, type VersionRow } from './queries.ts';
import { deepFreeze } from './read-cache.ts';
import type { LineageEdge, Page, VersionDetail, VersionFilter, VersionKey, VersionKeySelector, VersionSummary } from './types.ts';
import { VersionSnapshot } from './version-snapshot.ts';
import { parseSignature } from './version-signature.ts';

/** A version's aliases plus `latest` when it is the model's highest version, sorted. */
function aliasesWithLatest(aliases: Map<number, string[]>, latestId: number | undefined, versionId: number): string[] {
  const list = [...(aliases.get(versionId) ?? [])];
  if (latestId === versionId) list.push('latest');
  return list.sort();
}

/**
 * Resolves a reference, from the read cache when nothing changed in the database since it was filled.
 * The returned detail is frozen: it is shared.
 */
export async function getVersionSnapshot(s: RegistryScope, ref: string): Promise<VersionSnapshot> {
  const key = formatReference(parseReference(ref));
  const cache = s.ctx.versionCache;
  const token = cache ? s.ctx.metadata.changeToken() : undefined;
  if (cache && token !== undefined) {
    const hit = cache.get(key, token);
    if (hit) return hit;
  }
  const snapshot = new VersionSnapshot(deepFreeze(await loadVersion(s, key)));
  if (cache && token !== undefined) cache.set(key, token, snapshot);
  return snapshot;
}

async function loadVersion(s: RegistryScope, ref: string): Promise<VersionDetail> {
  const { model, row } = await resolveRow(s.db, ref);
  const id = Number(row.id);
  const [files, tags, aliases, lineage, history, latest, evidence] = await Promise.all([
    filesOf(s.db, id),
    tagsOf(s.db, model.id, [id]),
    aliasesOf(s.db, model.id),
    s.db.selectFrom('lineage').selectAll().where('version_id', '=', id).orderBy('id').execute(),
    s.db.selectFrom('stage_history').selectAll().where('version_id', '=', id).orderBy('id').execute(),
    latestVersionId(s.db, model.id),
    s.db.selectFrom('evidence').select(['id', 'kind', 'digest', 'key_id', 'created_at']).where('version_id', '=', id).orderBy('id').execute(),
  ]);
  return {
    ...summaryOf(model.name, row, tags.get(id) ?? {}, aliasesWithLatest(aliases, latest, id)),
    files,
    metadata: JSON.parse(row.metadata_json) as Record<string, unknown>,
    modelCard: row.model_card,
    lineage: lineage.map((l) => ({ kind: l.kind as LineageEdge['kind'], target: l.target, attrs: JSON.parse(l.attrs_json) as Record<string, unknown> })),
    history: history.map((h) => stageChangeOf(row.version, h)),
    evidence: evidence.map((e) => ({ id: Number(e.id), kind: e.kind, digest: e.digest as Digest, keyId: e.key_id, createdAt: e.created_at })),
    signature: parseSignature(row.signature_json),
  };
}

/** One page of a model's versions, highest first. */
export async function listVersions(s: RegistryScope, name: string, filter: VersionFilter = {}): Promise<Page<VersionSummary>> {
  const model = await modelRow(s.db, name);
  const modelId = Number(model.id);
  const limit = clampLimit(filter.limit);
  const after = decodeCursor(filter.cursor, (v): v is { k: string } => typeof (v as { k?: unknown })?.k === 'string');
  let q = s.db.selectFrom('versions').selectAll('versions').where('versions.model_id', '=', modelId).orderBy('versions.sort_key', 'desc').limit(limit + 1);
  if (filter.stage) q = q.where('versions.stage', '=', assertStage(filter.stage));
  if (filter.framework) q = q.where('versions.framework', '=', filter.framework);
  if (filter.since) {
    const t = Date.parse(filter.since);
    if (Number.isNaN(t)) throw new ModelVaultError('invalid_input', `since ${JSON.stringify(filter.since)} is not a date`, { field: 'since', hint: 'use an ISO 8601 date such as 2026-01-31 or 2026-01-31T12:00:00Z' });
    q = q.where('versions.created_at', '>=', new Date(t).toISOString());
  }
  if (after) q = q.where('versions.sort_key', '<', after.k);
  if (filter.tag) {
    const t = parseTagFilter(filter.tag);
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('tags')
          .select('tags.id')
          .whereRef('tags.version_id', '=', 'versions.id')
          .where('tags.key', '=', t.key)
          .$if(t.value !== undefined, (qb) => qb.where('tags.value', '=', t.value!)),
      ),
    );
  }
  const rows = (await q.execute()) as VersionRow[];
  const page = rows.slice(0, limit);
  const ids = page.map((r) => Number(r.id));
  const [tags, aliases, latest] = await Promise.all([tagsOf(s.db, modelId, ids), aliasesOf(s.db, modelId), latestVersionId(s.db, modelId)]);
  const items = page.map((r) => summaryOf(model.name, r, tags.get(Number(r.id)) ?? {}, aliasesWithLatest(aliases, latest, Number(r.id))));
  return { items, nextCursor: rows.length > limit ? encodeCursor({ k: page[page.length - 1]!.sort_key }) : null };
}

// Version ids per query of versionKeys; keeps IN lists well under both dialects' parameter limits.
const KEY_CHUNK = 500;

/** The id, name, version and stage of a model's versions (or of the versions with the given ids), newest first per model. */
export async function versionKeys(s: RegistryScope, select: VersionKeySelector): Promise<VersionKey[]> {
  const base = s.db
    .selectFrom('versions')
    .innerJoin('models', 'models.id', 'versions.model_id')
    .select(['versions.id', 'models.name', 'versions.version', 'versions.stage', 'versions.sort_key'])
    .orderBy('models.name')
    .orderBy('versions.sort_key', 'desc');
  let rows: { id: number; name: string; version: string; stage: string; sort_key: string }[] = [];
  if ('ids' in select) {
    for (let i = 0; i < select.ids.length; i += KEY_CHUNK) rows.push(...(await base.where('versions.id', 'in', select.ids.slice(i, i + KEY_CHUNK)).execute()));
    // Chunks come back each in order; one sort restores the order across them.
    if (select.ids.length > KEY_CHUNK) rows.sort((a, b) => (a.name !== b.name ? (a.name < b.name ? -1 : 1) : a.sort_key < b.sort_key ? 1 : a.sort_key > b.sort_key ? -1 : 0));
  } else {
    const model = await modelRow(s.db, select.model);
    if (select.versions?.length === 0) return [];
    let q = base.where('versions.model_id', '=', Number(model.id));
    if (select.versions) q = q.where('versions.version', 'in', [...select.versions]);
    rows = await q.execute();
  }
  return rows.map((r) => ({ id: Number(r.id), name: r.name, version: r.version, stage: r.stage as Stage }));
}
