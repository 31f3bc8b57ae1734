// Builds dist/: the CLI and each worker bundled as ES modules with code splitting, so a command's lazily
// imported code stays in chunks of its own and start-up links a few files instead of hundreds.
// Writes dist/meta.json (esbuild's metafile), which maps every output file to the sources it holds.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The entry points of dist/: the CLI and every module started as a worker. */
export const ENTRY_POINTS = { 'cli/main': 'src/cli/main.ts', 'scan/scan-worker': 'src/scan/scan-worker.ts' };

// Native addons, and packages that load files or workers relative to their own location, stay in node_modules.
const EXTERNAL = ['better-sqlite3', 'pg', '@duckdb/node-api', 'onnxruntime-node', 'fastify', 'prom-client'];

/** How sources under the package root are bundled into `outdir` (dist/ for the package). */
export function bundleOptions(outdir: string, entryPoints: Record<string, string>): BuildOptions {
  return {
    absWorkingDir: ROOT,
    entryPoints,
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // Bundled CommonJS packages (commander, yaml, ...) call require(), which an ES module lacks.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dist = join(ROOT, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const result = await build(bundleOptions(dist, ENTRY_POINTS));
  writeFileSync(join(dist, 'meta.json'), JSON.stringify(result.metafile));
}
