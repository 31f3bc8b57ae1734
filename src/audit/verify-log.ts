import type { Kysely } from 'kysely';
import type { Database } from '../storage/db/schema.ts';
import { openCheckpoint, type TreeNode } from './log/index.ts';
import { eventLeafHash, type EventLeafFields } from './event-leaf.ts';
import type { LogKey } from './log-key.ts';
import { SqlTreeNodeStore } from './sql-tree-node-store.ts';
import { TreeReplay } from './tree-replay.ts';
import type { AuditProblem, AuditReport } from './types.ts';

/** Tuning for `verifyLog`. */
export interface VerifyOptions {
  /** Leaves (and checkpoints) read per query. */
  pageSize?: number;
  /** Problems listed before the report is cut short. */
  maxProblems?: number;
}

interface EventRow extends EventLeafFields {
  id: number;
  leaf_index: number;
}

interface CheckpointRow {
  size: number;
  root_hash: Buffer;
  note: string;
}

interface AnchorRow {
  id: number;
  checkpoint_size: number;
  root_hash: Buffer;
  ledger: string;
  tx: string;
  seenCheckpoint: boolean;
  logged: boolean;
}

// An event row whose leaf differs from the stored one: kept to tell an edit from a move once the scan ends.
interface Mismatch {
  index: number;
  row: EventRow;
  stored: Buffer;
}

const MAX_MISMATCHES_PAIRED = 200;

/**
 * Recomputes the audit log from the event rows, streaming them by leaf index in pages, and checks every stored
 * tree node, every checkpoint (signature, root at its size) and every anchor. Problems name the event row
 * (leaf index and id), node, checkpoint or anchor at fault; memory stays O(page + log n).
 */
