"""The drift benchmark's baseline: the same statistics with numpy/scipy on the same data.

Reads the raw float64 columns bench/drift.ts writes and prints one JSON object: per method, the best
wall time over the repetitions in milliseconds, and the statistics (so the two sides can be compared).
Reference-side work the stored profile already holds (sorted reference, std, histogram edges and counts)
is done before timing, as it is for ModelVault.
"""
import json
import sys
import time

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import chisquare, ks_2samp, norm, wasserstein_distance

folder, rows, features, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def load(name):
    return np.fromfile(f"{folder}/{name}.f64", dtype=np.float64).reshape(features, rows)


ref, cur, ref_bin, cur_bin = load("ref"), load("cur"), load("ref_bin"), load("cur_bin")
ref_sorted = [np.sort(r) for r in ref]
ref_std = [max(float(np.std(r)), 0.001) for r in ref]
edges = [np.histogram_bin_edges(r, bins="sturges") for r in ref]
ref_counts = [np.histogram(r, e)[0].astype(np.float64) for r, e in zip(ref, edges)]


def cur_counts(i):
    e = edges[i]
    # Values outside the reference range count in the outer bins, as ModelVault counts them.
    return np.histogram(np.clip(cur[i], e[0], e[-1]), e)[0].astype(np.float64)


def fill(f):
    nz = f[f != 0]
    m = nz.min() if nz.size else np.inf
    eps = m / 1e6 if m <= 0.0001 else 0.0001
    return np.where(f == 0, eps, f)


def psi(i):
    r = fill(ref_counts[i] / ref_counts[i].sum())
    c = cur_counts(i)
    a = fill(c / c.sum())
    return float(np.sum((a - r) * np.log(a / r)))


def chi2(i):
    c = cur_counts(i)
    shares = np.where(ref_counts[i] > 0, ref_counts[i] / ref_counts[i].sum(), 0.0001)
    expected = shares / shares.sum() * c.sum()
    return float(chisquare(c, expected).pvalue)


ref_ones = [float(np.count_nonzero(r == 1)) for r in ref_bin]


def ztest(i):
    n1, n2 = rows, rows
    x1, x2 = ref_ones[i], float(np.count_nonzero(cur_bin[i] == 1))
    p = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return float(2 * norm.sf(abs(z)))


METHODS = {
    "ks": lambda i: float(ks_2samp(ref_sorted[i], cur[i]).pvalue),
    "wasserstein": lambda i: float(wasserstein_distance(ref_sorted[i], cur[i]) / ref_std[i]),
    "psi": psi,
    "js": lambda i: float(jensenshannon(ref_counts[i], cur_counts(i))),
    "chi2": chi2,
    "z": ztest,
}
METHODS["auto"] = METHODS["wasserstein"]

out = {}
for name, fn in METHODS.items():
    best = float("inf")
    values = []
    for _ in range(reps):
        t0 = time.perf_counter()
        values = [fn(i) for i in range(features)]
        best = min(best, (time.perf_counter() - t0) * 1000)
    out[name] = {"ms": best, "values": values}
print(json.dumps(out))
