import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../../src/app.ts';
import { storeModelCard } from './registration.ts';

/** The models, data and sklearn reference metrics written by scripts/make-evaluation-fixtures.py. */
export const EVAL_FIXTURES = fileURLToPath(new URL('../fixtures/evaluation/', import.meta.url));

/** A fixture file's path. */
export function fixture(name: string): string {
  return join(EVAL_FIXTURES, name);
}

/** Metrics sklearn.metrics computed for each fixture model on its data. */
export const sklearnReference = JSON.parse(readFileSync(fixture('sklearn-reference.json'), 'utf8')) as {
  binary: Record<'binary_base' | 'binary_good' | 'binary_worse', Record<'accuracy' | 'precision' | 'recall' | 'f1' | 'roc_auc', number>>;
  multiclass: Record<'accuracy' | 'precision' | 'recall' | 'f1' | 'roc_auc', number>;
  regression: Record<'rmse' | 'mae' | 'r2', number>;
};

/** Metadata of the binary fixtures: four features, target `label`. */
export const BINARY_METADATA = { features: ['f0', 'f1', 'f2', 'f3'], target: 'label', task: 'binary-classification' };

/** Registers `name@version` holding one fixture ONNX model (as model.onnx) with the given metadata. */
export async function pushOnnx(app: AppContext, name: string, version: string, model: string, metadata: Record<string, unknown> = BINARY_METADATA, extraFiles: Record<string, string> = {}): Promise<void> {
  const put = async (bytes: Buffer): Promise<{ digest: `sha256:${string}`; size: number }> => app.blobs.put(Readable.from([bytes]));
  const m = await put(readFileSync(fixture(`${model}.onnx`)));
  const files = [{ path: 'model.onnx', size: m.size, digest: m.digest }];
  for (const [path, text] of Object.entries(extraFiles)) {
    const r = await put(Buffer.from(text));
    files.push({ path, size: r.size, digest: r.digest });
  }
  await app.registry('alice').registerVersion({
    metadata: { name, version, license: 'MIT', source: { repo: 'https://example.com/r.git', commit: 'b'.repeat(40) }, dataset_manifest: 'd.yaml', training_hash: m.digest, artifacts: ['model.onnx'], ...metadata },
    files: [...files, await storeModelCard(app.blobs)],
  });
}

/** Writes a CSV of `rows` (first row the header) and returns its path. */
export function writeCsv(dir: string, name: string, rows: (string | number)[][]): string {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => r.join(',')).join('\n') + '\n');
  return path;
}
