//! Tests of graph rewriting: one test per rule (structure and numerics against the reference
//! evaluator), plus extraction (DAG sharing), determinism, rule selection errors, names, and a
//! Conv -> BN -> Relu -> MaxPool chain under all rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::extract::{dag_cost, extract, greedy, GraphCost};
use super::*;
use crate::cost::{op_cost, OpCostModel};
use crate::graph::{eval::evaluate, semantics::infer_shape};
use pim_dialects::{DialectOp, Port, ValueId};
use pim_runtime::Tensor;
use std::collections::BTreeMap;

/// xorshift64*: a tiny seeded generator (no dependency needed for test data).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
        (bits as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn tensor(&mut self, shape: &[usize]) -> Tensor {
        let data = (0..shape.iter().product::<usize>())
            .map(|_| self.next())
            .collect();
        Tensor::new(shape.to_vec(), data).unwrap()
    }
}

/// Builds a `Func<GraphOp>` by hand with random constants; shapes come from shape inference.
struct Builder {
    func: Func<GraphOp>,
    rng: Rng,
}

impl Builder {
    fn new() -> Self {
        Self {
            func: Func::new("main"),
            rng: Rng(0x9E37_79B9_7F4A_7C15),
        }
    }

    fn input(&mut self, name: &str, shape: &[usize]) -> ValueId {
        self.func.add_input(name, shape.to_vec())
    }

    fn tensor(&mut self, name: &str, value: Tensor) -> ValueId {
        let shape = value.shape().to_vec();
        self.func
            .push(name, GraphOp::Constant { value }, vec![], shape)
    }

    fn random(&mut self, name: &str, shape: &[usize]) -> ValueId {
        let value = self.rng.tensor(shape);
        self.tensor(name, value)
    }

    /// Random values in [0.5, 1.5] (variances, scales).
    fn positive(&mut self, name: &str, shape: &[usize]) -> ValueId {
        let value = self.rng.tensor(shape).map(|v| 1.0 + 0.5 * v);
        self.tensor(name, value)
    }

    fn op(&mut self, name: &str, op: GraphOp, operands: &[ValueId]) -> ValueId {
        let shapes: Vec<&[usize]> = operands.iter().map(|&v| self.func.shape(v)).collect();
        let shape = infer_shape(&op, &shapes).unwrap_or_else(|e| panic!("{name}: {e}"));
        self.func.push(name, op, operands.to_vec(), shape)
    }

    fn output(&mut self, name: &str, value: ValueId) {
        self.func.outputs.push(Port {
            name: name.into(),
            value,
        });
    }

    /// `conv` with a random `[cout, cin, k, k]` weight and bias, unit strides, `pad` on each side.
    fn conv(&mut self, name: &str, x: ValueId, cout: usize, k: usize, pad: i64) -> ValueId {
        let cin = self.func.shape(x)[1];
        let w = self.random(&format!("{name}.w"), &[cout, cin, k, k]);
        let b = self.random(&format!("{name}.b"), &[cout]);
        self.op(name, conv_op(vec![pad; 4]), &[x, w, b])
    }

    /// Batch norm of `x` over its axis 1 with random statistics.
    fn batch_norm(&mut self, name: &str, x: ValueId) -> ValueId {
        let c = self.func.shape(x)[1];
        let s = self.positive(&format!("{name}.s"), &[c]);
        let t = self.random(&format!("{name}.t"), &[c]);
        let m = self.random(&format!("{name}.m"), &[c]);
        let v = self.positive(&format!("{name}.v"), &[c]);
        self.op(name, GraphOp::BatchNorm { epsilon: 1e-5 }, &[x, s, t, m, v])
    }

    fn gemm(
        &mut self,
        name: &str,
        a: ValueId,
        n: usize,
        attrs: GraphOp,
        c_shape: &[usize],
    ) -> ValueId {
        let k = self.func.shape(a)[1];
        let trans_b = matches!(attrs, GraphOp::Gemm { trans_b: 1, .. });
        let b_shape = if trans_b { [n, k] } else { [k, n] };
        let b = self.random(&format!("{name}.b"), &b_shape);
        let c = self.random(&format!("{name}.c"), c_shape);
        self.op(name, attrs, &[a, b, c])
    }
}

fn conv_op(pads: Vec<i64>) -> GraphOp {
    GraphOp::Conv {
        strides: vec![1, 1],
        pads,
        dilations: vec![1, 1],
        group: 1,
    }
}

fn gemm_op(alpha: f32, beta: f32, trans_b: i64) -> GraphOp {
    GraphOp::Gemm {
        alpha,
        beta,
        trans_a: 0,
        trans_b,
    }
}

fn max_pool(kernel: i64, stride: i64, pad: i64, dilation: i64) -> GraphOp {
    GraphOp::MaxPool {
        kernel: vec![kernel; 2],
        strides: vec![stride; 2],
        pads: vec![pad; 4],
        dilations: vec![dilation; 2],
        ceil_mode: 0,
    }
}

