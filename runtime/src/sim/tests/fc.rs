//! Fully connected layers on crossbars: a weight matrix split by rows (partial sums added by
//! `acc`) and by columns (two crossbars side by side), and a bit-sliced weight matrix recombined
//! by `acc`'s shift.

use super::*;
use crate::kernels::{gemm, matmul};

/// y = x W + b for x [2, 160], W [160, 20]: on 128-row crossbars of 16 weight columns, W is cut
/// into rows 0..128 / 128..160 and columns 0..16 / 16..20, four crossbars. Each row block's two
/// crossbars write side by side into its own partial-sum region; `acc` adds the second region
/// into the first, then `bias` adds b.
pub(super) const FC: &str = "
seg.begin id=0
wload xbar=0, src=dram[0x0],   stride=20, row=0, col=0, rows=128, cols=16, clear=true, copies=1, xstride=0   ; W[0..128, 0..16]
wload xbar=1, src=dram[0x10],  stride=20, row=0, col=0, rows=128, cols=4,  clear=true, copies=1, xstride=0   ; W[0..128, 16..20]
wload xbar=2, src=dram[0xa00], stride=20, row=0, col=0, rows=32,  cols=16, clear=true, copies=1, xstride=0   ; W[128..160, 0..16]
wload xbar=3, src=dram[0xa10], stride=20, row=0, col=0, rows=32,  cols=4,  clear=true, copies=1, xstride=0   ; W[128..160, 16..20]
load src=dram[0x10000], dst=global[0x0], len=320, count=1, sstride=0, dstride=0       ; both rows of x
mvm xbar=0, src=global[0x0],  dst=global[0x200], count=2, sstride=160, dstride=20, pix=0, bits=8, mode=dense, win=0, accumulate=0
mvm xbar=1, src=global[0x0],  dst=global[0x210], count=2, sstride=160, dstride=20, pix=0, bits=8, mode=dense, win=0, accumulate=0
mvm xbar=2, src=global[0x80], dst=global[0x300], count=2, sstride=160, dstride=20, pix=0, bits=8, mode=dense, win=0, accumulate=0
mvm xbar=3, src=global[0x80], dst=global[0x310], count=2, sstride=160, dstride=20, pix=0, bits=8, mode=dense, win=0, accumulate=0
acc src=global[0x300], dst=global[0x200], len=20, count=2, sstride=20, dstride=20, shift=0
vop op=bias, dst=global[0x200], a=global[0x200], b=dram[0x0], len=20, count=2, param=0
vop op=relu, dst=global[0x200], a=global[0x200], b=dram[0x0], len=40, count=1, param=0
store src=global[0x200], dst=dram[0x20000], len=40, count=1, sstride=0, dstride=0
seg.end id=0
halt
";

