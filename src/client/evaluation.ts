import { ModelVaultError } from '../core/errors.ts';
import type { DataRef, EvaluateRequest, EvaluationApi, EvaluationReport, GatesReport, GatesRequest } from '../evaluation/index.ts';
import { dataFormatOf, DATA_FORMATS } from '../evaluation/data-format.ts';
import { ApiClient, type RemoteOptions } from './http.ts';
import { RemoteBlobTransport } from './remote-blob-transport.ts';
import { versionPath } from './remote-registry.ts';

/**
 * Evaluation and gates over HTTP. The server runs its own stored model: a local data file is uploaded as a blob
 * first (sent only if the server lacks it, verified by its digest) and named in the request.
 */
export class RemoteEvaluation implements EvaluationApi {
  private readonly api: ApiClient;
  private readonly blobs: RemoteBlobTransport;

  constructor(opts: RemoteOptions) {
    this.api = new ApiClient(opts);
    this.blobs = new RemoteBlobTransport(opts);
  }

  private async upload(data: DataRef): Promise<Exclude<DataRef, { path: string }>> {
    if (!('path' in data)) return data;
    const format = dataFormatOf(data.path);
    if (!format) throw new ModelVaultError('invalid_input', `${data.path}: unknown data format`, { path: data.path, hint: `use one of .${DATA_FORMATS.join(', .')}` });
    const [stored] = await this.blobs.storeFiles([data.path]);
    return { digest: stored!.digest, format };
  }

  async evaluate(ref: string, request: EvaluateRequest): Promise<EvaluationReport> {
    return this.api.json('POST', `${versionPath(ref)}/evaluate`, { json: { ...request, data: await this.upload(request.data) } });
  }

  async runGates(ref: string, request: GatesRequest): Promise<GatesReport> {
    const { data, ...rest } = request;
    return this.api.json('POST', `${versionPath(ref)}/gates`, { json: { ...rest, ...(data ? { data: await this.upload(data) } : {}) } });
  }
}
