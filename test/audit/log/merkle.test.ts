import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModelVaultError } from '../../../src/core/errors.ts';
import {
  MerkleTree,
  SyncMerkleTree,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/audit/log/index.ts';
import { interopDir, jsonFilesUnder } from '../../helpers/interop.ts';

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

interface InclusionCase {
  leafIdx: number;
  treeSize?: number;
  start?: number;
  end?: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyCase {
  size1?: number;
  size2?: number;
  start?: number;
  end?: number;
  size?: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function readCase<T>(base: string, rel: string): T {
  return JSON.parse(readFileSync(join(base, rel), 'utf8')) as T;
}

function expectOutcome(run: () => void, wantErr: boolean, what: string): void {
  if (wantErr) {
    assert.throws(run, (err: unknown) => err instanceof ModelVaultError && err.code === 'verification_failed', `${what}: must be rejected`);
  } else {
    assert.doesNotThrow(run, `${what}: must verify`);
  }
}

// Sizes and indices above 2^53 (e.g. 2^64 - 1) lose precision in JSON.parse; the verifiers reject them as
// out of range, and every such case in the data is a wantErr case.
test('interop: transparency-dev inclusion proofs (inclusion/**)', async (t) => {
  const base = join(interopDir(), 'merkle');
  const files = jsonFilesUnder(base, 'inclusion');
  assert.ok(files.length >= 90, `expected the full inclusion corpus, found ${files.length} files`);
  for (const rel of files) {
    const c = readCase<InclusionCase>(base, rel);
    await t.test(rel, () => {
      expectOutcome(() => verifyInclusion(c.leafIdx, c.treeSize as number, b64(c.leafHash), (c.proof ?? []).map(b64), b64(c.root)), c.wantErr, `${rel} (${c.desc})`);
    });
  }
});

test('interop: transparency-dev consistency proofs (consistency/**)', async (t) => {
  const base = join(interopDir(), 'merkle');
  const files = jsonFilesUnder(base, 'consistency');
  assert.ok(files.length >= 90, `expected the full consistency corpus, found ${files.length} files`);
  for (const rel of files) {
    const c = readCase<ConsistencyCase>(base, rel);
    await t.test(rel, () => {
      expectOutcome(
        () => verifyConsistency(c.size1 as number, c.size2 as number, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2)),
        c.wantErr,
        `${rel} (${c.desc})`,
      );
    });
  }
});

// subtreeinclusion/ and subtreeconsistency/ test proofs for arbitrary subtrees [start, end) (the Merkle Tree
// Certificates draft), a different proof type from RFC 9162. A subtree [0, end) with end > 0 is exactly the
// tree of size `end`, so those cases must agree with the RFC 9162 verifiers; the rest do not apply.
test('interop: subtree proofs anchored at leaf 0 agree with RFC 9162 proofs (subtreeinclusion/**)', async (t) => {
  const base = join(interopDir(), 'merkle');
  const files = jsonFilesUnder(base, 'subtreeinclusion');
  let applied = 0;
  for (const rel of files) {
    const c = readCase<InclusionCase>(base, rel);
    if (c.start !== 0 || (c.end ?? 0) <= 0) continue;
    applied += 1;
    await t.test(rel, () => {
      expectOutcome(() => verifyInclusion(c.leafIdx, c.end as number, b64(c.leafHash), (c.proof ?? []).map(b64), b64(c.root)), c.wantErr, `${rel} (${c.desc})`);
    });
  }
  assert.ok(applied >= 80, `expected the subtree inclusion cases to start at 0, applied ${applied} of ${files.length}`);
});

test('interop: subtree proofs anchored at leaf 0 agree with RFC 9162 proofs (subtreeconsistency/**)', async (t) => {
  const base = join(interopDir(), 'merkle');
  const files = jsonFilesUnder(base, 'subtreeconsistency');
  let applied = 0;
  for (const rel of files) {
    const c = readCase<ConsistencyCase>(base, rel);
    if (c.start !== 0 || (c.end ?? 0) <= 0) continue;
    applied += 1;
    await t.test(rel, () => {
      expectOutcome(
        () => verifyConsistency(c.end as number, c.size as number, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2)),
        c.wantErr,
        `${rel} (${c.desc})`,
      );
    });
  }
  assert.ok(applied >= 80, `expected the subtree consistency cases to start at 0, applied ${applied} of ${files.length}`);
});

test('interop: RFC 6962 roots of 0..8 known leaves (merkle/rfc6962-roots.json)', async () => {
  const vectors = JSON.parse(readFileSync(join(interopDir(), 'merkle/rfc6962-roots.json'), 'utf8')) as { leaf_inputs_hex: string[]; root_hashes_hex: string[] };
  assert.equal(vectors.root_hashes_hex.length, vectors.leaf_inputs_hex.length + 1);
  const leaves = vectors.leaf_inputs_hex.map((h) => leafHash(Buffer.from(h, 'hex')));
  const sync = new SyncMerkleTree();
  const async = new MerkleTree();
  sync.append(leaves);
  await async.append(leaves);
  for (const [n, want] of vectors.root_hashes_hex.entries()) {
    assert.equal(rootFromLeafHashes(leaves.slice(0, n)).toString('hex'), want, `rootFromLeafHashes of ${n} leaves`);
    assert.equal(sync.root(n).toString('hex'), want, `SyncMerkleTree root at size ${n}`);
    assert.equal((await async.root(n)).toString('hex'), want, `MerkleTree root at size ${n}`);
  }
});

test('hashing uses the RFC 9162 domain-separation prefixes', () => {
  assert.equal(emptyRoot().toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(leafHash(new Uint8Array()).toString('hex'), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  const l = leafHash(Buffer.from('a'));
  const r = leafHash(Buffer.from('b'));
  assert.notDeepEqual(nodeHash(l, r), nodeHash(r, l));
  assert.deepEqual(rootFromLeafHashes([l, r]), nodeHash(l, r));
});

test('proofs built from leaf hashes verify and reject bad requests', () => {
  const leaves = Array.from({ length: 7 }, (_, i) => leafHash(Buffer.from([i])));
  const byFunction = (i: number): Buffer => leaves[i] as Buffer;
  for (let size = 1; size <= 7; size += 1) {
    const root = rootFromLeafHashes(leaves.slice(0, size));
    for (let i = 0; i < size; i += 1) {
      const proof = inclusionProof(i, size, leaves);
      assert.deepEqual(inclusionProof(i, size, byFunction), proof);
      verifyInclusion(i, size, leaves[i] as Buffer, proof, root);
    }
    for (let m = 1; m <= size; m += 1) {
      verifyConsistency(m, size, consistencyProof(m, size, leaves), rootFromLeafHashes(leaves.slice(0, m)), root);
    }
  }
  const invalid = (err: unknown): boolean => err instanceof ModelVaultError && err.code === 'invalid_input';
  assert.throws(() => inclusionProof(7, 7, leaves), invalid);
  assert.throws(() => inclusionProof(0, 8, leaves), invalid);
  assert.throws(() => inclusionProof(-1, 3, leaves), invalid);
  assert.throws(() => consistencyProof(0, 3, leaves), invalid);
  assert.throws(() => consistencyProof(4, 3, leaves), invalid);
  assert.deepEqual(consistencyProof(3, 3, leaves), []);
  assert.throws(() => rootFromLeafHashes([Buffer.alloc(31)]), invalid);
});

test('verifiers reject malformed arguments with verification_failed', () => {
  const leaves = Array.from({ length: 5 }, (_, i) => leafHash(Buffer.from([i])));
  const root5 = rootFromLeafHashes(leaves);
  const root3 = rootFromLeafHashes(leaves.slice(0, 3));
  const proof = inclusionProof(2, 5, leaves);
  const cproof = consistencyProof(3, 5, leaves);
  const rejected = (pattern: RegExp) => (err: unknown) => err instanceof ModelVaultError && err.code === 'verification_failed' && pattern.test(err.message);
  verifyInclusion(2, 5, leaves[2] as Buffer, proof, root5);
  assert.throws(() => verifyInclusion(5, 5, leaves[2] as Buffer, proof, root5), rejected(/not below tree size/));
  assert.throws(() => verifyInclusion(2, 5, leaves[2] as Buffer, [...proof, leaves[0] as Buffer], root5), rejected(/has 4 hashes, want 3/));
  assert.throws(() => verifyInclusion(2, 5, leaves[2] as Buffer, proof.slice(0, 2), root5), rejected(/has 2 hashes, want 3/));
  assert.throws(() => verifyInclusion(2, 5, leaves[2] as Buffer, [Buffer.alloc(31), ...proof.slice(1)], root5), rejected(/31 bytes/));
  assert.throws(() => verifyInclusion(2, 5, leaves[3] as Buffer, proof, root5), rejected(/leads to root/));
  assert.throws(() => verifyInclusion(2 ** 53, 2 ** 53 + 2, leaves[2] as Buffer, proof, root5), rejected(/not a non-negative integer/));
  assert.throws(() => verifyInclusion(0.5, 5, leaves[2] as Buffer, proof, root5), rejected(/not a non-negative integer/));

  verifyConsistency(3, 5, cproof, root3, root5);
  verifyConsistency(5, 5, [], root5, root5);
  assert.throws(() => verifyConsistency(5, 3, cproof, root5, root3), rejected(/cannot shrink/));
  assert.throws(() => verifyConsistency(0, 5, cproof, emptyRoot(), root5), rejected(/empty tree/));
  assert.throws(() => verifyConsistency(0, 0, [], emptyRoot(), emptyRoot()), rejected(/empty tree/));
  assert.throws(() => verifyConsistency(5, 5, [root5], root5, root5), rejected(/empty consistency proof/));
  assert.throws(() => verifyConsistency(5, 5, [], root5, root3), rejected(/differ/));
  assert.throws(() => verifyConsistency(3, 5, [], root3, root5), rejected(/is empty/));
  assert.throws(() => verifyConsistency(3, 5, [...cproof, root5], root3, root5), rejected(/want 4/));
  assert.throws(() => verifyConsistency(3, 5, cproof.slice(0, -1), root3, root5), rejected(/want 4/));
  assert.throws(() => verifyConsistency(3, 5, cproof, root5, root5), rejected(/old root/));
  assert.throws(() => verifyConsistency(3, 5, cproof, root3, root3), rejected(/new root/));
});

test('verifiers walk bits with arithmetic, so sizes beyond 2^32 work', () => {
  // A right-edge leaf of a huge tree: its proof is the left siblings along the border, which we can make up.
  const size = 2 ** 40 + 3;
  const index = size - 1;
  const leaf = leafHash(Buffer.from('edge'));
  const left2 = leafHash(Buffer.from('two'));
  const left40 = leafHash(Buffer.from('forty'));
  // Leaves [2^40, 2^40 + 2) form a perfect pair left of the last leaf; [0, 2^40) is the root's left child.
  const root = nodeHash(left40, nodeHash(left2, leaf));
  verifyInclusion(index, size, leaf, [left2, left40], root);
  assert.throws(() => verifyInclusion(index, size, leaf, [left40, left2], root), ModelVaultError);
  assert.throws(() => verifyInclusion(index - 2 ** 33, size, leaf, [left2, left40], root), ModelVaultError);
});
