import type { Severity } from './types.ts';

/** A policy rule as listed in reports and SARIF output. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  shortDescription: string;
  help: string;
}

/** Every rule the policy can report, in a stable order. */
export const RULES: readonly RuleInfo[] = [
  { id: 'metadata-missing', severity: 'error', shortDescription: 'The model directory has no metadata file', help: 'Add metadata.yaml (or metadata.json) describing the model; see schemas/model-metadata.schema.json.' },
  { id: 'metadata-conflict', severity: 'error', shortDescription: 'Both metadata.yaml and metadata.json exist', help: 'Keep exactly one metadata file so there is no doubt which one is authoritative.' },
  { id: 'metadata-syntax', severity: 'error', shortDescription: 'The metadata file cannot be parsed', help: 'Fix the YAML or JSON syntax at the reported line and column.' },
  { id: 'schema', severity: 'error', shortDescription: 'Metadata does not match the model metadata schema', help: 'Fill in or correct the field named in the message; see schemas/model-metadata.schema.json.' },
  { id: 'required-field', severity: 'error', shortDescription: 'A field this registry requires is missing', help: 'The registry configuration requires this field; add it to the metadata.' },
  { id: 'name', severity: 'error', shortDescription: 'The model name breaks the naming rule', help: 'Use 1-128 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit.' },
  { id: 'version', severity: 'error', shortDescription: 'The version is not semantic versioning', help: 'Use MAJOR.MINOR.PATCH[-pre][+build] without a leading "v", e.g. 1.0.0.' },
  { id: 'signature', severity: 'error', shortDescription: 'The declared input/output signature names an unknown dtype or a tensor twice', help: 'Use element types such as float32, int64, string or bool (or sequence(T), map(K,V), optional(T)) and give each input and each output its own name.' },
  { id: 'license', severity: 'error', shortDescription: 'The license is not a valid SPDX identifier or expression', help: 'Use an SPDX identifier (https://spdx.org/licenses/) or expression such as "MIT OR Apache-2.0"; use LicenseRef-<name> for a custom license.' },
  { id: 'license-deprecated', severity: 'warning', shortDescription: 'The license uses a deprecated SPDX identifier', help: 'Replace the deprecated identifier with its current form, e.g. GPL-2.0-only instead of GPL-2.0.' },
  { id: 'model-card-missing', severity: 'error', shortDescription: 'The model directory has no MODEL_CARD.md', help: 'Add MODEL_CARD.md with the required sections: description, intended use, limitations, training data, evaluation, license and contact.' },
  { id: 'model-card-empty', severity: 'error', shortDescription: 'MODEL_CARD.md is empty', help: 'Write the model card: one heading per required section with its content.' },
  { id: 'model-card-section', severity: 'error', shortDescription: 'MODEL_CARD.md lacks a required section', help: 'Add a Markdown heading for the section (any level); the message lists the accepted titles.' },
  { id: 'artifact-path', severity: 'error', shortDescription: 'An artifact path is not a safe relative path', help: 'List artifacts as relative paths inside the model directory, without ".." or a leading "/".' },
  { id: 'artifact-missing', severity: 'error', shortDescription: 'An artifact listed in the metadata does not exist', help: 'Add the file to the model directory (e.g. `dvc pull`) or fix its path in the metadata.' },
  { id: 'artifact-type', severity: 'error', shortDescription: 'An artifact is not a regular file', help: 'List regular files; only a TensorFlow SavedModel directory (with saved_model.pb) may be listed as a directory.' },
  { id: 'artifact-outside', severity: 'error', shortDescription: 'An artifact resolves outside the model directory through a symbolic link', help: 'Copy the file into the model directory instead of linking to it.' },
  { id: 'artifact-unreadable', severity: 'error', shortDescription: 'An artifact cannot be read', help: 'Check the file permissions and that no symbolic link loops.' },
  { id: 'artifact-duplicate', severity: 'warning', shortDescription: 'An artifact is listed more than once', help: 'List each artifact once.' },
  { id: 'checksum-mismatch', severity: 'error', shortDescription: 'An artifact does not match its declared sha256', help: 'Restore the artifact that was trained, or update the checksum if the file changed on purpose.' },
  { id: 'checksum-unverifiable', severity: 'warning', shortDescription: 'A checksum was declared for something that cannot be hashed as one file', help: 'Declare checksums for regular files only.' },
  { id: 'naming-convention', severity: 'warning', shortDescription: 'An artifact file name does not follow {model_name}_{version}_{date}.{ext}', help: 'Name artifacts like fraud_detector_v1_20240101.pkl so the name, version and date are visible in the file itself.' },
  { id: 'dataset-manifest-missing', severity: 'warning', shortDescription: 'dataset_manifest points to a local file that does not exist', help: 'Add the dataset manifest, fix the path, or point dataset_manifest at a URL.' },
];

/** Looks up a rule by id. */
export function ruleInfo(id: string): RuleInfo | undefined {
  return RULES.find((r) => r.id === id);
}
