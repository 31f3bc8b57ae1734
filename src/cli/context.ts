import type { AppContext } from '../app.ts';
import { ModelVaultError } from '../core/errors.ts';
import type { BlobTransport, RegistryApi } from '../registry/index.ts';
import type { GlobalOptions } from './output.ts';

/** What a command talks to: the registry API and a way to move bytes, embedded or remote. */
export interface Session {
  mode: 'embedded' | 'remote';
  api: RegistryApi;
  transport: BlobTransport;
  /** The local app in embedded mode. */
  app?: AppContext;
  /** Where the registry is, for messages. */
  location: string;
}

/** The server URL from --server or MODELVAULT_URL, validated. */
export function serverUrl(opts: GlobalOptions): string | undefined {
  const url = opts.server ?? process.env.MODELVAULT_URL;
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ModelVaultError('usage', `server URL ${JSON.stringify(url)} is not a URL`, { hint: 'use e.g. http://127.0.0.1:7750' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ModelVaultError('usage', `server URL ${JSON.stringify(url)} must use http or https`, { hint: 'use e.g. http://127.0.0.1:7750' });
  }
  return parsed.toString().replace(/\/$/, '');
}

/** Opens an embedded or remote session for the duration of `fn`. */
export async function withSession<T>(opts: GlobalOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const url = serverUrl(opts);
  // Each mode loads only its own stack, so a command starts quickly.
  const { localActor } = await import('./actor.ts');
  if (url) {
    const { RemoteBlobTransport, RemoteRegistry } = await import('../client/index.ts');
    const client = { baseUrl: url, token: process.env.MODELVAULT_TOKEN, actor: localActor() };
    return fn({ mode: 'remote', api: new RemoteRegistry(client), transport: new RemoteBlobTransport(client), location: url });
  }
  const [{ openApp, resolveSettings }, { EmbeddedBlobTransport }] = await Promise.all([import('../app.ts'), import('../registry/index.ts')]);
  const app = await openApp(resolveSettings({ home: opts.home }));
  try {
    return await fn({ mode: 'embedded', api: app.registry(localActor()), transport: new EmbeddedBlobTransport(app.blobs), app, location: app.settings.home });
  } finally {
    await app.close();
  }
}
