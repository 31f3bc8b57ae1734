import type { Transaction } from 'kysely';
import { canonicalJson } from '../core/canonical-json.ts';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { lineageFromMetadata, type LineageEdge } from '../core/lineage.ts';
import type { ModelSignature } from '../core/signature.ts';
import { checkManifest, manifestDigest, type ListedFile, type ManifestEntry } from '../core/manifest.ts';
import { detectStoredFormat } from '../formats/index.ts';
import { assertName, assertTag, type Stage } from '../core/names.ts';
import { assertVersion } from '../core/version.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { isUniqueViolation } from '../storage/db/errors.ts';
import type { Database } from '../storage/db/schema.ts';
import type { RegistryScope } from './context.ts';
import { insertEvidence } from './evidence.ts';
import { appendEvents } from './events.ts';
import { latestEvidenceRefs } from './move-record.ts';
import { now, resolveRow } from './queries.ts';
import { versionSortKey } from './sort-key.ts';
import type { ModelSource, Problem } from '../policy/index.ts';
import { policyOptions } from './config.ts';
import type { MoveRecord, NewEvidence, RegisterResult, RegisterVersionInput } from './types.ts';
import { computeSignature, previousVersion, semverCheck, understatedVersion, type SemverCheck } from './version-signature.ts';
import { MAX_METADATA_BYTES } from '../core/limits.ts';

/** A registration request checked and reduced to what gets stored. */
interface PreparedVersion {
  name: string;
  version: string;
  metadata: Record<string, unknown>;
  modelCard: string | null;
  files: ManifestEntry[];
  manifest: Digest;
  /** What makes two pushes of the same version identical. */
  contentKey: string;
  lineage: LineageEdge[];
  tags: Record<string, string>;
  /** Why the caller forces a version whose number under-states its signature change; undefined when not forced. */
  forceReason?: string;
}

/** A prepared version with what the registry read from its stored files. */
interface CheckedVersion extends PreparedVersion {
  signature: ModelSignature | null;
  /** The semver check against the version it follows, when there is one. */
  semver?: SemverCheck;
}

/** A lineage edge with the version row it points at, for `derived_from`. */
interface ResolvedEdge {
  edge: LineageEdge;
  targetId: number | null;
}

function contentKey(metadata: Record<string, unknown>, modelCard: string | null | undefined, manifest: Digest): string {
  return canonicalJson({ manifest, metadata, modelCard: modelCard ?? null });
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** Checks metadata, manifest, model card and tags of a registration request; the files' formats and the model card's text come later, from the stored bytes. */
function prepare(input: RegisterVersionInput): Omit<PreparedVersion, 'files' | 'contentKey'> & { files: ListedFile[] } {
  const metadata = input.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new ModelVaultError('invalid_metadata', 'metadata must be an object', { field: 'metadata' });
  }
  // Every read of the version returns its metadata: a few megabytes served to fifty readers at once is a gigabyte.
  const size = Buffer.byteLength(canonicalJson(metadata));
  if (size > MAX_METADATA_BYTES) {
    throw new ModelVaultError('payload_too_large', `metadata is ${size} bytes as JSON, more than the ${MAX_METADATA_BYTES} allowed`, { field: 'metadata', hint: 'keep large data in files of the version and reference them from the metadata' });
  }
  const name = assertName(String(metadata.name ?? ''), 'metadata.name');
  const version = assertVersion(String(metadata.version ?? ''));
  const files = checkManifest(input.files);
  const modelCard = input.modelCard ?? null;
  if (modelCard !== null && (typeof modelCard !== 'string' || modelCard.length > 1_000_000)) {
    throw new ModelVaultError('invalid_input', 'model card must be text of at most 1 MB', { field: 'modelCard' });
  }
  const rawTags = (metadata.tags && typeof metadata.tags === 'object' && !Array.isArray(metadata.tags) ? metadata.tags : {}) as Record<string, unknown>;
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawTags)) {
    const value = String(v);
    assertTag(k, value);
    tags[k] = value;
  }
  if (input.reason !== undefined && input.force !== true) {
    throw new ModelVaultError('invalid_input', 'a reason is recorded only with a forced push', { field: 'reason', hint: 'add force: true (push --force), or leave the reason out' });
  }
  const forceReason = input.force === true ? input.reason?.trim() : undefined;
  if (input.force === true && !forceReason) {
    throw new ModelVaultError('invalid_input', 'a forced push needs a reason', { field: 'reason', hint: 'say why with --reason TEXT (push --force --reason "…")' });
  }
  const manifest = manifestDigest(files);
  return {
    name, version, metadata, modelCard, files, manifest, lineage: lineageFromMetadata(metadata), tags,
    ...(forceReason === undefined ? {} : { forceReason }),
  };
}

