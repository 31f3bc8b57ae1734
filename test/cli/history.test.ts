import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { useCliTarget } from '../helpers/cli.ts';
import { makeModelDir } from '../helpers/model-dir.ts';

type Event = { id: number; time: string; action: string; subject: string };
type EventPage = { items: Event[]; nextCursor: string | null };
type Graph = { root: string; nodes: { id: string; kind: string }[]; edges: { from: string; to: string; kind: string }[] };

/** The event log filters, lineage depth and version untagging, embedded and against a live server. */
for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault events, lineage --depth and versions untag (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-history');
    const cli = t.cli;
    const events = async (...args: string[]): Promise<EventPage> => {
      const r = await cli('events', '--model', 'hist-model', '--json', ...args);
      assert.equal(r.code, 0, r.stderr);
      return r.json as EventPage;
    };

    it('versions untag removes exactly the keys named, and only from an exact version', async () => {
      assert.equal((await cli('push', makeModelDir({ name: 'hist-model' }).dir)).code, 0);
      assert.equal((await cli('versions', 'tag', 'hist-model@1.0.0', 'team=fraud', 'tier=gold', 'owner=ml')).code, 0);
      const untagged = await cli('versions', 'untag', 'hist-model@1.0.0', 'tier', 'owner');
      assert.equal(untagged.code, 0, untagged.stderr);
      assert.equal(untagged.stdout, 'removed tier, owner from hist-model@1.0.0\n');
      const shown = (await cli('versions', 'show', 'hist-model@1.0.0', '--json')).json as { tags: Record<string, string> };
      assert.deepEqual(shown.tags, { team: 'fraud' });
      const listed = (await cli('versions', 'list', 'hist-model', '--tag', 'tier', '--json')).json as { items: unknown[] };
      assert.deepEqual(listed.items, []);
      const byAlias = await cli('versions', 'untag', 'hist-model@latest', 'team');
      assert.equal(byAlias.code, 2);
      assert.deepEqual(((await cli('versions', 'show', 'hist-model@1.0.0', '--json')).json as { tags: Record<string, string> }).tags, { team: 'fraud' });
    });

    it('events --since and --after return exactly the events from a time, or after an id', async () => {
      // Each change lands in its own millisecond, so a time names exactly one event.
      for (const args of [['versions', 'describe', 'hist-model@1.0.0', 'first cut'], ['stage', 'hist-model@1.0.0', 'validation'], ['stage', 'hist-model@1.0.0', 'staging']]) {
        await sleep(5);
        assert.equal((await cli(...args)).code, 0, args.join(' '));
      }
      const all = (await events()).items;
      assert.deepEqual(all.map((e) => e.action), ['version.push', 'tag.set', 'tag.rm', 'description.set', 'version.stage', 'version.stage']);
      const [, , , described, validation, staging] = all as [Event, Event, Event, Event, Event, Event];

      assert.deepEqual((await events('--since', described.time)).items.map((e) => e.id), [described.id, validation.id, staging.id]);
      assert.deepEqual((await events('--since', staging.time)).items.map((e) => e.id), [staging.id]);
      assert.deepEqual((await events('--since', new Date(Date.parse(staging.time) + 1).toISOString())).items, []);
      assert.deepEqual((await events('--after', String(described.id))).items.map((e) => e.id), [validation.id, staging.id]);
      assert.deepEqual((await events('--after', String(staging.id))).items, []);
      assert.deepEqual((await events('--since', described.time, '--after', String(validation.id))).items.map((e) => e.id), [staging.id]);

      const first = await events('--after', String(described.id), '--limit', '1');
      assert.deepEqual([first.items.map((e) => e.id), first.nextCursor], [[validation.id], String(validation.id)]);
      const second = await events('--after', first.nextCursor!, '--limit', '1');
      assert.deepEqual([second.items.map((e) => e.id), second.nextCursor], [[staging.id], null]);
      const text = await cli('events', '--model', 'hist-model', '--after', String(described.id), '--limit', '1');
      assert.match(text.stdout, new RegExp(`\\nmore: --after ${validation.id}\\n$`));
      assert.equal((await cli('events', '--after', 'soon')).code, 2);
    });

    it('lineage --depth follows exactly that many generations of parent models, up and down', async () => {
      const commit = (c: string): { repo: string; commit: string } => ({ repo: 'https://example.com/ml/models.git', commit: c.repeat(40) });
      const chain = [
        { name: 'base-model', extra: { source: commit('1') } },
        { name: 'mid-model', extra: { source: commit('2'), lineage: { parent_model: 'base-model@1.0.0' } } },
        { name: 'leaf-model', extra: { source: commit('3'), lineage: { parent_model: 'mid-model@1.0.0' } } },
      ];
      for (const m of chain) assert.equal((await cli('push', makeModelDir(m).dir)).code, 0, m.name);
      const graph = async (ref: string, depth: number): Promise<{ nodes: string[]; edges: string[] }> => {
        const r = await cli('lineage', ref, '--depth', String(depth), '--format', 'json');
        assert.equal(r.code, 0, r.stderr);
        const g = r.json as Graph;
        return { nodes: g.nodes.map((n) => n.id).sort(), edges: g.edges.map((e) => `${e.from} -${e.kind}-> ${e.to}`).sort() };
      };
      const source = (c: string): string => `source:https://example.com/ml/models.git@${c.repeat(40)}`;

      assert.deepEqual(await graph('leaf-model@1.0.0', 1), {
        nodes: ['leaf-model@1.0.0', 'mid-model@1.0.0', source('3')].sort(),
        edges: ['leaf-model@1.0.0 -derived_from-> mid-model@1.0.0', `leaf-model@1.0.0 -source-> ${source('3')}`].sort(),
      });
      assert.deepEqual(await graph('leaf-model@1.0.0', 2), {
        nodes: ['base-model@1.0.0', 'leaf-model@1.0.0', 'mid-model@1.0.0', source('2'), source('3')].sort(),
        edges: ['leaf-model@1.0.0 -derived_from-> mid-model@1.0.0', `leaf-model@1.0.0 -source-> ${source('3')}`, 'mid-model@1.0.0 -derived_from-> base-model@1.0.0', `mid-model@1.0.0 -source-> ${source('2')}`].sort(),
      });
      assert.deepEqual((await graph('leaf-model@1.0.0', 3)).nodes, ['base-model@1.0.0', 'leaf-model@1.0.0', 'mid-model@1.0.0', source('1'), source('2'), source('3')].sort());
      // Descendants are limited the same way.
      assert.deepEqual((await graph('base-model@1.0.0', 1)).nodes, ['base-model@1.0.0', 'mid-model@1.0.0', source('1')].sort());
      assert.deepEqual((await graph('base-model@1.0.0', 2)).edges, ['leaf-model@1.0.0 -derived_from-> mid-model@1.0.0', 'mid-model@1.0.0 -derived_from-> base-model@1.0.0', `base-model@1.0.0 -source-> ${source('1')}`].sort());
      assert.equal((await cli('lineage', 'leaf-model@1.0.0', '--depth', 'deep')).code, 2);
    });
  });
}
