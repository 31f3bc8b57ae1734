import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { runCli, spawnServe, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model-dir.ts';

// Runs the README's "Access control and promotion" walkthrough as written: each line of its shell block is
// one step, run by the real CLI against a real `modelvault serve`; the refusals it prints must be the ones
// the README shows.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a section "${title}"`);
  const end = README.indexOf('\n## ', start + 4);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The words of a shell command line: double-quoted strings kept whole, `$VAR` expanded. */
function words(line: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) {
    const w = m[1] ?? m[2]!;
    out.push(w.replace(/\$([A-Z_]+)/g, (_x, v: string) => vars[v] ?? assert.fail(`$${v} is not set`)));
  }
  return out;
}

const home = tempDir('mv-walkthrough-');
let server: ChildProcess | undefined;
after(() => {
  server?.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
});


it('the README walkthrough runs as written, and its refusals are the ones shown', { timeout: 240_000 }, async () => {
  const text = section('Access control and promotion');
  const block = /```sh\n([\s\S]*?)```/.exec(text)?.[1];
  assert.ok(block, 'the section has a shell block');
  const shown = /```text\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
  const vars: Record<string, string> = {};
  const env: Record<string, string | undefined> = {};
  const refusals: string[] = [];
  const lines = block.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length >= 20, `only ${lines.length} steps`);
  for (const raw of lines) {
    const [command, comment = ''] = raw.split(/\s{2,}#\s/);
    const line = command!.trim();
    let m: RegExpExecArray | null;
    if (line === 'export MODELVAULT_HOME=$(mktemp -d)') {
      env.MODELVAULT_HOME = home;
      continue;
    }
    if ((m = /^cp (\S+) \$MODELVAULT_HOME\/$/.exec(line))) {
      copyFileSync(join(ROOT, m[1]!), join(home, basename(m[1]!)));
      continue;
    }
    if (line === 'modelvault serve &') {
      vars.SERVED = await spawnServe(env, (p) => (server = p));
      continue;
    }
    if ((m = /^export MODELVAULT_URL=(\S+)$/.exec(line))) {
      assert.equal(m[1], 'http://127.0.0.1:7750', 'the README uses the default address');
      env.MODELVAULT_URL = vars.SERVED;
      continue;
    }
    let capture: string | undefined;
    let rest = line;
    if ((m = /^([A-Z]+)=\$\((.*)\)$/.exec(line))) {
      capture = m[1]!;
      rest = m[2]!;
    }
    const stepEnv = { ...env };
    while ((m = /^([A-Z_]+)=(\S+) (.*)$/.exec(rest))) {
      stepEnv[m[1]!] = words(m[2]!, vars)[0];
      rest = m[3]!;
    }
    const argv = words(rest, vars);
    assert.equal(argv[0], 'modelvault', `a step runs modelvault: ${raw}`);
    const r: CliResult = await runCli(argv.slice(1), { ...stepEnv, PWD: ROOT });
    const refused = /^refused/.test(comment);
    if (refused) {
      assert.notEqual(r.code, 0, `${raw}\nshould be refused`);
      // Token ids are random: the README writes them as tok_….
      refusals.push(`$ ${line}\n${r.stderr.trimEnd()}`.replace(/tok_[0-9a-f]{12}/g, 'tok_…'));
    } else {
      assert.equal(r.code, 0, `${raw}\n${r.stderr}`);
    }
    if (capture) vars[capture] = r.stdout.trim();
  }
  assert.equal(refusals.length, 5);
  for (const refusal of refusals) assert.ok(shown.includes(refusal), `the README shows this refusal verbatim:\n${refusal}\n\nREADME has:\n${shown}`);
});
