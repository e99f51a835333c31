//! Tests of the timing simulator on hand-written programs: overlap of independent work,
//! serialisation through data and units, the charges of each cost class, synchronisation, the
//! trace, and random programs that must never panic or run unbounded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;

use super::*;
use crate::container::Program;
use crate::isa::{assemble, Instruction};
use crate::sim::tests::robust::{constants, instruction};
use crate::sim::tests::{output, program, values};
use crate::target::Target;

/// Two crossbars of 16 rows x 4 weights loaded, then `body`.
fn two_crossbars(body: &str) -> Program {
    let code = format!(
        "wload xbar=0, src=dram[0x0], stride=4, row=0, col=0, rows=16, cols=4, clear=true, copies=1, xstride=0
         wload xbar=1, src=dram[0x0], stride=4, row=0, col=0, rows=16, cols=4, clear=true, copies=1, xstride=0
         {body}
         halt"
    );
    program(&code, values(64, 80), vec![], vec![])
}

fn time(p: &Program) -> Timed {
    simulate(p, &Options::default()).unwrap()
}

const MVM0: &str = "mvm xbar=0, src=global[0x0], dst=global[0x100], count=10, sstride=16, dstride=4, pix=0, bits=8, mode=dense, win=0, accumulate=0";
const MVM1: &str = "mvm xbar=1, src=global[0x0], dst=global[0x200], count=10, sstride=16, dstride=4, pix=0, bits=8, mode=dense, win=0, accumulate=0";
const MVM1_DEPENDENT: &str = "mvm xbar=1, src=global[0x100], dst=global[0x200], count=10, sstride=4, dstride=4, pix=0, bits=8, mode=dense, win=0, accumulate=0";

#[test]
fn independent_mvms_overlap_and_dependent_ones_do_not() {
    let one = time(&two_crossbars(MVM0)).latency_ns;
    let parallel = time(&two_crossbars(&format!("{MVM0}\n{MVM1}"))).latency_ns;
    let chained = time(&two_crossbars(&format!("{MVM0}\n{MVM1_DEPENDENT}"))).latency_ns;
    // Both crossbars are in PE 0: the second waits for the PE link only (the inputs are
    // delivered once), not for the first's compute.
    assert!(parallel < one * 1.5, "{parallel} vs {one}");
    assert!(chained > parallel * 1.3, "{chained} vs {parallel}");
}

#[test]
fn a_barrier_serialises_and_a_wait_without_signal_deadlocks() {
    let free = time(&two_crossbars(&format!("{MVM0}\n{MVM1}"))).latency_ns;
    let fenced = time(&two_crossbars(&format!("{MVM0}\nbarrier\n{MVM1}"))).latency_ns;
    assert!(fenced > free * 1.3, "{fenced} vs {free}");
    let split = time(&two_crossbars(&format!(
        "{MVM0}\nsignal event=3\nwait event=3\n{MVM1}"
    )));
    assert_eq!(split.latency_ns, fenced);
    let err = simulate(&two_crossbars("wait event=1"), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("deadlock"), "{err}");
}

#[test]
fn each_class_is_charged_from_the_target() {
    let p = two_crossbars(MVM0);
    let t = &p.target;
    let timed = time(&p);
    let c = timed.counts;
    // 10 vectors x 8 bit-serial steps x 1 group of rows.
    assert_eq!(c.activations, 80);
    assert_eq!(c.crossbar_writes, 2);
    assert_eq!(c.weight_bytes, 2 * 64);
    let e = timed.energy;
    assert!(
        (e.compute
            - (80.0 * t.crossbar_activation_energy_pj() + 40.0 * t.crossbar.accumulate_energy_pj))
            .abs()
            < 1e-6
    );
    assert!((e.crossbar_write - 2.0 * t.crossbar_write_energy_pj()).abs() < 1e-6);
    assert!((e.dram - 2.0 * 64.0 * 8.0 * t.dram.energy_pj_per_bit).abs() < 1e-6);
    // One write driver: the two crossbars are written one after the other, then the mvm.
    let writes = 2.0 * t.crossbar_write_ns();
    let mvm = 80.0 * t.crossbar_step_ns();
    assert!(timed.latency_ns > writes + mvm);
    let busy = |k| timed.busy.iter().find(|b| b.0 == k).unwrap().1;
    assert!((busy(UnitKind::WriteDriver) - writes).abs() < 1e-6);
    assert!((busy(UnitKind::Crossbar) - mvm).abs() < 1e-6);
}