/// The mnemonics of the non-constant nodes, in order.
fn ops(func: &Func<GraphOp>) -> Vec<&'static str> {
    func.nodes
        .iter()
        .filter(|n| !matches!(n.op, GraphOp::Constant { .. }))
        .map(|n| n.op.mnemonic())
        .collect()
}

fn node<'a>(func: &'a Func<GraphOp>, mnemonic: &str) -> &'a pim_dialects::Node<GraphOp> {
    func.nodes
        .iter()
        .find(|n| n.op.mnemonic() == mnemonic)
        .unwrap_or_else(|| panic!("no {mnemonic} in {:?}", ops(func)))
}

/// Evaluates both functions on the same seeded random inputs and compares every output within
/// 1e-5 relative (to max(1, |expected|)).
fn assert_same_values(original: &Func<GraphOp>, rewritten: &Func<GraphOp>) {
    let mut rng = Rng(0x00C0_FFEE_1234_5678);
    let inputs: Vec<Tensor> = original
        .inputs
        .iter()
        .map(|p| rng.tensor(original.shape(p.value)))
        .collect();
    let expected = evaluate(original, &inputs).expect("original evaluates");
    let actual = evaluate(rewritten, &inputs).expect("rewritten evaluates");
    assert_eq!(expected.len(), actual.len());
    for (e, a) in expected.iter().zip(&actual) {
        assert_eq!(e.shape(), a.shape());
        for (i, (&x, &y)) in e.data().iter().zip(a.data()).enumerate() {
            assert!(
                (x - y).abs() <= 1e-5 * x.abs().max(1.0),
                "element {i}: expected {x}, got {y}"
            );
        }
    }
}

/// Rewrites with `selection`, checks the result computes the same values, returns it.
fn rewrite_checked(
    func: &Func<GraphOp>,
    selection: &RuleSelection,
) -> (Func<GraphOp>, RewriteReport) {
    let (result, report) = rewrite(func, selection, &Limits::default()).expect("rewrite succeeds");
    assert_same_values(func, &result);
    (result, report)
}

/// Rewrites with only `rule`, checks numerics, and that the rule fired.
fn only(func: &Func<GraphOp>, rule: &str) -> Func<GraphOp> {
    let (result, report) = rewrite_checked(func, &RuleSelection::only([rule]));
    let fired = report
        .applied
        .iter()
        .find(|(n, _)| *n == rule)
        .map_or(0, |(_, c)| *c);
    assert!(fired > 0, "{rule} did not fire: {report:?}");
    result
}

/// Rewrites with only `rule` and checks that the function is unchanged (the rule must not apply).
fn unchanged(func: &Func<GraphOp>, rule: &str) {
    let (result, _) = rewrite_checked(func, &RuleSelection::only([rule]));
    assert_eq!(ops(&result), ops(func), "{rule} must not apply");
}

// --- one test per rule -----------------------------------------------------------------------

#[test]
fn fold_bn_into_conv() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 3, 6, 6]);
    let c = g.conv("conv1", x, 4, 3, 1);
    let y = g.batch_norm("bn1", c);
    g.output("y", y);
    let result = only(&g.func, "fold-bn-into-conv");
    assert_eq!(ops(&result), ["conv"]);
    assert_eq!(node(&result, "conv").name, "conv1+bn1");
    assert_eq!(result.nodes.len(), 3, "folded weight, bias and the conv");
}

#[test]
fn fold_bn_into_gemm() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 5]);
    let f = g.gemm("fc", x, 4, gemm_op(0.5, 2.0, 1), &[1, 4]);
    let y = g.batch_norm("bn", f);
    g.output("y", y);
    let result = only(&g.func, "fold-bn-into-gemm");
    assert_eq!(ops(&result), ["gemm"]);
    // beta = 0: C must not leak into the fold.
    let mut g = Builder::new();
    let x = g.input("x", &[3, 5]);
    let f = g.gemm("fc", x, 4, gemm_op(1.0, 0.0, 0), &[3, 1]);
    let y = g.batch_norm("bn", f);
    g.output("y", y);
    assert_eq!(ops(&only(&g.func, "fold-bn-into-gemm")), ["gemm"]);
}

#[test]
fn fold_mul_into_conv() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 2, 5, 5]);
    let c1 = g.conv("conv1", x, 3, 3, 0);
    let k1 = g.random("k1", &[3, 1, 1]);
    let y1 = g.op("mul1", GraphOp::Mul {}, &[c1, k1]);
    let c2 = g.conv("conv2", x, 3, 1, 0);
    let k2 = g.random("k2", &[]);
    let y2 = g.op("mul2", GraphOp::Mul {}, &[k2, c2]);
    g.output("y1", y1);
    g.output("y2", y2);
    let result = only(&g.func, "fold-mul-into-conv");
    assert_eq!(ops(&result), ["conv", "conv"]);
    assert!(result.nodes.iter().any(|n| n.name == "conv2+mul2"));
}

#[test]
fn fold_mul_into_conv_rejects_spatial_constants() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 2, 5, 5]);
    let c = g.conv("conv1", x, 3, 3, 1);
    // Varies along W: not a per-channel factor.
    let k = g.random("k", &[5]);
    let y = g.op("mul", GraphOp::Mul {}, &[c, k]);
    g.output("y", y);
    unchanged(&g.func, "fold-mul-into-conv");
}

