import { SHA256_HEX_PATTERN } from '../../core/digest.ts';
import { Closed, Matching, Type } from '../../core/schema.ts';
import * as audit from '../../audit/schemas.ts';
import * as integrity from '../../integrity/schemas.ts';

// Trusted keys, the signing policy, the audit log with its proofs, and anchors as the HTTP API carries them:
// the values are the capabilities' own schemas; what is declared here is HTTP's (parameters, queries, bodies).

const Positive = Type.Integer({ minimum: 1 });

export const KeyIdParams = Closed({ keyId: Matching(SHA256_HEX_PATTERN, 64, { description: 'sha256 hex of the public key PEM' }) });
export const TrustedKey = integrity.TrustedKey;
export const TrustedKeys = integrity.TrustedKeys;
export const TrustKeyBody = integrity.TrustKeyInput;
export const TrustResult = integrity.TrustResult;
export const LogKey = integrity.LogPublicKey;

export const AuditLogQuery = audit.AuditLogFilter;
export const AuditEntry = audit.AuditLogEntry;
export const AuditLogPage = audit.AuditLogPage;
export const Checkpoint = audit.SignedCheckpoint;
export const InclusionQuery = Closed({ index: Type.Integer({ minimum: 0 }), size: Type.Optional(Positive) });
export const InclusionProof = audit.InclusionProof;
export const ConsistencyQuery = Closed({ from: Positive, to: Type.Optional(Positive) });
export const ConsistencyProof = audit.ConsistencyProof;
export const AuditReport = audit.AuditReport;
export const AnchorBody = audit.AnchorInput;
export const Anchor = audit.Anchor;
export const ExportAnchorsQuery = Closed({ all: Type.Optional(Type.Boolean()) });
