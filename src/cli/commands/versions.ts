import type { Command } from 'commander';
import { ModelVaultError } from '../../core/errors.ts';
import { assertStage } from '../../core/names.ts';
import { parseReference } from '../../core/reference.ts';
import type { StagesAt } from '../../registry/index.ts';
import { formatShape, type ModelSignature, type TensorSignature } from '../../core/signature.ts';
import { withSession } from '../context.ts';
import { bytes, emit, intOption, parseKeyValues, table, type GlobalOptions } from '../output.ts';

function exactVersion(ref: string): { name: string; version: string } {
  const r = parseReference(ref);
  if (r.kind !== 'version') throw new ModelVaultError('usage', `${ref} must name an exact version (name@1.2.0)`, { reference: ref });
  return { name: r.name, version: r.version };
}

/** Which version held each stage at a time, with who moved it there, who approved it and the evidence it relied on. */
function stagesAtText(r: StagesAt): string {
  if (r.holders.length === 0) return `no version of ${r.name} held a stage at ${r.at}`;
  const lines = [`${r.name} at ${r.at}`];
  for (const h of r.holders) {
    lines.push(`${h.stage.padEnd(12)} ${r.name}@${h.version}  since ${h.since} by ${h.by}${h.reason ? ` (${h.reason})` : ''}${h.forced ? '  FORCED' : ''}`);
    if (!h.record) {
      lines.push('  (moved before the registry recorded approvals and evidence with each move)');
      continue;
    }
    const ev = h.record.evidence;
    if (h.record.approvals.length) lines.push(`  approved by   ${h.record.approvals.map((a) => `${a.actor} at ${a.at}`).join(', ')}`);
    lines.push(`  scan report   ${ev.scan ? `${ev.scan.digest} (${ev.scan.at})` : '-'}`);
    lines.push(`  gate results  ${ev.gates ? `${ev.gates.digest} (${ev.gates.at})` : '-'}`);
    for (const m of h.record.missing ?? []) lines.push(`  missing       ${m.check}: ${m.message.split('\n')[0]}`);
  }
  return lines.join('\n');
}

/** A signature as `versions show` lists it: one line per input and output. */
function signatureLines(signature: ModelSignature | null): string[] {
  if (!signature) return ['signature: - (no ONNX model file and no metadata.signature)'];
  const rows: [string, TensorSignature][] = [...signature.inputs.map((t): [string, TensorSignature] => ['input', t]), ...signature.outputs.map((t): [string, TensorSignature] => ['output', t])];
  const width = Math.max(0, ...rows.map(([, t]) => t.name.length));
  const dtypeWidth = Math.max(0, ...rows.map(([, t]) => t.dtype.length));
  return [
    `signature (from ${signature.source === 'onnx' ? signature.file : 'metadata.signature'}):`,
    ...rows.map(([side, t]) => `  ${side.padEnd(6)}  ${t.name.padEnd(width)}  ${t.dtype.padEnd(dtypeWidth)}  ${formatShape(t.shape)}${t.optional ? '  (optional)' : ''}`),
  ];
}

