//! The analytic cost model against the timing simulator (`docs/cost-model.md` §14): compiled
//! test networks, in every mode, on two presets, at batch 1, 16 and 256, the paper's networks on
//! the three presets at batch 1 and 16, and layers of packed groups, run in time
//! (`pim_runtime::sim::timing`) and compared with their cost report. What both count the same
//! way must agree exactly; throughput and energy agree within 5 % where the program does what
//! the model assumes, and elsewhere differ by what `docs/cost-model.md` §14 explains, which the
//! tests hold.

use super::tests::{compile_reported, lower};
use crate::cost::Report;
use crate::schedule::{Options as ScheduleOptions, Pipeline, Scheduler};
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

/// One compiled and timed case: a network of `test-models` (path without `.onnx`), its mode,
/// target preset, batch and scheduler.
#[derive(Debug, Clone, Copy)]
struct Case {
    name: &'static str,
    pipeline: Pipeline,
    target: &'static str,
    batch: u64,
    scheduler: Scheduler,
}

impl Case {
    fn new(name: &'static str, pipeline: Pipeline, target: &'static str, batch: u64) -> Self {
        Self {
            name,
            pipeline,
            target,
            batch,
            scheduler: Scheduler::Pimc,
        }
    }

    /// The network's name in `scripts/agreement-held.toml`: its file stem.
    fn network(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(self.name)
    }

    /// The throughput tolerance: the case's entry in `scripts/agreement-held.toml` (the cases
    /// outside 5 %, each explained in `docs/cost-model.md` §14), else 5 %.
    fn held(&self) -> f64 {
        held_cases()
            .iter()
            .find(|h| {
                (
                    h.network.as_str(),
                    h.mode.as_str(),
                    h.preset.as_str(),
                    h.batch,
                ) == (
                    self.network(),
                    self.pipeline.name(),
                    self.target,
                    self.batch,
                ) && h.scheduler.as_deref().unwrap_or("pimc") == self.scheduler.name()
            })
            .map_or(AGREED, |h| h.tolerance)
    }

    /// The cost report and the timing report (`None` when `full` does not fit).
    fn run(&self) -> Option<(Report, TimingReport)> {
        let target = Target::preset(self.target).expect("preset");
        self.run_on(&target)
    }

    /// [`Case::run`] on `target` (the preset, edited).
    fn run_on(&self, target: &Target) -> Option<(Report, TimingReport)> {
        let (_, func) = lower(self.name, 1);
        let options = ScheduleOptions {
            batch: self.batch,
            pipeline: Some(self.pipeline),
            scheduler: self.scheduler,
            ..ScheduleOptions::default()
        };
        let (program, report) = match compile_reported(&func, target, options) {
            Err(crate::Error::Pass { message, .. }) if message.contains("to hold all weights") => {
                return None
            }
            other => other.unwrap_or_else(|e| panic!("{self}: {e}")),
        };
        let timed =
            simulate(&program, &Options::default()).unwrap_or_else(|e| panic!("{self}: {e}"));
        Some((report, TimingReport::new(&program, self.name, &timed)))
    }

    /// Runs the case and checks its throughput against [`Case::held`] (when it fits).
    fn assert_throughput_holds(&self) -> Option<(Report, TimingReport)> {
        let (a, t) = self.run()?;
        assert_throughput_agrees(&self.to_string(), &a, &t, self.held());
        Some((a, t))
    }
}

impl std::fmt::Display for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} batch {}, {}",
            self.name,
            self.pipeline.name(),
            self.target,
            self.batch,
            self.scheduler.name()
        )
    }
}

/// Throughput and energy agree within this where nothing is held.
const AGREED: f64 = 0.05;

/// An entry of `scripts/agreement-held.toml`.
#[derive(Debug, serde::Deserialize)]
struct HeldCase {
    network: String,
    mode: String,
    preset: String,
    batch: u64,
    scheduler: Option<String>,
    tolerance: f64,
}

