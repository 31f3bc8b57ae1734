import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { openApp, type AppContext } from '../../src/app.ts';
import { postgresAvailable, startPostgres, type ThrowawayPostgres } from './pg.ts';
import { tempDir } from './model-dir.ts';

/** A fresh registry on one backend. */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Opens a fresh registry; `config` is written to its config.yaml first. */
  open(config?: string): Promise<AppContext & { home: string; dispose(): Promise<void> }>;
}

/** A fresh home holding `config` as its config.yaml, when given. */
function freshHome(config: string | undefined): string {
  const home = tempDir('mv-home-');
  if (config !== undefined) writeFileSync(join(home, 'config.yaml'), config);
  return home;
}

/**
 * Runs `suite` once on SQLite and once on a throwaway PostgreSQL. PostgreSQL is required on CI
 * (MODELVAULT_REQUIRE_POSTGRES=1); elsewhere its absence is reported as a skipped suite with the reason.
 */
export function onEachBackend(title: string, suite: (backend: Backend) => void): void {
  describe(`${title} [sqlite]`, () => {
    suite({
      name: 'sqlite',
      async open(config) {
        const home = freshHome(config);
        const app = await openApp({ home, databaseUrl: `sqlite:${join(home, 'modelvault.db')}`, blobUrl: `file://${join(home, 'blobs')}` });
        return Object.assign(app, { home, dispose: async () => { await app.close(); rmSync(home, { recursive: true, force: true }); } });
      },
    });
  });
  const havePg = postgresAvailable();
  if (!havePg && process.env.MODELVAULT_REQUIRE_POSTGRES === '1') throw new Error('PostgreSQL is required (MODELVAULT_REQUIRE_POSTGRES=1) but its server binaries are not installed');
  describe(`${title} [postgres]`, { skip: havePg ? false : 'PostgreSQL server binaries not installed (apt-get install postgresql)' }, () => {
    let pg: ThrowawayPostgres | undefined;
    before(async () => {
      pg = await startPostgres();
    });
    after(() => pg?.stop());
    suite({
      name: 'postgres',
      async open(config) {
        const home = freshHome(config);
        const url = await pg!.createDatabase();
        const app = await openApp({ home, databaseUrl: url, blobUrl: `file://${join(home, 'blobs')}` });
        return Object.assign(app, { home, dispose: async () => { await app.close(); rmSync(home, { recursive: true, force: true }); } });
      },
    });
  });
}
