import { createHash } from 'node:crypto';
import { ModelVaultError } from '../../core/errors.ts';

/** Size in bytes of every hash in the log's Merkle tree (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** A half-open range of leaf indices `[start, end)`. */
export interface LeafRange {
  start: number;
  end: number;
}

/** Leaf hashes to build proofs from: a list, or a function returning the hash of leaf `index`. */
export type LeafHashSource = readonly Uint8Array[] | ((index: number) => Uint8Array);

/** RFC 9162 leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** RFC 9162 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Root hash of the empty tree: SHA-256 of the empty string. */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/** True when `n` is 1, 2, 4, 8, … */
export function isPowerOfTwo(n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** The largest power of two strictly below `n` (n >= 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Merkle Tree Hash (RFC 9162 §2.1.1) of a list of leaf hashes. */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Buffer {
  hashes.forEach((h, i) => requireInputHash(`leaf hash ${i}`, h));
  if (hashes.length === 0) return emptyRoot();
  return rangeRoot(leafGetter(hashes), 0, hashes.length);
}

/** The leaf ranges whose tree hashes make up PATH(index, D[size]) (RFC 9162 §2.1.3.1), lowest level first. */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  requireInputCount('tree size', size);
  requireInputCount('leaf index', index);
  if (index >= size) {
    throw new ModelVaultError('invalid_input', `leaf index ${index} is not below tree size ${size}`, { index, size });
  }
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
    }
  }
  return ranges.reverse();
}

/** The leaf ranges whose tree hashes make up PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1), lowest level first. */
export function consistencyProofRanges(size1: number, size2: number): LeafRange[] {
  requireInputCount('size1', size1);
  requireInputCount('size2', size2);
  if (size1 === 0 || size1 > size2) {
    throw new ModelVaultError('invalid_input', `no consistency proof exists from tree size ${size1} to ${size2}`, {
      size1,
      size2,
      hint: 'a consistency proof needs 0 < size1 <= size2',
    });
  }
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = size2;
  // SUBPROOF's flag: true while the current subtree is still the old tree's root path, whose hash the verifier already has.
  let knownToVerifier = true;
  while (size1 !== end) {
    const k = splitPoint(end - start);
    if (size1 <= start + k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
      knownToVerifier = false;
    }
  }
  if (!knownToVerifier) ranges.push({ start, end });
  return ranges.reverse();
}

/** Inclusion proof for leaf `index` in the tree of the first `size` leaves of `leaves`. */
export function inclusionProof(index: number, size: number, leaves: LeafHashSource): Buffer[] {
  requireAvailable(size, leaves);
  const get = leafGetter(leaves);
  return inclusionProofRanges(index, size).map((r) => rangeRoot(get, r.start, r.end));
}

/** Consistency proof from the tree of the first `size1` leaves to the tree of the first `size2`. */
export function consistencyProof(size1: number, size2: number, leaves: LeafHashSource): Buffer[] {
  requireAvailable(size2, leaves);
  const get = leafGetter(leaves);
  return consistencyProofRanges(size1, size2).map((r) => rangeRoot(get, r.start, r.end));
}

