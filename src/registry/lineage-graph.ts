import type { LineageEdge } from '../core/lineage.ts';
import type { RegistryScope } from './context.ts';
import { resolveRow } from './queries.ts';
import type { LineageGraph } from './types.ts';

/** Ancestors and descendants of a version, up to `depth` links each way (20 by default, at most 100). */
export async function lineage(s: RegistryScope, ref: string, options: { depth?: number } = {}): Promise<LineageGraph> {
  const depth = Math.min(Math.max(options.depth ?? 20, 1), 100);
  const { model, row } = await resolveRow(s.db, ref);
  const rootId = `${model.name}@${row.version}`;
  const nodes = new Map<string, LineageGraph['nodes'][number]>();
  const edges: LineageGraph['edges'] = [];
  const edgeKeys = new Set<string>();
  const addEdge = (from: string, to: string, kind: LineageEdge['kind']): void => {
    const k = `${from}|${to}|${kind}`;
    if (!edgeKeys.has(k)) {
      edgeKeys.add(k);
      edges.push({ from, to, kind });
    }
  };
  nodes.set(rootId, { id: rootId, kind: 'model_version', label: rootId });
  const labelOf = async (versionId: number): Promise<string> => {
    const r = await s.db.selectFrom('versions').innerJoin('models', 'models.id', 'versions.model_id').select(['models.name', 'versions.version']).where('versions.id', '=', versionId).executeTakeFirstOrThrow();
    return `${r.name}@${r.version}`;
  };
  // Ancestors: follow every edge out of a version; parents are followed further.
  let frontier: { id: number; label: string }[] = [{ id: Number(row.id), label: rootId }];
  const seenUp = new Set<number>([Number(row.id)]);
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: typeof frontier = [];
    for (const v of frontier) {
      const out = await s.db.selectFrom('lineage').selectAll().where('version_id', '=', v.id).orderBy('id').execute();
      for (const e of out) {
        const kind = e.kind as LineageEdge['kind'];
        if (kind === 'derived_from' && e.target_version_id !== null) {
          const label = await labelOf(Number(e.target_version_id));
          nodes.set(label, { id: label, kind: 'model_version', label });
          addEdge(v.label, label, kind);
          if (!seenUp.has(Number(e.target_version_id))) {
            seenUp.add(Number(e.target_version_id));
            next.push({ id: Number(e.target_version_id), label });
          }
        } else {
          const nodeKind = kind === 'produced_by' ? 'run' : kind === 'source' ? 'source' : 'dataset';
          const id = `${nodeKind}:${e.target}`;
          nodes.set(id, { id, kind: nodeKind, label: e.target });
          addEdge(v.label, id, kind);
        }
      }
    }
    frontier = next;
  }
  // Descendants: versions derived from this one, transitively.
  frontier = [{ id: Number(row.id), label: rootId }];
  const seenDown = new Set<number>([Number(row.id)]);
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: typeof frontier = [];
    for (const v of frontier) {
      const children = await s.db.selectFrom('lineage').select(['version_id']).where('target_version_id', '=', v.id).where('kind', '=', 'derived_from').orderBy('id').execute();
      for (const c of children) {
        const label = await labelOf(Number(c.version_id));
        nodes.set(label, { id: label, kind: 'model_version', label });
        addEdge(label, v.label, 'derived_from');
        if (!seenDown.has(Number(c.version_id))) {
          seenDown.add(Number(c.version_id));
          next.push({ id: Number(c.version_id), label });
        }
      }
    }
    frontier = next;
  }
  return { root: rootId, nodes: [...nodes.values()], edges };
}
