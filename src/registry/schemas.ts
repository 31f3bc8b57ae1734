import type { Digest } from '../core/digest.ts';
import type { LineageEdge as CoreLineageEdge } from '../core/lineage.ts';
import type { ManifestEntry as CoreManifestEntry } from '../core/manifest.ts';
import { EVIDENCE_KEY_ID_PATTERN, EVIDENCE_KIND_PATTERN } from '../core/evidence.ts';
import { ModelSignatureSchema, SignatureChangeSchema } from '../core/signature-schema.ts';
import { STAGES, type Stage } from '../core/names.ts';
import {
  AnyObject,
  Closed,
  Count,
  Cursor,
  Dictionary,
  DigestText,
  Limit,
  Matching,
  NameText,
  Nullable,
  StageName,
  Str,
  StringEnum,
  Time,
  Type,
  type Static,
  type TSchema,
} from '../core/schema.ts';

// What the registry takes and returns, declared once: the HTTP API validates and documents with these
// schemas, and the registry's TypeScript types (types.ts) are derived from them.

const Text = Type.String();
const NullableText = Nullable(Text);
/** A digest the registry computed (always normalised). */
const DigestOut = Type.Unsafe<Digest>(Text);

/** Kinds of lineage links. */
export const EDGE_KINDS = ['derived_from', 'trained_on', 'evaluated_on', 'produced_by', 'source'] as const;
/** Kinds of lineage graph nodes. */
export const LINEAGE_NODE_KINDS = ['model_version', 'dataset', 'run', 'source'] as const;
const EdgeKind = StringEnum(EDGE_KINDS);

/** One file of a version. */
export const ManifestEntry = Closed({ path: Str(4096), size: Count, digest: DigestText, format: Str(40) });
/** One file of a version to register; the registry detects the format from the stored bytes and ignores one the client sends. */
export const ManifestEntryInput = Closed({ ...ManifestEntry.properties, format: Type.Optional(Str(40)) });

/** A typed lineage link from a version; `target` is a reference, dataset `name@version`, run id or `repo@commit`. */
export const LineageEdge = Closed({ kind: EdgeKind, target: Text, attrs: AnyObject });

/** A check that refused a stage transition: approvals, scan, signature, gates, … */
export const MissingCheck = Closed({ check: Text, code: Text, message: Text, hint: Type.Optional(Text) });

/** One stage transition; `forced` and `missing` are present when an admin forced it past the checks that refused it. */
export const StageChange = Closed({
  version: Text,
  from: Type.Unsafe<Stage | null>(NullableText),
  to: Type.Unsafe<Stage>(Text),
  actor: Text,
  reason: NullableText,
  at: Text,
  forced: Type.Optional(Type.Literal(true)),
  missing: Type.Optional(Type.Array(MissingCheck)),
});

/** A model as listed. */
export const ModelSummary = Closed({
  name: Text,
  description: NullableText,
  owner: NullableText,
  tags: Dictionary(Text),
  versionCount: Type.Integer(),
  latestVersion: NullableText,
  productionVersion: NullableText,
  createdAt: Text,
  updatedAt: Text,
});

/** A model with its aliases and stage holders. */
export const ModelDetail = Closed({
  ...ModelSummary.properties,
  aliases: Dictionary(Text),
  stages: Type.Unsafe<Partial<Record<Stage, string[]>>>(Dictionary(Type.Array(Text), { propertyNames: { enum: [...STAGES] } })),
});

/** A version as listed. */
export const VersionSummary = Closed({
  name: Text,
  version: Text,
  stage: StageName,
  manifestDigest: DigestOut,
  framework: NullableText,
  description: NullableText,
  totalSize: Count,
  fileCount: Count,
  tags: Dictionary(Text),
  aliases: Type.Array(Text),
  createdBy: Text,
  createdAt: Text,
  updatedAt: Text,
});

