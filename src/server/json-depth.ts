import { ModelVaultError } from '../core/errors.ts';

/** The deepest nesting of arrays and objects a JSON body may have: far beyond any metadata, far below a stack overflow. */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses a JSON text nested deeper than `MAX_JSON_DEPTH` before it is parsed: the registry walks metadata
 * recursively (canonical JSON, digests), and a body of `[[[[…` a hundred thousand deep would exhaust the stack.
 * One pass over the characters, skipping strings.
 */
export function checkJsonDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new ModelVaultError('invalid_input', `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`, { field: 'body', hint: 'flatten the nested values' });
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
