import assert from 'node:assert/strict';
import { ModelVaultError } from '../../src/core/errors.ts';

/** Asserts that `p` rejects with a ModelVaultError of `code`, and returns the error for further checks. */
export async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<ModelVaultError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ModelVaultError, `expected a ModelVaultError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}
