//! Tests of the staging area, images and data moves: strided views, and small hand-built
//! functions compiled and simulated against values computed here.

use super::binding_shape;
use super::moves::View;
use crate::passes::PassContext;
use crate::program::Images;
use crate::schedule::Options;
use pim_dialects::{Func, PimOp, Port};
use pim_runtime::isa::{Instruction, Space};
use pim_runtime::sim::Simulator;
use pim_runtime::target::Target;
use pim_runtime::Tensor;

/// Schedules and compiles `func` for `target` at `--batch batch`.
fn build(
    func: &Func<PimOp>,
    target: &str,
    batch: u64,
) -> crate::Result<pim_runtime::container::Program> {
    let target = Target::preset(target).expect("preset");
    let cx = PassContext {
        target: target.clone(),
        schedule: Options {
            batch,
            ..Options::default()
        },
    };
    let scheduled = crate::pipeline::schedule_layers(func.clone(), &cx)?;
    crate::backend::compile(&scheduled, &target)
}

/// `0, 1, 2, ...` in `shape`.
fn iota(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::new(shape.to_vec(), (0..n).map(|i| i as f32).collect()).expect("shape")
}

fn output(func: &mut Func<PimOp>, value: usize) {
    func.outputs.push(Port {
        name: "y".into(),
        value,
    });
}

fn run(program: &pim_runtime::container::Program, x: Tensor) -> Vec<f32> {
    let out = Simulator::run(program, &[("x", x)]).expect("simulate");
    out[0].1.data().to_vec()
}

#[test]
fn views_regroup_permute_and_slice() {
    // An HWC image of 2 channels, 2 x 3 pixels, seen as [1, 2, 2, 3] (NCHW order).
    let hwc = [(2, 1), (2, 6), (3, 2)];
    let v = View::regroup(100, &hwc, &[1, 2, 2, 3]).expect("regroup");
    assert_eq!(v.shape(), vec![1, 2, 2, 3]);
    // Channel 1 starts one element after channel 0.
    assert_eq!(v.restrict(1, 1, 1).expect("slice").base, 101);
    // Splitting the channels into groups (ShuffleNet's reshape) and swapping them.
    let split = View::regroup(0, &v.flat(), &[1, 2, 1, 2, 3]).expect("split");
    let swapped = split.permute(&[0, 2, 1, 3, 4]).expect("permute");
    assert_eq!(swapped.shape(), vec![1, 1, 2, 2, 3]);
    // Channels and rows merge into one axis of two sub-dimensions; 3 x 4 cuts a channel.
    assert!(View::regroup(0, &hwc, &[4, 3]).is_some());
    assert!(View::regroup(0, &hwc, &[3, 4]).is_none());
    // Broadcasting aligns on the last axis.
    let row = View::regroup(0, &[(3, 1)], &[3]).expect("row");
    assert_eq!(
        row.broadcast(&[2, 3]).expect("broadcast").shape(),
        vec![2, 3]
    );
    assert!(row.broadcast(&[3, 2]).is_err());
}

#[test]
fn isaac_stages_in_tile_buffers() {
    let mut func = Func::<PimOp>::new("main");
    let x = func.add_input("x", vec![1, 3, 4, 4]);
    let y = func.push(
        "relu",
        PimOp::Act {
            kind: "relu".into(),
            alpha: 0.0,
            beta: 0.0,
        },
        vec![x],
        vec![1, 3, 4, 4],
    );
    output(&mut func, y);
    let program = build(&func, "isaac-rram", 1).expect("compile");
    let spaces: Vec<Space> = program
        .code
        .iter()
        .filter_map(|i| match i {
            Instruction::Load { dst, .. } => Some(dst.space),
            _ => None,
        })
        .collect();
    assert!(!spaces.is_empty() && spaces.iter().all(|&s| s == Space::Tile));
    let x = Tensor::new(vec![1, 3, 4, 4], (0..48).map(|i| i as f32 - 24.0).collect()).expect("x");
    let want: Vec<f32> = x.data().iter().map(|v| v.max(0.0)).collect();
    assert_eq!(run(&program, x), want);
}

/// `x [1, 2, 3, 4]` transposed to `[1, 4, 3, 2]` (perm 0, 3, 2, 1).
fn transpose_func() -> Func<PimOp> {
    let mut func = Func::<PimOp>::new("main");
    let x = func.add_input("x", vec![1, 2, 3, 4]);
    let y = func.push(
        "swap",
        PimOp::Transpose {
            perm: vec![0, 3, 2, 1],
        },
        vec![x],
        vec![1, 4, 3, 2],
    );
    output(&mut func, y);
    func
}

