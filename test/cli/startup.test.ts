import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model-dir.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/fraud-detector', import.meta.url));
const work = tempDir('mv-startup-');
after(() => rmSync(work, { recursive: true, force: true }));

// Preloaded with --import: records every ES module the process resolves (through a resolve hook) and every
// CommonJS module it loaded (require.cache at exit), one path or URL a line.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.MV_LOADED, r.url + '\\n');
  return r;
}`;
const RECORDER = `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(join(work, 'hooks.mjs')).href)});
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(process.env.MV_LOADED, Object.keys(require.cache).join('\\n') + '\\n'));`;
writeFileSync(join(work, 'hooks.mjs'), HOOKS);
writeFileSync(join(work, 'recorder.mjs'), RECORDER);

// The bundle's map from each file of dist/ to the sources and packages it holds (written by the build).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const META = join(ROOT, 'dist', 'meta.json');
const bundled: Map<string, string[]> = existsSync(META)
  ? new Map(Object.entries((JSON.parse(readFileSync(META, 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> }).outputs).map(([file, o]) => [resolve(ROOT, file), Object.keys(o.inputs).map((i) => resolve(ROOT, i))]))
  : new Map();

/** Runs the binary with `args` and returns its result and every module it loaded, a bundled file standing for the sources it holds. */
async function loadedBy(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; modules: string[] }> {
  const out = join(work, `loaded-${args.join('-').replace(/[^a-z0-9-]/gi, '_')}.txt`);
  writeFileSync(out, '');
  const r = await spawnCli(args, { ...env, MV_LOADED: out }, ['--import', pathToFileURL(join(work, 'recorder.mjs')).href]);
  const loaded = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  const modules = loaded.flatMap((m) => bundled.get(m.startsWith('file:') ? fileURLToPath(m) : m) ?? [m]);
  return { ...r, modules };
}

const HEAVY = ['fastify', '@duckdb/node-api', 'onnxruntime-node', 'protobufjs', 'better-sqlite3', 'pg', 'kysely'];
const packageLoaded = (modules: string[], pkg: string): boolean => modules.some((m) => m.includes(`/node_modules/${pkg}/`));
// Our own modules, compiled (dist/) or run from sources (src/).
// The monitor apart from its list of drift method names, which the drift command's help shows.
const MONITOR = /^monitor\//;
const ownLoaded = (modules: string[], path: RegExp): boolean => modules.some((m) => path.test(m.replace(/^.*\/(dist|src)\//, '')));

describe('start-up: what a command loads', () => {
  it('--help loads none of the servers, databases, runtimes or scanners its commands use', async () => {
    const r = await loadedBy(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: modelvault/);
    // The recorder works: it saw the CLI and commander.
    assert.ok(ownLoaded(r.modules, /^cli\/main\.(js|ts)$/), r.modules.join('\n'));
    assert.ok(packageLoaded(r.modules, 'commander'));
    for (const pkg of HEAVY) assert.equal(packageLoaded(r.modules, pkg), false, `--help loaded ${pkg}`);
    for (const own of [/^app\./, /^scan\//, /^server\//, MONITOR, /^storage\//, /^registry\//, /^integrity\//, /^policy\//, /^client\//, /^evaluation\//]) {
      assert.equal(ownLoaded(r.modules, own), false, `--help loaded ${r.modules.find((m) => own.test(m.replace(/^.*\/(dist|src)\//, '')))}`);
    }
  });

  it('versions list on a local home loads the database and the registry, not the server, DuckDB, onnxruntime, the scanner, the monitor or integrity', async () => {
    const home = join(work, 'home');
    const push = await runCli(['push', EXAMPLE], { MODELVAULT_HOME: home });
    assert.equal(push.code, 0, push.stderr);
    const r = await loadedBy(['versions', 'list', 'fraud-detector'], { MODELVAULT_HOME: home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1\.0\.0\s+development/m);
    assert.ok(packageLoaded(r.modules, 'better-sqlite3') && packageLoaded(r.modules, 'kysely'), 'the recorder saw the database driver');
    assert.ok(ownLoaded(r.modules, /^registry\//));
    for (const pkg of ['fastify', '@duckdb/node-api', 'onnxruntime-node', 'protobufjs', 'pg']) assert.equal(packageLoaded(r.modules, pkg), false, `versions list loaded ${pkg}`);
    for (const own of [/^server\//, /^client\//, /^policy\//, /^scan\//, MONITOR, /^integrity\//, /^evaluation\//]) assert.equal(ownLoaded(r.modules, own), false, `versions list loaded ${own}`);
  });
});

describe('an unknown command', () => {
  for (const args of [['verisons'], ['verisons', '--help'], ['--help', 'verisons'], ['help', 'verisons'], ['--home', work, 'verisons', '-h']]) {
    it(`modelvault ${args.join(' ')} exits 2 and suggests versions`, async () => {
      const r = await runCli(args, {});
      assert.equal(r.code, 2);
      assert.match(r.stderr, /unknown command 'verisons'/);
      assert.match(r.stderr, /Did you mean versions\?/);
      assert.equal(r.stdout, '');
    });
  }

  it('a subcommand unknown to its group exits 2 and suggests the right one, with or without --help', async () => {
    for (const args of [['versions', 'lsit', 'fraud-detector'], ['versions', 'lsit', '--help']]) {
      const r = await runCli(args, {});
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /unknown command 'lsit'[\s\S]*Did you mean list\?/);
    }
  });

  it('help for a known command still prints it and exits 0', async () => {
    for (const args of [['versions', '--help'], ['help', 'versions'], ['versions', 'list', '--help'], ['--home', work, '--help']]) {
      const r = await runCli(args, {});
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /^Usage: modelvault/);
    }
  });

  it('a command with arguments of its own beside subcommands keeps its options after an argument', async () => {
    const r = await runCli(['scan', EXAMPLE, '--json'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.json as { counts: { dangerous: number } }).counts.dangerous, 0);
  });

  it('the binary exits 2 for an unknown command with --help', async () => {
    const r = await spawnCli(['verisons', '--help'], {});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'verisons'[\s\S]*Did you mean versions\?/);
  });
});
