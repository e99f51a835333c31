//! The analytic cost model against the timing simulator (`docs/cost-model.md` §14): compiled
//! test networks, in every mode, on two presets, at batch 1, 16 and 256, the paper's networks on
//! the three presets at batch 1 and 16, and layers of packed groups, run in time
//! (`pim_runtime::sim::timing`) and compared with their cost report. What both count the same
//! way must agree exactly; throughput and energy agree within 5 % where the program does what
//! the model assumes, and elsewhere differ by what `docs/cost-model.md` §14 explains, which the
//! tests hold.

use super::tests::{compile_reported, lower};
use crate::cost::Report;
use crate::schedule::{Options as ScheduleOptions, Pipeline};
use pim_runtime::sim::timing::{chrome_trace, simulate, Options, TimingReport};
use pim_runtime::target::Target;

/// The test networks of `test-models/nets`.
const NETS: [&str; 6] = [
    "lenet",
    "mlp",
    "conv_bn_relu_pool",
    "conv_scale_shift",
    "mini_resnet",
    "mini_densenet",
];

const MODES: [Pipeline; 4] = [
    Pipeline::Layer,
    Pipeline::Baseline,
    Pipeline::Reuse,
    Pipeline::Full,
];

/// The cost report and the timing report of `name` at `batch` on `target` in `pipeline` mode
/// (`None` when `full` does not fit).
fn both(
    name: &str,
    target: &Target,
    pipeline: Pipeline,
    batch: u64,
) -> Option<(Report, TimingReport)> {
    let (_, func) = lower(name, 1);
    let options = ScheduleOptions {
        batch,
        pipeline: Some(pipeline),
        ..ScheduleOptions::default()
    };
    let (program, report) = match compile_reported(&func, target, options) {
        Err(crate::Error::Pass { message, .. }) if message.contains("to hold all weights") => {
            return None
        }
        other => other.unwrap_or_else(|e| panic!("{name} {pipeline:?}: {e}")),
    };
    let timed = simulate(&program, &Options::default())
        .unwrap_or_else(|e| panic!("{name} {pipeline:?} batch {batch}: {e}"));
    Some((report, TimingReport::new(&program, name, &timed)))
}

/// Every case of the matrix that compiles.
fn matrix() -> Vec<(String, Report, TimingReport)> {
    let mut cases = Vec::new();
    for target in ["compact-4x4", "isaac-rram"] {
        let t = Target::preset(target).expect("preset");
        for name in NETS {
            for pipeline in MODES {
                for batch in [1, 16, 256] {
                    if let Some((a, b)) = both(name, &t, pipeline, batch) {
                        let case = format!("{name} {} {target} batch {batch}", pipeline.name());
                        cases.push((case, a, b));
                    }
                }
            }
        }
    }
    cases
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-9)
}

/// The report's throughput and the timed one agree within `tolerance` (relative) for `case`.
fn assert_throughput_agrees(case: &str, a: &Report, t: &TimingReport, tolerance: f64) {
    assert!(
        close(a.throughput_fps, t.throughput_fps, tolerance),
        "{case}: analytic {} vs timing {} images/s",
        a.throughput_fps,
        t.throughput_fps
    );
}

/// What does not depend on the schedule's timing agrees exactly: weights read, crossbars
/// written, crossbar activations, and the energy of compute and crossbar writes. The energy that
/// differs is what the program moves through DRAM beyond the model's spills (its layers
/// round-trip every activation) and the leakage over the different latency: with those taken
/// out, the two energies agree within 5 %.
#[test]
fn timing_and_analytic_agree_on_work_and_energy() {
    let cases = matrix();
    assert!(cases.len() > 80, "{} cases", cases.len());
    for (case, a, t) in &cases {
        assert_work_and_energy_agree(case, a, t);
    }
}

