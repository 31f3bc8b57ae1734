import type { Kysely } from 'kysely';
import type { AuditReport } from '../audit/index.ts';
import { mapLimit } from '../core/concurrency.ts';
import { digestHex, type Digest } from '../core/digest.ts';
import { TRANSITIONS } from '../core/lifecycle.ts';
import { DEFAULT_TEMP_GRACE_MS, DEFAULT_UPLOAD_EXPIRY_MS, type BlobStore } from '../storage/blob-store.ts';
import type { Database } from '../storage/db/schema.ts';
import { references } from './references.ts';

/** What `fsck` found wrong. */
export type FsckProblemKind =
  | 'blob_corrupt'
  | 'blob_missing'
  | 'blob_size'
  | 'production_twice'
  | 'alias_dangling'
  | 'stage_unknown'
  | 'stage_history'
  | 'audit'
  | 'orphan_blob'
  | 'temp_file'
  | 'upload_expired';

/** One problem: what, which blob, version or file, and whether `--repair` fixed it. */
export interface FsckProblem {
  kind: FsckProblemKind;
  /** The blob digest, version reference, alias or file at fault. */
  subject: string;
  message: string;
  repaired: boolean;
}

/** A blob that nothing references. Young ones may belong to a push in progress and are no problem. */
export interface FsckOrphan {
  digest: Digest;
  size: number;
  ageMs: number;
  removed: boolean;
}

/** The result of one `fsck` run. */
export interface FsckReport {
  ok: boolean;
  checked: { blobs: number; bytes: number; references: number; versions: number; aliases: number; events: number };
  problems: FsckProblem[];
  orphans: FsckOrphan[];
}

/** What `fsck` works on. */
export interface FsckDeps {
  db: Kysely<Database>;
  blobs: BlobStore;
  /** The audit log's own check (`audit verify`). */
  verifyLog(): Promise<AuditReport>;
  /** Another blob store (a second home, a backup) to copy verified blobs from when repairing. */
  from?: BlobStore;
}

/** How `fsck` runs. */
export interface FsckOptions {
  repair?: boolean;
  /** Orphans and temp files younger than this are left alone; default one hour. */
  graceMs?: number;
  /** Upload sessions idle for longer than this have expired; default 24 hours. */
  uploadExpiryMs?: number;
  /** Blobs hashed at once. */
  concurrency?: number;
  /** Bytes of blobs verified so far, out of `total`. */
  onProgress?(done: number, total: number): void;
}

const PAGE = 1000;

/** True when some row references `digest` now: checked again just before an orphan is removed. */
async function referencedNow(db: Kysely<Database>, digest: Digest): Promise<boolean> {
  const file = await db.selectFrom('files').select('digest').where('digest', '=', digest).limit(1).executeTakeFirst();
  const blob = await db.selectFrom('blobs').select('digest').where('digest', '=', digest).limit(1).executeTakeFirst();
  const evidence = await db.selectFrom('evidence').select('id').where('body', 'like', `%${digestHex(digest)}%`).limit(1).executeTakeFirst();
  return file !== undefined || blob !== undefined || evidence !== undefined;
}

