import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { ModelVaultError } from '../core/errors.ts';
import type { Database } from '../storage/db/schema.ts';
import type { LogKey } from './log-key.ts';

/**
 * Attaches the audit log's key and dialect to a Kysely instance. Kysely hands its plugins on to every
 * transaction it opens, so code that only receives a transaction can still sign the log's checkpoints.
 */
export class AuditLogBinding implements KyselyPlugin {
  constructor(
    readonly key: LogKey,
    readonly dialect: 'sqlite' | 'postgres',
  ) {}

  /** Leaves queries unchanged. */
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  /** Leaves results unchanged. */
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** The database handle whose transactions append to the audit log signed with `key`. */
export function bindAuditLog(db: Kysely<Database>, key: LogKey, dialect: 'sqlite' | 'postgres'): Kysely<Database> {
  return db.withPlugin(new AuditLogBinding(key, dialect));
}

/** The audit log binding of a database handle or transaction. */
export function auditLogBinding(db: Kysely<Database>): AuditLogBinding {
  const binding = db.getExecutor().plugins.find((p): p is AuditLogBinding => p instanceof AuditLogBinding);
  if (!binding) {
    throw new ModelVaultError('internal', 'this database handle has no audit log key, so events cannot be logged', { hint: 'open the registry with openApp, which binds the log key' });
  }
  return binding;
}
