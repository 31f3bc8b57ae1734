import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Published test data of other projects (test/fixtures/interop, see its README.md for the sources),
 * kept in the repository so that any clone can run the interoperability tests.
 */
export function interopDir(): string {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/interop');
  if (!existsSync(dir)) throw new Error(`interop test data not found at ${dir}`);
  return dir;
}

/** Every .json file under `dir`, as paths relative to `base`, sorted. */
export function jsonFilesUnder(base: string, dir: string): string[] {
  const abs = join(base, dir);
  if (!existsSync(abs)) throw new Error(`interop folder ${abs} is missing`);
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((name) => {
      const p = join(d, name);
      if (statSync(p).isDirectory()) return walk(p);
      return name.endsWith('.json') ? [relative(base, p)] : [];
    });
  return walk(abs).sort();
}