/** Verifies an inclusion proof per RFC 9162 §2.1.3.2; throws `verification_failed` saying what is wrong. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  requireCount('leaf index', index);
  requireCount('tree size', size);
  if (index >= size) fail(`leaf index ${index} is not below tree size ${size}`, { index, size });
  requireHash('leaf hash', leaf);
  proof.forEach((p, i) => requireHash(`inclusion proof hash ${i}`, p));

  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) fail(proofLengthMessage('inclusion', proof.length, inclusionProofRanges(index, size).length), { index, size });
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail(proofLengthMessage('inclusion', proof.length, inclusionProofRanges(index, size).length), { index, size });
  if (!bytesEqual(r, root)) {
    fail(`inclusion proof for leaf ${index} in a tree of size ${size} leads to root ${hex(r)}, not the expected ${hex(root)}`, { index, size });
  }
}

/** Verifies a consistency proof per RFC 9162 §2.1.4.2; throws `verification_failed` saying what is wrong. */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  requireCount('size1', size1);
  requireCount('size2', size2);
  if (size2 < size1) fail(`tree size ${size2} is smaller than the earlier tree size ${size1}: a log cannot shrink`, { size1, size2 });
  if (size1 === 0) fail('a consistency proof from the empty tree proves nothing: size1 must be at least 1', { size1, size2 });
  if (size1 === size2) {
    if (proof.length > 0) fail(`trees of equal size ${size1} need an empty consistency proof, got ${proof.length} hashes`, { size1, size2 });
    if (!bytesEqual(root1, root2)) fail(`two roots for the same tree size ${size1} differ: ${hex(root1)} and ${hex(root2)}`, { size1, size2 });
    return;
  }
  if (proof.length === 0) fail(`consistency proof from size ${size1} to ${size2} is empty`, { size1, size2 });
  proof.forEach((p, i) => requireHash(`consistency proof hash ${i}`, p));

  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) fail(proofLengthMessage('consistency', proof.length, consistencyProofRanges(size1, size2).length), { size1, size2 });
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail(proofLengthMessage('consistency', proof.length, consistencyProofRanges(size1, size2).length), { size1, size2 });
  if (!bytesEqual(fr, root1)) {
    fail(`consistency proof from size ${size1} to ${size2} leads to old root ${hex(fr)}, not the expected ${hex(root1)}`, { size1, size2 });
  }
  if (!bytesEqual(sr, root2)) {
    fail(`consistency proof from size ${size1} to ${size2} leads to new root ${hex(sr)}, not the expected ${hex(root2)}`, { size1, size2 });
  }
}

function rangeRoot(get: (index: number) => Uint8Array, start: number, end: number): Buffer {
  if (end - start === 1) return Buffer.from(get(start));
  const k = splitPoint(end - start);
  return nodeHash(rangeRoot(get, start, start + k), rangeRoot(get, start + k, end));
}

function leafGetter(leaves: LeafHashSource): (index: number) => Uint8Array {
  if (typeof leaves === 'function') {
    return (i) => {
      const h = leaves(i);
      requireInputHash(`leaf hash ${i}`, h);
      return h;
    };
  }
  return (i) => {
    const h = leaves[i];
    if (h === undefined) throw new ModelVaultError('invalid_input', `leaf ${i} is missing`, { index: i });
    requireInputHash(`leaf hash ${i}`, h);
    return h;
  };
}

function requireAvailable(size: number, leaves: LeafHashSource): void {
  if (typeof leaves !== 'function' && size > leaves.length) {
    throw new ModelVaultError('invalid_input', `tree size ${size} is beyond the ${leaves.length} leaves given`, { size, leaves: leaves.length });
  }
}

function proofLengthMessage(kind: string, got: number, want: number): string {
  return `${kind} proof has ${got} hashes, want ${want}`;
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

// Arithmetic rather than `>>`, which truncates to 32 bits; sizes go up to 2^53 - 1.
function half(n: number): number {
  return Math.floor(n / 2);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex') || '(empty)';
}

function fail(message: string, details: Record<string, unknown>): never {
  throw new ModelVaultError('verification_failed', message, details);
}

function requireCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) fail(`${what} ${n} is not a non-negative integer below 2^53`, { [what]: n });
}

function requireHash(what: string, h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    fail(`${what} is ${h instanceof Uint8Array ? h.length : 'not'} bytes, want ${HASH_SIZE}`, {});
  }
}

function requireInputCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ModelVaultError('invalid_input', `${what} ${n} is not a non-negative integer below 2^53`, { [what]: n });
  }
}

function requireInputHash(what: string, h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new ModelVaultError('invalid_input', `${what} is ${h instanceof Uint8Array ? h.length : 'not'} bytes, want ${HASH_SIZE}`, {});
  }
}