/** Stage and alias invariants: one production version per model, aliases to versions of their model, stages matching their history. */
async function lifecycleProblems(db: Kysely<Database>, problem: (p: Omit<FsckProblem, 'repaired'>) => void): Promise<{ versions: number; aliases: number }> {
  const stages = new Set(Object.keys(TRANSITIONS));
  const production = new Map<string, string[]>();
  let versions = 0;
  for (let after = 0; ; ) {
    const rows = await db.selectFrom('versions').innerJoin('models', 'models.id', 'versions.model_id').select(['versions.id', 'models.name', 'versions.version', 'versions.stage']).where('versions.id', '>', after).orderBy('versions.id').limit(PAGE).execute();
    if (rows.length === 0) break;
    const ids = rows.map((r) => Number(r.id));
    // The newest history row of each version of the page.
    const history = await db.selectFrom('stage_history').select(['version_id', 'to_stage', 'id']).where('version_id', 'in', ids).orderBy('id').execute();
    const last = new Map(history.map((h) => [Number(h.version_id), h.to_stage]));
    for (const r of rows) {
      versions += 1;
      const ref = `${r.name}@${r.version}`;
      if (!stages.has(r.stage)) problem({ kind: 'stage_unknown', subject: ref, message: `version ${ref} is in stage ${JSON.stringify(r.stage)}, which is not a stage (${[...stages].join(', ')})` });
      if (r.stage === 'production') production.set(r.name, [...(production.get(r.name) ?? []), r.version]);
      const recorded = last.get(Number(r.id));
      if (recorded === undefined) problem({ kind: 'stage_history', subject: ref, message: `version ${ref} has no stage history` });
      else if (recorded !== r.stage) problem({ kind: 'stage_history', subject: ref, message: `version ${ref} is in stage ${r.stage}, but its last stage history row moved it to ${recorded}` });
    }
    after = Number(rows.at(-1)!.id);
  }
  for (const [model, list] of production) {
    if (list.length > 1) problem({ kind: 'production_twice', subject: model, message: `model ${model} has ${list.length} production versions (${list.join(', ')}); a model has at most one` });
  }
  const aliases = await db
    .selectFrom('aliases')
    .innerJoin('models', 'models.id', 'aliases.model_id')
    .leftJoin('versions', 'versions.id', 'aliases.version_id')
    .select(['models.name', 'aliases.alias', 'aliases.model_id', 'aliases.version_id', 'versions.model_id as version_model', 'versions.version'])
    .execute();
  const owners = new Map<number, string>();
  for (const a of aliases) {
    const subject = `${a.name}@${a.alias}`;
    if (a.version_model === null) {
      problem({ kind: 'alias_dangling', subject, message: `alias ${subject} points at version row ${Number(a.version_id)}, which does not exist` });
    } else if (Number(a.version_model) !== Number(a.model_id)) {
      problem({ kind: 'alias_dangling', subject, message: `alias ${subject} points at ${await modelOf(db, owners, Number(a.version_model))}@${a.version}, a version of another model` });
    }
  }
  return { versions, aliases: aliases.length };
}

async function modelOf(db: Kysely<Database>, cache: Map<number, string>, id: number): Promise<string> {
  let name = cache.get(id);
  if (name === undefined) {
    name = (await db.selectFrom('models').select('name').where('id', '=', id).executeTakeFirst())?.name ?? `model row ${id}`;
    cache.set(id, name);
  }
  return name;
}

/** Copies `digest` from the other store, verified by its digest and size while it is written; false when it has no good copy. */
async function restoreBlob(blobs: BlobStore, from: BlobStore | undefined, digest: Digest, size: number | undefined): Promise<boolean> {
  if (!from || (await from.stat(digest)) === undefined) return false;
  try {
    await blobs.put(await from.open(digest), size === undefined ? { digest } : { digest, size });
  } catch {
    return false;
  }
  return blobs.verify(digest);
}

/**
 * Checks a registry home as a whole: every stored blob against its digest, every reference to a blob, the
 * lifecycle invariants, the audit log, orphan blobs and leftovers. With `repair` it removes old orphans and
 * leftovers and replaces missing or corrupt blobs from `deps.from`; what it cannot fix stays a problem.
 */
