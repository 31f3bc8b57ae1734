import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openApp, type AppContext } from '../src/app.ts';
import { pushModelDir } from '../src/cli/push-model-dir.ts';
import { type BlobTransport, defaultConfig, EmbeddedBlobTransport, pullVersion, type RegistryApi } from '../src/registry/index.ts';
import { floorCopy, median, ms, time, type BenchResult } from './lib.ts';
import { makeBenchModel } from './model-dir.ts';

/** Push a model directory the way `modelvault push` does: validate, list, detect, store, register. */
export async function pushDir(api: RegistryApi, transport: BlobTransport, dir: string): Promise<void> {
  await pushModelDir(dir, { api, transport, config: defaultConfig() });
}

/** Opens a fresh embedded registry in `home`. */
export function openHome(home: string): Promise<AppContext> {
  return openApp({ home, databaseUrl: `sqlite:${join(home, 'modelvault.db')}`, blobUrl: `file://${join(home, 'blobs')}` });
}

/** A registry to push to and pull from, and how to shut it down. */
export interface TransferTarget {
  api: RegistryApi;
  transport: BlobTransport;
  close(): Promise<void>;
}

/**
 * Push and pull of one large file against the read + sha256 + write + fsync floor of the same file,
 * alternating in each round so both see the same machine; ratios are the medians of `reps` rounds.
 */
export async function benchTransfer(
  dir: string,
  bytes: number,
  reps: number,
  kind: { label: string; limit: number; open(home: string): Promise<TransferTarget> },
): Promise<BenchResult[]> {
  const model = join(dir, 'model');
  await makeBenchModel(model, 'bench-model', '1.0.0', [{ name: 'weights.bin', bytes, seed: 7 }]);
  const src = join(model, 'weights.bin');
  const pushR: number[] = [];
  const pullR: number[] = [];
  const pushT: number[] = [];
  const pullT: number[] = [];
  const floorT: number[] = [];
  for (let r = 0; r < reps; r++) {
    const home = join(dir, `home-${r}`);
    const target = await kind.open(home);
    try {
      const floor1 = await time(() => floorCopy(src, join(dir, 'floor.bin')));
      rmSync(join(dir, 'floor.bin'));
      const push = await time(() => pushDir(target.api, target.transport, model));
      const version = await target.api.getVersion('bench-model@1.0.0');
      const floor2 = await time(() => floorCopy(src, join(dir, 'floor.bin')));
      rmSync(join(dir, 'floor.bin'));
      const pull = await time(() => pullVersion({ transport: target.transport, version, dir: join(dir, `pulled-${r}`) }));
      rmSync(join(dir, `pulled-${r}`), { recursive: true, force: true });
      pushR.push(push / floor1);
      pullR.push(pull / floor2);
      pushT.push(push);
      pullT.push(pull);
      floorT.push(floor1, floor2);
    } finally {
      await target.close();
      rmSync(home, { recursive: true, force: true });
    }
  }
  const size = `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  const floor = `floor ${ms(median(floorT))}`;
  const target = `≤ ${kind.limit} × floor`;
  return [
    { name: `${kind.label} push, ${size}`, value: ms(median(pushT)), baseline: floor, ratio: median(pushR), target, pass: median(pushR) <= kind.limit },
    { name: `${kind.label} pull + verify, ${size}`, value: ms(median(pullT)), baseline: floor, ratio: median(pullR), target, pass: median(pullR) <= kind.limit },
  ];
}

/** Embedded push and pull against the floor. */
export function benchEmbeddedTransfer(dir: string, bytes: number, reps: number): Promise<BenchResult[]> {
  return benchTransfer(dir, bytes, reps, {
    label: 'embedded',
    limit: 1.25,
    async open(home) {
      const app = await openHome(home);
      return { api: app.registry('bench'), transport: new EmbeddedBlobTransport(app.blobs), close: () => app.close() };
    },
  });
}
