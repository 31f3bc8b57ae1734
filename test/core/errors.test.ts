import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, isErrorCode, ModelVaultError, toModelVaultError } from '../../src/core/errors.ts';

const errno = (code: string, path?: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed`), { code, ...(path ? { path } : {}) });

describe('ModelVaultError', () => {
  it('carries code, message, details and cause, and maps its code to an HTTP status and an exit code', () => {
    const cause = new Error('root');
    const e = new ModelVaultError('gate_failed', 'm@1.0.0: accuracy 0.8 < 0.9', { hint: 'retrain' }, { cause });
    assert.equal(e.name, 'ModelVaultError');
    assert.equal(e.code, 'gate_failed');
    assert.equal(e.message, 'm@1.0.0: accuracy 0.8 < 0.9');
    assert.deepEqual(e.details, { hint: 'retrain' });
    assert.equal(e.cause, cause);
    assert.equal(e.status, 409);
    assert.equal(e.exitCode, 1);
    assert.ok(e instanceof Error);
    assert.deepEqual(new ModelVaultError('internal', 'x').details, {});
  });

  it('keeps the documented status and exit code of the codes scripts depend on', () => {
    const expected: Record<string, [number, number]> = {
      usage: [400, 2], invalid_input: [400, 2], invalid_name: [400, 2], invalid_version: [400, 2], invalid_reference: [400, 2], invalid_digest: [400, 2], invalid_path: [400, 2],
      invalid_metadata: [422, 2], invalid_transition: [409, 2], invalid_range: [416, 2], not_found: [404, 2], version_exists: [409, 1], conflict: [409, 1],
      digest_mismatch: [422, 1], size_mismatch: [422, 1], blob_missing: [409, 1], blob_corrupt: [500, 1], validation_failed: [422, 1], verification_failed: [422, 1],
      policy_violation: [403, 1], gate_failed: [409, 1], unauthenticated: [401, 2], forbidden: [403, 2], payload_too_large: [413, 2], too_many_requests: [429, 1], storage_unavailable: [503, 1],
      storage_full: [507, 1], server_unreachable: [502, 1], internal: [500, 1],
    };
    assert.deepEqual(Object.keys(ERROR_CODES).sort(), Object.keys(expected).sort());
    for (const [code, [status, exit]] of Object.entries(expected)) {
      const e = new ModelVaultError(code as keyof typeof ERROR_CODES, code);
      assert.deepEqual([e.status, e.exitCode], [status, exit], code);
      assert.ok([1, 2].includes(ERROR_CODES[code as keyof typeof ERROR_CODES].exit));
    }
  });

  it('recognises only its own codes, not inherited object keys', () => {
    assert.equal(isErrorCode('not_found'), true);
    for (const c of ['toString', '__proto__', 'constructor', 'NOT_FOUND', '', 404, undefined]) assert.equal(isErrorCode(c), false, String(c));
  });
});

describe('toModelVaultError', () => {
  it('returns a ModelVaultError unchanged', () => {
    const e = new ModelVaultError('conflict', 'busy');
    assert.equal(toModelVaultError(e), e);
  });

  it('maps disk-full, permission, missing-file and connection errors to stable codes with the path and cause', () => {
    const cases: Array<[string, string]> = [['ENOSPC', 'storage_full'], ['EDQUOT', 'storage_full'], ['EACCES', 'storage_unavailable'], ['EPERM', 'storage_unavailable'], ['EROFS', 'storage_unavailable'], ['ENOENT', 'not_found'], ['ECONNREFUSED', 'server_unreachable'], ['ENOTFOUND', 'server_unreachable'], ['ECONNRESET', 'server_unreachable']];
    for (const [sys, code] of cases) {
      const cause = errno(sys, '/data/blobs/x');
      const e = toModelVaultError(cause);
      assert.equal(e.code, code, sys);
      assert.equal(e.cause, cause);
      if (code !== 'server_unreachable') {
        assert.match(e.message, /\(\/data\/blobs\/x\)$/, sys);
        assert.equal(e.details.path, '/data/blobs/x');
      }
    }
    assert.equal(toModelVaultError(errno('ENOSPC')).message, 'no space left on the device');
  });

  it('turns anything else into internal, keeping the cause and its message', () => {
    const err = new RangeError('out of range');
    const e = toModelVaultError(err);
    assert.deepEqual([e.code, e.message, e.cause], ['internal', 'out of range', err]);
    assert.deepEqual([toModelVaultError(errno('EBUSY')).code, toModelVaultError('plain text').message, toModelVaultError(undefined).message], ['internal', 'plain text', 'undefined']);
  });
});
