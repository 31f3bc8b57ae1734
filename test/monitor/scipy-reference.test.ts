import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chi2Sf,
  chisquare,
  jensenShannon,
  ks2samp,
  kstwoSf,
  normalTwoSidedP,
  populationStd,
  sortedWithoutNaN,
  wasserstein,
} from '../../src/monitor/index.ts';
import { close, num, sample, scipyReference } from '../helpers/scipy-reference.ts';

const fixture = scipyReference;

describe('scipy reference values', () => {
  it('ks_2samp statistic and p-value', () => {
    for (const c of fixture.ks2samp) {
      const r = ks2samp(sample(c.a), sample(c.b));
      close(r.statistic, c.statistic, `${c.name} statistic`);
      close(r.pValue, c.pvalue, `${c.name} p-value`);
    }
  });

  it('ks_2samp with NaN matches scipy on the NaN-free samples', () => {
    for (const c of fixture.ks2sampNaN) {
      const r = ks2samp(c.a.map(num), c.b.map(num));
      close(r.statistic, c.statistic, `${c.name} statistic`);
      close(r.pValue, c.pvalue, `${c.name} p-value`);
    }
  });

  it('kstwo.sf over every branch of the Simard–L\'Ecuyer algorithm', () => {
    for (const [n, x, expected] of fixture.kstwoSf) close(kstwoSf(n, x), expected, `kstwo.sf(${x}, ${n})`);
  });

  it('chisquare', () => {
    for (const c of fixture.chisquare) {
      const r = chisquare(c.observed, c.expected ?? undefined);
      close(r.statistic, num(c.statistic), `${c.name} statistic`);
      close(r.pValue, num(c.pvalue), `${c.name} p-value`);
    }
  });

  it('chi2.sf, the regularized upper incomplete gamma', () => {
    for (const [x, df, expected] of fixture.chi2Sf) close(chi2Sf(x, df), expected, `chi2.sf(${x}, ${df})`);
  });

  it('two-sided normal p-value', () => {
    for (const [z, expected] of fixture.normalTwoSided) close(normalTwoSidedP(z), expected, `2·norm.sf(|${z}|)`);
  });

  it('jensenshannon', () => {
    for (const c of fixture.jensenshannon) close(jensenShannon(c.p, c.q, c.base ?? undefined), c.value, c.name);
  });

  it('wasserstein_distance and the reference standard deviation', () => {
    for (const c of fixture.wasserstein) {
      const u = sample(c.u);
      close(wasserstein(u, sample(c.v)), c.value, c.name);
      close(populationStd(sortedWithoutNaN(u)), c.refStd, `${c.name} std`);
    }
  });
});