export async function verifyLog(db: Kysely<Database>, key: LogKey, options: VerifyOptions = {}): Promise<AuditReport> {
  const pageSize = options.pageSize ?? 2000;
  const maxProblems = options.maxProblems ?? 1000;
  const problems: AuditProblem[] = [];
  let dropped = 0;
  const report = (p: AuditProblem): void => {
    if (problems.length < maxProblems) problems.push(p);
    else dropped += 1;
  };
  const checked = { events: 0, checkpoints: 0, anchors: 0 };

  const storedLeaves = await new SqlTreeNodeStore(db).size();
  const lastRow = await db.selectFrom('events').select((eb) => eb.fn.max('leaf_index').as('last')).executeTakeFirst();
  const lastCheckpoint = await db.selectFrom('checkpoints').select((eb) => eb.fn.max('size').as('last')).executeTakeFirst();
  const rowsEnd = lastRow?.last === null || lastRow?.last === undefined ? 0 : Number(lastRow.last) + 1;
  const signedSize = lastCheckpoint?.last === null || lastCheckpoint?.last === undefined ? 0 : Number(lastCheckpoint.last);
  const total = Math.max(storedLeaves, rowsEnd, signedSize);

  for (const r of await db.selectFrom('events').select('id').where('leaf_index', 'is', null).orderBy('id').limit(maxProblems).execute()) {
    checked.events += 1;
    report({ kind: 'event_unlogged', id: Number(r.id), message: `event row id ${Number(r.id)} has no leaf index: it was never appended to the log (or its index was erased)` });
  }

  const anchors: AnchorRow[] = (await db.selectFrom('anchors').selectAll().orderBy('id').execute()).map((a) => ({
    id: Number(a.id),
    checkpoint_size: Number(a.checkpoint_size),
    root_hash: Buffer.from(a.root_hash),
    ledger: a.ledger,
    tx: a.tx,
    seenCheckpoint: false,
    logged: false,
  }));
  checked.anchors = anchors.length;
  const anchorsBySize = new Map<number, AnchorRow[]>();
  for (const a of anchors) anchorsBySize.set(a.checkpoint_size, [...(anchorsBySize.get(a.checkpoint_size) ?? []), a]);

  const checkpoints = checkpointPages(db, pageSize);
  let cp = await checkpoints.next();
  const replay = new TreeReplay();
  const mismatches: Mismatch[] = [];
  const badNodes = new Set<string>();
  let prev: EventRow | undefined;
  let gap: { start: number; afterId?: number } | undefined;
  let broken = false;

  const checkCheckpoints = async (): Promise<void> => {
    while (cp !== undefined && cp.size <= replay.size) {
      checked.checkpoints += 1;
      checkCheckpoint(cp, replay.root(), key, anchorsBySize.get(cp.size) ?? [], report);
      cp = await checkpoints.next();
    }
  };
  const closeGap = (end: number, beforeId: number | undefined): void => {
    if (!gap) return;
    const between = `${gap.afterId === undefined ? 'before the first row' : `after row id ${gap.afterId}`}${beforeId === undefined ? '' : `, before row id ${beforeId}`}`;
    const what = end - gap.start === 1 ? `the event at index ${gap.start} was deleted` : `the events at indices ${gap.start}-${end - 1} (${end - gap.start}) were deleted`;
    report({ kind: 'event_missing', index: gap.start, message: `${what}: no event row holds ${end - gap.start === 1 ? 'it' : 'them'} (${between})` });
    gap = undefined;
  };

  await checkCheckpoints();
  for (let start = 0; start < total && !broken; start += pageSize) {
    const end = Math.min(start + pageSize, total);
    const rows = await db
      .selectFrom('events')
      .select(['id', 'leaf_index', 'time', 'actor', 'action', 'subject', 'model', 'payload_json'])
      .where('leaf_index', '>=', start)
      .where('leaf_index', '<', end)
      .orderBy('leaf_index')
      .orderBy('id')
      .execute();
    const byIndex = new Map<number, EventRow>();
    for (const r of rows) {
      checked.events += 1;
      const row: EventRow = { ...r, id: Number(r.id), leaf_index: Number(r.leaf_index) };
      const other = byIndex.get(row.leaf_index);
      if (other) {
        report({ kind: 'event_duplicate', index: row.leaf_index, id: row.id, message: `event row id ${row.id} claims leaf index ${row.leaf_index}, already held by row id ${other.id}` });
        continue;
      }
      byIndex.set(row.leaf_index, row);
    }
    const storedRows = await db.selectFrom('log_nodes').select(['idx', 'hash']).where('level', '=', 0).where('idx', '>=', start).where('idx', '<', end).execute();
    const stored = new Map(storedRows.map((n) => [Number(n.idx), Buffer.from(n.hash)]));
    const produced: TreeNode[] = [];

    for (let i = start; i < end; i += 1) {
      const row = byIndex.get(i);
      const storedLeaf = stored.get(i);
      if (row) {
        closeGap(i, row.id);
        if (prev && row.id <= prev.id) {
          report({ kind: 'event_reordered', index: i, id: row.id, message: `event row id ${row.id} (index ${i}) sits before row id ${prev.id} (index ${prev.leaf_index}) in the table although it was logged after it` });
        }
        prev = row;
      } else if (storedLeaf && !gap) {
        gap = { start: i, ...(prev ? { afterId: prev.id } : {}) };
      }
      const computed = row ? leafOf(i, row) : undefined;
      let leaf: Buffer;
      if (storedLeaf) {
        if (row && !(computed && computed.equals(storedLeaf))) mismatches.push({ index: i, row, stored: storedLeaf });
        // A bad row is reported on its own; the stored leaf stands in for it so the rest of the tree still checks.
        leaf = storedLeaf;
      } else if (computed) {
        report({ kind: 'node_missing', index: i, level: 0, id: row!.id, message: `the leaf of event row id ${row!.id} (index ${i}) is missing from the tree` });
        leaf = computed;
      } else {
        closeGap(i, undefined);
        report({ kind: 'log_broken', index: i, message: `leaf ${i} has neither a readable event row nor a stored hash: the tree cannot be recomputed from here on` });
        broken = true;
        break;
      }
      if (row && row.action === 'anchor.record' && computed?.equals(leaf)) markLoggedAnchor(row, anchors);
      produced.push(...replay.push(leaf).slice(1));
      await checkCheckpoints();
    }
    await compareNodes(db, produced, badNodes, report);
  }
  if (!broken) closeGap(total, undefined);

  for (const m of mismatches.slice(0, MAX_MISMATCHES_PAIRED)) {
    const source = mismatches.find((o) => o !== m && leafOf(o.index, m.row)?.equals(o.stored));
    if (source) {
      report({ kind: 'event_reordered', index: m.index, id: m.row.id, message: `event row id ${m.row.id} at index ${m.index} holds the event logged at index ${source.index}: rows were swapped or moved` });
    } else {
      report({ kind: 'event_edited', index: m.index, id: m.row.id, message: `event row id ${m.row.id} (index ${m.index}) was edited: its content no longer matches leaf ${m.index} of the log` });
    }
  }
  for (const m of mismatches.slice(MAX_MISMATCHES_PAIRED)) {
    report({ kind: 'event_edited', index: m.index, id: m.row.id, message: `event row id ${m.row.id} (index ${m.index}) does not match leaf ${m.index} of the log` });
  }

  if (broken) {
    for (; cp !== undefined; cp = await checkpoints.next()) {
      report({ kind: 'checkpoint_root', size: cp.size, message: `checkpoint ${cp.size} could not be checked: the tree is broken below its size` });
    }
  } else {
    for (; cp !== undefined; cp = await checkpoints.next()) {
      report({ kind: 'checkpoint_beyond_log', size: cp.size, message: `checkpoint ${cp.size} covers leaves the log does not hold (it has ${total})` });
    }
    if (signedSize < total) {
      report({ kind: 'checkpoint_missing', size: total, message: `leaves ${signedSize}-${total - 1} are covered by no signed checkpoint (the latest is at size ${signedSize})` });
    }
    await findExtraNodes(db, total, report);
  }

  for (const a of anchors) {
    if (!a.seenCheckpoint) {
      report({ kind: 'anchor_unknown_checkpoint', id: a.id, size: a.checkpoint_size, message: `anchor id ${a.id} (${a.ledger} ${a.tx}) points at checkpoint ${a.checkpoint_size}, which the log does not hold` });
    }
    if (!a.logged) {
      report({ kind: 'anchor_unlogged', id: a.id, size: a.checkpoint_size, message: `anchor id ${a.id} (${a.ledger} ${a.tx}) has no matching anchor.record event in the log` });
    }
  }
  if (dropped > 0) problems.push({ kind: 'too_many_problems', message: `${dropped} more problems were found and not listed` });
  return { ok: problems.length === 0, size: total, checked, problems };
}

