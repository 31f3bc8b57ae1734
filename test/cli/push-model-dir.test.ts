import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { openApp, resolveSettings, type AppContext } from '../../src/app.ts';
import { pushModelDir } from '../../src/cli/push-model-dir.ts';
import { RemoteBlobTransport, RemoteRegistry } from '../../src/client/index.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { defaultConfig, EmbeddedBlobTransport, type BlobTransport, type RegistryApi } from '../../src/registry/index.ts';
import { startServer } from '../../src/server/index.ts';
import { makeModelDir, tempDir } from '../helpers/model-dir.ts';
import { sha256 } from '../server/harness.ts';

/** Every blob file of a home with its inode and mtime, to show what a push wrote. */
function blobFiles(home: string): Map<string, string> {
  const root = join(home, 'blobs', 'sha256');
  const out = new Map<string, string>();
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const s = statSync(join(e.parentPath, e.name));
    out.set(e.name, `${s.ino}:${s.mtimeMs}`);
  }
  return out;
}

/** Replaces the blob store's temp directory by a file, so any attempt to store a blob fails. */
function forbidBlobWrites(home: string): () => void {
  const tmp = join(home, 'blobs', 'tmp');
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(tmp, 'not a directory');
  return () => rmSync(tmp, { force: true });
}

const rejectsValidation = async (p: Promise<unknown>, rule: string, text: string): Promise<void> => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ModelVaultError && err.code === 'validation_failed', String(err));
    const problems = err.details.problems as { rule: string; message: string }[];
    assert.ok(problems.some((x) => x.rule === rule && x.message.includes(text)), JSON.stringify(problems));
    return true;
  });
};

for (const mode of ['embedded', 'remote'] as const) {
  describe(`pushModelDir (${mode})`, () => {
    let home: string;
    let app: AppContext;
    let target: { api: RegistryApi; transport: BlobTransport };
    let stop = async (): Promise<void> => undefined;
    const config = defaultConfig();

    before(async () => {
      home = tempDir('mv-push-');
      app = await openApp(resolveSettings({ home }, {}));
      if (mode === 'embedded') {
        target = { api: app.registry('tester'), transport: new EmbeddedBlobTransport(app.blobs) };
      } else {
        const running = await startServer(app, { host: '127.0.0.1', port: 0, logger: false });
        const created = await app.identity('tester').bootstrapAdmin('tester');
        const client = { baseUrl: running.url, token: created!.token };
        target = { api: new RemoteRegistry(client), transport: new RemoteBlobTransport(client) };
        stop = () => running.close();
      }
    });
    after(async () => {
      await stop();
      await app.close();
      rmSync(home, { recursive: true, force: true });
    });

    it('re-pushes registered content without storing anything and reports the existing version', async () => {
      const weights = Buffer.alloc(3 << 20, 7);
      const { dir } = makeModelDir({ name: 'repush', files: { 'repush_1.0.0_20261123.bin': weights, 'extra/notes.txt': 'notes' } });
      const first = await pushModelDir(dir, { ...target, config });
      assert.equal(first.result.created, true);
      assert.equal(first.files.find((f) => f.path === 'repush_1.0.0_20261123.bin')?.digest, sha256(weights));
      const before = blobFiles(home);
      const allow = forbidBlobWrites(home);
      try {
        const again = await pushModelDir(dir, { ...target, config });
        assert.equal(again.result.created, false);
        assert.equal(again.result.manifestDigest, first.result.manifestDigest);
        assert.deepEqual(again.files, first.files);
      } finally {
        allow();
      }
      assert.deepEqual(blobFiles(home), before);
    });

    it('refuses an artifact that does not match its training_hash and registers nothing', async () => {
      const { dir } = makeModelDir({ name: 'mismatch', extra: { training_hash: sha256('other bytes') } });
      const actual = sha256('weights of mismatch@1.0.0');
      await rejectsValidation(pushModelDir(dir, { ...target, config }), 'checksum-mismatch', actual);
      await assert.rejects(target.api.getVersion('mismatch@1.0.0'), (err: unknown) => err instanceof ModelVaultError && err.code === 'not_found');
    });

    it('stores a changed artifact whose stale training_hash names a stored blob, then refuses the mismatch', async () => {
      const { dir, metadata } = makeModelDir({ name: 'stale', files: { 'stale_1.0.0_20261123.bin': 'first weights' } });
      await pushModelDir(dir, { ...target, config });
      writeFileSync(join(dir, 'stale_1.0.0_20261123.bin'), 'later weights');
      writeFileSync(join(dir, 'metadata.yaml'), YAML.stringify({ ...metadata, version: '1.0.1' }));
      await rejectsValidation(pushModelDir(dir, { ...target, config }), 'checksum-mismatch', sha256('later weights'));
      assert.ok(await app.blobs.stat(sha256('later weights')), 'the file is stored under the digest it has');
    });
  });
}
