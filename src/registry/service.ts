import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { canonicalJson } from '../core/canonical-json.ts';
import { isDigest, type Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { assertClientEvidenceKind, EVIDENCE_KEY_ID_PATTERN, EVIDENCE_KIND_PATTERN } from '../core/evidence.ts';
import { assertTransition } from '../core/lifecycle.ts';
import { assertAlias, assertName, assertStage, assertTag, type Stage } from '../core/names.ts';
import { safeRelativePath } from '../core/paths.ts';
import { formatReference, parseReference } from '../core/reference.ts';
import { assertVersion } from '../core/version.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Database, MetadataDb } from '../storage/db/schema.ts';
import type { RegistryConfig } from './config.ts';
import { appendEvents, readEvents, type NewEvent } from './events.ts';
import { deepFreeze, type ReadCache } from './read-cache.ts';
import { versionSortKey } from './sort-key.ts';
import type {
  Evidence,
  EvidenceSummary,
  NewEvidence,
  RegistryHooks,
  EventFilter,
  LineageEdge,
  LineageGraph,
  ManifestEntry,
  ManifestEntryInput,
  ModelDetail,
  ModelFilter,
  ModelSummary,
  Page,
  RegisterResult,
  RegisterVersionInput,
  MeasuringRegistryApi,
  RegistryEvent,
  StageChange,
  StageResult,
  Target,
  VersionDetail,
  VersionFilter,
  VersionSummary,
} from './types.ts';

/** What the registry service runs on. */
export interface RegistryContext {
  metadata: MetadataDb;
  blobs: BlobStore;
  config: RegistryConfig;
  /** Resolved versions, reused while the database's change token holds (SQLite only). */
  versionCache?: ReadCache<VersionSnapshot>;
  /** Checks and gates contributed by capabilities (scanning, signing, …), run in order. */
  hooks?: RegistryHooks[];
}

/** A resolved version and its JSON form, computed once and shared by every reader. */
export class VersionSnapshot {
  private text: string | undefined;
  constructor(readonly detail: VersionDetail) {}
  /** The version as JSON text. */
  get json(): string {
    return (this.text ??= JSON.stringify(this.detail));
  }
}

type VersionRow = Database['versions'] extends infer T ? { [K in keyof T]: T[K] extends { __select__: infer S } ? S : T[K] } : never;
type Trx = Transaction<Database> | Kysely<Database>;

const MAX_FILES = 100_000;
const now = (): string => new Date().toISOString();

/** The digest naming a version's file list: sha256 over the canonical JSON of its sorted entries. */
export function manifestDigest(files: Pick<ManifestEntry, 'path' | 'size' | 'digest'>[]): Digest {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => ({ path: f.path, size: f.size, digest: f.digest }));
  return `sha256:${createHash('sha256').update(canonicalJson({ files: sorted })).digest('hex')}`;
}

function contentKey(metadata: Record<string, unknown>, modelCard: string | null | undefined, manifest: Digest): string {
  return canonicalJson({ manifest, metadata, modelCard: modelCard ?? null });
}

function encodeCursor(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

function decodeCursor<T>(c: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (!c) return undefined;
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (check(v)) return v;
  } catch {
    /* fall through to the error below */
  }
  throw new ModelVaultError('invalid_input', `cursor ${JSON.stringify(c)} is not valid`, { field: 'cursor', hint: 'pass the nextCursor value of the previous page unchanged' });
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ModelVaultError('invalid_input', `limit ${limit} must be an integer from 1 to 1000`, { field: 'limit' });
  }
  return limit;
}

