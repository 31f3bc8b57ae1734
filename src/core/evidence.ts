/** An evidence kind: a short lower-case word such as `signature` or `scan`. */
export const EVIDENCE_KIND_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** The key id evidence names, in hexadecimal. */
export const EVIDENCE_KEY_ID_PATTERN = /^[0-9a-f]{8,128}$/;

/** Evidence kind of a scan report stored with a version. */
export const SCAN_EVIDENCE_KIND = 'scan';
