#!/usr/bin/env python3
"""Deterministic generator of pimc's ONNX test models.

Usage (with the project venv, /work/main/.venv/bin/python):

  generate.py [--out DIR] [--only SEL ...] [--zoo] [--list] [--table] [--update-readme] [--verify]

Selection (--only): model names, shell-style patterns ("op_conv*") or groups:
  small  = nets + ops + bad (the committed models; the default selection)
  paper  = the paper's networks (vgg8, resnet18/34/50, alexnet_cifar, densenet40; large, git-ignored)
  study  = networks for the studies outside CI (resnet101/152: the network-size study, vgg16: the
           COMPASS comparison; large, git-ignored, into generated/ like paper)
  nets | ops | bad | all
Where files go:
  small models -> <out>/nets/, <out>/ops/, <out>/bad/      (default out: this script's directory)
  paper, study models -> <out>/ (flat)                      (default out: <this dir>/generated)
  --zoo        -> <out>/zoo/  the nine light_*.onnx models copied from the installed onnx package
                  (with --zoo and no --only, only the zoo is copied)
Other actions: --list prints names; --table prints the README model table (builds models in
memory); --update-readme rewrites that table inside README.md; --verify checks every selected
file that exists: onnx.checker, onnxruntime at batch 1 and 4 (symbolic batch) with finite,
non-degenerate outputs and declared output shapes, and the expected failure of the bad models.

Determinism: every model is built from a numpy Generator seeded with crc32(name); no
timestamps, fixed producer/IR/opset fields, attributes sorted by onnx.helper. Rerunning gives
byte-identical files (for the pinned numpy 2.4.6 / onnx 1.23.2).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import os
import shutil
import sys
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference  # noqa: E402  (same directory)

PRODUCER = "pimc-test-models"
PRODUCER_VERSION = "1"
F32 = TensorProto.FLOAT
I64 = TensorProto.INT64

# Minimum IR version that can carry each ai.onnx opset (onnx.helper.VERSION_TABLE), fixed here
# so that the output does not depend on the installed onnx's defaults.
IR_FOR_OPSET = {5: 3, 6: 3, 7: 3, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8,
                17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10}

ONNX_VERSION = onnx.__version__
ZOO_SRC = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")


def seed_of(name: str) -> int:
    return zlib.crc32(name.encode())


# ==============================================================================================
# Registry
# ==============================================================================================

@dataclass
class Spec:
    name: str
    kind: str  # paper | study | nets | ops | bad | exporter
    build: Callable[[], "onnx.ModelProto | bytes"]
    what: str
    checker_ok: bool = True  # expected onnx.checker outcome
    ort_ok: bool = True  # expected onnxruntime load+run outcome
    tags: list = field(default_factory=list)


REGISTRY: list[Spec] = []


def model(name, kind, what, checker_ok=True, ort_ok=True):
    def deco(fn):
        REGISTRY.append(Spec(name, kind, fn, what, checker_ok, ort_ok))
        return fn
    return deco


def finish(name: str, opset: int, nodes, inputs, outputs, inits=(), doc="", meta=None,
           ir=None, inits_as_inputs=False, value_info=()) -> onnx.ModelProto:
    """Assemble a model with fixed header fields. inputs/outputs: ValueInfoProtos."""
    inputs = list(inputs)
    if inits_as_inputs:
        inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in inits]
    graph = helper.make_graph(list(nodes), name, inputs, list(outputs), list(inits),
                              doc_string=doc, value_info=list(value_info))
    m = helper.make_model(graph, producer_name=PRODUCER, producer_version=PRODUCER_VERSION,
                          opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = ir if ir is not None else IR_FOR_OPSET[opset]
    m.doc_string = doc
    for k, v in sorted((meta or {}).items()):
        m.metadata_props.add(key=k, value=v)
    return m


def vi(name, shape, elem=F32):
    return helper.make_tensor_value_info(name, elem, shape)


def infer_outputs(m: onnx.ModelProto) -> onnx.ModelProto:
    """Fill in output shapes left as None: onnx shape inference, else onnxruntime."""
    todo = [o for o in m.graph.output if not o.type.tensor_type.HasField("shape")]
    if not todo:
        return m
    inf = onnx.shape_inference.infer_shapes(m, strict_mode=False, data_prop=True)
    known = {v.name: v for v in list(inf.graph.value_info) + list(inf.graph.output)}
    missing = []
    for o in todo:
        k = known.get(o.name)
        if k is not None and k.type.tensor_type.HasField("shape") and all(
                d.HasField("dim_value") for d in k.type.tensor_type.shape.dim):
            o.type.tensor_type.shape.CopyFrom(k.type.tensor_type.shape)
        else:
            missing.append(o)
    if missing:
        feeds = reference.make_inputs(m, 1, 0)
        outs = dict(reference.run_ort(m, feeds))
        for o in missing:
            shp = outs[o.name].shape
            o.type.tensor_type.shape.CopyFrom(vi("_", list(shp)).type.tensor_type.shape)
    return m


# ==============================================================================================
# Builders for small single-op models
# ==============================================================================================

class Rand:
    def __init__(self, name):
        self.rng = np.random.default_rng(seed_of(name))

    def w(self, *shape, fan_in=None):
        fan_in = fan_in or int(np.prod(shape[1:])) or 1
        return (self.rng.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(2.0 / fan_in)))

    def u(self, lo, hi, *shape):
        return self.rng.uniform(lo, hi, size=shape).astype(np.float32)


def T(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def i64(name, vals):
    return numpy_helper.from_array(np.asarray(vals, dtype=np.int64), name)


def op1(name, opset, node_fn, in_shapes, out_shape=None, inits=(), doc="", meta=None, ir=None,
        out_names=("y",), inits_as_inputs=False):
    """Single-behaviour model: graph inputs x (or x0, x1, ... when several), outputs y."""
    in_names = ["x"] if len(in_shapes) == 1 else [f"x{i}" for i in range(len(in_shapes))]
    nodes = node_fn(*in_names) if callable(node_fn) else node_fn
    if not isinstance(nodes, (list, tuple)):
        nodes = [nodes]
    outs = [vi(n, out_shape) for n in out_names]
    m = finish(name, opset, nodes, [vi(n, s) for n, s in zip(in_names, in_shapes)], outs, inits,
               doc, meta, ir, inits_as_inputs=inits_as_inputs)
    return infer_outputs(m)


def N(op, ins, outs=("y",), name=None, **attrs):
    return helper.make_node(op, list(ins), list(outs), name=name or f"{op}_0", **attrs)


def simple(name, kind, opset, what, op, in_shapes, **attrs):
    """Register a parameter-free single-op model."""
    @model(name, kind, what)
    def _build():
        return op1(name, opset, lambda *xs: N(op, xs, **attrs), in_shapes, doc=what)
    return _build


# ==============================================================================================
# Op-variant models (tiny, fixed shapes, one behaviour each)
# ==============================================================================================

def conv_model(name, opset, x_shape, w_shape, bias=True, doc="", **attrs):
    r = Rand(name)
    inits = [T("W", r.w(*w_shape))]
    ins = ["x", "W"]
    if bias:
        inits.append(T("B", r.u(-0.1, 0.1, w_shape[0])))
        ins.append("B")
    return op1(name, opset, N("Conv", ins, **attrs), [x_shape], inits=inits, doc=doc)


CONV_CASES = [
    # name, opset, x shape, W shape, bias, attrs, what
    ("op_conv_pads", 11, [1, 3, 8, 8], [4, 3, 3, 3], True,
     dict(kernel_shape=[3, 3], pads=[0, 1, 2, 1]),
     "Conv 3x3 with explicit asymmetric pads [top0,left1,bottom2,right1]"),
    ("op_conv_same_upper", 13, [1, 3, 8, 8], [4, 3, 3, 3], True,
     dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
     "Conv auto_pad=SAME_UPPER, stride 2 (odd total pad: extra pad at the end)"),
    ("op_conv_same_lower", 18, [1, 3, 8, 8], [4, 3, 3, 3], True,
     dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER"),
     "Conv auto_pad=SAME_LOWER, stride 2 (odd total pad: extra pad at the beginning)"),
    ("op_conv_valid", 9, [1, 3, 8, 8], [4, 3, 3, 3], True,
     dict(kernel_shape=[3, 3], auto_pad="VALID"),
     "Conv auto_pad=VALID (no padding), Conv-1 semantics at opset 9"),
    ("op_conv_strides", 10, [1, 3, 9, 8], [4, 3, 3, 3], True,
     dict(kernel_shape=[3, 3], strides=[2, 1], pads=[1, 1, 1, 1]),
     "Conv with unequal strides [2,1] and pads 1"),
    ("op_conv_dilations", 11, [1, 3, 9, 9], [4, 3, 3, 3], True,
     dict(kernel_shape=[3, 3], dilations=[2, 2], pads=[2, 2, 2, 2]),
     "Conv with dilations [2,2]"),
    ("op_conv_group", 13, [1, 4, 6, 6], [6, 2, 3, 3], True,
     dict(kernel_shape=[3, 3], group=2, pads=[1, 1, 1, 1]),
     "grouped Conv, group=2 (Cin 4 -> Cout 6)"),
    ("op_conv_depthwise", 13, [1, 8, 6, 6], [8, 1, 3, 3], True,
     dict(kernel_shape=[3, 3], group=8, pads=[1, 1, 1, 1]),
     "depthwise Conv, group = Cin = Cout = 8"),
    ("op_conv_depthwise_mult", 17, [1, 4, 6, 6], [8, 1, 3, 3], True,
     dict(kernel_shape=[3, 3], group=4, pads=[1, 1, 1, 1]),
     "depthwise Conv with channel multiplier 2 (group 4, Cin 4 -> Cout 8)"),
    ("op_conv1d", 11, [1, 4, 16], [6, 4, 3], True,
     dict(kernel_shape=[3], strides=[2], pads=[1, 1]),
     "1-D Conv on [N,C,L] (kernel 3, stride 2, pads 1)"),
    ("op_conv_nobias", 21, [1, 3, 6, 6], [5, 3, 3, 3], False,
     dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
     "Conv without the optional bias input (opset 21)"),
    ("op_conv_rect_kernel", 14, [1, 3, 6, 7], [4, 3, 1, 3], True,
     dict(kernel_shape=[1, 3], pads=[0, 1, 0, 1]),
     "Conv with a non-square 1x3 kernel"),
    ("op_conv_default_attrs", 9, [1, 3, 6, 6], [4, 3, 3, 3], True, dict(),
     "Conv with no kernel_shape/pads/strides attributes (kernel inferred from W)"),
    ("op_conv_1x1", 13, [1, 8, 5, 5], [4, 8, 1, 1], True, dict(kernel_shape=[1, 1]),
     "pointwise 1x1 Conv"),
]

for _c in CONV_CASES:
    def _mk(c=_c):
        name, opset, xs, ws, bias, attrs, what = c

        @model(name, "ops", what)
        def _b():
            return conv_model(name, opset, xs, ws, bias, what, **attrs)
    _mk()


def gemm_model(name, opset, a_shape, b_shape, c_shape, what, **attrs):
    r = Rand(name)
    inits = [T("B", r.w(*b_shape, fan_in=b_shape[0] if not attrs.get("transB") else b_shape[1]))]
    ins = ["x", "B"]
    if c_shape is not None:
        inits.append(T("C", r.u(-0.5, 0.5, *c_shape)))
        ins.append("C")
    return op1(name, opset, N("Gemm", ins, **attrs), [a_shape], inits=inits, doc=what,
               inits_as_inputs=IR_FOR_OPSET[opset] < 4)  # IR 3: initializers must be graph inputs


GEMM_CASES = [
    ("op_gemm_linear", 13, [2, 16], [8, 16], [8], dict(transB=1, alpha=1.0, beta=1.0),
     "Gemm as PyTorch exports nn.Linear: transB=1, C of shape [N] broadcast over rows"),
    ("op_gemm_alpha_beta", 11, [2, 16], [16, 8], [8], dict(alpha=0.5, beta=2.0),
     "Gemm with alpha=0.5, beta=2.0"),
    ("op_gemm_transa", 9, [16, 2], [16, 8], [8], dict(transA=1),
     "Gemm with transA=1 (A given as [K,M])"),
    ("op_gemm_c_row", 11, [2, 16], [16, 8], [1, 8], dict(),
     "Gemm with C of shape [1,N] broadcast over rows"),
    ("op_gemm_c_full", 7, [2, 16], [16, 8], [2, 8], dict(),
     "Gemm-7 with a full [M,N] C (no broadcast); initializers also listed as inputs (IR 3)"),
    ("op_gemm_no_c", 20, [2, 16], [8, 16], None, dict(transB=1),
     "Gemm without the optional C input (allowed since opset 11)"),
]

for _c in GEMM_CASES:
    def _mk(c=_c):
        name, opset, a, b, cs, attrs, what = c

        @model(name, "ops", what)
        def _b():
            return gemm_model(name, opset, a, b, cs, what, **attrs)
    _mk()


@model("op_matmul_2d", "ops", "MatMul [M,K] x constant [K,N]")
def _():
    r = Rand("op_matmul_2d")
    return op1("op_matmul_2d", 13, N("MatMul", ["x", "W"]), [[2, 16]], inits=[T("W", r.w(16, 8, fan_in=16))])


@model("op_matmul_batched", "ops", "batched 3-D MatMul [B,M,K] x constant [B,K,N]")
def _():
    r = Rand("op_matmul_batched")
    return op1("op_matmul_batched", 13, N("MatMul", ["x", "W"]), [[2, 3, 8]],
               inits=[T("W", r.w(2, 8, 5, fan_in=8))])


@model("op_matmul_bcast", "ops", "3-D MatMul [B,M,K] x constant 2-D [K,N] (weight broadcast over B)")
def _():
    r = Rand("op_matmul_bcast")
    return op1("op_matmul_bcast", 9, N("MatMul", ["x", "W"]), [[2, 3, 8]], inits=[T("W", r.w(8, 5, fan_in=8))])


@model("op_matmul_const_lhs", "ops", "MatMul constant [M,K] x input [B,K,N] (constant on the left)")
def _():
    r = Rand("op_matmul_const_lhs")
    return op1("op_matmul_const_lhs", 13, N("MatMul", ["W", "x"]), [[2, 3, 5]],
               inits=[T("W", r.w(4, 3, fan_in=3))])


def binop(name, opset, op, x_shape, c_shape, const_first, what, c_range=(-1, 1), meta=None):
    @model(name, "ops", what)
    def _b():
        r = Rand(name)
        c = T("C", r.u(c_range[0], c_range[1], *c_shape))
        ins = ["C", "x"] if const_first else ["x", "C"]
        return op1(name, opset, N(op, ins), [x_shape], inits=[c], doc=what, meta=meta)
    return _b


binop("op_add_chan", 14, "Add", [1, 4, 5, 5], [4, 1, 1], False,
      "Add x[1,4,5,5] + const[4,1,1] (rank mismatch, per-channel)")
binop("op_add_const_lhs", 13, "Add", [1, 4, 5, 5], [4, 1, 1], True,
      "Add const[4,1,1] + x[1,4,5,5] (constant as first operand)")
binop("op_sub_last", 13, "Sub", [2, 3, 4], [4], False, "Sub x[2,3,4] - const[4] (trailing-dim broadcast)")
binop("op_sub_const_lhs", 14, "Sub", [2, 3, 4], [3, 1], True,
      "Sub const[3,1] - x[2,3,4] (constant first: order matters)")
binop("op_mul_chan", 9, "Mul", [1, 4, 5, 5], [1, 4, 1, 1], False, "Mul x * const[1,4,1,1] (same rank)")
binop("op_mul_scalar", 13, "Mul", [1, 4, 5, 5], [], True, "Mul by a rank-0 scalar constant (constant first)")
binop("op_div_chan", 13, "Div", [1, 4, 5, 5], [4, 1, 1], False, "Div x / const[4,1,1], const in [0.5,2]",
      c_range=(0.5, 2.0))
binop("op_div_const_lhs", 14, "Div", [1, 4, 5, 5], [4, 1, 1], True,
      "Div const[4,1,1] / x with x in [0.5,2] (metadata pimc.input_range.x)", c_range=(-1, 1),
      meta={reference.RANGE_KEY + "x": "0.5,2"})


@model("op_add_two_inputs", "ops", "Add of two graph inputs a[2,4,3,3] + b[4,1,1] (opset 7 broadcasting)")
def _():
    return op1("op_add_two_inputs", 7, lambda a, b: N("Add", [a, b]), [[2, 4, 3, 3], [4, 1, 1]])


@model("op_add_two_inputs_rev", "ops", "Add of two graph inputs b[3,1] + a[2,3,4] (smaller operand first)")
def _():
    return op1("op_add_two_inputs_rev", 13, lambda a, b: N("Add", [a, b]), [[3, 1], [2, 3, 4]])


@model("op_sum3", "ops", "Sum of 3 graph inputs with broadcasting: x0[2,4,3,3] + x1[4,1,1] + x2[1,3]")
def _():
    return op1("op_sum3", 13, lambda a, b, c: N("Sum", [a, b, c]), [[2, 4, 3, 3], [4, 1, 1], [1, 3]])


simple("op_relu", "ops", 14, "Relu", "Relu", [[1, 4, 5, 5]])
simple("op_leakyrelu", "ops", 16, "LeakyRelu alpha=0.1", "LeakyRelu", [[1, 4, 5, 5]], alpha=0.1)
simple("op_elu", "ops", 6, "Elu alpha=0.5 (opset 6)", "Elu", [[1, 4, 5, 5]], alpha=0.5)
simple("op_sigmoid", "ops", 6, "Sigmoid (opset 6)", "Sigmoid", [[1, 4, 5, 5]])
simple("op_tanh", "ops", 13, "Tanh", "Tanh", [[1, 4, 5, 5]])
simple("op_clip6_attr", "ops", 6, "Clip-6 with min/max attributes (-0.5, 0.3)", "Clip", [[1, 4, 5, 5]],
       min=-0.5, max=0.3)


@model("op_prelu", "ops", "PRelu with a per-channel slope of shape [C,1,1]")
def _():
    r = Rand("op_prelu")
    return op1("op_prelu", 16, N("PRelu", ["x", "slope"]), [[1, 4, 5, 5]],
               inits=[T("slope", r.u(0.05, 0.5, 4, 1, 1))])


@model("op_clip11_min", "ops", "Clip-11 with a min input only (max omitted): a ReLU-with-floor")
def _():
    return op1("op_clip11_min", 11, N("Clip", ["x", "lo"]), [[1, 4, 5, 5]],
               inits=[T("lo", np.array(-0.25, np.float32))])


@model("op_clip13_both", "ops", "Clip-13 with min and max inputs (ReLU6-like, scaled: [0, 0.6])")
def _():
    return op1("op_clip13_both", 13, N("Clip", ["x", "lo", "hi"]), [[1, 4, 5, 5]],
               inits=[T("lo", np.array(0.0, np.float32)), T("hi", np.array(0.6, np.float32))])


for _op in ("Softmax", "LogSoftmax"):
    low = _op.lower()
    simple(f"op_{low}11_axis1", "ops", 11,
           f"{_op}-11 axis=1 on a 4-D input: legacy semantics, input coerced to 2-D [N, C*H*W]",
           _op, [[2, 3, 4, 5]], axis=1)
    simple(f"op_{low}13_axis1", "ops", 13,
           f"{_op}-13 axis=1 on a 4-D input: normalised over the channel axis only", _op,
           [[2, 3, 4, 5]], axis=1)
simple("op_softmax13_default", "ops", 13, "Softmax-13 default axis (-1) on [N,10] logits", "Softmax", [[2, 10]])

simple("op_maxpool_k2s2", "ops", 8, "MaxPool 2x2 stride 2 on odd 7x7 input (floor)", "MaxPool", [[1, 4, 7, 7]],
       kernel_shape=[2, 2], strides=[2, 2])
simple("op_maxpool_pads", "ops", 12, "MaxPool 3x3 stride 2 pads 1 (ResNet stem pool)", "MaxPool",
       [[1, 4, 8, 8]], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
simple("op_maxpool_ceil", "ops", 10, "MaxPool 3x3 stride 2 ceil_mode=1 (8x8 -> 4x4, floor would give 3x3)",
       "MaxPool", [[1, 4, 8, 8]], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
simple("op_avgpool_incl_pad", "ops", 11, "AveragePool 3x3 stride 1 pads 1 count_include_pad=1", "AveragePool",
       [[1, 4, 6, 6]], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=1)
simple("op_avgpool_excl_pad", "ops", 19,
       "AveragePool 3x3 stride 2 pads 1 count_include_pad=0 (divisor = in-bounds count)", "AveragePool",
       [[1, 4, 7, 7]], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=0)
simple("op_avgpool_ceil", "ops", 10,
       "AveragePool 2x2 stride 2 ceil_mode=1 on 7x7: the last row/column window hangs off the input and divides by the in-bounds count (2, or 1 at the corner)",
       "AveragePool", [[1, 4, 7, 7]], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)
simple("op_globalavgpool", "ops", 6, "GlobalAveragePool (opset 6)", "GlobalAveragePool", [[1, 4, 5, 5]])
simple("op_globalmaxpool", "ops", 13, "GlobalMaxPool", "GlobalMaxPool", [[1, 4, 5, 5]])


def bn_inits(r, c):
    return [T("scale", r.u(0.5, 1.5, c)), T("bias", r.u(-0.2, 0.2, c)),
            T("mean", r.u(-0.2, 0.2, c)), T("var", r.u(0.5, 1.5, c))]


@model("op_batchnorm9", "ops", "BatchNormalization-9 (inference form), epsilon 1e-3")
def _():
    r = Rand("op_batchnorm9")
    return op1("op_batchnorm9", 9, N("BatchNormalization", ["x", "scale", "bias", "mean", "var"], epsilon=1e-3),
               [[2, 4, 5, 5]], inits=bn_inits(r, 4))


@model("op_batchnorm15", "ops", "BatchNormalization-15 as PyTorch exports it (epsilon 1e-5, momentum 0.9)")
def _():
    r = Rand("op_batchnorm15")
    return op1("op_batchnorm15", 15, N("BatchNormalization", ["x", "scale", "bias", "mean", "var"],
                                       epsilon=1e-5, momentum=0.9), [[2, 4, 5, 5]], inits=bn_inits(r, 4))


simple("op_lrn", "ops", 13, "LRN size 3, alpha 0.5, beta 0.75, bias 2 (strong enough to matter)", "LRN",
       [[1, 5, 4, 4]], size=3, alpha=0.5, beta=0.75, bias=2.0)


@model("op_concat_axis1", "ops", "Concat on axis 1 of two inputs and a constant")
def _():
    r = Rand("op_concat_axis1")
    return op1("op_concat_axis1", 13, lambda a, b: N("Concat", [a, "C", b], axis=1),
               [[1, 2, 4, 4], [1, 3, 4, 4]], inits=[T("C", r.u(-1, 1, 1, 1, 4, 4))])


@model("op_concat_neg_axis", "ops", "Concat on axis -1 (negative axis, allowed since opset 11)")
def _():
    return op1("op_concat_neg_axis", 11, lambda a, b: N("Concat", [a, b], axis=-1), [[2, 3, 4], [2, 3, 2]])


simple("op_flatten_axis1", "ops", 13, "Flatten axis=1: [2,3,4,5] -> [2,60]", "Flatten", [[2, 3, 4, 5]], axis=1)
simple("op_flatten_axis2", "ops", 11, "Flatten axis=2: [2,3,4,5] -> [6,20]", "Flatten", [[2, 3, 4, 5]], axis=2)


@model("op_reshape", "ops", "Reshape with 0 (copy dim) and -1 (infer) in the shape: [2,4,5,5] -> [0,-1,5]")
def _():
    return op1("op_reshape", 14, N("Reshape", ["x", "shape"]), [[2, 4, 5, 5]], inits=[i64("shape", [0, -1, 5])])


simple("op_transpose", "ops", 13, "Transpose perm [0,2,3,1] (NCHW -> NHWC)", "Transpose", [[1, 3, 4, 5]],
       perm=[0, 2, 3, 1])
simple("op_transpose_default", "ops", 21, "Transpose without perm (reverses the axes)", "Transpose", [[2, 3, 4]])
simple("op_squeeze11", "ops", 11, "Squeeze-11 with axes attribute [0,2]", "Squeeze", [[1, 3, 1, 5]], axes=[0, 2])
simple("op_unsqueeze11", "ops", 11, "Unsqueeze-11 with axes attribute [0,3]", "Unsqueeze", [[3, 5]], axes=[0, 3])


@model("op_squeeze13", "ops", "Squeeze-13 with an axes input [-2] (negative axis)")
def _():
    return op1("op_squeeze13", 13, N("Squeeze", ["x", "axes"]), [[1, 3, 1, 5]], inits=[i64("axes", [-2])])


simple("op_squeeze13_noaxes", "ops", 13, "Squeeze-13 without axes: drops every size-1 dim", "Squeeze",
       [[1, 3, 1, 5]])


@model("op_unsqueeze13", "ops", "Unsqueeze-13 with an axes input [1,-1]")
def _():
    return op1("op_unsqueeze13", 13, N("Unsqueeze", ["x", "axes"]), [[3, 5]], inits=[i64("axes", [1, -1])])


simple("op_pad2_attr", "ops", 8, "Pad-2 (attribute form: pads, value 0.5, mode constant) at opset 8", "Pad",
       [[1, 2, 5, 5]], pads=[0, 0, 1, 2, 0, 0, 2, 1], value=0.5, mode="constant")


@model("op_pad11_input", "ops", "Pad-11 (input form): pads and constant_value as inputs")
def _():
    return op1("op_pad11_input", 11, N("Pad", ["x", "pads", "value"], mode="constant"), [[1, 2, 5, 5]],
               inits=[i64("pads", [0, 0, 1, 2, 0, 0, 2, 1]), T("value", np.array(0.5, np.float32))])


@model("op_pad13_zero", "ops", "Pad-13 with pads only (constant_value omitted: zero padding)")
def _():
    return op1("op_pad13_zero", 13, N("Pad", ["x", "pads"]), [[1, 2, 5, 5]],
               inits=[i64("pads", [0, 0, 1, 1, 0, 0, 1, 1])])


@model("op_pad18_axes", "ops", "Pad-18 with an axes input (pads given for axes [2,3] only)")
def _():
    return op1("op_pad18_axes", 18, N("Pad", ["x", "pads", "", "axes"]), [[1, 2, 5, 5]],
               inits=[i64("pads", [1, 0, 0, 2]), i64("axes", [2, 3])])


simple("op_dropout7", "ops", 7, "Dropout-7 with ratio attribute (inference: identity)", "Dropout",
       [[1, 4, 5, 5]], ratio=0.3)


@model("op_dropout12", "ops", "Dropout-12 with ratio as an input (inference: identity)")
def _():
    return op1("op_dropout12", 12, N("Dropout", ["x", "ratio"]), [[1, 4, 5, 5]],
               inits=[T("ratio", np.array(0.3, np.float32))])


simple("op_identity", "ops", 14, "Identity", "Identity", [[1, 4, 5, 5]])


@model("op_constant", "ops", "Constant node (value tensor [4,1,1]) feeding an Add")
def _():
    r = Rand("op_constant")
    c = helper.make_node("Constant", [], ["c"], name="Constant_0", value=T("c_value", r.u(-1, 1, 4, 1, 1)))
    return op1("op_constant", 13, [c, N("Add", ["x", "c"])], [[1, 4, 5, 5]])


@model("op_constant_value_floats", "ops", "Constant with the value_floats attribute (opset 12) feeding a Mul")
def _():
    c = helper.make_node("Constant", [], ["c"], name="Constant_0", value_floats=[0.5, -1.0, 2.0, 0.25, 1.5])
    return op1("op_constant_value_floats", 12, [c, N("Mul", ["x", "c"])], [[2, 3, 5]])


@model("op_constantofshape", "ops", "ConstantOfShape(shape const [2,3], value 0.25) added to x")
def _():
    nodes = [N("ConstantOfShape", ["shape"], ["c"], value=T("value", np.array([0.25], np.float32))),
             N("Add", ["x", "c"])]
    return op1("op_constantofshape", 20, nodes, [[2, 3]], inits=[i64("shape", [2, 3])])


def flatten_chain(name, opset, what):
    @model(name, "ops", what)
    def _b():
        if opset >= 13:
            unsq = N("Unsqueeze", ["n", "axes0"], ["n1"], name="Unsqueeze_0")
            inits = [i64("idx0", 0), i64("axes0", [0]), i64("minus1", [-1])]
        else:
            unsq = N("Unsqueeze", ["n"], ["n1"], name="Unsqueeze_0", axes=[0])
            inits = [i64("idx0", 0), i64("minus1", [-1])]
        nodes = [N("Shape", ["x"], ["s"], name="Shape_0"),
                 N("Gather", ["s", "idx0"], ["n"], name="Gather_0", axis=0),
                 unsq,
                 N("Concat", ["n1", "minus1"], ["shape"], name="Concat_0", axis=0),
                 N("Reshape", ["x", "shape"], ["y"], name="Reshape_0")]
        return op1(name, opset, nodes, [[2, 4, 3, 3]], inits=inits, doc=what)


flatten_chain("op_shape_flatten_chain", 13,
              "PyTorch x.view(x.size(0), -1) idiom: Shape->Gather->Unsqueeze(axes input)->Concat->Reshape; "
              "folds to the constant shape [2,-1]")
flatten_chain("op_shape_flatten_chain11", 11,
              "same flatten idiom at opset 11 (Unsqueeze with axes attribute)")


@model("op_shape_slice_cast", "ops",
       "Shape->Slice[0:2]->Cast(FLOAT)->Cast(INT64)->Concat([-1])->Reshape: [2,4,3,3] -> [2,4,9]; folds to a constant")
def _():
    nodes = [N("Shape", ["x"], ["s"], name="Shape_0"),
             N("Slice", ["s", "st", "en", "ax"], ["nc"], name="Slice_0"),
             N("Cast", ["nc"], ["ncf"], name="Cast_0", to=F32),
             N("Cast", ["ncf"], ["nci"], name="Cast_1", to=I64),
             N("Concat", ["nci", "minus1"], ["shape"], name="Concat_0", axis=0),
             N("Reshape", ["x", "shape"], ["y"], name="Reshape_0")]
    inits = [i64("st", [0]), i64("en", [2]), i64("ax", [0]), i64("minus1", [-1])]
    return op1("op_shape_slice_cast", 13, nodes, [[2, 4, 3, 3]], inits=inits)


@model("op_legacy_init_inputs", "ops",
       "old-style model (opset 7, IR 3): every initializer is also listed in graph.input; "
       "Conv->Relu->MaxPool->Reshape(shape initializer)->Gemm")
def _():
    name = "op_legacy_init_inputs"
    r = Rand(name)
    inits = [T("conv_w", r.w(4, 3, 3, 3)), T("conv_b", r.u(-0.1, 0.1, 4)),
             i64("flat_shape", [1, -1]), T("fc_w", r.w(64, 10, fan_in=64)), T("fc_b", r.u(-0.1, 0.1, 10))]
    nodes = [N("Conv", ["data", "conv_w", "conv_b"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             N("Relu", ["c1"], ["r1"], name="relu1"),
             N("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
             N("Reshape", ["p1", "flat_shape"], ["f1"], name="flatten"),
             N("Gemm", ["f1", "fc_w", "fc_b"], ["prob"], name="fc")]
    return finish(name, 7, nodes, [vi("data", [1, 3, 8, 8])], [vi("prob", [1, 10])], inits,
                  doc="Caffe2-era layout: initializers listed among graph inputs; Gemm-7 broadcast attr",
                  inits_as_inputs=True)


# ==============================================================================================
# Negative models
# ==============================================================================================

def tiny_cnn(name, opset, in_dims, ir=None, doc=""):
    """Conv(3->4,3x3,pad1)->Relu->GlobalAveragePool->Flatten->Gemm(4->10) with a symbolic batch."""
    r = Rand(name)
    inits = [T("conv.weight", r.w(4, 3, 3, 3)), T("conv.bias", r.u(-0.1, 0.1, 4)),
             T("fc.weight", r.w(10, 4, fan_in=4)), T("fc.bias", r.u(-0.1, 0.1, 10))]
    nodes = [N("Conv", ["input", "conv.weight", "conv.bias"], ["c"], name="/conv/Conv", kernel_shape=[3, 3],
               pads=[1, 1, 1, 1]),
             N("Relu", ["c"], ["r"], name="/relu/Relu"),
             N("GlobalAveragePool", ["r"], ["g"], name="/pool/GlobalAveragePool"),
             N("Flatten", ["g"], ["f"], name="/Flatten", axis=1),
             N("Gemm", ["f", "fc.weight", "fc.bias"], ["output"], name="/fc/Gemm", transB=1)]
    return finish(name, opset, nodes, [vi("input", in_dims)], [vi("output", [in_dims[0], 10])], inits, doc, ir=ir)


@model("bad_unsupported_op", "bad", "unsupported op: TopK (a sort: pimc must reject it by name)")
def _():
    return op1("bad_unsupported_op", 13, N("TopK", ["x", "k"], ["y", "i"]), [[2, 3, 8]],
               inits=[i64("k", [3])], out_names=("y",))


@model("bad_dynamic_h", "bad", "symbolic non-batch dimension: input [N,3,H,32] (pimc binds only the batch; onnxruntime needs --dim H=V)")
def _():
    return tiny_cnn("bad_dynamic_h", 13, ["N", 3, "H", 32])


@model("bad_missing_initializer", "bad", "Conv refers to weight 'conv.weight' that no initializer or node defines",
       checker_ok=False, ort_ok=False)
def _():
    m = tiny_cnn("bad_missing_initializer", 13, ["N", 3, 8, 8])
    keep = [t for t in m.graph.initializer if t.name != "conv.weight"]
    del m.graph.initializer[:]
    m.graph.initializer.extend(keep)
    return m


@model("bad_int64_input", "bad", "int64 graph input -> Cast -> Gemm (pimc takes float inputs only)")
def _():
    r = Rand("bad_int64_input")
    nodes = [N("Cast", ["x"], ["xf"], name="Cast_0", to=F32),
             N("Gemm", ["xf", "W", "B"], ["y"], name="Gemm_0", transB=1)]
    return finish("bad_int64_input", 13, nodes, [vi("x", [2, 4], I64)], [vi("y", [2, 3])],
                  [T("W", r.w(3, 4, fan_in=4)), T("B", r.u(-0.1, 0.1, 3))])


@model("bad_opset22", "bad", "ai.onnx opset 22, above the supported 6..21 (a tiny conv net otherwise fine)")
def _():
    return tiny_cnn("bad_opset22", 22, ["N", 3, 8, 8])


@model("bad_opset5", "bad", "ai.onnx opset 5, below the supported 6..21 (Relu-1; onnxruntime has no kernel for it)",
       ort_ok=False)
def _():
    nodes = [N("Relu", ["x"], ["y"], name="Relu_0")]
    return finish("bad_opset5", 5, nodes, [vi("x", [1, 4, 5, 5])], [vi("y", [1, 4, 5, 5])])


@model("bad_truncated", "bad", "first half of the bytes of nets/conv_bn_relu_pool.onnx (protobuf parse error)",
       checker_ok=False, ort_ok=False)
def _():
    data = build_conv_bn_relu_pool().SerializeToString()
    return data[: len(data) // 2]


@model("bad_garbage", "bad", "4096 seeded random bytes (not a protobuf ModelProto)", checker_ok=False, ort_ok=False)
def _():
    return np.random.default_rng(seed_of("bad_garbage")).bytes(4096)


# ==============================================================================================
# Networks (symbolic batch N)
# ==============================================================================================

class Net:
    """Builds a PyTorch-export-like graph: module-path names, 'x.weight' initializers."""

    def __init__(self, name, in_shape, input_name="input"):
        self.name = name
        self.rng = np.random.default_rng(seed_of(name))
        self.nodes, self.inits = [], []
        self.input_name = input_name
        self.in_shape = in_shape
        self.ch = {input_name: in_shape[0]}
        self.used = set()

    # -- naming --
    def _node_name(self, path, op):
        base = "/" + path.replace(".", "/") + "/" + op if path else "/" + op
        n, i = base, 0
        while n in self.used:
            i += 1
            n = f"{base}_{i}"
        self.used.add(n)
        return n

    def add(self, op, inputs, path, **attrs):
        nn = self._node_name(path, op)
        out = nn + "_output_0"
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=nn, **attrs))
        return out

    def param(self, name, arr):
        arr = np.asarray(arr)  # (np.ascontiguousarray would turn a 0-d scalar into shape [1])
        self.inits.append(numpy_helper.from_array(arr if arr.flags.c_contiguous else arr.copy(order="C"), name))
        return name

    # -- layers --
    def conv(self, path, x, cout, k, stride=1, pad=None, bias=True, group=1, gain=2.0):
        cin = self.ch[x]
        pad = k // 2 if pad is None else pad
        fan_in = cin // group * k * k
        w = self.rng.standard_normal((cout, cin // group, k, k), dtype=np.float32) * np.float32(np.sqrt(gain / fan_in))
        ins = [x, self.param(f"{path}.weight", w)]
        if bias:
            bound = 1.0 / np.sqrt(fan_in)
            ins.append(self.param(f"{path}.bias", self.rng.uniform(-bound, bound, cout).astype(np.float32)))
        y = self.add("Conv", ins, path, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4,
                     dilations=[1, 1], group=group)
        self.ch[y] = cout
        return y

    def bn(self, path, x, gamma=(0.8, 1.2)):
        c = self.ch[x]
        r = self.rng
        ins = [x,
               self.param(f"{path}.weight", r.uniform(gamma[0], gamma[1], c).astype(np.float32)),
               self.param(f"{path}.bias", r.uniform(-0.1, 0.1, c).astype(np.float32)),
               self.param(f"{path}.running_mean", r.uniform(-0.1, 0.1, c).astype(np.float32)),
               self.param(f"{path}.running_var", r.uniform(0.8, 1.2, c).astype(np.float32))]
        y = self.add("BatchNormalization", ins, path, epsilon=1e-5, momentum=0.9)
        self.ch[y] = c
        return y

    def act(self, op, path, x, **attrs):
        y = self.add(op, [x], path, **attrs)
        self.ch[y] = self.ch.get(x)
        return y

    def relu(self, path, x):
        return self.act("Relu", path, x)

    def maxpool(self, path, x, k, s, pad=0):
        return self.act("MaxPool", path, x, kernel_shape=[k, k], strides=[s, s], pads=[pad] * 4, ceil_mode=0)

    def avgpool(self, path, x, k, s):
        return self.act("AveragePool", path, x, kernel_shape=[k, k], strides=[s, s], pads=[0] * 4,
                        ceil_mode=0, count_include_pad=0)

    def gemm(self, path, x, fin, fout, last=False):
        gain = 1.0 if last else 2.0
        w = self.rng.standard_normal((fout, fin), dtype=np.float32) * np.float32(np.sqrt(gain / fin))
        bound = 1.0 / np.sqrt(fin)
        b = self.rng.uniform(-bound, bound, fout).astype(np.float32)
        y = self.add("Gemm", [x, self.param(f"{path}.weight", w), self.param(f"{path}.bias", b)], path,
                     alpha=1.0, beta=1.0, transB=1)
        self.ch[y] = fout
        return y

    def flatten(self, path, x):
        return self.add("Flatten", [x], path, axis=1)

    def view_flatten(self, path, x, opset):
        """x.view(x.size(0), -1) as PyTorch exports it: Shape->Gather->Unsqueeze->Concat->Reshape."""
        pre = f"{path}." if path else ""
        s = self.add("Shape", [x], path)
        idx = self.param(f"{pre}const_0", np.array(0, np.int64))
        n = self.add("Gather", [s, idx], path, axis=0)
        if opset >= 13:
            u = self.add("Unsqueeze", [n, self.param(f"{pre}const_axes", np.array([0], np.int64))], path)
        else:
            u = self.add("Unsqueeze", [n], path, axes=[0])
        shp = self.add("Concat", [u, self.param(f"{pre}const_m1", np.array([-1], np.int64))], path, axis=0)
        return self.add("Reshape", [x, shp], path)

    def model(self, out, out_shape, opset, doc):
        return finish(self.name, opset, self.nodes, [vi(self.input_name, ["N"] + list(self.in_shape))],
                      [vi("output", ["N"] + list(out_shape))], self.inits, doc=doc, value_info=()), out


def _rename_output(nodes, old, new):
    for n in nodes:
        for i, o in enumerate(n.output):
            if o == old:
                n.output[i] = new


def net_finish(net: Net, out, out_shape, opset, doc):
    _rename_output(net.nodes, out, "output")
    m, _ = net.model("output", out_shape, opset, doc)
    return m


# ---- paper networks ----

VGG8_DOC = ("VGG-8 (CIFAR-10) as in the NeuroSim reference: conv3x3 3->128, 128->128, maxpool2, 128->256, "
            "256->256, maxpool2, 256->512, 512->512, maxpool2, FC 8192->1024, FC 1024->10; ReLU after every "
            "conv/FC but the last. Conv/FC have biases.")


@model("vgg8", "paper", VGG8_DOC)
def build_vgg8():
    n = Net("vgg8", [3, 32, 32])
    x = n.input_name
    cfg = [(128, False), (128, True), (256, False), (256, True), (512, False), (512, True)]
    for i, (c, pool) in enumerate(cfg):
        x = n.relu(f"features.{2 * i + 1}", n.conv(f"features.{2 * i}", x, c, 3))
        if pool:
            x = n.maxpool(f"pool{i}", x, 2, 2)
    x = n.flatten("flatten", x)
    x = n.relu("classifier.1", n.gemm("classifier.0", x, 8192, 1024))
    x = n.gemm("classifier.2", x, 1024, 10, last=True)
    return net_finish(n, x, [10], 13, VGG8_DOC)


VGG16_DOC = ("VGG-16 (CIFAR-10), the layout of the COMPASS comparison (DATE 2025): 13 conv3x3 (64, 64, M, "
             "128, 128, M, 256 x3, M, 512 x3, M, 512 x3, M) with ReLU, FC 512->10. Conv/FC have biases.")


@model("vgg16", "study", VGG16_DOC)
def build_vgg16():
    n = Net("vgg16", [3, 32, 32])
    x = n.input_name
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    i = 0
    for c in cfg:
        if c == "M":
            x = n.maxpool(f"pool{i}", x, 2, 2)
        else:
            x = n.relu(f"features.{i + 1}", n.conv(f"features.{i}", x, c, 3))
        i += 2
    x = n.flatten("flatten", x)
    x = n.gemm("classifier", x, 512, 10, last=True)
    return net_finish(n, x, [10], 13, VGG16_DOC)


def _resnet(name, blocks, bottleneck, classes, opset):
    n = Net(name, [3, 32, 32])
    x = n.relu("relu", n.bn("bn1", n.conv("conv1", n.input_name, 64, 7, stride=2, pad=3, bias=False)))
    x = n.maxpool("maxpool", x, 3, 2, pad=1)
    exp = 4 if bottleneck else 1
    for li, (nb, width) in enumerate(zip(blocks, (64, 128, 256, 512))):
        for bi in range(nb):
            p = f"layer{li + 1}.{bi}"
            stride = 2 if (bi == 0 and li > 0) else 1
            identity = x
            if bottleneck:
                y = n.relu(f"{p}.relu", n.bn(f"{p}.bn1", n.conv(f"{p}.conv1", x, width, 1, bias=False)))
                y = n.relu(f"{p}.relu", n.bn(f"{p}.bn2", n.conv(f"{p}.conv2", y, width, 3, stride, bias=False)))
                y = n.bn(f"{p}.bn3", n.conv(f"{p}.conv3", y, width * 4, 1, bias=False), gamma=(0.2, 0.5))
            else:
                y = n.relu(f"{p}.relu", n.bn(f"{p}.bn1", n.conv(f"{p}.conv1", x, width, 3, stride, bias=False)))
                y = n.bn(f"{p}.bn2", n.conv(f"{p}.conv2", y, width, 3, bias=False), gamma=(0.2, 0.5))
            if stride != 1 or n.ch[x] != width * exp:
                identity = n.bn(f"{p}.downsample.1",
                                n.conv(f"{p}.downsample.0", x, width * exp, 1, stride, bias=False))
            s = n.add("Add", [y, identity], p)
            n.ch[s] = width * exp
            x = n.relu(f"{p}.relu", s)
    x = n.act("GlobalAveragePool", "avgpool", x)
    x = n.flatten("", x)
    x = n.gemm("fc", x, 512 * exp, classes, last=True)
    return n, x


def resnet_doc(name, blocks, bottleneck, classes):
    kind = "bottleneck (1x1-3x3-1x1, expansion 4, stride on the 3x3)" if bottleneck else "basic (3x3-3x3)"
    return (f"{name} (CIFAR, torchvision layout): 7x7/2 conv stem + BN + ReLU + 3x3/2 max-pool on 32x32 inputs, "
            f"{kind} blocks {blocks}, Conv(no bias)->BatchNormalization pairs, 1x1/2 conv+BN downsample, "
            f"residual Add then ReLU, GlobalAveragePool, Flatten, Gemm -> {classes} classes.")


for _rn in [("resnet18", [2, 2, 2, 2], False, 100, 13), ("resnet34", [3, 4, 6, 3], False, 100, 11),
            ("resnet50", [3, 4, 6, 3], True, 100, 17), ("resnet101", [3, 4, 23, 3], True, 100, 17),
            ("resnet152", [3, 8, 36, 3], True, 100, 17)]:
    def _mk(c=_rn):
        name, blocks, bott, classes, opset = c
        doc = resnet_doc(name, blocks, bott, classes)

        @model(name, "study" if name in ("resnet101", "resnet152") else "paper", doc)
        def _b():
            n, x = _resnet(name, blocks, bott, classes, opset)
            return net_finish(n, x, [classes], opset, doc)
    _mk()


ALEXNET_DOC = ("AlexNet (CIFAR-10), the variant of the paper's NeuroSim layer table: conv3x3/2 3->64 (pad 1) + "
               "ReLU + maxpool2, conv3x3 64->192 + ReLU + maxpool2, conv3x3 192->384, 384->256, 256->256 (ReLU "
               "each) + maxpool2, x.view(N,-1) (Shape/Gather/Unsqueeze/Concat/Reshape) to 1024, Dropout, FC "
               "1024->4096 + ReLU, Dropout, FC 4096->4096 + ReLU, FC 4096->10. 23,262,912 weights.")


@model("alexnet_cifar", "paper", ALEXNET_DOC)
def build_alexnet():
    opset = 13
    n = Net("alexnet_cifar", [3, 32, 32])
    x = n.relu("features.1", n.conv("features.0", n.input_name, 64, 3, stride=2, pad=1))
    x = n.maxpool("features.2", x, 2, 2)
    x = n.relu("features.4", n.conv("features.3", x, 192, 3))
    x = n.maxpool("features.5", x, 2, 2)
    x = n.relu("features.7", n.conv("features.6", x, 384, 3))
    x = n.relu("features.9", n.conv("features.8", x, 256, 3))
    x = n.relu("features.11", n.conv("features.10", x, 256, 3))
    x = n.maxpool("features.12", x, 2, 2)
    x = n.view_flatten("", x, opset)
    x = n.add("Dropout", [x], "classifier.0")
    x = n.relu("classifier.2", n.gemm("classifier.1", x, 1024, 4096))
    x = n.add("Dropout", [x], "classifier.3")
    x = n.relu("classifier.5", n.gemm("classifier.4", x, 4096, 4096))
    x = n.gemm("classifier.6", x, 4096, 10, last=True)
    return net_finish(n, x, [10], opset, ALEXNET_DOC)


DENSENET_DOC = ("DenseNet-40 (Huang et al., CIFAR-10, k=12, no bottleneck, no compression): conv3x3 3->16, "
                "3 dense blocks of 12 BN-ReLU-Conv3x3(->12) layers each concatenated onto their input, "
                "transitions BN-ReLU-Conv1x1(C->C)-AveragePool2, final BN-ReLU-AveragePool8, "
                "Reshape to [-1,448] (old x.view(-1, 448) export), Gemm 448->10.")


@model("densenet40", "paper", DENSENET_DOC)
def build_densenet40():
    opset = 11
    n = Net("densenet40", [3, 32, 32])
    x = n.conv("conv1", n.input_name, 16, 3, bias=False)
    for b in range(3):
        for i in range(12):
            p = f"dense{b + 1}.{i}"
            y = n.conv(f"{p}.conv1", n.relu(f"{p}.relu", n.bn(f"{p}.bn1", x)), 12, 3, bias=False)
            c = n.ch[x] + 12
            x = n.add("Concat", [x, y], p, axis=1)
            n.ch[x] = c
        if b < 2:
            p = f"trans{b + 1}"
            y = n.conv(f"{p}.conv1", n.relu(f"{p}.relu", n.bn(f"{p}.bn1", x)), n.ch[x], 1, bias=False)
            x = n.avgpool(f"{p}.pool", y, 2, 2)
    x = n.relu("relu", n.bn("bn", x))
    x = n.avgpool("avgpool", x, 8, 8)
    x = n.add("Reshape", [x, n.param("flat_shape", np.array([-1, n.ch[x]], np.int64))], "")
    x = n.gemm("fc", x, 448, 10, last=True)
    return net_finish(n, x, [10], opset, DENSENET_DOC)


# ---- small committed networks ----

LENET_DOC = ("LeNet-5 (classic 32x32x1 input): conv5x5 1->6 + ReLU + maxpool2, conv5x5 6->16 + ReLU + maxpool2, "
             "Flatten 400, FC 120 + ReLU, FC 84 + ReLU, FC 10. 61,470 weights (the reference's 0.062 M).")


@model("lenet", "nets", LENET_DOC)
def build_lenet():
    n = Net("lenet", [1, 32, 32])
    x = n.maxpool("pool1", n.relu("relu1", n.conv("conv1", n.input_name, 6, 5, pad=0)), 2, 2)
    x = n.maxpool("pool2", n.relu("relu2", n.conv("conv2", x, 16, 5, pad=0)), 2, 2)
    x = n.flatten("", x)
    x = n.relu("relu3", n.gemm("fc1", x, 400, 120))
    x = n.relu("relu4", n.gemm("fc2", x, 120, 84))
    x = n.gemm("fc3", x, 84, 10, last=True)
    return net_finish(n, x, [10], 13, LENET_DOC)


MLP_DOC = "2-layer perceptron [N,64] -> Gemm 64->32 + ReLU -> Gemm 32->10 (smallest end-to-end Gemm net)"


@model("mlp", "nets", MLP_DOC)
def build_mlp():
    n = Net("mlp", [64])
    n.ch[n.input_name] = 64
    x = n.relu("relu", n.gemm("fc1", n.input_name, 64, 32))
    x = n.gemm("fc2", x, 32, 10, last=True)
    return net_finish(n, x, [10], 13, MLP_DOC)


SCALE_SHIFT_DOC = ("per-channel affine written as explicit Mul/Add with constant [C,1,1] tensors after convs "
                   "(as some exporters emit folded BN): Conv(bias)->Mul->Add->Relu, Conv(no bias)->Mul->Add->Relu, "
                   "MaxPool, Flatten, Gemm. Rewrite target: fold into conv weights/bias.")


@model("conv_scale_shift", "nets", SCALE_SHIFT_DOC)
def build_conv_scale_shift():
    n = Net("conv_scale_shift", [3, 16, 16])
    x = n.input_name
    for i, bias in ((1, True), (2, False)):
        x = n.conv(f"conv{i}", x, 8, 3, bias=bias)
        s = n.param(f"scale{i}", n.rng.uniform(0.5, 1.5, (8, 1, 1)).astype(np.float32))
        t = n.param(f"shift{i}", n.rng.uniform(-0.2, 0.2, (8, 1, 1)).astype(np.float32))
        x = n.add("Mul", [x, s], f"affine{i}")
        x = n.add("Add", [x, t], f"affine{i}")
        n.ch[x] = 8
        x = n.relu(f"relu{i}", x)
    x = n.maxpool("pool", x, 2, 2)
    x = n.flatten("", x)
    x = n.gemm("fc", x, 8 * 8 * 8, 10, last=True)
    return net_finish(n, x, [10], 13, SCALE_SHIFT_DOC)


CHAIN_DOC = ("elementwise layers that follow their producer in the buffer (Stage::followers): "
             "Conv->Relu->Mul->Add->Clip (a fused ReLU, then per-channel scale, shift and a clip), "
             "Conv->LeakyRelu->Sub of two images (a join: the other image minus the convolution's)->Relu->PRelu->"
             "Sub(scalar), MaxPool, Flatten, "
             "Gemm->Sigmoid->Div(scalar) as the output.")


@model("op_epilogue_chain", "ops", CHAIN_DOC)
def build_op_epilogue_chain():
    n = Net("op_epilogue_chain", [3, 8, 8], input_name="x")
    r = n.rng
    x = n.relu("block1", n.conv("conv1", n.input_name, 8, 3))
    x = n.add("Mul", [x, n.param("scale", r.uniform(0.5, 1.5, (8, 1, 1)).astype(np.float32))], "affine")
    x = n.add("Add", [x, n.param("shift", r.uniform(-0.2, 0.2, (8, 1, 1)).astype(np.float32))], "affine")
    k = n.add("Clip", [x, n.param("low", np.array(0.0, np.float32)), n.param("high", np.array(6.0, np.float32))],
              "block1")
    n.ch[k] = 8
    y = n.act("LeakyRelu", "block2", n.conv("conv2", k, 8, 3), alpha=0.1)
    y = n.relu("block2", n.add("Sub", [k, y], "residual"))
    y = n.add("PRelu", [y, n.param("slope", r.uniform(0.1, 0.3, (8, 1, 1)).astype(np.float32))], "block2")
    y = n.add("Sub", [y, n.param("offset", np.array(0.5, np.float32))], "block2")
    n.ch[y] = 8
    y = n.flatten("", n.maxpool("pool", y, 2, 2))
    y = n.add("Sigmoid", [n.gemm("fc", y, 8 * 4 * 4, 10, last=True)], "head")
    y = n.add("Div", [y, n.param("half", np.array(2.0, np.float32))], "head")
    _rename_output(n.nodes, y, "y")
    return finish(n.name, 13, n.nodes, [vi("x", ["N", 3, 8, 8])], [vi("y", ["N", 10])], n.inits, doc=CHAIN_DOC,
                  value_info=())


CBRP_DOC = ("Conv->BatchNormalization->Relu->MaxPool twice (BN-15 at opset 15), Flatten, Gemm: the pattern the "
            "fold-bn-into-conv and pooling rewrites target.")


@model("conv_bn_relu_pool", "nets", CBRP_DOC)
def build_conv_bn_relu_pool():
    n = Net("conv_bn_relu_pool", [3, 16, 16])
    x = n.input_name
    for i, c in ((1, 8), (2, 16)):
        x = n.maxpool(f"pool{i}", n.relu(f"relu{i}", n.bn(f"bn{i}", n.conv(f"conv{i}", x, c, 3, bias=(i == 1)),
                                                          gamma=(0.5, 1.5))), 2, 2)
    x = n.flatten("", x)
    x = n.gemm("fc", x, 16 * 4 * 4, 10, last=True)
    return net_finish(n, x, [10], 15, CBRP_DOC)


MINI_RESNET_DOC = ("2-block residual net on [N,3,16,16]: conv-BN-ReLU stem (8 ch), a basic block with identity "
                   "shortcut, a stride-2 basic block (16 ch) with 1x1 conv+BN downsample shortcut, GAP, Flatten, "
                   "Gemm. Small DAG with residual Add for end-to-end tests.")


@model("mini_resnet", "nets", MINI_RESNET_DOC)
def build_mini_resnet():
    n = Net("mini_resnet", [3, 16, 16])
    x = n.relu("relu", n.bn("bn1", n.conv("conv1", n.input_name, 8, 3, bias=False)))
    for bi, (w, stride) in enumerate(((8, 1), (16, 2))):
        p = f"layer1.{bi}"
        y = n.relu(f"{p}.relu", n.bn(f"{p}.bn1", n.conv(f"{p}.conv1", x, w, 3, stride, bias=False)))
        y = n.bn(f"{p}.bn2", n.conv(f"{p}.conv2", y, w, 3, bias=False), gamma=(0.3, 0.6))
        ident = x
        if stride != 1 or n.ch[x] != w:
            ident = n.bn(f"{p}.downsample.1", n.conv(f"{p}.downsample.0", x, w, 1, stride, bias=False))
        s = n.add("Add", [y, ident], p)
        n.ch[s] = w
        x = n.relu(f"{p}.relu", s)
    x = n.flatten("", n.act("GlobalAveragePool", "avgpool", x))
    x = n.gemm("fc", x, 16, 10, last=True)
    return net_finish(n, x, [10], 13, MINI_RESNET_DOC)


MINI_DENSENET_DOC = ("one dense block of 3 BN-ReLU-Conv3x3(k=4) layers with Concat on [N,3,16,16] after a "
                     "conv stem (8 ch), transition BN-ReLU-Conv1x1-AveragePool2, BN-ReLU, GlobalAveragePool, "
                     "Flatten, Gemm. Small DAG with channel Concat.")


@model("mini_densenet", "nets", MINI_DENSENET_DOC)
def build_mini_densenet():
    n = Net("mini_densenet", [3, 16, 16])
    x = n.conv("conv1", n.input_name, 8, 3, bias=False)
    for i in range(3):
        p = f"dense1.{i}"
        y = n.conv(f"{p}.conv1", n.relu(f"{p}.relu", n.bn(f"{p}.bn1", x)), 4, 3, bias=False)
        c = n.ch[x] + 4
        x = n.add("Concat", [x, y], p, axis=1)
        n.ch[x] = c
    y = n.conv("trans1.conv1", n.relu("trans1.relu", n.bn("trans1.bn1", x)), 10, 1, bias=False)
    x = n.avgpool("trans1.pool", y, 2, 2)
    x = n.relu("relu", n.bn("bn", x))
    x = n.flatten("", n.act("GlobalAveragePool", "avgpool", x))
    x = n.gemm("fc", x, 10, 10, last=True)
    return net_finish(n, x, [10], 17, MINI_DENSENET_DOC)


# ==============================================================================================
# Output, selection, verification, table
# ==============================================================================================


# ==============================================================================================
# Exporter patterns: what torch's two ONNX exporters write (test-models/exporter/)
# ==============================================================================================
# Single ops of opsets 13-21 as torch.onnx.export writes them (dynamo: opset 18, axes as inputs,
# Gelu at opset 20; legacy: opset 17) and small networks with their patterns: ReduceMean global
# pooling, LayerNormalization, the Erf GELU, attention blocks, weights in an external file.

EXTERNAL = set()  # models saved with their weights in "<name>.onnx.data"


def ex(name, opset, what, nodes, in_shapes, inits=(), meta=None, checker_ok=True):
    @model(name, "exporter", what, checker_ok=checker_ok)
    def _build():
        return op1(name, opset, nodes, in_shapes, inits=inits, doc=what, meta=meta)
    return _build


def _unary(name, opset, op, what, pre=(), shape=(1, 4, 5, 6), inits=(), **attrs):
    nodes = list(pre) + [N(op, ["t" if pre else "x"], **attrs)]
    ex(name, opset, what, nodes, [list(shape)], inits=inits)


POS = [T("half", np.array(0.5, np.float32))]
_unary("ex_exp", 18, "Exp", "Exp")
_unary("ex_log", 18, "Log", "Log of |x| + 0.5 (Abs, Add, Log)", pre=[N("Abs", ["x"], ["a"]), N("Add", ["a", "half"], ["t"])], inits=POS)
_unary("ex_sqrt", 18, "Sqrt", "Sqrt of |x| (Abs, Sqrt)", pre=[N("Abs", ["x"], ["t"])])
_unary("ex_reciprocal", 18, "Reciprocal", "Reciprocal of |x| + 0.5", pre=[N("Abs", ["x"], ["a"]), N("Add", ["a", "half"], ["t"])], inits=POS)
_unary("ex_neg", 18, "Neg", "Neg")
_unary("ex_abs", 18, "Abs", "Abs")
_unary("ex_erf", 18, "Erf", "Erf")
_unary("ex_softplus", 18, "Softplus", "Softplus")
_unary("ex_softsign", 18, "Softsign", "Softsign")
_unary("ex_selu", 18, "Selu", "Selu with the default alpha and gamma")
_unary("ex_hardsigmoid", 18, "HardSigmoid", "HardSigmoid alpha=0.25 beta=0.4", alpha=0.25, beta=0.4)
_unary("ex_hardswish", 18, "HardSwish", "HardSwish (MobileNetV3)")
_unary("ex_mish", 18, "Mish", "Mish (opset 18)")
_unary("ex_gelu20", 20, "Gelu", "Gelu (opset 20, exact)")
_unary("ex_gelu20_tanh", 20, "Gelu", "Gelu (opset 20) approximate=tanh", approximate="tanh")
_unary("ex_softmax_axis2", 13, "Softmax", "Softmax over axis 2 of [1,4,5,6] (not the channels): gathered innermost", axis=2)
ex("ex_pow3", 18, "Pow with a constant exponent 3", N("Pow", ["x", "e"]), [[1, 4, 5, 6]],
   inits=[T("e", np.array(3.0, np.float32))])
ex("ex_silu", 18, "SiLU as exported: Sigmoid then Mul", [N("Sigmoid", ["x"], ["s"]), N("Mul", ["x", "s"])], [[1, 4, 5, 6]])
ex("ex_max3", 18, "Max of three inputs with broadcasting", N("Max", ["x0", "x1", "x2"]), [[1, 4, 5, 6], [1, 4, 5, 6], [1, 4, 5, 6]])
ex("ex_min_const", 18, "Min with a constant per-channel bound", N("Min", ["x", "c"]), [[1, 4, 5, 6]],
   inits=[T("c", np.linspace(-0.5, 0.5, 4, dtype=np.float32).reshape(4, 1, 1))])
for _name, _op, _opset, _axes, _keep in [
        ("ex_reducemean_last", "ReduceMean", 18, [-1], 0), ("ex_reducesum13", "ReduceSum", 13, [1], 1),
        ("ex_reducemax_spatial", "ReduceMax", 18, [2, 3], 0), ("ex_reducemin", "ReduceMin", 18, [1, 3], 1),
        ("ex_reducel2", "ReduceL2", 18, [2], 0), ("ex_reducesumsquare", "ReduceSumSquare", 18, [0, 2], 1)]:
    ex(_name, _opset, f"{_op} over axes {_axes} keepdims={_keep} (axes as an input, opset {_opset})",
       N(_op, ["x", "axes"], keepdims=_keep), [[1, 4, 5, 6]], inits=[i64("axes", _axes)])
ex("ex_reducemean17_attr", 17, "ReduceMean with axes as an attribute (legacy exporter, opset 17)",
   N("ReduceMean", ["x"], axes=[1], keepdims=1), [[1, 4, 5, 6]])


def _norm_inits(name, n):
    r = Rand(name)
    return [T("scale", r.u(0.5, 1.5, n)), T("bias", r.u(-0.5, 0.5, n))]


ex("ex_layernorm", 17, "LayerNormalization over the last axis (transformers)", N("LayerNormalization", ["x", "scale", "bias"], axis=-1, epsilon=1e-6),
   [[1, 6, 16]], inits=_norm_inits("ex_layernorm", 16))
ex("ex_instancenorm", 17, "InstanceNormalization", N("InstanceNormalization", ["x", "scale", "bias"]),
   [[1, 4, 5, 6]], inits=_norm_inits("ex_instancenorm", 4))
ex("ex_groupnorm18", 18, "GroupNormalization-18 (2 groups, per-group scale/bias; the checker calls opset 18's form deprecated, onnxruntime runs it)",
   N("GroupNormalization", ["x", "scale", "bias"], num_groups=2), [[1, 4, 5, 6]], inits=_norm_inits("ex_groupnorm18", 2),
   checker_ok=False)
ex("ex_groupnorm21", 21, "GroupNormalization-21 (2 groups, per-channel scale/bias)",
   N("GroupNormalization", ["x", "scale", "bias"], num_groups=2), [[1, 4, 5, 6]], inits=_norm_inits("ex_groupnorm21", 4))
ex("ex_slice_steps", 13, "Slice of run-time data: channels 1..7 step 2, rows from 1",
   N("Slice", ["x", "st", "en", "ax", "sp"]), [[1, 8, 5, 6]],
   inits=[i64("st", [1, 1]), i64("en", [7, 99]), i64("ax", [1, 2]), i64("sp", [2, 1])])
ex("ex_split_halves", 18, "Split (num_outputs=2) of run-time channels, the halves subtracted (ShuffleNetV2's channel split)",
   [N("Split", ["x"], ["a", "b"], axis=1, num_outputs=2), N("Sub", ["a", "b"])], [[1, 8, 5, 6]])
ex("ex_gather_token", 13, "Gather index 0 of axis 1 of run-time tokens (a class token)", N("Gather", ["x", "i"], axis=1),
   [[1, 5, 8]], inits=[i64("i", 0)])
ex("ex_expand", 13, "Expand [1,4,1,6] to [1,4,5,6]", N("Expand", ["x", "s"]), [[1, 4, 1, 6]], inits=[i64("s", [1, 4, 5, 6])])
ex("ex_tile", 13, "Tile [1,4,3,2] by [1,1,2,3]", N("Tile", ["x", "r"]), [[1, 4, 3, 2]], inits=[i64("r", [1, 1, 2, 3])])
ex("ex_depthtospace", 13, "DepthToSpace blocksize 2 (DCR)", N("DepthToSpace", ["x"], blocksize=2), [[1, 8, 3, 4]])
ex("ex_spacetodepth", 13, "SpaceToDepth blocksize 2", N("SpaceToDepth", ["x"], blocksize=2), [[1, 2, 4, 6]])
ex("ex_matmul_runtime", 18, "MatMul of two run-time operands [1,2,4,6] x [1,2,6,5] (attention's Q x K^T): on the vector unit",
   N("MatMul", ["x0", "x1"]), [[1, 2, 4, 6], [1, 2, 6, 5]])


@model("ex_conv1d_pool1d", "exporter", "Conv1d then MaxPool1d (through the back end as height-1 2-D)")
def _():
    r = Rand("ex_conv1d_pool1d")
    return op1("ex_conv1d_pool1d", 18, [N("Conv", ["x", "W", "B"], ["c"], kernel_shape=[3], pads=[1, 1]),
                                         N("MaxPool", ["c"], kernel_shape=[2], strides=[2])],
               [[1, 4, 16]], inits=[T("W", r.w(6, 4, 3)), T("B", r.u(-0.1, 0.1, 6))])


@model("ex_convtranspose", "exporter", "ConvTranspose 2-D stride 2, pads 1, output_padding 1 (a decoder's upsampling): a convolution of the zero-inserted input")
def _():
    r = Rand("ex_convtranspose")
    return op1("ex_convtranspose", 18, N("ConvTranspose", ["x", "W", "B"], strides=[2, 2], pads=[1, 1, 1, 1],
                                          output_padding=[1, 1]),
               [[1, 4, 5, 5]], inits=[T("W", r.w(4, 3, 3, 3)), T("B", r.u(-0.1, 0.1, 3))])


@model("ex_convtranspose1d_group", "exporter", "ConvTranspose 1-D, 2 groups, stride 3, output_shape with SAME_UPPER")
def _():
    r = Rand("ex_convtranspose1d_group")
    return op1("ex_convtranspose1d_group", 18, N("ConvTranspose", ["x", "W"], strides=[3], group=2, output_shape=[16],
                                                  auto_pad="SAME_UPPER"),
               [[1, 4, 6]], inits=[T("W", r.w(4, 2, 4))])


ex("ex_pad_reflect", 18, "Pad in reflect mode (ReflectionPad2d)", N("Pad", ["x", "p"], mode="reflect"), [[1, 3, 5, 6]],
   inits=[i64("p", [0, 0, 2, 1, 0, 0, 1, 3])])
ex("ex_pad_edge", 18, "Pad in edge mode (ReplicationPad2d)", N("Pad", ["x", "p"], mode="edge"), [[1, 3, 5, 6]],
   inits=[i64("p", [0, 0, 2, 1, 0, 0, 1, 3])])
ex("ex_resize_nearest2x", 18, "Resize nearest x2 (half_pixel, round_prefer_floor): a broadcast upscaling", N("Resize", ["x", "", "s"], mode="nearest"),
   [[1, 3, 5, 6]], inits=[T("s", np.array([1, 1, 2, 2], np.float32))])
ex("ex_resize_nearest_sizes", 18, "Resize nearest to sizes [7, 4] (asymmetric, floor): slices and concats", N("Resize", ["x", "", "", "sz"], mode="nearest",
   coordinate_transformation_mode="asymmetric", nearest_mode="floor"), [[1, 3, 5, 6]], inits=[i64("sz", [1, 3, 7, 4])])
ex("ex_resize_linear", 18, "Resize linear x2, x1.5 (half_pixel): interpolation matrices on crossbars", N("Resize", ["x", "", "s"], mode="linear"),
   [[1, 3, 5, 6]], inits=[T("s", np.array([1, 1, 2, 1.5], np.float32))])
ex("ex_upsample9", 9, "Upsample-9 nearest x2, x3", N("Upsample", ["x", "s"], mode="nearest"), [[1, 3, 5, 6]],
   inits=[T("s", np.array([1, 1, 2, 3], np.float32))])
ex("ex_prelu_1d", 16, "PRelu with one slope per channel ([C, 1]) of a 1-D signal [1, 4, 16] (PReLU after Conv1d)",
   N("PRelu", ["x", "slope"]), [[1, 4, 16]], inits=[T("slope", np.array([[0.1], [0.2], [-0.3], [0.5]], np.float32))])
ex("ex_einsum_attention", 17, "Einsum bhid,bhjd->bhij of two run-time operands (MaxViT's attention scores)",
   N("Einsum", ["x0", "x1"], equation="bhid,bhjd->bhij"), [[1, 2, 5, 4], [1, 2, 6, 4]])
ex("ex_gemm_runtime_b", 13, "Gemm of two run-time operands with transB, alpha and a constant C (torch's addmm)",
   N("Gemm", ["x0", "x1", "c"], transB=1, alpha=0.5), [[4, 6], [5, 6]], inits=[T("c", np.linspace(-1, 1, 5, dtype=np.float32))])


@model("ex_mask_folding", "exporter", "a shifted-window style mask built from constants (Range, Mod, Equal, Not, Where, ScatterND), folded, added to run-time scores")
def _():
    nodes = [
        N("Range", ["start", "limit", "delta"], ["r"]),
        N("Mod", ["r", "three"], ["m"]),
        N("Equal", ["m", "zero"], ["e"]),
        N("Not", ["e"], ["ne"]),
        N("Where", ["ne", "neg", "zerof"], ["w"]),
        N("ScatterND", ["w", "idx", "upd"], ["mask"]),
        N("Add", ["x", "mask"]),
    ]
    inits = [i64("start", 0), i64("limit", 6), i64("delta", 1), i64("three", 3), i64("zero", 0),
             T("neg", np.array(-100.0, np.float32)), T("zerof", np.array(0.0, np.float32)),
             i64("idx", [[1], [4]]), T("upd", np.array([5.0, -5.0], np.float32))]
    return op1("ex_mask_folding", 18, nodes, [[1, 4, 6]], inits=inits)


class ExNet(Net):
    """A network as torch's dynamo exporter writes it (opset 18, axes as inputs)."""

    def layer_norm(self, path, x, width):
        r = self.rng
        return self.add("LayerNormalization", [x, self.param(f"{path}.weight", r.uniform(0.5, 1.5, width).astype(np.float32)),
                                               self.param(f"{path}.bias", r.uniform(-0.2, 0.2, width).astype(np.float32))],
                        path, axis=-1, epsilon=1e-6)

    def linear(self, path, x, fin, fout):
        w = (self.rng.standard_normal((fin, fout), dtype=np.float32) * np.float32(np.sqrt(1.0 / fin)))
        y = self.add("MatMul", [x, self.param(f"{path}.weight", w)], path)
        return self.add("Add", [y, self.param(f"{path}.bias", self.rng.uniform(-0.1, 0.1, fout).astype(np.float32))], path)

    def erf_gelu(self, path, x):
        """GELU as the exporters decompose it before opset 20: x * 0.5 * (1 + erf(x / sqrt 2))."""
        d = self.add("Div", [x, self.param(f"{path}.sqrt2", np.array(1.4142135, np.float32))], path)
        e = self.add("Erf", [d], path)
        a = self.add("Add", [e, self.param(f"{path}.one", np.array(1.0, np.float32))], path)
        m = self.add("Mul", [x, a], path)
        return self.add("Mul", [m, self.param(f"{path}.half", np.array(0.5, np.float32))], path)

    def shape(self, path, dims):
        return self.param(f"{path}.shape", np.array(dims, np.int64))


