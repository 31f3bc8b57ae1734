import { ModelVaultError } from '../../core/errors.ts';

/** Numeric sample given as a typed array or a plain array. */
export type Sample = Float64Array | readonly number[];

/** Copy of the sample without NaN, sorted ascending (typed-array sort is numeric). */
export function sortedWithoutNaN(values: Sample): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) out[k++] = v;
  }
  return out.sort();
}

/** Throws `invalid_input` when a sample is empty after NaN removal. */
export function requireNonEmpty(values: Float64Array, what: string): void {
  if (values.length === 0) {
    throw new ModelVaultError('invalid_input', `${what} has no values (empty, or only NaN)`, {
      hint: 'drift needs at least one non-missing value on each side',
    });
  }
}

/** Population standard deviation (ddof = 0, as numpy.std) by two passes. */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}
