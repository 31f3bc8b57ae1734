import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { AuditService, bindAuditLog, loadLogKey } from './audit/index.ts';
import { IdentityService } from './auth/index.ts';
import { ModelVaultError } from './core/errors.ts';
import type { EvaluationService } from './evaluation/index.ts';
import type { IntegrityService } from './integrity/index.ts';
import { loadConfig, ReadCache, type RegistryConfig, type RegistryContext, type RegistryHooks, RegistryService, type VersionSnapshot } from './registry/index.ts';
import type { MonitorContext, MonitorService } from './monitor/index.ts';
import type { ScanService } from './scan/index.ts';
import type { WebhookContext, WebhookService } from './subscriptions/index.ts';
import type { BlobStore } from './storage/blob-store.ts';
import { openMetadataDb } from './storage/db/open.ts';
import type { MetadataDb } from './storage/db/schema.ts';
import { FsBlobStore } from './storage/fs-blob-store.ts';

/** Where the registry keeps its state, as resolved from flags and the environment. */
export interface AppSettings {
  home: string;
  databaseUrl: string;
  blobUrl: string;
  /** The audit log's signer key string (MODELVAULT_LOG_KEY), used instead of `<home>/keys/log.key`. */
  logKey?: string;
}

/** One registry instance: stores and services, shared by the server and the embedded CLI. */
export interface AppContext {
  settings: AppSettings;
  config: RegistryConfig;
  metadata: MetadataDb;
  blobs: BlobStore;
  /** The tamper-evident audit log of every registry event. */
  audit: AuditService;
  /** The registry service acting as `actor`. */
  registry(actor: string): RegistryService;
  /** The scanning service (version scans, the reviewed allowlist) acting as `actor`. */
  scan(actor: string): Promise<ScanService>;
  /** Trust, signing policy, the audit log's proofs, anchors and exports, acting as `actor`. */
  integrity(actor: string): Promise<IntegrityService>;
  /** Users, roles and API tokens, changed by `actor`; every actor's service shares one token cache. */
  identity(actor: string): IdentityService;
  /** Monitoring acting as `actor`; every actor's monitor shares one configuration and one set of listeners (live metrics). */
  monitor(actor: string): Promise<MonitorService>;
  /** Registry webhooks (subscriptions and their deliveries) acting as `actor`; webhooks.yaml is read on first use. */
  webhooks(actor: string): Promise<WebhookService>;
  /** Delivers registry events to webhooks in the background, every `poll_ms` of webhooks.yaml, until close (the server runs it). */
  startWebhookDelivery(onError: (err: unknown) => void): Promise<void>;
  /** Evaluation and quality gates acting as `actor`: runs the stored models and records what it measured. */
  evaluation(actor: string): Promise<EvaluationService>;
  close(): Promise<void>;
}

/** Resolves settings: explicit options, then MODELVAULT_* variables, then defaults under the home. */
export function resolveSettings(opts: { home?: string } = {}, env: NodeJS.ProcessEnv = process.env): AppSettings {
  const home = resolve(opts.home ?? env.MODELVAULT_HOME ?? join(homedir(), '.modelvault'));
  return {
    home,
    databaseUrl: env.MODELVAULT_DATABASE_URL || `sqlite:${join(home, 'modelvault.db')}`,
    blobUrl: env.MODELVAULT_BLOB_URL || `file://${join(home, 'blobs')}`,
    ...(env.MODELVAULT_LOG_KEY ? { logKey: env.MODELVAULT_LOG_KEY } : {}),
  };
}

/** The blob store a MODELVAULT_BLOB_URL names. */
export function openBlobStore(url: string): BlobStore {
  if (url.startsWith('file://')) return new FsBlobStore(decodeURIComponent(url.slice('file://'.length)));
  if (url.startsWith('/')) return new FsBlobStore(url);
  throw new ModelVaultError('invalid_input', `MODELVAULT_BLOB_URL ${JSON.stringify(url)} is not supported`, { hint: 'use file:///absolute/path' });
}

/**
 * Registry hooks whose module is loaded on their first call: a command that neither registers nor stages a
 * version (`versions list`) does not load the scanner or the signing policy.
 */
function lazyHooks(check: string, load: () => Promise<RegistryHooks>): RegistryHooks {
  let hooks: Promise<RegistryHooks> | undefined;
  return {
    check,
    async beforeRegister(pending) {
      const h = await (hooks ??= load());
      return h.beforeRegister ? h.beforeRegister(pending) : [];
    },
    async beforeStage(transition) {
      const h = await (hooks ??= load());
      await h.beforeStage?.(transition);
    },
  };
}

/**
 * Opens the registry described by `settings`: creates the home, migrates the database, checks the blob store.
 * `housekeeping: false` leaves the leftovers of interrupted work in place, for `fsck` to report them.
 */
