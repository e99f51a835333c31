//! Sequencing and synchronisation: a loop streaming a batch of input vectors through a layer,
//! nested and empty loops, `halt`, `signal`/`wait` pairs, and the instruction counts.

use super::*;
use crate::isa::{CostClass, MemRef, Opcode};
use crate::kernels::{matmul, relu};
use crate::sim::COST_CLASSES;

/// relu(x_b W) for a batch of 4 vectors of 32 elements, one vector per loop iteration: the
/// registers r1 / r2 walk the batch in DRAM.
const STREAM: &str = "
seg.begin id=0
wload xbar=5, src=dram[0x0], stride=10, row=0, col=0, rows=32, cols=10, clear=true, copies=1, xstride=0
rset reg=r1, value=0x1000         ; next input vector
rset reg=r2, value=0x2000         ; next output vector
loop count=4
  load src=dram[r1+0x0], dst=tile0[0x0], len=32, count=1, sstride=0, dstride=0
  mvm xbar=5, src=tile0[0x0], dst=tile0[0x40], count=1, sstride=0, dstride=0, pix=0, bits=8, mode=dense, win=0, accumulate=0
  vop op=relu, dst=tile0[0x40], a=tile0[0x40], b=dram[0x0], len=10, count=1, param=0
  store src=tile0[0x40], dst=dram[r2+0x0], len=10, count=1, sstride=0, dstride=0
  radd reg=r1, value=32
  radd reg=r2, value=10
  barrier
endloop
seg.end id=0
halt
";

fn stream_program() -> (Program, Tensor, Tensor) {
    let w = random(&[32, 10], 40);
    let x = random(&[4, 32], 41);
    let p = program(
        STREAM,
        w.data().to_vec(),
        vec![],
        vec![input("x", &[4, 32], 0x1000), output("y", &[4, 10], 0x2000)],
    );
    let y = relu(&matmul(&x, &w).unwrap());
    (p, x, y)
}

#[test]
fn loop_streams_a_batch_of_vectors_through_a_crossbar() {
    let (p, x, y) = stream_program();
    check(&p, &[("x", x)], &y, Tolerance::default());
}

#[test]
fn stats_count_executed_instructions_per_cost_class() {
    let (p, x, _) = stream_program();
    let mut sim = Simulator::new(&p).unwrap();
    sim.set_inputs(&[("x", x)]).unwrap();
    sim.execute().unwrap();
    let s = sim.stats();
    assert_eq!(s.count(CostClass::CrossbarWrite), 1);
    assert_eq!(s.count(CostClass::DramRead), 4);
    assert_eq!(s.count(CostClass::Mvm), 4);
    assert_eq!(s.count(CostClass::Vector), 4);
    assert_eq!(s.count(CostClass::DramWrite), 4);
    assert_eq!(s.count(CostClass::Sync), 4);
    // seg.begin, 2 rset, loop, 4 x (2 radd + endloop), seg.end, halt.
    assert_eq!(s.count(CostClass::Control), 1 + 2 + 1 + 4 * 3 + 1 + 1);
    assert_eq!(s.total(), 1 + 4 * 5 + 18);
    assert_eq!(sim.machine().register(1), Some(0x1000 + 4 * 32));
    let listing = s.to_string();
    assert!(
        listing.contains("Mvm") && listing.contains("total"),
        "{listing}"
    );
}

#[test]
fn cost_class_list_covers_every_opcode() {
    for op in Opcode::ALL {
        assert!(COST_CLASSES.contains(&op.cost_class()), "{op:?}");
    }
}

/// A counter in the global buffer incremented by `acc` (adding a loaded 1) in nested loops:
/// 3 x 2 iterations, plus a loop of count 0 whose body never runs, and an `acc` after `halt`.
const COUNTER: &str = "
load src=dram[0x0], dst=global[0x10], len=1, count=1, sstride=0, dstride=0     ; the constant 1
loop count=3
  loop count=2
    acc src=global[0x10], dst=global[0x0], len=1, count=1, sstride=0, dstride=0, shift=0
  endloop
  radd reg=r3, value=-1
endloop
loop count=0
  acc src=global[0x10], dst=global[0x0], len=1, count=1, sstride=0, dstride=0, shift=5
endloop
store src=global[0x0], dst=dram[0x100], len=1, count=1, sstride=0, dstride=0
halt
acc src=global[0x10], dst=global[0x0], len=1, count=1, sstride=0, dstride=0, shift=0
store src=global[0x0], dst=dram[0x100], len=1, count=1, sstride=0, dstride=0
halt
";

