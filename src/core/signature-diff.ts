import { formatShape, type Dim, type ModelSignature, type TensorSignature } from './signature.ts';

// How one signature differs from an earlier one, and what each difference means to callers: a change that can make
// a working caller fail is `major`, one that only adds to what callers may do is `minor`, anything else `patch`.
// Inputs are what callers send, so accepting more is safe and accepting less breaks; outputs are what they read,
// so promising less breaks. Hence a fixed dimension made symbolic is `minor` on an input (callers' sizes still
// fit) but `major` on an output (callers may now get sizes they did not expect); a symbolic dimension made fixed
// is `major` on an input and `patch` on an output.

/** What a change means to callers, as the semver part it needs on a 1.0.0-or-later version. */
export type ChangeLevel = 'major' | 'minor' | 'patch';

/** Which part of the signature changed. */
export type SignatureSide = 'input' | 'output' | 'signature';

/** Kinds of signature change. */
export const SIGNATURE_CHANGE_KINDS = ['added', 'removed', 'renamed', 'dtype', 'shape', 'optional', 'declared', 'dropped'] as const;

/** One difference between two signatures. */
export interface SignatureChange {
  side: SignatureSide;
  kind: (typeof SIGNATURE_CHANGE_KINDS)[number];
  /** The tensor's name (in the earlier signature when renamed); empty for the signature as a whole. */
  name: string;
  /** The new name, for `renamed`. */
  renamedTo?: string;
  /** The dtype, shape or optional flag before and after, for `dtype`, `shape` and `optional`. */
  before?: string | boolean | Dim[] | null;
  after?: string | boolean | Dim[] | null;
  level: ChangeLevel;
  /** The change in one sentence, e.g. "input `amount` was removed". */
  message: string;
}

/** How a signature changed between two versions. */
export interface SignatureDiff {
  /** The highest level of any change; `patch` when nothing changed. */
  level: ChangeLevel;
  changes: SignatureChange[];
}

const RANK: Record<ChangeLevel, number> = { patch: 0, minor: 1, major: 2 };

/** The higher of two levels. */
export function maxLevel(a: ChangeLevel, b: ChangeLevel): ChangeLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const isDynamic = (d: Dim): boolean => d === null || typeof d === 'string';

/** How a shape change affects callers of an input or an output, or undefined when the shape did not change. */
function shapeLevel(side: 'input' | 'output', before: Dim[] | null, after: Dim[] | null): { level: ChangeLevel; why: string } | undefined {
  if (same(before, after)) return undefined;
  // An undeclared shape promises nothing, so declaring or dropping one is not compared.
  if (before === null || after === null) return { level: 'patch', why: after === null ? 'its shape is no longer known' : 'its shape is now known' };
  if (before.length !== after.length) return { level: 'major', why: `its rank changed from ${before.length} to ${after.length}` };
  let level: ChangeLevel = 'patch';
  let why = 'only the names of dynamic dimensions changed';
  let found = false;
  before.forEach((b, i) => {
    const a = after[i]!;
    if (b === a || (isDynamic(b) && isDynamic(a))) return;
    let l: ChangeLevel;
    let w: string;
    if (!isDynamic(b) && !isDynamic(a)) {
      l = 'major';
      w = `dimension ${i} changed from ${b} to ${a}`;
    } else if (!isDynamic(b)) {
      l = side === 'input' ? 'minor' : 'major';
      w = side === 'input' ? `dimension ${i} now accepts any size, not only ${b}` : `dimension ${i} may now have any size, not only ${b}`;
    } else {
      l = side === 'input' ? 'major' : 'patch';
      w = side === 'input' ? `dimension ${i} now accepts only ${a}` : `dimension ${i} is now always ${a}`;
    }
    // The reason given is the first dimension with the most severe change.
    if (!found || RANK[l] > RANK[level]) {
      level = l;
      why = w;
      found = true;
    }
  });
  return { level, why };
}

