import { assertClientEvidenceKind } from '../core/evidence.ts';
import type { Stage } from '../core/names.ts';
import type { RegistryContext, RegistryScope } from './context.ts';
import { diffVersions } from './diff.ts';
import { addEvidence, listEvidence } from './evidence.ts';
import { readEvents } from './events.ts';
import { approve, listApprovals } from './approvals.ts';
import { rollback, setStage, stageHistory, stagesAt } from './lifecycle.ts';
import { lineage } from './lineage-graph.ts';
import { removeAlias, removeTags, setAlias, setDescription, setTags } from './labels.ts';
import { getModel, listModels } from './models.ts';
import { registerVersion } from './register-version.ts';
import type {
  ApprovalStatus,
  Evidence,
  EventFilter,
  EvidenceSummary,
  LineageGraph,
  ModelDetail,
  ModelFilter,
  ModelSummary,
  NewEvidence,
  Page,
  RegisterResult,
  RegisterVersionInput,
  MeasuringRegistryApi,
  RegistryEvent,
  StageChange,
  StageOptions,
  StageResult,
  StagesAt,
  Target,
  VersionDetail,
  VersionDiff,
  VersionFilter,
  VersionKey,
  VersionKeySelector,
  VersionSummary,
} from './types.ts';
import type { VersionSnapshot } from './version-snapshot.ts';
import { getVersionSnapshot, listVersions, versionKeys } from './versions.ts';

/** The registry's operations over its database and blob store, acting as `actor`. */
export class RegistryService implements MeasuringRegistryApi {
  private readonly scope: RegistryScope;

  constructor(
    private readonly ctx: RegistryContext,
    actor: string,
  ) {
    this.scope = { ctx, db: ctx.metadata.db, actor };
  }

  /** The same service acting as someone else. */
  as(actor: string): RegistryService {
    return new RegistryService(this.ctx, actor);
  }

  registerVersion(input: RegisterVersionInput): Promise<RegisterResult> {
    return registerVersion(this.scope, input);
  }

  async getVersion(ref: string): Promise<VersionDetail> {
    return (await getVersionSnapshot(this.scope, ref)).detail;
  }

  /** Resolves a reference, from the read cache when nothing changed since it was filled; the detail is frozen (shared). */
  getVersionSnapshot(ref: string): Promise<VersionSnapshot> {
    return getVersionSnapshot(this.scope, ref);
  }

  listVersions(name: string, filter?: VersionFilter): Promise<Page<VersionSummary>> {
    return listVersions(this.scope, name, filter);
  }

  /**
   * The id, name, version and stage of versions, read in one call: every version of a model (not_found when
   * the model does not exist), the named versions of it, or the versions with the given ids (unknown ids are left out).
   */
  versionKeys(select: VersionKeySelector): Promise<VersionKey[]> {
    return versionKeys(this.scope, select);
  }

  getModel(name: string): Promise<ModelDetail> {
    return getModel(this.scope, name);
  }

  listModels(filter?: ModelFilter): Promise<Page<ModelSummary>> {
    return listModels(this.scope, filter);
  }

  setStage(ref: string, stage: Stage, reason?: string, options?: StageOptions): Promise<StageResult> {
    return setStage(this.scope, ref, stage, reason, options);
  }

  rollback(name: string, stage?: Stage, reason?: string, options?: StageOptions): Promise<StageResult> {
    return rollback(this.scope, name, stage, reason, options);
  }

  stageHistory(name: string): Promise<StageChange[]> {
    return stageHistory(this.scope, name);
  }

  stagesAt(name: string, at: string): Promise<StagesAt> {
    return stagesAt(this.scope, name, at);
  }

  approve(ref: string, stage: Stage, comment?: string): Promise<ApprovalStatus> {
    return approve(this.scope, ref, stage, comment);
  }

  listApprovals(ref: string, stage?: Stage): Promise<ApprovalStatus> {
    return listApprovals(this.scope, ref, stage);
  }

  setAlias(name: string, alias: string, version: string): Promise<void> {
    return setAlias(this.scope, name, alias, version);
  }

  removeAlias(name: string, alias: string): Promise<void> {
    return removeAlias(this.scope, name, alias);
  }

  setTags(target: Target, tags: Record<string, string>): Promise<void> {
    return setTags(this.scope, target, tags);
  }

  removeTags(target: Target, keys: string[]): Promise<void> {
    return removeTags(this.scope, target, keys);
  }

  setDescription(target: Target, description: string): Promise<void> {
    return setDescription(this.scope, target, description);
  }

  lineage(ref: string, options?: { depth?: number }): Promise<LineageGraph> {
    return lineage(this.scope, ref, options);
  }

  events(filter?: EventFilter): Promise<Page<RegistryEvent>> {
    return readEvents(this.scope.db, filter);
  }

  /** Attaches evidence a client sends; kinds the registry measures itself (scan reports) are refused. */
  async addEvidence(ref: string, evidence: NewEvidence): Promise<EvidenceSummary> {
    assertClientEvidenceKind(evidence.kind, ref);
    return addEvidence(this.scope, ref, evidence);
  }

  /** Records evidence of any kind, including what the registry measured itself (its scanner's report). */
  recordMeasuredEvidence(ref: string, evidence: NewEvidence): Promise<EvidenceSummary> {
    return addEvidence(this.scope, ref, evidence);
  }

  listEvidence(ref: string, kind?: string): Promise<Evidence[]> {
    return listEvidence(this.scope, ref, kind);
  }

  diffVersions(ref: string, against?: string): Promise<VersionDiff> {
    return diffVersions(this.scope, ref, against);
  }
}
