import type { Command } from 'commander';
import { withSession } from '../context.ts';
import { emit, type GlobalOptions } from '../output.ts';
import { versionDiffText } from '../version-diff-text.ts';

/** `modelvault diff REF1 [REF2]`: what changed between two versions, and whether the version number states it. */
export function register(program: Command): void {
  program
    .command('diff')
    .description('show what changed from REF1 to REF2 (files, metadata, metrics, input/output signature) and whether the version number states it; with one reference, from the version it follows')
    .argument('<ref1>', 'the earlier version (name@version, name@stage, name@alias or name@latest)')
    .argument('[ref2]', 'the later version; without it, REF1 is compared with the version it follows')
    .action(async (ref1: string, ref2: string | undefined, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const diff = await withSession(opts, (s) => (ref2 === undefined ? s.api.diffVersions(ref1) : s.api.diffVersions(ref2, ref1)));
      emit(opts, diff, () => versionDiffText(diff));
    });
}
