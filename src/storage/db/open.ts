import type Sqlite from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, SqliteDriver as KyselySqliteDriver } from './kysely.ts';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ModelVaultError, toModelVaultError } from '../../core/errors.ts';
import { migrationProvider } from './migrations.ts';
import type { Database, MetadataDb } from './schema.ts';

/**
 * SQLite transactions that take the write lock when they begin (`BEGIN IMMEDIATE`). A deferred transaction that
 * reads and then writes cannot wait for another process's write lock (SQLite answers `database is locked` at once
 * rather than risk a deadlock); one that asks for the lock first waits for it, up to the busy timeout. So two
 * commands on one home take turns instead of one failing.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: Sqlite.Database) {
    super({ database });
  }

  override createDriver(): KyselySqliteDriver {
    const driver = new KyselySqliteDriver({ database: this.database });
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/** SQLite's answers for a file whose pages do not make sense, or that is no database at all. */
function isDamaged(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB';
}

function damaged(err: unknown, where: string): ModelVaultError {
  const e = toModelVaultError(err);
  return new ModelVaultError(e.code, `${e.message} (${where})`, { ...e.details, path: where }, { cause: err });
}

/** Opens the metadata database at `url` (`postgres://…`, `sqlite:PATH` or a file path) and migrates it. */
export async function openMetadataDb(url: string): Promise<MetadataDb> {
  const isPg = /^postgres(ql)?:\/\//.test(url);
  let metadata: MetadataDb;
  if (isPg) {
    // Loaded on demand: an embedded SQLite registry never needs the PostgreSQL driver.
    const { default: pg } = await import('pg');
    // bigint columns (sizes) come back from PostgreSQL as strings; sizes fit in a double.
    pg.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    metadata = { db, dialect: 'postgres', close: () => db.destroy(), changeToken: () => undefined };
  } else {
    const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
    const { default: SqliteDriver } = await import('better-sqlite3');
    let sqlite: Sqlite.Database;
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      sqlite = new SqliteDriver(file);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
      // The 10 s that toModelVaultError names when SQLITE_BUSY outlasts it.
      sqlite.pragma('busy_timeout = 10000');
    } catch (err) {
      if (isDamaged(err)) throw damaged(err, file);
      throw new ModelVaultError('storage_unavailable', `cannot open the database ${file}: ${(err as Error).message}`, {
        path: file,
        hint: 'check that MODELVAULT_HOME is writable, or set MODELVAULT_DATABASE_URL',
      }, { cause: err });
    }
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(sqlite) });
    // total_changes counts this connection's own writes and is exact on every call; data_version moves when
    // another process commits, and reading it touches the WAL's shared memory, so it is read at most once a
    // millisecond: a commit by another process reaches cached reads within 1 ms.
    const totalChanges = sqlite.prepare('SELECT total_changes()').pluck();
    const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
    let external = 0;
    let checkedAt = -Infinity;
    const changeToken = (): string => {
      const now = performance.now();
      if (now - checkedAt >= 1) {
        external = dataVersion.get() as number;
        checkedAt = now;
      }
      return `${external}:${totalChanges.get() as number}`;
    };
    metadata = { db, dialect: 'sqlite', close: () => db.destroy(), changeToken };
  }
  try {
    const migrator = new Migrator({ db: metadata.db, provider: migrationProvider(metadata.dialect) });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  } catch (err) {
    await metadata.close().catch(() => undefined);
    if (isDamaged(err)) throw damaged(err, url);
    const where = isPg ? url.replace(/\/\/[^@/]*@/, '//***@') : url;
    throw new ModelVaultError('storage_unavailable', `cannot prepare the database ${where}: ${(err as Error).message}`, {
      hint: isPg ? 'check MODELVAULT_DATABASE_URL and that PostgreSQL is running' : 'check that the database file is writable',
    }, { cause: err });
  }
  return metadata;
}
