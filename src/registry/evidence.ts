import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.ts';
import type { Digest } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { EVIDENCE_KEY_ID_PATTERN, EVIDENCE_KIND_PATTERN } from '../core/evidence.ts';
import type { RegistryScope } from './context.ts';
import { GATES_EVIDENCE_KIND } from '../core/evidence.ts';
import { appendEvents, type NewEvent } from './events.ts';
import { evidenceOf, now, resolveRow, type Trx } from './queries.ts';
import type { Evidence, EvidenceSummary, NewEvidence } from './types.ts';

/** Validates and stores evidence for a version inside the caller's transaction. */
export async function insertEvidence(trx: Trx, versionId: number, items: NewEvidence[], t: string): Promise<EvidenceSummary[]> {
  const out: EvidenceSummary[] = [];
  for (const item of items) {
    if (typeof item.kind !== 'string' || !EVIDENCE_KIND_PATTERN.test(item.kind)) {
      throw new ModelVaultError('invalid_input', `evidence kind ${JSON.stringify(item.kind)} is not valid`, { field: 'kind', hint: 'use a short lower-case word such as signature or scan' });
    }
    if (item.keyId !== undefined && item.keyId !== null && (typeof item.keyId !== 'string' || !EVIDENCE_KEY_ID_PATTERN.test(item.keyId))) {
      throw new ModelVaultError('invalid_input', 'evidence keyId must be a hexadecimal key id', { field: 'keyId' });
    }
    const body = canonicalJson(item.body ?? null);
    if (body.length > 16 * 1024 * 1024) throw new ModelVaultError('payload_too_large', 'evidence body is larger than 16 MiB', { field: 'body' });
    const digest: Digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const row = await trx
      .insertInto('evidence')
      .values({ version_id: versionId, kind: item.kind, digest, key_id: item.keyId ?? null, body, created_at: t })
      .returning('id')
      .executeTakeFirstOrThrow();
    out.push({ id: Number(row.id), kind: item.kind, digest, keyId: item.keyId ?? null, createdAt: t });
  }
  return out;
}

/** The required gates a failed gate run names, or undefined when the evidence is not a failed gate run. */
function failedGates(evidence: NewEvidence): string[] | undefined {
  if (evidence.kind !== GATES_EVIDENCE_KIND) return undefined;
  const body = evidence.body as { passed?: unknown; gates?: { name?: unknown; required?: unknown; status?: unknown }[] };
  if (body.passed !== false) return undefined;
  return (Array.isArray(body.gates) ? body.gates : []).filter((g) => g.required === true && g.status !== 'passed').map((g) => String(g.name));
}

/** Attaches one piece of evidence of any kind to a version and logs it (callers decide which kinds a client may send). */
export async function addEvidence(s: RegistryScope, ref: string, evidence: NewEvidence): Promise<EvidenceSummary> {
  return s.db.transaction().execute(async (trx) => {
    const { model, row } = await resolveRow(trx, ref);
    const t = now();
    const [added] = await insertEvidence(trx, Number(row.id), [evidence], t);
    const subject = `${model.name}@${row.version}`;
    const events: NewEvent[] = [{ actor: s.actor, action: 'evidence.add', subject, model: model.name, payload: { kind: added!.kind, digest: added!.digest, key_id: added!.keyId, manifest_digest: row.manifest_digest } }];
    // A gate run that failed is an event of its own, so webhooks and the audit log can name it.
    const failed = failedGates(evidence);
    if (failed) events.push({ actor: s.actor, action: 'gate.failed', subject, model: model.name, payload: { kind: added!.kind, digest: added!.digest, key_id: null, manifest_digest: row.manifest_digest, gates: failed } });
    await appendEvents(trx, events, t);
    return added!;
  });
}

/** The evidence of a version, optionally of one kind. */
export async function listEvidence(s: RegistryScope, ref: string, kind?: string): Promise<Evidence[]> {
  const { row } = await resolveRow(s.db, ref);
  return evidenceOf(s.db, Number(row.id), kind);
}
