const CHAR_CODES: Record<string, number> = {
  '?': 1, b: 1, B: 1, h: 2, H: 2, e: 2, i: 4, I: 4, f: 4, l: 8, L: 8, q: 8, Q: 8, d: 8, F: 8, g: 16, D: 16, G: 32, M: 8, m: 8,
};

/** Bytes per element of a numpy dtype string such as `<f4`, `|O`, `U5`; 'object' for Python objects. */
export function dtypeItemSize(descr: string, elsize?: number): number | 'object' | undefined {
  const m = /^[<>|=]?([a-zA-Z?])(\d*)(\[[a-zA-Z0-9]+\])?$/.exec(descr);
  if (!m) return undefined;
  const kind = m[1] as string;
  if (kind === 'O') return 'object';
  if (elsize !== undefined && elsize > 0) return elsize;
  if (!m[2]) return CHAR_CODES[kind];
  const digits = Number(m[2]);
  if (kind === 'U') return digits * 4;
  return 'biufcMmSaV'.includes(kind) ? digits : undefined;
}