/// Blocks packed into one crossbar are loaded one `wload` each: their DRAM reads stream one
/// after another, each write waiting for the crossbar's earlier writes but not for the DRAM
/// latency of the block before (16 single-weight blocks take about one latency, not 16). A
/// `wload` after an `mvm` on its crossbar still waits for the `mvm`.
#[test]
fn packed_blocks_stream_their_reads_and_writes_wait_for_the_crossbar() {
    let block = |k: u32| {
        format!(
            "wload xbar=0, src=dram[{k:#x}], stride=1, row={k}, col={}, rows=1, cols=1, clear={}, copies=1, xstride=0",
            k % 4,
            k == 0
        )
    };
    let blocks: Vec<String> = (0..16).map(block).collect();
    let p = program(
        &format!("{}\nhalt", blocks.join("\n")),
        values(64, 80),
        vec![],
        vec![],
    );
    let t = p.target.clone();
    let packed = time(&p).latency_ns;
    assert!(
        packed < t.crossbar_write_ns() + 3.0 * t.dram.latency_ns,
        "{packed} ns"
    );
    // The second load of crossbar 0 overwrites the weights the mvm reads: it waits.
    let reload = "wload xbar=0, src=dram[0x40], stride=4, row=0, col=0, rows=16, cols=4, clear=true, copies=1, xstride=0";
    let after = time(&two_crossbars(&format!("{MVM0}\n{reload}"))).latency_ns;
    let mvm = 80.0 * t.crossbar_step_ns();
    assert!(after > 3.0 * t.crossbar_write_ns() + mvm, "{after} ns");
}

#[test]
fn work_ready_early_fills_a_gap_before_thousands_of_later_reservations() {
    // Each load of a chain waits for the one before to land (DRAM latency), so the channel is
    // reserved in thousands of separate intervals. A second chain into other data, issued
    // after the first, is ready at once: its loads take the first chain's gaps, and the two
    // finish together (a unit that forgot its earliest intervals by count started the second
    // chain after them: Inception-v1 ran 2.6 times slower in time than its program).
    let chain = |dst: u32| {
        format!("load src=dram[0x0], dst=global[{dst:#x}], len=4, count=1, sstride=4, dstride=4\n")
            .repeat(3000)
    };
    let timed = |code: String| time(&program(&code, values(64, 80), vec![], vec![])).latency_ns;
    let one = timed(format!("{}halt", chain(0)));
    let two = timed(format!("{}{}halt", chain(0), chain(0x100)));
    assert!(two < one * 1.01, "{two} vs {one}");
}

#[test]
fn a_long_transfer_streams_burst_by_burst_in_the_gaps_of_short_ones_issued_before_it() {
    // A chain of short loads, each waiting for the one before to land: the channel is idle
    // most of each DRAM latency. A long store issued after them is ready at once: it streams
    // in their gaps, burst by burst, and is done long before them. (Held whole, it waited for a
    // gap as long as itself, after the whole chain: SqueezeNet's stores on isaac-rram waited
    // 255 us a band behind the first stage's loads, on a channel 27 % busy.)
    let chain =
        "load src=dram[0x0], dst=global[0x0], len=4, count=1, sstride=4, dstride=4\n".repeat(200);
    let store = "store src=global[0x100], dst=dram[0x1000], len=16384, count=1, sstride=16384, dstride=16384\n";
    let timed = |code: String| time(&program(&code, values(64, 80), vec![], vec![]));
    let alone = timed(format!("{chain}halt"));
    let both = timed(format!("{chain}{store}halt"));
    let t = Target::preset("compact-4x4").unwrap();
    let store_ns = 16384.0 * f64::from(t.precision.activation_bits) / 8.0 / t.dram.bandwidth_gb_s;
    assert!(store_ns > t.dram.latency_ns, "the store fits no single gap");
    assert!(
        both.latency_ns < alone.latency_ns + 1.0,
        "{} vs {}",
        both.latency_ns,
        alone.latency_ns
    );
    let busy = |timed: &Timed| timed.busy.iter().find(|b| b.0 == UnitKind::Dram).unwrap().1;
    assert!((busy(&both) - busy(&alone) - store_ns).abs() < 1e-6);
}

#[test]
fn column_tiles_writing_interleaved_blocks_run_in_parallel() {
    let tile = |x: u32, col: u32| {
        format!(
        "mvm xbar={x}, src=global[0x0], dst=global[{:#x}], count=10, sstride=16, dstride=8, pix=0, bits=8, mode=dense, win=0, accumulate=0",
        0x100 + col
    )
    };
    let one = time(&two_crossbars(&tile(0, 0))).latency_ns;
    let both = time(&two_crossbars(&format!("{}\n{}", tile(0, 0), tile(1, 4)))).latency_ns;
    let clash = time(&two_crossbars(&format!("{}\n{}", tile(0, 0), tile(1, 2)))).latency_ns;
    assert!(both < one * 1.5, "{both} vs {one}");
    assert!(clash > both * 1.3, "{clash} vs {both}");
}

