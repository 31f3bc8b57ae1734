import type { Columns } from './read-table.ts';

// A dedicated reader for the common case of evaluation data: a header line, then numbers only. It gives the
// columns DuckDB's read_csv_auto gives for such a file (numbers → Float64Array with NaN for an empty cell,
// a column without any value → nulls) at several times its speed, and declines (returns undefined) anything
// else, which DuckDB then reads as before: text, booleans, dates, numbers DuckDB types as text ("+1",
// "007", hexadecimal), blank lines, ragged rows, a header that could be data.

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Scans one number at a time; a number is `-?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+)?` or `-?\.[0-9]+(…)`. */
class NumberScanner {
  /** The value of the last number scanned. */
  value = 0;
  /** Whether it had a fraction or an exponent (DuckDB then types its column DOUBLE, else BIGINT). */
  fractional = false;

  /** Scans the number at `i` (before `end`) and returns the position after it, or -1 when no number starts there. */
  scan(b: Uint8Array, i: number, end: number): number {
    const start = i;
    const negative = b[i] === MINUS;
    if (negative) i++;
    const intStart = i;
    let mantissa = 0;
    let significant = 0;
    let intDigits = 0;
    let scale = 0;
    let dot = false;
    // Digits with at most one point among them; leading zeros do not count as significant.
    for (; i < end; i++) {
      const c = b[i]!;
      if (c >= ZERO && c <= NINE) {
        if (mantissa !== 0 || c !== ZERO) {
          significant++;
          mantissa = mantissa * 10 + (c - ZERO);
        }
        if (dot) scale++;
        else intDigits++;
      } else if (c === DOT && !dot) dot = true;
      else break;
    }
    // DuckDB reads "007" and "00.5" as text.
    if (intDigits > 1 && b[intStart] === ZERO) return -1;
    if (intDigits + scale === 0) return -1;
    this.fractional = dot;
    let exponent = 0;
    if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
      this.fractional = true;
      i++;
      let sign = 1;
      if (i < end && (b[i] === MINUS || b[i] === 0x2b)) sign = b[i++] === MINUS ? -1 : 1;
      const expStart = i;
      while (i < end && b[i]! >= ZERO && b[i]! <= NINE) {
        if (exponent < 100_000) exponent = exponent * 10 + (b[i]! - ZERO);
        i++;
      }
      if (i === expStart) return -1;
      exponent *= sign;
    }
    const power = exponent - scale;
    // Up to 15 significant digits and a power of ten up to 22 are exact doubles, so one multiplication or
    // division rounds correctly (Clinger's fast path); anything else goes through the engine's own parser.
    let v: number;
    if (significant <= 15 && power >= -22 && power <= 22) v = power >= 0 ? mantissa * POWERS[power]! : mantissa / POWERS[-power]!;
    else v = Math.abs(Number(latin1.decode(b.subarray(negative ? start + 1 : start, i))));
    this.value = negative ? -v : v;
    return i;
  }
}

/** The end of the field that starts at `i` (a delimiter, a line end or the end of the bytes), quotes not considered. */
function fieldEnd(b: Uint8Array, i: number, delimiter: number): number {
  while (i < b.length) {
    const c = b[i]!;
    if (c === delimiter || c === LF || c === CR) return i;
    i++;
  }
  return i;
}

/** Splits the header line; undefined when it is not one DuckDB would read as names. */
function header(b: Uint8Array, start: number, delimiter: number, scanner: NumberScanner): { names: string[]; next: number } | undefined {
  const names: string[] = [];
  let i = start;
  for (;;) {
    let name: string;
    if (b[i] === QUOTE) {
      const close = b.indexOf(QUOTE, i + 1);
      if (close < 0) return undefined;
      name = decode(b, i + 1, close);
      i = close + 1;
    } else {
      const end = fieldEnd(b, i, delimiter);
      if (b.subarray(i, end).includes(QUOTE)) return undefined;
      // A first line of numbers is data (a file without a header): DuckDB names its columns itself.
      if (scanner.scan(b, i, end) === end) return undefined;
      name = decode(b, i, end);
      i = end;
    }
    if (name === undefined || name.length === 0 || names.includes(name)) return undefined;
    names.push(name);
    if (b[i] === delimiter) {
      i++;
      continue;
    }
    const next = lineEnd(b, i);
    return next < 0 ? undefined : { names, next };
  }
}

function decode(b: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(b.subarray(start, end));
  } catch {
    return '';
  }
}

/** Past the line end at `i` (LF, CRLF or the end of the bytes); -1 for anything else there. */
function lineEnd(b: Uint8Array, i: number): number {
  if (i >= b.length) return i;
  if (b[i] === LF) return i + 1;
  if (b[i] === CR && b[i + 1] === LF) return i + 2;
  return -1;
}

/**
 * Reads a delimited file of numbers under a header line (UTF-8, an optional byte-order mark, LF or CRLF line
 * ends, fields optionally in double quotes, empty cells missing); undefined when the file is anything else.
 */
export function parseNumericCsv(b: Uint8Array, delimiter: number): Columns | undefined {
  const scanner = new NumberScanner();
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const head = header(b, start, delimiter, scanner);
  if (!head) return undefined;
  const { names } = head;
  const width = names.length;
  // At most one row per line end left, plus a last line without one.
  let capacity = 1;
  for (let at = b.indexOf(LF, head.next); at >= 0; at = b.indexOf(LF, at + 1)) capacity++;
  const cols = names.map(() => new Float64Array(capacity));
  const seen = new Uint8Array(width);
  const fractional = new Uint8Array(width);
  let negativeZero = false;
  let rows = 0;
  let i = head.next;
  while (i < b.length) {
    // DuckDB skips blank lines; a one-column file would read them as missing values.
    if (b[i] === LF || b[i] === CR) return undefined;
    for (let j = 0; j < width; j++) {
      let v = Number.NaN;
      if (b[i] === QUOTE) {
        const close = b.indexOf(QUOTE, i + 1);
        if (close < 0) return undefined;
        if (close > i + 1) {
          if (scanner.scan(b, i + 1, close) !== close) return undefined;
          v = scanner.value;
        }
        i = close + 1;
      } else {
        const c = b[i];
        if (c !== delimiter && c !== LF && c !== CR && i < b.length) {
          i = scanner.scan(b, i, b.length);
          if (i < 0) return undefined;
          v = scanner.value;
        }
      }
      if (v === v) {
        seen[j] = 1;
        if (scanner.fractional) fractional[j] = 1;
        else if (v === 0 && 1 / v < 0) negativeZero = true;
      }
      cols[j]![rows] = v;
      if (j < width - 1) {
        if (b[i] !== delimiter) return undefined;
        i++;
      }
    }
    i = lineEnd(b, i);
    if (i < 0) return undefined;
    rows++;
  }
  const columns: Columns = Object.create(null) as Columns;
  names.forEach((name, j) => {
    // DuckDB types a column without a single value as text, and reads "-0" in a column of integers as 0.
    if (!seen[j]) columns[name] = new Array<null>(rows).fill(null);
    else {
      const c = rows === capacity ? cols[j]! : cols[j]!.subarray(0, rows);
      if (negativeZero && !fractional[j]) for (let r = 0; r < rows; r++) if (c[r] === 0) c[r] = 0;
      columns[name] = c;
    }
  });
  return columns;
}