export async function fsck(deps: FsckDeps, options: FsckOptions = {}): Promise<FsckReport> {
  const { db, blobs } = deps;
  const repair = options.repair === true;
  const graceMs = options.graceMs ?? DEFAULT_TEMP_GRACE_MS;
  const now = Date.now();
  const problems: FsckProblem[] = [];
  const problem = (p: Omit<FsckProblem, 'repaired'>, repaired = false): void => {
    problems.push({ ...p, repaired });
  };
  const from = (): string => (deps.from ? ' and the --from store has no intact copy' : '; repair it with --repair --from HOME (another registry home or a backup holding the blob)');

  const refs = await references(db, problem);
  const stored: { digest: Digest; size: number }[] = [];
  for await (const digest of blobs.list()) {
    const s = await blobs.stat(digest);
    if (s) stored.push({ digest, size: s.size });
  }
  const total = stored.reduce((n, b) => n + b.size, 0);
  let done = 0;
  options.onProgress?.(0, total);
  const corrupt = new Set<Digest>();
  await mapLimit(stored, options.concurrency ?? 4, async (b) => {
    if (!(await blobs.verify(b.digest))) corrupt.add(b.digest);
    done += b.size;
    options.onProgress?.(done, total);
  });
  const storedSize = new Map(stored.map((b) => [b.digest, b.size]));

  for (const [digest, ref] of refs) {
    const size = storedSize.get(digest);
    const who = ref.by.join(', ');
    if (size === undefined) {
      if (!ref.required) continue;
      const fixed = repair && (await restoreBlob(blobs, deps.from, digest, ref.size));
      problem({ kind: 'blob_missing', subject: digest, message: `blob ${digest} is not stored; ${who} reference${ref.by.length === 1 ? 's' : ''} it${fixed ? ' (copied from the --from store)' : from()}` }, fixed);
    } else if (corrupt.has(digest) || (ref.size !== undefined && ref.size !== size)) {
      const fixed = repair && (await restoreBlob(blobs, deps.from, digest, ref.size));
      const what = corrupt.has(digest) ? 'its bytes no longer hash to its digest' : `it holds ${size} bytes, ${ref.by[0]} says ${ref.size}`;
      problem({ kind: corrupt.has(digest) ? 'blob_corrupt' : 'blob_size', subject: digest, message: `blob ${digest} is corrupt: ${what} (referenced by ${who})${fixed ? '; replaced by the verified copy from the --from store' : from()}` }, fixed);
    }
  }

  const lifecycle = await lifecycleProblems(db, problem);

  const audit = await deps.verifyLog();
  for (const p of audit.problems) problem({ kind: 'audit', subject: p.kind, message: `audit log: ${p.message}` });

  const orphans: FsckOrphan[] = [];
  for (const b of stored) {
    if (refs.has(b.digest)) continue;
    const ageMs = now - ((await blobs.modifiedAt?.(b.digest)) ?? now);
    const old = ageMs >= graceMs;
    let removed = false;
    if (repair && old && !(await referencedNow(db, b.digest))) {
      await blobs.delete(b.digest);
      removed = true;
    }
    orphans.push({ digest: b.digest, size: b.size, ageMs, removed });
    if (old) problem({ kind: 'orphan_blob', subject: b.digest, message: `blob ${b.digest} (${b.size} bytes) is referenced by no version or evidence${removed ? '; removed' : '; --repair removes it'}` }, removed);
    else if (corrupt.has(b.digest)) problem({ kind: 'blob_corrupt', subject: b.digest, message: `blob ${b.digest} is corrupt and referenced by nothing (yet); a push in progress will fail on it` });
  }

  const expiryMs = options.uploadExpiryMs ?? DEFAULT_UPLOAD_EXPIRY_MS;
  const stale = (await blobs.leftovers?.() ?? []).filter((l) => now - l.modifiedMs >= (l.kind === 'temp_file' ? graceMs : expiryMs));
  if (repair && stale.length > 0) await blobs.sweep?.({ tempGraceMs: graceMs, uploadExpiryMs: expiryMs });
  const remaining = new Set(repair ? (await blobs.leftovers?.() ?? []).map((l) => `${l.kind}:${l.name}`) : []);
  for (const l of stale) {
    const removed = repair && !remaining.has(`${l.kind}:${l.name}`);
    const age = `${Math.round((now - l.modifiedMs) / 60_000)} min`;
    if (l.kind === 'temp_file') problem({ kind: 'temp_file', subject: `tmp/${l.name}`, message: `temp file tmp/${l.name} (${l.size} bytes) of a write that stopped ${age} ago${removed ? '; removed' : '; --repair removes it'}` }, removed);
    else problem({ kind: 'upload_expired', subject: `uploads/${l.name}`, message: `upload session ${l.name} (${l.size} bytes) has been idle for ${age}${removed ? '; removed' : '; --repair removes it'}` }, removed);
  }

  return {
    ok: problems.every((p) => p.repaired),
    checked: { blobs: stored.length, bytes: total, references: refs.size, versions: lifecycle.versions, aliases: lifecycle.aliases, events: audit.size },
    problems,
    orphans,
  };
}
