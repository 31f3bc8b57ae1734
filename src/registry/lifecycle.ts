import type { Transaction } from 'kysely';
import { canonicalJson } from '../core/canonical-json.ts';
import { ModelVaultError } from '../core/errors.ts';
import { parseInstant } from '../core/instant.ts';
import { assertTransition } from '../core/lifecycle.ts';
import { assertStage, STAGES, type Stage } from '../core/names.ts';
import type { Database } from '../storage/db/schema.ts';
import type { RegistryScope } from './context.ts';
import { appendEvents, type NewEvent } from './events.ts';
import { latestEvidenceRefs, readMoveRecord, stageChangeOf } from './move-record.ts';
import { modelRow, now, resolveRow, withConflictRetry, type VersionRow } from './queries.ts';
import { assertForceReason, checkMove } from './stage-checks.ts';
import type { MoveRecord, StageChange, StageHolder, StageOptions, StageResult, StagesAt } from './types.ts';

/** What a transition records besides the move itself. */
interface MoveDetails {
  /** What the move relied on (approvals, evidence digests, what a forced move skipped). */
  record: MoveRecord;
  forced: boolean;
}

/** Moves one version to `to`, records the history row, and queues its event. */
async function transition(s: RegistryScope, trx: Transaction<Database>, modelName: string, row: VersionRow, to: Stage, reason: string | null, t: string, events: NewEvent[], move: MoveDetails): Promise<void> {
  const { record, forced } = move;
  await trx.updateTable('versions').set({ stage: to, updated_at: t }).where('id', '=', Number(row.id)).execute();
  await trx
    .insertInto('stage_history')
    .values({ version_id: Number(row.id), from_stage: row.stage, to_stage: to, actor: s.actor, reason, created_at: t, forced: forced ? 1 : 0, checks_json: canonicalJson(record) })
    .execute();
  events.push({
    actor: s.actor,
    action: 'version.stage',
    subject: `${modelName}@${row.version}`,
    model: modelName,
    payload: {
      from: row.stage,
      to,
      reason,
      manifest_digest: row.manifest_digest,
      approvals: record.approvals.map((a) => ({ actor: a.actor, at: a.at })),
      evidence: { scan: record.evidence.scan?.digest ?? null, gates: record.evidence.gates?.digest ?? null },
      ...(forced ? { forced: true, missing: record.missing ?? [] } : {}),
    },
  });
}

/** Moves the current holder of a stage out of it to make room; it passes no checks (leaving is always allowed). */
async function displace(s: RegistryScope, trx: Transaction<Database>, modelName: string, current: VersionRow, to: Stage, reason: string, t: string, events: NewEvent[]): Promise<StageResult['displaced']> {
  const record: MoveRecord = { approvals: [], evidence: await latestEvidenceRefs(trx, Number(current.id)) };
  await transition(s, trx, modelName, current, to, reason, t, events, { record, forced: false });
  return { version: current.version, to };
}

/**
 * Moves a version to a stage through its checks (approvals, scan, signature, gates, …), refusing with one error
 * that lists every one missing unless an admin forces it with a reason; entering production demotes the current holder.
 */
export async function setStage(s: RegistryScope, ref: string, stage: Stage, reason?: string, options: StageOptions = {}): Promise<StageResult> {
  const to = assertStage(stage);
  assertForceReason(ref, to, reason, options);
  return withConflictRetry(() =>
    s.db.transaction().execute(async (trx) => {
      const { model, row } = await resolveRow(trx, ref);
      const from = row.stage as Stage;
      assertTransition(`${model.name}@${row.version}`, from, to);
      const record = await checkMove(s, trx, model.name, row, to, false, options);
      const t = now();
      const events: NewEvent[] = [];
      let displaced: StageResult['displaced'];
      if (to === 'production') {
        const current = (await trx.selectFrom('versions').selectAll().where('model_id', '=', model.id).where('stage', '=', 'production').executeTakeFirst()) as VersionRow | undefined;
        if (current) displaced = await displace(s, trx, model.name, current, s.ctx.config.lifecycle.demoteProductionTo, `replaced by ${row.version}`, t, events);
      }
      await transition(s, trx, model.name, row, to, reason ?? null, t, events, { record, forced: options.force === true });
      await appendEvents(trx, events, t);
      return { name: model.name, version: row.version, from, to, ...(displaced ? { displaced } : {}) };
    }),
  );
}

