import { ModelVaultError } from './errors.ts';

/**
 * Normalises a relative path inside a model directory to forward slashes and rejects anything that
 * could leave it: absolute paths, drive letters, `..` segments, NUL and control characters.
 */
export function safeRelativePath(p: string, where = 'path'): string {
  const fail = (why: string): never => {
    throw new ModelVaultError('invalid_path', `${where} ${JSON.stringify(p)} ${why}`, { path: p, hint: 'use a relative path inside the model directory, without ".."' });
  };
  if (typeof p !== 'string' || p.length === 0) return fail('is empty');
  if (p.length > 4096) return fail('is too long');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) return fail('contains control characters');
  const unified = p.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[a-zA-Z]:/.test(unified)) return fail('is absolute');
  const parts = unified.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0) return fail('names the directory itself');
  if (parts.some((s) => s === '..')) return fail('leaves the model directory');
  // `./C:x` normalises to `C:x`, which names a drive on Windows: judge the result, not only the input.
  if (/^[a-zA-Z]:/.test(parts[0]!)) return fail('is absolute');
  return parts.join('/');
}
