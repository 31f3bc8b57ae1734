import type { Generated, Kysely } from 'kysely';

/** Registered models. */
export interface ModelsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  owner: string | null;
  created_at: string;
  updated_at: string;
}

/** Immutable content and mutable state of one model version. */
export interface VersionsTable {
  id: Generated<number>;
  model_id: number;
  version: string;
  /** semver precedence key, so "latest" is one indexed lookup. */
  sort_key: string;
  stage: string;
  manifest_digest: string;
  metadata_json: string;
  model_card: string | null;
  description: string | null;
  framework: string | null;
  total_size: number;
  file_count: number;
  /** The version's input/output signature as canonical JSON (core's ModelSignature); null when unknown. */
  signature_json: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** Files of a version's manifest. */
export interface FilesTable {
  version_id: number;
  path: string;
  size: number;
  digest: string;
  format: string;
}

/** Every blob any version references. */
export interface BlobsTable {
  digest: string;
  size: number;
  created_at: string;
}

/** key=value tags on models (version_id null) and versions. */
export interface TagsTable {
  id: Generated<number>;
  model_id: number;
  version_id: number | null;
  key: string;
  value: string;
}

/** Named pointers to versions. */
export interface AliasesTable {
  model_id: number;
  alias: string;
  version_id: number;
  updated_at: string;
}

/** Every stage transition. */
export interface StageHistoryTable {
  id: Generated<number>;
  version_id: number;
  from_stage: string | null;
  to_stage: string;
  actor: string;
  reason: string | null;
  created_at: string;
  /** 1 when an admin forced the move past the checks that refused it. */
  forced: Generated<number>;
  /** What the move relied on, as JSON: the approvals that counted, the evidence digests, and what was missing when forced. */
  checks_json: string | null;
}

/** Approvals of a version for a stage by users other than its pusher. */
export interface ApprovalsTable {
  id: Generated<number>;
  version_id: number;
  stage: string;
  actor: string;
  comment: string | null;
  /** The version's newest evidence id when the approval was given (0 for none): later evidence makes it stale. */
  evidence_id: number;
  created_at: string;
}

/** Typed lineage links from a version. */
export interface LineageTable {
  id: Generated<number>;
  version_id: number;
  kind: string;
  target: string;
  target_version_id: number | null;
  attrs_json: string;
}

/** The append-only event log. */
export interface EventsTable {
  id: Generated<number>;
  time: string;
  actor: string;
  action: string;
  subject: string;
  /** The model the event concerns, for filtering. */
  model: string | null;
  payload_json: string;
  /** Position of the event's leaf in the audit log's Merkle tree; null only on rows older than the log. */
  leaf_index: number | null;
}

/** Hashes of the audit log's complete perfect subtrees; level 0 holds the leaf hashes. */
export interface LogNodesTable {
  level: number;
  idx: number;
  hash: Buffer;
}

/** Signed checkpoints (C2SP signed notes), one per batch of appended events. */
export interface CheckpointsTable {
  size: number;
  root_hash: Buffer;
  note: string;
  created_at: string;
}

/** Where a checkpoint was published on an external ledger. */
export interface AnchorsTable {
  id: Generated<number>;
  checkpoint_size: number;
  /** Root of the anchored checkpoint, so the anchor can be checked against the log on its own. */
  root_hash: Buffer;
  ledger: string;
  tx: string;
  recorded_by: string;
  recorded_at: string;
}

/** What a version carries to be promoted: signatures, scan reports, gate results, approvals. */
export interface EvidenceTable {
  id: Generated<number>;
  version_id: number;
  kind: string;
  digest: string;
  /** The signing key's id, for kind `signature`. */
  key_id: string | null;
  body: string;
  created_at: string;
}

/** Public keys and certificate roots trusted for model signatures. */
export interface TrustedKeysTable {
  /** sha256 hex of the key's SubjectPublicKeyInfo PEM (for a certificate, of its public key). */
  key_id: string;
  name: string;
  /** `public_key` or `certificate`. */
  kind: string;
  pem: string;
  added_by: string;
  added_at: string;
}

/** Reviewed globals a registry allows in pickles on top of the built-in allowlist. */
export interface ScanAllowlistTable {
  /** The dotted global, e.g. `mylib.layers.Custom`. */
  name: string;
  reason: string;
  reviewer: string;
  created_at: string;
}

/** Reference profiles of versions (the encoded profile in `body`). */
export interface MonitorProfilesTable {
  id: Generated<number>;
  version_id: number;
  /** Where the reference data came from (a file name, or a file of the version). */
  source: string;
  rows: number | string;
  /** sha256 of `body`. */
  digest: string;
  body: Buffer;
  created_by: string;
  created_at: string;
}

/** Observations of a version, one columnar batch per row. */
export interface MonitorBatchesTable {
  id: Generated<number>;
  version_id: number;
  rows: number | string;
  /** Earliest and latest observation time of the batch, in ms since the epoch. */
  t_min: number | string;
  t_max: number | string;
  /** Observations carrying a label. */
  labelled: number | string;
  /** Observations flagged as failed predictions. */
  errors: number | string;
  body: Buffer;
  created_at: string;
}

/** Drift and quality results of each computed window. */
export interface MonitorWindowsTable {
  id: Generated<number>;
  version_id: number;
  window: string;
  rows: number | string;
  drift_score: number;
  dataset_drift: number;
  accuracy: number | null;
  result_json: string;
  created_at: string;
}

/** Alerts that fired, open until their condition no longer holds. */
export interface MonitorAlertsTable {
  id: Generated<number>;
  version_id: number;
  rule: string;
  severity: string;
  condition: string;
  /** `open` or `resolved`. */
  status: string;
  values_json: string;
  deliveries_json: string;
  fired_at: string;
  resolved_at: string | null;
}

/** Webhook subscriptions to registry events made through the API or CLI (those of webhooks.yaml live in the file). */
export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  /** JSON list of subscribed event types. */
  events_json: string;
  /** Glob over model names (`fraud-*`); null for every model. */
  model_pattern: string | null;
  /** HMAC-SHA256 key of the signature header; never returned by the API. */
  secret: string;
  created_by: string;
  created_at: string;
}