/// The held cases, read once.
fn held_cases() -> &'static [HeldCase] {
    #[derive(serde::Deserialize)]
    struct HeldFile {
        case: Vec<HeldCase>,
    }
    static HELD: std::sync::OnceLock<Vec<HeldCase>> = std::sync::OnceLock::new();
    HELD.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/agreement-held.toml"
        );
        let text = std::fs::read_to_string(path).expect("scripts/agreement-held.toml");
        toml::from_str::<HeldFile>(&text).expect("held cases").case
    })
}

/// The cost report and the timing report of `name` at `batch` on `target`, a preset edited by
/// the test, in `pipeline` mode (`None` when `full` does not fit).
fn both(
    name: &'static str,
    target: &Target,
    pipeline: Pipeline,
    batch: u64,
) -> Option<(Report, TimingReport)> {
    Case::new(name, pipeline, "edited", batch).run_on(target)
}

/// Every case of the matrix that compiles.
fn matrix() -> Vec<(Case, Report, TimingReport)> {
    let mut cases = Vec::new();
    for target in ["compact-4x4", "isaac-rram"] {
        for name in NETS {
            for pipeline in MODES {
                for batch in [1, 16, 256] {
                    let case = Case::new(name, pipeline, target, batch);
                    if let Some((a, b)) = case.run() {
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
        assert_work_and_energy_agree(&case.to_string(), a, t);
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
        rest.abs() <= AGREED * ea.total,
        "{case}: {:.4} % of the energy unexplained",
        100.0 * rest / ea.total
    );
}

/// Throughput agrees within 5 % in the sequential modes (`layer`, `baseline`: every test network,
/// both presets, batch 1, 16 and 256), where the program runs each stage's chain of DRAM
/// transfers and crossbar work as the model times it (`docs/cost-model.md` §7, §14). The one
/// exception is held (`scripts/agreement-held.toml`): the small fully connected layers of `mlp`
/// at batch 16 and 256 on compact-4x4, whose working sets do not collide in the staging buffer,
/// so the scoreboard lets one image start before the previous one has finished (+9.6 % and
/// +10.3 %; the model runs images one after another).
#[test]
fn timing_and_analytic_throughput_agree_in_the_sequential_modes() {
    let sequential = [Pipeline::Layer, Pipeline::Baseline];
    for (case, a, t) in matrix()
        .iter()
        .filter(|(c, ..)| sequential.contains(&c.pipeline))
    {
        assert_throughput_agrees(&case.to_string(), a, t, case.held());
    }
}

/// In the pipelined modes (`reuse`, `full`) throughput agrees within 5 %: the model puts each
/// stage's DRAM transfers (latency and streaming) on its chain per image, takes the first image
/// through the stages row by row where they run in bands (`cost::fill`), runs the steady state
/// of the stages' chains on the one DRAM channel, the vector unit and the buffer port
/// (`cost::steady`), and bounds the period by the other resources the stages share
/// (`docs/cost-model.md` §7, §14). One difference remains, held (`scripts/agreement-held.toml`):
/// `mini_densenet`'s six stages on compact-4x4 at batch 256 (+9.9 %), whose copies keep the
/// buffer port 84 % busy and interleave there more closely, instruction by instruction, than
/// the model's steps of at most 16 per layer (§14 "Transfers burst by burst").
#[test]
fn timing_and_analytic_throughput_agree_in_the_pipelined_modes() {
    let pipelined = [Pipeline::Reuse, Pipeline::Full];
    for (case, a, t) in matrix()
        .iter()
        .filter(|(c, ..)| pipelined.contains(&c.pipeline))
    {
        assert_throughput_agrees(&case.to_string(), a, t, case.held());
    }
}

/// The paper's networks, VGG-8 and ResNet-18, in every mode on the three presets at batch 1 and
/// 16 agree within 5 % (`docs/cost-model.md` §14).
#[test]
fn the_paper_networks_agree_in_every_mode() {
    for name in ["generated/vgg8", "generated/resnet18"] {
        for target in ["compact-4x4", "unlimited-6x6", "isaac-rram"] {
            for pipeline in MODES {
                for batch in [1, 16] {
                    Case::new(name, pipeline, target, batch).assert_throughput_holds();
                }
            }
        }
    }
}

/// The paper's scheduler places whole tiles, and its programs are costed as placed, as the pimc
/// scheduler's are (`docs/cost-model.md` §7, §14 item 22): the test networks in every mode on the
/// two presets where that placement differs from NeuroSim's tile model (there, one PE carried
/// every in-tile copy's vectors and the programs ran up to 11x faster than their reports), and
/// VGG-8 `reuse` at batch 16 (the reproduction's headline mode), agree within 5 % (`mlp`
/// `baseline` at batch 16 held, its images overlapping as under the pimc scheduler).
#[test]
fn the_paper_schedulers_programs_agree() {
    let cases = NETS
        .iter()
        .flat_map(|&name| {
            MODES
                .iter()
                .flat_map(move |&p| [(name, p, 1), (name, p, 16)])
        })
        .chain([("generated/vgg8", Pipeline::Reuse, 16)]);
    for (name, pipeline, batch) in cases {
        for target in ["compact-4x4", "unlimited-6x6"] {
            let case = Case {
                scheduler: Scheduler::Paper,
                ..Case::new(name, pipeline, target, batch)
            };
            if let Some((a, t)) = case.assert_throughput_holds() {
                assert_work_and_energy_agree(&case.to_string(), &a, &t);
            }
        }
    }
}

/// One case of each class of difference the zoo and the paper networks show, each held at its
/// measured difference (`scripts/agreement-held.toml`, `docs/cost-model.md` §14; the whole zoo
/// matrix runs with `scripts/timing-agreement.py --held`, too long for CI):
///
/// - whole networks as one pipelined segment (`full` on compact-4x4): SqueezeNet's first
///   convolution runs in 222 bands on 221 copies, so a copy carries one pixel of a band or none
///   (+29 % when the model charged each copy on a PE link one per band, item 18; within 5 %
///   now); Inception-v1's first stage reserves thousands of DRAM intervals per image (−56 % at
///   batch 4 when the simulator forgot them, item 17; the −11 % left is the PE link its first two
///   convolutions share);
/// - `reuse` pipelines whose first stages run local response normalisation and pooling after a
///   banded convolution, longer in time than modelled: ZFNet and SqueezeNet on compact-4x4 at
///   batch 16 (−7.5 % and −10.5 %);
/// - a deep pipeline on isaac-rram at a small batch, its results in rings in the tiles' buffers:
///   DenseNet-40 `reuse` at batch 16 (+5.3 % with a contention-free fill before a saturated
///   steady state; −10.3 % with the rings; −4.9 % with the run band by band on the shared units,
///   `cost::run`);
/// - a prefetch that holds the DRAM channel: ResNet-50 `reuse` on unlimited-6x6 at batch 16
///   (−9.7 %).
#[test]
fn each_class_of_difference_agrees_within_its_held_difference() {
    for case in [
        Case::new("zoo/light_squeezenet", Pipeline::Full, "compact-4x4", 16),
        Case::new("zoo/light_inception_v1", Pipeline::Full, "compact-4x4", 4),
        Case::new("zoo/light_zfnet512", Pipeline::Reuse, "compact-4x4", 16),
        Case::new("zoo/light_squeezenet", Pipeline::Reuse, "compact-4x4", 16),
        Case::new("generated/densenet40", Pipeline::Reuse, "isaac-rram", 16),
        Case::new("generated/resnet50", Pipeline::Reuse, "unlimited-6x6", 16),
    ] {
        case.assert_throughput_holds().expect("fits");
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
        for name in ops {
            for pipeline in [Pipeline::Layer, Pipeline::Reuse] {
                let case = Case::new(name, pipeline, target, 4);
                let (a, t) = case.assert_throughput_holds().expect("fits");
                assert_work_and_energy_agree(&case.to_string(), &a, &t);
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
