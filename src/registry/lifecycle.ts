import type { Transaction } from 'kysely';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { assertTransition } from '../core/lifecycle.ts';
import { assertStage, type Stage } from '../core/names.ts';
import type { Database } from '../storage/db/schema.ts';
import type { RegistryScope } from './context.ts';
import { appendEvents, type NewEvent } from './events.ts';
import { evidenceOf, filesOf, modelRow, now, resolveRow, withConflictRetry, type Trx, type VersionRow } from './queries.ts';
import type { StageChange, StageResult } from './types.ts';

/** Moves one version to `to`, records the history row, and queues its event. */
async function transition(s: RegistryScope, trx: Transaction<Database>, modelName: string, row: VersionRow, to: Stage, reason: string | null, t: string, events: NewEvent[]): Promise<void> {
  await trx.updateTable('versions').set({ stage: to, updated_at: t }).where('id', '=', Number(row.id)).execute();
  await trx.insertInto('stage_history').values({ version_id: Number(row.id), from_stage: row.stage, to_stage: to, actor: s.actor, reason, created_at: t }).execute();
  events.push({ actor: s.actor, action: 'version.stage', subject: `${modelName}@${row.version}`, model: modelName, payload: { from: row.stage, to, reason, manifest_digest: row.manifest_digest } });
}

/** Runs every capability's gate on a transition; any of them may refuse it. */
async function runStageGates(s: RegistryScope, trx: Trx, modelName: string, row: VersionRow, to: Stage, rollback: boolean): Promise<void> {
  const hooks = (s.ctx.hooks ?? []).filter((h) => h.beforeStage);
  if (hooks.length === 0) return;
  const id = Number(row.id);
  const [files, evidence] = await Promise.all([filesOf(trx, id), evidenceOf(trx, id)]);
  const pending = { name: modelName, version: row.version, from: row.stage as Stage, to, manifestDigest: row.manifest_digest as Digest, files, evidence, rollback, db: trx };
  for (const h of hooks) await h.beforeStage!(pending);
}

/** Moves a version to a stage through its gates; entering production demotes the current holder. */
export async function setStage(s: RegistryScope, ref: string, stage: Stage, reason?: string): Promise<StageResult> {
  const to = assertStage(stage);
  return withConflictRetry(() =>
    s.db.transaction().execute(async (trx) => {
      const { model, row } = await resolveRow(trx, ref);
      const from = row.stage as Stage;
      assertTransition(`${model.name}@${row.version}`, from, to);
      await runStageGates(s, trx, model.name, row, to, false);
      const t = now();
      const events: NewEvent[] = [];
      let displaced: StageResult['displaced'];
      if (to === 'production') {
        const current = (await trx.selectFrom('versions').selectAll().where('model_id', '=', model.id).where('stage', '=', 'production').executeTakeFirst()) as VersionRow | undefined;
        if (current) {
          const demoteTo = s.ctx.config.lifecycle.demoteProductionTo;
          await transition(s, trx, model.name, current, demoteTo, `replaced by ${row.version}`, t, events);
          displaced = { version: current.version, to: demoteTo };
        }
      }
      await transition(s, trx, model.name, row, to, reason ?? null, t, events);
      await appendEvents(trx, events, t);
      return { name: model.name, version: row.version, from, to, ...(displaced ? { displaced } : {}) };
    }),
  );
}

/** Puts the previous holder of a stage back through its gates, demoting the current one. */
export async function rollback(s: RegistryScope, name: string, stage: Stage = 'production', reason?: string): Promise<StageResult> {
  const target = assertStage(stage);
  if (target === 'archived' || target === 'development') {
    throw new ModelVaultError('usage', `rollback works on validation, staging or production, not ${target}`, { stage: target });
  }
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
      await runStageGates(s, trx, model.name, previous, target, true);
      const t = now();
      const events: NewEvent[] = [];
      const why = reason ?? `rollback from ${current?.version ?? 'none'}`;
      let displaced: StageResult['displaced'];
      if (current) {
        const demoteTo = target === 'production' ? s.ctx.config.lifecycle.demoteProductionTo : 'archived';
        await transition(s, trx, model.name, current, demoteTo, why, t, events);
        displaced = { version: current.version, to: demoteTo };
      }
      await transition(s, trx, model.name, previous, target, why, t, events);
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
    .select(['versions.version', 'stage_history.from_stage', 'stage_history.to_stage', 'stage_history.actor', 'stage_history.reason', 'stage_history.created_at'])
    .where('versions.model_id', '=', Number(model.id))
    .orderBy('stage_history.id')
    .execute();
  return rows.map((r) => ({ version: r.version, from: r.from_stage as Stage | null, to: r.to_stage as Stage, actor: r.actor, reason: r.reason, at: r.created_at }));
}
