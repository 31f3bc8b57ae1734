#!/usr/bin/python3
"""Writes the ONNX models, data sets and scikit-learn reference metrics that test/evaluation reads.

Run with Debian's interpreter (packages python3-onnx, python3-sklearn, python3-numpy):
    /usr/bin/python3 scripts/make-evaluation-fixtures.py
The outputs are committed, so the test suite itself never needs Python. Every model is built
node by node with onnx.helper, with known weights; predictions are computed here in float32, as
onnxruntime computes them, and scored with sklearn.metrics: the reference the tests compare with.
"""
import csv
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn import metrics

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "evaluation")
OPSET = 13

# The true relation behind the binary data, and the models scored against it.
TRUE_W = [1.5, -2.0, 1.0, 0.5]
TRUE_B = 0.2
BINARY_MODELS = {
    # Close to the truth: the "better" candidate.
    "binary_good": (TRUE_W, TRUE_B),
    # Somewhat off: the production baseline.
    "binary_base": ([1.1, -1.5, 0.5, 0.9], 0.0),
    # Ignores the strongest feature: about ten points of accuracy below the baseline.
    "binary_worse": ([0.0, -1.2, 1.0, 0.5], 0.2),
}


def sigmoid(z):
    return (1.0 / (1.0 + np.exp(-z.astype(np.float64)))).astype(np.float32)


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def save(model, name):
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))


def logistic(name, w, b, heavy=0, nan=False):
    """sigmoid(X·w + b) as `probability` [N, 1]; `heavy` adds a branch of that width that costs time and adds zero."""
    n_features = len(w)
    nodes = [helper.make_node("MatMul", ["features", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["z"])]
    inits = [tensor("W", np.array(w).reshape(n_features, 1)), tensor("B", [b])]
    logit = "z"
    if heavy:
        # The wide weights are tiled from small blocks when the session loads, so the file stays small.
        rng = np.random.default_rng(7)
        reps = heavy // 8
        inits += [
            tensor("H1s", rng.standard_normal((n_features, 8)) * 0.1),
            tensor("H2s", rng.standard_normal((8, 8)) * 0.01),
            tensor("Hz", np.zeros((heavy, 1))),
            numpy_helper.from_array(np.array([1, reps], dtype=np.int64), "R1"),
            numpy_helper.from_array(np.array([reps, reps], dtype=np.int64), "R2"),
        ]
        nodes += [
            helper.make_node("Tile", ["H1s", "R1"], ["H1"]),
            helper.make_node("Tile", ["H2s", "R2"], ["H2"]),
            helper.make_node("MatMul", ["features", "H1"], ["h1"]),
            helper.make_node("Tanh", ["h1"], ["t1"]),
            helper.make_node("MatMul", ["t1", "H2"], ["h2"]),
            helper.make_node("Tanh", ["h2"], ["t2"]),
            helper.make_node("MatMul", ["t2", "H2"], ["h3"]),
            helper.make_node("Tanh", ["h3"], ["t3"]),
            helper.make_node("MatMul", ["t3", "Hz"], ["hz"]),
            helper.make_node("Add", ["z", "hz"], ["zh"]),
        ]
        logit = "zh"
    if nan:
        inits.append(tensor("Nan", [float("nan")]))
        nodes.append(helper.make_node("Add", [logit, "Nan"], ["zn"]))
        logit = "zn"
    nodes.append(helper.make_node("Sigmoid", [logit], ["probability"]))
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])],
        inits,
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="modelvault-fixtures"), name)


def softmax_classifier(name, w, b, classes):
    """Scores X·W + b, as skl2onnx writes classifiers: `label` int64 [N] and `probabilities` float [N, C]."""
    n_features = len(w)
    nodes = [
        helper.make_node("MatMul", ["features", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "B"], ["z"]),
        helper.make_node("Softmax", ["z"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]), helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", classes])],
        [tensor("W", w), tensor("B", b)],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="modelvault-fixtures"), name)


def linear(name, w, b):
    """X·w + b as `prediction` [N, 1]."""
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["features", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["prediction"])],
        name,
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", len(w)])],
        [helper.make_tensor_value_info("prediction", TensorProto.FLOAT, ["N", 1])],
        [tensor("W", np.array(w).reshape(len(w), 1)), tensor("B", [b])],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="modelvault-fixtures"), name)


