import type { Command } from 'commander';
import { withSession } from '../context.ts';
import { emit, intOption, parseKeyValues, table, type GlobalOptions } from '../output.ts';

/** `modelvault models …`: list, show, tag, describe and history of models. */
export function register(program: Command): void {
  const models = program.command('models').description('list and inspect registered models');
  models
    .command('list')
    .description('list models')
    .option('--prefix <prefix>', 'only names starting with this')
    .option('--tag <tag>', 'only models with this tag (key or key=value)')
    .option('--limit <n>', 'page size (1-1000)', '50')
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(async (o: { prefix?: string; tag?: string; limit: string; cursor?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const page = await withSession(opts, (s) => s.api.listModels({ prefix: o.prefix, tag: o.tag, limit: intOption(o.limit, 'limit'), cursor: o.cursor }));
      emit(opts, page, () =>
        [
          table(['NAME', 'VERSIONS', 'LATEST', 'PRODUCTION', 'UPDATED'], page.items.map((m) => [m.name, m.versionCount, m.latestVersion, m.productionVersion, m.updatedAt])),
          page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
        ].filter(Boolean).join('\n'),
      );
    });
  models
    .command('show')
    .description('show a model, its aliases and which versions hold each stage')
    .argument('<name>')
    .action(async (name: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const m = await withSession(opts, (s) => s.api.getModel(name));
      emit(opts, m, () =>
        [
          `${m.name}${m.description ? ` — ${m.description}` : ''}`,
          `  owner       ${m.owner ?? '-'}`,
          `  versions    ${m.versionCount} (latest ${m.latestVersion ?? '-'})`,
          `  production  ${m.productionVersion ?? '-'}`,
          ...Object.entries(m.stages).map(([st, vs]) => `  ${st.padEnd(11)} ${vs!.join(', ')}`),
          `  aliases     ${Object.entries(m.aliases).map(([a, v]) => `${a}→${v}`).join(', ') || '-'}`,
          `  tags        ${Object.entries(m.tags).map(([k, v]) => `${k}=${v}`).join(', ') || '-'}`,
          `  created     ${m.createdAt}`,
        ].join('\n'),
      );
    });
  models
    .command('history')
    .description('every stage transition of a model\'s versions; a forced one names the checks it skipped (see `versions history NAME --at T` for what each move relied on)')
    .argument('<name>')
    .action(async (name: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const h = await withSession(opts, (s) => s.api.stageHistory(name));
      const reason = (c: (typeof h)[number]): string | null => (c.forced ? `${c.reason ?? '-'} [forced past: ${c.missing?.map((m) => m.check).join(', ') || 'nothing missing'}]` : c.reason);
      emit(opts, h, () => table(['WHEN', 'VERSION', 'FROM', 'TO', 'WHO', 'REASON'], h.map((c) => [c.at, c.version, c.from, c.to, c.actor, reason(c)])));
    });
  models
    .command('tag')
    .description('set tags on a model')
    .argument('<name>')
    .argument('<tags...>', 'KEY=VALUE pairs')
    .action(async (name: string, tags: string[], _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const kv = parseKeyValues(tags);
      await withSession(opts, (s) => s.api.setTags({ name }, kv));
      emit(opts, { name, tags: kv }, () => `tagged ${name}: ${Object.entries(kv).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    });
  models
    .command('untag')
    .description('remove tags from a model')
    .argument('<name>')
    .argument('<keys...>')
    .action(async (name: string, keys: string[], _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      await withSession(opts, (s) => s.api.removeTags({ name }, keys));
      emit(opts, { name, removed: keys }, () => `removed ${keys.join(', ')} from ${name}`);
    });
  models
    .command('describe')
    .description('set a model\'s description')
    .argument('<name>')
    .argument('<description>')
    .action(async (name: string, description: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      await withSession(opts, (s) => s.api.setDescription({ name }, description));
      emit(opts, { name, description }, () => `described ${name}`);
    });
}