@model("ex_net_reducemean_head", "exporter",
       "conv-BN-ReLU stem, a residual block, ReduceMean over [2, 3] keepdims=1 (torch's dynamo exporter's "
       "adaptive average pooling), Flatten, Gemm; weights in an external file (ex_net_reducemean_head.onnx.data)")
def _():
    EXTERNAL.add("ex_net_reducemean_head")
    n = ExNet("ex_net_reducemean_head", [3, 16, 16])
    x = n.relu("relu0", n.bn("bn0", n.conv("conv0", n.input_name, 8, 3)))
    y = n.bn("layer1.bn2", n.conv("layer1.conv2", n.relu("layer1.relu", n.bn("layer1.bn1", n.conv("layer1.conv1", x, 8, 3))), 8, 3))
    x = n.relu("layer1.relu2", n.add("Add", [x, y], "layer1.add"))
    n.ch[x] = 8
    x = n.add("ReduceMean", [x, n.param("pool.axes", np.array([-1, -2], np.int64))], "pool", keepdims=1)
    x = n.gemm("fc", n.flatten("flatten", x), 8, 10, last=True)
    return net_finish(n, x, [10], 18, "ReduceMean head (dynamo exporter)")


@model("ex_net_attention", "exporter",
       "a ViT-style encoder block on [N, 5, 16] tokens as torch exports it: LayerNormalization, MatMul+Add "
       "q/k/v, heads by Reshape/Transpose, Q x K^T and A x V (MatMuls of run-time operands), Mul by the "
       "scale, Softmax, Erf GELU MLP, residual Adds, the class token by Gather, a Gemm head; weights in "
       "an external file")
