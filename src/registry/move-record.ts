import type { Digest } from '../core/digest.ts';
import { GATES_EVIDENCE_KIND, SCAN_EVIDENCE_KIND } from '../core/evidence.ts';
import type { Stage } from '../core/names.ts';
import type { Trx } from './queries.ts';
import type { EvidenceRef, MoveRecord, StageChange } from './types.ts';

/** The latest scan report and gate results of a version, by digest: the evidence a move relies on. */
export async function latestEvidenceRefs(trx: Trx, versionId: number): Promise<MoveRecord['evidence']> {
  const rows = await trx
    .selectFrom('evidence')
    .select(['id', 'kind', 'digest', 'created_at'])
    .where('version_id', '=', versionId)
    .where('kind', 'in', [SCAN_EVIDENCE_KIND, GATES_EVIDENCE_KIND])
    .orderBy('id')
    .execute();
  const latest = (kind: string): EvidenceRef | null => {
    const r = rows.filter((e) => e.kind === kind).at(-1);
    return r ? { id: Number(r.id), kind: r.kind, digest: r.digest as Digest, at: r.created_at } : null;
  };
  return { scan: latest(SCAN_EVIDENCE_KIND), gates: latest(GATES_EVIDENCE_KIND) };
}

/** A stored move record; null for rows written before moves kept one. */
export function readMoveRecord(json: string | null): MoveRecord | null {
  return json === null ? null : (JSON.parse(json) as MoveRecord);
}

/** A stage_history row as a stage change: `forced` and `missing` only when an admin forced it. */
export function stageChangeOf(version: string, h: { from_stage: string | null; to_stage: string; actor: string; reason: string | null; created_at: string; forced: number; checks_json: string | null }): StageChange {
  const change: StageChange = { version, from: h.from_stage as Stage | null, to: h.to_stage as Stage, actor: h.actor, reason: h.reason, at: h.created_at };
  if (Number(h.forced) === 1) {
    change.forced = true;
    change.missing = readMoveRecord(h.checks_json)?.missing ?? [];
  }
  return change;
}
