import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/db/schema.ts';
import type { Digest } from '../core/digest.ts';
import type { Stage } from '../core/names.ts';

/** One file of a version. */
export interface ManifestEntry {
  path: string;
  size: number;
  digest: Digest;
  format: string;
}

/** A typed lineage link from a version. */
export interface LineageEdge {
  kind: 'derived_from' | 'trained_on' | 'evaluated_on' | 'produced_by' | 'source';
  /** A reference (`name@1.0.0`), dataset `name@version`, run id, or `repo@commit`. */
  target: string;
  attrs: Record<string, unknown>;
}

/** One stage transition. */
export interface StageChange {
  version: string;
  from: Stage | null;
  to: Stage;
  actor: string;
  reason: string | null;
  at: string;
}

/** A model as listed. */
export interface ModelSummary {
  name: string;
  description: string | null;
  owner: string | null;
  tags: Record<string, string>;
  versionCount: number;
  latestVersion: string | null;
  productionVersion: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A model with its aliases and stage holders. */
export interface ModelDetail extends ModelSummary {
  aliases: Record<string, string>;
  stages: Partial<Record<Stage, string[]>>;
}

/** A version as listed. */
export interface VersionSummary {
  name: string;
  version: string;
  stage: Stage;
  manifestDigest: Digest;
  framework: string | null;
  description: string | null;
  totalSize: number;
  fileCount: number;
  tags: Record<string, string>;
  aliases: string[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** What a version carries to be trusted: a signature, a scan report, a gate result, an approval. */
export interface EvidenceSummary {
  id: number;
  kind: string;
  /** sha256 of the canonical JSON of the body. */
  digest: Digest;
  /** The signing key's id, for signatures. */
  keyId: string | null;
  createdAt: string;
}

/** A piece of evidence with its body. */
export interface Evidence extends EvidenceSummary {
  body: unknown;
}

/** Evidence to attach to a version. */
export interface NewEvidence {
  kind: string;
  keyId?: string | null;
  body: unknown;
}

/** A version with everything it carries. */
export interface VersionDetail extends VersionSummary {
  files: ManifestEntry[];
  metadata: Record<string, unknown>;
  modelCard: string | null;
  lineage: LineageEdge[];
  history: StageChange[];
  evidence: EvidenceSummary[];
}

/** A page of results and the cursor for the next one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Filters for `models list`. */
export interface ModelFilter {
  prefix?: string;
  tag?: string;
  limit?: number;
  cursor?: string;
}

/** Filters for `versions list`. */
export interface VersionFilter {
  stage?: Stage;
  tag?: string;
  framework?: string;
  since?: string;
  limit?: number;
  cursor?: string;
}

/** What a client sends to register a version (its blobs must already be stored). */
export interface RegisterVersionInput {
  metadata: Record<string, unknown>;
  modelCard?: string | null;
  files: ManifestEntry[];
}

/** Outcome of registering a version. */
export interface RegisterResult {
  name: string;
  version: string;
  manifestDigest: Digest;
  stage: Stage;
  /** False when the identical version already existed (a no-op). */
  created: boolean;
}

/** Outcome of a stage transition. */
export interface StageResult {
  name: string;
  version: string;
  from: Stage;
  to: Stage;
  /** The version that left the stage to make room, if any. */
  displaced?: { version: string; to: Stage };
}

/** One audit event. */
export interface RegistryEvent {
  id: number;
  time: string;
  actor: string;
  action: string;
  subject: string;
  payload: Record<string, unknown>;
}

/** Filters for the event log. */
export interface EventFilter {
  subject?: string;
  model?: string;
  since?: string;
  afterId?: number;
  limit?: number;
}

/** A node of the lineage graph. */
export interface LineageNode {
  id: string;
  kind: 'model_version' | 'dataset' | 'run' | 'source';
  label: string;
}

/** Ancestors and descendants of a version. */
export interface LineageGraph {
  root: string;
  nodes: LineageNode[];
  edges: { from: string; to: string; kind: LineageEdge['kind'] }[];
}

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
