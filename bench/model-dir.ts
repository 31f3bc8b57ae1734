import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { plainHash, writeRandomFile } from './lib.ts';

const CARD = ['Model description', 'Intended use', 'Limitations', 'Training data', 'Evaluation', 'License', 'Contact'].map((s) => `## ${s}\nBenchmark model.\n`).join('\n');

/**
 * Writes a valid model directory whose artifacts are large pseudo-random files (or files `write` makes). With
 * a single artifact, `training_hash` is its sha256, as a training script records it, so validation checks it.
 */
export async function makeBenchModel(
  dir: string,
  name: string,
  version: string,
  files: { name: string; bytes: number; seed: number; write?: (path: string, bytes: number) => Promise<void> }[],
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const f of files) await (f.write ?? ((p, n) => writeRandomFile(p, n, f.seed)))(join(dir, f.name), f.bytes);
  const meta = {
    name,
    version,
    source: { repo: 'https://example.com/bench.git', commit: 'd'.repeat(40) },
    dataset_manifest: 'https://example.com/data.yaml',
    training_hash: files.length === 1 ? `sha256:${await plainHash(join(dir, files[0]!.name))}` : 'e'.repeat(40),
    license: 'Apache-2.0',
    artifacts: files.map((f) => f.name),
  };
  writeFileSync(join(dir, 'metadata.yaml'), YAML.stringify(meta));
  writeFileSync(join(dir, 'MODEL_CARD.md'), `# ${name}\n\n${CARD}`);
}
