import { MODEL_PATTERN } from './schemas.ts';

/** True when `pattern` is a valid glob over model names. */
export function isModelPattern(pattern: string): boolean {
  return MODEL_PATTERN.test(pattern);
}

/** True when model `name` matches the glob (`*` any run of characters, `?` one); a null pattern matches every model. */
export function modelMatches(pattern: string | null, name: string): boolean {
  if (pattern === null) return true;
  const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}