def _():
    EXTERNAL.add("ex_net_attention")
    tokens, width, heads = 5, 16, 2
    hd = width // heads
    n = ExNet("ex_net_attention", [tokens, width])
    x = n.input_name
    h = n.layer_norm("ln1", x, width)
    def head_split(path, t):
        r = n.add("Reshape", [t, n.shape(path, [0, tokens, heads, hd])], path)
        return n.add("Transpose", [r], path, perm=[0, 2, 1, 3])
    q = head_split("q.heads", n.linear("q", h, width, width))
    k = head_split("k.heads", n.linear("k", h, width, width))
    v = head_split("v.heads", n.linear("v", h, width, width))
    kt = n.add("Transpose", [k], "kt", perm=[0, 1, 3, 2])
    s = n.add("MatMul", [q, kt], "scores")
    s = n.add("Mul", [s, n.param("scale", np.array(1 / np.sqrt(hd), np.float32))], "scaled")
    a = n.add("Softmax", [s], "attn", axis=-1)
    o = n.add("MatMul", [a, v], "context")
    o = n.add("Transpose", [o], "merge", perm=[0, 2, 1, 3])
    o = n.add("Reshape", [o, n.shape("merge", [0, tokens, width])], "merge")
    x = n.add("Add", [x, n.linear("proj", o, width, width)], "res1")
    m = n.erf_gelu("mlp.gelu", n.linear("mlp.fc1", n.layer_norm("ln2", x, width), width, 2 * width))
    x = n.add("Add", [x, n.linear("mlp.fc2", m, 2 * width, width)], "res2")
    x = n.layer_norm("ln3", x, width)
    cls = n.add("Gather", [x, n.param("cls.index", np.array(0, np.int64))], "cls", axis=1)
    y = n.gemm("head", cls, width, 10, last=True)
    return net_finish(n, y, [10], 18, "attention block (dynamo exporter)")