function parseTagFilter(tag: string): { key: string; value?: string } {
  const eq = tag.indexOf('=');
  return eq < 0 ? { key: tag } : { key: tag.slice(0, eq), value: tag.slice(eq + 1) };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || /UNIQUE constraint failed/.test(e?.message ?? '');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Lineage edges declared in a version's metadata. */
export function lineageFromMetadata(meta: Record<string, unknown>): LineageEdge[] {
  const edges: LineageEdge[] = [];
  const source = meta.source as Record<string, unknown> | undefined;
  if (source && (str(source.repo) || str(source.commit))) {
    edges.push({ kind: 'source', target: `${str(source.repo) ?? ''}@${str(source.commit) ?? ''}`, attrs: { repo: source.repo ?? null, commit: source.commit ?? null } });
  }
  const lineage = meta.lineage as Record<string, unknown> | undefined;
  const parent = str(lineage?.parent_model);
  if (parent) edges.push({ kind: 'derived_from', target: parent, attrs: {} });
  const ds = lineage?.training_dataset as Record<string, unknown> | undefined;
  if (ds && str(ds.name)) {
    edges.push({ kind: 'trained_on', target: `${String(ds.name)}@${str(ds.version) ?? 'unversioned'}`, attrs: { name: ds.name, version: ds.version ?? null, checksum: ds.checksum ?? null } });
  }
  const evalDs = lineage?.evaluation_dataset as Record<string, unknown> | undefined;
  if (evalDs && str(evalDs.name)) {
    edges.push({ kind: 'evaluated_on', target: `${String(evalDs.name)}@${str(evalDs.version) ?? 'unversioned'}`, attrs: { name: evalDs.name, version: evalDs.version ?? null, checksum: evalDs.checksum ?? null } });
  }
  const run = str(meta.run_id);
  if (run) edges.push({ kind: 'produced_by', target: run, attrs: {} });
  return edges;
}

/** The registry's operations over its database and blob store, acting as `actor`. */
export class RegistryService implements MeasuringRegistryApi {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly ctx: RegistryContext,
    private readonly actor: string,
  ) {
    this.db = ctx.metadata.db;
  }

  /** The same service acting as someone else. */
  as(actor: string): RegistryService {
    return new RegistryService(this.ctx, actor);
  }

  // ---- reading ----

  private async modelRow(trx: Trx, name: string) {
    assertName(name);
    const row = await trx.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new ModelVaultError('not_found', `model ${name} does not exist`, { model: name, hint: 'run `modelvault models list` to see registered models' });
    return row;
  }

  /** Resolves a reference to its version row. */
  private async resolveRow(trx: Trx, refText: string): Promise<{ model: { id: number; name: string }; row: VersionRow }> {
    const ref = parseReference(refText);
    const model = await this.modelRow(trx, ref.name);
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

  private async tagsOf(trx: Trx, modelId: number, versionIds: number[] | null): Promise<Map<number, Record<string, string>>> {
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

  private async aliasesOf(trx: Trx, modelId: number): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    const rows = await trx.selectFrom('aliases').select(['alias', 'version_id']).where('model_id', '=', modelId).orderBy('alias').execute();
    for (const r of rows) out.set(Number(r.version_id), [...(out.get(Number(r.version_id)) ?? []), r.alias]);
    return out;
  }

  private summaryOf(name: string, row: VersionRow, tags: Record<string, string>, aliases: string[]): VersionSummary {
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

  async getVersion(ref: string): Promise<VersionDetail> {
    return (await this.getVersionSnapshot(ref)).detail;
  }

  /**
   * Resolves a reference, from the read cache when nothing changed in the database since it was filled.
   * The returned detail is frozen: it is shared.
   */
  async getVersionSnapshot(ref: string): Promise<VersionSnapshot> {
    const key = formatReference(parseReference(ref));
    const cache = this.ctx.versionCache;
    const token = cache ? this.ctx.metadata.changeToken() : undefined;
    if (cache && token !== undefined) {
      const hit = cache.get(key, token);
      if (hit) return hit;
    }
    const snapshot = new VersionSnapshot(deepFreeze(await this.loadVersion(key)));
    if (cache && token !== undefined) cache.set(key, token, snapshot);
    return snapshot;
  }

  private async loadVersion(ref: string): Promise<VersionDetail> {
    const { model, row } = await this.resolveRow(this.db, ref);
    const id = Number(row.id);
    const [files, tags, aliases, lineage, history, latest, evidence] = await Promise.all([
      this.db.selectFrom('files').selectAll().where('version_id', '=', id).orderBy('path').execute(),
      this.tagsOf(this.db, model.id, [id]),
      this.aliasesOf(this.db, model.id),
      this.db.selectFrom('lineage').selectAll().where('version_id', '=', id).orderBy('id').execute(),
      this.db.selectFrom('stage_history').selectAll().where('version_id', '=', id).orderBy('id').execute(),
      this.db.selectFrom('versions').select('id').where('model_id', '=', model.id).orderBy('sort_key', 'desc').limit(1).executeTakeFirst(),
      this.db.selectFrom('evidence').select(['id', 'kind', 'digest', 'key_id', 'created_at']).where('version_id', '=', id).orderBy('id').execute(),
    ]);
    const aliasList = [...(aliases.get(id) ?? [])];
    if (latest && Number(latest.id) === id) aliasList.push('latest');
    return {
      ...this.summaryOf(model.name, row, tags.get(id) ?? {}, aliasList.sort()),
      files: files.map((f) => ({ path: f.path, size: Number(f.size), digest: f.digest as Digest, format: f.format })),
      metadata: JSON.parse(row.metadata_json) as Record<string, unknown>,
      modelCard: row.model_card,
      lineage: lineage.map((l) => ({ kind: l.kind as LineageEdge['kind'], target: l.target, attrs: JSON.parse(l.attrs_json) as Record<string, unknown> })),
      history: history.map((h) => ({ version: row.version, from: h.from_stage as Stage | null, to: h.to_stage as Stage, actor: h.actor, reason: h.reason, at: h.created_at })),
      evidence: evidence.map((e) => ({ id: Number(e.id), kind: e.kind, digest: e.digest as Digest, keyId: e.key_id, createdAt: e.created_at })),
    };
  }

  // ---- evidence ----

  private async evidenceOf(trx: Trx, versionId: number, kind?: string): Promise<Evidence[]> {
    let q = trx.selectFrom('evidence').selectAll().where('version_id', '=', versionId).orderBy('id');
    if (kind) q = q.where('kind', '=', kind);
    return (await q.execute()).map((e) => ({ id: Number(e.id), kind: e.kind, digest: e.digest as Digest, keyId: e.key_id, createdAt: e.created_at, body: JSON.parse(e.body) as unknown }));
  }

  private async insertEvidence(trx: Trx, versionId: number, items: NewEvidence[], t: string): Promise<EvidenceSummary[]> {
    const out: EvidenceSummary[] = [];
    for (const item of items) {
      if (typeof item.kind !== 'string' || !EVIDENCE_KIND_PATTERN.test(item.kind)) {
        throw new ModelVaultError('invalid_input', `evidence kind ${JSON.stringify(item.kind)} is not valid`, { field: 'kind', hint: 'use a short lower-case word such as signature or scan' });
      }
      if (item.keyId !== undefined && item.keyId !== null && (typeof item.keyId !== 'string' || !EVIDENCE_KEY_ID_PATTERN.test(item.keyId))) {
        throw new ModelVaultError('invalid_input', 'evidence keyId must be a hexadecimal key id', { field: 'keyId' });
      }
      const body = canonicalJson(item.body ?? null);
      if (body.length > 16 * 1024 * 1024) throw new ModelVaultError('payload_too_large', 'evidence body is larger than 16 MiB', { field: 'body' });
      const digest: Digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const row = await trx
        .insertInto('evidence')
        .values({ version_id: versionId, kind: item.kind, digest, key_id: item.keyId ?? null, body, created_at: t })
        .returning('id')
        .executeTakeFirstOrThrow();
      out.push({ id: Number(row.id), kind: item.kind, digest, keyId: item.keyId ?? null, createdAt: t });
    }
    return out;
  }

  /** Attaches evidence a client sends; kinds the registry measures itself (scan reports) are refused. */
  async addEvidence(ref: string, evidence: NewEvidence): Promise<EvidenceSummary> {
    assertClientEvidenceKind(evidence.kind, ref);
    return this.recordMeasuredEvidence(ref, evidence);
  }

  /** Records evidence of any kind, including what the registry measured itself (its scanner's report). */
  async recordMeasuredEvidence(ref: string, evidence: NewEvidence): Promise<EvidenceSummary> {
    return this.db.transaction().execute(async (trx) => {
      const { model, row } = await this.resolveRow(trx, ref);
      const t = now();
      const [added] = await this.insertEvidence(trx, Number(row.id), [evidence], t);
      await appendEvents(trx, [
        { actor: this.actor, action: 'evidence.add', subject: `${model.name}@${row.version}`, model: model.name, payload: { kind: added!.kind, digest: added!.digest, key_id: added!.keyId, manifest_digest: row.manifest_digest } },
      ], t);
      return added!;
    });
  }

  async listEvidence(ref: string, kind?: string): Promise<Evidence[]> {
    const { row } = await this.resolveRow(this.db, ref);
    return this.evidenceOf(this.db, Number(row.id), kind);
  }

  /** Runs every capability's gate on a transition; any of them may refuse it. */
  private async runStageGates(trx: Trx, modelName: string, row: VersionRow, to: Stage, rollback: boolean): Promise<void> {
    const hooks = (this.ctx.hooks ?? []).filter((h) => h.beforeStage);
    if (hooks.length === 0) return;
    const id = Number(row.id);
    const [files, evidence] = await Promise.all([trx.selectFrom('files').selectAll().where('version_id', '=', id).orderBy('path').execute(), this.evidenceOf(trx, id)]);
    const transition = {
      name: modelName,
      version: row.version,
      from: row.stage as Stage,
      to,
      manifestDigest: row.manifest_digest as Digest,
      files: files.map((f) => ({ path: f.path, size: Number(f.size), digest: f.digest as Digest, format: f.format })),
      evidence,
      rollback,
      db: trx,
    };
    for (const h of hooks) await h.beforeStage!(transition);
  }

  private async modelSummaries(rows: { id: number; name: string; description: string | null; owner: string | null; created_at: string; updated_at: string }[]): Promise<ModelSummary[]> {
    return Promise.all(
      rows.map(async (m) => {
        const id = Number(m.id);
        const [count, latest, prod, tags] = await Promise.all([
          this.db.selectFrom('versions').select((eb) => eb.fn.countAll<number>().as('n')).where('model_id', '=', id).executeTakeFirstOrThrow(),
          this.db.selectFrom('versions').select('version').where('model_id', '=', id).orderBy('sort_key', 'desc').limit(1).executeTakeFirst(),
          this.db.selectFrom('versions').select('version').where('model_id', '=', id).where('stage', '=', 'production').executeTakeFirst(),
          this.tagsOf(this.db, id, null),
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

  async getModel(name: string): Promise<ModelDetail> {
    const m = await this.modelRow(this.db, name);
    const [summary] = await this.modelSummaries([{ ...m, id: Number(m.id) }]);
    const aliasRows = await this.db
      .selectFrom('aliases')
      .innerJoin('versions', 'versions.id', 'aliases.version_id')
      .select(['aliases.alias', 'versions.version'])
      .where('aliases.model_id', '=', Number(m.id))
      .orderBy('aliases.alias')
      .execute();
    const stageRows = await this.db.selectFrom('versions').select(['version', 'stage', 'sort_key']).where('model_id', '=', Number(m.id)).where('stage', '!=', 'archived').orderBy('sort_key', 'desc').limit(1000).execute();
    const stages: Partial<Record<Stage, string[]>> = {};
    for (const r of stageRows) (stages[r.stage as Stage] ??= []).push(r.version);
    return { ...summary!, aliases: Object.fromEntries(aliasRows.map((a) => [a.alias, a.version])), stages };
  }

  async listModels(filter: ModelFilter = {}): Promise<Page<ModelSummary>> {
    const limit = clampLimit(filter.limit);
    const after = decodeCursor(filter.cursor, (v): v is { n: string } => typeof (v as { n?: unknown })?.n === 'string');
    let q = this.db.selectFrom('models').selectAll('models').orderBy('models.name').limit(limit + 1);
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
    const items = await this.modelSummaries(page);
    return { items, nextCursor: rows.length > limit ? encodeCursor({ n: page[page.length - 1]!.name }) : null };
  }

  async listVersions(name: string, filter: VersionFilter = {}): Promise<Page<VersionSummary>> {
    const model = await this.modelRow(this.db, name);
    const modelId = Number(model.id);
    const limit = clampLimit(filter.limit);
    const after = decodeCursor(filter.cursor, (v): v is { k: string } => typeof (v as { k?: unknown })?.k === 'string');
    let q = this.db.selectFrom('versions').selectAll('versions').where('versions.model_id', '=', modelId).orderBy('versions.sort_key', 'desc').limit(limit + 1);
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
    const [tags, aliases, latest] = await Promise.all([
      this.tagsOf(this.db, modelId, ids),
      this.aliasesOf(this.db, modelId),
      this.db.selectFrom('versions').select('id').where('model_id', '=', modelId).orderBy('sort_key', 'desc').limit(1).executeTakeFirst(),
    ]);
    const items = page.map((r) => {
      const a = [...(aliases.get(Number(r.id)) ?? [])];
      if (latest && Number(latest.id) === Number(r.id)) a.push('latest');
      return this.summaryOf(model.name, r, tags.get(Number(r.id)) ?? {}, a.sort());
    });
    return { items, nextCursor: rows.length > limit ? encodeCursor({ k: page[page.length - 1]!.sort_key }) : null };
  }

  // ---- registering ----

  /** Checks a client-supplied manifest: safe unique paths, digests, sizes. */
  private checkManifest(files: ManifestEntryInput[]): ManifestEntry[] {
    if (!Array.isArray(files) || files.length === 0) {
      throw new ModelVaultError('invalid_input', 'a version needs at least one file', { field: 'files' });
    }
    if (files.length > MAX_FILES) throw new ModelVaultError('invalid_input', `a version may hold at most ${MAX_FILES} files`, { field: 'files' });
    const seen = new Set<string>();
    return files.map((f, i) => {
      const path = safeRelativePath(f.path, `files[${i}].path`);
      if (seen.has(path)) throw new ModelVaultError('invalid_input', `files[${i}].path ${path} appears twice`, { field: `files[${i}].path` });
      seen.add(path);
      if (!isDigest(f.digest)) throw new ModelVaultError('invalid_digest', `files[${i}].digest ${JSON.stringify(f.digest)} is not sha256:<hex>`, { field: `files[${i}].digest` });
      if (!Number.isSafeInteger(f.size) || f.size < 0) throw new ModelVaultError('invalid_input', `files[${i}].size must be a non-negative integer`, { field: `files[${i}].size` });
      const format = typeof f.format === 'string' && /^[a-z0-9._-]{1,40}$/.test(f.format) ? f.format : 'binary';
      return { path, size: f.size, digest: f.digest, format };
    });
  }

  async registerVersion(input: RegisterVersionInput): Promise<RegisterResult> {
    const metadata = input.metadata;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ModelVaultError('invalid_metadata', 'metadata must be an object', { field: 'metadata' });
    }
    const name = assertName(String(metadata.name ?? ''), 'metadata.name');
    const version = assertVersion(String(metadata.version ?? ''));
    const files = this.checkManifest(input.files);
    const modelCard = input.modelCard ?? null;
    if (modelCard !== null && (typeof modelCard !== 'string' || modelCard.length > 1_000_000)) {
      throw new ModelVaultError('invalid_input', 'model card must be text of at most 1 MB', { field: 'modelCard' });
    }
    // Every blob must be stored, with the size the manifest claims, before the version can exist.
    for (const f of files) {
      const s = await this.ctx.blobs.stat(f.digest);
      if (!s) throw new ModelVaultError('blob_missing', `blob ${f.digest} for ${f.path} has not been uploaded`, { path: f.path, digest: f.digest, hint: 'upload the blob first (PUT /api/v1/blobs/<digest>)' });
      if (s.size !== f.size) throw new ModelVaultError('size_mismatch', `${f.path}: stored blob has ${s.size} bytes, manifest says ${f.size}`, { path: f.path, digest: f.digest });
    }
    const manifest = manifestDigest(files);
    const key = contentKey(metadata, modelCard, manifest);
    const lineage = lineageFromMetadata(metadata);
    const framework = str(metadata.framework) ?? null;
    const description = str(metadata.description) ?? null;
    const tags = (metadata.tags && typeof metadata.tags === 'object' && !Array.isArray(metadata.tags) ? metadata.tags : {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(tags)) assertTag(k, String(v));

    const existing = async (): Promise<RegisterResult | undefined> => {
      const m = await this.db.selectFrom('models').select('id').where('name', '=', name).executeTakeFirst();
      if (!m) return undefined;
      const row = await this.db.selectFrom('versions').selectAll().where('model_id', '=', Number(m.id)).where('version', '=', version).executeTakeFirst();
      if (!row) return undefined;
      const same = contentKey(JSON.parse(row.metadata_json) as Record<string, unknown>, row.model_card, row.manifest_digest as Digest) === key;
      if (!same) {
        throw new ModelVaultError('version_exists', `${name}@${version} already exists with different content`, {
          reference: `${name}@${version}`,
          existing: row.manifest_digest,
          pushed: manifest,
          hint: 'versions are immutable: bump the version (e.g. the patch number) and push again',
        });
      }
      return { name, version, manifestDigest: row.manifest_digest as Digest, stage: row.stage as Stage, created: false };
    };
    const before = await existing();
    if (before) return before;
    const hookEvidence: NewEvidence[] = [];
    for (const h of this.ctx.hooks ?? []) if (h.beforeRegister) hookEvidence.push(...(await h.beforeRegister({ name, version, files, metadata })));

    try {
      return await this.db.transaction().execute(async (trx) => {
        const t = now();
        await trx.insertInto('models').values({ name, description, owner: this.actor, created_at: t, updated_at: t }).onConflict((oc) => oc.column('name').doNothing()).execute();
        const model = await trx.selectFrom('models').select('id').where('name', '=', name).executeTakeFirstOrThrow();
        const modelId = Number(model.id);
        // The parent must be an existing version; resolve it to pin the exact version.
        const resolved: { edge: LineageEdge; targetId: number | null }[] = [];
        for (const edge of lineage) {
          if (edge.kind !== 'derived_from') {
            resolved.push({ edge, targetId: null });
            continue;
          }
          let parent;
          try {
            parent = await this.resolveRow(trx, edge.target);
          } catch (err) {
            const e = err as ModelVaultError;
            throw new ModelVaultError('invalid_metadata', `lineage.parent_model ${JSON.stringify(edge.target)}: ${e.message}`, { field: 'lineage.parent_model', hint: 'reference an existing version, e.g. name@1.0.0' });
          }
          if (parent.model.name === name && parent.row.version === version) {
            throw new ModelVaultError('invalid_metadata', 'lineage.parent_model refers to the version itself', { field: 'lineage.parent_model' });
          }
          resolved.push({ edge: { ...edge, target: `${parent.model.name}@${parent.row.version}`, attrs: { requested: edge.target } }, targetId: Number(parent.row.id) });
        }
        const total = files.reduce((s, f) => s + f.size, 0);
        const inserted = await trx
          .insertInto('versions')
          .values({
            model_id: modelId,
            version,
            sort_key: versionSortKey(version),
            stage: 'development',
            manifest_digest: manifest,
            metadata_json: canonicalJson(metadata),
            model_card: modelCard,
            description,
            framework,
            total_size: total,
            file_count: files.length,
            created_by: this.actor,
            created_at: t,
            updated_at: t,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const versionId = Number(inserted.id);
        for (let i = 0; i < files.length; i += 500) {
          const chunk = files.slice(i, i + 500);
          await trx.insertInto('files').values(chunk.map((f) => ({ version_id: versionId, path: f.path, size: f.size, digest: f.digest, format: f.format }))).execute();
          await trx.insertInto('blobs').values(chunk.map((f) => ({ digest: f.digest, size: f.size, created_at: t }))).onConflict((oc) => oc.column('digest').doNothing()).execute();
        }
        if (Object.keys(tags).length > 0) {
          await trx.insertInto('tags').values(Object.entries(tags).map(([k, v]) => ({ model_id: modelId, version_id: versionId, key: k, value: String(v) }))).execute();
        }
        if (resolved.length > 0) {
          await trx
            .insertInto('lineage')
            .values(resolved.map((r) => ({ version_id: versionId, kind: r.edge.kind, target: r.edge.target, target_version_id: r.targetId, attrs_json: canonicalJson(r.edge.attrs) })))
            .execute();
        }
        await trx.insertInto('stage_history').values({ version_id: versionId, from_stage: null, to_stage: 'development', actor: this.actor, reason: 'pushed', created_at: t }).execute();
        const evidence = await this.insertEvidence(trx, versionId, hookEvidence, t);
        await trx.updateTable('models').set({ updated_at: t }).where('id', '=', modelId).execute();
        await appendEvents(trx, [
          {
            actor: this.actor,
            action: 'version.push',
            subject: `${name}@${version}`,
            model: name,
            payload: { manifest_digest: manifest, files: files.map((f) => ({ path: f.path, digest: f.digest, size: f.size })), evidence: evidence.map((e) => ({ kind: e.kind, digest: e.digest })) },
          },
        ], t);
        return { name, version, manifestDigest: manifest, stage: 'development' as Stage, created: true };
      });
    } catch (err) {
      // A concurrent push of the same version won the race: identical content is a no-op, else version_exists.
      if (isUniqueViolation(err)) {
        const after = await existing();
        if (after) return after;
      }
      throw err;
    }
  }

  // ---- lifecycle ----

  private async transition(trx: Transaction<Database>, modelName: string, row: VersionRow, to: Stage, reason: string | null, t: string, events: NewEvent[]): Promise<void> {
    await trx.updateTable('versions').set({ stage: to, updated_at: t }).where('id', '=', Number(row.id)).execute();
    await trx.insertInto('stage_history').values({ version_id: Number(row.id), from_stage: row.stage, to_stage: to, actor: this.actor, reason, created_at: t }).execute();
    events.push({ actor: this.actor, action: 'version.stage', subject: `${modelName}@${row.version}`, model: modelName, payload: { from: row.stage, to, reason, manifest_digest: row.manifest_digest } });
  }

  private async withConflictRetry<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ModelVaultError('conflict', 'another change to this model happened at the same time', { hint: 'retry the command' }, { cause: err });
      }
      throw err;
    }
  }

  async setStage(ref: string, stage: Stage, reason?: string): Promise<StageResult> {
    const to = assertStage(stage);
    return this.withConflictRetry(() =>
      this.db.transaction().execute(async (trx) => {
        const { model, row } = await this.resolveRow(trx, ref);
        const from = row.stage as Stage;
        assertTransition(`${model.name}@${row.version}`, from, to);
        await this.runStageGates(trx, model.name, row, to, false);
        const t = now();
        const events: NewEvent[] = [];
        let displaced: StageResult['displaced'];
        if (to === 'production') {
          const current = (await trx.selectFrom('versions').selectAll().where('model_id', '=', model.id).where('stage', '=', 'production').executeTakeFirst()) as VersionRow | undefined;
          if (current) {
            const demoteTo = this.ctx.config.lifecycle.demoteProductionTo;
            await this.transition(trx, model.name, current, demoteTo, `replaced by ${row.version}`, t, events);
            displaced = { version: current.version, to: demoteTo };
          }
        }
        await this.transition(trx, model.name, row, to, reason ?? null, t, events);
        await appendEvents(trx, events, t);
        return { name: model.name, version: row.version, from, to, ...(displaced ? { displaced } : {}) };
      }),
    );
  }

  async rollback(name: string, stage: Stage = 'production', reason?: string): Promise<StageResult> {
    const target = assertStage(stage);
    if (target === 'archived' || target === 'development') {
      throw new ModelVaultError('usage', `rollback works on validation, staging or production, not ${target}`, { stage: target });
    }
    return this.withConflictRetry(() =>
      this.db.transaction().execute(async (trx) => {
        const model = await this.modelRow(trx, name);
        const modelId = Number(model.id);
        const current = (await trx.selectFrom('versions').selectAll().where('model_id', '=', modelId).where('stage', '=', target).orderBy('updated_at', 'desc').executeTakeFirst()) as VersionRow | undefined;
        // The previous holder: the most recent version that entered this stage and is not the current one.
        const previous = await trx
          .selectFrom('stage_history')
          .innerJoin('versions', 'versions.id', 'stage_history.version_id')
          .selectAll('versions')
          .where('versions.model_id', '=', modelId)
          .where('stage_history.to_stage', '=', target)
          .$if(current !== undefined, (q) => q.where('versions.id', '!=', Number(current!.id)))
          .orderBy('stage_history.id', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (!previous) {
          throw new ModelVaultError('not_found', `model ${name} has no previous ${target} version to roll back to`, { model: name, hint: `see \`modelvault versions list ${name}\`` });
        }
        await this.runStageGates(trx, model.name, previous as VersionRow, target, true);
        const t = now();
        const events: NewEvent[] = [];
        const why = reason ?? `rollback from ${current?.version ?? 'none'}`;
        let displaced: StageResult['displaced'];
        if (current) {
          const demoteTo = target === 'production' ? this.ctx.config.lifecycle.demoteProductionTo : 'archived';
          await this.transition(trx, model.name, current, demoteTo, why, t, events);
          displaced = { version: current.version, to: demoteTo };
        }
        const prev = previous as VersionRow;
        await this.transition(trx, model.name, prev, target, why, t, events);
        events.push({ actor: this.actor, action: 'version.rollback', subject: `${model.name}@${prev.version}`, model: model.name, payload: { stage: target, from_version: current?.version ?? null, to_version: prev.version, reason: why } });
        await appendEvents(trx, events, t);
        return { name: model.name, version: prev.version, from: prev.stage as Stage, to: target, ...(displaced ? { displaced } : {}) };
      }),
    );
  }

  async stageHistory(name: string): Promise<StageChange[]> {
    const model = await this.modelRow(this.db, name);
    const rows = await this.db
      .selectFrom('stage_history')
      .innerJoin('versions', 'versions.id', 'stage_history.version_id')
      .select(['versions.version', 'stage_history.from_stage', 'stage_history.to_stage', 'stage_history.actor', 'stage_history.reason', 'stage_history.created_at'])
      .where('versions.model_id', '=', Number(model.id))
      .orderBy('stage_history.id')
      .execute();
    return rows.map((r) => ({ version: r.version, from: r.from_stage as Stage | null, to: r.to_stage as Stage, actor: r.actor, reason: r.reason, at: r.created_at }));
  }

  // ---- aliases, tags, descriptions ----

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    assertAlias(alias);
    await this.db.transaction().execute(async (trx) => {
      const { model, row } = await this.resolveRow(trx, `${name}@${assertVersion(version)}`);
      const t = now();
      const prev = await trx.selectFrom('aliases').innerJoin('versions', 'versions.id', 'aliases.version_id').select('versions.version').where('aliases.model_id', '=', model.id).where('aliases.alias', '=', alias).executeTakeFirst();
      await trx
        .insertInto('aliases')
        .values({ model_id: model.id, alias, version_id: Number(row.id), updated_at: t })
        .onConflict((oc) => oc.columns(['model_id', 'alias']).doUpdateSet({ version_id: Number(row.id), updated_at: t }))
        .execute();
      await appendEvents(trx, [{ actor: this.actor, action: 'alias.set', subject: `${model.name}@${alias}`, model: model.name, payload: { alias, version: row.version, previous: prev?.version ?? null, manifest_digest: row.manifest_digest } }], t);
    });
  }

  async removeAlias(name: string, alias: string): Promise<void> {
    assertAlias(alias);
    await this.db.transaction().execute(async (trx) => {
      const model = await this.modelRow(trx, name);
      const res = await trx.deleteFrom('aliases').where('model_id', '=', Number(model.id)).where('alias', '=', alias).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new ModelVaultError('not_found', `model ${name} has no alias ${alias}`, { model: name, alias });
      await appendEvents(trx, [{ actor: this.actor, action: 'alias.rm', subject: `${name}@${alias}`, model: name, payload: { alias } }]);
    });
  }

  private async targetIds(trx: Trx, target: Target): Promise<{ modelId: number; versionId: number | null; subject: string; model: string }> {
    if (target.version !== undefined) {
      const { model, row } = await this.resolveRow(trx, `${target.name}@${target.version}`);
      return { modelId: model.id, versionId: Number(row.id), subject: `${model.name}@${row.version}`, model: model.name };
    }
    const m = await this.modelRow(trx, target.name);
    return { modelId: Number(m.id), versionId: null, subject: m.name, model: m.name };
  }

  async setTags(target: Target, tags: Record<string, string>): Promise<void> {
    const entries = Object.entries(tags);
    if (entries.length === 0) throw new ModelVaultError('usage', 'no tags given', { hint: 'pass tags as KEY=VALUE' });
    for (const [k, v] of entries) assertTag(k, v);
    await this.db.transaction().execute(async (trx) => {
      const ids = await this.targetIds(trx, target);
      for (const [key, value] of entries) {
        let del = trx.deleteFrom('tags').where('model_id', '=', ids.modelId).where('key', '=', key);
        del = ids.versionId === null ? del.where('version_id', 'is', null) : del.where('version_id', '=', ids.versionId);
        await del.execute();
        await trx.insertInto('tags').values({ model_id: ids.modelId, version_id: ids.versionId, key, value }).execute();
      }
      await appendEvents(trx, [{ actor: this.actor, action: 'tag.set', subject: ids.subject, model: ids.model, payload: { tags } }]);
    });
  }

  async removeTags(target: Target, keys: string[]): Promise<void> {
    if (keys.length === 0) throw new ModelVaultError('usage', 'no tag keys given', {});
    await this.db.transaction().execute(async (trx) => {
      const ids = await this.targetIds(trx, target);
      let del = trx.deleteFrom('tags').where('model_id', '=', ids.modelId).where('key', 'in', keys);
      del = ids.versionId === null ? del.where('version_id', 'is', null) : del.where('version_id', '=', ids.versionId);
      const res = await del.executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new ModelVaultError('not_found', `${ids.subject} has none of the tags ${keys.join(', ')}`, { subject: ids.subject });
      await appendEvents(trx, [{ actor: this.actor, action: 'tag.rm', subject: ids.subject, model: ids.model, payload: { keys } }]);
    });
  }

  async setDescription(target: Target, description: string): Promise<void> {
    if (typeof description !== 'string' || description.length > 10_000) throw new ModelVaultError('invalid_input', 'description must be text of at most 10,000 characters', { field: 'description' });
    await this.db.transaction().execute(async (trx) => {
      const ids = await this.targetIds(trx, target);
      const t = now();
      if (ids.versionId === null) await trx.updateTable('models').set({ description, updated_at: t }).where('id', '=', ids.modelId).execute();
      else await trx.updateTable('versions').set({ description, updated_at: t }).where('id', '=', ids.versionId).execute();
      await appendEvents(trx, [{ actor: this.actor, action: 'description.set', subject: ids.subject, model: ids.model, payload: { description } }], t);
    });
  }

  // ---- lineage and events ----

  async lineage(ref: string, options: { depth?: number } = {}): Promise<LineageGraph> {
    const depth = Math.min(Math.max(options.depth ?? 20, 1), 100);
    const { model, row } = await this.resolveRow(this.db, ref);
    const rootId = `${model.name}@${row.version}`;
    const nodes = new Map<string, LineageGraph['nodes'][number]>();
    const edges: LineageGraph['edges'] = [];
    const edgeKeys = new Set<string>();
    const addEdge = (from: string, to: string, kind: LineageEdge['kind']): void => {
      const k = `${from}|${to}|${kind}`;
      if (!edgeKeys.has(k)) {
        edgeKeys.add(k);
        edges.push({ from, to, kind });
      }
    };
    nodes.set(rootId, { id: rootId, kind: 'model_version', label: rootId });
    const labelOf = async (versionId: number): Promise<string> => {
      const r = await this.db.selectFrom('versions').innerJoin('models', 'models.id', 'versions.model_id').select(['models.name', 'versions.version']).where('versions.id', '=', versionId).executeTakeFirstOrThrow();
      return `${r.name}@${r.version}`;
    };
    // Ancestors: follow every edge out of a version; parents are followed further.
    let frontier: { id: number; label: string }[] = [{ id: Number(row.id), label: rootId }];
    const seenUp = new Set<number>([Number(row.id)]);
    for (let d = 0; d < depth && frontier.length > 0; d++) {
      const next: typeof frontier = [];
      for (const v of frontier) {
        const out = await this.db.selectFrom('lineage').selectAll().where('version_id', '=', v.id).orderBy('id').execute();
        for (const e of out) {
          const kind = e.kind as LineageEdge['kind'];
          if (kind === 'derived_from' && e.target_version_id !== null) {
            const label = await labelOf(Number(e.target_version_id));
            nodes.set(label, { id: label, kind: 'model_version', label });
            addEdge(v.label, label, kind);
            if (!seenUp.has(Number(e.target_version_id))) {
              seenUp.add(Number(e.target_version_id));
              next.push({ id: Number(e.target_version_id), label });
            }
          } else {
            const nodeKind = kind === 'produced_by' ? 'run' : kind === 'source' ? 'source' : 'dataset';
            const id = `${nodeKind}:${e.target}`;
            nodes.set(id, { id, kind: nodeKind, label: e.target });
            addEdge(v.label, id, kind);
          }
        }
      }
      frontier = next;
    }
    // Descendants: versions derived from this one, transitively.
    frontier = [{ id: Number(row.id), label: rootId }];
    const seenDown = new Set<number>([Number(row.id)]);
    for (let d = 0; d < depth && frontier.length > 0; d++) {
      const next: typeof frontier = [];
      for (const v of frontier) {
        const children = await this.db.selectFrom('lineage').select(['version_id']).where('target_version_id', '=', v.id).where('kind', '=', 'derived_from').orderBy('id').execute();
        for (const c of children) {
          const label = await labelOf(Number(c.version_id));
          nodes.set(label, { id: label, kind: 'model_version', label });
          addEdge(label, v.label, 'derived_from');
          if (!seenDown.has(Number(c.version_id))) {
            seenDown.add(Number(c.version_id));
            next.push({ id: Number(c.version_id), label });
          }
        }
      }
      frontier = next;
    }
    return { root: rootId, nodes: [...nodes.values()], edges };
  }

  async events(filter: EventFilter = {}): Promise<Page<RegistryEvent>> {
    return readEvents(this.db, filter);
  }
}
