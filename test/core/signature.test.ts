import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ELEMENT_TYPES, formatShape, normalizeDtype, onnxElementType, signatureFromSpec, signatureSpecProblems, type Dim, type ModelSignature, type TensorSignature } from '../../src/core/signature.ts';
import { diffSignatures, type ChangeLevel } from '../../src/core/signature-diff.ts';
import { bumpBetween, judgeSemver, minimumVersion, requiredBump } from '../../src/core/version-bump.ts';

const t = (name: string, dtype: string, shape: Dim[] | null, optional = false): TensorSignature => ({ name, dtype, shape, ...(optional ? { optional: true } : {}) });
const sig = (inputs: TensorSignature[], outputs: TensorSignature[]): ModelSignature => ({ source: 'onnx', file: 'model.onnx', inputs, outputs });

// The base signature every case of the table changes one thing of.
const FEATURES = t('features', 'float32', ['batch', 4]);
const AMOUNT = t('amount', 'float32', ['batch', 1]);
const LABEL = t('label', 'int64', ['batch']);
const PROBS = t('probabilities', 'float32', ['batch', 2]);
const BASE = sig([FEATURES, AMOUNT], [LABEL, PROBS]);

describe('dtypes', () => {
  it('names ONNX element types in numpy spelling, and unknown codes by number', () => {
    assert.equal(onnxElementType(1), 'float32');
    assert.equal(onnxElementType(7), 'int64');
    assert.equal(onnxElementType(8), 'string');
    assert.equal(onnxElementType(11), 'float64');
    assert.equal(onnxElementType(16), 'bfloat16');
    assert.equal(onnxElementType(0), 'undefined');
    assert.equal(onnxElementType(99), 'onnx-type-99');
  });

  it('normalises the spellings metadata may use, and refuses what is no type', () => {
    assert.equal(normalizeDtype('float32'), 'float32');
    assert.equal(normalizeDtype('FLOAT'), 'float32');
    assert.equal(normalizeDtype('double'), 'float64');
    assert.equal(normalizeDtype('Sequence( Map(INT64, float) )'), 'sequence(map(int64,float32))');
    assert.equal(normalizeDtype('optional(sequence(string))'), 'optional(sequence(string))');
    assert.equal(normalizeDtype('sparse(float16)'), 'sparse(float16)');
    for (const bad of ['flaot32', 'float32)', 'map(float32)', 'sequence()', 'sparse(sequence(int64))', '', 'undefined', 'object']) assert.equal(normalizeDtype(bad), undefined, bad);
  });

  it('normalises to a fixed point (property)', () => {
    const type: fc.Arbitrary<string> = fc.letrec<{ type: string }>((tie) => ({
      type: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(...ELEMENT_TYPES, 'FLOAT', 'double', 'Half'),
        tie('type').map((x) => `sequence(${x})`),
        tie('type').map((x) => `optional(${x})`),
        fc.tuple(fc.constantFrom(...ELEMENT_TYPES), tie('type')).map(([k, v]) => `map( ${k} , ${v} )`),
      ),
    })).type;
    fc.assert(
      fc.property(type, (text) => {
        const once = normalizeDtype(text);
        assert.notEqual(once, undefined, text);
        assert.equal(normalizeDtype(once!), once);
      }),
    );
  });
});

describe('metadata.signature', () => {
  it('finds unknown dtypes and names used twice on one side, naming the path', () => {
    const problems = signatureSpecProblems({
      inputs: [{ name: 'a', dtype: 'float32' }, { name: 'a', dtype: 'flaot32' }],
      outputs: [{ name: 'a', dtype: 'int64' }],
    });
    assert.deepEqual(problems.map((p) => p.path), [['inputs', 1, 'name'], ['inputs', 1, 'dtype']]);
    assert.match(problems[0]!.message, /"a" is already the name of inputs\[0\]/);
    assert.match(problems[1]!.message, /"flaot32" is not an element type/);
  });

  it('stores -1 as an unknown dimension, canonical dtypes, optional only when set, and no descriptions', () => {
    const s = signatureFromSpec({
      inputs: [{ name: 'x', dtype: 'FLOAT', shape: [-1, 'n', 3, null], description: 'features' }, { name: 'mask', dtype: 'bool', optional: true }],
      outputs: [{ name: 'y', dtype: 'double', shape: [-1], optional: false }],
    });
    assert.deepEqual(s, {
      source: 'metadata',
      file: null,
      inputs: [{ name: 'x', dtype: 'float32', shape: [null, 'n', 3, null] }, { name: 'mask', dtype: 'bool', shape: null, optional: true }],
      outputs: [{ name: 'y', dtype: 'float64', shape: [null] }],
    });
  });

  it('formats shapes as people write them', () => {
    assert.equal(formatShape(['batch', 4, null]), '[batch, 4, ?]');
    assert.equal(formatShape([]), '[]');
    assert.equal(formatShape(null), 'unknown');
  });
});

