import { parseReference } from '../core/reference.ts';
import { encodeProfile, type ReferenceProfile } from '../monitor/profile-codec.ts';
import type { DriftReport, HealthReport, MonitorApi, ObserveResult, ProfileSummary } from '../monitor/service.ts';
import { ApiClient, seg, type RemoteOptions } from './http.ts';

function versionPath(refText: string): string {
  const ref = parseReference(refText);
  const selector = ref.kind === 'version' ? ref.version : ref.kind === 'stage' ? ref.stage : ref.kind === 'alias' ? ref.alias : 'latest';
  return `/models/${seg(ref.name)}/versions/${seg(selector)}`;
}

function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** The monitoring API over HTTP. */
export class RemoteMonitor implements MonitorApi {
  private readonly api: ApiClient;

  constructor(opts: RemoteOptions) {
    this.api = new ApiClient(opts);
  }

  async putProfile(ref: string, reference: ReferenceProfile, source: string): Promise<ProfileSummary> {
    const { body } = encodeProfile(reference);
    return this.api.json('PUT', `${versionPath(ref)}/profile`, { query: { source }, stream: bytesStream(body) });
  }

  async profileFromVersion(ref: string): Promise<ProfileSummary> {
    return this.api.json('POST', `${versionPath(ref)}/profile`);
  }

  async getProfile(ref: string): Promise<ProfileSummary> {
    return this.api.json('GET', `${versionPath(ref)}/profile`);
  }

  async observe(ref: string, jsonLines: string): Promise<ObserveResult> {
    return this.api.json('POST', `${versionPath(ref)}/observations`, { stream: bytesStream(Buffer.from(jsonLines)) });
  }

  async drift(ref: string, options: { window?: string; method?: string } = {}): Promise<DriftReport> {
    return this.api.json('POST', `${versionPath(ref)}/drift`, { json: options });
  }

  async health(name: string): Promise<HealthReport> {
    return this.api.json('GET', `/models/${seg(name)}/health`);
  }
}
