// Worker-thread entry of the scan pool: scans one stored file per message, off the thread that serves requests.
import { parentPort } from 'node:worker_threads';
import { ModelVaultError } from '../core/errors.ts';
import type { ScanPolicy } from './policy.ts';
import { scanStoredFile } from './scan-paths.ts';

/** One file to scan: the stored bytes at `path`, judged as the file `name`. */
export interface ScanJob {
  id: number;
  path: string;
  name: string;
  policy: ScanPolicy;
}

/** A report, or the error the scan raised (code kept so the caller rethrows the same error). */
export type ScanAnswer = { id: number; report: import('./types.ts').FileScanReport } | { id: number; error: { code: string; message: string; details: Record<string, unknown> } };

const port = parentPort;
if (!port) throw new Error('scan-worker.ts runs as a worker thread of the scan pool');
port.on('message', (job: ScanJob) => {
  scanStoredFile(job.path, job.name, { policy: job.policy }).then(
    (report) => port.postMessage({ id: job.id, report } satisfies ScanAnswer),
    (err: unknown) => {
      const e = err instanceof ModelVaultError ? err : new ModelVaultError('internal', err instanceof Error ? err.message : String(err));
      port.postMessage({ id: job.id, error: { code: e.code, message: e.message, details: JSON.parse(JSON.stringify(e.details)) as Record<string, unknown> } } satisfies ScanAnswer);
    },
  );
});
