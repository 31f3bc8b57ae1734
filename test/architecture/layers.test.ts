import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The layers of src/, lowest first. A module may import its own folder and folders of a lower rank only,
// so every import points down; folders of equal rank are peers that do not import each other.
const LAYERS: Record<string, number> = {
  core: 0,
  storage: 1,
  'package-root.ts': 1,
  webhooks: 1,
  audit: 2,
  auth: 3,
  formats: 3,
  policy: 3,
  registry: 4,
  scan: 5,
  integrity: 5,
  monitor: 5,
  subscriptions: 5,
  evaluation: 5,
  maintenance: 5,
  'app.ts': 6,
  server: 7,
  client: 7,
  cli: 8,
};

// Capabilities reached from other folders only through their doors: index.ts, and its contract as JSON
// Schemas (schemas.ts), kept apart so commands that need no server do not load the schema library.
const DOORS: Record<string, string[]> = { registry: ['index.ts', 'schemas.ts'], audit: ['index.ts', 'schemas.ts'], auth: ['index.ts', 'oidc.ts'] };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

interface Edge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of a source text: static, re-exports and dynamic `import()`. */
export function importSpecifiers(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|[;\s])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec?.startsWith('.')) specs.push(spec);
  }
  return specs;
}

function folderOf(file: string): string {
  return relative(root, file).split(/[\\/]/)[0]!;
}

function edges(): Edge[] {
  return sourceFiles(root).flatMap((file) =>
    importSpecifiers(readFileSync(file, 'utf8')).map((spec) => ({ from: relative(root, file), to: relative(root, resolve(dirname(file), spec)) })),
  );
}

describe('layers of src/', () => {
  const all = edges();

  it('finds the imports it checks', () => {
    assert.ok(all.length > 300, `only ${all.length} imports found: the scanner of import statements is broken`);
    assert.deepEqual(importSpecifiers(`import { a } from './a.ts';\nexport * from "../b.ts";\nconst c = await import('./c.ts');\nimport './d.ts';`), ['./a.ts', '../b.ts', './c.ts', './d.ts']);
  });

  it('names a layer for every folder of src/', () => {
    const unknown = [...new Set(all.map((e) => folderOf(join(root, e.from))))].filter((f) => !(f in LAYERS));
    assert.deepEqual(unknown, [], 'give each new folder of src/ its place in LAYERS');
  });

  it('has every import point down (no folder imports one above it or a peer)', () => {
    const upward = all
      .filter((e) => {
        const a = folderOf(join(root, e.from));
        const b = folderOf(join(root, e.to));
        return a !== b && !(LAYERS[b]! < LAYERS[a]!);
      })
      .map((e) => `${e.from} -> ${e.to}`);
    assert.deepEqual(upward, []);
  });

  for (const [folder, doors] of Object.entries(DOORS)) {
    it(`reaches ${folder}/ from other folders only through ${doors.join(' or ')}`, () => {
      const past = all
        .filter((e) => folderOf(join(root, e.to)) === folder && folderOf(join(root, e.from)) !== folder && !doors.some((d) => e.to === join(folder, d)))
        .map((e) => `${e.from} -> ${e.to}`);
      assert.deepEqual(past, []);
    });
  }
});