KIND_ORDER = {"nets": 0, "ops": 1, "bad": 2, "paper": 3, "exporter": 4, "study": 5}
GROUPS = {"small": {"nets", "ops", "bad", "exporter"}, "paper": {"paper"}, "study": {"study"},
          "nets": {"nets"}, "ops": {"ops"}, "bad": {"bad"}, "exporter": {"exporter"},
          "all": {"nets", "ops", "bad", "exporter", "paper", "study"}}


def select(only: list[str] | None) -> list[Spec]:
    if not only:
        only = ["small"]
    chosen, seen = [], set()
    for sel in only:
        if sel in GROUPS:
            hits = [s for s in REGISTRY if s.kind in GROUPS[sel]]
        else:
            hits = [s for s in REGISTRY if fnmatch.fnmatchcase(s.name, sel)]
        if not hits:
            raise SystemExit(f"generate.py: --only {sel!r} matches no model or group "
                             f"(groups: {', '.join(GROUPS)}; see --list)")
        for s in hits:
            if s.name not in seen:
                seen.add(s.name)
                chosen.append(s)
    return sorted(chosen, key=lambda s: (KIND_ORDER[s.kind], s.name))


def out_path(spec: Spec, out: str | None) -> str:
    if spec.kind in ("paper", "study"):
        d = out if out else os.path.join(HERE, "generated")
    else:
        d = os.path.join(out if out else HERE, spec.kind)
    return os.path.join(d, spec.name + ".onnx")


