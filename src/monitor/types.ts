import type { Kysely } from 'kysely';
import type { RegistryService } from '../registry/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Database } from '../storage/db/schema.ts';
import type { Severity } from './alerts.ts';
import type { FeatureDrift } from './drift.ts';
import type { ReferenceProfile } from './profile-codec.ts';
import type { Quality } from './quality.ts';
import type { Delivery } from './webhooks.ts';

// What the monitoring service runs on, what it answers, and its API, the same in embedded and remote mode.

/** The registry reads the monitor makes. */
export type MonitorRegistry = Pick<RegistryService, 'getVersion' | 'versionKeys'>;

/** What the monitor runs on. */
export interface MonitorContext {
  /** The registry's database; the monitor reads and writes only its own tables (profiles, observations, windows, alerts). */
  db: Kysely<Database>;
  blobs: BlobStore;
  /** The registry home, which holds config.yaml and alerts.yaml. */
  home: string;
  /** The registry acting as `actor`. */
  registry(actor: string): MonitorRegistry;
}

/** Summary of a stored reference profile. */
export interface ProfileSummary {
  model: string;
  version: string;
  source: string;
  rows: number;
  digest: string;
  features: { name: string; type: string; count: number; missing: number }[];
  prediction: string | null;
  label: string | null;
  createdAt: string;
}

/** What ingestion stored. */
export interface ObserveResult {
  model: string;
  version: string;
  accepted: number;
  labelled: number;
}

/** A window of observations: a count (`10000`) or a duration ending now (`1h`). */
export type WindowSpec = { kind: 'count'; count: number; text: string } | { kind: 'time'; ms: number; text: string };

/** An alert that fired on a window, with its deliveries. */
export interface FiredAlert {
  name: string;
  severity: Severity;
  condition: string;
  /** False when the alert was already open: no new event, no new delivery. */
  new: boolean;
  deliveries: Delivery[];
}

/** Drift and quality of one window against the reference profile. */
export interface DriftReport {
  model: string;
  version: string;
  window: { spec: string; rows: number; from: string; to: string };
  /** The method spec in effect (`auto`, `ks`, `numeric=ks,categorical=chi2`); each feature reports its own method. */
  method: string;
  features: FeatureDrift[];
  skipped: { name: string; reason: string }[];
  /** Share of drifted features: the dataset drift score. */
  driftScore: number;
  datasetDrift: boolean;
  prediction: (FeatureDrift & { against: 'prediction' | 'label' }) | null;
  quality: Quality | null;
  latencyMs: { p50: number; p95: number; p99: number } | null;
  errorRate: number;
  /** The values alert rules were evaluated with. */
  metrics: Record<string, number>;
  alerts: { firing: FiredAlert[]; resolved: string[]; notEvaluated: { name: string; missing: string[] }[] };
}

/** An alert as health shows it. */
export interface OpenAlert {
  version: string;
  name: string;
  severity: string;
  condition: string;
  firedAt: string;
  values: Record<string, number>;
}

/** The dashboard data of a model: per version trends and distributions, plus open alerts. */
export interface HealthReport {
  model: string;
  versions: {
    version: string;
    stage: string;
    observations: number;
    /** Share of the model's observations that went to this version. */
    adoption: number;
    errorRate: number | null;
    latencyMs: { p50: number; p95: number; p99: number; count: number } | null;
    accuracyTrend: { at: string; window: string; accuracy: number }[];
    driftScores: { at: string; window: string; driftScore: number; datasetDrift: boolean }[];
  }[];
  openAlerts: OpenAlert[];
}

/** Something the monitor computed, for live metrics. */
export type MonitorUpdate =
  | { kind: 'observations'; model: string; version: string; latencyMs: Float64Array; accuracy?: number }
  | { kind: 'drift'; model: string; version: string; driftScore: number; accuracy?: number };

/** The monitoring operations, the same embedded and over HTTP. */
export interface MonitorApi {
  putProfile(ref: string, reference: ReferenceProfile, source: string): Promise<ProfileSummary>;
  profileFromVersion(ref: string): Promise<ProfileSummary>;
  getProfile(ref: string): Promise<ProfileSummary>;
  observe(ref: string, jsonLines: string): Promise<ObserveResult>;
  /** `method` is a spec: `auto`, a method, or per type and feature (`numeric=ks,categorical=chi2,amount=wasserstein`). */
  drift(ref: string, options?: { window?: string; method?: string }): Promise<DriftReport>;
  health(name: string): Promise<HealthReport>;
}
