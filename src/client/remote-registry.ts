import { ModelVaultError } from '../core/errors.ts';
import { assertName, type Stage } from '../core/names.ts';
import { parseReference, type Reference } from '../core/reference.ts';
import type {
  ApprovalStatus,
  Evidence,
  EvidenceSummary,
  NewEvidence,
  EventFilter,
  LineageGraph,
  ModelDetail,
  ModelFilter,
  ModelSummary,
  Page,
  RegisterResult,
  RegisterVersionInput,
  RegistryApi,
  RegistryEvent,
  StageChange,
  StageOptions,
  StageResult,
  StagesAt,
  Target,
  VersionDetail,
  VersionDiff,
  VersionFilter,
  VersionSummary,
} from '../registry/index.ts';
import { ApiClient, seg, type RemoteOptions } from './http.ts';

function selectorOf(ref: Reference): string {
  switch (ref.kind) {
    case 'version':
      return ref.version;
    case 'stage':
      return ref.stage;
    case 'alias':
      return ref.alias;
    case 'latest':
      return 'latest';
  }
}

/** `/models/<name>/versions/<selector>` for a reference. */
export function versionPath(refText: string): string {
  const ref = parseReference(refText);
  return `/models/${seg(ref.name)}/versions/${seg(selectorOf(ref))}`;
}

/** `/models/<name>` or `/models/<name>/versions/<version>` for a tag or description target. */
function targetPath(target: Target): string {
  const base = `/models/${seg(assertName(target.name))}`;
  return target.version === undefined ? base : `${base}/versions/${seg(target.version)}`;
}

/** The registry API over HTTP: the same operations as the embedded service, against a ModelVault server. */
export class RemoteRegistry implements RegistryApi {
  private readonly api: ApiClient;

  constructor(opts: RemoteOptions) {
    this.api = new ApiClient(opts);
  }

  /** The server this registry talks to. */
  get baseUrl(): string {
    return this.api.baseUrl;
  }

  async registerVersion(input: RegisterVersionInput): Promise<RegisterResult> {
    const metadata = input?.metadata;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ModelVaultError('invalid_metadata', 'metadata must be an object', { field: 'metadata' });
    }
    const name = assertName(String(metadata.name ?? ''), 'metadata.name');
    return this.api.json('POST', `/models/${seg(name)}/versions`, { json: input });
  }

  async getVersion(ref: string): Promise<VersionDetail> {
    return this.api.json('GET', versionPath(ref));
  }

  async getModel(name: string): Promise<ModelDetail> {
    return this.api.json('GET', `/models/${seg(assertName(name))}`);
  }

  async listModels(filter: ModelFilter = {}): Promise<Page<ModelSummary>> {
    return this.api.json('GET', '/models', { query: { prefix: filter.prefix, tag: filter.tag, limit: filter.limit, cursor: filter.cursor } });
  }

  async listVersions(name: string, filter: VersionFilter = {}): Promise<Page<VersionSummary>> {
    return this.api.json('GET', `/models/${seg(assertName(name))}/versions`, {
      query: { stage: filter.stage, tag: filter.tag, framework: filter.framework, since: filter.since, limit: filter.limit, cursor: filter.cursor },
    });
  }

  async setStage(ref: string, stage: Stage, reason?: string, options: StageOptions = {}): Promise<StageResult> {
    return this.api.json('POST', `${versionPath(ref)}/stage`, { json: { stage, ...(reason === undefined ? {} : { reason }), ...(options.force ? { force: true } : {}) } });
  }

  async rollback(name: string, stage?: Stage, reason?: string, options: StageOptions = {}): Promise<StageResult> {
    return this.api.json('POST', `/models/${seg(assertName(name))}/rollback`, {
      json: { ...(stage === undefined ? {} : { stage }), ...(reason === undefined ? {} : { reason }), ...(options.force ? { force: true } : {}) },
    });
  }

  async stageHistory(name: string): Promise<StageChange[]> {
    const res = await this.api.json<{ items: StageChange[] }>('GET', `/models/${seg(assertName(name))}/history`);
    return res.items;
  }

  async stagesAt(name: string, at: string): Promise<StagesAt> {
    return this.api.json('GET', `/models/${seg(assertName(name))}/stage-holders`, { query: { at } });
  }

  async approve(ref: string, stage: Stage, comment?: string): Promise<ApprovalStatus> {
    return this.api.json('POST', `${versionPath(ref)}/approvals`, { json: { stage, ...(comment === undefined ? {} : { comment }) } });
  }

  async listApprovals(ref: string, stage?: Stage): Promise<ApprovalStatus> {
    return this.api.json('GET', `${versionPath(ref)}/approvals`, { query: { stage } });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.api.json('PUT', `/models/${seg(assertName(name))}/aliases/${seg(alias)}`, { json: { version } });
  }

  async removeAlias(name: string, alias: string): Promise<void> {
    await this.api.json('DELETE', `/models/${seg(assertName(name))}/aliases/${seg(alias)}`);
  }

  async setTags(target: Target, tags: Record<string, string>): Promise<void> {
    await this.api.json('PUT', `${targetPath(target)}/tags`, { json: { tags } });
  }

  async removeTags(target: Target, keys: string[]): Promise<void> {
    await this.api.json('DELETE', `${targetPath(target)}/tags`, { json: { keys } });
  }

  async setDescription(target: Target, description: string): Promise<void> {
    await this.api.json('PATCH', targetPath(target), { json: { description } });
  }

  async lineage(ref: string, options: { depth?: number } = {}): Promise<LineageGraph> {
    return this.api.json('GET', `${versionPath(ref)}/lineage`, { query: { depth: options.depth } });
  }

  async addEvidence(ref: string, evidence: NewEvidence): Promise<EvidenceSummary> {
    return this.api.json('POST', `${versionPath(ref)}/evidence`, { json: evidence });
  }

  async listEvidence(ref: string, kind?: string): Promise<Evidence[]> {
    return (await this.api.json<{ items: Evidence[] }>('GET', `${versionPath(ref)}/evidence`, { query: { kind } })).items;
  }

  async diffVersions(ref: string, against?: string): Promise<VersionDiff> {
    return this.api.json('GET', `${versionPath(ref)}/diff`, { query: { against } });
  }

  async events(filter: EventFilter = {}): Promise<Page<RegistryEvent>> {
    return this.api.json('GET', '/events', { query: { model: filter.model, subject: filter.subject, since: filter.since, after: filter.afterId, limit: filter.limit } });
  }
}