/// The transpose of one image of [`transpose_func`].
fn transposed(image: &[f32]) -> Vec<f32> {
    let mut out = Vec::new();
    for w in 0..4 {
        for h in 0..3 {
            for c in 0..2 {
                out.push(image[(c * 3 + h) * 4 + w]);
            }
        }
    }
    out
}

#[test]
fn transposes_on_every_target_and_fixed_batches() {
    let func = transpose_func();
    for target in ["compact-4x4", "unlimited-6x6", "isaac-rram"] {
        let program = build(&func, target, 1).expect("compile");
        let x = iota(&[1, 2, 3, 4]);
        assert_eq!(run(&program, x.clone()), transposed(x.data()), "{target}");
    }
    // A batch-1 model at --batch 3: bindings of 3 images, each transposed on its own.
    let program = build(&func, "compact-4x4", 3).expect("compile");
    assert_eq!(program.bindings[0].shape, vec![3, 2, 3, 4]);
    assert_eq!(program.bindings[1].shape, vec![3, 4, 3, 2]);
    let x = iota(&[3, 2, 3, 4]);
    let want: Vec<f32> = x.data().chunks(24).flat_map(transposed).collect();
    assert_eq!(run(&program, x), want);
}

#[test]
fn images_follow_the_batch_rules() {
    let mut func = Func::<PimOp>::new("main");
    let x = func.add_input("x", vec![3, 5]);
    let y = func.push(
        "relu",
        PimOp::Act {
            kind: "relu".into(),
            alpha: 0.0,
            beta: 0.0,
        },
        vec![x],
        vec![3, 5],
    );
    output(&mut func, y);
    let images = |f: &Func<PimOp>, n| Images::of(f, n);
    assert_eq!(images(&func, 1), Ok(Images { count: 3, ir: 3 }));
    assert_eq!(images(&func, 3), Ok(Images { count: 3, ir: 3 }));
    let err = images(&func, 2)
        .expect_err("a batch fixed at 3")
        .to_string();
    assert!(err.contains("batch is fixed at 3"), "{err}");
    let single = transpose_func();
    assert_eq!(images(&single, 4), Ok(Images { count: 4, ir: 1 }));
    assert_eq!(
        binding_shape(Images { count: 4, ir: 1 }, &[1, 3]),
        Ok(vec![4, 3])
    );
}

#[test]
fn pads_concats_and_broadcasts() {
    // y = concat(pad(x), x * k, axis 3) with x [1, 2, 2, 2], k [2, 1, 1] (per channel), the
    // pad one column on the left with 9.
    let mut func = Func::<PimOp>::new("main");
    let x = func.add_input("x", vec![1, 2, 2, 2]);
    let p = func.push(
        "pad",
        PimOp::Pad {
            pads: vec![0, 0, 0, 1, 0, 0, 0, 0],
            value: 9.0,
        },
        vec![x],
        vec![1, 2, 2, 3],
    );
    let k = func.push(
        "k",
        PimOp::Constant {
            value: Tensor::new(vec![2, 1, 2], vec![1.0, 2.0, 3.0, 4.0]).expect("k"),
        },
        vec![],
        vec![2, 1, 2],
    );
    let m = func.push(
        "mul",
        PimOp::Binary { kind: "mul".into() },
        vec![x, k],
        vec![1, 2, 2, 2],
    );
    let y = func.push(
        "cat",
        PimOp::Concat { axis: 3 },
        vec![p, m],
        vec![1, 2, 2, 5],
    );
    output(&mut func, y);
    for target in ["compact-4x4", "isaac-rram"] {
        let program = build(&func, target, 1).expect("compile");
        let got = run(&program, iota(&[1, 2, 2, 2]));
        // Rows (c, h): [9, x0, x1, x0*k0, x1*k1] with k per (c, w).
        let want = vec![
            9.0, 0.0, 1.0, 0.0, 2.0, //
            9.0, 2.0, 3.0, 2.0, 6.0, //
            9.0, 4.0, 5.0, 12.0, 20.0, //
            9.0, 6.0, 7.0, 18.0, 28.0,
        ];
        assert_eq!(got, want, "{target}");
    }
}
