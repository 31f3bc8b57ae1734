import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { ModelVaultError } from '../core/errors.ts';

/**
 * Parses a YAML file of the registry home (aliases refused); undefined when the file does not exist. A file
 * that cannot be read is `storage_unavailable`, one that does not parse `invalid_input` naming the file.
 */
export function readHomeYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelVaultError('storage_unavailable', `cannot read ${file}: ${(err as Error).message}`, { path: file });
  }
  try {
    return YAML.parse(text, { maxAliasCount: 0 });
  } catch (err) {
    throw new ModelVaultError('invalid_input', `${file}: ${(err as Error).message.split('\n')[0]}`, { path: file });
  }
}
