import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { ModelVaultError } from '../../core/errors.ts';
import { withSession } from '../context.ts';
import { integrityOf, logVerifier } from '../integrity.ts';
import { emit, intOption, table, usage, type GlobalOptions } from '../output.ts';

// Leaf indices start at 0, so --index 0 is valid where intOption wants a positive number.
function indexOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || value.trim() === '') throw usage(`--${name} must be a non-negative integer, not ${JSON.stringify(value)}`);
  return n;
}

function readNote(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelVaultError('usage', `cannot read the checkpoint file ${file}: ${(err as Error).message}`, { path: file });
  }
}

/** `modelvault audit …`: the tamper-evident log, its checkpoints and proofs. */
export function register(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log: events, signed checkpoints, proofs, verification');
  audit
    .command('log')
    .description('events of the log with their leaf index')
    .option('--model <name>', 'only events about this model')
    .option('--since <time>', 'only events at or after this ISO time')
    .option('--after <index>', 'only events after this leaf index')
    .option('--limit <n>', 'page size (1-1000)', '100')
    .action(async (o: { model?: string; since?: string; after?: string; limit: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const page = await withSession(opts, async (s) => (await integrityOf(s)).auditLog({ model: o.model, since: o.since, after: indexOption(o.after, 'after'), limit: intOption(o.limit, 'limit') }));
      emit(opts, page, () =>
        [table(['INDEX', 'TIME', 'ACTOR', 'ACTION', 'SUBJECT'], page.items.map((e) => [e.index, e.time, e.actor, e.action, e.subject])), page.nextCursor !== null ? `more: --after ${page.nextCursor}` : ''].filter(Boolean).join('\n'),
      );
    });
  audit
    .command('checkpoint')
    .description('the latest signed checkpoint, its signature checked with the log key; --previous checks it extends a checkpoint seen before')
    .option('--log-key <file>', "the log's verifier key (default <home>/keys/log.pub, or the server's)")
    .option('--previous <file>', 'a checkpoint note saved earlier: prove the current one is consistent with it')
    .option('--out <file>', 'save the checkpoint note (for a later --previous)')
    .action(async (o: { logKey?: string; previous?: string; out?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { openLogCheckpoint, checkConsistencyProof } = await import('../../audit/index.ts');
      const r = await withSession(opts, async (s) => {
        const api = await integrityOf(s);
        const { verifier, source } = await logVerifier(s, api, o.logKey);
        const cp = await api.checkpoint();
        const current = openLogCheckpoint(cp.note, verifier, 'the latest checkpoint');
        let previous: number | undefined;
        if (o.previous !== undefined) {
          const note = readNote(o.previous);
          const before = openLogCheckpoint(note, verifier, o.previous);
          if (before.size > current.size) {
            throw new ModelVaultError('verification_failed', `the log's checkpoint (size ${current.size}) is older than the one in ${o.previous} (size ${before.size}): the log was rolled back or a stale checkpoint was presented as the latest`, { path: o.previous });
          }
          if (before.size === current.size) {
            if (!before.rootHash.equals(current.rootHash)) throw new ModelVaultError('verification_failed', `two checkpoints of size ${current.size} have different roots: the log forked`, { path: o.previous });
          } else {
            checkConsistencyProof(await api.consistencyProof(before.size, current.size), verifier, note);
          }
          previous = before.size;
        }
        return { ...cp, keySource: source, verified: true, ...(previous !== undefined ? { consistentWith: previous } : {}) };
      });
      if (o.out !== undefined) writeFileSync(o.out, r.note);
      emit(opts, r, () =>
        [
          `checkpoint of ${r.origin}: ${r.size} events, root ${r.rootHash}`,
          `  signature verified with the log key from ${r.keySource}`,
          ...(r.consistentWith !== undefined ? [`  consistent with the earlier checkpoint of size ${r.consistentWith}`] : []),
          ...(o.out !== undefined ? [`  saved to ${o.out}`] : []),
          '',
          r.note.trimEnd(),
        ].join('\n'),
      );
    });
  audit
    .command('proof')
    .description('an inclusion proof (--index I [--size S]) or a consistency proof (--from A --to B), verified locally against the signed checkpoint')
    .option('--index <i>', 'leaf index of the event')
    .option('--size <s>', 'checkpoint size (default: the latest)')
    .option('--from <a>', 'size of the older checkpoint')
    .option('--to <b>', 'size of the newer checkpoint (default: the latest)')
    .option('--log-key <file>', "the log's verifier key (default <home>/keys/log.pub, or the server's)")
    .action(async (o: { index?: string; size?: string; from?: string; to?: string; logKey?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      if ((o.index === undefined) === (o.from === undefined)) throw usage('give either --index I (inclusion) or --from A (consistency)', 'e.g. modelvault audit proof --index 3, or --from 2 --to 9');
      const { checkInclusionProof, checkConsistencyProof } = await import('../../audit/index.ts');
      const r = await withSession(opts, async (s) => {
        const api = await integrityOf(s);
        const { verifier, source } = await logVerifier(s, api, o.logKey);
        if (o.index !== undefined) {
          const index = indexOption(o.index, 'index')!;
          const proof = await api.inclusionProof(index, intOption(o.size, 'size'));
          const [event] = (await api.auditLog({ after: index - 1, limit: 1 })).items;
          checkInclusionProof(proof, verifier, event?.index === index ? event : undefined);
          return { kind: 'inclusion' as const, ...proof, event: event?.index === index ? event : null, verified: true, keySource: source };
        }
        const proof = await api.consistencyProof(intOption(o.from, 'from')!, intOption(o.to, 'to'));
        checkConsistencyProof(proof, verifier);
        return { kind: 'consistency' as const, ...proof, verified: true, keySource: source };
      });
      emit(opts, r, () =>
        r.kind === 'inclusion'
          ? [
              `event ${r.index}${r.event ? ` (${r.event.action} ${r.event.subject} by ${r.event.actor})` : ''} is in the log of ${r.size} events`,
              `  leaf ${r.leafHash}`,
              ...r.proof.map((h, i) => `  proof[${i}] ${h}`),
              `  root ${r.rootHash}`,
              `verified locally: ${r.event ? 'the event hashes to the leaf, ' : ''}the proof leads to the root signed in checkpoint ${r.size} (log key from ${r.keySource})`,
            ].join('\n')
          : [
              `the log of ${r.from} events is a prefix of the log of ${r.to} events`,
              ...r.proof.map((h, i) => `  proof[${i}] ${h}`),
              `verified locally: both checkpoints are signed by the log key (from ${r.keySource}) and the proof links root ${r.fromRoot} to ${r.toRoot}`,
            ].join('\n'),
      );
    });
  audit
    .command('verify')
    .description('recompute the whole log from the event rows, check every checkpoint, every anchor against the local log (not on its ledger), and every version\'s files and evidence against what the log recorded; exit 1 naming each problem')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const report = await withSession(opts, async (s) => (await integrityOf(s)).verifyLog());
      const anchorScope = `  ${report.checked.anchors} anchor(s) checked against the local log only (the root each records and its anchor.record event); no ledger was consulted`;
      emit(opts, report, () =>
        (report.ok
          ? [`audit log verified: ${report.size} events, ${report.checked.checkpoints} checkpoints, ${report.checked.anchors} anchors${report.checked.versions === undefined ? '' : `, ${report.checked.versions} versions and ${report.checked.evidence ?? 0} evidence records against the log`}, no problems`]
          : [`audit log verification FAILED: ${report.problems.length} problem(s) in ${report.size} events`, ...report.problems.map((p) => `  ${p.kind.padEnd(22)} ${p.message}`)]
        )
          .concat(report.checked.anchors > 0 ? [anchorScope] : [])
          .join('\n'),
      );
      if (!report.ok) process.exitCode = 1;
    });
}
