import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, ModelVaultError, type ErrorCode } from '../core/errors.ts';
import { packageFile } from '../package-root.ts';
import type { ScanPolicy } from './policy.ts';
import type { ScanAnswer, ScanJob } from './scan-worker.ts';
import type { FileScanReport } from './types.ts';

// The worker's own entry point: the source under tsx, the bundle's entry once compiled (this module is then
// inside a chunk of dist/, not beside the worker).
const EXT = extname(fileURLToPath(import.meta.url));
const WORKER_URL = packageFile(EXT === '.ts' ? 'src/scan/scan-worker.ts' : 'dist/scan/scan-worker.js');

/**
 * Starts a scan worker. Compiled JavaScript loads directly. Sources need tsx in the worker too, and Node 20
 * does not apply `--import` hooks from a worker's execArgv to its entry module, so a small bootstrap
 * registers tsx inside the worker and then imports the entry.
 */
function startWorker(): Worker {
  if (EXT !== '.ts') return new Worker(WORKER_URL);
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(WORKER_URL.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

/** The report of a file whose scan did not finish: never safe, and saying why. */
function crashReport(name: string, why: string): FileScanReport {
  return {
    path: name,
    format: 'binary',
    verdict: 'unscannable',
    findings: [{ severity: 'unscannable', kind: 'scanner', message: `the scanner failed on this file (${why}); nothing in it was checked` }],
  };
}

interface Pending {
  job: ScanJob;
  resolve(report: FileScanReport): void;
  reject(err: unknown): void;
}

/** One worker thread and the job it is running. */
class Slot {
  readonly worker: Worker;
  current: Pending | undefined;
  dead = false;

  constructor(private readonly pool: ScanPool) {
    this.worker = startWorker();
    this.worker.unref();
    this.worker.on('message', (answer: ScanAnswer) => {
      const p = this.current;
      if (!p || p.job.id !== answer.id) return;
      this.current = undefined;
      this.worker.unref();
      if ('report' in answer) p.resolve(answer.report);
      else {
        const code: ErrorCode = answer.error.code in ERROR_CODES ? (answer.error.code as ErrorCode) : 'internal';
        p.reject(new ModelVaultError(code, answer.error.message, answer.error.details));
      }
      this.pool.next(this);
    });
    // A crash (an uncaught error, running out of memory) ends this worker; its file counts as unscannable.
    this.worker.on('error', (err) => this.die(err.message));
    this.worker.on('exit', (code) => this.die(`worker exited with code ${code}`));
  }

  run(p: Pending): void {
    this.current = p;
    this.worker.ref();
    this.worker.postMessage(p.job);
  }

  private die(why: string): void {
    if (this.dead) return;
    this.dead = true;
    const p = this.current;
    this.current = undefined;
    p?.resolve(crashReport(p.job.name, why));
    this.pool.drop(this);
  }
}

/** A few worker threads that scan stored files, so a large file being scanned does not hold up the thread serving requests. */
export class ScanPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;

  constructor(readonly size = Math.max(1, Math.min(2, availableParallelism()))) {}

  /** Scans the stored bytes at `path` as the file `name`; a crashed worker yields an `unscannable` report. */
  scan(path: string, name: string, policy: ScanPolicy): Promise<FileScanReport> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, path, name, policy }, resolve, reject });
      const idle = this.slots.find((s) => !s.current && !s.dead);
      if (idle) this.next(idle);
      else if (this.slots.length < this.size) {
        const slot = new Slot(this);
        this.slots.push(slot);
        this.next(slot);
      }
    });
  }

  /** Gives `slot` the next queued job, if any. */
  next(slot: Slot): void {
    const p = this.queue.shift();
    if (p) slot.run(p);
  }

  /** Forgets a dead worker and starts another for whatever is still queued. */
  drop(slot: Slot): void {
    this.slots.splice(this.slots.indexOf(slot), 1);
    if (this.queue.length > 0) {
      const fresh = new Slot(this);
      this.slots.push(fresh);
      this.next(fresh);
    }
  }

  /** Stops every worker; queued and running scans end as unscannable. */
  async close(): Promise<void> {
    for (const p of this.queue.splice(0)) p.resolve(crashReport(p.job.name, 'the scan pool was closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** The pool shared by every scan of this process. */
export const scanPool = new ScanPool();
