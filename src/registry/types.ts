import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/db/schema.ts';
import type { Digest } from '../core/digest.ts';
import type { Stage } from '../core/names.ts';
import type { Static } from '../core/schema.ts';

import type * as S from './schemas.ts';

/** One file of a version. */
export type ManifestEntry = Static<typeof S.ManifestEntry>;
/** One file of a version to register (the format may be left to the registry). */
export type ManifestEntryInput = Static<typeof S.ManifestEntryInput>;
/** A typed lineage link from a version. */
export type LineageEdge = Static<typeof S.LineageEdge>;
/** One stage transition. */
export type StageChange = Static<typeof S.StageChange>;
/** A model as listed. */
export type ModelSummary = Static<typeof S.ModelSummary>;
/** A model with its aliases and stage holders. */
export type ModelDetail = Static<typeof S.ModelDetail>;
/** A version as listed. */
export type VersionSummary = Static<typeof S.VersionSummary>;
/** What a version carries to be trusted: a signature, a scan report, a gate result, an approval. */
export type EvidenceSummary = Static<typeof S.EvidenceSummary>;
/** A piece of evidence with its body. */
export type Evidence = Static<typeof S.Evidence>;
/** Evidence to attach to a version. */
export type NewEvidence = Static<typeof S.NewEvidence>;
/** A version with everything it carries. */
export type VersionDetail = Static<typeof S.VersionDetail>;

/** A page of results and the cursor for the next one (the schema is `pageOf`). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Filters for `models list`. */
export type ModelFilter = Static<typeof S.ModelFilter>;
/** Filters for `versions list`. */
export type VersionFilter = Static<typeof S.VersionFilter>;
/** What a client sends to register a version (its blobs must already be stored). */
export type RegisterVersionInput = Static<typeof S.RegisterVersionInput>;
/** Outcome of registering a version. */
export type RegisterResult = Static<typeof S.RegisterResult>;
/** Outcome of a stage transition. */
export type StageResult = Static<typeof S.StageResult>;
/** One audit event. */
export type RegistryEvent = Static<typeof S.RegistryEvent>;
/** Filters for the event log. */
export type EventFilter = Static<typeof S.EventFilter>;
/** A node of the lineage graph. */
export type LineageNode = Static<typeof S.LineageNode>;
/** Ancestors and descendants of a version. */
export type LineageGraph = Static<typeof S.LineageGraph>;

/** Target of tags and descriptions: a model, or one of its versions. */
export interface Target {
  name: string;
  version?: string;
}

/** Operations on the registry, the same in embedded and remote mode. */
export interface RegistryApi {
  registerVersion(input: RegisterVersionInput): Promise<RegisterResult>;
  getVersion(ref: string): Promise<VersionDetail>;
  getModel(name: string): Promise<ModelDetail>;
  listModels(filter?: ModelFilter): Promise<Page<ModelSummary>>;
  listVersions(name: string, filter?: VersionFilter): Promise<Page<VersionSummary>>;
  setStage(ref: string, stage: Stage, reason?: string): Promise<StageResult>;
  rollback(name: string, stage?: Stage, reason?: string): Promise<StageResult>;
  stageHistory(name: string): Promise<StageChange[]>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  removeAlias(name: string, alias: string): Promise<void>;
  setTags(target: Target, tags: Record<string, string>): Promise<void>;
  removeTags(target: Target, keys: string[]): Promise<void>;
  setDescription(target: Target, description: string): Promise<void>;
  lineage(ref: string, options?: { depth?: number }): Promise<LineageGraph>;
  events(filter?: EventFilter): Promise<Page<RegistryEvent>>;
  addEvidence(ref: string, evidence: NewEvidence): Promise<EvidenceSummary>;
  listEvidence(ref: string, kind?: string): Promise<Evidence[]>;
}

/** The registry as its own capabilities see it: they may also record evidence they measured (a scan report). */
export interface MeasuringRegistryApi extends RegistryApi {
  /** Records evidence of any kind; `addEvidence` refuses the kinds only the registry measures. */
  recordMeasuredEvidence(ref: string, evidence: NewEvidence): Promise<EvidenceSummary>;
}

/** A version about to be registered, as hooks see it. */
export interface PendingVersion {
  name: string;
  version: string;
  files: ManifestEntry[];
  metadata: Record<string, unknown>;
}

/** A stage transition about to happen, as gates see it. */
export interface PendingTransition {
  name: string;
  version: string;
  from: Stage;
  to: Stage;
  manifestDigest: Digest;
  files: ManifestEntry[];
  evidence: Evidence[];
  /** True for a rollback. */
  rollback: boolean;
  /** The transaction the transition runs in: gates read registry state through it (SQLite has one connection). */
  db: Kysely<Database>;
}

/** Capabilities plug into the registry here: checks before registration and gates before promotion. */
export interface RegistryHooks {
  /** Runs before a new version is stored; throws to refuse it; returns evidence stored with the version. */
  beforeRegister?(pending: PendingVersion): Promise<NewEvidence[]>;
  /** Runs inside a stage transition; throws (e.g. `policy_violation`, `gate_failed`) to block it. */
  beforeStage?(transition: PendingTransition): Promise<void>;
}

/** Moving bytes in and out of the registry. */
export interface BlobTransport {
  /** Hashes and stores local files (each read as few times as the transport allows), in input order. */
  storeFiles(paths: string[], onProgress?: (index: number, bytes: number) => void): Promise<{ digest: Digest; size: number }[]>;
  /** Opens a blob from `offset`; the caller verifies the digest. */
  openBlob(digest: Digest, options?: { offset?: number }): Promise<Readable>;
}