#[test]
fn nested_loops_empty_loops_and_halt() {
    let p = program(COUNTER, vec![1.0], vec![], vec![output("n", &[1], 0x100)]);
    let mut sim = Simulator::new(&p).unwrap();
    sim.set_inputs::<&str>(&[]).unwrap();
    sim.execute().unwrap();
    assert_eq!(sim.outputs().unwrap()[0].1.data(), &[6.0]);
    // radd wraps at 32 bits.
    assert_eq!(sim.machine().register(3), Some(3u32.wrapping_neg()));
    assert_eq!(sim.stats().count(CostClass::Accumulate), 6);
}

#[test]
fn signal_wait_pairs_release_and_are_consumed() {
    let code = "signal event=1
                signal event=2
                wait event=2
                wait event=1
                signal event=1
                load src=dram[0x0], dst=global[0x0], len=1, count=1, sstride=0, dstride=0
                wait event=1
                store src=global[0x0], dst=dram[0x100], len=1, count=1, sstride=0, dstride=0
                halt";
    let p = program(code, vec![7.0], vec![], vec![output("y", &[1], 0x100)]);
    let out = Simulator::run::<&str>(&p, &[]).unwrap();
    assert_eq!(out[0].1.data(), &[7.0]);
    let state = Simulator::new(&p).unwrap();
    assert_eq!(state.machine().read(MemRef::dram(0), 1).unwrap(), vec![7.0]);
}

/// A two-stage software pipeline over 3 vectors: step t runs stage 0 (relu) on vector t and
/// stage 1 (doubling: add to itself) on vector t - 1, each guarded by the steps it is active in
/// (`guard r3, lo, hi, len`), 4 steps in all.
const GUARDED: &str = "
rset reg=r3, value=0            ; the step
rset reg=r1, value=0x1000       ; vector t of the input
rset reg=r2, value=0x1ffc       ; vector t - 1 of the scratch (0x2000 - 4)
loop count=4
  guard reg=r3, lo=0, hi=3, len=3
  load src=dram[r1+0x0], dst=global[0x0], len=4, count=1, sstride=0, dstride=0
  vop op=relu, dst=global[0x0], a=global[0x0], b=dram[0x0], len=4, count=1, param=0
  store src=global[0x0], dst=dram[r2+0x4], len=4, count=1, sstride=0, dstride=0
  guard reg=r3, lo=1, hi=4, len=3
  load src=dram[r2+0x0], dst=global[0x10], len=4, count=1, sstride=0, dstride=0
  vop op=add, dst=global[0x10], a=global[0x10], b=global[0x10], len=4, count=1, param=0
  store src=global[0x10], dst=dram[r2+0x1000], len=4, count=1, sstride=0, dstride=0
  radd reg=r3, value=1
  radd reg=r1, value=4
  radd reg=r2, value=4
endloop
halt
";

#[test]
fn guards_run_each_stage_in_its_steps_only() {
    let x = Tensor::new(vec![3, 4], (0..12).map(|i| i as f32 - 6.0).collect()).unwrap();
    let p = program(
        GUARDED,
        vec![],
        vec![],
        vec![
            input("x", &[3, 4], 0x1000),
            output("y", &[3, 4], 0x2ffc + 4),
        ],
    );
    let y = relu(&x).map(|v| 2.0 * v);
    check(&p, &[("x", x)], &y, Tolerance::default());
    let mut sim = Simulator::new(&p).unwrap();
    let x = Tensor::zeros(vec![3, 4]);
    sim.set_inputs(&[("x", x)]).unwrap();
    sim.execute().unwrap();
    // 4 steps, each stage active in 3 of them.
    assert_eq!(sim.stats().count(CostClass::DramRead), 6);
    assert_eq!(sim.stats().count(CostClass::Vector), 6);
}

