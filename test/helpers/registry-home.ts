import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openApp, type AppContext } from '../../src/app.ts';
import type { ManifestEntry } from '../../src/registry/index.ts';
import { tempDir } from './model-dir.ts';
import { storeModelCard } from './registration.ts';

/** config.yaml of tests that are not about approvals: a version enters production without any. */
export const NO_APPROVALS = 'lifecycle:\n  approvals:\n    production: 0\n';

/** An embedded registry on SQLite in a fresh home whose config.yaml holds `config`. */
export async function openHomeWithConfig(config: string): Promise<AppContext & { home: string; dispose(): Promise<void> }> {
  const home = tempDir('mv-home-');
  writeFileSync(join(home, 'config.yaml'), config);
  const app = await openApp({ home, databaseUrl: `sqlite:${join(home, 'modelvault.db')}`, blobUrl: `file://${join(home, 'blobs')}` }).catch((err: unknown) => {
    rmSync(home, { recursive: true, force: true });
    throw err;
  });
  return Object.assign(app, { home, dispose: async () => { await app.close(); rmSync(home, { recursive: true, force: true }); } });
}

/** Registers `name@version` with one weights file whose bytes name the version, and its model card. */
export async function pushVersion(app: AppContext, name: string, version: string, actor = 'alice'): Promise<void> {
  const r = await app.blobs.put(Readable.from([Buffer.from(`${name}-${version}`)]));
  await app.registry(actor).registerVersion({
    metadata: { name, version, license: 'MIT', source: { repo: 'https://example.com/r.git', commit: 'b'.repeat(40) }, dataset_manifest: 'd.yaml', training_hash: r.digest, artifacts: ['w.bin'] },
    files: [{ path: 'w.bin', size: r.size, digest: r.digest, format: 'binary' }, await storeModelCard(app.blobs)],
  });
}

/** Stores file contents as blobs and returns their manifest entries (format `binary`: the registry detects the real one). */
export async function storeBlobs(app: AppContext, files: Record<string, string | Buffer>): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for (const [path, content] of Object.entries(files)) {
    const r = await app.blobs.put(Readable.from([Buffer.from(content)]));
    out.push({ path, size: r.size, digest: r.digest, format: 'binary' });
  }
  return out;
}

/** Stores a version's files and its model card, MODEL_CARD.md (last), and returns their manifest entries. */
export async function storeVersionFiles(app: AppContext, files: Record<string, string | Buffer>): Promise<ManifestEntry[]> {
  return [...(await storeBlobs(app, files)), await storeModelCard(app.blobs)];
}