export async function openApp(settings: AppSettings, options: { housekeeping?: boolean } = {}): Promise<AppContext> {
  try {
    mkdirSync(settings.home, { recursive: true });
  } catch (err) {
    throw new ModelVaultError('storage_unavailable', `cannot create MODELVAULT_HOME ${settings.home}: ${(err as Error).message}`, {
      path: settings.home,
      hint: 'set MODELVAULT_HOME (or --home) to a writable directory',
    }, { cause: err });
  }
  const config = loadConfig(settings.home);
  const logKey = loadLogKey({ home: settings.home, ...(config.log.origin !== undefined ? { origin: config.log.origin } : {}), ...(settings.logKey !== undefined ? { signerKey: settings.logKey } : {}) });
  const blobs = openBlobStore(settings.blobUrl);
  await blobs.ready();
  // Housekeeping: the temp files of a write that was killed and the upload sessions left idle. What it cannot
  // remove now (a file another process holds open on a strange file system) it tries again next time.
  if (options.housekeeping !== false) await blobs.sweep?.().catch(() => undefined);
  const opened = await openMetadataDb(settings.databaseUrl);
  // Every transaction of this handle can sign the checkpoints of the events it appends.
  const metadata: MetadataDb = { ...opened, db: bindAuditLog(opened.db, logKey, opened.dialect) };
  const ctx: RegistryContext = { metadata, blobs, config, versionCache: new ReadCache<VersionSnapshot>(10_000), hooks: [
    lazyHooks('scan', async () => (await import('./scan/index.ts')).scanHooks({ metadata, blobs, config })),
    lazyHooks('signature', async () => (await import('./integrity/keys/index.ts')).signingGate(config.signing)),
    lazyHooks('gates', async () => (await import('./evaluation/index.ts')).gateHooks({ home: settings.home })),
  ] };
  const audit = new AuditService(metadata.db, logKey);
  const monitorContext: MonitorContext = { db: metadata.db, blobs, home: settings.home, registry: (actor) => new RegistryService(ctx, actor) };
  // Started on first use, so a broken alerts.yaml stops monitoring only, not the registry.
  let monitor: MonitorService | undefined;
  const identity = new IdentityService(metadata.db, config.auth, 'system');
  // Read once, on first use: a broken webhooks.yaml stops webhooks only (and the server at its start).
  let webhooks: Promise<{ service: typeof WebhookService; ctx: WebhookContext }> | undefined;
  const loadWebhooks = (): NonNullable<typeof webhooks> =>
    (webhooks ??= (async () => {
      const { loadWebhooksConfig, outboxSubscriptions, WebhookOutbox, WebhookService } = await import('./subscriptions/index.ts');
      const config = loadWebhooksConfig(settings.home);
      const outbox = new WebhookOutbox({ db: metadata.db, addresses: config.allowAddresses, subscriptions: outboxSubscriptions(metadata.db, config) });
      await outbox.track();
      return { service: WebhookService, ctx: { db: metadata.db, config, outbox } };
    })());
  return {
    settings,
    config,
    metadata,
    blobs,
    audit,
    registry: (actor) => new RegistryService(ctx, actor),
    identity: (actor) => identity.as(actor),
    // Scanning, integrity and monitoring are loaded when first asked for.
    scan: async (actor) => {
      const { ScanService } = await import('./scan/index.ts');
      return new ScanService({ metadata, blobs, registry: new RegistryService(ctx, actor) }, actor);
    },
    integrity: async (actor) => {
      const { IntegrityService } = await import('./integrity/index.ts');
      return new IntegrityService(metadata.db, audit, config.signing, actor);
    },
    evaluation: async (actor) => {
      const { EvaluationService } = await import('./evaluation/index.ts');
      const registry = new RegistryService(ctx, actor);
      // The security gate re-scans the stored files with the registry's own scanner (recorded as scan evidence).
      const scan = async (ref: string): Promise<{ verdict: string; counts: Record<string, number> }> => {
        const { ScanService } = await import('./scan/index.ts');
        const { report } = await new ScanService({ metadata, blobs, registry }, actor).rescan(ref);
        return { verdict: report.verdict, counts: report.counts };
      };
      return new EvaluationService({ registry, blobs, home: settings.home, scan });
    },
    monitor: async (actor) => {
      const { MonitorService } = await import('./monitor/index.ts');
      return (monitor ??= new MonitorService(monitorContext, actor)).as(actor);
    },
    webhooks: async (actor) => {
      const { service, ctx } = await loadWebhooks();
      return new service(ctx, actor);
    },
    startWebhookDelivery: async (onError) => {
      const { ctx } = await loadWebhooks();
      ctx.outbox.start(ctx.config.pollMs, onError);
    },
    close: async () => {
      const loaded = await webhooks?.catch(() => undefined);
      await loaded?.ctx.outbox.stop();
      await metadata.close();
    },
  };
}
