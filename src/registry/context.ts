import type { Kysely } from 'kysely';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Database, MetadataDb } from '../storage/db/schema.ts';
import type { RegistryConfig } from './config.ts';
import type { ReadCache } from './read-cache.ts';
import type { RegistryHooks } from './types.ts';
import type { VersionSnapshot } from './version-snapshot.ts';

/** What the registry service runs on. */
export interface RegistryContext {
  metadata: MetadataDb;
  blobs: BlobStore;
  config: RegistryConfig;
  /** Resolved versions, reused while the database's change token holds (SQLite only). */
  versionCache?: ReadCache<VersionSnapshot>;
  /** Checks and gates contributed by capabilities (scanning, signing, …), run in order. */
  hooks?: RegistryHooks[];
}

/** What every registry operation runs with: the context, its database, and who is acting. */
export interface RegistryScope {
  ctx: RegistryContext;
  db: Kysely<Database>;
  actor: string;
}
