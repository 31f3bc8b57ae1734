import { ModelVaultError } from '../core/errors.ts';
import { eventLeafHash } from './event-leaf.ts';
import { openCheckpoint, verifyConsistency, verifyInclusion, type Checkpoint, type NoteVerifier } from './log/index.ts';
import type { AuditLogEntry, ConsistencyProof, InclusionProof } from './types.ts';

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/** Opens a signed checkpoint with the log's verifier; a bad signature or a note by another key is `verification_failed`. */
export function openLogCheckpoint(note: string, verifier: NoteVerifier, what: string): Checkpoint {
  try {
    return openCheckpoint(note, [verifier]).checkpoint;
  } catch (err) {
    const e = err as ModelVaultError;
    throw new ModelVaultError('verification_failed', `${what}: the checkpoint's signature does not verify with the log key ${verifier.name}: ${e.message}`, { hint: 'the checkpoint was altered, or it comes from another log' }, { cause: err });
  }
}

/**
 * Checks an inclusion proof locally: the checkpoint's signature, that it signs the proof's size and root, that the
 * event (when given) hashes to the proven leaf, and the RFC 9162 path. Throws `verification_failed` naming the fault.
 */
export function checkInclusionProof(proof: InclusionProof, verifier: NoteVerifier, event?: AuditLogEntry): Checkpoint {
  const cp = openLogCheckpoint(proof.checkpoint, verifier, `checkpoint ${proof.size}`);
  if (cp.size !== proof.size || !cp.rootHash.equals(b64(proof.rootHash))) {
    throw new ModelVaultError('verification_failed', `the signed checkpoint is of size ${cp.size} with another root than the proof claims (size ${proof.size})`, {});
  }
  if (event !== undefined) {
    const leaf = eventLeafHash(event.index, { time: event.time, actor: event.actor, action: event.action, subject: event.subject, model: event.model, payload_json: JSON.stringify(event.payload) });
    if (!leaf.equals(b64(proof.leafHash))) {
      throw new ModelVaultError('verification_failed', `event ${event.index} (${event.action} ${event.subject}) does not hash to the proven leaf: the event as served differs from the logged one`, { index: event.index });
    }
  }
  verifyInclusion(proof.index, proof.size, b64(proof.leafHash), proof.proof.map(b64), cp.rootHash);
  return cp;
}

/**
 * Checks a consistency proof locally: both checkpoints' signatures, their sizes and roots, and the RFC 9162 proof.
 * `previous`, a checkpoint note saved earlier, takes the place of the served older checkpoint.
 */
export function checkConsistencyProof(proof: ConsistencyProof, verifier: NoteVerifier, previous?: string): { from: Checkpoint; to: Checkpoint } {
  const from = openLogCheckpoint(previous ?? proof.fromCheckpoint, verifier, `checkpoint ${proof.from}`);
  const to = openLogCheckpoint(proof.toCheckpoint, verifier, `checkpoint ${proof.to}`);
  if (to.size !== proof.to || from.size !== proof.from) {
    throw new ModelVaultError('verification_failed', `the proof is from size ${proof.from} to ${proof.to}, but the checkpoints are of sizes ${from.size} and ${to.size}`, {});
  }
  if (to.size < from.size) {
    throw new ModelVaultError('verification_failed', `the newer checkpoint (size ${to.size}) is older than the earlier one (size ${from.size}): a log never shrinks`, {});
  }
  verifyConsistency(from.size, to.size, proof.proof.map(b64), from.rootHash, to.rootHash);
  return { from, to };
}
