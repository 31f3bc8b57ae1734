import type { Digest } from '../core/digest.ts';

/** How bad a problem is: errors fail validation, warnings do not. */
export type Severity = 'error' | 'warning';

/** One finding about a model directory, naming the file and field at fault and what would fix it. */
export interface Problem {
  severity: Severity;
  /** Stable rule id, e.g. `schema`, `license`, `naming-convention`. */
  rule: string;
  /** File at fault, relative to the model directory. */
  file: string;
  /** Dotted field path inside the file, e.g. `source.commit` or `artifacts[0]`. */
  field?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  column?: number;
  message: string;
  hint?: string;
}

/** The outcome of validating one model directory. */
export interface ValidationReport {
  /** False when any problem is an error. */
  ok: boolean;
  dir: string;
  /** `metadata.yaml` or `metadata.json`, when exactly one was found. */
  metadataFile?: string;
  /** The parsed metadata, present only when it satisfies the schema. */
  metadata?: ModelMetadata;
  problems: Problem[];
}

/** How a registry tightens or relaxes the policy (from its config.yaml). */
export interface PolicyOptions {
  /** Extra metadata fields that must be present and non-empty, as dotted paths (e.g. `contact`, `lineage.parent_model`). */
  requiredFields?: string[];
  /** Model card sections that must appear as headings: section name -> accepted heading synonyms. Replaces the defaults. */
  requiredSections?: Record<string, string[]>;
  /** Hash artifacts that declare a sha256 checksum (default true). */
  verifyChecksums?: boolean;
  /** Warn about artifact file names that do not follow `{model_name}_{version}_{date}.{ext}` (default 'warn'). */
  namingConvention?: 'warn' | 'off';
  /** The sha256 of a file (by real path) for checksum checks, when already known: a push passes the digests its transfer computed so no file is hashed twice. Undefined: hash the file. */
  digestOf?: (realPath: string) => Digest | undefined;
}

/** A 1-based position in a text file. */
export interface Position {
  line: number;
  column: number;
}

/** One entry of `artifacts`: a relative path, or a path with its expected sha256. */
export type ArtifactEntry = string | { path: string; checksum?: string; [key: string]: unknown };

/** One tensor of a model signature. */
export interface TensorSpec {
  name: string;
  dtype: string;
  /** Dimensions; -1, null or a symbolic name for a dynamic dimension. */
  shape?: Array<number | string | null>;
  [key: string]: unknown;
}

/** Where a model came from: parent model, training data, configuration and environment. */
export interface ModelLineage {
  /** `name@version` of the model this one was derived from. */
  parent_model?: string;
  training_dataset?: { name: string; version?: string; checksum?: string; [key: string]: unknown };
  training_config?: string | Record<string, unknown>;
  training_environment?: string | Record<string, unknown>;
  [key: string]: unknown;
}

/** The metadata of a model directory, as described by schemas/model-metadata.schema.json. */
export interface ModelMetadata {
  name: string;
  version: string;
  source: { repo: string; commit: string; [key: string]: unknown };
  /** Path relative to the model directory, or a URL. */
  dataset_manifest: string;
  /** Git commit (40 hex) or `sha256:<64 hex>` of the single model artifact. */
  training_hash: string;
  /** SPDX license identifier or expression. */
  license: string;
  artifacts: ArtifactEntry[];
  description?: string;
  framework?: string;
  algorithm?: string;
  task?: string;
  features?: string[];
  target?: string;
  metrics?: Record<string, number>;
  hyperparameters?: Record<string, unknown>;
  lineage?: ModelLineage;
  run_id?: string;
  contact?: string;
  signature?: { inputs?: TensorSpec[]; outputs?: TensorSpec[]; [key: string]: unknown };
  tags?: Record<string, string>;
  /** RFC 3339 date-time. */
  created_at?: string;
  [key: string]: unknown;
}
