import { hostname } from 'node:os';
import { join } from 'node:path';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { ModelVaultError, toModelVaultError } from '../core/errors.ts';

/** The lock file in an upload session's directory while a request writes, commits or aborts it. */
export const UPLOAD_LOCK = 'writer.lock';

/** A lock file left empty or unreadable (its writer died while creating it) is taken over after this long. */
const UNREADABLE_LOCK_MS = 10_000;

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/**
 * Whether the lock at `path` (held by `holder`, undefined when its file cannot be read) is abandoned: gone already,
 * unreadable and older than 10 s, or held by a process of this host that no longer runs. A holder on another host
 * is never judged abandoned.
 */
export async function isStale(path: string, holder: Holder | undefined): Promise<boolean> {
  if (holder === undefined) {
    const s = await stat(path).catch(() => undefined);
    return s === undefined || Date.now() - s.mtimeMs > UNREADABLE_LOCK_MS;
  }
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists and belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const h = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the one writer's place in upload session `id` (directory `dir`) for an append, a commit or an abort, across
 * every process sharing the store; returns the release. A second request meanwhile gets `conflict` (409): two appends
 * at one offset would both pass the offset check, and a commit during an append would publish bytes still changing.
 * A lock whose process died on this host is taken over.
 */
export async function lockUpload(dir: string, id: string, action: 'append to' | 'commit' | 'abort'): Promise<() => Promise<void>> {
  const path = join(dir, UPLOAD_LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Holder));
      } finally {
        await fh.close();
      }
      return () => rm(path, { force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ModelVaultError('not_found', `upload ${id} does not exist`, { upload: id, hint: 'start a new upload' });
      if (code !== 'EEXIST') throw toModelVaultError(err);
    }
    const holder = await readHolder(path);
    if (attempt === 0 && (await isStale(path, holder))) {
      await rm(path, { force: true });
      continue;
    }
    throw new ModelVaultError('conflict', `cannot ${action} upload ${id}: another request is writing it${holder ? ` (since ${holder.since})` : ''}`, {
      upload: id,
      hint: 'send one request at a time per upload: wait for the other to finish, then ask the offset (HEAD) and resume from it',
    });
  }
}
