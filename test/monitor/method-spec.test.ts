import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ModelVaultError } from '../../src/core/errors.ts';
import { parseMonitoringConfig } from '../../src/monitor/config.ts';
import {
  detectDrift,
  DRIFT_METHODS,
  formatMethodSpec,
  MAX_METHOD_SPEC_LENGTH,
  methodOf,
  parseMethodSpec,
  SPEC_TYPES,
  type DriftMethod,
  type MethodSpec,
} from '../../src/monitor/index.ts';

function refused(fn: () => unknown, pattern: RegExp): ModelVaultError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ModelVaultError, `expected a ModelVaultError, got ${String(caught)}`);
  assert.equal(caught.code, 'invalid_input', caught.message);
  assert.match(caught.message, pattern);
  return caught;
}

describe('drift method spec', () => {
  it('reads a bare method, per-type entries, feature entries and a default among them', () => {
    assert.deepEqual(parseMethodSpec('ks'), { default: 'ks', types: {}, features: new Map() });
    assert.deepEqual(parseMethodSpec('numeric=ks,categorical=chi2'), { default: 'auto', types: { numeric: 'ks', categorical: 'chi2' }, features: new Map() });
    assert.deepEqual(parseMethodSpec(' psi , boolean = z ,amount=wasserstein'), { default: 'psi', types: { boolean: 'z' }, features: new Map([['amount', 'wasserstein']]) });
    // Methods are names, not types: a feature called like a method is a feature entry.
    assert.deepEqual(parseMethodSpec('ks=psi').features, new Map([['ks', 'psi']]));
  });

  it('resolves a feature by name, then type (boolean falls back to categorical), then the default', () => {
    const spec = parseMethodSpec('js,numeric=ks,categorical=chi2,amount=wasserstein');
    assert.deepEqual(methodOf(spec, 'amount', 'numeric'), { method: 'wasserstein', entry: 'amount=wasserstein' });
    assert.deepEqual(methodOf(spec, 'hour', 'numeric'), { method: 'ks', entry: 'numeric=ks' });
    assert.deepEqual(methodOf(spec, 'flag', 'boolean'), { method: 'chi2', entry: 'categorical=chi2' });
    assert.deepEqual(methodOf(parseMethodSpec('categorical=chi2,boolean=z'), 'flag', 'boolean'), { method: 'z', entry: 'boolean=z' });
    assert.deepEqual(methodOf(parseMethodSpec('numeric=ks'), 'merchant', 'categorical'), { method: 'auto', entry: 'auto' });
  });

  it('refuses unknown methods, unknown types, methods a type cannot take, and malformed text, naming the entry and the choices', () => {
    const choices = DRIFT_METHODS.join(', ');
    refused(() => parseMethodSpec('magic'), new RegExp(`^method: entry "magic": "magic" is not a drift method \\(use one of ${choices}\\)$`));
    refused(() => parseMethodSpec('numeric=kss'), /entry "numeric=kss": "kss" is not a drift method \(use one of auto, ks/);
    refused(() => parseMethodSpec('numeric=KS'), /"KS" is not a drift method/);
    refused(() => parseMethodSpec('categorical=ks'), /entry "categorical=ks": ks compares numeric features only \(for categorical features use one of auto, psi, js, chi2, z\)/);
    refused(() => parseMethodSpec('boolean=wasserstein'), /entry "boolean=wasserstein": wasserstein compares numeric features only \(for boolean features use one of auto, psi, js, chi2, z\)/);
    refused(() => parseMethodSpec('text=psi'), /entry "text=psi": text features are never compared for drift \(types: numeric, categorical, boolean\)/);
    refused(() => parseMethodSpec('ks,psi'), /two bare methods, ks and psi/);
    refused(() => parseMethodSpec('numeric=ks,numeric=psi'), /gives numeric twice/);
    refused(() => parseMethodSpec('amount=ks,amount=psi'), /gives feature "amount" twice/);
    refused(() => parseMethodSpec('=ks'), /entry "=ks" names no type or feature before "="/);
    refused(() => parseMethodSpec('numeric='), /entry "numeric=": "" is not a drift method/);
    refused(() => parseMethodSpec('numeric=ks,'), /has an empty entry/);
    refused(() => parseMethodSpec(',,'), /has an empty entry/);
    refused(() => parseMethodSpec('   '), /^method: is empty$/);
    refused(() => parseMethodSpec(''), /^method: is empty$/);
    refused(() => parseMethodSpec(`numeric=${'k'.repeat(MAX_METHOD_SPEC_LENGTH)}`), /is longer than 4096 characters/);
    const e = refused(() => parseMethodSpec('numerc=ks', { field: 'monitoring.method', path: '/h/config.yaml', features: false }), /^\/h\/config\.yaml: monitoring\.method: entry "numerc=ks": "numerc" is not a feature type \(use one of numeric, categorical, boolean\)$/);
    assert.deepEqual({ field: e.details.field, path: e.details.path }, { field: 'monitoring.method', path: '/h/config.yaml' });
    // Feature names are kept as data, whatever they look like.
    assert.equal(parseMethodSpec('__proto__=psi').features.get('__proto__'), 'psi');
  });

  it('formats any spec to text that parses back to the same spec', () => {
    const method = fc.constantFrom(...DRIFT_METHODS);
    const categoricalMethod = fc.constantFrom(...DRIFT_METHODS.filter((m) => m !== 'ks' && m !== 'wasserstein'));
    const featureName = fc
      .string({ unit: fc.constantFrom('a', 'Z', '0', '_', '.', '-', ' ', 'é', ':', '/', '"'), minLength: 1, maxLength: 12 })
      .filter((n) => n.trim() === n && n !== '' && !(SPEC_TYPES as readonly string[]).includes(n) && n !== 'text');
    const types = fc.record({ numeric: method, categorical: categoricalMethod, boolean: categoricalMethod }, { requiredKeys: [], noNullPrototype: true });
    const features = fc.uniqueArray(fc.tuple(featureName, method), { selector: ([n]) => n, maxLength: 6 }).map((entries) => new Map<string, DriftMethod>(entries));
    const spec: fc.Arbitrary<MethodSpec> = fc.record({ default: method, types, features }, { noNullPrototype: true });
    fc.assert(
      fc.property(spec, (s) => {
        const text = formatMethodSpec(s);
        assert.deepEqual(parseMethodSpec(text), s, text);
      }),
      { numRuns: 500 },
    );
  });

  it('never fails other than with invalid_input on arbitrary text', () => {
    const text = fc.string({ unit: fc.constantFrom('ks', 'numeric', 'categorical', '=', ',', ' ', 'chi2', 'x', 'auto', '\u0000', '\n'), maxLength: 40 });
    fc.assert(
      fc.property(text, (t) => {
        try {
          const spec = parseMethodSpec(t);
          assert.deepEqual(parseMethodSpec(formatMethodSpec(spec)), spec);
        } catch (err) {
          assert.ok(err instanceof ModelVaultError && err.code === 'invalid_input', String(err));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('drift with a method spec', () => {
  const reference = { amount: [1, 2, 3, 4, 5, 6, 7, 8], merchant: ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b'], notes: Array.from({ length: 8 }, (_, i) => `free text comment number ${i} that goes on for a good while longer so that it reads as prose`) };
  const current = { amount: [2, 3, 4, 5, 6, 7, 8, 9], merchant: ['a', 'a', 'b', 'c', 'c', 'c', 'a', 'b'], notes: ['x', 'y', 'z', 'w', 'v', 'u', 't', 's'] };

  it('applies each entry to its features and auto to the rest', () => {
    const r = detectDrift(reference, current, { method: parseMethodSpec('categorical=psi,amount=wasserstein') });
    assert.deepEqual(r.features.map((f) => [f.name, f.method]), [['amount', 'wasserstein'], ['merchant', 'psi']]);
    assert.deepEqual(detectDrift(reference, current, { method: parseMethodSpec('categorical=psi') }).features.map((f) => f.method), ['ks', 'psi']);
  });

  it('keeps a bare method for every feature when all can take it', () => {
    assert.deepEqual(detectDrift(reference, current, { method: 'psi' }), detectDrift(reference, current, { method: parseMethodSpec('psi') }));
    assert.deepEqual(detectDrift(reference, current, { method: parseMethodSpec('js') }).features.map((f) => f.method), ['js', 'js']);
  });

  it('refuses a bare method some feature cannot take, naming the feature and suggesting entries per type', () => {
    const e = refused(() => detectDrift(reference, current, { method: parseMethodSpec('ks') }), /^feature "merchant": ks compares numeric features only and this feature is categorical$/);
    assert.equal(e.details.field, 'merchant');
    assert.match(String(e.details.hint), /numeric=ks \(auto for the other types\) or numeric=ks,categorical=chi2/);
  });

  it('refuses feature entries that name no feature, a text feature, or a method the feature cannot take', () => {
    refused(() => detectDrift(reference, current, { method: parseMethodSpec('colour=psi') }), /entry "colour=psi": "colour" is neither a feature type \(numeric, categorical, boolean\) nor a feature of the reference \(amount, merchant, notes\)/);
    refused(() => detectDrift(reference, current, { method: parseMethodSpec('numerc=ks') }), /"numerc" is neither a feature type/);
    const wide = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, [1, 2, 3]]));
    refused(() => detectDrift(wide, wide, { method: parseMethodSpec('g=psi') }), /nor a feature of the reference \(f0, f1, f2, [^…]*, f19, … \(25 in all\)\)$/);
    refused(() => detectDrift(reference, current, { method: parseMethodSpec('notes=psi') }), /entry "notes=psi": "notes" is a text feature, never compared for drift/);
    const e = refused(() => detectDrift(reference, current, { method: parseMethodSpec('merchant=wasserstein') }), /^feature "merchant": merchant=wasserstein: wasserstein compares numeric features only and this feature is categorical$/);
    assert.match(String(e.details.hint), /use one of auto, psi, js, chi2, z for it/);
  });

  it('reads per-type methods from the monitoring block of config.yaml, as text or as a mapping, and no feature names there', () => {
    const expected = { default: 'auto', types: { numeric: 'ks', categorical: 'chi2' }, features: new Map() };
    assert.deepEqual(parseMonitoringConfig({ method: 'numeric=ks, categorical=chi2' }, 'config.yaml').method, expected);
    assert.deepEqual(parseMonitoringConfig({ method: { numeric: 'ks', categorical: 'chi2' } }, 'config.yaml').method, expected);
    assert.deepEqual(parseMonitoringConfig({}, 'config.yaml').method, { default: 'auto', types: {}, features: new Map() });
    refused(() => parseMonitoringConfig({ method: 'amount=wasserstein' }, 'config.yaml'), /^config\.yaml: monitoring\.method: entry "amount=wasserstein": "amount" is not a feature type/);
    refused(() => parseMonitoringConfig({ method: { categorical: 'ks' } }, 'config.yaml'), /monitoring\.method: entry "categorical=ks": ks compares numeric features only/);
    refused(() => parseMonitoringConfig({ method: { numeric: 3 } }, 'config.yaml'), /monitoring\.method\.numeric must be one of auto, ks/);
    refused(() => parseMonitoringConfig({ method: ['ks'] }, 'config.yaml'), /monitoring\.method must be a method, a spec such as numeric=ks,categorical=chi2, or a mapping/);
  });
});
