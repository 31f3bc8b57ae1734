import assert from 'node:assert/strict';
import { ModelVaultError } from '../../src/core/errors.ts';

/** Awaits `p`, asserts it fails with a ModelVaultError of `code` (and a message matching `pattern`), and returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<ModelVaultError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ModelVaultError, `expected a ModelVaultError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${code}`);
}
