//! Vector-unit ops compared with the reference kernels: relu, max and average pooling, add,
//! softmax, and every other op in one table.

use super::*;
use crate::container::Lrn;
use crate::kernels::{self, BinaryOp, Window as KernelWindow};

/// Runs `vop op=<op>` on `count` groups of `len` elements of `a` (and `b`), with constants
/// `constants` (param 0), producing `out_len` elements; returns them.
fn run_vop(
    op: &str,
    len: usize,
    count: usize,
    a: &Tensor,
    b: Option<&Tensor>,
    constants: Vec<Constant>,
    out_len: usize,
) -> Vec<f32> {
    let n = len * count;
    let (load_b, b_operand) = match b {
        Some(_) => (
            format!(
                "load src=dram[0x3000], dst=global[0x4000], len={n}, count=1, sstride=0, dstride=0"
            ),
            "global[0x4000]",
        ),
        None => (String::new(), "dram[0x0]"),
    };
    let code = format!(
        "load src=dram[0x1000], dst=global[0x0], len={n}, count=1, sstride=0, dstride=0
         {load_b}
         vop op={op}, dst=global[0x8000], a=global[0x0], b={b_operand}, len={len}, count={count}, param=0
         store src=global[0x8000], dst=dram[0x6000], len={out_len}, count=1, sstride=0, dstride=0
         halt"
    );
    let mut bindings = vec![input("a", &[n], 0x1000), output("y", &[out_len], 0x6000)];
    let mut inputs = vec![("a", a.reshaped(vec![n]).unwrap())];
    if let Some(b) = b {
        bindings.insert(1, input("b", &[n], 0x3000));
        inputs.push(("b", b.reshaped(vec![n]).unwrap()));
    }
    let p = program(&code, vec![], constants, bindings);
    Simulator::run(&p, &inputs)
        .unwrap()
        .remove(0)
        .1
        .data()
        .to_vec()
}

#[track_caller]
fn assert_close(got: &[f32], want: &Tensor) {
    let got = tensor(want.shape(), got.to_vec());
    compare_outputs(
        &[("y".to_string(), got)],
        &[("y", want.clone())],
        Tolerance::default(),
    )
    .unwrap();
}

#[test]
fn relu_matches_kernel() {
    let x = random(&[4, 16], 30);
    assert_close(
        &run_vop("relu", 16, 4, &x, None, vec![], 64),
        &kernels::relu(&x),
    );
}

#[test]
fn add_matches_kernel() {
    let (a, b) = (random(&[2, 8], 31), random(&[2, 8], 32));
    let want = kernels::binary(BinaryOp::Add, &a, &b).unwrap();
    assert_close(&run_vop("add", 8, 2, &a, Some(&b), vec![], 16), &want);
}

#[test]
fn softmax_is_per_group_of_len() {
    let x = random(&[3, 10], 33).map(|v| v * 5.0);
    let want = kernels::softmax(&x, -1).unwrap();
    assert_close(&run_vop("softmax", 10, 3, &x, None, vec![], 30), &want);
}

/// Two 5x5x3 images, pooled by a 3x3 window, stride 2, padding 1 (3x3 outputs), converted
/// from and to NCHW with nested loops of strided moves; compared with the kernels on NCHW.
fn pool_case(op: &str, include_pad: bool) -> (Vec<f32>, Tensor) {
    let x = random(&[2, 3, 5, 5], 34);
    let code = format!(
        "{load}
         vop op={op}, dst=global[0x100], a=global[0x0], b=dram[0x0], len=75, count=2, param=0
         {store}
         halt",
        load = to_hwc(0x1000, 0x0, 2, 3, 25),
        store = to_nchw(0x100, 0x2000, 2, 3, 9),
    );
    let window = Window {
        include_pad,
        ..square_window(5, 3, 3, 2, 1)
    };
    let p = program(
        &code,
        vec![],
        vec![window_constant("pool", window)],
        vec![
            input("x", &[2, 3, 5, 5], 0x1000),
            output("y", &[2, 3, 3, 3], 0x2000),
        ],
    );
    let got = Simulator::run(&p, &[("x", x.clone())]).unwrap().remove(0).1;
    let kw = KernelWindow {
        kernel: vec![3, 3],
        strides: vec![2, 2],
        pads: vec![1, 1, 1, 1],
        dilations: vec![],
    };
    let want = match op {
        "max_pool" => kernels::max_pool(&x, &kw, false).unwrap(),
        _ => kernels::average_pool(&x, &kw, false, include_pad).unwrap(),
    };
    (got.data().to_vec(), want)
}

#[test]
fn max_pool_matches_kernel() {
    let (got, want) = pool_case("max_pool", false);
    assert_close(&got, &want);
}