/** What a version carries to be trusted: a signature, a scan report, a gate result, an approval. */
export const EvidenceSummary = Closed({
  id: Type.Integer(),
  kind: Text,
  digest: Type.Unsafe<Digest>(Type.String({ description: 'sha256 of the canonical JSON of the body' })),
  keyId: Nullable(Type.String({ description: "the signing key's id, for signatures" })),
  createdAt: Text,
});

/** A piece of evidence with its body. */
export const Evidence = Closed({ ...EvidenceSummary.properties, body: Type.Unknown() });

/** Evidence to attach to a version. */
export const NewEvidence = Closed({ kind: Matching(EVIDENCE_KIND_PATTERN, 64), keyId: Type.Optional(Nullable(Matching(EVIDENCE_KEY_ID_PATTERN, 128))), body: Type.Unknown() });

/** A version with everything it carries. */
export const VersionDetail = Closed({
  ...VersionSummary.properties,
  files: Type.Array(ManifestEntry),
  metadata: AnyObject,
  modelCard: NullableText,
  lineage: Type.Array(LineageEdge),
  history: Type.Array(StageChange),
  evidence: Type.Array(EvidenceSummary),
  signature: Nullable(ModelSignatureSchema),
});

/** What a client sends to register a version (its blobs must already be stored). */
export const RegisterVersionInput = Closed({
  metadata: Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, required: ['name', 'version'], properties: { name: NameText, version: Str(128) } }),
  modelCard: Type.Optional(Nullable(Str(1_000_000))),
  files: Type.Array(ManifestEntryInput, { minItems: 1, maxItems: 100_000 }),
  force: Type.Optional(Type.Boolean({ description: 'register even when the version number under-states its signature change (admins only); needs `reason`' })),
  reason: Type.Optional(Str(1000, { minLength: 1, description: 'why a forced push is right, recorded with the version' })),
});

/** A semver check a forced push overrode: the version it follows, the least version that would have passed, and why. */
export const ForcedPush = Closed({ previous: Text, minimumVersion: Text, reason: Text });

/** Outcome of registering a version; `created` is false when the identical version already existed (a no-op). */
export const RegisterResult = Closed({ name: Text, version: Text, manifestDigest: DigestOut, stage: StageName, created: Type.Boolean(), forced: Type.Optional(ForcedPush) });

const Bump = StringEnum(['major', 'minor', 'patch', 'none']);
const Level = StringEnum(['major', 'minor', 'patch']);
const FileRef = Closed({ path: Text, digest: DigestOut, size: Count, format: Text });
const VersionRef = Closed({ name: Text, version: Text, manifestDigest: DigestOut });

/** Whether the later version's number states its signature change, compared with the earlier one. */
export const SemverJudgement = Closed({
  change: Level,
  required: Bump,
  bump: StringEnum(['major', 'minor', 'patch', 'none', 'downgrade']),
  satisfied: Type.Boolean(),
  minimumVersion: NullableText,
});

/** What changed from one version (`from`) to another (`to`): files, metadata, metrics, signature, and the semver verdict. */
export const VersionDiff = Closed({
  from: VersionRef,
  to: VersionRef,
  files: Closed({
    added: Type.Array(FileRef),
    removed: Type.Array(FileRef),
    changed: Type.Array(Closed({ path: Text, before: FileRef, after: FileRef })),
    unchanged: Count,
  }),
  metadata: Type.Array(Closed({ field: Text, change: StringEnum(['added', 'removed', 'changed']), before: Type.Optional(Type.Unknown()), after: Type.Optional(Type.Unknown()) })),
  metrics: Type.Array(Closed({ name: Text, before: Nullable(Type.Number()), after: Nullable(Type.Number()), delta: Nullable(Type.Number()) })),
  signature: Closed({ before: Nullable(ModelSignatureSchema), after: Nullable(ModelSignatureSchema), level: Level, changes: Type.Array(SignatureChangeSchema) }),
  semver: Nullable(Type.Unsafe<Static<typeof SemverJudgement>>(SemverJudgement)),
});

