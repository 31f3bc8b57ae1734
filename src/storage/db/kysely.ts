// Every runtime use of Kysely goes through here. The build bundles its ES module build into one chunk, so a
// command no longer links its 260 files one by one at start-up.
export { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, SqliteDriver, sql } from 'kysely';
