import { ModelVaultError } from './errors.ts';

/** An evidence kind: a short lower-case word such as `signature` or `scan`. */
export const EVIDENCE_KIND_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** The key id evidence names, in hexadecimal. */
export const EVIDENCE_KEY_ID_PATTERN = /^[0-9a-f]{8,128}$/;

/** Evidence kind of a scan report stored with a version. */
export const SCAN_EVIDENCE_KIND = 'scan';

/** Evidence kind of quality-gate results: the latest one is what a promotion relied on. */
export const GATE_RESULTS_EVIDENCE_KIND = 'gate-results';

/** Kinds only the registry measures itself: stage gates trust them, so no client may submit one. */
export const REGISTRY_MEASURED_KINDS: readonly string[] = [SCAN_EVIDENCE_KIND];

/** Throws `forbidden` when a client submits evidence of a kind only the registry measures. */
export function assertClientEvidenceKind(kind: string, ref: string): void {
  if (REGISTRY_MEASURED_KINDS.includes(kind)) {
    throw new ModelVaultError('forbidden', `${kind} evidence is recorded by the registry's scanner, not sent by clients`, {
      field: 'kind',
      reference: ref,
      hint: `re-scan the stored files with \`modelvault scan ${ref} --rescan\``,
    });
  }
}
