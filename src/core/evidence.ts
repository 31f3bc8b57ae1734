import { ModelVaultError } from './errors.ts';

/** An evidence kind: a short lower-case word such as `signature` or `scan`. */
export const EVIDENCE_KIND_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** The key id evidence names, in hexadecimal. */
export const EVIDENCE_KEY_ID_PATTERN = /^[0-9a-f]{8,128}$/;

/** Evidence kind of a scan report stored with a version. */
export const SCAN_EVIDENCE_KIND = 'scan';

/** Evidence kind of a model evaluation the registry ran on its stored bytes. */
export const EVALUATION_EVIDENCE_KIND = 'evaluation';

/** Evidence kind of a quality-gate run. */
export const GATES_EVIDENCE_KIND = 'gates';

/** Kinds only the registry measures itself: stage gates trust them, so no client may submit one. */
export const REGISTRY_MEASURED_KINDS: readonly string[] = [SCAN_EVIDENCE_KIND, EVALUATION_EVIDENCE_KIND, GATES_EVIDENCE_KIND];

// Who in the registry measures each kind, and how to have it measured again.
const MEASURED_BY: Record<string, { by: string; again: (ref: string) => string }> = {
  [SCAN_EVIDENCE_KIND]: { by: "the registry's scanner", again: (ref) => `re-scan the stored files with \`modelvault scan ${ref} --rescan\`` },
  [EVALUATION_EVIDENCE_KIND]: { by: "the registry's evaluator", again: (ref) => `let the registry evaluate the stored model: \`modelvault evaluate ${ref} --data FILE\`` },
  [GATES_EVIDENCE_KIND]: { by: "the registry's quality gates", again: (ref) => `let the registry run the gates: \`modelvault gates run ${ref} --data FILE\`` },
};

/** Throws `forbidden` when a client submits evidence of a kind only the registry measures. */
export function assertClientEvidenceKind(kind: string, ref: string): void {
  const m = MEASURED_BY[kind];
  if (m && REGISTRY_MEASURED_KINDS.includes(kind)) {
    throw new ModelVaultError('forbidden', `${kind} evidence is recorded by ${m.by}, not sent by clients`, { field: 'kind', reference: ref, hint: m.again(ref) });
  }
}