function leafOf(index: number, row: EventLeafFields): Buffer | undefined {
  try {
    return eventLeafHash(index, row);
  } catch {
    // An edited payload that is not JSON any more: it matches no leaf.
    return undefined;
  }
}

function checkCheckpoint(cp: CheckpointRow, recomputed: Buffer, key: LogKey, anchors: AnchorRow[], report: (p: AuditProblem) => void): void {
  for (const a of anchors) {
    a.seenCheckpoint = true;
    if (!a.root_hash.equals(recomputed) || !a.root_hash.equals(cp.root_hash)) {
      report({ kind: 'anchor_root', id: a.id, size: cp.size, message: `anchor id ${a.id} (${a.ledger} ${a.tx}) records a root for checkpoint ${cp.size} that is not the log's root at that size` });
    }
  }
  let signed;
  try {
    signed = openCheckpoint(cp.note, [key.verifier]).checkpoint;
  } catch (err) {
    report({ kind: 'checkpoint_signature', size: cp.size, message: `checkpoint ${cp.size} does not verify with the log key ${key.origin}: ${(err as Error).message}` });
    return;
  }
  if (signed.origin !== key.origin || signed.size !== cp.size || !signed.rootHash.equals(cp.root_hash)) {
    report({ kind: 'checkpoint_mismatch', size: cp.size, message: `checkpoint ${cp.size}: the stored origin, size or root differs from its signed note (origin ${signed.origin}, size ${signed.size})` });
  }
  if (!signed.rootHash.equals(recomputed)) {
    report({ kind: 'checkpoint_root', size: cp.size, message: `checkpoint ${cp.size} signs root ${signed.rootHash.toString('base64')}, but the events give ${recomputed.toString('base64')} at that size` });
  }
}

