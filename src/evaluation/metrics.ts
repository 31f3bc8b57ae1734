// Quality metrics, defined as scikit-learn defines them (the tests compare with sklearn.metrics).

/** Metrics of a classifier: binary (positive class 1) or macro averages over the classes present. */
export interface ClassificationMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Binary: ROC AUC of the class-1 score; multi-class: macro one-vs-rest; null when undefined (one class only, or no probabilities). */
  roc_auc: number | null;
}

/** Metrics of a regressor. */
export interface RegressionMetrics {
  rmse: number;
  mae: number;
  /** Null when the target is constant. */
  r2: number | null;
}

/** Area under the ROC curve of `score` for `positive` rows, ties counted half (Mann–Whitney U); null with one class only. */
export function rocAuc(positive: ArrayLike<boolean | number>, score: ArrayLike<number>): number | null {
  const n = score.length;
  let pos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  // Both sides sorted natively, then one sweep counts the negatives below each positive.
  const p = new Float64Array(pos);
  const q = new Float64Array(neg);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (positive[i]) p[a++] = score[i]!;
    else q[b++] = score[i]!;
  }
  const [sp, sq] = float32Only(p) && float32Only(q) ? [orderedKeys(p), orderedKeys(q)] : [p.sort(), q.sort()];
  return wins(sp, sq) / (pos * neg);
}

/** True when every value is a float32 (what most models output), NaN excluded. */
function float32Only(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Math.fround(values[i]!) !== values[i]) return false;
  return true;
}

/**
 * float32 values as sorted unsigned keys whose order and equality are those of the values (−0 equal to 0): the
 * native sort of 32-bit integers takes about half the time of doubles' (a radix sort in JavaScript is no faster
 * once compiled and several times slower before, in a process that sorts once).
 */
function orderedKeys(values: Float64Array): Uint32Array {
  const keys = new Uint32Array(new Float32Array(values).buffer);
  for (let i = 0; i < keys.length; i++) {
    const bits = keys[i] === 0x80000000 ? 0 : keys[i]!;
    keys[i] = bits & 0x80000000 ? ~bits : bits | 0x80000000;
  }
  return keys.sort();
}

/** Pairs (p, q) with p above q, ties counting half, over two ascending arrays. */
function wins(p: Float64Array | Uint32Array, q: Float64Array | Uint32Array): number {
  const pos = p.length;
  const neg = q.length;
  let wins = 0;
  let below = 0;
  let equal = 0;
  for (let i = 0; i < pos; i++) {
    const v = p[i]!;
    while (below < neg && q[below]! < v) below++;
    // The tie run of the previous positive is reused when it is tied too, so tied scores cost one pass.
    if (equal < below) equal = below;
    while (equal < neg && q[equal]! === v) equal++;
    wins += below + (equal - below) / 2;
  }
  return wins;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** Binary metrics from true labels (0/1), predicted labels and the class-1 score. */
export function binaryMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, score: ArrayLike<number> | null): ClassificationMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  const n = truth.length;
  for (let i = 0; i < n; i++) {
    const t = truth[i] === 1;
    const p = predicted[i] === 1;
    if (t === p) correct++;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  let auc: number | null = null;
  if (score) {
    const positive = new Uint8Array(n);
    for (let i = 0; i < n; i++) positive[i] = truth[i] === 1 ? 1 : 0;
    auc = rocAuc(positive, score);
  }
  return { accuracy: ratio(correct, n), precision, recall, f1: ratio(2 * precision * recall, precision + recall), roc_auc: auc };
}

/**
 * Multi-class metrics: macro precision, recall and F1 over the labels in truth or predictions; ROC AUC macro
 * one-vs-rest when `probabilities` (row-major, `classes` wide) sum to 1 and every class occurs in the truth.
 */
export function multiclassMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, probabilities: Float32Array | Float64Array | null, classes: number): ClassificationMetrics {
  const n = truth.length;
  const labels = new Set<number>();
  const tp = new Map<number, number>();
  const predCount = new Map<number, number>();
  const trueCount = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    labels.add(t).add(p);
    trueCount.set(t, (trueCount.get(t) ?? 0) + 1);
    predCount.set(p, (predCount.get(p) ?? 0) + 1);
    if (t === p) {
      correct++;
      tp.set(t, (tp.get(t) ?? 0) + 1);
    }
  }
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  for (const c of labels) {
    const p = ratio(tp.get(c) ?? 0, predCount.get(c) ?? 0);
    const r = ratio(tp.get(c) ?? 0, trueCount.get(c) ?? 0);
    precision += p;
    recall += r;
    f1 += ratio(2 * p * r, p + r);
  }
  const k = labels.size || 1;
  let auc: number | null = null;
  if (probabilities && classes >= 2 && trueCount.size === classes && [...trueCount.keys()].every((c) => c >= 0 && c < classes) && sumsToOne(probabilities, classes)) {
    let sum = 0;
    const positive = new Uint8Array(n);
    const score = new Float64Array(n);
    for (let c = 0; c < classes; c++) {
      for (let i = 0; i < n; i++) {
        positive[i] = truth[i] === c ? 1 : 0;
        score[i] = probabilities[i * classes + c]!;
      }
      sum += rocAuc(positive, score) ?? Number.NaN;
    }
    auc = Number.isNaN(sum) ? null : sum / classes;
  }
  return { accuracy: ratio(correct, n), precision: precision / k, recall: recall / k, f1: f1 / k, roc_auc: auc };
}

/** True when every row of a row-major matrix sums to 1 (scores that are probabilities), as sklearn requires for AUC. */
function sumsToOne(m: Float32Array | Float64Array, width: number): boolean {
  for (let i = 0; i < m.length; i += width) {
    let s = 0;
    for (let j = 0; j < width; j++) s += m[i + j]!;
    if (Math.abs(s - 1) > 1e-4) return false;
  }
  return true;
}

/** RMSE, MAE and R² of predictions against the truth. */
export function regressionMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>): RegressionMetrics {
  const n = truth.length;
  let se = 0;
  let ae = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i]!;
  mean /= n || 1;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = truth[i]! - predicted[i]!;
    se += d * d;
    ae += Math.abs(d);
    ss += (truth[i]! - mean) ** 2;
  }
  return { rmse: Math.sqrt(se / (n || 1)), mae: ae / (n || 1), r2: ss === 0 ? null : 1 - se / ss };
}

/** Percentiles with linear interpolation between the closest ranks (numpy's default). */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  if (values.length === 0) return ps.map(() => Number.NaN);
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => {
    const h = (sorted.length - 1) * (p / 100);
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
  });
}
