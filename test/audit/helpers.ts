import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { AppContext } from '../../src/app.ts';
import { parseVerifierKey, type AuditProblem, type AuditReport, type Ed25519NoteVerifier } from '../../src/audit/index.ts';
import { storeModelCard } from '../helpers/registration.ts';
import { storeBlobs } from '../helpers/registry-home.ts';

/** Metadata with every required field. */
export function meta(name: string, version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, version, license: 'MIT', source: { repo: 'https://example.com/r.git', commit: 'b'.repeat(40) }, dataset_manifest: 'd.yaml', training_hash: 'c'.repeat(40), artifacts: ['w.bin'], ...extra };
}

/** Pushes `name@version` with one weights file and its model card. */
export async function push(app: AppContext, name: string, version: string, actor = 'alice'): Promise<void> {
  await app.registry(actor).registerVersion({ metadata: meta(name, version), files: [...(await storeBlobs(app, { 'w.bin': `${name}-${version}` })), await storeModelCard(app.blobs)] });
}

/** The log's verifier, as published in `<home>/keys/log.pub`. */
export function publishedVerifier(home: string): Ed25519NoteVerifier {
  return parseVerifierKey(readFileSync(join(home, 'keys', 'log.pub'), 'utf8').trim());
}

/** Removes the append-only trigger of `table`, as someone with write access to the database could. */
export async function dropAppendOnly(app: AppContext, table: 'events' | 'checkpoints' | 'anchors' | 'log_nodes'): Promise<void> {
  const db = app.metadata.db;
  if (app.metadata.dialect === 'sqlite') {
    await sql.raw(`DROP TRIGGER ${table}_no_update`).execute(db);
    await sql.raw(`DROP TRIGGER ${table}_no_delete`).execute(db);
  } else {
    await sql.raw(`DROP TRIGGER ${table}_append_only ON ${table}`).execute(db);
  }
}

/** Event rows in id order. */
export async function eventRows(app: AppContext): Promise<{ id: number; leaf_index: number; action: string; subject: string; time: string; actor: string; model: string | null; payload_json: string }[]> {
  const rows = await app.metadata.db.selectFrom('events').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), leaf_index: Number(r.leaf_index) }));
}

/** The problems of a failed report, which must be exactly of `kinds` (in any order). */
export function only(report: AuditReport, kinds: string[]): AuditProblem[] {
  assert.equal(report.ok, false);
  assert.deepEqual(report.problems.map((p) => p.kind).sort(), [...kinds].sort(), JSON.stringify(report.problems, null, 2));
  return report.problems;
}
