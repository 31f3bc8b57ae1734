import { join } from 'node:path';
import { openApp, type AppContext } from '../src/app.ts';
import { appendAuditEvents, type AuditEventInput } from '../src/audit/index.ts';
import { median, ms, time, type BenchResult } from './lib.ts';

function event(i: number): AuditEventInput {
  return { actor: 'bench', action: 'version.push', subject: `model-${i % 1000}@1.0.${i}`, model: `model-${i % 1000}`, payload: { manifest_digest: `sha256:${(i % 16).toString(16).repeat(64)}`, files: 3 } };
}

function open(home: string): Promise<AppContext> {
  return openApp({ home, databaseUrl: `sqlite:${join(home, 'modelvault.db')}`, blobUrl: `file://${join(home, 'blobs')}` });
}

/**
 * Appends `count` events through the registry's append path (events, Merkle nodes and a signed checkpoint
 * committed together), `perTx` events per transaction; each commit is a durable SQLite write.
 */
async function benchAppend(home: string, count: number, perTx: number, target: boolean): Promise<BenchResult> {
  const app = await open(home);
  try {
    const t = await time(async () => {
      for (let i = 0; i < count; i += perTx) {
        await appendAuditEvents(app.metadata.db, Array.from({ length: perTx }, (_, j) => event(i + j)), new Date().toISOString());
      }
    });
    const rate = (count / t) * 1000;
    return { name: `audit append, ${count} events in transactions of ${perTx} (SQLite)`, value: `${Math.round(rate)} events/s`, target: target ? '≥ 5,000 events/s' : 'reported', pass: !target || rate >= 5000 };
  } finally {
    await app.close();
  }
}

/**
 * Fills the log to `size` events through the real append path in batches of 10,000 (one transaction and one
 * signed checkpoint per batch), then measures inclusion proofs at that size and a full `audit verify`.
 */
async function benchLargeLog(home: string, size: number): Promise<BenchResult[]> {
  const app = await open(home);
  try {
    const batch = 10_000;
    const fill = await time(async () => {
      for (let i = 0; i < size; i += batch) {
        const n = Math.min(batch, size - i);
        await appendAuditEvents(app.metadata.db, Array.from({ length: n }, (_, j) => event(i + j)), new Date().toISOString());
      }
    });
    process.stderr.write(`audit: populated ${size} events in ${ms(fill)}\n`);
    const proofs: number[] = [];
    for (let r = 0; r < 500; r++) {
      const index = Math.floor(Math.random() * size);
      proofs.push(await time(() => app.audit.inclusionProof(index)));
    }
    const proof = median(proofs);
    let report: Awaited<ReturnType<AppContext['audit']['verify']>> | undefined;
    const verify = await time(async () => {
      report = await app.audit.verify();
    });
    if (!report?.ok) throw new Error(`audit verify found problems in the benchmark log: ${JSON.stringify(report?.problems.slice(0, 3))}`);
    return [
      { name: `inclusion proof at ${size.toLocaleString('en')} leaves (median of 500)`, value: ms(proof), target: '≤ 1 ms', pass: proof <= 1 },
      { name: `audit verify of ${size.toLocaleString('en')} events`, value: ms(verify), baseline: `populated in ${ms(fill)}`, target: '≤ 60 s', pass: verify <= 60_000 },
    ];
  } finally {
    await app.close();
  }
}

/** The audit log benchmarks. */
export async function benchAudit(dir: string, appendCount: number, logSize: number): Promise<BenchResult[]> {
  return [await benchAppend(join(dir, 'append-3'), Math.min(appendCount, 3000), 3, false), await benchAppend(join(dir, 'append-100'), appendCount, 100, true), ...(await benchLargeLog(join(dir, 'large'), logSize))];
}
