import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { ModelVaultError } from '../../../src/core/errors.ts';
import {
  MemoryTreeNodeStore,
  MerkleTree,
  SyncMerkleTree,
  emptyRoot,
  leafHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/audit/log/index.ts';
import type { NodeId, TreeNode, TreeNodeStore } from '../../../src/audit/log/index.ts';

// Reference: RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 transcribed literally over leaf hashes.
const H = (l: Buffer, r: Buffer): Buffer => createHash('sha256').update(Buffer.from([1])).update(l).update(r).digest();
function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}
function MTH(d: Buffer[]): Buffer {
  if (d.length === 0) return createHash('sha256').digest();
  if (d.length === 1) return d[0] as Buffer;
  return H(MTH(d.slice(0, k(d.length))), MTH(d.slice(k(d.length))));
}
function PATH(m: number, d: Buffer[]): Buffer[] {
  if (d.length === 1) return [];
  const s = k(d.length);
  return m < s ? [...PATH(m, d.slice(0, s)), MTH(d.slice(s))] : [...PATH(m - s, d.slice(s)), MTH(d.slice(0, s))];
}
function SUBPROOF(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [MTH(d)];
  const s = k(d.length);
  return m <= s ? [...SUBPROOF(m, d.slice(0, s), b), MTH(d.slice(s))] : [...SUBPROOF(m - s, d.slice(s), false), MTH(d.slice(0, s))];
}
const PROOF = (m: number, d: Buffer[]): Buffer[] => SUBPROOF(m, d, true);

const leavesFor = (seed: number, n: number): Buffer[] => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`${seed}:${i}`)));

/** Wraps a store so every read answers through a promise and is counted; optionally without getMany. */
class CountingAsyncStore implements TreeNodeStore {
  reads = 0;
  readonly inner = new MemoryTreeNodeStore();
  readonly getMany?: (ids: readonly NodeId[]) => Promise<(Buffer | undefined)[]>;
  constructor(withGetMany: boolean) {
    if (withGetMany) {
      this.getMany = async (ids) => {
        this.reads += ids.length;
        return ids.map((id) => this.inner.get(id.level, id.index));
      };
    }
  }
  async get(level: number, index: number): Promise<Buffer | undefined> {
    this.reads += 1;
    return this.inner.get(level, index);
  }
  async putMany(nodes: readonly TreeNode[]): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.inner.putMany(nodes);
  }
  async size(): Promise<number> {
    return this.inner.size();
  }
}

test('property: MerkleTree roots and proofs equal the RFC definitions and verify', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, seed, where) => {
      const leaves = leavesFor(seed, n);
      const tree = new SyncMerkleTree();
      tree.append(leaves);
      const size = Math.max(1, Math.ceil(where * n));
      const d = leaves.slice(0, size);
      const root = tree.root(size);
      assert.deepEqual(root, MTH(d));
      for (let i = 0; i < size; i += 1) {
        const proof = tree.inclusionProof(i, size);
        assert.deepEqual(proof, PATH(i, d), `PATH(${i}, D[${size}])`);
        verifyInclusion(i, size, leaves[i] as Buffer, proof, root);
      }
      for (let m = 1; m <= size; m += 1) {
        const proof = tree.consistencyProof(m, size);
        assert.deepEqual(proof, PROOF(m, d), `PROOF(${m}, D[${size}])`);
        verifyConsistency(m, size, proof, tree.root(m), root);
      }
    }),
    { numRuns: 30 },
  );
});

test('property: flipping any bit of a proof or root makes verification fail', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 300 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n - 1 }), fc.integer({ min: 0, max: n - 1 }))),
      fc.nat(),
      fc.nat({ max: 255 }),
      ([n, m, i], which, bit) => {
        const leaves = leavesFor(n, n);
        const tree = new SyncMerkleTree();
        tree.append(leaves);
        const root = tree.root();
        const flip = (hashes: Buffer[]): Buffer[] => {
          const copy = hashes.map((h) => Buffer.from(h));
          const target = copy[which % copy.length] as Buffer;
          target[bit >> 3] = (target[bit >> 3] as number) ^ (1 << (bit & 7));
          return copy;
        };
        const inclusion = tree.inclusionProof(i, n);
        assert.throws(() => verifyInclusion(i, n, leaves[i] as Buffer, flip(inclusion), root), ModelVaultError);
        assert.throws(() => verifyInclusion(i, n, leaves[i] as Buffer, inclusion, flip([root])[0] as Buffer), ModelVaultError);
        assert.throws(() => verifyInclusion(i, n, flip([leaves[i] as Buffer])[0] as Buffer, inclusion, root), ModelVaultError);
        const consistency = tree.consistencyProof(m, n);
        assert.throws(() => verifyConsistency(m, n, flip(consistency), tree.root(m), root), ModelVaultError);
        assert.throws(() => verifyConsistency(m, n, consistency, flip([tree.root(m)])[0] as Buffer, root), ModelVaultError);
        assert.throws(() => verifyConsistency(m, n, consistency, tree.root(m), flip([root])[0] as Buffer), ModelVaultError);
      },
    ),
    { numRuns: 200 },
  );
});

