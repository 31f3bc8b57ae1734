import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/db/schema.ts';
import type { Digest } from '../core/digest.ts';
import type { LineageEdge } from '../core/lineage.ts';
import type { ManifestEntry } from '../core/manifest.ts';
import type { Stage } from '../core/names.ts';
import type { Static } from '../core/schema.ts';

import type * as S from './schemas.ts';

export type { LineageEdge, ManifestEntry };
/** One file of a version to register (the format may be left to the registry). */
export type ManifestEntryInput = Static<typeof S.ManifestEntryInput>;
/** One stage transition. */
export type StageChange = Static<typeof S.StageChange>;
/** A check that refused a stage transition. */
export type MissingCheck = Static<typeof S.MissingCheck>;
/** One approval of a version for a stage. */
export type Approval = Static<typeof S.Approval>;
/** The approvals of a version for a stage, and whether they are enough. */
export type ApprovalStatus = Static<typeof S.ApprovalStatus>;
/** A piece of evidence a move relied on. */
export type EvidenceRef = Static<typeof S.EvidenceRef>;
/** What a move relied on. */
export type MoveRecord = Static<typeof S.MoveRecord>;
/** A version holding a stage at some time. */
export type StageHolder = Static<typeof S.StageHolder>;
/** Which version held each stage of a model at a time. */
export type StagesAt = Static<typeof S.StagesAt>;

/** Options of a stage transition or rollback. */
export interface StageOptions {
  /** Move even though checks refuse it (an admin's override); needs a reason and is recorded as forced with what was missing. */
  force?: boolean;
}
/** A model as listed. */
export type ModelSummary = Static<typeof S.ModelSummary>;
/** A model with its aliases and stage holders. */
export type ModelDetail = Static<typeof S.ModelDetail>;

/** A version's database id with its name, version and stage: what a capability keying rows by version reads. */
export interface VersionKey {
  id: number;
  name: string;
  version: string;
  stage: Stage;
}

/** Which versions `versionKeys` reads: every version of a model (or the named ones), or the versions with these ids. */
export type VersionKeySelector = { model: string; versions?: readonly string[] } | { ids: readonly number[] };

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
/** What changed from one version to another, and whether the later one's number states its signature change. */
export type VersionDiff = Static<typeof S.VersionDiff>;
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
  /** Registers a version whose blobs are stored; an identical re-push is a no-op, different content under the same version is refused. */
  registerVersion(input: RegisterVersionInput): Promise<RegisterResult>;
  /** Resolves a reference (`name@1.2.0`, `@production`, `@champion`, `@latest`) to the version with everything it carries. */
  getVersion(ref: string): Promise<VersionDetail>;
  /** A model with its aliases and the versions in each stage. */
  getModel(name: string): Promise<ModelDetail>;
  /** One page of models, filtered by name prefix or tag. */
  listModels(filter?: ModelFilter): Promise<Page<ModelSummary>>;
  /** One page of a model's versions, newest first, filtered by stage, tag, framework or date. */
  listVersions(name: string, filter?: VersionFilter): Promise<Page<VersionSummary>>;
  /**
   * Moves a version to a stage, running every check (approvals, then each hook's gate) and refusing with one error
   * that lists all that are missing; entering production demotes the current holder.
   */
  setStage(ref: string, stage: Stage, reason?: string, options?: StageOptions): Promise<StageResult>;
  /** Puts the previous holder of a stage back through the same checks, demoting the current one. */
  rollback(name: string, stage?: Stage, reason?: string, options?: StageOptions): Promise<StageResult>;
  /** Every stage transition of a model's versions, oldest first. */
  stageHistory(name: string): Promise<StageChange[]>;
  /** Which version held each stage of a model at `at` (ISO time, `now`, or a span before now such as `2h`), with what each move relied on. */
  stagesAt(name: string, at: string): Promise<StagesAt>;
  /** Approves a version for a stage as the acting user, who must not be its pusher; returns the version's approval status. */
  approve(ref: string, stage: Stage, comment?: string): Promise<ApprovalStatus>;
  /** The approvals of a version for a stage (production by default), current and stale. */
  listApprovals(ref: string, stage?: Stage): Promise<ApprovalStatus>;
  /** Points an alias of a model at one of its versions. */
  setAlias(name: string, alias: string, version: string): Promise<void>;
  /** Deletes an alias of a model. */
  removeAlias(name: string, alias: string): Promise<void>;
  /** Sets tags on a model or a version, replacing values of the same keys. */
  setTags(target: Target, tags: Record<string, string>): Promise<void>;
  /** Deletes tags by key from a model or a version. */
  removeTags(target: Target, keys: string[]): Promise<void>;
  /** Replaces the description of a model or a version. */
  setDescription(target: Target, description: string): Promise<void>;
  /** Ancestors and descendants of a version, up to `depth` links each way. */
  lineage(ref: string, options?: { depth?: number }): Promise<LineageGraph>;
  /** One page of the event log, in append order. */
  events(filter?: EventFilter): Promise<Page<RegistryEvent>>;
  /** Attaches a piece of evidence to a version. */
  addEvidence(ref: string, evidence: NewEvidence): Promise<EvidenceSummary>;
  /** The evidence a version carries, optionally of one kind, with bodies. */
  listEvidence(ref: string, kind?: string): Promise<Evidence[]>;
  /**
   * What changed from `against` (a reference; by default the version `ref` follows, the one push compares its
   * signature with) to `ref`: files, metadata, metrics, signature, and whether the version number states the change.
   */
  diffVersions(ref: string, against?: string): Promise<VersionDiff>;
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
  /**
   * Runs inside a stage transition; throws (e.g. `policy_violation`, `gate_failed`) to block it. Every hook runs:
   * their refusals are gathered into one error, or recorded when an admin forces the move.
   */
  beforeStage?(transition: PendingTransition): Promise<void>;
  /** The name this hook's refusals are listed under (`scan`, `signature`, `gates`, …). */
  check?: string;
}

/** Moving bytes in and out of the registry. */
export interface BlobTransport {
  /** Which of `digests` the store lacks. */
  missing(digests: readonly Digest[]): Promise<Set<Digest>>;
  /**
   * Hashes and stores local files (each read once), in input order. `expected[i]` is the digest file `i` is
   * declared to have: a transport may send the bytes under that name and let the store verify them instead of
   * hashing them first; a file that does not match is then stored under the digest it has.
   */
  storeFiles(paths: string[], onProgress?: (index: number, bytes: number) => void, options?: { expected?: readonly (Digest | undefined)[] }): Promise<{ digest: Digest; size: number }[]>;
  /** Opens a blob from `offset`; the caller verifies the digest. */
  openBlob(digest: Digest, options?: { offset?: number }): Promise<Readable>;
}