#[test]
fn fold_add_into_conv() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 2, 4, 4]);
    let c = g.conv("conv1", x, 3, 3, 1);
    let k = g.random("k", &[1, 3, 1, 1]);
    let y = g.op("add1", GraphOp::Add {}, &[c, k]);
    g.output("y", y);
    let result = only(&g.func, "fold-add-into-conv");
    assert_eq!(ops(&result), ["conv"]);
    // The weight is reused, only the bias is new.
    let weight = &g.func.nodes[0].op;
    assert!(result.nodes.iter().any(|n| n.op == *weight));
}

#[test]
fn fold_mul_into_gemm() {
    let mut g = Builder::new();
    let x = g.input("x", &[3, 5]);
    let f1 = g.gemm("fc1", x, 4, gemm_op(1.0, 1.0, 0), &[4]);
    let k1 = g.random("k1", &[4]);
    let y1 = g.op("mul1", GraphOp::Mul {}, &[f1, k1]);
    let f2 = g.gemm("fc2", x, 4, gemm_op(0.5, 2.0, 1), &[3, 4]);
    let k2 = g.random("k2", &[1, 4]);
    let y2 = g.op("mul2", GraphOp::Mul {}, &[k2, f2]);
    g.output("y1", y1);
    g.output("y2", y2);
    let result = only(&g.func, "fold-mul-into-gemm");
    assert_eq!(ops(&result), ["gemm", "gemm"]);
}

#[test]
fn fold_add_into_gemm() {
    let mut g = Builder::new();
    let x = g.input("x", &[3, 5]);
    let f = g.gemm("fc", x, 4, gemm_op(2.0, 0.5, 1), &[3, 1]);
    let k = g.random("k", &[4]);
    let y = g.op("add", GraphOp::Add {}, &[k, f]);
    g.output("y", y);
    let result = only(&g.func, "fold-add-into-gemm");
    assert_eq!(ops(&result), ["gemm"]);
    assert!(
        matches!(node(&result, "gemm").op, GraphOp::Gemm { alpha, beta, .. } if alpha == 2.0 && beta == 1.0)
    );
}

#[test]
fn fold_scalar_mul_into_gemm() {
    let mut g = Builder::new();
    let x = g.input("x", &[3, 5]);
    let f = g.gemm("fc", x, 4, gemm_op(1.0, 1.0, 0), &[4]);
    let k = g.tensor("k", Tensor::scalar(3.0));
    let y = g.op("scale", GraphOp::Mul {}, &[f, k]);
    g.output("y", y);
    let result = only(&g.func, "fold-scalar-mul-into-gemm");
    assert_eq!(ops(&result), ["gemm"]);
    assert!(
        matches!(node(&result, "gemm").op, GraphOp::Gemm { alpha, beta, .. } if alpha == 3.0 && beta == 3.0)
    );
}

#[test]
fn fold_add_into_matmul() {
    let mut g = Builder::new();
    let x = g.input("x", &[3, 5]);
    let b = g.random("w", &[5, 4]);
    let m = g.op("mm", GraphOp::MatMul {}, &[x, b]);
    let c = g.random("bias", &[4]);
    let y = g.op("add", GraphOp::Add {}, &[m, c]);
    g.output("y", y);
    let result = only(&g.func, "fold-add-into-matmul");
    assert_eq!(ops(&result), ["gemm"]);
    assert_eq!(node(&result, "gemm").name, "mm+add");
}

#[test]
fn fold_batchnorm_standalone() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 3, 4, 4]);
    let y = g.batch_norm("bn", x);
    g.output("y", y);
    let result = only(&g.func, "fold-batchnorm-standalone");
    assert_eq!(ops(&result), ["mul", "add"]);
    assert_eq!(node(&result, "add").name, "bn");
    // The factors are per channel: [C, 1, 1].
    assert!(result
        .nodes
        .iter()
        .any(|n| matches!(&n.op, GraphOp::Constant { value } if value.shape() == [3, 1, 1])));
}

#[test]
fn merge_constant_muls() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 3, 4, 4]);
    let a = g.random("a", &[3, 1, 1]);
    let b = g.random("b", &[]);
    let m1 = g.op("m1", GraphOp::Mul {}, &[a, x]);
    let m2 = g.op("m2", GraphOp::Mul {}, &[b, m1]);
    g.output("y", m2);
    let result = only(&g.func, "merge-constant-muls");
    assert_eq!(ops(&result), ["mul"]);
    // A product that would grow a constant (here [3,1,1] x [4] -> [3,1,4]) is not formed.
    let mut g = Builder::new();
    let x = g.input("x", &[1, 3, 4, 4]);
    let a = g.random("a", &[3, 1, 1]);
    let b = g.random("b", &[4]);
    let m1 = g.op("m1", GraphOp::Mul {}, &[x, a]);
    let m2 = g.op("m2", GraphOp::Mul {}, &[m1, b]);
    g.output("y", m2);
    unchanged(&g.func, "merge-constant-muls");
}

