import { ModelVaultError } from '../../core/errors.ts';
import { HASH_SIZE, consistencyProofRanges, emptyRoot, inclusionProofRanges, isPowerOfTwo, nodeHash, splitPoint, type LeafRange } from './merkle.ts';

/** A value, or a promise of it: stores may answer synchronously (SQLite) or not (PostgreSQL). */
export type MaybePromise<T> = T | Promise<T>;

/** Names the perfect subtree covering leaves `[index·2^level, (index+1)·2^level)`; level 0 is a leaf. */
export interface NodeId {
  level: number;
  index: number;
}

/** A stored perfect subtree and its hash. */
export interface TreeNode extends NodeId {
  hash: Buffer;
}

/**
 * Where a MerkleTree keeps the hashes of its complete perfect subtrees; shaped for a SQL table
 * `(level, idx, hash)` with primary key `(level, idx)`.
 */
export interface TreeNodeStore {
  /** The hash of node (level, index), or undefined when it is not stored. */
  get(level: number, index: number): MaybePromise<Buffer | undefined>;
  /** Hashes of many nodes in the order asked, so a proof's nodes can be read in one query. */
  getMany?(ids: readonly NodeId[]): MaybePromise<readonly (Buffer | undefined)[]>;
  /**
   * Stores the nodes of one append in a single transaction: leaves and interior nodes land together or not
   * at all. A store shared by several writers must refuse a batch whose leaves already exist (the primary key does).
   */
  putMany(nodes: readonly TreeNode[]): MaybePromise<void>;
  /** The number of leaves (level-0 nodes) stored. */
  size(): MaybePromise<number>;
}

/** A TreeNodeStore that answers synchronously, for SyncMerkleTree. */
export interface SyncTreeNodeStore extends TreeNodeStore {
  get(level: number, index: number): Buffer | undefined;
  getMany?(ids: readonly NodeId[]): readonly (Buffer | undefined)[];
  putMany(nodes: readonly TreeNode[]): void;
  size(): number;
}

/** Keeps tree nodes in memory: for tests, tools and short-lived logs. */
export class MemoryTreeNodeStore implements SyncTreeNodeStore {
  readonly #levels: Buffer[][] = [];

  /** The hash of node (level, index), or undefined when it is not stored. */
  get(level: number, index: number): Buffer | undefined {
    return this.#levels[level]?.[index];
  }

  /** Stores the nodes all or none, refusing a batch that rewrites a leaf or leaves a gap in a level. */
  putMany(nodes: readonly TreeNode[]): void {
    const lengths = new Map<number, number>();
    const leaves = this.size();
    for (const n of nodes) {
      if (n.level === 0 && n.index < leaves) {
        throw new ModelVaultError('conflict', `leaf ${n.index} is already in the tree: another writer appended first`, { index: n.index, hint: 'retry the append' });
      }
      const length = lengths.get(n.level) ?? this.#levels[n.level]?.length ?? 0;
      if (n.index > length) {
        throw new ModelVaultError('internal', `tree node (level ${n.level}, index ${n.index}) would leave a gap after index ${length - 1}`, { level: n.level, index: n.index });
      }
      lengths.set(n.level, Math.max(length, n.index + 1));
    }
    for (const n of nodes) (this.#levels[n.level] ??= [])[n.index] = Buffer.from(n.hash);
  }

  /** The number of leaves stored. */
  size(): number {
    return this.#levels[0]?.length ?? 0;
  }
}

/**
 * An append-only RFC 9162 Merkle tree over a TreeNodeStore: roots and proofs for any size up to the
 * current one read O(log n) stored nodes; appends are serialised within this object.
 */
export class MerkleTree {
  readonly #store: TreeNodeStore;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(store: TreeNodeStore = new MemoryTreeNodeStore()) {
    this.#store = store;
  }

  /** The number of leaves in the tree. */
  async size(): Promise<number> {
    return this.#store.size();
  }

