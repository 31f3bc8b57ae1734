import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { defaultGatesConfig, loadGatesConfig, parseDuration, parseGatesConfig, readGatesConfig } from '../../src/evaluation/index.ts';
import { tempDir } from '../helpers/model-dir.ts';

// Seed 004's quality gates and performance thresholds, as written there.
const SEED = `quality_gates:
  schema_validation:
    required: true
    timeout: "5m"

  security_scan:
    required: true
    max_vulnerabilities: 0
    timeout: "10m"

  performance_validation:
    required: true
    accuracy_threshold: 0.95  # 95% of baseline
    latency_threshold: 1.1    # 110% of baseline
    memory_threshold: 1.2     # 120% of baseline

  integration_tests:
    required: true
    success_rate: 1.0
    timeout: "15m"

performance_thresholds:
  accuracy:
    critical: 0.85    # Below 85% accuracy
    warning: 0.90     # Below 90% accuracy

  latency:
    critical: 1000ms  # Above 1 second
    warning: 500ms    # Above 500ms

  drift_score:
    critical: 0.3     # High drift detected
    warning: 0.1      # Medium drift detected
`;

function refused(line: number, field: string, message: RegExp, hint?: RegExp) {
  return (e: ModelVaultError): boolean => {
    assert.equal(e.code, 'invalid_input');
    assert.equal(e.details.line, line, e.message);
    assert.equal(e.details.field, field, e.message);
    assert.ok(e.message.startsWith(`gates.yaml:${line}:`), e.message);
    assert.match(e.message, message);
    if (hint) assert.match(String(e.details.hint), hint);
    return true;
  };
}

