import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ModelVaultError } from '../core/errors.ts';
import type { PolicyOptions, ValidationReport } from '../policy/index.ts';
import { loadConfig, policyOptions, type RegistryConfig } from '../registry/index.ts';


/** Loads the config of the home named by --home / MODELVAULT_HOME (defaults when absent). */
export function localConfig(home?: string): RegistryConfig {
  return loadConfig(resolve(home ?? process.env.MODELVAULT_HOME ?? join(homedir(), '.modelvault')));
}

/**
 * Validates a model directory and returns the report, its metadata and model card; refuses an invalid one.
 * `checks` turns checksum verification off or says where file digests come from.
 */
export async function loadValidModelDir(
  dir: string,
  config: RegistryConfig,
  checks: Pick<PolicyOptions, 'verifyChecksums' | 'digestOf'> = {},
): Promise<{ report: ValidationReport; metadata: Record<string, unknown>; modelCard: string | null }> {
  const { validateModelDir } = await import('../policy/index.ts');
  const report = await validateModelDir(dir, { ...policyOptions(config), ...checks });
  if (!report.ok || !report.metadata) {
    const problems = report.problems.filter((p) => p.severity === 'error');
    throw new ModelVaultError('validation_failed', `${dir} does not pass the registry policy (${problems.length} problem${problems.length === 1 ? '' : 's'})`, {
      problems,
      hint: `run \`modelvault validate ${dir}\` for details`,
    });
  }
  const modelCard = await readFile(join(dir, 'MODEL_CARD.md'), 'utf8').catch(() => null);
  return { report, metadata: report.metadata as unknown as Record<string, unknown>, modelCard };
}
