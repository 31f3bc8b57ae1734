import type { QualityMetrics } from './model-output.ts';

/** A claimed metric that differs from the measured one by more than the tolerance. */
export interface ClaimDifference {
  /** Where the claim is: `metadata.metrics` or the metrics.json path. */
  source: string;
  /** The claimed key as written (`f1_score`, `auc`). */
  claimedAs: string;
  /** The measured metric it was compared with. */
  metric: string;
  claimed: number;
  measured: number;
  difference: number;
}

/** What comparing the claims found: how many claims were checked, and those that differ. */
export interface ClaimCheck {
  tolerance: number;
  checked: number;
  differences: ClaimDifference[];
}

/** The default largest absolute difference between a claimed and a measured metric. */
export const DEFAULT_CLAIM_TOLERANCE = 0.01;

// Names metrics are claimed under, squeezed to lower-case letters and digits.
const ALIASES: Record<string, string> = {
  accuracy: 'accuracy',
  acc: 'accuracy',
  precision: 'precision',
  recall: 'recall',
  f1: 'f1',
  f1score: 'f1',
  rocauc: 'roc_auc',
  auc: 'roc_auc',
  auroc: 'roc_auc',
  rmse: 'rmse',
  mae: 'mae',
  r2: 'r2',
  r2score: 'r2',
};

/** Compares the metrics a version claims with what was measured; keys that name no measured metric are ignored. */
export function checkClaims(claims: readonly { source: string; metrics: Record<string, number> }[], measured: QualityMetrics, tolerance: number): ClaimCheck {
  const m = measured as unknown as Record<string, number | null>;
  const out: ClaimCheck = { tolerance, checked: 0, differences: [] };
  for (const { source, metrics } of claims) {
    for (const [key, claimed] of Object.entries(metrics)) {
      const metric = ALIASES[key.toLowerCase().replace(/[^a-z0-9]/g, '')];
      const value = metric ? m[metric] : undefined;
      if (!metric || value === undefined || value === null) continue;
      out.checked++;
      const difference = value - claimed;
      if (Math.abs(difference) > tolerance) out.differences.push({ source, claimedAs: key, metric, claimed, measured: value, difference });
    }
  }
  return out;
}