def build_bytes(spec: Spec) -> bytes:
    m = spec.build()
    return m if isinstance(m, (bytes, bytearray)) else m.SerializeToString()


def write(specs, out) -> None:
    for s in specs:
        t0 = time.time()
        data = build_bytes(s)
        path = out_path(s, out)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if s.name in EXTERNAL:
            # Weights in "<name>.onnx.data" next to the model, as torch's default exporter
            # writes them (location relative to the model, offsets and lengths).
            m = onnx.load_from_string(data)
            if os.path.exists(path + ".data"):
                os.remove(path + ".data")  # onnx appends to an existing data file
            onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=os.path.basename(path) + ".data", size_threshold=256)
            data = open(path, "rb").read()
        else:
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        print(f"wrote {os.path.relpath(path)} ({len(data):,} bytes, {time.time() - t0:.2f} s)")


def zoo_files():
    return sorted(f for f in os.listdir(ZOO_SRC) if f.startswith("light_") and f.endswith(".onnx"))


def copy_zoo(out) -> None:
    d = os.path.join(out if out else HERE, "zoo")
    os.makedirs(d, exist_ok=True)
    for f in zoo_files():
        shutil.copyfile(os.path.join(ZOO_SRC, f), os.path.join(d, f))
        print(f"copied {os.path.relpath(os.path.join(d, f))} (from onnx=={ONNX_VERSION} backend test data)")


