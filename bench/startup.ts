import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, ms, timeProcess as timeWith, type BenchResult } from './lib.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'modelvault.js');
const EXAMPLE = join(ROOT, 'examples', 'fraud-detector');
const ENV = { ...process.env, MODELVAULT_URL: '', MODELVAULT_DATABASE_URL: '', MODELVAULT_BLOB_URL: '', CI: '1' };
const timeProcess = (args: string[]): Promise<number> => timeWith(args, ENV);

/**
 * Whole-process start-up of `modelvault --help` and of `versions list NAME` on a local home, each against
 * `node -e ''` in the same run: the three are interleaved `runs` times and their medians compared.
 */
export async function benchStartup(dir: string, runs: number): Promise<BenchResult[]> {
  // The bin runs the compiled dist/: build it so the figures are those of these sources.
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT, stdio: 'inherit' });
  const home = join(dir, 'home');
  execFileSync(process.execPath, [BIN, '--home', home, 'push', EXAMPLE], { env: ENV, stdio: 'ignore' });
  const cases = {
    node: ['-e', ''],
    help: [BIN, '--help'],
    list: [BIN, '--home', home, 'versions', 'list', 'fraud-detector'],
  };
  const times: Record<keyof typeof cases, number[]> = { node: [], help: [], list: [] };
  for (const args of Object.values(cases)) await timeProcess(args);
  for (let r = 0; r < runs; r++) for (const [name, args] of Object.entries(cases)) times[name as keyof typeof cases].push(await timeProcess(args));
  const node = median(times.node);
  const result = (name: string, xs: number[], targetMs: number): BenchResult => ({
    name,
    value: ms(median(xs)),
    baseline: `node -e '' ${ms(node)}`,
    ratio: median(xs) / node,
    target: `≤ ${targetMs / 1000} s`,
    pass: median(xs) <= targetMs,
  });
  return [result(`start-up: modelvault --help (median of ${runs})`, times.help, 250), result(`start-up: modelvault versions list NAME, local home (median of ${runs})`, times.list, 350)];
}