/**
 * Every blob must be stored, with the size the manifest claims, before the version can exist; each
 * file's format is then detected from its stored bytes, never taken from the client.
 */
async function storedFiles(blobs: BlobStore, files: ListedFile[]): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for (const f of files) {
    const s = await blobs.stat(f.digest);
    if (!s) throw new ModelVaultError('blob_missing', `blob ${f.digest} for ${f.path} has not been uploaded`, { path: f.path, digest: f.digest, hint: 'upload the blob first (PUT /api/v1/blobs/<digest>)' });
    if (s.size !== f.size) throw new ModelVaultError('size_mismatch', `${f.path}: stored blob has ${s.size} bytes, manifest says ${f.size}`, { path: f.path, digest: f.digest });
    out.push({ ...f, format: await detectStoredFormat(blobs, f.digest, f.size, f.path) });
  }
  return out;
}

/** The stored version of the same name and number: a no-op result when identical, `version_exists` when not. */
async function existingVersion(s: RegistryScope, p: PreparedVersion): Promise<RegisterResult | undefined> {
  const m = await s.db.selectFrom('models').select('id').where('name', '=', p.name).executeTakeFirst();
  if (!m) return undefined;
  const row = await s.db.selectFrom('versions').selectAll().where('model_id', '=', Number(m.id)).where('version', '=', p.version).executeTakeFirst();
  if (!row) return undefined;
  if (contentKey(JSON.parse(row.metadata_json) as Record<string, unknown>, row.model_card, row.manifest_digest as Digest) !== p.contentKey) {
    throw new ModelVaultError('version_exists', `${p.name}@${p.version} already exists with different content`, {
      reference: `${p.name}@${p.version}`,
      existing: row.manifest_digest,
      pushed: p.manifest,
      hint: 'versions are immutable: bump the version (e.g. the patch number) and push again',
    });
  }
  return { name: p.name, version: p.version, manifestDigest: row.manifest_digest as Digest, stage: row.stage as Stage, created: false };
}

/** Runs every capability's registration check; each may refuse the version or return evidence to store with it. */
async function hookEvidence(s: RegistryScope, p: CheckedVersion): Promise<NewEvidence[]> {
  const evidence: NewEvidence[] = [];
  for (const h of s.ctx.hooks ?? []) if (h.beforeRegister) evidence.push(...(await h.beforeRegister({ name: p.name, version: p.version, files: p.files, metadata: p.metadata })));
  return evidence;
}

/** The parent must be an existing version; resolving it pins the exact version. */
async function resolveLineage(trx: Transaction<Database>, p: PreparedVersion): Promise<ResolvedEdge[]> {
  const resolved: ResolvedEdge[] = [];
  for (const edge of p.lineage) {
    if (edge.kind !== 'derived_from') {
      resolved.push({ edge, targetId: null });
      continue;
    }
    let parent;
    try {
      parent = await resolveRow(trx, edge.target);
    } catch (err) {
      const e = err as ModelVaultError;
      throw new ModelVaultError('invalid_metadata', `lineage.parent_model ${JSON.stringify(edge.target)}: ${e.message}`, { field: 'lineage.parent_model', hint: 'reference an existing version, e.g. name@1.0.0' });
    }
    if (parent.model.name === p.name && parent.row.version === p.version) {
      throw new ModelVaultError('invalid_metadata', 'lineage.parent_model refers to the version itself', { field: 'lineage.parent_model' });
    }
    resolved.push({ edge: { ...edge, target: `${parent.model.name}@${parent.row.version}`, attrs: { requested: edge.target } }, targetId: Number(parent.row.id) });
  }
  return resolved;
}

