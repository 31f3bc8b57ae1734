import type { Kysely } from 'kysely';
import { ModelVaultError } from '../../core/errors.ts';
import type { Database } from '../../storage/db/schema.ts';
import type { AnchorsDocument, AnchorsDocumentCheckpoint, LogPublicKey } from '../types.ts';

/** File name under which the anchors export is written. */
export const ANCHORS_FILE_NAME = 'Blockchain_Anchors.json';

/** Which checkpoints the anchors export lists. */
export interface ExportAnchorsOptions {
  /** Every stored checkpoint instead of the anchored ones plus the latest. */
  all?: boolean;
}

// Checkpoints read per query when exporting all of them.
const PAGE = 1000;

/**
 * `Blockchain_Anchors.json`: the log's origin and verifier key, and the checkpoints to publish (each anchored
 * one and the latest, or all) with where each was anchored. Only public data: notes are signed, keys are verifier keys.
 */
export async function exportAnchors(db: Kysely<Database>, key: LogPublicKey, options: ExportAnchorsOptions = {}): Promise<AnchorsDocument> {
  const anchors = await db.selectFrom('anchors').select(['checkpoint_size', 'ledger', 'tx', 'recorded_at']).orderBy('id').execute();
  const anchorsOf = new Map<number, AnchorsDocumentCheckpoint['anchors']>();
  for (const a of anchors) {
    const size = Number(a.checkpoint_size);
    anchorsOf.set(size, [...(anchorsOf.get(size) ?? []), { ledger: a.ledger, tx: a.tx, recorded_at: a.recorded_at }]);
  }
  const rows: { size: number; note: string; created_at: string }[] = [];
  if (options.all) {
    for (let after = -1; ; ) {
      const page = await db.selectFrom('checkpoints').select(['size', 'note', 'created_at']).where('size', '>', after).orderBy('size').limit(PAGE).execute();
      rows.push(...page.map((r) => ({ ...r, size: Number(r.size) })));
      if (page.length < PAGE) break;
      after = Number(page[page.length - 1]!.size);
    }
  } else {
    const latest = await db.selectFrom('checkpoints').select((eb) => eb.fn.max('size').as('last')).executeTakeFirst();
    const sizes = [...new Set([...anchorsOf.keys(), ...(latest?.last === null || latest?.last === undefined ? [] : [Number(latest.last)])])];
    if (sizes.length > 0) {
      const found = await db.selectFrom('checkpoints').select(['size', 'note', 'created_at']).where('size', 'in', sizes).orderBy('size').execute();
      rows.push(...found.map((r) => ({ ...r, size: Number(r.size) })));
    }
  }
  return {
    origin: key.origin,
    log_public_key: key.verifierKey,
    checkpoints: rows.map((r) => ({ ...noteParts(r.note, key, r.size), size: r.size, time: r.created_at, anchors: anchorsOf.get(r.size) ?? [] })),
  };
}

function noteParts(note: string, key: LogPublicKey, size: number): { origin: string; root_hash: string; signature: string } {
  const split = note.lastIndexOf('\n\n');
  const [origin = '', , root = ''] = note.slice(0, split < 0 ? 0 : split).split('\n');
  const signature = note
    .slice(split + 2)
    .split('\n')
    .find((l) => l.startsWith(`\u2014 ${key.origin} `));
  if (split < 0 || signature === undefined) {
    throw new ModelVaultError('verification_failed', `checkpoint ${size} carries no signature by the log key ${key.origin}`, { size, hint: 'run `modelvault audit verify`' });
  }
  return { origin, root_hash: root, signature };
}