test('property: appending in any batches stores the same tree as appending one by one', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }), fc.boolean(), async (batches, withGetMany) => {
      const total = batches.reduce((a, b) => a + b, 0);
      const leaves = leavesFor(total, total);
      const store = new CountingAsyncStore(withGetMany);
      const tree = new MerkleTree(store);
      let at = 0;
      for (const b of batches) {
        assert.equal(await tree.append(leaves.slice(at, at + b)), at + b);
        at += b;
      }
      const reference = new SyncMerkleTree();
      for (const leaf of leaves) reference.append([leaf]);
      assert.equal(await tree.size(), total);
      for (let size = 0; size <= total; size += 1) assert.deepEqual(await tree.root(size), reference.root(size));
      for (let i = 0; i < total; i += 1) {
        assert.deepEqual(await tree.leafHash(i), leaves[i]);
        assert.deepEqual(await tree.inclusionProof(i), reference.inclusionProof(i));
      }
    }),
    { numRuns: 40 },
  );
});

test('concurrent appends on one MerkleTree are applied in call order', async () => {
  const leaves = leavesFor(7, 50);
  const tree = new MerkleTree(new CountingAsyncStore(false));
  const sizes = await Promise.all([tree.append(leaves.slice(0, 20)), tree.append(leaves.slice(20, 21)), tree.append(leaves.slice(21))]);
  assert.deepEqual(sizes, [20, 21, 50]);
  assert.deepEqual(await tree.root(), rootFromLeafHashes(leaves));
});

test('two trees racing on one store: the second append is refused, the stored tree stays whole', async () => {
  const leaves = leavesFor(12, 6);
  const store = new CountingAsyncStore(false);
  const a = new MerkleTree(store);
  const b = new MerkleTree(store);
  const results = await Promise.allSettled([a.append(leaves.slice(0, 3)), b.append(leaves.slice(3, 6))]);
  assert.equal(results[0].status, 'fulfilled');
  assert.ok(results[1].status === 'rejected' && results[1].reason instanceof ModelVaultError && results[1].reason.code === 'conflict');
  assert.equal(await b.append(leaves.slice(3, 6)), 6);
  assert.deepEqual(await a.root(), rootFromLeafHashes(leaves));
});

test('a failed append leaves the tree unchanged and later appends still run', async () => {
  const leaves = leavesFor(8, 10);
  const tree = new MerkleTree();
  await tree.append(leaves.slice(0, 5));
  await assert.rejects(tree.append([leaves[5] as Buffer, Buffer.alloc(31)]), (err: unknown) => err instanceof ModelVaultError && err.code === 'invalid_input');
  assert.equal(await tree.size(), 5);
  assert.equal(await tree.append(leaves.slice(5)), 10);
  assert.deepEqual(await tree.root(), rootFromLeafHashes(leaves));
});

test('trees answer only for sizes they hold', async () => {
  const tree = new MerkleTree();
  assert.deepEqual(await tree.root(), emptyRoot());
  await tree.append(leavesFor(9, 4));
  const invalid = (err: unknown): boolean => err instanceof ModelVaultError && err.code === 'invalid_input';
  await assert.rejects(tree.root(5), invalid);
  await assert.rejects(tree.root(-1), invalid);
  await assert.rejects(tree.leafHash(4), invalid);
  await assert.rejects(tree.inclusionProof(4), invalid);
  await assert.rejects(tree.inclusionProof(0, 5), invalid);
  await assert.rejects(tree.consistencyProof(0, 4), invalid);
  await assert.rejects(tree.consistencyProof(3, 5), invalid);
  await assert.rejects(tree.consistencyProof(4, 3), invalid);
  assert.deepEqual(await tree.consistencyProof(4), []);
});

test('a store missing a node is reported, not papered over', () => {
  const store = new MemoryTreeNodeStore();
  const tree = new SyncMerkleTree(store);
  tree.append(leavesFor(10, 3));
  const broken = { get: (level: number, index: number) => (level === 1 ? undefined : store.get(level, index)), putMany: () => undefined, size: () => store.size() };
  assert.throws(() => new SyncMerkleTree(broken).root(), (err: unknown) => err instanceof ModelVaultError && err.code === 'internal' && /level 1, index 0/.test(err.message));
});

test('100,000 leaves: appends, roots and proofs read O(log n) nodes', async () => {
  const n = 100_000;
  const leaves = leavesFor(11, n);
  const store = new CountingAsyncStore(true);
  const tree = new MerkleTree(store);
  for (let at = 0; at < n; at += 10_000) await tree.append(leaves.slice(at, at + 10_000));
  const root = await tree.root();
  assert.deepEqual(root, rootFromLeafHashes(leaves));
  const budget = 2 * Math.ceil(Math.log2(n)) + 2;
  for (const [index, size] of [
    [0, n],
    [n - 1, n],
    [54_321, n],
    [777, 65_537],
  ] as const) {
    store.reads = 0;
    const proof = await tree.inclusionProof(index, size);
    assert.ok(store.reads <= budget, `inclusion proof read ${store.reads} nodes, budget ${budget}`);
    verifyInclusion(index, size, leaves[index] as Buffer, proof, size === n ? root : await tree.root(size));
  }
  for (const size1 of [1, 4096, 65_537, 99_999]) {
    store.reads = 0;
    const proof = await tree.consistencyProof(size1);
    assert.ok(store.reads <= budget, `consistency proof read ${store.reads} nodes, budget ${budget}`);
    verifyConsistency(size1, n, proof, await tree.root(size1), root);
  }
});
