import { Command, CommanderError } from 'commander';
import { packageVersion } from '../package-root.ts';
// Command modules import only commander, output helpers and src/core; their actions load the rest.
import { io, print, reportError, type CliIo, type GlobalOptions } from './output.ts';
import * as alias from './commands/alias.ts';
import * as approve from './commands/approve.ts';
import * as diff from './commands/diff.ts';
import * as events from './commands/events.ts';
import * as init from './commands/init.ts';
import * as lineage from './commands/lineage.ts';
import * as models from './commands/models.ts';
import * as pull from './commands/pull.ts';
import * as push from './commands/push.ts';
import * as serve from './commands/serve.ts';
import * as stage from './commands/stage.ts';
import * as validate from './commands/validate.ts';
import * as verify from './commands/verify.ts';
import * as scan from './commands/scan.ts';
import * as keys from './commands/keys.ts';
import * as sign from './commands/sign.ts';
import * as audit from './commands/audit.ts';
import * as exportCmd from './commands/export.ts';
import * as anchor from './commands/anchor.ts';
import * as profile from './commands/profile.ts';
import * as observe from './commands/observe.ts';
import * as drift from './commands/drift.ts';
import * as health from './commands/health.ts';
import * as versions from './commands/versions.ts';
import * as users from './commands/users.ts';
import * as tokens from './commands/tokens.ts';
import * as webhooks from './commands/webhooks.ts';
import * as evaluate from './commands/evaluate.ts';
import * as gates from './commands/gates.ts';
import * as fsck from './commands/fsck.ts';
import * as backup from './commands/backup.ts';
import * as restore from './commands/restore.ts';

/** Builds the `modelvault` command. */
export function buildProgram(): Command {
  const program = new Command('modelvault')
    .description('ModelVault: a model registry that proves what every model is and where it came from')
    .addHelpText('after', '\nRun `modelvault --version` for the version.')
    .option('--home <dir>', 'registry home for embedded mode (default $MODELVAULT_HOME or ~/.modelvault)')
    .option('--server <url>', 'talk to a remote registry (default $MODELVAULT_URL)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) })
    .exitOverride();
  for (const c of [init, serve, validate, push, pull, models, versions, diff, stage, approve, alias, lineage, verify, events, scan, keys, sign, audit, exportCmd, anchor, profile, observe, drift, health, evaluate, gates, fsck, backup, restore, users, tokens, webhooks]) c.register(program);
  return program;
}

/**
 * Commander answers `modelvault UNKNOWN --help` (and `help UNKNOWN`) with the parent's help and exit 0. When a
 * command name is unknown this drops the help requests before it and what follows it, so commander reports the
 * unknown command with a suggestion instead (exit 2).
 */
function withoutHelpBeforeUnknownCommand(program: Command, argv: string[]): string[] {
  const takesValue = (cmd: Command, flag: string): boolean => {
    for (let c: Command | null = cmd; c; c = c.parent) {
      const o = c.options.find((x) => x.long === flag || x.short === flag);
      if (o) return o.required || o.optional;
    }
    return false;
  };
  const help = new Set<number>();
  let cmd = program;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '-h' || arg === '--help') help.add(i);
    else if (arg.startsWith('-')) {
      if (!arg.includes('=') && takesValue(cmd, arg)) i++;
    } else if (cmd.commands.length === 0) break;
    else if (arg === 'help') help.add(i);
    else {
      const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
      // A command with arguments of its own (`scan PATH…` beside `scan allow`) takes any other word as one.
      if (!sub && cmd.registeredArguments.length > 0) break;
      if (!sub) return argv.slice(0, i + 1).filter((_, j) => !help.has(j));
      cmd = sub;
    }
  }
  return argv;
}

/** Runs the CLI and returns its exit code: 0 success, 1 a failed check, 2 usage or input error. */
export async function run(argv: string[], sink?: CliIo): Promise<number> {
  const previous = { ...io };
  if (sink) Object.assign(io, sink);
  try {
    return await runCommand(argv);
  } finally {
    Object.assign(io, previous);
  }
}

async function runCommand(argv: string[]): Promise<number> {
  // Handled here rather than by commander: `push --version 1.2.0` must reach the subcommand.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    print(packageVersion());
    return 0;
  }
  const program = buildProgram();
  try {
    await program.parseAsync(withoutHelpBeforeUnknownCommand(program, argv), { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
    }
    return reportError(err, program.opts<GlobalOptions>());
  }
}

// `tsx src/cli/main.ts …` (npm start) runs the CLI directly; bin/modelvault.js imports run().
if (process.argv[1] && /src[\\/]cli[\\/]main\.ts$/.test(process.argv[1])) {
  process.exitCode = await run(process.argv.slice(2));
}
