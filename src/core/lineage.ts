/** A typed lineage link from a version. */
export interface LineageEdge {
  kind: 'derived_from' | 'trained_on' | 'evaluated_on' | 'produced_by' | 'source';
  /** A reference (`name@1.0.0`), dataset `name@version`, run id, or `repo@commit`. */
  target: string;
  attrs: Record<string, unknown>;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Lineage edges declared in a version's metadata. */
export function lineageFromMetadata(meta: Record<string, unknown>): LineageEdge[] {
  const edges: LineageEdge[] = [];
  const source = meta.source as Record<string, unknown> | undefined;
  if (source && (str(source.repo) || str(source.commit))) {
    edges.push({ kind: 'source', target: `${str(source.repo) ?? ''}@${str(source.commit) ?? ''}`, attrs: { repo: source.repo ?? null, commit: source.commit ?? null } });
  }
  const lineage = meta.lineage as Record<string, unknown> | undefined;
  const parent = str(lineage?.parent_model);
  if (parent) edges.push({ kind: 'derived_from', target: parent, attrs: {} });
  const ds = lineage?.training_dataset as Record<string, unknown> | undefined;
  if (ds && str(ds.name)) {
    edges.push({ kind: 'trained_on', target: `${String(ds.name)}@${str(ds.version) ?? 'unversioned'}`, attrs: { name: ds.name, version: ds.version ?? null, checksum: ds.checksum ?? null } });
  }
  const evalDs = lineage?.evaluation_dataset as Record<string, unknown> | undefined;
  if (evalDs && str(evalDs.name)) {
    edges.push({ kind: 'evaluated_on', target: `${String(evalDs.name)}@${str(evalDs.version) ?? 'unversioned'}`, attrs: { name: evalDs.name, version: evalDs.version ?? null, checksum: evalDs.checksum ?? null } });
  }
  const run = str(meta.run_id);
  if (run) edges.push({ kind: 'produced_by', target: run, attrs: {} });
  return edges;
}