def _shape(vi_):
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in vi_.type.tensor_type.shape.dim]


def verify(specs, out) -> int:
    failures = 0
    for s in specs:
        path = out_path(s, out)
        if not os.path.exists(path):
            print(f"SKIP {s.name}: {os.path.relpath(path)} not generated")
            continue
        notes, ok = [], True
        try:
            m = onnx.load(path)
            onnx.checker.check_model(m)
            chk = True
        except Exception as e:  # noqa: BLE001
            chk, m_err = False, str(e).splitlines()[0][:100]
            notes.append(f"checker: {m_err}")
        if chk != s.checker_ok:
            ok = False
            notes.append(f"checker {'passed' if chk else 'failed'}, expected {'pass' if s.checker_ok else 'fail'}")
        symbolic = False
        ran = True
        try:
            m = onnx.load(path)
            symbolic = any(d.HasField("dim_param") for i in m.graph.input for d in i.type.tensor_type.shape.dim[:1])
            batches = (1, 4) if symbolic else (1,)
            dims = {"H": 32} if s.name == "bad_dynamic_h" else {}
            for b in batches:
                feeds = reference.make_inputs(m, b, 0, dims)
                outs = reference.run_ort(path, feeds)
                for (name, arr), ovi in zip(outs, m.graph.output):
                    want = [b if (isinstance(d, str) and i == 0) else d for i, d in enumerate(_shape(ovi))]
                    if list(arr.shape) != want and "?" not in want:
                        ok = False
                        notes.append(f"output {name} shape {list(arr.shape)} != declared {want}")
                    if np.issubdtype(arr.dtype, np.floating):
                        if not np.isfinite(arr).all():
                            ok = False
                            notes.append(f"batch {b}: non-finite output")
                        elif arr.size > 1 and float(arr.std()) == 0.0 and s.kind != "bad":
                            ok = False
                            notes.append(f"batch {b}: constant output")
                        if b == batches[-1]:
                            notes.append(f"b{b} out {list(arr.shape)} |max| {float(np.abs(arr).max()):.3g} "
                                         f"std {float(arr.std()):.3g}")
        except Exception as e:  # noqa: BLE001
            ran = False
            notes.append(f"onnxruntime: {str(e).splitlines()[0][:120]}")
        if ran != s.ort_ok:
            ok = False
            notes.append(f"onnxruntime {'ran' if ran else 'failed'}, expected {'run' if s.ort_ok else 'fail'}")
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {s.name:28} " + "; ".join(notes))
    print(f"verify: {len(specs) - failures} ok, {failures} failed")
    return failures