/// The checks of [`timing_and_analytic_agree_on_work_and_energy`] on one case.
fn assert_work_and_energy_agree(case: &str, a: &Report, t: &TimingReport) {
    assert_eq!(
        a.dram_bytes.weights, t.dram_bytes.weights,
        "{case}: weights"
    );
    assert_eq!(
        a.crossbars.written, t.crossbars.written,
        "{case}: crossbar writes"
    );
    assert_eq!(a.mvm_activations, t.mvm_activations, "{case}: activations");
    let (ea, et) = (&a.energy_pj, &t.energy_pj);
    assert!(
        close(ea.compute, et.compute, 1e-6),
        "{case}: compute {} vs {}",
        ea.compute,
        et.compute
    );
    assert!(
        close(ea.crossbar_write, et.crossbar_write, 1e-6),
        "{case}: writes"
    );
    assert!(
        t.dram_bytes.activations >= a.dram_bytes.activations,
        "{case}: the program moves less than the model spills"
    );
    let explained = (et.dram - ea.dram) + (et.buffer - ea.buffer) + (et.leakage - ea.leakage);
    let rest = et.total - ea.total - explained;
    assert!(
        rest.abs() <= 0.05 * ea.total,
        "{case}: {:.4} % of the energy unexplained",
        100.0 * rest / ea.total
    );
}

/// Throughput agrees within 5 % in the sequential modes (`layer`, `baseline`: every test network,
/// both presets, batch 1, 16 and 256), where the program runs each stage's chain of DRAM
/// transfers and crossbar work as the model times it (`docs/cost-model.md` §7, §14). The one
/// exception is held at its measured size: the small fully connected layers of `mlp` at batch 16
/// and 256 on compact-4x4, whose working sets do not collide in the staging buffer, so the
/// scoreboard lets one image start before the previous one has finished (+9.5 % and +10.3 %; the
/// model runs images one after another).
#[test]
fn timing_and_analytic_throughput_agree_in_the_sequential_modes() {
    let cases = matrix();
    let sequential = |case: &str| case.contains(" layer ") || case.contains(" baseline ");
    let overlapping_images = |case: &str| case.starts_with("mlp baseline compact-4x4 batch ");
    for (case, a, t) in cases.iter().filter(|(case, _, _)| sequential(case)) {
        let tolerance = if overlapping_images(case) && !case.ends_with("batch 1") {
            0.12
        } else {
            0.05
        };
        assert_throughput_agrees(case, a, t, tolerance);
    }
}

/// In the pipelined modes (`reuse`, `full`) throughput agrees within 5 %: the model puts each
/// stage's DRAM transfers (latency and streaming) on its chain per image, takes the first image
/// through the stages row by row where they run in bands (`cost::fill`), runs the steady state
/// of the stages' chains on the one DRAM channel (`cost::channel`) and their ring copies on the
/// buffer port, and bounds the period by the other resources the stages share
/// (`docs/cost-model.md` §7, §14). Two differences remain on isaac-rram at batch 256, each held
/// at its measured size (§14): `mini_resnet`'s seven stages (+6.7 %) and `mini_densenet`'s six
/// (−6.2 % and −6.7 %) interleave their transfers on the channel differently from the
/// channel's steady state as modelled.
#[test]
fn timing_and_analytic_throughput_agree_in_the_pipelined_modes() {
    let cases = matrix();
    let pipelined = |case: &str| case.contains(" reuse ") || case.contains(" full ");
    let held = |case: &str| match case {
        c if c.starts_with("mini_resnet") && c.ends_with("isaac-rram batch 256") => 0.08,
        c if c.starts_with("mini_densenet") && c.ends_with("isaac-rram batch 256") => 0.08,
        _ => 0.05,
    };
    for (case, a, t) in cases.iter().filter(|(case, _, _)| pipelined(case)) {
        assert_throughput_agrees(case, a, t, held(case));
    }
}

/// The paper's networks, VGG-8 and ResNet-18, in every mode on the three presets at batch 1 and
/// 16 agree within 5 % (`docs/cost-model.md` §14).
#[test]
fn the_paper_networks_agree_in_every_mode() {
    for name in ["generated/vgg8", "generated/resnet18"] {
        for target in ["compact-4x4", "unlimited-6x6", "isaac-rram"] {
            let t = Target::preset(target).expect("preset");
            for pipeline in MODES {
                for batch in [1, 16] {
                    let Some((a, timed)) = both(name, &t, pipeline, batch) else {
                        continue;
                    };
                    let case = format!("{name} {} {target} batch {batch}", pipeline.name());
                    assert_throughput_agrees(&case, &a, &timed, 0.05);
                }
            }
        }
    }
}

