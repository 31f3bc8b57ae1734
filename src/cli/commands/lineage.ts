import type { Command } from 'commander';
import { withSession } from '../context.ts';
import { intOption, print, type GlobalOptions, usage } from '../output.ts';

/** `modelvault lineage REF`: ancestors and descendants of a version. */
export function register(program: Command): void {
  program
    .command('lineage')
    .description('show where a version came from and what was derived from it')
    .argument('<ref>', 'version reference')
    .option('--format <format>', 'text, json, dot or mermaid', 'text')
    .option('--depth <n>', 'how many generations to follow', '20')
    .action(async (ref: string, o: { format: string; depth: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const format = opts.json ? 'json' : o.format;
      if (!['text', 'json', 'dot', 'mermaid'].includes(format)) throw usage(`--format ${format} is not supported`, 'use text, json, dot or mermaid');
      const { lineageToDot, lineageToMermaid, lineageToText } = await import('../../registry/index.ts');
      const g = await withSession(opts, (s) => s.api.lineage(ref, { depth: intOption(o.depth, 'depth') }));
      const out = format === 'json' ? JSON.stringify(g, null, 2) : format === 'dot' ? lineageToDot(g) : format === 'mermaid' ? lineageToMermaid(g) : lineageToText(g);
      print(out);
    });
}
