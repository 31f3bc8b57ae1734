import cliProgress from 'cli-progress';
import { bytes } from './output.ts';

/** Only files at least this large get a bar. */
export const MIN_BAR_BYTES = 16 * 1024 * 1024;

/** A terminal-like stream for progress output. */
type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

/** Progress bars for transfers: shown on a terminal only, never with --json, in CI, or when output is piped. */
export function transferProgress(
  files: { path: string; size: number }[],
  opts: { json?: boolean; label: string; stream?: ProgressStream; env?: NodeJS.ProcessEnv },
): { update(index: number, done: number): void; stop(): void; readonly active: boolean } {
  const stream = opts.stream ?? process.stderr;
  const env = opts.env ?? process.env;
  const tty = Boolean(stream.isTTY) && !opts.json && !env.CI;
  const big = files.map((f, i) => ({ ...f, i })).filter((f) => f.size >= MIN_BAR_BYTES);
  if (!tty || big.length === 0) return { update() {}, stop() {}, active: false };
  const multi = new cliProgress.MultiBar(
    { format: `${opts.label} {file} |{bar}| {percentage}% {done}/{total}`, hideCursor: true, clearOnComplete: false, stream, fps: 5, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map(big.map((f) => [f.i, multi.create(f.size, 0, { file: f.path.slice(-40).padEnd(Math.min(40, f.path.length)), done: bytes(0), total: bytes(f.size) })]));
  return {
    active: true,
    update(index, done) {
      bars.get(index)?.update(done, { done: bytes(done) });
    },
    stop() {
      multi.stop();
    },
  };
}

/** One bar over a byte count (fsck's verification, a backup's copies): on a terminal only, as `transferProgress`. */
export function byteProgress(opts: { json?: boolean; label: string; stream?: ProgressStream; env?: NodeJS.ProcessEnv }): { update(done: number, total: number): void; stop(): void } {
  const stream = opts.stream ?? process.stderr;
  const env = opts.env ?? process.env;
  if (!stream.isTTY || opts.json || env.CI) return { update() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done, total) {
      if (!bar) {
        if (total < MIN_BAR_BYTES) return;
        bar = new cliProgress.SingleBar({ format: `${opts.label} |{bar}| {percentage}% {done}/{all}`, hideCursor: true, stream, fps: 5, noTTYOutput: false }, cliProgress.Presets.shades_classic);
        bar.start(total, 0, { done: bytes(0), all: bytes(total) });
      }
      bar.update(done, { done: bytes(done) });
    },
    stop() {
      bar?.stop();
    },
  };
}
