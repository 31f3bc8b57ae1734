import { ModelVaultError } from '../core/errors.ts';

/** The opaque cursor handed out for the next page. */
export function encodeCursor(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** Reads a cursor given back by a client; `invalid_input` unless it is one we handed out. */
export function decodeCursor<T>(c: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (!c) return undefined;
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (check(v)) return v;
  } catch {
    /* fall through to the error below */
  }
  throw new ModelVaultError('invalid_input', `cursor ${JSON.stringify(c)} is not valid`, { field: 'cursor', hint: 'pass the nextCursor value of the previous page unchanged' });
}

/** The page size asked for, 50 by default; `invalid_input` outside 1 to 1000. */
export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ModelVaultError('invalid_input', `limit ${limit} must be an integer from 1 to 1000`, { field: 'limit' });
  }
  return limit;
}

/** A `key` or `key=value` tag filter. */
export function parseTagFilter(tag: string): { key: string; value?: string } {
  const eq = tag.indexOf('=');
  return eq < 0 ? { key: tag } : { key: tag.slice(0, eq), value: tag.slice(eq + 1) };
}