#[test]
fn a_wload_broadcasts_its_block_to_every_copy() {
    // One DRAM read writes crossbars 1, 4 and 7; each copy computes the same product.
    let text = "
wload xbar=1, src=dram[0x0], stride=10, row=0, col=0, rows=32, cols=10, clear=true, copies=3, xstride=3
load src=dram[0x1000], dst=global[0x0], len=32, count=1, sstride=0, dstride=0
mvm xbar=1, src=global[0x0], dst=global[0x100], count=1, sstride=0, dstride=0, pix=0, bits=8, mode=dense, win=0, accumulate=0
mvm xbar=7, src=global[0x0], dst=global[0x10a], count=1, sstride=0, dstride=0, pix=0, bits=8, mode=dense, win=0, accumulate=0
store src=global[0x100], dst=dram[0x2000], len=20, count=1, sstride=0, dstride=0
halt
";
    let w = random(&[32, 10], 50);
    let x = random(&[1, 32], 51);
    let p = program(
        text,
        w.data().to_vec(),
        vec![],
        vec![input("x", &[1, 32], 0x1000), output("y", &[2, 10], 0x2000)],
    );
    let y = matmul(&x, &w).unwrap();
    let twice = Tensor::new(vec![2, 10], [y.data(), y.data()].concat()).unwrap();
    check(&p, &[("x", x)], &twice, Tolerance::default());
    let mut sim = Simulator::new(&p).unwrap();
    sim.set_inputs(&[("x", Tensor::zeros(vec![1, 32]))])
        .unwrap();
    sim.execute().unwrap();
    let work = sim.stats().work();
    assert_eq!((work.weights, work.crossbar_writes), (320, 3));
    assert_eq!(work.crossbar_activations, 2 * 8);
}

/// Four `mvm`s in a row: two independent ones of 2^17 multiply-accumulates each (computed
/// together, on every core), one reading what the first wrote, one past the global buffer.
const MVM_RUN: &str = "
wload xbar=0, src=dram[0x0], stride=16, row=0, col=0, rows=128, cols=16, clear=true, copies=1, xstride=0
wload xbar=1, src=dram[0x800], stride=16, row=0, col=0, rows=16, cols=16, clear=true, copies=1, xstride=0
load src=dram[0x1000], dst=global[0x0], len=8192, count=1, sstride=0, dstride=0
mvm xbar=0, src=global[0x0], dst=global[0x4000], count=64, sstride=128, dstride=16, pix=0, bits=8, mode=dense, win=0, accumulate=0
mvm xbar=0, src=global[0x0], dst=global[0x5000], count=64, sstride=128, dstride=16, pix=0, bits=8, mode=dense, win=0, accumulate=1
mvm xbar=1, src=global[0x4000], dst=global[0x6000], count=64, sstride=16, dstride=16, pix=0, bits=8, mode=dense, win=0, accumulate=0
mvm xbar=1, src=global[0x6000], dst=global[0x1fff8], count=1, sstride=0, dstride=0, pix=0, bits=8, mode=dense, win=0, accumulate=0
halt
";

#[test]
fn consecutive_mvms_run_as_if_one_after_another() {
    // The same program with a barrier after each mvm runs them one at a time: same outputs (to
    // the bit), same fault, same counts.
    let apart = MVM_RUN.replace("accumulate=0\n", "accumulate=0\nbarrier\n");
    let apart = apart.replace("accumulate=1\n", "accumulate=1\nbarrier\n");
    let weights = values(0x1000 + 8192, 7);
    let states = [MVM_RUN, apart.as_str()].map(|code| {
        let p = program(code, weights.clone(), vec![], vec![]);
        let mut sim = Simulator::new(&p).unwrap();
        let Err(SimError::Execution { asm, fault, .. }) = sim.execute() else {
            panic!("the last mvm must fault")
        };
        let outputs = sim.machine().read(MemRef::global(0x4000), 0x3000).unwrap();
        (outputs, asm, fault, sim.stats().count(CostClass::Mvm))
    });
    assert_eq!(states[0], states[1]);
    assert_eq!(states[0].3, 4);
    // 64 vectors of 16 products at 0x4000, the same added to zeros at 0x5000.
    let sums = &states[0].0[0x1000..0x1400];
    assert!(sums.iter().all(|&y| y != 0.0) && sums == &states[0].0[..0x400]);
}

#[test]
fn the_instruction_limit_stops_a_run_of_mvms_at_the_limit() {
    // Four instructions may run: the two wloads, the load and the first mvm; the second mvm is
    // the fifth and stops the run, with nothing of it written.
    let p = program(MVM_RUN, values(0x1000 + 8192, 7), vec![], vec![]);
    let mut sim = Simulator::new(&p).unwrap();
    sim.set_limit(4);
    let Err(SimError::Execution { index, fault, .. }) = sim.execute() else {
        panic!("the limit must stop the run")
    };
    assert_eq!(index, 4);
    assert!(
        fault.to_string().contains("more than 4 instructions"),
        "{fault}"
    );
    assert_eq!(sim.stats().count(CostClass::Mvm), 1);
    let first = sim.machine().read(MemRef::global(0x4000), 0x400).unwrap();
    let second = sim.machine().read(MemRef::global(0x5000), 0x400).unwrap();
    assert!(first.iter().all(|&y| y != 0.0) && second.iter().all(|&y| y == 0.0));
}