/// Zoo CNNs whose whole network is one pipelined segment (`full` on compact-4x4), each held at
/// its measured difference (`docs/cost-model.md` §14): SqueezeNet's first convolution runs in
/// 222 bands on 221 copies, so a copy carries one pixel of a band or none (+29 % when the model
/// charged each copy on a PE link one per band, item 18; −1.4 % now); Inception-v1's first stage
/// reserves thousands of DRAM intervals per image (−56 % at batch 4 when the simulator forgot
/// them, item 17; the −11 % left is the PE link its first two convolutions share).
#[test]
fn zoo_networks_in_one_segment_agree_within_their_held_difference() {
    let t = Target::preset("compact-4x4").expect("preset");
    for (name, batch, held) in [
        ("zoo/light_squeezenet", 16, 0.05),
        ("zoo/light_inception_v1", 4, 0.13),
    ] {
        let (a, timed) = both(name, &t, Pipeline::Full, batch).expect("fits");
        assert_throughput_agrees(&format!("{name} full batch {batch}"), &a, &timed, held);
    }
}

/// Grouped and depthwise convolutions pack several groups into one crossbar, which the program
/// writes one `wload` per group and kernel tap (only real weights are stored): the model counts
/// those writes again (`Tiling::rewrites`), so the crossbars written, their energy and the
/// throughput agree as for the test networks. (Without the rewrites the model undercounted the
/// write energy, and zoo ShuffleNet in `layer` mode on compact-4x4 ran 8 % slower in time than
/// modelled.)
#[test]
fn packed_groups_agree_on_their_writes() {
    let ops = [
        "ops/op_conv_depthwise",
        "ops/op_conv_depthwise_mult",
        "ops/op_conv_group",
    ];
    for target in ["compact-4x4", "isaac-rram"] {
        let t = Target::preset(target).expect("preset");
        for name in ops {
            for pipeline in [Pipeline::Layer, Pipeline::Reuse] {
                let (a, timed) = both(name, &t, pipeline, 4).expect("fits");
                let case = format!("{name} {} {target}", pipeline.name());
                assert_work_and_energy_agree(&case, &a, &timed);
                assert_throughput_agrees(&case, &a, &timed, 0.05);
            }
        }
    }
}

/// The trace of LeNet in `reuse` mode at batch 4 shows each segment's weight load, then its
/// pipeline filling (stages starting one after another), its steady state (every stage busy)
/// and its drain (the first stage done, the last still working), in that order, and one
/// track per layer with one slice per image.
#[test]
fn the_trace_of_a_reuse_pipeline_shows_fill_steady_state_and_drain() {
    let (_, func) = lower("lenet", 1);
    let target = Target::preset("compact-4x4").expect("preset");
    let options = ScheduleOptions {
        batch: 4,
        pipeline: Some(Pipeline::Reuse),
        ..ScheduleOptions::default()
    };
    let (program, _) = compile_reported(&func, &target, options).expect("compile");
    let timed = simulate(
        &program,
        &Options {
            trace: true,
            ..Options::default()
        },
    )
    .expect("run");
    let trace: serde_json::Value =
        serde_json::from_str(&chrome_trace(&program, &timed)).expect("JSON");
    let events = trace["traceEvents"].as_array().expect("events");
    let track = |name: &str| {
        events
            .iter()
            .find(|e| e["name"] == "thread_name" && e["args"]["name"] == name)
            .map(|e| (e["pid"].clone(), e["tid"].clone()))
            .unwrap_or_else(|| panic!("no track {name}"))
    };
    let slices = |(pid, tid): (serde_json::Value, serde_json::Value)| -> Vec<(String, f64, f64)> {
        events
            .iter()
            .filter(|e| e["ph"] == "X" && e["pid"] == pid && e["tid"] == tid)
            .map(|e| {
                let ts = e["ts"].as_f64().expect("ts");
                (
                    e["name"].as_str().unwrap_or("").to_owned(),
                    ts,
                    ts + e["dur"].as_f64().expect("dur"),
                )
            })
            .collect()
    };
    let phases = slices(track("segment0 phases"));
    let names: Vec<&str> = phases.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(names, ["weight load", "fill", "steady state", "drain"]);
    for pair in phases.windows(2) {
        assert!(pair[0].2 <= pair[1].1 + 1e-9, "{pair:?}");
        assert!(pair[1].2 > pair[1].1, "{pair:?}");
    }
    // The crossbar stages of segment 0 ran once per image; the last stage's first image ends
    // the fill, the first stage's last image starts the drain.
    let conv1 = slices(track("seg 0 / /conv1/Conv"));
    let conv2 = slices(track("seg 0 / /conv2/Conv"));
    let fc3 = slices(track("seg 0 / /fc3/Gemm"));
    assert_eq!((conv1.len(), conv2.len(), fc3.len()), (4, 4, 4));
    assert!((phases[1].2 - fc3[0].1).abs() < 1e-6);
    assert!((phases[2].2 - conv1[3].2).abs() < 1e-6);
    // The stages overlap in the steady state: image 1 of conv1 runs while image 0 of conv2 does.
    assert!(
        conv1[1].1 < conv2[0].2 && conv2[0].1 < conv1[1].2,
        "{conv1:?} {conv2:?}"
    );
    let dram = slices(track("DRAM channel"));
    assert!(dram.iter().any(|d| d.0 == "wload") && dram.iter().any(|d| d.0 == "store"));
}