#[test]
fn merge_constant_adds() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 3, 4]);
    let a = g.random("a", &[3, 1]);
    let b = g.random("b", &[3, 1]);
    let s1 = g.op("s1", GraphOp::Add {}, &[x, a]);
    let s2 = g.op("s2", GraphOp::Add {}, &[s1, b]);
    g.output("y", s2);
    let result = only(&g.func, "merge-constant-adds");
    assert_eq!(ops(&result), ["add"]);
}

#[test]
fn distribute_mul_over_constant_add() {
    // Alone the rule only reorders (same work), so extraction may keep either form; check it
    // fires and stays exact, then that it lets a BN-like chain x*k + t, *k2, +t2 collapse.
    let mut g = Builder::new();
    let x = g.input("x", &[1, 3, 4, 4]);
    let a = g.random("a", &[3, 1, 1]);
    let b = g.random("b", &[3, 1, 1]);
    let s = g.op("s", GraphOp::Add {}, &[x, a]);
    let m = g.op("m", GraphOp::Mul {}, &[s, b]);
    g.output("y", m);
    let result = only(&g.func, "distribute-mul-over-constant-add");
    assert_eq!(ops(&result).len(), 2);
    let mut g = Builder::new();
    let x = g.input("x", &[1, 3, 4, 4]);
    let y = g.batch_norm("bn", x);
    let k2 = g.random("k2", &[3, 1, 1]);
    let t2 = g.random("t2", &[3, 1, 1]);
    let m = g.op("scale", GraphOp::Mul {}, &[y, k2]);
    let s = g.op("shift", GraphOp::Add {}, &[m, t2]);
    g.output("y", s);
    let (result, _) = rewrite_checked(&g.func, &RuleSelection::All);
    assert_eq!(ops(&result), ["mul", "add"]);
}

#[test]
fn drop_identity() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 3]);
    let r = g.op("relu", GraphOp::Relu {}, &[x]);
    let i = g.op("id", GraphOp::Identity {}, &[r]);
    let s = g.op("sig", GraphOp::Sigmoid {}, &[i]);
    let j = g.op("id2", GraphOp::Identity {}, &[x]);
    g.output("y", s);
    g.output("passthrough", j);
    let result = only(&g.func, "drop-identity");
    assert_eq!(ops(&result), ["relu", "sigmoid"]);
    assert_eq!(result.outputs[1].value, result.inputs[0].value);
}

#[test]
fn flatten_as_reshape() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 3, 2, 2]);
    let f = g.op("flat", GraphOp::Flatten { axis: 1 }, &[x]);
    g.output("y", f);
    let result = only(&g.func, "flatten-as-reshape");
    assert_eq!(ops(&result), ["reshape"]);
    assert_eq!(
        node(&result, "reshape").op,
        GraphOp::Reshape { shape: vec![2, 12] }
    );
    assert_eq!(node(&result, "reshape").name, "flat");
}

#[test]
fn reduce_as_global_pool() {
    for (kind, keepdims, pool) in [
        ("mean", 1, "global_average_pool"),
        ("max", 0, "global_max_pool"),
    ] {
        let mut g = Builder::new();
        let x = g.input("x", &[2, 3, 4, 5]);
        let op = GraphOp::Reduce {
            kind: kind.into(),
            axes: vec![2, 3],
            keepdims,
        };
        let r = g.op("pool", op, &[x]);
        g.output("y", r);
        let result = only(&g.func, "reduce-as-global-pool");
        let expected: &[&str] = if keepdims == 1 {
            &[pool]
        } else {
            &[pool, "reshape"]
        };
        assert_eq!(ops(&result), expected);
    }
    // A reduction over the channels stays a reduction.
    let mut g = Builder::new();
    let x = g.input("x", &[2, 3, 4, 5]);
    let op = GraphOp::Reduce {
        kind: "mean".into(),
        axes: vec![1],
        keepdims: 1,
    };
    let r = g.op("chan", op, &[x]);
    g.output("y", r);
    unchanged(&g.func, "reduce-as-global-pool");
}

#[test]
fn fuse_erf_gelu() {
    // Div by sqrt 2 (legacy exporter) and Mul by 1/sqrt 2, each in two of the orders.
    for (scale, divide, half_first) in [
        (std::f32::consts::SQRT_2, true, false),
        (std::f32::consts::FRAC_1_SQRT_2, false, true),
    ] {
        let mut g = Builder::new();
        let x = g.input("x", &[1, 4, 3]);
        let s = g.tensor("s", Tensor::scalar(scale));
        let one = g.tensor("one", Tensor::scalar(1.0));
        let half = g.tensor("half", Tensor::scalar(0.5));
        let scaled = if divide {
            g.op("div", GraphOp::Div {}, &[x, s])
        } else {
            g.op("scale", GraphOp::Mul {}, &[x, s])
        };
        let erf = GraphOp::Unary {
            kind: "erf".into(),
            alpha: 0.0,
            beta: 0.0,
        };
        let e = g.op("erf", erf, &[scaled]);
        let a = g.op("add", GraphOp::Add {}, &[e, one]);
        let y = if half_first {
            let h = g.op("half_x", GraphOp::Mul {}, &[x, half]);
            g.op("gelu", GraphOp::Mul {}, &[h, a])
        } else {
            let m = g.op("mul", GraphOp::Mul {}, &[x, a]);
            g.op("gelu", GraphOp::Mul {}, &[m, half])
        };
        g.output("y", y);
        let result = only(&g.func, "fuse-erf-gelu");
        assert_eq!(ops(&result), ["unary"]);
        assert!(
            matches!(&node(&result, "unary").op, GraphOp::Unary { kind, .. } if kind == "gelu")
        );
    }
}

