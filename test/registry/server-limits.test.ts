import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { DEFAULT_SERVER_LIMITS } from '../../src/registry/index.ts';
import { parseServerLimits } from '../../src/registry/server-limits.ts';

describe('server limits in config.yaml', () => {
  it('default to 30 s idle, 1 KiB/s after 60 s, 16 uploads per user, 30 s to finish on shutdown', () => {
    assert.deepEqual(parseServerLimits(undefined, 'config.yaml'), DEFAULT_SERVER_LIMITS);
    assert.deepEqual(DEFAULT_SERVER_LIMITS, { bodyIdleMs: 30_000, minBodyRate: 1024, bodyGraceMs: 60_000, maxUploadsPerUser: 16, shutdownGraceMs: 30_000, rateLimit: 0 });
    assert.deepEqual(parseServerLimits({ body_idle_timeout: '2m', body_grace: '90s', min_body_rate: 0, max_uploads_per_user: 1, shutdown_grace: '5s', rate_limit: 100 }, 'c.yaml'), { bodyIdleMs: 120_000, bodyGraceMs: 90_000, minBodyRate: 0, maxUploadsPerUser: 1, shutdownGraceMs: 5_000, rateLimit: 100 });
  });

  it('name the setting and what it accepts when a value is wrong', () => {
    const cases: [unknown, string][] = [
      [[1], 'c.yaml: server must be a mapping of body_idle_timeout, min_body_rate, body_grace, max_uploads_per_user, shutdown_grace, rate_limit'],
      [{ idle: '1s' }, 'c.yaml: server.idle is not a setting (use body_idle_timeout, min_body_rate, body_grace, max_uploads_per_user, shutdown_grace, rate_limit)'],
      [{ body_idle_timeout: 30 }, 'c.yaml: server.body_idle_timeout must be a duration such as "30s" or "2m", not 30'],
      [{ body_grace: '0s' }, 'c.yaml: server.body_grace must be a duration such as "30s" or "2m", not "0s"'],
      [{ min_body_rate: -1 }, 'c.yaml: server.min_body_rate must be a whole number of at least 0, not -1'],
      [{ max_uploads_per_user: 0 }, 'c.yaml: server.max_uploads_per_user must be a whole number of at least 1, not 0'],
      [{ max_uploads_per_user: 1.5 }, 'c.yaml: server.max_uploads_per_user must be a whole number of at least 1, not 1.5'],
    ];
    for (const [raw, message] of cases) {
      assert.throws(() => parseServerLimits(raw, 'c.yaml'), (e: unknown) => e instanceof ModelVaultError && e.code === 'invalid_input' && e.message === message, message);
    }
    // Each refusal names the file and the setting.
    const fields: [unknown, string][] = [[[1], 'server'], ['fast', 'server'], [{ idle: '1s' }, 'server.idle'], [{ body_grace: 'soon' }, 'server.body_grace'], [{ rate_limit: 'many' }, 'server.rate_limit']];
    for (const [raw, field] of fields) {
      assert.throws(() => parseServerLimits(raw, 'c.yaml'), (e: unknown) => e instanceof ModelVaultError && e.details.path === 'c.yaml' && e.details.field === field, field);
    }
  });

  it('takes an empty block for the defaults, and refuses a scalar or a list where a duration goes', () => {
    assert.deepEqual(parseServerLimits(null, 'c.yaml'), DEFAULT_SERVER_LIMITS);
    assert.deepEqual(parseServerLimits({}, 'c.yaml'), DEFAULT_SERVER_LIMITS);
    assert.throws(() => parseServerLimits('fast', 'c.yaml'), (e: unknown) => e instanceof ModelVaultError && e.message === 'c.yaml: server must be a mapping of body_idle_timeout, min_body_rate, body_grace, max_uploads_per_user, shutdown_grace, rate_limit');
    assert.throws(() => parseServerLimits({ body_idle_timeout: ['30s'] }, 'c.yaml'), (e: unknown) => e instanceof ModelVaultError && e.message === 'c.yaml: server.body_idle_timeout must be a duration such as "30s" or "2m", not ["30s"]');
  });
});
