import { ModelVaultError } from '../core/errors.ts';
import { assertAlias, assertTag } from '../core/names.ts';
import { assertVersion } from '../core/version.ts';
import type { RegistryScope } from './context.ts';
import { appendEvents } from './events.ts';
import { modelRow, now, resolveRow, type Trx } from './queries.ts';
import type { Target } from './types.ts';

/** Points an alias of a model at one of its versions. */
export async function setAlias(s: RegistryScope, name: string, alias: string, version: string): Promise<void> {
  assertAlias(alias);
  await s.db.transaction().execute(async (trx) => {
    const { model, row } = await resolveRow(trx, `${name}@${assertVersion(version)}`);
    const t = now();
    const prev = await trx.selectFrom('aliases').innerJoin('versions', 'versions.id', 'aliases.version_id').select('versions.version').where('aliases.model_id', '=', model.id).where('aliases.alias', '=', alias).executeTakeFirst();
    await trx
      .insertInto('aliases')
      .values({ model_id: model.id, alias, version_id: Number(row.id), updated_at: t })
      .onConflict((oc) => oc.columns(['model_id', 'alias']).doUpdateSet({ version_id: Number(row.id), updated_at: t }))
      .execute();
    await appendEvents(trx, [{ actor: s.actor, action: 'alias.set', subject: `${model.name}@${alias}`, model: model.name, payload: { alias, version: row.version, previous: prev?.version ?? null, manifest_digest: row.manifest_digest } }], t);
  });
}

/** Deletes an alias of a model; `not_found` when it has none of that name. */
export async function removeAlias(s: RegistryScope, name: string, alias: string): Promise<void> {
  assertAlias(alias);
  await s.db.transaction().execute(async (trx) => {
    const model = await modelRow(trx, name);
    const res = await trx.deleteFrom('aliases').where('model_id', '=', Number(model.id)).where('alias', '=', alias).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new ModelVaultError('not_found', `model ${name} has no alias ${alias}`, { model: name, alias });
    await appendEvents(trx, [{ actor: s.actor, action: 'alias.rm', subject: `${name}@${alias}`, model: name, payload: { alias } }]);
  });
}

/** The rows a tag or description target names: the model, and the version when one is given. */
async function targetIds(trx: Trx, target: Target): Promise<{ modelId: number; versionId: number | null; subject: string; model: string }> {
  if (target.version !== undefined) {
    const { model, row } = await resolveRow(trx, `${target.name}@${target.version}`);
    return { modelId: model.id, versionId: Number(row.id), subject: `${model.name}@${row.version}`, model: model.name };
  }
  const m = await modelRow(trx, target.name);
  return { modelId: Number(m.id), versionId: null, subject: m.name, model: m.name };
}

/** Sets tags on a model or a version, replacing values of the same keys. */
export async function setTags(s: RegistryScope, target: Target, tags: Record<string, string>): Promise<void> {
  const entries = Object.entries(tags);
  if (entries.length === 0) throw new ModelVaultError('usage', 'no tags given', { hint: 'pass tags as KEY=VALUE' });
  for (const [k, v] of entries) assertTag(k, v);
  await s.db.transaction().execute(async (trx) => {
    const ids = await targetIds(trx, target);
    for (const [key, value] of entries) {
      let del = trx.deleteFrom('tags').where('model_id', '=', ids.modelId).where('key', '=', key);
      del = ids.versionId === null ? del.where('version_id', 'is', null) : del.where('version_id', '=', ids.versionId);
      await del.execute();
      await trx.insertInto('tags').values({ model_id: ids.modelId, version_id: ids.versionId, key, value }).execute();
    }
    await appendEvents(trx, [{ actor: s.actor, action: 'tag.set', subject: ids.subject, model: ids.model, payload: { tags } }]);
  });
}

/** Deletes tags by key from a model or a version; `not_found` when none of them was set. */
export async function removeTags(s: RegistryScope, target: Target, keys: string[]): Promise<void> {
  if (keys.length === 0) throw new ModelVaultError('usage', 'no tag keys given', {});
  await s.db.transaction().execute(async (trx) => {
    const ids = await targetIds(trx, target);
    let del = trx.deleteFrom('tags').where('model_id', '=', ids.modelId).where('key', 'in', keys);
    del = ids.versionId === null ? del.where('version_id', 'is', null) : del.where('version_id', '=', ids.versionId);
    const res = await del.executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new ModelVaultError('not_found', `${ids.subject} has none of the tags ${keys.join(', ')}`, { subject: ids.subject });
    await appendEvents(trx, [{ actor: s.actor, action: 'tag.rm', subject: ids.subject, model: ids.model, payload: { keys } }]);
  });
}

/** Replaces the description of a model or a version. */
export async function setDescription(s: RegistryScope, target: Target, description: string): Promise<void> {
  if (typeof description !== 'string' || description.length > 10_000) throw new ModelVaultError('invalid_input', 'description must be text of at most 10,000 characters', { field: 'description' });
  await s.db.transaction().execute(async (trx) => {
    const ids = await targetIds(trx, target);
    const t = now();
    if (ids.versionId === null) await trx.updateTable('models').set({ description, updated_at: t }).where('id', '=', ids.modelId).execute();
    else await trx.updateTable('versions').set({ description, updated_at: t }).where('id', '=', ids.versionId).execute();
    await appendEvents(trx, [{ actor: s.actor, action: 'description.set', subject: ids.subject, model: ids.model, payload: { description } }], t);
  });
}
