import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ModelVaultError } from '../../src/core/errors.ts';
import { evaluateRules, loadAlertRules, parseCondition, evaluateCondition } from '../../src/monitor/index.ts';

const SEED_RULES = `
alerts:
  - name: ModelAccuracyDrop
    condition: accuracy < baseline * 0.9
    severity: warning

  - name: ModelDriftDetected
    condition: drift_score > 0.2
    severity: critical

  - name: ModelLatencyHigh
    condition: latency_p95 > 1000ms
    severity: warning
`;

function syntaxError(condition: string): { column: number; expected: string } {
  try {
    parseCondition(condition);
  } catch (e) {
    assert.ok(e instanceof ModelVaultError, `ModelVaultError for ${condition}`);
    assert.equal(e.code, 'invalid_input');
    return { column: e.details.column as number, expected: e.details.expected as string };
  }
  assert.fail(`"${condition}" should not parse`);
}

describe('alert rules', () => {
  it('loads the seed rules and fires the right ones', () => {
    const rules = loadAlertRules(SEED_RULES);
    assert.deepEqual(rules.map((r) => r.name), ['ModelAccuracyDrop', 'ModelDriftDetected', 'ModelLatencyHigh']);
    const firing = evaluateRules(rules, { accuracy: 0.8, baseline: 0.95, drift_score: 0.1, latency_p95: 1200 });
    assert.deepEqual(firing, [
      { name: 'ModelAccuracyDrop', severity: 'warning', condition: 'accuracy < baseline * 0.9' },
      { name: 'ModelLatencyHigh', severity: 'warning', condition: 'latency_p95 > 1000ms' },
    ]);
  });

  it('evaluates precedence, units, logic and parentheses', () => {
    const t = (c: string, v: Record<string, number> = {}) => evaluateCondition(parseCondition(c), v);
    assert.equal(t('1 + 2 * 3 == 7'), true);
    assert.equal(t('(1 + 2) * 3 == 9'), true);
    assert.equal(t('10 - 4 - 3 == 3 and 8 / 4 / 2 == 1'), true);
    assert.equal(t('1.5s == 1500 and 2m == 120000 and 1h == 3600000 and 250ms == 250'), true);
    assert.equal(t('-x > 0 or not (x < 0)', { x: 1 }), true);
    assert.equal(t('x >= 1 and x <= 1 and x != 2', { x: 1 }), true);
    assert.equal(t('not x > 1 and x > 0 or x == 5', { x: 0.5 }), true);
  });

  it('reports every kind of syntax error with its column', () => {
    assert.deepEqual(syntaxError('accuracy <'), { column: 11, expected: 'a number, a name or "("' });
    assert.equal(syntaxError('drift_score > 0.2 0.3').column, 19);
    assert.equal(syntaxError('latency_p95 > 1000ks').column, 19);
    assert.equal(syntaxError('(a > 1').column, 7);
    assert.equal(syntaxError('a > 1)').column, 6);
    assert.equal(syntaxError('a > 1 ? 2 : 3').column, 7);
    assert.equal(syntaxError('a < b < c').column, 7);
    assert.equal(syntaxError('a + 1').column, 1);
    assert.equal(syntaxError('(a > 1) + 2').column, 1);
    assert.equal(syntaxError('a > 1 and 2').column, 11);
    assert.equal(syntaxError('and > 1').column, 1);
    assert.equal(syntaxError('').column, 1);
  });

  it('never executes code', () => {
    assert.equal(syntaxError('process.exit() > 0').column, 8);
    assert.equal(syntaxError('process.exit(1)').column, 8);
    assert.equal(syntaxError('constructor > 0').column, 1);
    assert.equal(syntaxError('__proto__ > 0').column, 1);
    assert.equal(syntaxError('x > 0; require("fs")').column, 6);
    assert.equal(syntaxError('toString < 1').column, 1);
    assert.equal(syntaxError('`x` > 1').column, 1);
  });

  it('validates the file: unknown fields, duplicates, severities, conditions', () => {
    const bad = (text: string, pattern: RegExp) => assert.throws(() => loadAlertRules(text), (e: unknown) => e instanceof ModelVaultError && e.code === 'invalid_input' && pattern.test(e.message));
    bad('alerts:\n  - name: A\n    condition: x > 1\n    severity: warning\n    webhook: http://x\n', /unknown field "webhook"/);
    bad('alerts:\n  - {name: A, condition: x > 1, severity: warning}\n  - {name: A, condition: x > 2, severity: info}\n', /duplicate rule name "A"/);
    bad('alerts:\n  - {name: A, condition: x > 1, severity: urgent}\n', /severity must be info, warning or critical/);
    bad('alerts:\n  - {name: A, condition: "x >", severity: info}\n', /rule "A": .*column 4/);
    bad('alerts:\n  - {name: A, severity: info}\n', /condition must be a non-empty string/);
    bad('rules: []\n', /unknown top-level field "rules"/);
    bad('alerts: [\n', /not valid YAML/);
    bad('a: &x [1]\nalerts: *x\n', /^alerts\.yaml: cannot be read \(.*\balias/i);
  });

  it('a missing metric is an error at evaluation, not a silent false', () => {
    const rules = loadAlertRules(SEED_RULES);
    assert.throws(() => evaluateRules(rules, { accuracy: 0.9, baseline: 1 }), (e: unknown) => e instanceof ModelVaultError && /rule "ModelDriftDetected": metric "drift_score"/.test(e.message));
    assert.throws(() => evaluateRules(rules, Object.assign(Object.create({ drift_score: 1 }) as Record<string, number>, { accuracy: 1, baseline: 1, latency_p95: 1 })), ModelVaultError);
  });

  it('the parser throws nothing but ModelVaultError (property)', () => {
    const pieces = fc.constantFrom('a', 'b1', '1', '2.5', '1000ms', '3h', '(', ')', '+', '-', '*', '/', '<', '<=', '>', '>=', '==', '!=', 'and', 'or', 'not', ' ', '.', '?', 'e', '__proto__', 'constructor');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.array(pieces, { maxLength: 25 }).map((p) => p.join(' '))), (source) => {
        try {
          const expr = parseCondition(source);
          try {
            evaluateCondition(expr, { a: 1, b1: 2 });
          } catch (e) {
            assert.ok(e instanceof ModelVaultError && e.code === 'invalid_input');
          }
        } catch (e) {
          assert.ok(e instanceof ModelVaultError && e.code === 'invalid_input', String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
