import { ModelVaultError } from './errors.ts';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(\d{1,6})([smhdw])$/;
// A date, or a date and time with seconds optional and a zone required (a time without one means nothing here).
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;

/** True when the text's date part names a day of the calendar (Date.parse reads 2026-02-30 as March 2nd). */
export function realDate(t: string): boolean {
  const [y, m, d] = t.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/**
 * A point in time as the registry stores it (ISO 8601 in UTC with milliseconds), from an ISO date or time with a
 * zone (`2026-12-01`, `2026-12-01T10:00Z`, `2026-12-01T10:00:00+02:00`), `now`, or a span before `now` (`30m`, `2h`, `7d`).
 */
export function parseInstant(text: string, now: Date = new Date(), field = 'at'): string {
  const t = typeof text === 'string' ? text.trim() : '';
  if (t === 'now') return now.toISOString();
  const rel = RELATIVE.exec(t);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNITS[rel[2]!]!).toISOString();
  const ms = ISO.test(t) && realDate(t) ? Date.parse(t.toUpperCase()) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new ModelVaultError('invalid_input', `${field} ${JSON.stringify(text)} is not a time`, {
      field,
      hint: 'use an ISO 8601 date or time with a zone (2026-12-01, 2026-12-01T10:00Z), now, or a span before now such as 30m, 2h or 7d',
    });
  }
  return new Date(ms).toISOString();
}
