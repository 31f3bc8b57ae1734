// Kills `modelvault` commands with SIGKILL at random moments and checks, after each kill, that the home is whole:
// `modelvault fsck --repair --grace 0s` must leave no problem (a killed push may leave temp files and blobs no
// version names; those are what repair removes, nothing else may be wrong). Used by test/reliability/kill.test.ts
// (a bounded run in CI) and scripts/kill-campaign.ts (a long one).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeModelDir, tempDir } from '../helpers/model-dir.ts';
import { mulberry32 } from '../../src/core/random.ts';

const BIN = fileURLToPath(new URL('../../bin/modelvault.js', import.meta.url));

/** What one command did before it was killed, and what fsck said after. */
export interface KillOutcome {
  op: string;
  delayMs: number;
  /** The command finished (exit code) before the kill, or was killed (null). */
  exit: number | null;
  fsckExit: number;
  problems: string[];
}

export interface CampaignReport {
  runs: number;
  killed: number;
  completed: number;
  inconsistent: KillOutcome[];
  byOp: Record<string, { runs: number; killed: number }>;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string>, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MODELVAULT_URL: '', MODELVAULT_TOKEN: '', MODELVAULT_DATABASE_URL: '', MODELVAULT_BLOB_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `runs` random commands on one embedded home, each killed after a random delay of up to `maxDelayMs`
 * (some finish first), and after each one checks the home with `fsck --repair --grace 0s --json`.
 */
export async function killCampaign(runs: number, options: { seed?: number; maxDelayMs?: number; weightsBytes?: number; onRun?: (o: KillOutcome, i: number) => void } = {}): Promise<CampaignReport> {
  const rand = mulberry32(options.seed ?? 1);
  const maxDelay = options.maxDelayMs ?? 700;
  const work = tempDir('mv-kill-');
  const home = join(work, 'home');
  const env = { MODELVAULT_HOME: home };
  const report: CampaignReport = { runs: 0, killed: 0, completed: 0, inconsistent: [], byOp: {} };
  try {
    const init = await run(['init'], env);
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
    const keys = await run(['keys', 'generate', '--name', 'kill'], env);
    if (keys.code !== 0) throw new Error(`keys generate failed: ${keys.stderr}`);
    const weights = Buffer.alloc(options.weightsBytes ?? 8 << 20);
    let pushed = 0;
    const dirOf = (v: number): string => {
      const root = join(work, `model-${v}`);
      rmSync(root, { recursive: true, force: true });
      // Each version's weights differ, so every push stores new blobs.
      weights.writeUInt32LE(v, 0);
      return makeModelDir({ name: 'victim', version: `1.0.${v}`, root, files: { 'model.bin': weights } }).dir;
    };
    // One version to start from, so every command has something to work on.
    const first = await run(['push', dirOf(0)], env);
    if (first.code !== 0) throw new Error(`first push failed: ${first.stderr}`);
    pushed = 1;
    const ops: Array<[string, () => string[]]> = [
      ['push', () => ['push', dirOf(pushed)]],
      ['stage', () => ['stage', `victim@1.0.${Math.floor(rand() * pushed)}`, rand() < 0.5 ? 'validation' : 'archived']],
      ['alias', () => ['alias', 'set', 'victim', 'champion', `1.0.${Math.floor(rand() * pushed)}`]],
      ['sign', () => ['sign', `victim@1.0.${Math.floor(rand() * pushed)}`, '--key', join(home, 'keys', 'kill.key')]],
      ['scan allow', () => ['scan', 'allow', `mylib_${Math.floor(rand() * 1e9)}.layers.Custom`, '--reason', 'reviewed in a test']],
      ['pull', () => {
        const out = join(work, 'pulled');
        mkdirSync(out, { recursive: true });
        return ['pull', `victim@1.0.${Math.floor(rand() * pushed)}`, out, '--force'];
      }],
      ['users add', () => ['users', 'add', `user${Math.floor(rand() * 1e9)}`, '--role', 'analyst']],
    ];
    for (let i = 0; i < runs; i++) {
      const [op, args] = ops[Math.floor(rand() * ops.length)]!;
      const delayMs = Math.floor(rand() * maxDelay);
      const r = await run(args(), env, delayMs);
      if (op === 'push' && r.code === 0) pushed += 1;
      // A push killed after its version was registered still counts: the next one must take a new number.
      if (op === 'push' && r.code === null) {
        const shown = await run(['versions', 'show', `victim@1.0.${pushed}`], env);
        if (shown.code === 0) pushed += 1;
      }
      const fsck = await run(['fsck', '--repair', '--grace', '0s', '--json'], env);
      let problems: string[] = [];
      try {
        const parsed = JSON.parse(fsck.stdout) as { problems?: { kind?: string; message?: string }[] };
        problems = (parsed.problems ?? []).map((p) => `${p.kind}: ${p.message}`);
      } catch {
        problems = [`fsck printed no JSON: ${fsck.stdout.slice(0, 300)} ${fsck.stderr.slice(0, 300)}`];
      }
      const outcome: KillOutcome = { op, delayMs, exit: r.code, fsckExit: fsck.code ?? -1, problems };
      report.runs += 1;
      const slot = (report.byOp[op] ??= { runs: 0, killed: 0 });
      slot.runs += 1;
      if (r.code === null) {
        report.killed += 1;
        slot.killed += 1;
      } else report.completed += 1;
      if (fsck.code !== 0) report.inconsistent.push(outcome);
      options.onRun?.(outcome, i);
    }
    return report;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Writes a campaign's counts as text. */
export function describeCampaign(r: CampaignReport): string {
  const lines = [`${r.runs} commands, ${r.killed} killed by SIGKILL, ${r.completed} finished first; inconsistent homes after fsck --repair: ${r.inconsistent.length}`];
  for (const [op, s] of Object.entries(r.byOp).sort()) lines.push(`  ${op.padEnd(11)} ${String(s.runs).padStart(4)} runs, ${String(s.killed).padStart(4)} killed`);
  for (const o of r.inconsistent.slice(0, 10)) lines.push(`  INCONSISTENT after ${o.op} killed at ${o.delayMs} ms: ${o.problems.join('; ')}`);
  return lines.join('\n');
}