/** Outcome of a stage transition; `displaced` is the version that left the stage to make room, if any. */
export const StageResult = Closed({ name: Text, version: Text, from: StageName, to: StageName, displaced: Type.Optional(Closed({ version: Text, to: StageName })) });

/** One approval of a version for a stage; stale when evidence was added to the version after it. */
export const Approval = Closed({ id: Type.Integer(), stage: StageName, actor: Text, comment: NullableText, at: Text, stale: Type.Boolean(), staleReason: NullableText });

/** The approvals of a version for a stage, and whether they are enough to enter it. */
export const ApprovalStatus = Closed({
  name: Text,
  version: Text,
  stage: StageName,
  /** Who pushed the version: their approval never counts. */
  pushedBy: Text,
  required: Count,
  /** Distinct users whose approval is current (not stale). */
  count: Count,
  satisfied: Type.Boolean(),
  approvals: Type.Array(Approval),
});

/** A piece of evidence a move relied on, by digest. */
export const EvidenceRef = Closed({ id: Type.Integer(), kind: Text, digest: DigestOut, at: Text });

/** What a move relied on: the approvals that counted, the latest scan report and gate results, and what was missing when forced. */
export const MoveRecord = Closed({
  approvals: Type.Array(Closed({ actor: Text, at: Text, comment: NullableText })),
  evidence: Closed({ scan: Nullable(EvidenceRef), gates: Nullable(EvidenceRef) }),
  missing: Type.Optional(Type.Array(MissingCheck)),
});

/** A version holding a stage at some time, with the move that put it there. */
export const StageHolder = Closed({
  stage: StageName,
  version: Text,
  since: Text,
  by: Text,
  reason: NullableText,
  forced: Type.Boolean(),
  /** What the move relied on; null for moves recorded before the registry kept it. */
  record: Nullable(MoveRecord),
});

/** Which version held each stage of a model at a time. */
export const StagesAt = Closed({ name: Text, at: Text, holders: Type.Array(StageHolder) });

/** One audit event. */
export const RegistryEvent = Closed({ id: Type.Integer(), time: Text, actor: Text, action: Text, subject: Text, payload: AnyObject });

/** A node of the lineage graph. */
export const LineageNode = Closed({ id: Text, kind: StringEnum(LINEAGE_NODE_KINDS), label: Text });

/** Ancestors and descendants of a version. */
export const LineageGraph = Closed({ root: Text, nodes: Type.Array(LineageNode), edges: Type.Array(Closed({ from: Text, to: Text, kind: EdgeKind })) });

/** A page of `items` and the cursor of the next page. */
export function pageOf<T extends TSchema>(items: T) {
  return Closed({ items: Type.Array(items), nextCursor: NullableText });
}

/** Filters for `models list`. */
export const ModelFilter = Closed({ prefix: Type.Optional(Str(128)), tag: Type.Optional(Str(330)), limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) });

/** Filters for `versions list`. */
export const VersionFilter = Closed({
  stage: Type.Optional(StageName),
  tag: Type.Optional(Str(330)),
  framework: Type.Optional(Str(128)),
  since: Type.Optional(Time),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

/** Filters for the event log; `afterId` is the previous page's `nextCursor`. */
export const EventFilter = Closed({
  model: Type.Optional(NameText),
  subject: Type.Optional(Str(300)),
  since: Type.Optional(Time),
  afterId: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Limit),
});

// The manifest entry and lineage edge types are core's (domain rules use them); these schemas must describe them exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const manifestEntryMatchesCore: Same<Static<typeof ManifestEntry>, CoreManifestEntry> = true;
const lineageEdgeMatchesCore: Same<Static<typeof LineageEdge>, CoreLineageEdge> = true;
void manifestEntryMatchesCore;
void lineageEdgeMatchesCore;