describe('signature changes: the classification table', () => {
  const cases: { what: string; after: ModelSignature; level: ChangeLevel; kind?: string; message?: RegExp }[] = [
    { what: 'nothing changed', after: BASE, level: 'patch' },
    { what: 'an input removed', after: sig([FEATURES], [LABEL, PROBS]), level: 'major', kind: 'removed', message: /^input `amount` was removed$/ },
    { what: 'an output removed', after: sig([FEATURES, AMOUNT], [LABEL]), level: 'major', kind: 'removed', message: /^output `probabilities` was removed$/ },
    { what: 'an input renamed', after: sig([FEATURES, { ...AMOUNT, name: 'value' }], [LABEL, PROBS]), level: 'major', kind: 'renamed', message: /^input `amount` was renamed to `value`$/ },
    { what: 'an output renamed', after: sig([FEATURES, AMOUNT], [{ ...LABEL, name: 'class' }, PROBS]), level: 'major', kind: 'renamed' },
    { what: 'an input dtype changed', after: sig([{ ...FEATURES, dtype: 'float64' }, AMOUNT], [LABEL, PROBS]), level: 'major', kind: 'dtype', message: /changed dtype from float32 to float64/ },
    { what: 'an output dtype changed', after: sig([FEATURES, AMOUNT], [{ ...LABEL, dtype: 'int32' }, PROBS]), level: 'major', kind: 'dtype' },
    { what: 'a fixed input dimension changed', after: sig([{ ...FEATURES, shape: ['batch', 5] }, AMOUNT], [LABEL, PROBS]), level: 'major', kind: 'shape', message: /dimension 1 changed from 4 to 5/ },
    { what: 'an input rank changed', after: sig([{ ...FEATURES, shape: ['batch', 4, 1] }, AMOUNT], [LABEL, PROBS]), level: 'major', kind: 'shape', message: /rank changed from 2 to 3/ },
    { what: 'a fixed input dimension made symbolic (accepts more)', after: sig([{ ...FEATURES, shape: ['batch', 'n'] }, AMOUNT], [LABEL, PROBS]), level: 'minor', kind: 'shape' },
    { what: 'a symbolic input dimension made fixed (accepts less)', after: sig([{ ...FEATURES, shape: [32, 4] }, AMOUNT], [LABEL, PROBS]), level: 'major', kind: 'shape' },
    { what: 'a fixed output dimension made symbolic (promises less)', after: sig([FEATURES, AMOUNT], [LABEL, { ...PROBS, shape: ['batch', null] }]), level: 'major', kind: 'shape' },
    { what: 'a symbolic output dimension made fixed (promises more)', after: sig([FEATURES, AMOUNT], [{ ...LABEL, shape: [32] }, PROBS]), level: 'patch', kind: 'shape' },
    { what: 'a symbolic dimension renamed', after: sig([{ ...FEATURES, shape: ['n', 4] }, AMOUNT], [LABEL, PROBS]), level: 'patch', kind: 'shape', message: /only the names of dynamic dimensions changed/ },
    { what: 'a shape no longer declared', after: sig([{ ...FEATURES, shape: null }, AMOUNT], [LABEL, PROBS]), level: 'patch', kind: 'shape' },
    { what: 'an output added', after: sig([FEATURES, AMOUNT], [LABEL, PROBS, t('logits', 'float32', ['batch', 2])]), level: 'minor', kind: 'added', message: /^output `logits` was added$/ },
    { what: 'an optional input added', after: sig([FEATURES, AMOUNT, t('mask', 'bool', ['batch'], true)], [LABEL, PROBS]), level: 'minor', kind: 'added', message: /^optional input `mask` was added$/ },
    { what: 'a required input added', after: sig([FEATURES, AMOUNT, t('mask', 'bool', ['batch'])], [LABEL, PROBS]), level: 'major', kind: 'added', message: /^required input `mask` was added$/ },
    { what: 'an output made optional (may be missing)', after: sig([FEATURES, AMOUNT], [LABEL, { ...PROBS, optional: true }]), level: 'major', kind: 'optional' },
    { what: 'an input made optional', after: sig([FEATURES, { ...AMOUNT, optional: true }], [LABEL, PROBS]), level: 'minor', kind: 'optional' },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.level}`, () => {
      const d = diffSignatures(BASE, c.after);
      assert.equal(d.level, c.level, JSON.stringify(d.changes));
      if (c.kind === undefined) assert.deepEqual(d.changes, []);
      else {
        assert.equal(d.changes.length, 1, JSON.stringify(d.changes));
        assert.equal(d.changes[0]!.kind, c.kind);
        if (c.message) assert.match(d.changes[0]!.message, c.message);
      }
    });
  }

  it('an input that becomes required: major', () => {
    const before = sig([FEATURES, { ...AMOUNT, optional: true }], [LABEL]);
    const d = diffSignatures(before, sig([FEATURES, AMOUNT], [LABEL]));
    assert.equal(d.level, 'major');
    assert.match(d.changes[0]!.message, /input `amount` became required/);
  });

  it('an output that becomes required: patch', () => {
    const before = sig([FEATURES], [LABEL, { ...PROBS, optional: true }]);
    const d = diffSignatures(before, sig([FEATURES], [LABEL, PROBS]));
    assert.deepEqual([d.level, d.changes[0]!.message], ['patch', 'output `probabilities` became required']);
  });

  it('a removed and an added tensor of different types are a removal and an addition, not a rename', () => {
    const d = diffSignatures(BASE, sig([FEATURES, t('amount_cents', 'int64', ['batch', 1])], [LABEL, PROBS]));
    assert.deepEqual(d.changes.map((c) => `${c.kind} ${c.name}`), ['removed amount', 'added amount_cents']);
    assert.equal(d.level, 'major');
  });

  it('reports every change, the level being the highest', () => {
    const d = diffSignatures(BASE, sig([FEATURES, t('mask', 'bool', null, true)], [LABEL, PROBS, t('logits', 'float32', ['batch', 2])]));
    assert.deepEqual(d.changes.map((c) => `${c.level} ${c.kind} ${c.side} ${c.name}`), ['major removed input amount', 'minor added input mask', 'minor added output logits']);
    assert.equal(d.level, 'major');
  });

  it('a signature dropped is major; one declared for the first time is patch; none on either side is no change', () => {
    const dropped = diffSignatures(BASE, null);
    assert.equal(dropped.level, 'major');
    assert.equal(dropped.changes[0]!.kind, 'dropped');
    assert.match(dropped.changes[0]!.message, /no longer known \(it came from model\.onnx/);
    const declared = diffSignatures(null, BASE);
    assert.equal(declared.level, 'patch');
    assert.equal(declared.changes[0]!.kind, 'declared');
    assert.deepEqual(diffSignatures(null, null), { level: 'patch', changes: [] });
  });
});

describe('signature changes: what each says', () => {
  const inputShape = (before: Dim[] | null, after: Dim[] | null) => diffSignatures(sig([t('x', 'float32', before)], []), sig([t('x', 'float32', after)], [])).changes;
  const outputShape = (before: Dim[] | null, after: Dim[] | null) => diffSignatures(sig([], [t('y', 'float32', before)]), sig([], [t('y', 'float32', after)])).changes;
  const brief = (changes: { level: ChangeLevel; message: string }[]): string[] => changes.map((c) => `${c.level}: ${c.message}`);

  it('says why a shape change has its level, for inputs and outputs alike', () => {
    assert.deepEqual(brief(inputShape(['batch', 4], ['batch', 5])), ['major: input `x` changed shape from [batch, 4] to [batch, 5]: dimension 1 changed from 4 to 5']);
    assert.deepEqual(brief(inputShape(['batch', 4], ['batch', 'n'])), ['minor: input `x` changed shape from [batch, 4] to [batch, n]: dimension 1 now accepts any size, not only 4']);
    assert.deepEqual(brief(outputShape(['batch', 2], ['batch', null])), ['major: output `y` changed shape from [batch, 2] to [batch, ?]: dimension 1 may now have any size, not only 2']);
    assert.deepEqual(brief(inputShape(['batch', 4], [32, 4])), ['major: input `x` changed shape from [batch, 4] to [32, 4]: dimension 0 now accepts only 32']);
    assert.deepEqual(brief(outputShape(['batch', 2], [32, 2])), ['patch: output `y` changed shape from [batch, 2] to [32, 2]: dimension 0 is now always 32']);
    assert.deepEqual(brief(inputShape(['batch', 4], [null, 4])), ['patch: input `x` changed shape from [batch, 4] to [?, 4]: only the names of dynamic dimensions changed']);
    assert.deepEqual(brief(outputShape([null], ['n'])), ['patch: output `y` changed shape from [?] to [n]: only the names of dynamic dimensions changed']);
  });

  it('gives the first dimension with the most severe change as the reason', () => {
    assert.deepEqual(brief(inputShape(['batch', 4], [32, 5])), ['major: input `x` changed shape from [batch, 4] to [32, 5]: dimension 0 now accepts only 32']);
    assert.deepEqual(brief(outputShape(['batch', 2], [32, null])), ['major: output `y` changed shape from [batch, 2] to [32, ?]: dimension 1 may now have any size, not only 2']);
    assert.deepEqual(brief(outputShape(['batch', 'n', 2], [32, 16, 2])), ['patch: output `y` changed shape from [batch, n, 2] to [32, 16, 2]: dimension 0 is now always 32']);
    assert.deepEqual(brief(inputShape([4, 'n', 2], ['m', 8, 'k'])), ['major: input `x` changed shape from [4, n, 2] to [m, 8, k]: dimension 1 now accepts only 8']);
  });

  it('does not compare an undeclared shape: declaring or dropping one is a patch', () => {
    assert.deepEqual(brief(inputShape(null, ['batch', 4])), ['patch: input `x` changed shape from unknown to [batch, 4]: its shape is now known']);
    assert.deepEqual(brief(inputShape(['batch', 4], null)), ['patch: input `x` changed shape from [batch, 4] to unknown: its shape is no longer known']);
    assert.deepEqual(brief(outputShape(null, ['batch'])), ['patch: output `y` changed shape from unknown to [batch]: its shape is now known']);
  });

  it('records an optional flag changing, before and after', () => {
    const made = diffSignatures(sig([FEATURES, AMOUNT], []), sig([FEATURES, { ...AMOUNT, optional: true }], [])).changes;
    assert.deepEqual(made, [{ side: 'input', kind: 'optional', name: 'amount', before: false, after: true, level: 'minor', message: 'input `amount` became optional' }]);
    const dropped = diffSignatures(sig([], [{ ...PROBS, optional: true }]), sig([], [PROBS])).changes;
    assert.deepEqual(dropped, [{ side: 'output', kind: 'optional', name: 'probabilities', before: true, after: false, level: 'patch', message: 'output `probabilities` became required' }]);
  });

  it('takes tensors that vanished where others of the same type appeared, at the same places, as renamed', () => {
    const a = t('a', 'float32', ['batch', 4]);
    const b = t('b', 'float32', ['batch', 4]);
    const renamed = diffSignatures(sig([a, b], []), sig([{ ...a, name: 'p' }, { ...b, name: 'q' }], [])).changes;
    assert.deepEqual(renamed.map((c) => c.message), ['input `a` was renamed to `p`', 'input `b` was renamed to `q`']);
    assert.deepEqual(renamed.map((c) => [c.kind, c.name, c.renamedTo, c.level]), [['renamed', 'a', 'p', 'major'], ['renamed', 'b', 'q', 'major']]);
    const two = diffSignatures(BASE, sig([{ ...FEATURES, name: 'x' }, { ...AMOUNT, name: 'value' }], [LABEL, PROBS])).changes;
    assert.deepEqual(two.map((c) => c.message), ['input `features` was renamed to `x`', 'input `amount` was renamed to `value`']);
  });

  it('takes the only vanished and appeared pair of the same type as a rename, wherever they stand', () => {
    const moved = diffSignatures(BASE, sig([{ ...AMOUNT, name: 'value' }, FEATURES], [LABEL, PROBS])).changes;
    assert.deepEqual(moved.map((c) => c.message), ['input `amount` was renamed to `value`']);
  });

  it('does not take a tensor that became optional under a new name as renamed', () => {
    const d = diffSignatures(BASE, sig([FEATURES, { ...AMOUNT, name: 'value', optional: true }], [LABEL, PROBS]));
    assert.deepEqual(d.changes.map((c) => c.message), ['input `amount` was removed', 'optional input `value` was added']);
  });

  it('says where a signature came from when it appears or goes', () => {
    const meta: ModelSignature = { ...BASE, source: 'metadata', file: null };
    assert.deepEqual(diffSignatures(null, BASE).changes, [{ side: 'signature', kind: 'declared', name: '', level: 'patch', message: 'the signature is now known (from model.onnx)' }]);
    assert.deepEqual(diffSignatures(null, meta).changes, [{ side: 'signature', kind: 'declared', name: '', level: 'patch', message: 'the signature is now known (from metadata.signature)' }]);
    assert.deepEqual(diffSignatures(BASE, null).changes, [
      { side: 'signature', kind: 'dropped', name: '', level: 'major', message: 'the signature is no longer known (it came from model.onnx; now there is neither an ONNX model file nor metadata.signature)' },
    ]);
    assert.equal(diffSignatures(meta, null).changes[0]!.message, 'the signature is no longer known (it came from metadata.signature; now there is neither an ONNX model file nor metadata.signature)');
  });
});

describe('semver bumps', () => {
  it('measures the bump between MAJOR.MINOR.PATCH lines', () => {
    assert.equal(bumpBetween('1.2.3', '2.0.0'), 'major');
    assert.equal(bumpBetween('1.2.3', '1.3.0'), 'minor');
    assert.equal(bumpBetween('1.2.3', '1.2.4'), 'patch');
    assert.equal(bumpBetween('2.0.0-rc.1', '2.0.0'), 'none');
    assert.equal(bumpBetween('1.2.3', '1.2.3-beta'), 'none');
    assert.equal(bumpBetween('1.2.3', '1.1.9'), 'downgrade');
    assert.equal(bumpBetween('1.2.3', '0.9.9'), 'downgrade');
    assert.equal(bumpBetween('1.2.3', '1.2.2'), 'downgrade');
  });

  it('refuses what is not a semver version (the registry checks versions before it compares them)', () => {
    for (const [from, to, bad] of [['1.2', '1.3.0', '1.2'], ['1.2.3', 'v-next', 'v-next']]) {
      assert.throws(() => bumpBetween(from!, to!), { name: 'TypeError', message: `not a semver version: ${bad}` });
    }
    assert.throws(() => requiredBump('major', 'latest'), { name: 'TypeError', message: 'not a semver version: latest' });
  });

  const table: [ChangeLevel, string, string][] = [
    ['major', '1.4.2', 'major'],
    ['minor', '1.4.2', 'minor'],
    ['patch', '1.4.2', 'none'],
    // 0.y.z: the minor number marks a breaking change, the patch number everything else.
    ['major', '0.3.1', 'minor'],
    ['minor', '0.3.1', 'patch'],
    ['patch', '0.3.1', 'none'],
    ['major', '0.1.0', 'minor'],
    ['minor', '0.1.0', 'patch'],
    // 0.0.z: any release may break.
    ['major', '0.0.4', 'patch'],
    ['minor', '0.0.4', 'patch'],
  ];
  for (const [change, base, required] of table) {
    it(`a ${change} change from ${base} needs ${required === 'none' ? 'no particular bump' : `a ${required} bump`}`, () => {
      assert.equal(requiredBump(change, base), required);
    });
  }

  it('judges whether a version states its change, and names the least one that would', () => {
    assert.deepEqual(judgeSemver('1.4.2', '1.4.3', 'major'), { change: 'major', required: 'major', bump: 'patch', satisfied: false, minimumVersion: '2.0.0' });
    assert.equal(judgeSemver('1.4.2', '2.0.0', 'major').satisfied, true);
    assert.equal(judgeSemver('1.4.2', '3.0.0-rc.1', 'major').satisfied, true);
    assert.deepEqual(judgeSemver('1.4.2', '1.4.3', 'minor'), { change: 'minor', required: 'minor', bump: 'patch', satisfied: false, minimumVersion: '1.5.0' });
    assert.equal(judgeSemver('1.4.2', '1.5.0', 'minor').satisfied, true);
    assert.equal(judgeSemver('1.4.2', '1.4.3', 'patch').satisfied, true);
    assert.deepEqual(judgeSemver('0.3.1', '0.3.2', 'major'), { change: 'major', required: 'minor', bump: 'patch', satisfied: false, minimumVersion: '0.4.0' });
    assert.equal(judgeSemver('0.3.1', '0.4.0', 'major').satisfied, true);
    assert.equal(judgeSemver('0.3.1', '0.3.2', 'minor').satisfied, true);
    assert.equal(judgeSemver('0.0.4', '0.0.5', 'major').satisfied, true);
    assert.equal(judgeSemver('2.0.0', '1.9.0', 'patch').satisfied, false);
    assert.equal(minimumVersion('1.4.2', 'patch'), '1.4.3');
    assert.equal(minimumVersion('1.4.2', 'none'), null);
  });
});