#[test]
fn fold_affine_into_matmul() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 5, 4]);
    let n = g.op(
        "norm",
        GraphOp::Norm {
            axes: vec![2],
            epsilon: 1e-5,
        },
        &[x],
    );
    let k = g.random("gamma", &[4]);
    let c = g.random("beta", &[4]);
    let w = g.random("w", &[4, 3]);
    let scaled = g.op("scale", GraphOp::Mul {}, &[n, k]);
    let shifted = g.op("shift", GraphOp::Add {}, &[scaled, c]);
    let y = g.op("proj", GraphOp::MatMul {}, &[shifted, w]);
    g.output("y", y);
    let result = only(&g.func, "fold-affine-into-matmul");
    assert_eq!(ops(&result), ["norm", "matmul", "add"]);
    // A k that broadcasts along another axis is not a per-feature scale.
    let mut g = Builder::new();
    let x = g.input("x", &[2, 5, 4]);
    let k = g.random("k", &[5, 1]);
    let w = g.random("w", &[4, 3]);
    let scaled = g.op("scale", GraphOp::Mul {}, &[x, k]);
    let y = g.op("proj", GraphOp::MatMul {}, &[scaled, w]);
    g.output("y", y);
    unchanged(&g.func, "fold-affine-into-matmul");
}

#[test]
fn fuse_silu() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 4, 3]);
    let s = g.op("sig", GraphOp::Sigmoid {}, &[x]);
    let y = g.op("silu", GraphOp::Mul {}, &[x, s]);
    g.output("y", y);
    let result = only(&g.func, "fuse-silu");
    assert_eq!(ops(&result), ["unary"]);
    // x * Sigmoid(z) of another value stays.
    let mut g = Builder::new();
    let x = g.input("x", &[1, 4, 3]);
    let z = g.input("z", &[1, 4, 3]);
    let s = g.op("sig", GraphOp::Sigmoid {}, &[z]);
    let y = g.op("gate", GraphOp::Mul {}, &[x, s]);
    g.output("y", y);
    unchanged(&g.func, "fuse-silu");
}

#[test]
fn merge_reshapes() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 3, 2, 2]);
    let a = g.op("r1", GraphOp::Reshape { shape: vec![2, 12] }, &[x]);
    let b = g.op("r2", GraphOp::Reshape { shape: vec![6, 4] }, &[a]);
    g.output("y", b);
    let result = only(&g.func, "merge-reshapes");
    assert_eq!(ops(&result), ["reshape"]);
    assert_eq!(
        node(&result, "reshape").op,
        GraphOp::Reshape { shape: vec![6, 4] }
    );
}

#[test]
fn drop_noop_reshape() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 6]);
    let r = g.op("relu", GraphOp::Relu {}, &[x]);
    let same = g.op("reshape", GraphOp::Reshape { shape: vec![2, 6] }, &[r]);
    let s = g.op("sig", GraphOp::Sigmoid {}, &[same]);
    g.output("y", s);
    let result = only(&g.func, "drop-noop-reshape");
    assert_eq!(ops(&result), ["relu", "sigmoid"]);
}

#[test]
fn merge_transposes() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 2, 3, 4]);
    let a = g.op(
        "t1",
        GraphOp::Transpose {
            perm: vec![0, 2, 3, 1],
        },
        &[x],
    );
    let b = g.op(
        "t2",
        GraphOp::Transpose {
            perm: vec![1, 0, 2, 3],
        },
        &[a],
    );
    g.output("y", b);
    let result = only(&g.func, "merge-transposes");
    assert_eq!(ops(&result), ["transpose"]);
    assert_eq!(
        node(&result, "transpose").op,
        GraphOp::Transpose {
            perm: vec![2, 0, 3, 1]
        }
    );
}

#[test]
fn drop_noop_transpose() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 2, 3]);
    let t = g.op(
        "t",
        GraphOp::Transpose {
            perm: vec![0, 1, 2],
        },
        &[x],
    );
    let r = g.op("relu", GraphOp::Relu {}, &[t]);
    g.output("y", r);
    let result = only(&g.func, "drop-noop-transpose");
    assert_eq!(ops(&result), ["relu"]);
}

