import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectDrift, type Column, type DriftColumns, type DriftMethod } from '../../src/monitor/index.ts';
import { columnCounts, decodeBatch, encodeBatch, WindowColumn, type ObservationBatch, type StoredColumn } from '../../src/monitor/observations.ts';
import { countNumbers, profileColumns } from '../../src/monitor/profile.ts';
import { BATCH_ROWS, insertBatch, readLastRows } from '../../src/monitor/store.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { pushVersion } from '../helpers/registry-home.ts';

function rand(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Counts by value the slow, obvious way. */
function naiveCounts(values: ArrayLike<number | string | null>): { counts: Map<number | string, number>; missing: number } {
  const counts = new Map<number | string, number>();
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | string | null;
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return { counts, missing };
}

function sorted(m: Map<number | string, number>): [number | string, number][] {
  return [...m].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

const MISSING = 0xffffffff;

/** A categorical stored column from strings (null = missing), coded as ingestion codes it. */
function catColumn(values: (string | null)[]): StoredColumn {
  const dict: string[] = [];
  const codes = Uint32Array.from(values, (v) => {
    if (v === null) return MISSING;
    let c = dict.indexOf(v);
    if (c < 0) c = dict.push(v) - 1;
    return c;
  });
  return { kind: 'cat', dict, codes };
}

interface Data {
  cont: Float64Array;
  few: Float64Array;
  bin: Float64Array;
  cat: (string | null)[];
}

function data(rows: number, seed: number, shift: number): Data {
  const r = rand(seed);
  const d: Data = { cont: new Float64Array(rows), few: new Float64Array(rows), bin: new Float64Array(rows), cat: [] };
  for (let i = 0; i < rows; i++) {
    d.cont[i] = r() * 10 + shift;
    d.few[i] = r() < 0.05 ? Number.NaN : Math.floor(r() * (4 + shift));
    d.bin[i] = r() < 0.3 + shift / 10 ? 1 : 0;
    const u = r();
    d.cat.push(u < 0.05 ? null : u < 0.4 ? 'alpha' : u < 0.7 ? 'True' : u < 0.9 ? 'false' : shift > 0 ? 'unseen' : 'beta');
  }
  return d;
}

function batchOf(d: Data, start: number, end: number, drop: string[] = []): ObservationBatch {
  const n = end - start;
  const features = new Map<string, StoredColumn>([
    ['cont', { kind: 'num', values: d.cont.slice(start, end) }],
    ['few', { kind: 'num', values: d.few.slice(start, end) }],
    ['bin', { kind: 'num', values: d.bin.slice(start, end) }],
    ['cat', catColumn(d.cat.slice(start, end))],
  ]);
  for (const k of drop) features.delete(k);
  return { rows: n, timestamps: new Float64Array(n).fill(1_700_000_000_000), latency: new Float64Array(n).fill(Number.NaN), errors: new Uint8Array(n), features, prediction: { kind: 'num', values: d.bin.slice(start, end) } };
}

describe('counts kept with observation batches', () => {
  it('countNumbers counts values and missing, and gives up past its limit', () => {
    const values = Float64Array.from([3, 1, Number.NaN, 3, -0, 0, 2, Number.NaN, 3]);
    const c = countNumbers(values);
    assert.ok(c);
    assert.equal(c.missing, 2);
    assert.deepEqual(sorted(c.counts), [[0, 2], [1, 1], [2, 1], [3, 3]]);
    assert.equal(countNumbers(values, 0, values.length, 3), undefined);
    assert.deepEqual(sorted(countNumbers(values, 0, values.length, 4)?.counts ?? new Map()), sorted(c.counts));
    assert.deepEqual(sorted(countNumbers(values, 3, 6)?.counts ?? new Map()), [[0, 2], [3, 1]]);
    // Past the linear scan, values go to a map: still exact.
    const r = rand(5);
    const many = Float64Array.from({ length: 20_000 }, () => Math.floor(r() * 500));
    assert.deepEqual(sorted(countNumbers(many)?.counts ?? new Map()), sorted(naiveCounts(many).counts));
    assert.equal(countNumbers(many, 0, many.length, 499), undefined);
  });

  it('a stored batch carries its counts; a continuous column has none', () => {
    const d = data(3000, 1, 0);
    const decoded = decodeBatch(encodeBatch(batchOf(d, 0, 3000)));
    const few = decoded.features.get('few') as StoredColumn;
    const cat = decoded.features.get('cat') as StoredColumn;
    // The counts came from the header: they equal a fresh count of the decoded values.
    assert.ok(few.counts && cat.counts);
    assert.deepEqual(sorted(few.counts.counts), sorted(naiveCounts(d.few).counts));
    assert.equal(few.counts.missing, naiveCounts(d.few).missing);
    assert.deepEqual(sorted(cat.counts.counts), sorted(naiveCounts(d.cat).counts));
    assert.equal(cat.counts.missing, naiveCounts(d.cat).missing);
    assert.equal((decoded.features.get('cont') as StoredColumn).counts, null);
    assert.equal(columnCounts(decoded.features.get('cont') as StoredColumn), undefined);
  });

  it('a window sums its batches counts, counts an absent column as missing, and reads values in order', () => {
    const d = data(900, 2, 0);
    const batches = [batchOf(d, 0, 300), batchOf(d, 300, 500, ['few']), batchOf(d, 500, 900)].map((b) => decodeBatch(encodeBatch(b)));
    const few = new WindowColumn(batches.map((b) => ({ column: b.features.get('few'), rows: b.rows })));
    const expected = Float64Array.from(d.few);
    expected.fill(Number.NaN, 300, 500);
    assert.equal(few.kind, 'number');
    assert.equal(few.length, 900);
    assert.deepEqual(sorted(few.valueCounts()?.counts ?? new Map()), sorted(naiveCounts(expected).counts));
    assert.equal(few.valueCounts()?.missing, naiveCounts(expected).missing);
    assert.deepEqual(Array.from(few.values() as Float64Array), Array.from(expected));
    const cont = new WindowColumn(batches.map((b) => ({ column: b.features.get('cont'), rows: b.rows })));
    assert.equal(cont.valueCounts(), undefined);
    const cat = new WindowColumn(batches.map((b) => ({ column: b.features.get('cat'), rows: b.rows })));
    assert.equal(cat.kind, 'category');
    assert.deepEqual(cat.values(), d.cat);
  });

  it('drift on a window of stored batches equals drift on the same values as plain columns, for every method', () => {
    const ref = data(4000, 3, 0);
    const profile = profileColumns({ cont: ref.cont, few: ref.few, bin: ref.bin, cat: ref.cat }, { sampleSize: 4000 });
    for (const shift of [0, 1]) {
      const cur = data(2600, 4 + shift, shift);
      const bounds = [0, 700, 1900, 2600];
      const batches = bounds.slice(1).map((end, i) => decodeBatch(encodeBatch(batchOf(cur, bounds[i] as number, end))));
      const window: DriftColumns = {};
      for (const name of ['cont', 'few', 'bin', 'cat']) window[name] = new WindowColumn(batches.map((b) => ({ column: b.features.get(name), rows: b.rows })));
      const plain: Record<string, Column> = { cont: cur.cont, few: cur.few, bin: cur.bin, cat: cur.cat };
      const cases: [DriftMethod, string[]][] = [
        ['auto', ['cont', 'few', 'bin', 'cat']],
        ['ks', ['cont', 'few', 'bin']],
        ['wasserstein', ['cont', 'few']],
        ['psi', ['cont', 'few', 'bin', 'cat']],
        ['js', ['cont', 'few', 'bin', 'cat']],
        ['chi2', ['few', 'bin', 'cat']],
        ['z', ['bin']],
      ];
      for (const [method, features] of cases) {
        const a = detectDrift(profile, window, { method, features });
        const b = detectDrift(profile, plain, { method, features });
        assert.deepEqual(a, b, `${method}, shift ${shift}`);
      }
      if (shift === 1) assert.ok(detectDrift(profile, window, { method: 'z', features: ['bin'] }).features[0]?.drifted, 'the shifted binary feature drifts');
    }
  });

  it('an empty or wrongly typed window column is refused by name', () => {
    const ref = data(500, 6, 0);
    const profile = profileColumns({ few: ref.few, cat: ref.cat, cont: ref.cont });
    assert.throws(() => detectDrift(profile, { cont: ref.cont }, { method: 'z', features: ['cont'] }), /feature "cont": the Z-test needs a binary feature; this one is numeric with more than 20 distinct values/);
    assert.throws(() => detectDrift(profile, { few: ref.few }, { method: 'z', features: ['few'] }), /feature "few": the Z-test needs a binary feature, found 4 values/);
    const empty = new WindowColumn([{ column: undefined, rows: 10 }]);
    assert.throws(() => detectDrift(profile, { few: empty, cat: empty }, { method: 'chi2', features: ['few'] }), /feature "few": the current window has no values/);
    const strings = new WindowColumn([{ column: catColumn(['a', 'b']), rows: 2 }]);
    assert.throws(() => detectDrift(profile, { few: strings }, { method: 'chi2', features: ['few'] }), /feature "few": the reference is numeric but the current values are not numbers/);
  });
});

onEachBackend('stored observation counts', (backend) => {
  it('batches split at ingestion and sliced by a count window keep exact counts', async () => {
    const app = await backend.open();
    try {
      await pushVersion(app, 'counted', '1.0.0');
      const row = await app.metadata.db.selectFrom('versions').select('id').where('version', '=', '1.0.0').executeTakeFirstOrThrow();
      const rows = BATCH_ROWS + 20_000;
      const d = data(rows, 8, 0);
      await insertBatch(app.metadata.db, Number(row.id), batchOf(d, 0, rows), new Date().toISOString());
      const last = 30_000;
      const batches = await readLastRows(app.metadata.db, Number(row.id), last);
      assert.deepEqual(batches.map((b) => b.rows), [10_000, 20_000]);
      for (const name of ['few', 'cat'] as const) {
        const w = new WindowColumn(batches.map((b) => ({ column: b.features.get(name), rows: b.rows })));
        const expected = naiveCounts(d[name].slice(rows - last));
        assert.deepEqual(sorted(w.valueCounts()?.counts ?? new Map()), sorted(expected.counts), name);
        assert.equal(w.valueCounts()?.missing, expected.missing, name);
      }
    } finally {
      await app.dispose();
    }
  });
});