  /** Appends leaf hashes in order and returns the new tree size. */
  append(leafHashes: readonly Uint8Array[]): Promise<number> {
    const run = this.#tail.then(async () => {
      const { nodes, size } = await this.#run((n) => appendQuery(n, leafHashes));
      if (nodes.length > 0) await this.#store.putMany(nodes);
      return size;
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Root hash of the tree of the first `size` leaves (default: all). */
  root(size?: number): Promise<Buffer> {
    return this.#run((n) => rootQuery(size ?? n, n));
  }

  /** The stored hash of leaf `index`. */
  leafHash(index: number): Promise<Buffer> {
    return this.#run((n) => leafQuery(index, n));
  }

  /** Inclusion proof of leaf `index` in the tree of the first `size` leaves (default: all). */
  inclusionProof(index: number, size?: number): Promise<Buffer[]> {
    return this.#run((n) => inclusionQuery(index, size ?? n, n));
  }

  /** Consistency proof from the tree of `size1` leaves to the tree of `size2` (default: all). */
  consistencyProof(size1: number, size2?: number): Promise<Buffer[]> {
    return this.#run((n) => consistencyQuery(size1, size2 ?? n, n));
  }

  async #run<T>(make: (treeSize: number) => Query<T>): Promise<T> {
    const query = make(await this.#store.size());
    const { ids } = query;
    if (ids.length === 0) return query.finish(lookupIn(ids, []));
    const hashes = this.#store.getMany ? await this.#store.getMany(ids) : await Promise.all(ids.map((id) => this.#store.get(id.level, id.index)));
    return query.finish(lookupIn(ids, hashes));
  }
}

/** MerkleTree with synchronous methods, over a store that answers synchronously. */
export class SyncMerkleTree {
  readonly #store: SyncTreeNodeStore;

  constructor(store: SyncTreeNodeStore = new MemoryTreeNodeStore()) {
    this.#store = store;
  }

  /** The number of leaves in the tree. */
  size(): number {
    return this.#store.size();
  }

  /** Appends leaf hashes in order and returns the new tree size. */
  append(leafHashes: readonly Uint8Array[]): number {
    const { nodes, size } = this.#run((n) => appendQuery(n, leafHashes));
    if (nodes.length > 0) this.#store.putMany(nodes);
    return size;
  }

  /** Root hash of the tree of the first `size` leaves (default: all). */
  root(size?: number): Buffer {
    return this.#run((n) => rootQuery(size ?? n, n));
  }

  /** The stored hash of leaf `index`. */
  leafHash(index: number): Buffer {
    return this.#run((n) => leafQuery(index, n));
  }

  /** Inclusion proof of leaf `index` in the tree of the first `size` leaves (default: all). */
  inclusionProof(index: number, size?: number): Buffer[] {
    return this.#run((n) => inclusionQuery(index, size ?? n, n));
  }

  /** Consistency proof from the tree of `size1` leaves to the tree of `size2` (default: all). */
  consistencyProof(size1: number, size2?: number): Buffer[] {
    return this.#run((n) => consistencyQuery(size1, size2 ?? n, n));
  }