#[test]
fn relu_commutes_with_maxpool() {
    // Padded pooling too: max-pool padding never wins, so the order does not matter.
    for pool in [max_pool(2, 2, 0, 1), max_pool(3, 2, 1, 1)] {
        let mut g = Builder::new();
        let x = g.input("x", &[1, 2, 6, 6]);
        let r = g.op("relu", GraphOp::Relu {}, &[x]);
        let p = g.op("pool", pool, &[r]);
        g.output("y", p);
        let result = only(&g.func, "relu-commutes-with-maxpool");
        // Pooling first: the ReLU runs on the smaller tensor.
        assert_eq!(ops(&result), ["max_pool", "relu"]);
        assert_eq!(node(&result, "relu").name, "relu");
        assert_eq!(node(&result, "max_pool").name, "pool");
    }
    // Global max-pool.
    let mut g = Builder::new();
    let x = g.input("x", &[1, 2, 3, 3]);
    let r = g.op("relu", GraphOp::Relu {}, &[x]);
    let p = g.op("gpool", GraphOp::GlobalMaxPool {}, &[r]);
    g.output("y", p);
    assert_eq!(
        ops(&only(&g.func, "relu-commutes-with-maxpool")),
        ["global_max_pool", "relu"]
    );
}

#[test]
fn relu_commutes_with_maxpool_needs_dense_windows() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 1, 7, 7]);
    let r = g.op("relu", GraphOp::Relu {}, &[x]);
    let p = g.op("pool", max_pool(2, 1, 0, 2), &[r]);
    g.output("y", p);
    unchanged(&g.func, "relu-commutes-with-maxpool");
}

#[test]
fn fold_pad_into_conv() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 2, 5, 5]);
    let p = g.op(
        "pad",
        GraphOp::Pad {
            pads: vec![0, 0, 1, 2, 0, 0, 2, 1],
            value: 0.0,
        },
        &[x],
    );
    let c = g.conv("conv", p, 3, 3, 1);
    g.output("y", c);
    let result = only(&g.func, "fold-pad-into-conv");
    assert_eq!(ops(&result), ["conv"]);
    assert!(
        matches!(&node(&result, "conv").op, GraphOp::Conv { pads, .. } if *pads == [2, 3, 3, 2])
    );
    assert_eq!(node(&result, "conv").name, "pad+conv");
    // Non-zero padding is not what conv pads mean.
    let mut g = Builder::new();
    let x = g.input("x", &[1, 2, 5, 5]);
    let p = g.op(
        "pad",
        GraphOp::Pad {
            pads: vec![0, 0, 1, 1, 0, 0, 1, 1],
            value: 1.0,
        },
        &[x],
    );
    let c = g.conv("conv", p, 3, 3, 0);
    g.output("y", c);
    unchanged(&g.func, "fold-pad-into-conv");
}

#[test]
fn absorb_relu_into_clip() {
    let relu6 = GraphOp::Clip { min: 0.0, max: 6.0 };
    let mut g = Builder::new();
    let x = g.input("x", &[2, 8]);
    let r = g.op("relu", GraphOp::Relu {}, &[x]);
    let c = g.op("clip", relu6.clone(), &[r]);
    g.output("y", c);
    assert_eq!(ops(&only(&g.func, "absorb-relu-into-clip")), ["clip"]);
    let mut g = Builder::new();
    let x = g.input("x", &[2, 8]);
    let c = g.op("clip", relu6, &[x]);
    let r = g.op("relu", GraphOp::Relu {}, &[c]);
    g.output("y", r);
    assert_eq!(ops(&only(&g.func, "absorb-relu-into-clip")), ["clip"]);
    // A clip that lets negatives through keeps the ReLU.
    let mut g = Builder::new();
    let x = g.input("x", &[2, 8]);
    let r = g.op("relu", GraphOp::Relu {}, &[x]);
    let c = g.op(
        "clip",
        GraphOp::Clip {
            min: -0.5,
            max: 0.5,
        },
        &[r],
    );
    g.output("y", c);
    unchanged(&g.func, "absorb-relu-into-clip");
}

#[test]
fn drop_double_relu() {
    let mut g = Builder::new();
    let x = g.input("x", &[4, 4]);
    let a = g.op("relu1", GraphOp::Relu {}, &[x]);
    let b = g.op("relu2", GraphOp::Relu {}, &[a]);
    g.output("y", b);
    let result = only(&g.func, "drop-double-relu");
    assert_eq!(ops(&result), ["relu"]);
}

#[test]
fn every_rule_has_a_test_and_a_kebab_case_name() {
    let source = include_str!("tests.rs");
    let names = rule_names();
    for (i, name) in names.iter().enumerate() {
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{name} is not kebab-case"
        );
        assert!(!names[..i].contains(name), "{name} is listed twice");
        let test = format!("fn {}()", name.replace('-', "_"));
        assert!(source.contains(&test), "rule {name} has no test `{test}`");
    }
    assert!(rule_table()
        .iter()
        .all(|r| !r.law.is_empty() && !r.conditions.is_empty()));
}

// --- extraction, determinism, selection, chains --------------------------------------------

