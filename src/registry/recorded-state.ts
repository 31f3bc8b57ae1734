import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Digest } from '../core/digest.ts';
import { manifestDigest } from '../core/manifest.ts';
import type { Database } from '../storage/db/schema.ts';

/** One way the registry's rows disagree with what the audit log recorded when they were written. */
export interface StateProblem {
  kind: 'version_unlogged' | 'version_altered' | 'evidence_unlogged' | 'evidence_altered';
  /** The row at fault (versions.id or evidence.id). */
  id: number;
  /** The leaf index of the event that recorded it, when there is one. */
  index?: number;
  message: string;
}

/** What `checkRecordedState` compared. */
export interface StateReport {
  versions: number;
  evidence: number;
  problems: StateProblem[];
}

interface PushRecord {
  index: number;
  manifest: string;
  files: Map<string, string>;
}


function fileKey(f: { path: string; digest: string; size: number }): string {
  return `${f.digest} ${f.size}`;
}

/**
 * Compares every version's manifest and files, and every piece of evidence, with the audit log: the `version.push`
 * event that created a version records its manifest digest, its files and its first evidence; each `evidence.add`
 * records the digest of what it added. An edit of `files`, `versions.manifest_digest` or an evidence row in the
 * database file, which the log's own hashes cannot see, shows up here. Rows are read a page at a time.
 */
export async function checkRecordedState(db: Kysely<Database>, options: { maxProblems?: number; pageSize?: number } = {}): Promise<StateReport> {
  const maxProblems = options.maxProblems ?? 1000;
  const PAGE = options.pageSize ?? 1000;
  const problems: StateProblem[] = [];
  const report = (p: StateProblem): void => {
    if (problems.length < maxProblems) problems.push(p);
  };
  // What the log says: per version (`name@version`), its push; per version, the evidence digests it recorded.
  const pushes = new Map<string, PushRecord>();
  const logged = new Map<string, Set<string>>();
  const note = (subject: string, digest: unknown): void => {
    if (typeof digest !== 'string') return;
    let set = logged.get(subject);
    if (!set) logged.set(subject, (set = new Set()));
    set.add(digest);
  };
  for (let after = -1; ; ) {
    const rows = await db
      .selectFrom('events')
      .select(['leaf_index', 'action', 'subject', 'payload_json'])
      .where('action', 'in', ['version.push', 'evidence.add'])
      .where('leaf_index', '>', after)
      .orderBy('leaf_index')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const payload = JSON.parse(r.payload_json) as { manifest_digest?: unknown; files?: { path: string; digest: string; size: number }[]; evidence?: { digest?: unknown }[]; digest?: unknown };
      if (r.action === 'version.push') {
        pushes.set(r.subject, { index: Number(r.leaf_index), manifest: String(payload.manifest_digest), files: new Map((payload.files ?? []).map((f) => [f.path, fileKey(f)])) });
        for (const e of payload.evidence ?? []) note(r.subject, e.digest);
      } else note(r.subject, payload.digest);
    }
    after = Number(rows.at(-1)!.leaf_index);
  }

  let versions = 0;
  const subjects = new Map<number, string>();
  for (let after = 0; ; ) {
    const rows = await db
      .selectFrom('versions')
      .innerJoin('models', 'models.id', 'versions.model_id')
      .select(['versions.id', 'models.name', 'versions.version', 'versions.manifest_digest'])
      .where('versions.id', '>', after)
      .orderBy('versions.id')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    const files = await db.selectFrom('files').select(['version_id', 'path', 'digest', 'size']).where('version_id', 'in', rows.map((r) => Number(r.id))).execute();
    const byVersion = new Map<number, { path: string; digest: Digest; size: number }[]>();
    for (const f of files) {
      const list = byVersion.get(Number(f.version_id)) ?? [];
      // Compared, not trusted: a value that is not a digest simply fails to match the log.
      list.push({ path: f.path, digest: f.digest as Digest, size: Number(f.size) });
      byVersion.set(Number(f.version_id), list);
    }
    for (const r of rows) {
      versions += 1;
      const id = Number(r.id);
      const subject = `${r.name}@${r.version}`;
      subjects.set(id, subject);
      const push = pushes.get(subject);
      if (!push) {
        report({ kind: 'version_unlogged', id, message: `version ${subject} (row id ${id}) has no version.push event in the audit log` });
        continue;
      }
      const rowsOf = byVersion.get(id) ?? [];
      const where = `version ${subject} (row id ${id}, logged at index ${push.index})`;
      if (r.manifest_digest !== push.manifest) {
        report({ kind: 'version_altered', id, index: push.index, message: `${where}: its manifest digest ${r.manifest_digest} is not the logged ${push.manifest}` });
      }
      const recomputed = manifestDigest(rowsOf);
      if (recomputed !== push.manifest) {
        const changed = rowsOf.filter((f) => push.files.get(f.path) !== fileKey(f)).map((f) => f.path);
        const missing = [...push.files.keys()].filter((p) => !rowsOf.some((f) => f.path === p));
        const what = [...changed.map((p) => `${p} differs from the logged digest or size`), ...missing.map((p) => `${p} is gone`)];
        report({ kind: 'version_altered', id, index: push.index, message: `${where}: its files no longer hash to the logged manifest ${push.manifest}${what.length > 0 ? ` (${what.slice(0, 5).join('; ')})` : ''}` });
      }
    }
    after = Number(rows.at(-1)!.id);
  }

  let evidence = 0;
  for (let after = 0; ; ) {
    const rows = await db.selectFrom('evidence').select(['id', 'version_id', 'kind', 'digest', 'body']).where('id', '>', after).orderBy('id').limit(PAGE).execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      evidence += 1;
      const id = Number(r.id);
      const subject = subjects.get(Number(r.version_id)) ?? `version row ${Number(r.version_id)}`;
      const actual = `sha256:${createHash('sha256').update(r.body).digest('hex')}`;
      if (actual !== r.digest) {
        report({ kind: 'evidence_altered', id, message: `${r.kind} evidence of ${subject} (row id ${id}): its body hashes to ${actual}, not its recorded ${r.digest}` });
      } else if (!logged.get(subject)?.has(r.digest)) {
        report({ kind: 'evidence_unlogged', id, message: `${r.kind} evidence of ${subject} (row id ${id}, ${r.digest}) was never recorded in the audit log` });
      }
    }
    after = Number(rows.at(-1)!.id);
  }
  return { versions, evidence, problems };
}
