const MINUTE = 60_000;

/** "500ms", "30s", "5m", "1h" in milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}
