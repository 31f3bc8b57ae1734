import { createRequire } from 'node:module';
import type * as K from 'kysely';

// Kysely's CommonJS build: its ES module build is some 260 files that every command would link at start-up,
// which costs a CLI command more than anything it then does. Every runtime use of Kysely goes through here,
// so one build is loaded; types still come from the package's declarations.
const kysely = createRequire(import.meta.url)('kysely') as typeof K;

export const { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } = kysely;
