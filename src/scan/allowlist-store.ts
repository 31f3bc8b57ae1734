import type { Kysely } from 'kysely';
import { appendAuditEvents } from '../audit/index.ts';
import { ModelVaultError } from '../core/errors.ts';
import type { Static } from '../core/schema.ts';
import type { Database } from '../storage/db/schema.ts';
import { defaultPolicy, extendAllowlist, type ScanPolicy } from './policy.ts';
import type { AllowlistEntry as AllowlistEntrySchema } from './schemas.ts';

/** A reviewed global this registry allows on top of the built-in allowlist. */
export type AllowlistEntry = Static<typeof AllowlistEntrySchema>;

/** The scan policy of a registry: the built-in lists plus its reviewed extensions. */
export interface RegistryScanPolicy {
  policy: ScanPolicy;
  /** Extension names in force. */
  extensions: string[];
  /** Stored extensions the built-in lists now refuse (e.g. a global later found dangerous). */
  ignored: { name: string; why: string }[];
}

const subject = (name: string): string => `scan/allowlist/${name}`;

/** The registry's allowlist extensions, by name. */
export async function readAllowlist(db: Kysely<Database>): Promise<AllowlistEntry[]> {
  const rows = await db.selectFrom('scan_allowlist').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, reason: r.reason, reviewer: r.reviewer, createdAt: r.created_at }));
}

/** Builds the policy from the built-in lists and `entries`; an entry the dangerous list refuses is ignored, never trusted. */
export function policyWith(entries: readonly AllowlistEntry[]): RegistryScanPolicy {
  let policy = defaultPolicy;
  const extensions: string[] = [];
  const ignored: { name: string; why: string }[] = [];
  for (const e of entries) {
    try {
      policy = extendAllowlist({ [e.name]: { reason: e.reason } }, e.reviewer, policy);
      extensions.push(e.name);
    } catch (err) {
      if (!(err instanceof ModelVaultError)) throw err;
      ignored.push({ name: e.name, why: err.message });
    }
  }
  return { policy, extensions, ignored };
}

/** The policy in force for `db`'s registry. */
export async function registryScanPolicy(db: Kysely<Database>): Promise<RegistryScanPolicy> {
  return policyWith(await readAllowlist(db));
}

function assertReviewer(actor: string): void {
  // The reviewer is the audit trail of an allowlist change; an unnamed one reviews nothing.
  if (!actor || actor === 'anonymous' || actor === 'unknown') {
    throw new ModelVaultError('forbidden', 'allowlist changes need a named reviewer', { hint: 'set MODELVAULT_ACTOR (or send X-ModelVault-Actor) to the reviewer\'s name' });
  }
}

/** Allows `name` after review, refusing known-dangerous globals; logs `scan.allowlist.add` with the reviewer and reason. */
export async function addAllowlistEntry(db: Kysely<Database>, actor: string, name: string, reason: string): Promise<AllowlistEntry> {
  assertReviewer(actor);
  const text = reason.trim();
  // extendAllowlist owns the rules: dotted module.name, a reason, and never a dangerous global.
  extendAllowlist({ [name]: { reason: text } }, actor);
  if (defaultPolicy.allow.has(name)) {
    throw new ModelVaultError('invalid_input', `${name} is already on the built-in allowlist`, { field: name, hint: 'nothing to add' });
  }
  const entry: AllowlistEntry = { name, reason: text, reviewer: actor, createdAt: new Date().toISOString() };
  await db.transaction().execute(async (trx) => {
    const previous = await trx.selectFrom('scan_allowlist').selectAll().where('name', '=', name).executeTakeFirst();
    if (previous) await trx.deleteFrom('scan_allowlist').where('name', '=', name).execute();
    await trx.insertInto('scan_allowlist').values({ name, reason: text, reviewer: actor, created_at: entry.createdAt }).execute();
    await appendAuditEvents(trx, [{
      actor,
      action: 'scan.allowlist.add',
      subject: subject(name),
      payload: { name, reason: text, reviewer: actor, ...(previous ? { replaced: { reason: previous.reason, reviewer: previous.reviewer } } : {}) },
    }], entry.createdAt);
  });
  return entry;
}

/** Removes `name` from the registry's allowlist; logs `scan.allowlist.remove`. */
export async function removeAllowlistEntry(db: Kysely<Database>, actor: string, name: string): Promise<AllowlistEntry> {
  assertReviewer(actor);
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('scan_allowlist').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) {
      throw new ModelVaultError('not_found', `${name} is not on this registry's allowlist`, { field: name, hint: 'see `modelvault scan allowlist`; built-in entries cannot be removed' });
    }
    await trx.deleteFrom('scan_allowlist').where('name', '=', name).execute();
    await appendAuditEvents(trx, [{ actor, action: 'scan.allowlist.remove', subject: subject(name), payload: { name, reason: row.reason, reviewer: row.reviewer } }], new Date().toISOString());
    return { name: row.name, reason: row.reason, reviewer: row.reviewer, createdAt: row.created_at };
  });
}
