import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AppContext } from '../app.ts';
import type { RemoteOptions } from '../client/http.ts';
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
  /** How to reach the server in remote mode: its URL, the token and the actor sent. */
  client?: RemoteOptions;
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

/** The file `init` and `serve` write the first administrator's token to. */
export const ADMIN_TOKEN_FILE = 'admin.token';

/**
 * The API token the CLI sends: MODELVAULT_TOKEN, else the first administrator's token file in the home
 * (`<home>/admin.token`, written by `init`), so a registry started on this machine works without copying it.
 */
export function clientToken(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MODELVAULT_TOKEN) return env.MODELVAULT_TOKEN.trim();
  const home = resolve(opts.home ?? env.MODELVAULT_HOME ?? join(homedir(), '.modelvault'));
  try {
    return readFileSync(join(home, ADMIN_TOKEN_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Opens an embedded or remote session for the duration of `fn`. */
export async function withSession<T>(opts: GlobalOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const url = serverUrl(opts);
  // Each mode loads only its own stack, so a command starts quickly.
  const { localActor } = await import('./actor.ts');
  if (url) {
    const { RemoteBlobTransport, RemoteRegistry } = await import('../client/index.ts');
    // The server records changes under the token's user; MODELVAULT_ACTOR asks an administrator's token to act for someone.
    const token = clientToken(opts);
    const actor = process.env.MODELVAULT_ACTOR;
    const client: RemoteOptions = { baseUrl: url, ...(token ? { token } : {}), ...(actor ? { actor } : {}) };
    return fn({ mode: 'remote', api: new RemoteRegistry(client), transport: new RemoteBlobTransport(client), location: url, client });
  }
  const [{ openApp, resolveSettings }, { EmbeddedBlobTransport }] = await Promise.all([import('../app.ts'), import('../registry/index.ts')]);
  const app = await openApp(resolveSettings({ home: opts.home }));
  try {
    return await fn({ mode: 'embedded', api: app.registry(localActor()), transport: new EmbeddedBlobTransport(app.blobs), app, location: app.settings.home });
  } finally {
    await app.close();
  }
}

/**
 * Opens the registry home itself for the duration of `fn`, for commands that work on its files and database
 * (`fsck`, `backup`); a remote registry is refused, since these run on the machine that holds the home.
 */
export async function withHome<T>(opts: GlobalOptions, command: string, fn: (app: AppContext) => Promise<T>, options: { housekeeping?: boolean } = {}): Promise<T> {
  if (serverUrl(opts)) {
    throw new ModelVaultError('usage', `${command} works on a registry home, not through a server`, { hint: `run it on the server's machine with --home (or MODELVAULT_HOME), without --server / MODELVAULT_URL` });
  }
  const { openApp, resolveSettings } = await import('../app.ts');
  const settings = resolveSettings({ home: opts.home });
  // Opening a home creates it: a mistyped --home would be checked, found empty, and pass.
  const sqlite = settings.databaseUrl.startsWith('sqlite:') ? settings.databaseUrl.slice('sqlite:'.length) : undefined;
  if (sqlite !== undefined && !existsSync(sqlite)) {
    throw new ModelVaultError('not_found', `no registry at ${settings.home}: its database ${sqlite} does not exist`, { path: settings.home, hint: 'give the registry home with --home or MODELVAULT_HOME' });
  }
  const app = await openApp(settings, options);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
