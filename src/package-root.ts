import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelVaultError } from './core/errors.ts';

let root: URL | undefined;

// Found by walking up rather than by a fixed `../..`: this module runs from src/ under tsx and from a bundled
// chunk in dist/, at different depths.
/** A file of the installed package (package.json, schemas/, dist/, src/), given relative to its root. */
export function packageFile(path: string): URL {
  if (!root) {
    let dir = new URL('.', import.meta.url);
    while (!existsSync(new URL('package.json', dir))) {
      const parent = new URL('..', dir);
      if (parent.href === dir.href) {
        throw new ModelVaultError('internal', `no package.json in any folder above ${fileURLToPath(import.meta.url)}`, { hint: 'reinstall ModelVault: its files are incomplete' });
      }
      dir = parent;
    }
    root = dir;
  }
  return new URL(path, root);
}

/** ModelVault's version, from its package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
