import { Closed, Type } from '../core/schema.ts';
import type { ScanEvidenceBody } from './version-scan.ts';

// What the scanning service returns, declared once: the HTTP API documents it, the types are derived from it.

/** The stored scan report of one version; `rescanned` is true when it was just made from the stored blobs and recorded. */
export const VersionScan = Closed({
  name: Type.String(),
  version: Type.String(),
  manifestDigest: Type.String(),
  rescanned: Type.Boolean(),
  report: Type.Unsafe<ScanEvidenceBody>({
    type: 'object',
    additionalProperties: true,
    description: 'the scan report: scanner, verdict, counts, policy and each file with its format, verdict and findings',
  }),
});

/** A reviewed global the registry allows on top of the built-in allowlist. */
export const AllowlistEntry = Closed({ name: Type.String(), reason: Type.String(), reviewer: Type.String(), createdAt: Type.String() });
