import { emptyRoot, nodeHash, type TreeNode } from './log/index.ts';

/** Rebuilds an RFC 9162 tree leaf by leaf in O(log n) memory, yielding every perfect subtree it completes. */
export class TreeReplay {
  // frontier[level]: the hash of the perfect subtree of 2^level leaves not yet paired, if any.
  readonly #frontier: (Buffer | undefined)[] = [];
  #size = 0;

  /** The number of leaves pushed. */
  get size(): number {
    return this.#size;
  }

  /** Adds the next leaf hash; returns the leaf and each subtree it completes, lowest level first. */
  push(leaf: Buffer): TreeNode[] {
    let hash = leaf;
    let level = 0;
    let index = this.#size;
    const nodes: TreeNode[] = [{ level, index, hash }];
    while (index % 2 === 1) {
      const left = this.#frontier[level] as Buffer;
      this.#frontier[level] = undefined;
      hash = nodeHash(left, hash);
      level += 1;
      index = (index - 1) / 2;
      nodes.push({ level, index, hash });
    }
    this.#frontier[level] = hash;
    this.#size += 1;
    return nodes;
  }

  /** Root hash of the leaves pushed so far. */
  root(): Buffer {
    let acc: Buffer | undefined;
    // Lower levels cover later leaves, so the root folds from the right: H(big, H(mid, small)).
    for (const h of this.#frontier) if (h !== undefined) acc = acc === undefined ? h : nodeHash(h, acc);
    return acc ?? emptyRoot();
  }
}