def verify_zoo(out) -> int:
    d = os.path.join(out if out else HERE, "zoo")
    failures = 0
    for f in zoo_files():
        path = os.path.join(d, f)
        try:
            same = open(path, "rb").read() == open(os.path.join(ZOO_SRC, f), "rb").read()
            m = onnx.load(path)
            onnx.checker.check_model(m)
            outs = reference.run_ort(path, reference.make_inputs(m, 1, 0))
            msg = f"identical to onnx=={ONNX_VERSION} copy: {same}; " + ", ".join(
                f"{n} {list(x.shape)} finite {bool(np.isfinite(x).all())}" for n, x in outs)
            ok = same and all(np.isfinite(x).all() for _, x in outs)
        except Exception as e:  # noqa: BLE001
            ok, msg = False, str(e).splitlines()[0][:150]
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {f[:-5]:28} {msg}")
    print(f"verify zoo: {len(zoo_files()) - failures} ok, {failures} failed")
    return failures


# ---- table ----

def model_facts(m: onnx.ModelProto) -> dict:
    inits = {t.name: t for t in m.graph.initializer}
    opset = next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), None)
    ins = [(i.name, _shape(i)) for i in m.graph.input if i.name not in inits]
    outs = [(o.name, _shape(o)) for o in m.graph.output]
    shapes = {}
    try:
        inf = onnx.shape_inference.infer_shapes(m, data_prop=True)
        for v in list(inf.graph.value_info) + list(inf.graph.output) + list(inf.graph.input):
            shapes[v.name] = _shape(v)
    except Exception:  # noqa: BLE001
        pass
    # Constant tensors: initializers and anything computed only from constants (Constant,
    # ConstantOfShape chains, as in the zoo models). MVM weights = the constant weight operand
    # of Conv (W), Gemm (B) and MatMul (whichever operand is constant).
    const = set(inits)
    for n in m.graph.node:
        if all((not i) or i in const for i in n.input) and n.op_type not in ("RandomNormal", "RandomUniform"):
            const.update(n.output)

    def numel(t):
        if t in inits:
            return int(np.prod(inits[t].dims))
        return int(np.prod([d for d in shapes.get(t, []) if isinstance(d, int)] or [0]))

    weights = 0
    for n in m.graph.node:
        if n.op_type in ("Conv", "Gemm") and len(n.input) > 1 and n.input[1] in const:
            weights += numel(n.input[1])
        elif n.op_type == "MatMul":
            weights += sum(numel(t) for t in n.input[:2] if t in const)
    params = sum(int(np.prod(t.dims)) for t in m.graph.initializer if t.data_type in (F32, TensorProto.DOUBLE))
    return dict(opset=opset, ir=m.ir_version, ins=ins, outs=outs, weights=weights, params=params,
                ops=sorted({n.op_type for n in m.graph.node}), nodes=len(m.graph.node))