#[test]
fn shared_subexpressions_are_counted_once() {
    // y = relu(x) + relu(x): one relu shared by both operands of the add.
    let mut g = Builder::new();
    let x = g.input("x", &[4, 16]);
    let r = g.op("relu", GraphOp::Relu {}, &[x]);
    let y = g.op("add", GraphOp::Add {}, &[r, r]);
    g.output("y", y);
    let loaded = convert::load(&g.func).unwrap();
    let model = OpCostModel::default();
    let mut cost = GraphCost::new(&loaded.egraph, &model);
    let tree = greedy(&loaded.egraph, &mut cost);
    let choice: BTreeMap<_, _> = tree.iter().map(|(id, (_, n))| (*id, n.clone())).collect();
    let root = loaded.egraph.find(loaded.roots[0]);
    let element = model.vector_element_time;
    // Tree cost: the relu twice; DAG cost: once.
    assert_eq!(tree[&root].0.time, 3.0 * 64.0 * element);
    let dag = dag_cost(&loaded.egraph, &choice, &loaded.roots, &cost).unwrap();
    assert_eq!(dag.time, 2.0 * 64.0 * element);
    assert_eq!(dag.nodes, 2);
    let (_, extracted) = extract(&loaded.egraph, &loaded.roots, &model).unwrap();
    assert_eq!(extracted, dag);
}

#[test]
fn a_shared_conv_is_not_duplicated_to_fold_a_batch_norm() {
    // The conv feeds the BN and is also an output: folding would need a second conv.
    let mut g = Builder::new();
    let x = g.input("x", &[1, 8, 8, 8]);
    let c = g.conv("conv", x, 8, 3, 1);
    let y = g.batch_norm("bn", c);
    g.output("y", y);
    g.output("features", c);
    let (result, report) = rewrite_checked(&g.func, &RuleSelection::only(["fold-bn-into-conv"]));
    assert!(report.applied[0].1 > 0, "the fold is in the e-graph");
    assert_eq!(ops(&result), ["conv", "batch_norm"]);
    // With every rule, the BN becomes the cheaper per-channel Mul + Add on the shared output.
    let (result, _) = rewrite_checked(&g.func, &RuleSelection::All);
    assert_eq!(ops(&result), ["conv", "mul", "add"]);
    // Unshared, it folds.
    let mut g = Builder::new();
    let x = g.input("x", &[1, 8, 8, 8]);
    let c = g.conv("conv", x, 8, 3, 1);
    let y = g.batch_norm("bn", c);
    g.output("y", y);
    let (result, _) = rewrite_checked(&g.func, &RuleSelection::only(["fold-bn-into-conv"]));
    assert_eq!(ops(&result), ["conv"]);
}

/// A small residual network touching most rules.
fn network() -> Func<GraphOp> {
    let mut g = Builder::new();
    let x = g.input("image", &[1, 3, 8, 8]);
    let c1 = g.conv("conv1", x, 4, 3, 1);
    let b1 = g.batch_norm("bn1", c1);
    let r1 = g.op("relu1", GraphOp::Relu {}, &[b1]);
    let p1 = g.op("pool1", max_pool(2, 2, 0, 1), &[r1]);
    let c2 = g.conv("conv2", p1, 4, 3, 1);
    let k = g.positive("scale", &[4, 1, 1]);
    let m2 = g.op("mul2", GraphOp::Mul {}, &[c2, k]);
    let s = g.op("residual", GraphOp::Add {}, &[m2, p1]);
    let i = g.op("dropout", GraphOp::Identity {}, &[s]);
    let r2 = g.op("relu2", GraphOp::Relu {}, &[i]);
    let f = g.op("flatten", GraphOp::Flatten { axis: 1 }, &[r2]);
    let fc = g.gemm("fc", f, 5, gemm_op(1.0, 1.0, 1), &[5]);
    let b2 = g.batch_norm("bn2", fc);
    let unused = g.op("unused", GraphOp::Sigmoid {}, &[fc]);
    let _ = unused;
    g.output("logits", b2);
    g.func
}

#[test]
fn rewriting_is_deterministic() {
    let func = network();
    let (first, report1) = rewrite_checked(&func, &RuleSelection::All);
    let (second, report2) = rewrite(&func, &RuleSelection::All, &Limits::default()).unwrap();
    assert_eq!(first, second);
    assert_eq!(format!("{first:?}"), format!("{second:?}"));
    assert_eq!(report1, report2);
    assert_eq!(report1.stop_reason, "saturated");
    assert!(report1.cost_after < report1.cost_before);
    assert_eq!(
        ops(&first),
        ["conv", "max_pool", "relu", "conv", "add", "relu", "reshape", "gemm"]
    );
    // Dead node gone, names kept or derived.
    assert!(first.nodes.iter().all(|n| n.name != "unused"));
    let names: Vec<&str> = first
        .nodes
        .iter()
        .filter(|n| !matches!(n.op, GraphOp::Constant { .. }))
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "conv1+bn1",
            "pool1",
            "relu1",
            "conv2+mul2",
            "residual",
            "relu2",
            "flatten",
            "fc+bn2"
        ]
    );
}

