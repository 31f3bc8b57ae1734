import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** A number as the fixture writes it (JSON has no NaN or infinities). */
export type Num = number | 'NaN' | 'Infinity' | '-Infinity';
/** A sample the generator makes from its 32-bit LCG. */
export interface GenSpec { seed: number; n: number; scale: number; offset: number; terms?: number; levels?: number }
/** A sample given by its values or by its generator. */
export type SampleSpec = { values: Num[] } | { gen: GenSpec };

/** Values scipy and numpy computed for the statistics drift uses (test/fixtures/monitor/scipy-reference.json). */
export const scipyReference = JSON.parse(readFileSync(new URL('../fixtures/monitor/scipy-reference.json', import.meta.url), 'utf8')) as {
  ks2samp: { name: string; a: SampleSpec; b: SampleSpec; statistic: number; pvalue: number }[];
  ks2sampNaN: { name: string; a: Num[]; b: Num[]; statistic: number; pvalue: number }[];
  kstwoSf: [number, number, number][];
  chisquare: { name: string; observed: number[]; expected: number[] | null; statistic: Num; pvalue: Num }[];
  chi2Sf: [number, number, number][];
  normalTwoSided: [number, number][];
  jensenshannon: { name: string; p: number[]; q: number[]; base: number | null; value: number }[];
  wasserstein: { name: string; u: SampleSpec; v: SampleSpec; value: number; refStd: number }[];
};

/** The fixture's number as a JavaScript number. */
export function num(x: Num): number {
  return typeof x === 'number' ? x : Number(x);
}

/** Replays the generator's 32-bit LCG exactly (integer steps, dyadic scaling). */
function lcgSample(spec: GenSpec): Float64Array {
  const terms = spec.terms ?? 4;
  const levels = spec.levels ?? 0;
  let x = spec.seed >>> 0;
  const out = new Float64Array(spec.n);
  for (let i = 0; i < spec.n; i++) {
    let acc = 0;
    for (let t = 0; t < terms; t++) {
      x = (Math.imul(1664525, x) + 1013904223) >>> 0;
      acc += x >>> 8;
    }
    let u = acc / (terms * 16777216);
    if (levels) u = Math.floor(u * levels) / levels;
    out[i] = spec.offset + spec.scale * u;
  }
  return out;
}

/** The values of a fixture sample. */
export function sample(spec: SampleSpec): Float64Array {
  return 'values' in spec ? Float64Array.from(spec.values, num) : lcgSample(spec.gen);
}

/** Asserts `actual` equals scipy's `expected` to 1e-9 relative (1e-12 absolute), NaN to NaN. */
export function close(actual: number, expected: number, what: string): void {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
    return;
  }
  if (actual === expected) return;
  const diff = Math.abs(actual - expected);
  const ok = diff <= 1e-12 || diff <= 1e-9 * Math.abs(expected);
  assert.ok(ok, `${what}: got ${actual}, scipy ${expected} (rel ${diff / Math.abs(expected)})`);
}
