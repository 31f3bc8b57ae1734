import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { sql } from './kysely.ts';

/** Builds the migrations for a dialect; ids differ (SQLite autoincrement vs PostgreSQL identity). */
function migrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  const pk = dialect === 'sqlite' ? 'integer' : 'bigint';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const idColumn = (c: any) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity());
  return {
    '0001_registry': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('models')
          .addColumn('id', pk, idColumn)
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('description', 'text')
          .addColumn('owner', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('versions')
          .addColumn('id', pk, idColumn)
          .addColumn('model_id', pk, (c) => c.notNull().references('models.id'))
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('sort_key', 'text', (c) => (dialect === 'postgres' ? c.notNull().modifyEnd(sql`COLLATE "C"`) : c.notNull()))
          .addColumn('stage', 'text', (c) => c.notNull())
          .addColumn('manifest_digest', 'text', (c) => c.notNull())
          .addColumn('metadata_json', 'text', (c) => c.notNull())
          .addColumn('model_card', 'text')
          .addColumn('description', 'text')
          .addColumn('framework', 'text')
          .addColumn('total_size', 'bigint', (c) => c.notNull())
          .addColumn('file_count', 'integer', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('versions_model_version', ['model_id', 'version'])
          .execute();
        await db.schema.createIndex('versions_model_sort').on('versions').columns(['model_id', 'sort_key']).execute();
        await db.schema.createIndex('versions_stage').on('versions').columns(['stage', 'model_id']).execute();
        await db.schema.createIndex('versions_created').on('versions').columns(['created_at']).execute();
        await db.schema.createIndex('versions_framework').on('versions').columns(['framework']).execute();
        // At most one production version per model, enforced by the database itself.
        await sql`CREATE UNIQUE INDEX versions_one_production ON versions (model_id) WHERE stage = 'production'`.execute(db);
        await db.schema
          .createTable('files')
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('digest', 'text', (c) => c.notNull())
          .addColumn('format', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('files_pk', ['version_id', 'path'])
          .execute();
        await db.schema.createIndex('files_digest').on('files').column('digest').execute();
        await db.schema
          .createTable('blobs')
          .addColumn('digest', 'text', (c) => c.primaryKey())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('tags')
          .addColumn('id', pk, idColumn)
          .addColumn('model_id', pk, (c) => c.notNull().references('models.id'))
          .addColumn('version_id', pk, (c) => c.references('versions.id'))
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await sql`CREATE UNIQUE INDEX tags_unique ON tags (model_id, COALESCE(version_id, 0), key)`.execute(db);
        await db.schema.createIndex('tags_kv').on('tags').columns(['key', 'value']).execute();
        await db.schema
          .createTable('aliases')
          .addColumn('model_id', pk, (c) => c.notNull().references('models.id'))
          .addColumn('alias', 'text', (c) => c.notNull())
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('aliases_pk', ['model_id', 'alias'])
          .execute();
        await db.schema
          .createTable('stage_history')
          .addColumn('id', pk, idColumn)
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('from_stage', 'text')
          .addColumn('to_stage', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('stage_history_version').on('stage_history').columns(['version_id', 'id']).execute();
        await db.schema
          .createTable('lineage')
          .addColumn('id', pk, idColumn)
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('target_version_id', pk, (c) => c.references('versions.id'))
          .addColumn('attrs_json', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('lineage_version').on('lineage').column('version_id').execute();
        await db.schema.createIndex('lineage_target').on('lineage').column('target_version_id').execute();
        await db.schema
          .createTable('events')
          .addColumn('id', pk, idColumn)
          .addColumn('time', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('model', 'text')
          .addColumn('payload_json', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('events_subject').on('events').columns(['subject', 'id']).execute();
        await db.schema.createIndex('events_model').on('events').columns(['model', 'id']).execute();
        // The event log is append-only: the database refuses edits and deletions.
        if (dialect === 'sqlite') {
          await sql`CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END`.execute(db);
          await sql`CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END`.execute(db);
        } else {
          await sql`CREATE FUNCTION modelvault_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$`.execute(db);
          await sql`CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION modelvault_events_append_only()`.execute(db);
        }
      },
    },
    '0003_tag_lookup': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        // Tag filters on version lists probe tags by version; without this they scan every tag.
        await db.schema.createIndex('tags_version_key').on('tags').columns(['version_id', 'key', 'value']).execute();
      },
    },
    '0002_audit': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        const bytes = dialect === 'sqlite' ? 'blob' : 'bytea';
        // Each event's position in the Merkle tree. Rows from before this migration have none and
        // `audit verify` names them; every new row must carry one.
        await db.schema.alterTable('events').addColumn('leaf_index', 'bigint').execute();
        await db.schema.createIndex('events_leaf_index').on('events').column('leaf_index').unique().execute();
        if (dialect === 'sqlite') {
          await sql`CREATE TRIGGER events_leaf_index_required BEFORE INSERT ON events WHEN NEW.leaf_index IS NULL BEGIN SELECT RAISE(ABORT, 'events need a leaf_index'); END`.execute(db);
        } else {
          await sql`ALTER TABLE events ADD CONSTRAINT events_leaf_index_required CHECK (leaf_index IS NOT NULL) NOT VALID`.execute(db);
        }
        await db.schema
          .createTable('log_nodes')
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('idx', 'bigint', (c) => c.notNull())
          .addColumn('hash', bytes, (c) => c.notNull())
          .addPrimaryKeyConstraint('log_nodes_pk', ['level', 'idx'])
          .execute();
        await db.schema
          .createTable('checkpoints')
          .addColumn('size', 'bigint', (c) => c.primaryKey())
          .addColumn('root_hash', bytes, (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('anchors')
          .addColumn('id', pk, idColumn)
          .addColumn('checkpoint_size', 'bigint', (c) => c.notNull().references('checkpoints.size'))
          .addColumn('root_hash', bytes, (c) => c.notNull())
          .addColumn('ledger', 'text', (c) => c.notNull())
          .addColumn('tx', 'text', (c) => c.notNull())
          .addColumn('recorded_by', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('anchors_ledger_tx', ['ledger', 'tx'])
          .execute();
        await db.schema
          .createTable('evidence')
          .addColumn('id', pk, idColumn)
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('digest', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text')
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('evidence_version').on('evidence').columns(['version_id', 'kind']).execute();
        // The tree, its signed heads and their anchors are append-only like the events they cover.
        if (dialect === 'postgres') {
          await sql`CREATE FUNCTION modelvault_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$`.execute(db);
        }
        for (const table of ['log_nodes', 'checkpoints', 'anchors']) {
          if (dialect === 'sqlite') {
            await sql.raw(`CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`).execute(db);
            await sql.raw(`CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`).execute(db);
          } else {
            await sql.raw(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION modelvault_append_only()`).execute(db);
          }
        }
      },
    },
    '0004_trusted_keys': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        // Public keys and certificate roots the registry trusts for model signatures; trusting and
        // untrusting are logged as events, so the table itself may change.
        await db.schema
          .createTable('trusted_keys')
          .addColumn('key_id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('pem', 'text', (c) => c.notNull())
          .addColumn('added_by', 'text', (c) => c.notNull())
          .addColumn('added_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0005_scan_allowlist': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        // Reviewed globals this registry allows on top of the built-in allowlist; every change is an event.
        await db.schema
          .createTable('scan_allowlist')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('reviewer', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0006_monitoring': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        const bytes = dialect === 'sqlite' ? 'blob' : 'bytea';
        // Reference profiles: the encoded profile (samples as raw float64) is kept in the row, so it commits with its metadata.
        await db.schema
          .createTable('monitor_profiles')
          .addColumn('id', pk, idColumn)
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('rows', 'bigint', (c) => c.notNull())
          .addColumn('digest', 'text', (c) => c.notNull())
          .addColumn('body', bytes, (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('monitor_profiles_version').on('monitor_profiles').columns(['version_id', 'id']).execute();
        // Observations are stored as columnar batches: one row per ingested chunk, not per observation.
        await db.schema
          .createTable('monitor_batches')
          .addColumn('id', pk, idColumn)
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('rows', 'bigint', (c) => c.notNull())
          .addColumn('t_min', 'bigint', (c) => c.notNull())
          .addColumn('t_max', 'bigint', (c) => c.notNull())
          .addColumn('labelled', 'bigint', (c) => c.notNull())
          .addColumn('errors', 'bigint', (c) => c.notNull())
          .addColumn('body', bytes, (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('monitor_batches_version').on('monitor_batches').columns(['version_id', 'id']).execute();
        await db.schema.createIndex('monitor_batches_time').on('monitor_batches').columns(['version_id', 't_max']).execute();
        await db.schema
          .createTable('monitor_windows')
          .addColumn('id', pk, idColumn)
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('window', 'text', (c) => c.notNull())
          .addColumn('rows', 'bigint', (c) => c.notNull())
          .addColumn('drift_score', 'double precision', (c) => c.notNull())
          .addColumn('dataset_drift', 'integer', (c) => c.notNull())
          .addColumn('accuracy', 'double precision')
          .addColumn('result_json', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('monitor_windows_version').on('monitor_windows').columns(['version_id', 'id']).execute();
        await db.schema
          .createTable('monitor_alerts')
          .addColumn('id', pk, idColumn)
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('rule', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('condition', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('values_json', 'text', (c) => c.notNull())
          .addColumn('deliveries_json', 'text', (c) => c.notNull())
          .addColumn('fired_at', 'text', (c) => c.notNull())
          .addColumn('resolved_at', 'text')
          .execute();
        await db.schema.createIndex('monitor_alerts_version').on('monitor_alerts').columns(['version_id', 'status', 'rule']).execute();
      },
    },
    '0007_identity': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        // Users, the roles given to them (for every model, or for the models matching a pattern) and API
        // tokens, kept only as SHA-256 hashes. Every change is also an event in the audit log.
        await db.schema
          .createTable('users')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('display_name', 'text')
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('user_roles')
          .addColumn('user_name', 'text', (c) => c.notNull().references('users.name'))
          .addColumn('role', 'text', (c) => c.notNull())
          // '' when the role applies to every model.
          .addColumn('models', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('granted_by', 'text', (c) => c.notNull())
          .addColumn('granted_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('user_roles_pk', ['user_name', 'role', 'models'])
          .execute();
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_name', 'text', (c) => c.notNull().references('users.name'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('models', 'text')
          .addColumn('expires_at', 'text')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .addColumn('revoked_by', 'text')
          .execute();
        await db.schema.createIndex('api_tokens_user').on('api_tokens').columns(['user_name']).execute();
      },
    },
    '0008_approvals': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        // One row per approval; a user approves a version once per state of its evidence (new evidence makes it stale).
        await db.schema
          .createTable('approvals')
          .addColumn('id', pk, idColumn)
          .addColumn('version_id', pk, (c) => c.notNull().references('versions.id'))
          .addColumn('stage', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('comment', 'text')
          .addColumn('evidence_id', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('approvals_once', ['version_id', 'stage', 'actor', 'evidence_id'])
          .execute();
        // What each move relied on and whether an admin forced it, kept with the move itself.
        await db.schema.alterTable('stage_history').addColumn('forced', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('stage_history').addColumn('checks_json', 'text').execute();
      },
    },
    '0009_webhooks': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('webhook_subscriptions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('events_json', 'text', (c) => c.notNull())
          .addColumn('model_pattern', 'text')
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        // The outbox's cursors: one row per subscription (of the table or of webhooks.yaml), updated after each delivery.
        await db.schema
          .createTable('webhook_cursors')
          .addColumn('subscription_id', 'text', (c) => c.primaryKey())
          .addColumn('last_event_id', 'bigint', (c) => c.notNull())
          .addColumn('delivered', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('failed', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('last_status', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('last_attempt_at', 'text')
          .addColumn('retry_at', 'bigint')
          .addColumn('lease_owner', 'text')
          .addColumn('lease_until', 'bigint')
          .execute();
      },
    },
    '0010_version_signature': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        // The inputs and outputs the registry read at push (canonical JSON); null before this column existed or when unknown.
        await db.schema.alterTable('versions').addColumn('signature_json', 'text').execute();
      },
    },
  };
}

/** Supplies the migrations to Kysely's Migrator. */
export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