/** `modelvault versions …`: list, show, tag and describe versions. */
export function register(program: Command): void {
  const versions = program.command('versions').description('list and inspect model versions');
  versions
    .command('list')
    .description('list versions of a model, highest first')
    .argument('<name>')
    .option('--stage <stage>', 'only versions in this stage')
    .option('--tag <tag>', 'only versions with this tag (key or key=value)')
    .option('--framework <framework>', 'only this framework')
    .option('--since <date>', 'only versions created at or after this ISO date')
    .option('--limit <n>', 'page size (1-1000)', '50')
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(async (name: string, o: { stage?: string; tag?: string; framework?: string; since?: string; limit: string; cursor?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const page = await withSession(opts, (s) =>
        s.api.listVersions(name, { stage: o.stage ? assertStage(o.stage) : undefined, tag: o.tag, framework: o.framework, since: o.since, limit: intOption(o.limit, 'limit'), cursor: o.cursor }),
      );
      emit(opts, page, () =>
        [
          table(['VERSION', 'STAGE', 'ALIASES', 'FRAMEWORK', 'SIZE', 'CREATED', 'BY'], page.items.map((v) => [v.version, v.stage, v.aliases.join(',') || null, v.framework, bytes(v.totalSize), v.createdAt, v.createdBy])),
          page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
        ].filter(Boolean).join('\n'),
      );
    });
  versions
    .command('show')
    .description('show a version: input/output signature, files, metadata, lineage, stage history')
    .argument('<ref>', 'name@version, name@stage, name@alias or name@latest')
    .action(async (ref: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const v = await withSession(opts, (s) => s.api.getVersion(ref));
      emit(opts, v, () =>
        [
          `${v.name}@${v.version}  [${v.stage}]${v.aliases.length ? `  aliases: ${v.aliases.join(', ')}` : ''}`,
          v.description ? `  ${v.description}` : '',
          `  manifest   ${v.manifestDigest}`,
          `  framework  ${v.framework ?? '-'}    size ${bytes(v.totalSize)} in ${v.fileCount} files`,
          `  created    ${v.createdAt} by ${v.createdBy}`,
          `  license    ${String(v.metadata.license ?? '-')}`,
          `  tags       ${Object.entries(v.tags).map(([k, x]) => `${k}=${x}`).join(', ') || '-'}`,
          ...signatureLines(v.signature),
          'files:',
          ...v.files.map((f) => `  ${f.digest}  ${f.format.padEnd(12)} ${bytes(f.size).padStart(10)}  ${f.path}`),
          'lineage:',
          ...(v.lineage.length ? v.lineage.map((e) => `  ${e.kind.padEnd(12)} ${e.target}`) : ['  -']),
          'history:',
          ...v.history.map((h) => `  ${h.at}  ${h.from ?? '(new)'} → ${h.to}  by ${h.actor}${h.reason ? ` (${h.reason})` : ''}`),
          'evidence:',
          ...(v.evidence.length ? v.evidence.map((e) => `  ${e.kind.padEnd(12)} ${e.digest}  ${e.keyId ? `key ${e.keyId}  ` : ''}${e.createdAt}`) : ['  -']),
        ].filter((l) => l !== '').join('\n'),
      );
    });
  versions
    .command('history')
    .description('which version held each stage of a model at a time (default now): who moved it there, who approved it, on what evidence')
    .argument('<name>')
    .option('--at <time>', 'an ISO time with a zone (2026-12-01T10:00Z), a date, now, or a span before now (30m, 2h, 7d)', 'now')
    .action(async (name: string, o: { at: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const r = await withSession(opts, (s) => s.api.stagesAt(name, o.at));
      emit(opts, r, () => stagesAtText(r));
    });
  versions
    .command('tag')
    .description('set tags on a version')
    .argument('<ref>', 'name@version')
    .argument('<tags...>', 'KEY=VALUE pairs')
    .action(async (ref: string, tags: string[], _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const target = exactVersion(ref);
      const kv = parseKeyValues(tags);
      await withSession(opts, (s) => s.api.setTags(target, kv));
      emit(opts, { ...target, tags: kv }, () => `tagged ${ref}: ${Object.entries(kv).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    });
  versions
    .command('untag')
    .description('remove tags from a version')
    .argument('<ref>', 'name@version')
    .argument('<keys...>')
    .action(async (ref: string, keys: string[], _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const target = exactVersion(ref);
      await withSession(opts, (s) => s.api.removeTags(target, keys));
      emit(opts, { ...target, removed: keys }, () => `removed ${keys.join(', ')} from ${ref}`);
    });
  versions
    .command('describe')
    .description('set a version\'s description')
    .argument('<ref>', 'name@version')
    .argument('<description>')
    .action(async (ref: string, description: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const target = exactVersion(ref);
      await withSession(opts, (s) => s.api.setDescription(target, description));
      emit(opts, { ...target, description }, () => `described ${ref}`);
    });
}