/** Creates the model if it is new and returns its id. */
async function ensureModel(s: RegistryScope, trx: Transaction<Database>, p: PreparedVersion, t: string): Promise<number> {
  await trx.insertInto('models').values({ name: p.name, description: text(p.metadata.description), owner: s.actor, created_at: t, updated_at: t }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const model = await trx.selectFrom('models').select('id').where('name', '=', p.name).executeTakeFirstOrThrow();
  return Number(model.id);
}

/** Inserts the version row, its files and blob records, tags, lineage and first stage; returns the version id. */
async function insertVersionRows(s: RegistryScope, trx: Transaction<Database>, modelId: number, p: CheckedVersion, lineage: ResolvedEdge[], t: string): Promise<number> {
  const inserted = await trx
    .insertInto('versions')
    .values({
      model_id: modelId,
      version: p.version,
      sort_key: versionSortKey(p.version),
      stage: 'development',
      manifest_digest: p.manifest,
      metadata_json: canonicalJson(p.metadata),
      model_card: p.modelCard,
      description: text(p.metadata.description),
      framework: text(p.metadata.framework),
      total_size: p.files.reduce((sum, f) => sum + f.size, 0),
      file_count: p.files.length,
      signature_json: p.signature === null ? null : canonicalJson(p.signature),
      created_by: s.actor,
      created_at: t,
      updated_at: t,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const versionId = Number(inserted.id);
  for (let i = 0; i < p.files.length; i += 500) {
    const chunk = p.files.slice(i, i + 500);
    await trx.insertInto('files').values(chunk.map((f) => ({ version_id: versionId, path: f.path, size: f.size, digest: f.digest, format: f.format }))).execute();
    await trx.insertInto('blobs').values(chunk.map((f) => ({ digest: f.digest, size: f.size, created_at: t }))).onConflict((oc) => oc.column('digest').doNothing()).execute();
  }
  const tags = Object.entries(p.tags);
  if (tags.length > 0) await trx.insertInto('tags').values(tags.map(([key, value]) => ({ model_id: modelId, version_id: versionId, key, value }))).execute();
  if (lineage.length > 0) {
    await trx
      .insertInto('lineage')
      .values(lineage.map((r) => ({ version_id: versionId, kind: r.edge.kind, target: r.edge.target, target_version_id: r.targetId, attrs_json: canonicalJson(r.edge.attrs) })))
      .execute();
  }
  return versionId;
}

/** True when the version's number under-states its signature change and the push was forced. */
function forcedOver(p: CheckedVersion): boolean {
  return p.semver !== undefined && !p.semver.judgement.satisfied && p.forceReason !== undefined;
}

/** The semver check as the push event records it. */
function semverPayload(p: CheckedVersion): Record<string, unknown> | undefined {
  if (!p.semver) return undefined;
  const { judgement, previous } = p.semver;
  return {
    previous,
    change: judgement.change,
    required: judgement.required,
    bump: judgement.bump,
    satisfied: judgement.satisfied,
    ...(forcedOver(p) ? { forced: true, reason: p.forceReason, minimum_version: judgement.minimumVersion } : {}),
  };
}

/** Stores a new version, its evidence and its event in one transaction. */
async function storeVersion(s: RegistryScope, p: CheckedVersion, newEvidence: NewEvidence[]): Promise<RegisterResult> {
  return s.db.transaction().execute(async (trx) => {
    const t = now();
    const modelId = await ensureModel(s, trx, p, t);
    const lineage = await resolveLineage(trx, p);
    const versionId = await insertVersionRows(s, trx, modelId, p, lineage, t);
    const evidence = await insertEvidence(trx, versionId, newEvidence, t);
    // The first move, into development, relies on the evidence stored with the push (its scan report).
    const checks: MoveRecord = { approvals: [], evidence: await latestEvidenceRefs(trx, versionId) };
    const reason = forcedOver(p) ? `pushed; semver check forced: ${p.forceReason}` : 'pushed';
    await trx.insertInto('stage_history').values({ version_id: versionId, from_stage: null, to_stage: 'development', actor: s.actor, reason, created_at: t, checks_json: canonicalJson(checks) }).execute();
    await trx.updateTable('models').set({ updated_at: t }).where('id', '=', modelId).execute();
    const files = p.files.map((f) => ({ path: f.path, digest: f.digest, size: f.size }));
    const semver = semverPayload(p);
    await appendEvents(trx, [
      {
        actor: s.actor,
        action: 'version.push',
        subject: `${p.name}@${p.version}`,
        model: p.name,
        payload: { manifest_digest: p.manifest, files, evidence: evidence.map((e) => ({ kind: e.kind, digest: e.digest })), ...(semver ? { semver } : {}) },
      },
    ], t);
    const forced = forcedOver(p) ? { forced: { previous: p.semver!.previous, minimumVersion: p.semver!.judgement.minimumVersion!, reason: p.forceReason! } } : {};
    return { name: p.name, version: p.version, manifestDigest: p.manifest, stage: 'development' as Stage, created: true, ...forced };
  });
}

/**
 * Reads the version's signature from its stored files (or its metadata) and checks that its number states the
 * change from the version it follows: `policy_violation` when it under-states it, unless the push is forced.
 */
async function checkSignature(s: RegistryScope, p: PreparedVersion): Promise<CheckedVersion> {
  const { declaredSignature } = await import('../policy/index.ts');
  const signature = await computeSignature(s.ctx.blobs, p.metadata, p.files, declaredSignature(p.metadata));
  const model = await s.db.selectFrom('models').select('id').where('name', '=', p.name).executeTakeFirst();
  const previous = model ? await previousVersion(s.db, Number(model.id), p.version) : undefined;
  if (!previous) return { ...p, signature };
  const semver = semverCheck(previous, p.version, signature);
  if (!semver.judgement.satisfied && p.forceReason === undefined) throw understatedVersion(p.name, p.version, semver);
  return { ...p, signature, semver };
}

/**
 * The model card the version stores: the text of its MODEL_CARD.md file, so the card shown is the one the policy
 * checked. A client may still send it as `modelCard` (the CLI does) but only as that same text.
 */
async function storedModelCard(model: ModelSource, sent: string | null): Promise<string | null> {
  const { MAX_MODEL_CARD_BYTES, MODEL_CARD_FILE } = await import('../policy/index.ts');
  const card = await model.readText(MODEL_CARD_FILE, MAX_MODEL_CARD_BYTES);
  // Without a readable card the policy refuses the version; the text sent is kept for that refusal's sake only.
  if (card.kind !== 'text') return sent;
  if (sent !== null && sent !== card.text) {
    throw new ModelVaultError('invalid_input', `modelCard differs from the ${MODEL_CARD_FILE} of the version's files`, {
      field: 'modelCard',
      hint: `leave modelCard out: the registry reads the card from ${MODEL_CARD_FILE}`,
    });
  }
  return card.text;
}

/** `policy_violation` naming the first problems in its message and every one in `details.problems`. */
function policyRefusal(ref: string, problems: Problem[]): ModelVaultError {
  const shown = problems.slice(0, 3).map((p) => `${p.file}${p.field === undefined ? '' : ` ${p.field}`}: ${p.message}`);
  const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
  return new ModelVaultError('policy_violation', `${ref} does not pass the registry policy: ${shown.join('; ')}${more}`, {
    reference: ref,
    problems: problems.map((p) => ({ rule: p.rule, file: p.file, ...(p.field === undefined ? {} : { field: p.field }), message: p.message, ...(p.hint === undefined ? {} : { hint: p.hint }) })),
    hint: problems[0]?.hint ?? 'fix the metadata, files or model card as each problem says; `modelvault validate DIR` checks a model directory before a push',
  });
}

/**
 * Holds the version to the policy of the registry's config.yaml, whoever registers it and however (a forced push
 * included: the policy is about what a version is). Checksums and training_hash are compared with the manifest's
 * digests, which the blob store verified when it stored the bytes.
 */
async function checkPolicy(s: RegistryScope, p: PreparedVersion, model: ModelSource): Promise<void> {
  const { validateSource } = await import('../policy/index.ts');
  const ref = `${p.name}@${p.version}`;
  const report = await validateSource(model, ref, policyOptions(s.ctx.config));
  const errors = report.problems.filter((x) => x.severity === 'error');
  if (errors.length > 0) throw policyRefusal(ref, errors);
}

/** Registers a version whose blobs are stored; an identical re-push is a no-op, different content `version_exists`. */
export async function registerVersion(s: RegistryScope, input: RegisterVersionInput): Promise<RegisterResult> {
  const prepared = prepare(input);
  const files = await storedFiles(s.ctx.blobs, prepared.files);
  // The policy module (schema validator, license list) is loaded only by a push.
  const { manifestSource } = await import('../policy/index.ts');
  const model = manifestSource(prepared.metadata, files, s.ctx.blobs);
  const modelCard = await storedModelCard(model, prepared.modelCard);
  const p: PreparedVersion = { ...prepared, files, modelCard, contentKey: contentKey(prepared.metadata, modelCard, prepared.manifest) };
  const before = await existingVersion(s, p);
  if (before) return before;
  await checkPolicy(s, p, model);
  const checked = await checkSignature(s, p);
  const evidence = await hookEvidence(s, checked);
  try {
    return await storeVersion(s, checked, evidence);
  } catch (err) {
    // A concurrent push of the same version won the race: identical content is a no-op, else version_exists.
    if (isUniqueViolation(err)) {
      const after = await existingVersion(s, p);
      if (after) return after;
    }
    throw err;
  }
}