#[test]
fn avg_pool_matches_kernel_with_and_without_padding_in_the_divisor() {
    for include_pad in [false, true] {
        let (got, want) = pool_case("avg_pool", include_pad);
        assert_close(&got, &want);
    }
}

#[test]
fn max_pool_on_a_channel_slice() {
    // A 4x4 image with 6 channels; pool channels 2..5 with a 2x2 window, stride 2.
    let x = random(&[4, 4, 6], 35);
    let window = Window {
        c0: 2,
        cn: 3,
        ..square_window(4, 6, 2, 2, 0)
    };
    let got = run_vop(
        "max_pool",
        96,
        1,
        &x,
        None,
        vec![window_constant("pool", window)],
        12,
    );
    let nchw = kernels::transpose(&x.reshaped(vec![1, 4, 4, 6]).unwrap(), &[0, 3, 1, 2]).unwrap();
    let slice = tensor(&[1, 3, 4, 4], nchw.data()[2 * 16..5 * 16].to_vec());
    let pooled =
        kernels::max_pool(&slice, &KernelWindow::new(vec![2, 2]).with_strides(), false).unwrap();
    let want = kernels::transpose(&pooled, &[0, 2, 3, 1]).unwrap();
    assert_close(&got, &want);
}

trait Strides {
    fn with_strides(self) -> Self;
}

impl Strides for KernelWindow {
    /// Strides equal to the kernel.
    fn with_strides(self) -> Self {
        KernelWindow {
            strides: self.kernel.clone(),
            ..self
        }
    }
}

#[test]
fn every_other_op_matches_its_kernel() {
    let x = random(&[4, 5], 36).map(|v| v * 3.0);
    let y = random(&[4, 5], 37).map(|v| v + 2.0);
    let slopes = [0.1, 0.2, 0.3, 0.4, 0.5];
    let per_channel = tensor(&[5], slopes.to_vec());
    let lrn = Constant {
        name: "lrn".into(),
        value: ConstValue::Lrn(Lrn {
            size: 3,
            alpha: 0.1,
            beta: 0.75,
            bias: 2.0,
        }),
    };
    let binary = |op| kernels::binary(op, &x, &y).unwrap();
    let cases: Vec<(&str, Vec<Constant>, Option<&Tensor>, Tensor)> = vec![
        (
            "leaky_relu",
            vec![floats("a", &[0.1])],
            None,
            kernels::leaky_relu(&x, 0.1),
        ),
        (
            "elu",
            vec![floats("a", &[0.7])],
            None,
            kernels::elu(&x, 0.7),
        ),
        (
            "clip",
            vec![floats("c", &[-0.5, 1.5])],
            None,
            kernels::clip(&x, -0.5, 1.5),
        ),
        ("sigmoid", vec![], None, kernels::sigmoid(&x)),
        ("tanh", vec![], None, kernels::tanh(&x)),
        (
            "prelu",
            vec![floats("s", &slopes)],
            None,
            kernels::prelu(&x, &per_channel).unwrap(),
        ),
        ("sub", vec![], Some(&y), binary(BinaryOp::Sub)),
        ("mul", vec![], Some(&y), binary(BinaryOp::Mul)),
        ("div", vec![], Some(&y), binary(BinaryOp::Div)),
        (
            "bias",
            vec![floats("b", &slopes)],
            None,
            kernels::binary(BinaryOp::Add, &x, &per_channel).unwrap(),
        ),
        ("scale", vec![floats("s", &[3.0])], None, x.map(|v| v * 3.0)),
        (
            "log_softmax",
            vec![],
            None,
            kernels::log_softmax(&x, -1).unwrap(),
        ),
        (
            "lrn",
            vec![lrn],
            None,
            kernels::lrn(&x, 3, 0.1, 0.75, 2.0).unwrap(),
        ),
    ];
    for (op, constants, b, want) in cases {
        let got = run_vop(op, 5, 4, &x, b, constants, 20);
        let got = tensor(want.shape(), got);
        compare_outputs(
            &[(op.to_string(), got)],
            &[(op, want)],
            Tolerance::default(),
        )
        .unwrap_or_else(|e| panic!("{op}: {e}"));
    }
}

#[test]
fn vop_in_place_is_allowed_for_element_ops() {
    let x = random(&[8], 38);
    let code = "load src=dram[0x1000], dst=global[0x0], len=8, count=1, sstride=0, dstride=0
                vop op=add, dst=global[0x0], a=global[0x0], b=global[0x0], len=8, count=1, param=0
                store src=global[0x0], dst=dram[0x2000], len=8, count=1, sstride=0, dstride=0
                halt";
    let p = program(
        code,
        vec![],
        vec![],
        vec![input("x", &[8], 0x1000), output("y", &[8], 0x2000)],
    );
    check(&p, &[("x", x.clone())], &x.map(|v| v + v), Tolerance::EXACT);
}
