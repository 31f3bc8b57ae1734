import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tempDir } from './model-dir.ts';

/** Mounts a small tmpfs at `dir` (root only); false where mounting is not permitted. */
export function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status === 0;
}

/** Unmounts what mountTmpfs mounted. */
export function unmount(dir: string): void {
  spawnSync('umount', [dir]);
}

/** True when this process may mount a tmpfs (tests of full and read-only disks need it). */
export const canMount = process.getuid?.() === 0 && (() => {
  const probe = tempDir('mv-mount-probe-');
  const ok = mountTmpfs(probe, 'size=64k');
  if (ok) unmount(probe);
  rmSync(probe, { recursive: true, force: true });
  return ok;
})();