#[test]
fn conv_bn_relu_maxpool_chain_ends_in_the_cheaper_order() {
    let mut g = Builder::new();
    let x = g.input("x", &[1, 3, 8, 8]);
    let c = g.conv("conv", x, 8, 3, 1);
    let b = g.batch_norm("bn", c);
    let r = g.op("relu", GraphOp::Relu {}, &[b]);
    let p = g.op("pool", max_pool(2, 2, 0, 1), &[r]);
    g.output("y", p);
    let (result, _) = rewrite_checked(&g.func, &RuleSelection::All);
    // Which order is cheaper under the cost model: ReLU on the pooled [1,8,4,4] or on [1,8,8,8].
    let model = OpCostModel::default();
    let (big, small): (&[usize], &[usize]) = (&[1, 8, 8, 8], &[1, 8, 4, 4]);
    let pool = max_pool(2, 2, 0, 1);
    let relu_then_pool = op_cost(&GraphOp::Relu {}, &[big], big, &model).time(&model)
        + op_cost(&pool, &[big], small, &model).time(&model);
    let pool_then_relu = op_cost(&pool, &[big], small, &model).time(&model)
        + op_cost(&GraphOp::Relu {}, &[small], small, &model).time(&model);
    assert!(pool_then_relu < relu_then_pool);
    assert_eq!(ops(&result), ["conv", "max_pool", "relu"]);
}

#[test]
fn unknown_rule_names_are_errors_listing_the_valid_ones() {
    let func = network();
    let error = rewrite(
        &func,
        &RuleSelection::only(["fold-bn-into-conv", "fold-everything"]),
        &Limits::default(),
    )
    .unwrap_err();
    match &error {
        RewriteError::UnknownRule { name, valid } => {
            assert_eq!(name, "fold-everything");
            for rule in rule_names() {
                assert!(valid.contains(rule));
            }
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(error
        .to_string()
        .contains("valid rules: fold-bn-into-conv, "));
    assert!(RuleSelection::parse("drop-identity, nope").is_err());
    assert_eq!(RuleSelection::parse("all").unwrap(), RuleSelection::All);
    assert_eq!(
        RuleSelection::parse("drop-identity,merge-reshapes").unwrap(),
        RuleSelection::only(["drop-identity", "merge-reshapes"])
    );
}

#[test]
fn no_rules_still_removes_dead_nodes_and_duplicates() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 3]);
    let a = g.op("a", GraphOp::Relu {}, &[x]);
    let b = g.op("b", GraphOp::Relu {}, &[x]);
    let s = g.op("sum", GraphOp::Add {}, &[a, b]);
    let _dead = g.op("dead", GraphOp::Tanh {}, &[x]);
    g.output("y", s);
    let (result, report) = rewrite_checked(&g.func, &RuleSelection::parse("none").unwrap());
    assert_eq!(ops(&result), ["relu", "add"]);
    assert_eq!(node(&result, "relu").name, "a");
    assert_eq!(report.iterations, 1);
}

#[test]
fn malformed_functions_are_rejected() {
    let mut g = Builder::new();
    let x = g.input("x", &[2, 3]);
    let r = g.func.push("relu", GraphOp::Relu {}, vec![x], vec![3, 2]);
    g.output("y", r);
    let error = rewrite(&g.func, &RuleSelection::All, &Limits::default()).unwrap_err();
    assert!(
        matches!(&error, RewriteError::Shape { node, .. } if node == "relu"),
        "{error}"
    );
    let mut g = Builder::new();
    let x = g.input("x", &[2, 3]);
    let r = g
        .func
        .push("relu", GraphOp::Relu {}, vec![x + 5], vec![2, 3]);
    g.output("y", r);
    let error = rewrite(&g.func, &RuleSelection::All, &Limits::default()).unwrap_err();
    assert!(
        matches!(&error, RewriteError::InvalidGraph { node, .. } if node == "relu"),
        "{error}"
    );
}

#[test]
fn limits_stop_saturation_early_but_stay_correct() {
    let func = network();
    let limits = Limits {
        iterations: 1,
        ..Limits::default()
    };
    let (result, report) = rewrite(&func, &RuleSelection::All, &limits).unwrap();
    assert_eq!(report.stop_reason, "iteration limit");
    assert_same_values(&func, &result);
}

#[test]
fn rewrites_the_small_test_networks_exactly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-models/nets");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for path in paths {
        let graph = crate::frontend::import_file(&path, Default::default()).unwrap_or_else(|e| {
            panic!(
                "{}: the importer failed (not a rewrite bug): {e}",
                path.display()
            )
        });
        let (result, report) = rewrite_checked(&graph, &RuleSelection::All);
        assert!(
            report.cost_after <= report.cost_before,
            "{}: {report:?}",
            path.display()
        );
        assert!(
            result.nodes.iter().all(|n| !matches!(
                n.op,
                GraphOp::BatchNorm { .. } | GraphOp::Identity {} | GraphOp::Flatten { .. }
            )),
            "{}: {:?}",
            path.display(),
            ops(&result)
        );
    }
}