/// The FC program, its input and the reference output relu(x W + b).
pub(crate) fn fc_case() -> (Program, Vec<(&'static str, Tensor)>, Tensor) {
    let w = random(&[160, 20], 1);
    let b = random(&[20], 2);
    let x = random(&[2, 160], 3);
    let p = program(
        FC,
        w.data().to_vec(),
        vec![floats("fc.bias", b.data())],
        vec![
            input("x", &[2, 160], 0x10000),
            output("y", &[2, 20], 0x20000),
        ],
    );
    let y = gemm(&x, &w, Some(&b), 1.0, 1.0, false, false).unwrap();
    (p, vec![("x", x)], crate::kernels::relu(&y))
}

#[test]
fn fully_connected_with_row_and_column_split_matches_gemm() {
    let (p, inputs, expected) = fc_case();
    check(&p, &inputs, &expected, Tolerance::default());
}

/// The same layer as [`FC`] with its output as an accumulator: `fill` sets it to the bias, then
/// all four crossbars' `mvm`s add into it (`accumulate=1`), no partial-sum region or `acc`.
const FC_ACCUMULATED: &str = "
seg.begin id=0
wload xbar=0, src=dram[0x0],   stride=20, row=0, col=0, rows=128, cols=16, clear=true, copies=1, xstride=0
wload xbar=1, src=dram[0x10],  stride=20, row=0, col=0, rows=128, cols=4,  clear=true, copies=1, xstride=0
wload xbar=2, src=dram[0xa00], stride=20, row=0, col=0, rows=32,  cols=16, clear=true, copies=1, xstride=0
wload xbar=3, src=dram[0xa10], stride=20, row=0, col=0, rows=32,  cols=4,  clear=true, copies=1, xstride=0
load src=dram[0x10000], dst=global[0x0], len=320, count=1, sstride=0, dstride=0
vop op=fill, dst=global[0x200], a=global[0x200], b=dram[0x0], len=20, count=2, param=0
mvm xbar=2, src=global[0x80], dst=global[0x200], count=2, sstride=160, dstride=20, pix=0, bits=8, mode=dense, win=0, accumulate=1
mvm xbar=0, src=global[0x0],  dst=global[0x200], count=2, sstride=160, dstride=20, pix=0, bits=8, mode=dense, win=0, accumulate=1
mvm xbar=3, src=global[0x80], dst=global[0x210], count=2, sstride=160, dstride=20, pix=0, bits=8, mode=dense, win=0, accumulate=1
mvm xbar=1, src=global[0x0],  dst=global[0x210], count=2, sstride=160, dstride=20, pix=0, bits=8, mode=dense, win=0, accumulate=1
vop op=relu, dst=global[0x200], a=global[0x200], b=dram[0x0], len=40, count=1, param=0
store src=global[0x200], dst=dram[0x20000], len=40, count=1, sstride=0, dstride=0
seg.end id=0
halt
";

#[test]
fn row_blocks_accumulating_into_a_filled_output_match_gemm() {
    let (mut p, inputs, expected) = fc_case();
    p.code = assemble(FC_ACCUMULATED).unwrap();
    check(&p, &inputs, &expected, Tolerance::default());
}

#[test]
fn crossbars_hold_their_blocks_and_the_partial_sums_are_per_row_block() {
    let (p, inputs, _) = fc_case();
    let mut sim = Simulator::new(&p).unwrap();
    sim.set_inputs(&inputs).unwrap();
    sim.execute().unwrap();
    let m = sim.machine();
    assert_eq!(m.crossbar(0).unwrap().active(), (128, 16));
    assert_eq!(m.crossbar(3).unwrap().active(), (32, 4));
    // Crossbar 3 holds W[128 + i][16 + j].
    let w = &p.weights;
    assert_eq!(
        m.crossbar(3).unwrap().weight(5, 2),
        Some(w[(128 + 5) * 20 + 16 + 2])
    );
    assert!(m.crossbar(4).is_none());
    // The second row block's partial sums (before acc) are x[128..160] W[128..160].
    let x = inputs[0].1.data();
    let partial = m.read(crate::isa::MemRef::global(0x300), 1).unwrap()[0];
    let want: f32 = (0..32).map(|i| x[128 + i] * w[(128 + i) * 20]).sum();
    assert!((partial - want).abs() < 1e-5, "{partial} vs {want}");
}

/// Bit slicing: integer weights W = 16 * hi + lo (hi signed, lo in 0..16), the two slices on
/// two crossbars; `acc ... shift=4` adds the high slice's products times 16 into the low
/// slice's. Small integers are exact in f32, so the result equals x W bit for bit.
const SLICED: &str = "
wload xbar=0, src=dram[0x0],  stride=6, row=0, col=0, rows=24, cols=6, clear=true, copies=1, xstride=0   ; lo slice
wload xbar=1, src=dram[0x90], stride=6, row=0, col=0, rows=24, cols=6, clear=true, copies=1, xstride=0   ; hi slice
load src=dram[0x1000], dst=pe0[0x0], len=24, count=1, sstride=0, dstride=0
mvm xbar=0, src=pe0[0x0], dst=pe0[0x40], count=1, sstride=0, dstride=0, pix=0, bits=8, mode=dense, win=0, accumulate=0
mvm xbar=1, src=pe0[0x0], dst=pe0[0x80], count=1, sstride=0, dstride=0, pix=0, bits=8, mode=dense, win=0, accumulate=0
acc src=pe0[0x80], dst=pe0[0x40], len=6, count=1, sstride=0, dstride=0, shift=4
store src=pe0[0x40], dst=dram[0x2000], len=6, count=1, sstride=0, dstride=0
halt
";

#[test]
fn bit_sliced_weights_recombine_exactly_with_acc_shift() {
    let w: Vec<f32> = values(24 * 6, 4)
        .iter()
        .map(|v| (v * 128.0).floor())
        .collect();
    let hi: Vec<f32> = w.iter().map(|v| (v / 16.0).floor()).collect();
    let lo: Vec<f32> = w.iter().zip(&hi).map(|(v, h)| v - 16.0 * h).collect();
    assert!(lo.iter().all(|&l| (0.0..16.0).contains(&l)));
    let x = tensor(
        &[1, 24],
        values(24, 5).iter().map(|v| (v * 8.0).round()).collect(),
    );
    let p = program(
        SLICED,
        [lo, hi].concat(),
        vec![],
        vec![input("x", &[1, 24], 0x1000), output("y", &[1, 6], 0x2000)],
    );
    let expected = matmul(&x, &tensor(&[24, 6], w)).unwrap();
    check(&p, &[("x", x)], &expected, Tolerance::EXACT);
}