def _fmt_io(items):
    return ", ".join(f"`{n}` [{','.join(str(d) for d in s)}]" for n, s in items)


def table(specs, include_zoo=True) -> str:
    rows = ["| model | dir | provenance | opset (IR) | inputs | outputs | MVM weights | params | exercises |",
            "|---|---|---|---|---|---|---:|---:|---|"]
    for s in specs:
        d = "generated" if s.kind in ("paper", "study") else s.kind
        obj = s.build()
        if isinstance(obj, (bytes, bytearray)):
            rows.append(f"| `{s.name}` | {d} | generated, seed {seed_of(s.name)} | - | - | - | - | - | {s.what} |")
            continue
        f = model_facts(obj)
        what = s.what
        if s.kind == "bad":
            what += f" (checker {'passes' if s.checker_ok else 'fails'}, onnxruntime {'runs' if s.ort_ok else 'fails'})"
        rows.append(f"| `{s.name}` | {d} | generated, seed {seed_of(s.name)} | {f['opset']} ({f['ir']}) | "
                    f"{_fmt_io(f['ins'])} | {_fmt_io(f['outs'])} | {f['weights']:,} | {f['params']:,} | {what} |")
    if include_zoo:
        for fn in zoo_files():
            m = onnx.load(os.path.join(ZOO_SRC, fn))
            f = model_facts(m)
            rows.append(f"| `{fn[:-5]}` | zoo | copied from onnx=={ONNX_VERSION} backend test data (`{m.producer_name}`) | "
                        f"{f['opset']} ({f['ir']}) | {_fmt_io(f['ins'])} | {_fmt_io(f['outs'])} | {f['weights']:,} | "
                        f"{f['params']:,} | real ImageNet topology, {f['nodes']} nodes; weights are ConstantOfShape "
                        f"(constant-valued): ops {', '.join(f['ops'])} |")
    return "\n".join(rows) + "\n"


BEGIN, END = "<!-- BEGIN MODEL TABLE (generate.py --update-readme) -->", "<!-- END MODEL TABLE -->"


def update_readme(text_table: str) -> None:
    path = os.path.join(HERE, "README.md")
    doc = open(path).read()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{path}: table markers not found")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w") as f:
        f.write(head + BEGIN + "\n" + text_table + END + tail)
    print(f"updated {os.path.relpath(path)}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--out", help="output root (see above for defaults)")
    p.add_argument("--only", nargs="+", metavar="SEL", help="names, patterns or groups (default: small)")
    p.add_argument("--zoo", action="store_true", help="copy the light_*.onnx zoo models into <out>/zoo")
    p.add_argument("--list", action="store_true", help="list the selected models and exit")
    p.add_argument("--table", action="store_true", help="print the README model table (all models) and exit")
    p.add_argument("--update-readme", action="store_true", help="rewrite the model table in README.md and exit")
    p.add_argument("--verify", action="store_true", help="check existing files instead of writing them")
    a = p.parse_args(argv)

    if a.table or a.update_readme:
        t = table(select(a.only or ["all"]), include_zoo=not a.only)
        if a.update_readme:
            update_readme(t)
        else:
            sys.stdout.write(t)
        return 0
    specs = [] if (a.zoo and not a.only) else select(a.only)
    if a.list:
        for s in specs:
            print(f"{s.name:28} {s.kind:6} {os.path.relpath(out_path(s, a.out))}  {s.what}")
        if a.zoo:
            for f in zoo_files():
                print(f"{f[:-5]:28} zoo    copied from onnx=={ONNX_VERSION}")
        return 0
    if a.verify:
        bad = verify(specs, a.out) if specs else 0
        if a.zoo:
            bad += verify_zoo(a.out)
        return 1 if bad else 0
    t0 = time.time()
    write(specs, a.out)
    if a.zoo:
        copy_zoo(a.out)
    if specs:
        print(f"done: {len(specs)} models in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