  #run<T>(make: (treeSize: number) => Query<T>): T {
    const query = make(this.#store.size());
    const { ids } = query;
    if (ids.length === 0) return query.finish(lookupIn(ids, []));
    const hashes = this.#store.getMany ? this.#store.getMany(ids) : ids.map((id) => this.#store.get(id.level, id.index));
    return query.finish(lookupIn(ids, hashes));
  }
}

/**
 * The nodes (perfect subtrees, largest first) whose hashes combine into the tree hash of leaves
 * `[start, end)`. For the ranges proofs and roots use, these are O(log n) nodes.
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  const out: NodeId[] = [];
  if (start < end) collectRangeNodes(start, end, out);
  return out;
}

// A read plan: which nodes to fetch, and how to turn their hashes into the answer. Both tree
// classes run the same plans, one synchronously and one not.
interface Query<T> {
  ids: readonly NodeId[];
  finish(lookup: (level: number, index: number) => Buffer): T;
}

function rootQuery(size: number, treeSize: number): Query<Buffer> {
  requireSize('tree size', size, treeSize);
  if (size === 0) return { ids: [], finish: () => emptyRoot() };
  return { ids: rangeNodes(0, size), finish: (lookup) => rangeHash(0, size, lookup) };
}

function leafQuery(index: number, treeSize: number): Query<Buffer> {
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new ModelVaultError('invalid_input', `leaf index ${index} is not below the log's size ${treeSize}`, { index, treeSize });
  }
  return { ids: [{ level: 0, index }], finish: (lookup) => lookup(0, index) };
}

function inclusionQuery(index: number, size: number, treeSize: number): Query<Buffer[]> {
  requireSize('tree size', size, treeSize);
  return rangesQuery(inclusionProofRanges(index, size));
}

function consistencyQuery(size1: number, size2: number, treeSize: number): Query<Buffer[]> {
  requireSize('size2', size2, treeSize);
  return rangesQuery(consistencyProofRanges(size1, size2));
}

function rangesQuery(ranges: readonly LeafRange[]): Query<Buffer[]> {
  const ids = ranges.flatMap((r) => rangeNodes(r.start, r.end));
  return { ids, finish: (lookup) => ranges.map((r) => rangeHash(r.start, r.end, lookup)) };
}

function appendQuery(treeSize: number, leafHashes: readonly Uint8Array[]): Query<{ nodes: TreeNode[]; size: number }> {
  leafHashes.forEach((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new ModelVaultError('invalid_input', `leaf hash ${i} of the batch is ${h instanceof Uint8Array ? h.length : 'not'} bytes, want ${HASH_SIZE}`, { batchIndex: i });
    }
  });
  if (treeSize + leafHashes.length > Number.MAX_SAFE_INTEGER) {
    throw new ModelVaultError('invalid_input', `appending ${leafHashes.length} leaves would take the tree beyond 2^53 - 1 leaves`, { size: treeSize });
  }
  // The frontier is the perfect subtrees covering [0, treeSize): exactly the left siblings later leaves complete.
  const frontierIds = rangeNodes(0, treeSize);
  return {
    ids: frontierIds,
    finish: (lookup) => {
      const frontier: (Buffer | undefined)[] = [];
      for (const id of frontierIds) frontier[id.level] = lookup(id.level, id.index);
      const nodes: TreeNode[] = [];
      let size = treeSize;
      for (const h of leafHashes) {
        let hash: Buffer = Buffer.from(h);
        let level = 0;
        let index = size;
        nodes.push({ level, index, hash });
        while (index % 2 === 1) {
          const left = frontier[level];
          if (left === undefined) throw new ModelVaultError('internal', `tree frontier lacks level ${level} at size ${size}`, { level, size });
          frontier[level] = undefined;
          hash = nodeHash(left, hash);
          level += 1;
          index = (index - 1) / 2;
          nodes.push({ level, index, hash });
        }
        frontier[level] = hash;
        size += 1;
      }
      return { nodes, size };
    },
  };
}

function collectRangeNodes(start: number, end: number, out: NodeId[]): void {
  const n = end - start;
  if (isPowerOfTwo(n) && start % n === 0) {
    out.push({ level: log2(n), index: start / n });
    return;
  }
  const k = splitPoint(n);
  collectRangeNodes(start, start + k, out);
  collectRangeNodes(start + k, end, out);
}

function rangeHash(start: number, end: number, lookup: (level: number, index: number) => Buffer): Buffer {
  const n = end - start;
  if (isPowerOfTwo(n) && start % n === 0) return lookup(log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(rangeHash(start, start + k, lookup), rangeHash(start + k, end, lookup));
}

function lookupIn(ids: readonly NodeId[], hashes: readonly (Buffer | undefined)[]): (level: number, index: number) => Buffer {
  if (hashes.length !== ids.length) {
    throw new ModelVaultError('internal', `tree node store answered ${hashes.length} hashes for ${ids.length} nodes`, {});
  }
  const found = new Map<string, Buffer | undefined>();
  ids.forEach((id, i) => found.set(`${id.level}/${id.index}`, hashes[i]));
  return (level, index) => {
    const hash = found.get(`${level}/${index}`);
    if (hash === undefined || hash.length !== HASH_SIZE) {
      throw new ModelVaultError('internal', `tree node (level ${level}, index ${index}) is ${hash === undefined ? 'missing from' : 'corrupt in'} the node store`, { level, index });
    }
    return hash;
  };
}

function requireSize(what: string, size: number, treeSize: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > treeSize) {
    throw new ModelVaultError('invalid_input', `${what} ${size} is not between 0 and the log's size ${treeSize}`, { [what]: size, treeSize });
  }
}

function log2(powerOfTwo: number): number {
  let level = 0;
  for (let n = powerOfTwo; n > 1; n /= 2) level += 1;
  return level;
}
