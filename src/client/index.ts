export { ApiClient, errorFromResponse, type RemoteOptions } from './http.ts';
export { RemoteBlobTransport, type RemoteBlobTransportOptions } from './remote-blob-transport.ts';
export { RemoteIdentity } from './identity.ts';
export { RemoteIntegrity } from './integrity.ts';
export { RemoteRegistry } from './remote-registry.ts';
export { RemoteScan } from './scan.ts';
export { RemoteWebhooks } from './webhooks.ts';
export { RemoteEvaluation } from './evaluation.ts';
