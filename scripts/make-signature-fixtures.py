#!/usr/bin/python3
"""Writes the small ONNX classifiers that test/formats/onnx-signature.test.ts and the signature tests of the
registry and the CLI read: one base model and variants that change its input/output signature.

Run with an interpreter that has onnx (Debian's python3-onnx, or a virtual environment with the onnx wheel):
    /usr/bin/python3 scripts/make-signature-fixtures.py
The outputs are committed, so the test suite itself never needs Python.

classifier.onnx             inputs  features float32 [batch, 4], amount float32 [batch, 1]
                            outputs label int64 [batch], probabilities float32 [batch, ?]
                            (the weights W are also listed as a graph input, as old exporters did: not a model input)
classifier-no-amount.onnx   the input `amount` removed
classifier-float64.onnx     `features` as float64 instead of float32
classifier-more-outputs.onnx  an extra output `logits` float32 [batch, 2]
classifier-zipmap.onnx      probabilities as a sequence of maps (ai.onnx.ml ZipMap), as scikit-learn exports do
"""
import os

import onnx
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "signature")

WEIGHTS5 = [0.5, -0.5, 0.25, -0.25, 1.0, -1.0, 0.1, -0.1, 2.0, -2.0]


def save(model, name):
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(OUT, name))


def classifier(name, features_type=TensorProto.FLOAT, with_amount=True, extra_logits=False, zipmap=False):
    inputs = [helper.make_tensor_value_info("features", features_type, ["batch", 4])]
    nodes = []
    features = "features"
    if features_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", ["features"], ["features_f"], to=TensorProto.FLOAT))
        features = "features_f"
    if with_amount:
        inputs.append(helper.make_tensor_value_info("amount", TensorProto.FLOAT, ["batch", 1]))
        nodes.append(helper.make_node("Concat", [features, "amount"], ["joined"], axis=1))
        weights = helper.make_tensor("W", TensorProto.FLOAT, [5, 2], WEIGHTS5)
        # Listed as a graph input too: an initializer with a default value, which callers need not send.
        inputs.append(helper.make_tensor_value_info("W", TensorProto.FLOAT, [5, 2]))
        joined = "joined"
    else:
        weights = helper.make_tensor("W", TensorProto.FLOAT, [4, 2], WEIGHTS5[:8])
        joined = features
    nodes += [
        helper.make_node("MatMul", [joined, "W"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["logits"], ["label"], axis=1, keepdims=0),
    ]
    outputs = [helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"])]
    opsets = [helper.make_opsetid("", 13)]
    if zipmap:
        nodes.append(helper.make_node("ZipMap", ["probabilities"], ["scores"], domain="ai.onnx.ml", classlabels_int64s=[0, 1]))
        map_type = helper.make_map_type_proto(TensorProto.INT64, helper.make_tensor_type_proto(TensorProto.FLOAT, None))
        outputs.append(helper.make_value_info("scores", helper.make_sequence_type_proto(map_type)))
        opsets.append(helper.make_opsetid("ai.onnx.ml", 1))
    else:
        outputs.append(helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", None]))
    if extra_logits:
        outputs.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2]))
    graph = helper.make_graph(nodes, "classifier", inputs, outputs, [weights])
    save(helper.make_model(graph, producer_name="make-signature-fixtures", opset_imports=opsets), name)


def main():
    os.makedirs(OUT, exist_ok=True)
    classifier("classifier.onnx")
    classifier("classifier-no-amount.onnx", with_amount=False)
    classifier("classifier-float64.onnx", features_type=TensorProto.DOUBLE)
    classifier("classifier-more-outputs.onnx", extra_logits=True)
    classifier("classifier-zipmap.onnx", zipmap=True)


if __name__ == "__main__":
    main()