function markLoggedAnchor(row: EventRow, anchors: AnchorRow[]): void {
  const p = JSON.parse(row.payload_json) as { checkpoint_size?: unknown; root_hash?: unknown; ledger?: unknown; tx?: unknown };
  for (const a of anchors) {
    if (a.ledger === p.ledger && a.tx === p.tx && a.checkpoint_size === p.checkpoint_size && a.root_hash.toString('base64') === p.root_hash) a.logged = true;
  }
}

// Checks the interior nodes one page of leaves completed, in one query; a node whose child is already
// reported is not reported again, so one bad node does not drown the report in its ancestors.
async function compareNodes(db: Kysely<Database>, produced: readonly TreeNode[], badNodes: Set<string>, report: (p: AuditProblem) => void): Promise<void> {
  if (produced.length === 0) return;
  const ranges = new Map<number, { min: number; max: number }>();
  for (const n of produced) {
    const r = ranges.get(n.level);
    ranges.set(n.level, r ? { min: Math.min(r.min, n.index), max: Math.max(r.max, n.index) } : { min: n.index, max: n.index });
  }
  const rows = await db
    .selectFrom('log_nodes')
    .select(['level', 'idx', 'hash'])
    .where((eb) => eb.or([...ranges].map(([level, r]) => eb.and([eb('level', '=', level), eb('idx', '>=', r.min), eb('idx', '<=', r.max)]))))
    .execute();
  const stored = new Map(rows.map((r) => [`${Number(r.level)}/${Number(r.idx)}`, Buffer.from(r.hash)]));
  for (const n of produced) {
    const id = `${n.level}/${n.index}`;
    const hash = stored.get(id);
    if (hash?.equals(n.hash)) continue;
    const childBad = badNodes.has(`${n.level - 1}/${2 * n.index}`) || badNodes.has(`${n.level - 1}/${2 * n.index + 1}`);
    badNodes.add(id);
    if (childBad) continue;
    const leaves = `leaves ${n.index * 2 ** n.level}-${(n.index + 1) * 2 ** n.level - 1}`;
    report(
      hash === undefined
        ? { kind: 'node_missing', level: n.level, index: n.index, message: `tree node (level ${n.level}, index ${n.index}) over ${leaves} is missing` }
        : { kind: 'node_mismatch', level: n.level, index: n.index, message: `tree node (level ${n.level}, index ${n.index}) over ${leaves} does not match the events` },
    );
  }
}

async function findExtraNodes(db: Kysely<Database>, total: number, report: (p: AuditProblem) => void): Promise<void> {
  const counts = await db.selectFrom('log_nodes').select(['level', (eb) => eb.fn.max('idx').as('last')]).groupBy('level').execute();
  for (const c of counts) {
    const level = Number(c.level);
    const last = Number(c.last);
    const want = Math.floor(total / 2 ** level);
    if (last >= want) report({ kind: 'node_extra', level, index: last, message: `tree node (level ${level}, index ${last}) lies beyond a log of ${total} leaves` });
  }
}

function checkpointPages(db: Kysely<Database>, pageSize: number): { next(): Promise<CheckpointRow | undefined> } {
  let page: CheckpointRow[] = [];
  let at = 0;
  let after = -1;
  let done = false;
  return {
    async next() {
      if (at === page.length && !done) {
        const rows = await db.selectFrom('checkpoints').select(['size', 'root_hash', 'note']).where('size', '>', after).orderBy('size').limit(pageSize).execute();
        page = rows.map((r) => ({ size: Number(r.size), root_hash: Buffer.from(r.root_hash), note: r.note }));
        at = 0;
        done = rows.length < pageSize;
        after = page[page.length - 1]?.size ?? after;
      }
      return page[at++];
    },
  };
}