/** Where each webhook subscription stands in the event log, and who is delivering to it. */
export interface WebhookCursorsTable {
  /** The subscription's id; `file:<id>` for one of webhooks.yaml. */
  subscription_id: string;
  /** Every event up to this id is done: delivered, refused for good, or not subscribed. */
  last_event_id: number | string;
  delivered: number | string;
  /** Events given up: a final 4xx answer or a refused address. */
  failed: number | string;
  /** Consecutive passes that ended on a retryable failure. */
  failures: number;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  /** No new attempt before this time (ms since the epoch). */
  retry_at: number | string | null;
  /** The dispatcher delivering to this subscription, and until when (ms since the epoch) it holds it. */
  lease_owner: string | null;
  lease_until: number | string | null;
}

/** All tables. */
export interface Database {
  models: ModelsTable;
  versions: VersionsTable;
  files: FilesTable;
  blobs: BlobsTable;
  tags: TagsTable;
  aliases: AliasesTable;
  stage_history: StageHistoryTable;
  approvals: ApprovalsTable;
  lineage: LineageTable;
  events: EventsTable;
  log_nodes: LogNodesTable;
  checkpoints: CheckpointsTable;
  anchors: AnchorsTable;
  evidence: EvidenceTable;
  trusted_keys: TrustedKeysTable;
  scan_allowlist: ScanAllowlistTable;
  monitor_profiles: MonitorProfilesTable;
  monitor_batches: MonitorBatchesTable;
  monitor_windows: MonitorWindowsTable;
  monitor_alerts: MonitorAlertsTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  api_tokens: ApiTokensTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_cursors: WebhookCursorsTable;
}

/** People and services that may call the registry. */
export interface UsersTable {
  name: string;
  display_name: string | null;
  /** 1 when the user may no longer authenticate. */
  disabled: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** Roles given to users: for every model (`models` = '') or for the models matching a pattern. */
export interface UserRolesTable {
  user_name: string;
  role: string;
  models: string;
  granted_by: string;
  granted_at: string;
}

/** API tokens: only the SHA-256 of the secret is kept. */
export interface ApiTokensTable {
  id: string;
  user_name: string;
  name: string;
  hash: string;
  scope: string;
  models: string | null;
  expires_at: string | null;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** A connected metadata database. */
export interface MetadataDb {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
  /**
   * A token that changes whenever any connection commits a change to the database, or undefined when the
   * database cannot tell cheaply (PostgreSQL). Read caches compare it to know they are still current.
   */
  changeToken(): string | undefined;
}