def write_csv(name, columns, rows, label_format):
    with open(os.path.join(OUT, f"{name}.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(columns)
        for r in rows:
            out.writerow([f"{v:.6f}" for v in r[:-1]] + [label_format(r[-1])])


def features_of(x):
    """The float32 values the CSV holds (six decimals), as onnxruntime receives them."""
    return np.array([[float(f"{v:.6f}") for v in row] for row in x], dtype=np.float32)


def binary_scores(y, p):
    pred = (p >= 0.5).astype(int)
    return {
        "accuracy": metrics.accuracy_score(y, pred),
        "precision": metrics.precision_score(y, pred),
        "recall": metrics.recall_score(y, pred),
        "f1": metrics.f1_score(y, pred),
        "roc_auc": metrics.roc_auc_score(y, p),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261123)
    reference = {}

    # Binary classification: 1500 rows, four features, labels from the true relation plus noise.
    x = rng.standard_normal((1500, 4))
    y = ((x @ np.array(TRUE_W) + TRUE_B + rng.standard_normal(1500) * 0.6) > 0).astype(int)
    write_csv("binary", ["f0", "f1", "f2", "f3", "label"], np.column_stack([x, y]), lambda v: str(int(v)))
    xf = features_of(x)
    reference["binary"] = {}
    for name, (w, b) in BINARY_MODELS.items():
        logistic(name, w, b)
        p = sigmoid(xf @ np.array(w, dtype=np.float32).reshape(4, 1) + np.float32(b)).ravel()
        reference["binary"][name] = binary_scores(y, p)
    logistic("binary_slow", TRUE_W, TRUE_B, heavy=768)
    logistic("binary_nan", TRUE_W, TRUE_B, nan=True)

    # Three classes, written as skl2onnx writes classifiers (label + probabilities).
    wm = np.array([[1.0, -0.5, 0.0], [0.0, 1.2, -1.0], [-0.8, 0.3, 0.9], [0.2, 0.0, -0.4]])
    bm = np.array([0.1, 0.0, -0.1])
    xm = rng.standard_normal((900, 4))
    ym = np.argmax(xm @ wm + bm + rng.standard_normal((900, 3)) * 0.5, axis=1)
    write_csv("multiclass", ["a", "b", "c", "d", "species"], np.column_stack([xm, ym]), lambda v: str(int(v)))
    softmax_classifier("multiclass", wm, bm, 3)
    zm = features_of(xm) @ wm.astype(np.float32) + bm.astype(np.float32)
    em = np.exp(zm.astype(np.float64) - zm.max(axis=1, keepdims=True))
    pm = em / em.sum(axis=1, keepdims=True)
    lm = np.argmax(pm, axis=1)
    reference["multiclass"] = {
        "accuracy": metrics.accuracy_score(ym, lm),
        "precision": metrics.precision_score(ym, lm, average="macro"),
        "recall": metrics.recall_score(ym, lm, average="macro"),
        "f1": metrics.f1_score(ym, lm, average="macro"),
        "roc_auc": metrics.roc_auc_score(ym, pm, multi_class="ovr", average="macro"),
    }

    # Regression: y = X·w + b + noise.
    wr = [2.0, -1.0, 0.5]
    br = 3.0
    xr = rng.standard_normal((800, 3))
    yr = xr @ np.array(wr) + br + rng.standard_normal(800) * 0.3
    with open(os.path.join(OUT, "regression.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["x1", "x2", "x3", "y"])
        for r, t in zip(xr, yr):
            out.writerow([f"{v:.6f}" for v in r] + [f"{t:.6f}"])
    linear("regression", wr, br)
    pr = (features_of(xr) @ np.array(wr, dtype=np.float32).reshape(3, 1) + np.float32(br)).ravel().astype(np.float64)
    yt = np.array([float(f"{t:.6f}") for t in yr])
    reference["regression"] = {
        "rmse": float(np.sqrt(metrics.mean_squared_error(yt, pr))),
        "mae": metrics.mean_absolute_error(yt, pr),
        "r2": metrics.r2_score(yt, pr),
    }

    # Twenty features, for the benchmark's 100,000 generated rows.
    logistic("binary20", list(np.round(np.linspace(-1.0, 1.0, 20), 3)), 0.1)

    with open(os.path.join(OUT, "sklearn-reference.json"), "w") as f:
        json.dump({k: {m: (float(v) if not isinstance(v, dict) else {mm: float(vv) for mm, vv in v.items()}) for m, v in d.items()} for k, d in reference.items()}, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