/// The paper's VGG-8 at batch 256 in `reuse` mode on compact-4x4 (17 million instructions in
/// time): the work agrees exactly, the energy up to the program's DRAM round trips and leakage.
#[test]
fn vgg8_at_batch_256_in_reuse_mode_agrees_on_work_and_energy() {
    let (_, func) = lower("generated/vgg8", 1);
    let target = Target::preset("compact-4x4").expect("preset");
    let options = ScheduleOptions {
        batch: 256,
        pipeline: Some(Pipeline::Reuse),
        ..ScheduleOptions::default()
    };
    let (program, a) = compile_reported(&func, &target, options).expect("compile");
    let timed = simulate(&program, &Options::default()).expect("run");
    let t = TimingReport::new(&program, "vgg8", &timed);
    assert_work_and_energy_agree("vgg8 reuse batch 256", &a, &t);
}

/// A pipelined segment one of whose stages cannot stage even one vector in its share of the
/// staging buffer runs its stages one at a time, each with the whole buffer (the back end's
/// fallback, `docs/backend.md` §2), and the model times it so: LeNet in `full` mode at batch 4 on
/// compact-4x4 with a 1 KB global buffer (fc1 needs 520 elements, its share is less) agrees
/// within 10 %, where timing it as the pipeline it could not be was 3.9 times too slow.
#[test]
fn a_segment_whose_stages_cannot_stage_side_by_side_is_timed_one_stage_at_a_time() {
    let mut target = Target::preset("compact-4x4").expect("preset");
    target.buffers.global_bytes = 1024;
    let (a, t) = both("lenet", &target, Pipeline::Full, 4).expect("LeNet fits");
    assert_eq!(a.segments.len(), 1);
    assert_throughput_agrees("lenet full batch 4, 1 KB buffer", &a, &t, 0.10);
}

/// On a target without a global buffer a one-stage segment closes each image with a `barrier`
/// (`docs/backend.md` §1), which also waits for the next segment's prefetched loads: they overlap
/// the segment's first image only, and the model charges the rest
/// (`SegmentCost::prefetch_window_ns`). LeNet on isaac-rram at batch 16 in `reuse`, its schedule
/// edited so that conv1 is a segment of its own and conv2's weights are prefetched during it,
/// agrees within 5 % (the model was 34 % optimistic when it let the prefetch overlap the whole
/// segment).
#[test]
fn a_fenced_segment_overlaps_the_next_segments_prefetch_with_its_first_image_only() {
    use crate::schedule::{ir, Load};
    let target = Target::preset("isaac-rram").expect("preset");
    let (_, func) = lower("lenet", 1);
    let options = ScheduleOptions {
        batch: 16,
        pipeline: Some(Pipeline::Reuse),
        ..ScheduleOptions::default()
    };
    let (scheduled, read) = crate::pipeline::plan(func, &target, options).expect("plan");
    let mut schedule = read.schedule.clone();
    schedule.segments = vec![0..1, 1..2, 2..5];
    schedule.stages[1].load = Load::Prefetch;
    let edited = ir::write(&scheduled, &read.network, &schedule);
    let read = ir::read(&edited, &target).expect("the edited schedule is valid");
    let a = crate::cost::report(&read, "lenet", &target);
    let program = super::compile(&edited, &target).expect("compile");
    let timed = simulate(&program, &Options::default()).expect("run");
    let t = TimingReport::new(&program, "lenet", &timed);
    assert_throughput_agrees("lenet reuse batch 16, segment 2 prefetched", &a, &t, 0.05);
}
