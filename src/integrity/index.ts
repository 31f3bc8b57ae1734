export { IntegrityService } from './integrity-service.ts';
export type { AnchorsDocument, AnchorsDocumentCheckpoint, IntegrityApi, LogPublicKey, TrustedKeys } from './types.ts';