/** The changes between two tensor lists of one side, earlier first. */
function sideChanges(side: 'input' | 'output', before: TensorSignature[], after: TensorSignature[]): SignatureChange[] {
  const afterNames = new Map(after.map((t, i) => [t.name, i]));
  const beforeNames = new Set(before.map((t) => t.name));
  const removed = before.map((t, i) => ({ t, i })).filter((x) => !afterNames.has(x.t.name));
  const added = after.map((t, i) => ({ t, i })).filter((x) => !beforeNames.has(x.t.name));
  const sameKind = (a: TensorSignature, b: TensorSignature): boolean => a.dtype === b.dtype && same(a.shape, b.shape) && !!a.optional === !!b.optional;
  // A tensor that vanished where one of the same type and shape appeared, at the same position (or the only such pair), was renamed.
  const renames = new Map<number, number>();
  for (const r of removed) {
    const atSamePlace = added.find((a) => a.i === r.i && sameKind(a.t, r.t));
    if (atSamePlace) renames.set(r.i, atSamePlace.i);
  }
  if (renames.size === 0 && removed.length === 1 && added.length === 1 && sameKind(removed[0]!.t, added[0]!.t)) renames.set(removed[0]!.i, added[0]!.i);
  const renamedTo = new Set(renames.values());
  const q = (s: string): string => `\`${s}\``;
  const changes: SignatureChange[] = [];
  for (const r of removed) {
    const to = renames.get(r.i);
    if (to !== undefined) {
      const name = after[to]!.name;
      changes.push({ side, kind: 'renamed', name: r.t.name, renamedTo: name, level: 'major', message: `${side} ${q(r.t.name)} was renamed to ${q(name)}` });
    } else {
      changes.push({ side, kind: 'removed', name: r.t.name, level: 'major', message: `${side} ${q(r.t.name)} was removed` });
    }
  }
  for (const a of added) {
    if (renamedTo.has(a.i)) continue;
    const required = side === 'input' && !a.t.optional;
    changes.push({
      side,
      kind: 'added',
      name: a.t.name,
      level: required ? 'major' : 'minor',
      message: required ? `required input ${q(a.t.name)} was added` : `${a.t.optional ? 'optional ' : ''}${side} ${q(a.t.name)} was added`,
    });
  }
  for (const b of before) {
    const i = afterNames.get(b.name);
    if (i === undefined) continue;
    const a = after[i]!;
    if (a.dtype !== b.dtype) {
      changes.push({ side, kind: 'dtype', name: b.name, before: b.dtype, after: a.dtype, level: 'major', message: `${side} ${q(b.name)} changed dtype from ${b.dtype} to ${a.dtype}` });
    }
    const shape = shapeLevel(side, b.shape, a.shape);
    if (shape) {
      changes.push({ side, kind: 'shape', name: b.name, before: b.shape, after: a.shape, level: shape.level, message: `${side} ${q(b.name)} changed shape from ${formatShape(b.shape)} to ${formatShape(a.shape)}: ${shape.why}` });
    }
    if (!!a.optional !== !!b.optional) {
      // An input callers may now leave out asks less of them; an output that may be missing promises less.
      const breaks = side === 'input' ? !a.optional : !!a.optional;
      changes.push({
        side,
        kind: 'optional',
        name: b.name,
        before: !!b.optional,
        after: !!a.optional,
        level: breaks ? 'major' : side === 'input' ? 'minor' : 'patch',
        message: `${side} ${q(b.name)} became ${a.optional ? 'optional' : 'required'}`,
      });
    }
  }
  return changes;
}

/**
 * How `after` differs from `before`. A version without a signature after one with it is `major`: callers lose
 * the contract they were checked against. A signature declared for the first time is `patch`.
 */
export function diffSignatures(before: ModelSignature | null, after: ModelSignature | null): SignatureDiff {
  let changes: SignatureChange[];
  if (before === null && after === null) changes = [];
  else if (before === null) changes = [{ side: 'signature', kind: 'declared', name: '', level: 'patch', message: `the signature is now known (from ${after!.file ?? 'metadata.signature'})` }];
  else if (after === null) {
    changes = [{ side: 'signature', kind: 'dropped', name: '', level: 'major', message: `the signature is no longer known (it came from ${before.file ?? 'metadata.signature'}; now there is neither an ONNX model file nor metadata.signature)` }];
  } else changes = [...sideChanges('input', before.inputs, after.inputs), ...sideChanges('output', before.outputs, after.outputs)];
  return { level: changes.reduce<ChangeLevel>((l, c) => maxLevel(l, c.level), 'patch'), changes };
}