describe('gates.yaml in seed 004\'s format', () => {
  it('reads the seed\'s own block', () => {
    const c = parseGatesConfig(SEED, 'gates.yaml');
    assert.deepEqual(Object.keys(c.gates), ['schema_validation', 'security_scan', 'performance_validation', 'integration_tests'], 'only the gates listed run');
    assert.deepEqual(c.gates.schema_validation, { required: true, timeoutMs: 300_000 });
    assert.deepEqual(c.gates.security_scan, { required: true, timeoutMs: 600_000, maxVulnerabilities: 0 });
    assert.equal(c.gates.performance_validation?.accuracyThreshold, 0.95);
    assert.equal(c.gates.performance_validation?.latencyThreshold, 1.1);
    assert.equal(c.gates.performance_validation?.memoryThreshold, 1.2);
    assert.equal(c.gates.integration_tests?.successRate, 1);
    assert.deepEqual(c.thresholds.latency, { critical: 1000, warning: 500 });
    assert.deepEqual(c.thresholds.accuracy, { critical: 0.85, warning: 0.9 });
    assert.deepEqual(c.enforce, ['staging', 'production']);
    assert.equal(c.source, 'gates.yaml');
  });

  it('the digest follows the settings, not their layout or comments', () => {
    const a = parseGatesConfig(SEED, 'gates.yaml');
    const b = parseGatesConfig(SEED.replace(/ *#.*$/gm, '').replace('required: true\n    max_vulnerabilities: 0', 'max_vulnerabilities: 0\n    required: true'), 'other.yaml');
    assert.equal(a.digest, b.digest);
    assert.notEqual(parseGatesConfig(SEED.replace('accuracy_threshold: 0.95', 'accuracy_threshold: 0.9'), 'gates.yaml').digest, a.digest);
    assert.equal(parseGatesConfig(`${SEED}enforce: [production]\n`, 'gates.yaml').digest, a.digest, 'which stages are enforced does not change what a run measured');
  });

  it('a missing file means the documented defaults, and nothing is enforced', () => {
    const home = tempDir('mv-gates-');
    try {
      assert.equal(readGatesConfig(home), undefined);
      const d = loadGatesConfig(home);
      assert.equal(d.source, 'defaults');
      assert.deepEqual(Object.keys(d.gates), ['schema_validation', 'security_scan', 'smoke_test', 'performance_validation', 'integration_tests']);
      assert.deepEqual(d, defaultGatesConfig());
      writeFileSync(join(home, 'gates.yaml'), '');
      assert.deepEqual(readGatesConfig(home)?.gates, d.gates, 'an empty file keeps the default gates');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a gate listed without settings keeps its defaults; required: false makes it advisory', () => {
    const c = parseGatesConfig('quality_gates:\n  smoke_test:\n  integration_tests:\n    required: false\n', 'gates.yaml');
    assert.deepEqual(c.gates.smoke_test, { required: true, timeoutMs: 60_000 });
    assert.deepEqual(c.gates.integration_tests, { required: false, timeoutMs: 900_000, successRate: 1 });
  });

  it('durations', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1.5m'), 90_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('5 minutes'), undefined);
  });
});

describe('a mistake in gates.yaml names the line, the setting and the fix', () => {
  it('a threshold of the wrong type', () => {
    const text = SEED.replace('accuracy_threshold: 0.95', 'accuracy_threshold: high');
    assert.throws(() => parseGatesConfig(text, 'gates.yaml'), refused(13, 'quality_gates.performance_validation.accuracy_threshold', /must be a number in \(0, 1\], not "high"/, /accuracy_threshold: 0\.95/));
  });

  it('a misspelt setting, with a suggestion', () => {
    const text = SEED.replace('max_vulnerabilities: 0', 'max_vulnerabilites: 0');
    assert.throws(() => parseGatesConfig(text, 'gates.yaml'), refused(8, 'quality_gates.security_scan.max_vulnerabilites', /is not a setting/, /did you mean max_vulnerabilities\?/));
  });

  it('an unknown gate', () => {
    assert.throws(() => parseGatesConfig('quality_gates:\n  smoke_tests:\n    required: true\n', 'gates.yaml'), refused(2, 'quality_gates.smoke_tests', /is not a setting/, /did you mean smoke_test\?/));
  });

  it('a timeout without a unit', () => {
    assert.throws(() => parseGatesConfig('quality_gates:\n  schema_validation:\n    timeout: 5\n', 'gates.yaml'), refused(3, 'quality_gates.schema_validation.timeout', /must be a duration such as "5m"/));
  });

  it('a latency factor below 1', () => {
    assert.throws(() => parseGatesConfig('quality_gates:\n  performance_validation:\n    latency_threshold: 0.9\n', 'gates.yaml'), refused(3, 'quality_gates.performance_validation.latency_threshold', /a factor of at least 1/));
  });

  it('a warning level beyond the critical one', () => {
    const text = SEED.replace('warning: 500ms', 'warning: 2s');
    assert.throws(() => parseGatesConfig(text, 'gates.yaml'), refused(29, 'performance_thresholds.latency.warning', /must be at most critical \(1000\)/));
  });

  it('a metric thresholds cannot name', () => {
    assert.throws(() => parseGatesConfig('performance_thresholds:\n  acuracy:\n    critical: 0.8\n', 'gates.yaml'), refused(2, 'performance_thresholds.acuracy', /is not a setting/, /did you mean accuracy\?/));
  });

  it('required that is not a boolean', () => {
    assert.throws(() => parseGatesConfig('quality_gates:\n  smoke_test:\n    required: yes please\n', 'gates.yaml'), refused(3, 'quality_gates.smoke_test.required', /must be true or false/));
  });

  it('an enforced stage that is not one', () => {
    assert.throws(() => parseGatesConfig('enforce: [staging, prod]\n', 'gates.yaml'), refused(1, 'enforce', /must list the stages/));
  });

  it('broken YAML, with line and column', () => {
    assert.throws(() => parseGatesConfig('quality_gates:\n  smoke_test: [\n', 'gates.yaml'), (e: ModelVaultError) => e.code === 'invalid_input' && /^gates\.yaml:\d+:\d+: /.test(e.message) && typeof e.details.line === 'number');
  });

  it('a file that is not a mapping', () => {
    assert.throws(() => parseGatesConfig('- smoke_test\n', 'gates.yaml'), (e: ModelVaultError) => e.code === 'invalid_input' && e.details.line === 1 && /^gates\.yaml:1:1: must be a mapping with quality_gates and performance_thresholds/.test(e.message));
  });
});
