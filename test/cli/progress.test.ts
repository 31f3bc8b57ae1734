import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { it } from 'node:test';
import { byteProgress, MIN_BAR_BYTES, transferProgress } from '../../src/cli/progress.ts';

function terminal(): PassThrough & { isTTY: boolean; columns: number; out: string[]; cursorTo(): boolean; clearLine(): boolean; moveCursor(): boolean } {
  const s = Object.assign(new PassThrough(), { isTTY: true, columns: 120, out: [] as string[], cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  s.on('data', (d: Buffer) => s.out.push(d.toString()));
  return s;
}

const big = [{ path: 'weights.bin', size: MIN_BAR_BYTES * 2 }];

it('draws a bar for a large file on a terminal', async () => {
  const tty = terminal();
  const p = transferProgress(big, { label: 'push', stream: tty, env: {} });
  assert.equal(p.active, true);
  p.update(0, MIN_BAR_BYTES);
  p.stop();
  await new Promise((r) => setImmediate(r));
  assert.match(tty.out.join(''), /push weights\.bin .*50%/);
});

it('draws nothing with --json, in CI, off a terminal, or for small files', () => {
  assert.equal(transferProgress(big, { label: 'push', stream: terminal(), env: {}, json: true }).active, false);
  assert.equal(transferProgress(big, { label: 'push', stream: terminal(), env: { CI: 'true' } }).active, false);
  assert.equal(transferProgress(big, { label: 'push', stream: Object.assign(new PassThrough(), { isTTY: false }), env: {} }).active, false);
  assert.equal(transferProgress([{ path: 'card.md', size: 100 }], { label: 'push', stream: terminal(), env: {} }).active, false);
});

it('draws one bar over the bytes fsck or backup go through, on a terminal only and only for 16 MiB and more', async () => {
  const tty = terminal();
  const p = byteProgress({ label: 'verifying blobs', stream: tty, env: {} });
  p.update(0, MIN_BAR_BYTES * 4);
  p.update(MIN_BAR_BYTES, MIN_BAR_BYTES * 4);
  p.stop();
  await new Promise((r) => setImmediate(r));
  assert.match(tty.out.join(''), /verifying blobs .*25% 16\.0 MiB\/64\.0 MiB/);
  const quiet = [terminal(), terminal(), terminal()];
  const bars = [byteProgress({ label: 'x', stream: quiet[0]!, env: {}, json: true }), byteProgress({ label: 'x', stream: quiet[1]!, env: { CI: '1' } }), byteProgress({ label: 'x', stream: quiet[2]!, env: {} })];
  for (const [i, bar] of bars.entries()) {
    bar.update(10, i === 2 ? 100 : MIN_BAR_BYTES * 4);
    bar.stop();
  }
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(quiet.map((q) => q.out.join('')), ['', '', '']);
});
