import { realpath, stat } from 'node:fs/promises';
import { ModelVaultError, toModelVaultError } from '../core/errors.ts';
import { signatureSpecProblems, type SignatureSpec } from '../core/signature.ts';
import { checkArtifacts, checkDatasetManifest } from './artifacts.ts';
import { checkLicense } from './license.ts';
import { directorySource } from './directory-source.ts';
import type { MetadataSource } from './metadata-file.ts';
import type { ModelSource } from './model-source.ts';
import { checkMetadataSchema } from './metadata-schema.ts';
import { checkModelCard, DEFAULT_REQUIRED_SECTIONS } from './model-card.ts';
import { formatFieldPath, makeProblem } from './problem.ts';
import type { ModelMetadata, PolicyOptions, Problem, ValidationReport } from './types.ts';

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

function checkRequiredFields(source: MetadataSource, fields: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  for (const field of fields) {
    const segments = field.split('.');
    let value: unknown = source.data;
    for (const seg of segments) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[seg] : undefined;
    if (isEmpty(value)) {
      problems.push(makeProblem('required-field', source.file, 'this registry requires the field and it is missing or empty', { field, position: source.locate(segments, { key: true }), hint: `add ${field} to ${source.file}` }));
    }
  }
  return problems;
}

// The schema checked the signature's shape; these are the rules a schema cannot say (known dtypes, unique names).
function checkSignatureField(source: MetadataSource): Problem[] {
  const signature = (source.data as { signature?: SignatureSpec }).signature;
  if (signature === undefined) return [];
  return signatureSpecProblems(signature).map((p) => {
    const path = ['signature', ...p.path];
    return makeProblem('signature', source.file, p.message, { field: formatFieldPath(path), position: source.locate(path), hint: p.hint });
  });
}

function checkLicenseField(source: MetadataSource): Problem[] {
  const license = (source.data as { license?: unknown }).license;
  if (typeof license !== 'string' || license.trim() === '') return [];
  return checkLicense(license).map((f) => makeProblem(f.rule, source.file, f.message, { field: 'license', position: source.locate(['license']), hint: f.hint, severity: f.severity }));
}

async function modelDirectory(dir: string): Promise<string> {
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new ModelVaultError('invalid_input', `${dir} is not a directory`, { path: dir, hint: 'pass the model directory that holds metadata.yaml and MODEL_CARD.md' });
    return await realpath(dir);
  } catch (err) {
    if (err instanceof ModelVaultError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new ModelVaultError('invalid_input', `model directory ${dir} does not exist`, { path: dir, hint: 'check the path passed to `modelvault validate`' }, { cause: err });
    }
    throw toModelVaultError(err);
  }
}

const byPosition = (a: Problem, b: Problem): number => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);

/**
 * Runs every rule of the policy over a model source and lists every problem found; `label` names the source in the
 * report (the directory, or the reference being registered).
 */
export async function validateSource(model: ModelSource, label: string, options: PolicyOptions = {}): Promise<ValidationReport> {
  const problems: Problem[] = [];
  const load = await model.metadata();
  problems.push(...load.problems);
  let metadata: ModelMetadata | undefined;
  const source = load.source;
  if (source) {
    const metadataProblems = [...checkMetadataSchema(source)];
    const schemaValid = metadataProblems.length === 0;
    const isObject = source.data !== null && typeof source.data === 'object' && !Array.isArray(source.data);
    if (schemaValid) metadataProblems.push(...checkSignatureField(source));
    if (isObject) {
      metadataProblems.push(...checkLicenseField(source), ...checkRequiredFields(source, options.requiredFields ?? []));
      metadataProblems.push(
        ...(await checkArtifacts(source, model, { verifyChecksums: options.verifyChecksums ?? true, namingConvention: options.namingConvention ?? 'warn' })),
        ...(await checkDatasetManifest(source, model)),
      );
    }
    problems.push(...metadataProblems.sort(byPosition));
    if (schemaValid) metadata = source.data as ModelMetadata;
  }
  problems.push(...(await checkModelCard(model, options.requiredSections ?? DEFAULT_REQUIRED_SECTIONS)));
  return {
    ok: !problems.some((p) => p.severity === 'error'),
    dir: label,
    ...(load.file !== undefined ? { metadataFile: load.file } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
    problems,
  };
}

/** Validates a model directory against the registry policy and lists every problem found; throws `invalid_input` when `dir` is not a directory. */
export async function validateModelDir(dir: string, options: PolicyOptions = {}): Promise<ValidationReport> {
  return validateSource(directorySource(await modelDirectory(dir), options.digestOf), dir, options);
}

/** CLI exit code for a report: 0 valid (warnings allowed), 1 invalid. */
export function reportExitCode(report: ValidationReport): 0 | 1 {
  return report.ok ? 0 : 1;
}