/** Puts the previous holder of a stage back through its checks (forced like setStage), demoting the current one. */
export async function rollback(s: RegistryScope, name: string, stage: Stage = 'production', reason?: string, options: StageOptions = {}): Promise<StageResult> {
  const target = assertStage(stage);
  if (target === 'archived' || target === 'development') {
    throw new ModelVaultError('usage', `rollback works on validation, staging or production, not ${target}`, { stage: target });
  }
  assertForceReason(`${name}@${target}`, target, reason, options);
  return withConflictRetry(() =>
    s.db.transaction().execute(async (trx) => {
      const model = await modelRow(trx, name);
      const modelId = Number(model.id);
      const current = (await trx.selectFrom('versions').selectAll().where('model_id', '=', modelId).where('stage', '=', target).orderBy('updated_at', 'desc').executeTakeFirst()) as VersionRow | undefined;
      // The previous holder: the most recent version that entered this stage and is not the current one.
      const previous = (await trx
        .selectFrom('stage_history')
        .innerJoin('versions', 'versions.id', 'stage_history.version_id')
        .selectAll('versions')
        .where('versions.model_id', '=', modelId)
        .where('stage_history.to_stage', '=', target)
        .$if(current !== undefined, (q) => q.where('versions.id', '!=', Number(current!.id)))
        .orderBy('stage_history.id', 'desc')
        .limit(1)
        .executeTakeFirst()) as VersionRow | undefined;
      if (!previous) {
        throw new ModelVaultError('not_found', `model ${name} has no previous ${target} version to roll back to`, { model: name, hint: `see \`modelvault versions list ${name}\`` });
      }
      const record = await checkMove(s, trx, model.name, previous, target, true, options);
      const t = now();
      const events: NewEvent[] = [];
      const why = reason ?? `rollback from ${current?.version ?? 'none'}`;
      let displaced: StageResult['displaced'];
      if (current) displaced = await displace(s, trx, model.name, current, target === 'production' ? s.ctx.config.lifecycle.demoteProductionTo : 'archived', why, t, events);
      await transition(s, trx, model.name, previous, target, why, t, events, { record, forced: options.force === true });
      events.push({ actor: s.actor, action: 'version.rollback', subject: `${model.name}@${previous.version}`, model: model.name, payload: { stage: target, from_version: current?.version ?? null, to_version: previous.version, reason: why } });
      await appendEvents(trx, events, t);
      return { name: model.name, version: previous.version, from: previous.stage as Stage, to: target, ...(displaced ? { displaced } : {}) };
    }),
  );
}

/** Every stage transition of a model's versions, oldest first. */
export async function stageHistory(s: RegistryScope, name: string): Promise<StageChange[]> {
  const model = await modelRow(s.db, name);
  const rows = await s.db
    .selectFrom('stage_history')
    .innerJoin('versions', 'versions.id', 'stage_history.version_id')
    .select(['versions.version', 'stage_history.from_stage', 'stage_history.to_stage', 'stage_history.actor', 'stage_history.reason', 'stage_history.created_at', 'stage_history.forced', 'stage_history.checks_json'])
    .where('versions.model_id', '=', Number(model.id))
    .orderBy('stage_history.id')
    .execute();
  return rows.map((r) => stageChangeOf(r.version, r));
}

/** Which version held each stage of a model at `atText`, with who moved it there, when, and what the move relied on. */
export async function stagesAt(s: RegistryScope, name: string, atText: string): Promise<StagesAt> {
  const at = parseInstant(atText, new Date(), 'at');
  const model = await modelRow(s.db, name);
  const rows = await s.db
    .selectFrom('stage_history')
    .innerJoin('versions', 'versions.id', 'stage_history.version_id')
    .select(['versions.version', 'stage_history.version_id', 'stage_history.to_stage', 'stage_history.actor', 'stage_history.reason', 'stage_history.created_at', 'stage_history.forced', 'stage_history.checks_json'])
    .where('versions.model_id', '=', Number(model.id))
    .where('stage_history.created_at', '<=', at)
    .orderBy('stage_history.id')
    .execute();
  // Each version's last move up to that time says where it was.
  const last = new Map<number, (typeof rows)[number]>();
  for (const r of rows) last.set(Number(r.version_id), r);
  const holders: StageHolder[] = [...last.values()].map((r) => ({
    stage: r.to_stage as Stage,
    version: r.version,
    since: r.created_at,
    by: r.actor,
    reason: r.reason,
    forced: Number(r.forced) === 1,
    record: readMoveRecord(r.checks_json),
  }));
  holders.sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage) || (a.since < b.since ? 1 : a.since > b.since ? -1 : 0));
  return { name: model.name, at, holders };
}
