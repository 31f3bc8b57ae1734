// The registry's one door: other folders import from here, never from a file inside (its HTTP contract,
// the request and response schemas, is the second door: schemas.ts, loaded only where a server needs it).
export { DEFAULT_PRODUCTION_APPROVALS, defaultConfig, loadConfig, policyOptions } from './config.ts';
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from './server-limits.ts';
export type { ApprovalsConfig, BlockingVerdict, RegistryConfig, ScanGateConfig, SigningConfig } from './config.ts';
export type { RegistryContext } from './context.ts';
export { EmbeddedBlobTransport } from './embedded-transport.ts';
export { appendEvents, readEvents } from './events.ts';
export type { NewEvent } from './events.ts';
export { lineageToDot, lineageToMermaid, lineageToText } from './lineage-render.ts';
export { ReadCache } from './read-cache.ts';
export { checkRecordedState } from './recorded-state.ts';
export type { StateProblem, StateReport } from './recorded-state.ts';
export { RegistryService } from './service.ts';
export { versionSortKey } from './sort-key.ts';
export { listModelFiles, pullVersion, storeModelFiles, verifyLocalDir, verifyStoredVersion } from './transfer.ts';
export type { LocalFile, PulledFile, PullOptions, StoreOptions, VerifyProblem } from './transfer.ts';
export type {
  Approval,
  ApprovalStatus,
  BlobTransport,
  EventFilter,
  Evidence,
  EvidenceRef,
  EvidenceSummary,
  LineageEdge,
  LineageGraph,
  LineageNode,
  ManifestEntry,
  ManifestEntryInput,
  MeasuringRegistryApi,
  MissingCheck,
  ModelDetail,
  ModelFilter,
  ModelSummary,
  MoveRecord,
  NewEvidence,
  Page,
  PendingTransition,
  PendingVersion,
  RegisterResult,
  RegisterVersionInput,
  RegistryApi,
  RegistryEvent,
  RegistryHooks,
  StageChange,
  StageHolder,
  StageOptions,
  StageResult,
  StagesAt,
  Target,
  VersionDetail,
  VersionFilter,
  VersionKey,
  VersionKeySelector,
  VersionDiff,
  VersionSummary,
} from './types.ts';
export { VersionSnapshot } from './version-snapshot.ts';