#[test]
fn row_tiles_adding_into_one_output_run_in_parallel_and_count_one_final_output() {
    let add = |x: u32, src: u32| {
        format!(
            "mvm xbar={x}, src=global[{src:#x}], dst=global[0x100], count=10, sstride=16, dstride=4, pix=0, bits=8, mode=dense, win=0, accumulate=1"
        )
    };
    let fill =
        "vop op=fill, dst=global[0x100], a=global[0x100], b=dram[0x0], len=4, count=10, param=0";
    let accumulated = |body: &str| {
        let mut p = two_crossbars(body);
        p.constants = constants();
        time(&p)
    };
    let one = accumulated(&format!(
        "{fill}
{}",
        add(0, 0)
    ))
    .latency_ns;
    let both = accumulated(&format!(
        "{fill}
{}
{}",
        add(0, 0),
        add(1, 0x200)
    ));
    // Both add into the same 40 outputs at once: not twice as long as one, 40 final outputs.
    assert!(both.latency_ns < one * 1.5, "{} vs {one}", both.latency_ns);
    let c = both.counts;
    assert_eq!((c.mvm_outputs, c.merged, c.filled), (80, 80, 40));
    // A plain write of the outputs in between waits for the first addition.
    let written = format!(
        "{fill}
{}
{MVM0}
{}",
        add(0, 0),
        add(1, 0x200)
    );
    assert!(accumulated(&written).latency_ns > both.latency_ns * 1.3);
}

#[test]
fn the_report_and_the_trace_are_well_formed() {
    let mut p = two_crossbars(&format!("seg.begin id=0\n{MVM0}\n{MVM1}\nseg.end id=0"));
    p.producer = "pimc 0.1.0 batch=4 pipeline=reuse scheduler=pimc mapping=crossbar".into();
    let timed = simulate(
        &p,
        &Options {
            trace: true,
            ..Options::default()
        },
    )
    .unwrap();
    let report = TimingReport::new(&p, "two", &timed);
    assert_eq!((report.batch, report.pipeline.as_str()), (4, "reuse"));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    for key in [
        "latency_ns",
        "throughput_fps",
        "energy_pj",
        "segments",
        "bubble_fraction",
        "utilisation",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    let trace: serde_json::Value = serde_json::from_str(&chrome_trace(&p, &timed)).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    assert!(events
        .iter()
        .any(|e| e["name"] == "wload" && e["ph"] == "X"));
    assert!(events
        .iter()
        .any(|e| e["name"] == "thread_name" && e["args"]["name"] == "DRAM channel"));
}

#[test]
fn runaway_loops_stop_with_an_error() {
    let mut p = program("halt", vec![], vec![], vec![]);
    p.code =
        assemble("loop count=4294967295\nloop count=4294967295\nendloop\nendloop\nhalt").unwrap();
    let options = Options {
        trace: false,
        max_executed: 100_000,
    };
    let err = simulate(&p, &options).unwrap_err();
    assert!(err.to_string().contains("100000 instructions"), "{err}");
}

#[test]
fn a_target_without_global_buffer_runs() {
    let mut p = program("halt", vec![], vec![], vec![]);
    p.target = Target::preset("isaac-rram").unwrap();
    p.code =
        assemble("load src=dram[0x0], dst=tile3[0x0], len=64, count=1, sstride=0, dstride=0\nhalt")
            .unwrap();
    assert!(time(&p).latency_ns > 0.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_programs_never_panic(seeds in prop::collection::vec(any::<[u32; 6]>(), 1..12)) {
        let mut p = program("halt", values(64, 80), constants(), vec![output("y", &[16], 0x100)]);
        p.code = seeds.into_iter().map(instruction).chain([Instruction::Halt {}]).collect();
        match simulate(&p, &Options { trace: true, ..Options::default() }) {
            Ok(t) => {
                prop_assert!(t.latency_ns.is_finite() && t.latency_ns >= 0.0);
                let _ = chrome_trace(&p, &t);
                let _ = TimingReport::new(&p, "random", &t).to_json();
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// An operand out of its buffer through a register, or a store into the weights: the timing
/// simulator reports the functional simulator's error, not a time.
#[test]
fn out_of_range_operands_are_the_functional_errors() {
    for code in [
        "rset reg=r1, value=0x1fff0\nload src=dram[0x0], dst=global[r1+0x20], len=64, count=1, sstride=0, dstride=0\nhalt",
        "store src=global[0x0], dst=dram[0x10], len=4, count=1, sstride=0, dstride=0\nhalt",
        "vop op=relu, dst=tile99[0x0], a=global[0x0], b=dram[0x0], len=4, count=1, param=0\nhalt",
    ] {
        let p = program(code, values(64, 80), vec![], vec![]);
        let timed = simulate(&p, &Options::default()).unwrap_err().to_string();
        let functional = crate::sim::Simulator::run::<&str>(&p, &[]).unwrap_err().to_string();
        assert_eq!(timed, functional);
    }
}
