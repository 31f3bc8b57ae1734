import type { ModelSignature } from '../core/signature.ts';
import type { VersionDiff } from '../registry/index.ts';
import { table } from './output.ts';

const short = (digest: string): string => digest.slice(0, 19);
const value = (v: unknown): string => {
  const text = JSON.stringify(v) ?? 'null';
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};
const number = (n: number | null): string | null => (n === null ? null : String(n));
const where = (s: ModelSignature | null): string => (s === null ? 'none' : s.source === 'onnx' ? `${s.file}` : 'metadata.signature');

/** The semver verdict in one line. */
function semverLine(d: VersionDiff): string {
  const j = d.semver;
  if (!j) return 'semver: not judged (the versions belong to different models, or the second is the earlier one)';
  const bump = j.bump === 'none' ? 'the same MAJOR.MINOR.PATCH' : `a ${j.bump} bump`;
  const need = j.required === 'none' ? 'needs no particular bump' : `needs a ${j.required} bump`;
  const verdict = j.satisfied ? 'stated' : `UNDER-STATED: ${j.minimumVersion} or later would state it`;
  return `semver: ${j.change}-level signature change ${need}; ${d.from.version} → ${d.to.version} is ${bump}: ${verdict}`;
}

/** A version diff as a person reads it: the semver verdict, then signature, files, metadata and metrics changes. */
export function versionDiffText(d: VersionDiff): string {
  const lines = [`${d.from.name}@${d.from.version} → ${d.to.name}@${d.to.version}`, semverLine(d)];
  const sig = d.signature;
  lines.push(`signature (${where(sig.before)} → ${where(sig.after)}):`);
  lines.push(...(sig.changes.length ? sig.changes.map((c) => `  ${c.level.padEnd(5)}  ${c.message}`) : ['  no change']));
  const f = d.files;
  lines.push(`files (${f.unchanged} unchanged):`);
  const rows = [
    ...f.changed.map((c) => ['changed', c.path, `${short(c.before.digest)} → ${short(c.after.digest)}`]),
    ...f.added.map((a) => ['added', a.path, short(a.digest)]),
    ...f.removed.map((r) => ['removed', r.path, short(r.digest)]),
  ];
  const width = Math.max(0, ...rows.map((r) => r[1]!.length));
  lines.push(...(rows.length ? rows.map((r) => `  ${r[0]!.padEnd(7)}  ${r[1]!.padEnd(width)}  ${r[2]}`) : ['  no change']));
  lines.push('metadata:');
  lines.push(
    ...(d.metadata.length
      ? d.metadata.map((m) => `  ${m.change.padEnd(7)}  ${m.field}  ${m.change === 'added' ? value(m.after) : m.change === 'removed' ? value(m.before) : `${value(m.before)} → ${value(m.after)}`}`)
      : ['  no change']),
  );
  lines.push('metrics:');
  if (d.metrics.length === 0) lines.push('  -');
  else {
    const t = table(['METRIC', d.from.version, d.to.version, 'DELTA'], d.metrics.map((m) => [m.name, number(m.before), number(m.after), m.delta === null ? null : `${m.delta > 0 ? '+' : ''}${m.delta}`]));
    lines.push(...t.split('\n').map((l) => `  ${l}`));
  }
  return lines.join('\n');
}
