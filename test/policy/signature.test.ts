import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { SignatureSpecSchema } from '../../src/core/signature-schema.ts';
import { declaredSignature, METADATA_SCHEMA_URL, signatureProblems, validateModelDir } from '../../src/policy/index.ts';
import { cleanup, goodMetadata, modelDir } from './fixtures.ts';

after(cleanup);

const GOOD = {
  inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 4], description: 'four engineered features' }, { name: 'mask', dtype: 'bool', shape: [-1], optional: true }],
  outputs: [{ name: 'probability', dtype: 'float', shape: ['batch', 1] }],
};

function invalid(fn: () => unknown): ModelVaultError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ModelVaultError, String(err));
    assert.equal(err.code, 'invalid_metadata');
    return err;
  }
  assert.fail('expected invalid_metadata');
}

describe('metadata.signature', () => {
  it('is the TypeBox schema in schemas/model-metadata.schema.json too', () => {
    const file = JSON.parse(readFileSync(METADATA_SCHEMA_URL, 'utf8')) as { properties: { signature: Record<string, unknown> }; $defs: { tensor: unknown } };
    const resolved = JSON.parse(JSON.stringify(file.properties.signature).replaceAll('{"$ref":"#/$defs/tensor"}', JSON.stringify(file.$defs.tensor))) as unknown;
    const sortKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)])) : v;
    assert.deepEqual(sortKeys(resolved), sortKeys(JSON.parse(JSON.stringify(SignatureSpecSchema))));
  });

  it('accepts a good signature and stores it in canonical form', () => {
    assert.deepEqual(signatureProblems(GOOD), []);
    assert.deepEqual(declaredSignature({ signature: GOOD }), {
      source: 'metadata',
      file: null,
      inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 4] }, { name: 'mask', dtype: 'bool', shape: [null], optional: true }],
      outputs: [{ name: 'probability', dtype: 'float32', shape: ['batch', 1] }],
    });
    assert.equal(declaredSignature({}), undefined);
  });

  const cases: { what: string; signature: unknown; field: string; message: RegExp }[] = [
    { what: 'outputs missing', signature: { inputs: [] }, field: 'signature.outputs', message: /required field is missing/ },
    { what: 'a tensor without dtype', signature: { inputs: [{ name: 'x' }], outputs: [] }, field: 'signature.inputs[0].dtype', message: /required field is missing/ },
    { what: 'a name that is not text', signature: { inputs: [{ name: 3, dtype: 'int64' }], outputs: [] }, field: 'signature.inputs[0].name', message: /must be a string, not a number/ },
    { what: 'a misspelt field', signature: { inputs: [{ name: 'x', dtype: 'int64', optinal: true }], outputs: [] }, field: 'signature.inputs[0].optinal', message: /is not a field here/ },
    { what: 'a dimension below -1', signature: { inputs: [], outputs: [{ name: 'y', dtype: 'int64', shape: [-2] }] }, field: 'signature.outputs[0].shape[0]', message: /must be at least -1, not -2/ },
    { what: 'a dimension that is a boolean', signature: { inputs: [], outputs: [{ name: 'y', dtype: 'int64', shape: [true] }] }, field: 'signature.outputs[0].shape[0]', message: /must be an integer or null or a string, not a boolean/ },
    { what: 'an unknown dtype', signature: { inputs: [{ name: 'x', dtype: 'flaot32' }], outputs: [] }, field: 'signature.inputs[0].dtype', message: /"flaot32" is not an element type/ },
    { what: 'a name used twice', signature: { inputs: [], outputs: [{ name: 'y', dtype: 'int64' }, { name: 'y', dtype: 'int64' }] }, field: 'signature.outputs[1].name', message: /already the name of outputs\[0\]/ },
    { what: 'not a mapping', signature: ['x'], field: 'signature', message: /must be a mapping, not a list/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}, naming ${c.field}`, () => {
      const err = invalid(() => declaredSignature({ signature: c.signature }));
      assert.equal(err.details.field, c.field);
      assert.match(err.message, new RegExp(`^metadata ${c.field.replace(/[[\]().]/g, '\\$&')}: `));
      assert.match(err.message, c.message);
      assert.ok(typeof err.details.hint === 'string' && err.details.hint.length > 0);
    });
  }

  it('lists every problem, and says how many more there are', () => {
    const err = invalid(() => declaredSignature({ signature: { inputs: [{ name: 'x', dtype: 'nope' }, { name: 'x', dtype: 'int64' }], outputs: [] } }));
    assert.match(err.message, /\(and 1 more problem\)$/);
    assert.deepEqual((err.details.problems as { field: string }[]).map((p) => p.field), ['signature.inputs[0].dtype', 'signature.inputs[1].name']);
  });

  it('`validate` reports schema and dtype problems at their line', async () => {
    const shapeBad = await validateModelDir(await modelDir({ metadata: goodMetadata({ signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-2] }], outputs: [] } }) }));
    const schema = shapeBad.problems.find((p) => p.field === 'signature.inputs[0].shape[0]');
    assert.equal(schema?.rule, 'schema');
    assert.match(schema!.message, /at least -1/);
    const dtypeBad = await validateModelDir(await modelDir({ metadata: goodMetadata({ signature: { inputs: [{ name: 'x', dtype: 'float32' }], outputs: [{ name: 'y', dtype: 'flaot' }] } }) }));
    assert.equal(dtypeBad.ok, false);
    const p = dtypeBad.problems.find((x) => x.rule === 'signature');
    assert.equal(p?.field, 'signature.outputs[0].dtype');
    assert.ok(p!.line !== undefined && p!.line > 1, 'the problem points at its line');
    const good = await validateModelDir(await modelDir({ metadata: goodMetadata({ signature: GOOD }) }));
    assert.deepEqual(good.problems.filter((x) => x.severity === 'error'), []);
  });
});
