//! Tests across the cost model: VGG-8 calibration against the NeuroSim reference, the paper's
//! segmentation, optimal vs greedy, batch scaling, determinism, the JSON schema, and real networks.

use super::model::{self, evaluate, ScheduleCost};
use super::*;
use crate::program::layers::layers_of;
use crate::program::tiling::Banding;
use crate::program::{Granularity, Layer, Program};
use crate::schedule::ir::Scheduled;
use crate::schedule::{Options, Pipeline, Scheduler, Segmentation};
use pim_dialects::{Func, PimOp, Port};
use pim_runtime::target::Target;
use pim_runtime::Tensor;
use proptest::prelude::*;

fn compact() -> Target {
    Target::preset("compact-4x4").unwrap()
}

#[test]
fn graph_cost_sums_nodes() {
    let mut func = Func::new("main");
    let x = func.add_input("x", vec![1, 4, 2, 2]);
    let r = func.push("relu", GraphOp::Relu {}, vec![x], vec![1, 4, 2, 2]);
    let s = func.push("sigmoid", GraphOp::Sigmoid {}, vec![r], vec![1, 4, 2, 2]);
    func.outputs.push(Port {
        name: "y".into(),
        value: s,
    });
    let cost = graph_cost(&func, &OpCostModel::default());
    assert_eq!(
        cost.vector_elements,
        16 + 16 * op_cost::TRANSCENDENTAL_OPS as u64
    );
}

/// Builds layer-level functions by hand (weights are not needed by the cost model: constants are
/// one-element placeholders with the weight matrix's shape).
struct Net {
    func: Func<PimOp>,
    x: usize,
    batch: usize,
}

impl Net {
    fn new(batch: usize, shape: &[usize]) -> Self {
        let mut func = Func::new("main");
        let mut full = vec![batch];
        full.extend_from_slice(shape);
        let x = func.add_input("input", full);
        Self { func, x, batch }
    }

    fn constant(&mut self, shape: Vec<usize>) -> usize {
        let value = Tensor::zeros(vec![1]);
        self.func
            .push("w", PimOp::Constant { value }, vec![], shape)
    }

    fn mvm(&mut self, name: &str, kind: &str, rows: usize, cols: usize, out: &[usize]) {
        let w = self.constant(vec![1, rows, cols]);
        let per_image: usize = out.iter().product::<usize>() / cols;
        let mut shape = vec![self.batch];
        shape.extend_from_slice(out);
        let op = PimOp::Mvm {
            kind: kind.into(),
            kernel: if kind == "conv" { vec![3, 3] } else { vec![] },
            strides: vec![1, 1],
            pads: vec![1, 1, 1, 1],
            dilations: vec![1, 1],
            group: 1,
            rows: rows as i64,
            cols: cols as i64,
            vectors: (per_image * self.batch) as i64,
        };
        self.x = self.func.push(name, op, vec![self.x, w, w], shape);
    }

    fn unary(&mut self, name: &str, op: PimOp, out: &[usize]) {
        let mut shape = vec![self.batch];
        shape.extend_from_slice(out);
        self.x = self.func.push(name, op, vec![self.x], shape);
    }

    fn relu(&mut self, name: &str, out: &[usize]) {
        let op = PimOp::Act {
            kind: "relu".into(),
            alpha: 0.0,
            beta: 0.0,
        };
        self.unary(name, op, out);
    }

    fn pool(&mut self, name: &str, out: &[usize]) {
        let op = PimOp::Pool {
            kind: "max".into(),
            kernel: vec![2, 2],
            strides: vec![2, 2],
            pads: vec![0; 4],
            dilations: vec![1, 1],
            ceil_mode: 0,
            count_include_pad: 0,
        };
        self.unary(name, op, out);
    }

    fn finish(mut self) -> Func<PimOp> {
        self.func.outputs.push(Port {
            name: "output".into(),
            value: self.x,
        });
        self.func
    }
}

/// VGG-8 (CIFAR-10) as in the reference: layers L1..L8.
fn vgg8(batch: usize) -> Func<PimOp> {
    let mut n = Net::new(batch, &[3, 32, 32]);
    let convs = [
        (27, 128, 32, false),
        (1152, 128, 32, true),
        (1152, 256, 16, false),
        (2304, 256, 16, true),
        (2304, 512, 8, false),
        (4608, 512, 8, true),
    ];
    for (i, (rows, cols, side, pool)) in convs.into_iter().enumerate() {
        let out = [cols, side, side];
        n.mvm(&format!("L{}", i + 1), "conv", rows, cols, &out);
        n.relu(&format!("relu{}", i + 1), &out);
        if pool {
            n.pool(&format!("pool{}", i + 1), &[cols, side / 2, side / 2]);
        }
    }
    let flat = PimOp::Reshape {
        shape: vec![batch as i64, 8192],
    };
    n.unary("flatten", flat, &[8192]);
    n.mvm("L7", "fc", 8192, 1024, &[1024]);
    n.relu("relu7", &[1024]);
    n.mvm("L8", "fc", 1024, 10, &[10]);
    n.finish()
}

fn program(func: &Func<PimOp>, target: &Target, granularity: Granularity) -> Program {
    Program::in_order(layers_of(func).unwrap(), target, granularity).unwrap()
}

fn options(batch: u64, pipeline: Pipeline, segmentation: Segmentation) -> Options {
    Options {
        batch,
        pipeline: Some(pipeline),
        scheduler: Scheduler::Pimc,
        segmentation: Some(segmentation),
        granularity: Some(Granularity::Crossbar),
    }
}

/// `func` scheduled by the passes with `o` on `t`.
fn scheduled(func: &Func<PimOp>, t: &Target, o: Options) -> Result<Scheduled, crate::Error> {
    crate::pipeline::plan(func.clone(), t, o).map(|(_, s)| s)
}

/// The evaluated schedule of `func` with `o` on `t`.
fn cost(func: &Func<PimOp>, t: &Target, o: Options) -> ScheduleCost {
    let s = scheduled(func, t, o).unwrap();
    evaluate(&s.program, t, &s.schedule)
}

fn report(func: &Func<PimOp>, name: &str, t: &Target, o: Options) -> Result<Report, crate::Error> {
    crate::pipeline::report_layers(func.clone(), name, t, o)
}

/// The reference's per-layer VGG-8 figures (neurosim-compact-chip.md): name, tile copies, read
/// latency ns, read energy pJ, weight-write latency ns.
const REFERENCE: [(&str, u64, f64, f64, f64); 9] = [
    ("L1", 1, 61_517.3, 2.26861e6, 61.09),
    ("L2", 1, 437_979.0, 1.28352e7, 549.8),
    ("L2", 2, 221_778.0, 1.28352e7, 549.8),
    ("L3", 1, 145_149.0, 6.43079e6, 1_099.6),
    ("L4", 1, 134_305.0, 1.20022e7, 2_199.3),
    ("L5", 1, 25_341.1, 5.99708e6, 4_398.5),
    ("L6", 1, 27_422.4, 1.13551e7, 8_797.1),
    ("L7", 1, 392.479, 624_824.0, 31_278.5),
    ("L8", 1, 435.724, 2_318.06, 61.09),
];

/// pimc / reference per row of [`REFERENCE`]: read latency, read energy, write latency. The
/// latency ratios are those of the calibration (docs/targets.md §5.3) plus the fill term; every
/// layer is within 25 %, and the test holds each ratio to 0.5 % so that a change shows.
const RATIOS: [(f64, f64, f64); 9] = [
    (0.9788, 1.0003, 1.0000),
    (0.9405, 1.0263, 1.0000),
    (0.9287, 1.0263, 1.0000),
    (0.7973, 0.9775, 1.0000),
    (0.8616, 1.0047, 1.0000),
    (1.1418, 0.9803, 1.0000),
    (1.0551, 1.0129, 1.0000),
    (1.1696, 0.9994, 1.0000),
    (0.9754, 0.9967, 1.0000),
];

#[test]
fn vgg8_per_layer_read_latency_and_energy_match_the_reference() {
    let t = compact();
    let p = program(&vgg8(1), &t, Granularity::Tile);
    let mut table =
        String::from("layer copies | latency ref, pimc, ratio | energy ref, pimc, ratio\n");
    for ((name, tile_copies, latency, energy, write), expected) in REFERENCE.into_iter().zip(RATIOS)
    {
        let stage = p.stages.iter().find(|s| s.name == name).unwrap();
        let m = stage.mvm.as_ref().unwrap();
        let copies = m.mapping.copies(tile_copies);
        let time = units::mvm_time(&t, &m.mapping, &Banding::whole(m.vectors), copies).total();
        let e = units::mvm_energy(&t, &m.mapping.tiling, m.vectors).total();
        let w = units::write_time(&t, m.mapping.tiling.crossbars);
        let ratios = (time / latency, e / energy, w / write);
        table += &format!(
            "{name} {:>3} | {latency:>10.1} {time:>10.1} {:.4} | {energy:>11.4e} {e:>11.4e} {:.4}\n",
            m.mapping.copies(tile_copies),
            ratios.0,
            ratios.1
        );
        for (got, want) in [
            (ratios.0, expected.0),
            (ratios.1, expected.1),
            (ratios.2, expected.2),
        ] {
            assert!((got - 1.0).abs() <= 0.25, "{name}: ratio {got}\n{table}");
            assert!(
                (got / want - 1.0).abs() < 0.005,
                "{name}: ratio {got}, held {want}\n{table}"
            );
        }
    }
    println!("{table}");
}

fn stage_names(s: &Scheduled) -> Vec<Vec<String>> {
    s.schedule
        .segments
        .iter()
        .map(|r| {
            s.program.stages[r.clone()]
                .iter()
                .map(|st| st.name.clone())
                .collect()
        })
        .collect()
}

/// The paper's scheduler on VGG-8 (`../shared/reference/`): greedy segmentation at tile
/// granularity gives {L1..L6}, {L7}, {L8}; NeuroSim's in-tile copies are [32, 2, 1, ...]; in the
/// weight-reuse pipeline the bubble mitigation gives the first segment's one spare tile to L2,
/// whose copies go from 2 to 4.
#[test]
fn vgg8_paper_segmentation_and_duplication() {
    let t = compact();
    let paper = |pipeline| Options {
        batch: 1,
        pipeline: Some(pipeline),
        scheduler: Scheduler::Paper,
        segmentation: None,
        granularity: None,
    };
    let baseline = scheduled(&vgg8(1), &t, paper(Pipeline::Baseline)).unwrap();
    assert_eq!(baseline.schedule.granularity, Granularity::Tile);
    let expected = [
        vec!["L1", "L2", "L3", "L4", "L5", "L6"],
        vec!["L7"],
        vec!["L8"],
    ];
    assert_eq!(stage_names(&baseline), expected);
    assert_eq!(baseline.schedule.copies(), [32, 2, 1, 1, 1, 1, 1, 1]);
    let reuse = scheduled(&vgg8(1), &t, paper(Pipeline::Reuse)).unwrap();
    assert_eq!(stage_names(&reuse), expected);
    assert_eq!(reuse.schedule.copies(), [32, 4, 1, 1, 1, 1, 1, 1]);
}

#[test]
fn optimal_segmentation_of_vgg8_is_no_worse() {
    let t = compact();
    for granularity in [Granularity::Crossbar, Granularity::Tile] {
        for pipeline in [Pipeline::Baseline, Pipeline::Reuse] {
            for batch in [1, 64] {
                let greedy = Options {
                    granularity: Some(granularity),
                    ..options(batch, pipeline, Segmentation::Greedy)
                };
                let optimal = Options {
                    segmentation: Some(Segmentation::Optimal),
                    ..greedy
                };
                let g = cost(&vgg8(1), &t, greedy);
                let o = cost(&vgg8(1), &t, optimal);
                assert!(
                    o.latency_ns <= g.latency_ns,
                    "{granularity:?} {pipeline:?} {batch}"
                );
            }
        }
    }
}

#[test]
fn baseline_amortises_weight_loads_over_the_batch() {
    let t = compact();
    let p = program(&vgg8(1), &t, Granularity::Crossbar);
    let mut previous: Option<(f64, f64)> = None;
    for batch in [1, 2, 8, 64, 256] {
        let c = cost(
            &vgg8(1),
            &t,
            options(batch, Pipeline::Baseline, Segmentation::Optimal),
        );
        let per_image = c.energy.total() / batch as f64;
        let throughput = batch as f64 / c.latency_ns;
        if let Some((energy, fps)) = previous {
            assert!(per_image < energy, "batch {batch}: {per_image} >= {energy}");
            assert!(throughput > fps, "batch {batch}");
        }
        previous = Some((per_image, throughput));
        // Weights are read once per batch.
        assert_eq!(c.weight_bytes, p.weight_bytes());
    }
    // Layer mode re-fetches them per image.
    let c = cost(
        &vgg8(1),
        &t,
        options(4, Pipeline::Layer, Segmentation::Optimal),
    );
    assert_eq!(c.weight_bytes, 4 * p.weight_bytes());
}

/// The weight-reuse pipeline beats the baseline, and more so as the batch grows.
#[test]
fn reuse_pipelines_segments() {
    let t = compact();
    let mut previous = 0.0;
    for batch in [1, 16, 256] {
        let reuse = cost(
            &vgg8(1),
            &t,
            options(batch, Pipeline::Reuse, Segmentation::Optimal),
        );
        let base = cost(
            &vgg8(1),
            &t,
            options(batch, Pipeline::Baseline, Segmentation::Optimal),
        );
        let speedup = base.latency_ns / reuse.latency_ns;
        assert!(
            speedup >= previous && speedup > 1.0,
            "batch {batch}: {speedup}"
        );
        previous = speedup;
    }
    assert!(previous > 5.0, "{previous}");
}

#[test]
fn lower_bound_is_below_every_mode() {
    let t = compact();
    let p = program(&vgg8(1), &t, Granularity::Crossbar);
    for batch in [1, 16] {
        let bound = model::lower_bound(&p, &t, batch).latency_ns();
        for pipeline in [Pipeline::Layer, Pipeline::Baseline, Pipeline::Reuse] {
            let c = cost(
                &vgg8(1),
                &t,
                options(batch, pipeline, Segmentation::Optimal),
            );
            assert!(bound > 0.0 && bound <= c.latency_ns, "{pipeline:?} {batch}");
        }
    }
}

#[test]
fn reports_are_deterministic() {
    let t = compact();
    let o = Options {
        batch: 8,
        ..Options::default()
    };
    let a = report(&vgg8(8), "vgg8", &t, o).unwrap();
    let b = report(&vgg8(8), "vgg8", &t, o).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(a.to_text(), b.to_text());
    // The IR's batch does not change per-image figures.
    let c = report(&vgg8(1), "vgg8", &t, o).unwrap();
    assert_eq!(a.to_json(), c.to_json());
    assert_eq!(a.pipeline, "reuse");
    assert!(a
        .to_text()
        .contains("pimc cost report: vgg8 on compact-4x4"));
}

/// The JSON keys of a report and the JSON type of each: exactly these, nothing else.
#[test]
fn report_json_schema() {
    use serde_json::Value;
    let t = compact();
    let r = report(&vgg8(1), "vgg8", &t, Options::default()).unwrap();
    let json: Value = serde_json::from_str(&r.to_json()).unwrap();
    fn check(value: &Value, schema: &[(&str, &str)], at: &str) {
        let object = value
            .as_object()
            .unwrap_or_else(|| panic!("{at}: not an object"));
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        let mut expected: Vec<&str> = schema.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        expected.sort_unstable();
        assert_eq!(keys, expected, "{at}");
        for (key, kind) in schema {
            let v = &object[*key];
            let ok = match *kind {
                "string" => v.is_string(),
                "uint" => v.is_u64(),
                "number" => v.is_number(),
                "object" => v.is_object(),
                "array" => v.is_array(),
                other => panic!("unknown kind {other}"),
            };
            assert!(ok, "{at}.{key} is not a {kind}: {v}");
        }
    }
    check(
        &json,
        &[
            ("model", "string"),
            ("target", "string"),
            ("batch", "uint"),
            ("pipeline", "string"),
            ("scheduler", "string"),
            ("mapping", "string"),
            ("area_mm2", "number"),
            ("latency_ns", "number"),
            ("throughput_fps", "number"),
            ("tops", "number"),
            ("tops_per_w", "number"),
            ("tops_per_mm2", "number"),
            ("energy_pj", "object"),
            ("dram_bytes", "object"),
            ("crossbars", "object"),
            ("mvm_activations", "uint"),
            ("segments", "array"),
            ("bubble_fraction", "number"),
            ("lower_bound_latency_ns", "number"),
            ("bound_fraction", "number"),
            ("layers", "array"),
        ],
        "report",
    );
    let energy: Vec<(&str, &str)> = [
        "total",
        "dram",
        "crossbar_write",
        "compute",
        "buffer",
        "interconnect",
        "vector",
        "leakage",
    ]
    .into_iter()
    .map(|k| (k, "number"))
    .collect();
    check(&json["energy_pj"], &energy, "energy_pj");
    check(
        &json["dram_bytes"],
        &[("weights", "uint"), ("activations", "uint")],
        "dram_bytes",
    );
    check(
        &json["crossbars"],
        &[("used", "uint"), ("available", "uint"), ("written", "uint")],
        "crossbars",
    );
    let segment = [
        ("layers", "array"),
        ("crossbars", "uint"),
        ("weight_bytes", "uint"),
        ("stage_time_ns", "number"),
        ("stage_times_ns", "array"),
        ("load_ns", "number"),
        ("prefetch_ns", "number"),
        ("exposed_prefetch_ns", "number"),
        ("compute_ns", "number"),
        ("activation_ns", "number"),
        ("latency_ns", "number"),
    ];
    for s in json["segments"].as_array().unwrap() {
        check(s, &segment, "segments[]");
        assert!(s["layers"].as_array().unwrap().iter().all(Value::is_string));
    }
    let layer = [
        ("name", "string"),
        ("kind", "string"),
        ("segment", "uint"),
        ("groups", "uint"),
        ("rows", "uint"),
        ("cols", "uint"),
        ("vectors", "uint"),
        ("crossbars_per_copy", "uint"),
        ("copies", "uint"),
        ("time_ns", "number"),
        ("compute_ns", "number"),
        ("interconnect_ns", "number"),
        ("energy_pj", "number"),
        ("vector_ops", "uint"),
    ];
    for l in json["layers"].as_array().unwrap() {
        check(l, &layer, "layers[]");
    }
    // Energy components add up to the total.
    let sum: f64 = r.energy_pj.components().iter().map(|(_, v)| v).sum();
    assert!((sum / r.energy_pj.total - 1.0).abs() < 1e-6);
}

/// A random chain of crossbar layers: (rows, cols, vectors per image).
fn random_chain() -> impl Strategy<Value = Vec<(usize, usize, usize)>> {
    prop::collection::vec(
        (
            1usize..3000,
            1usize..700,
            prop::sample::select(vec![1, 16, 64, 256, 1024]),
        ),
        1..9,
    )
}

fn chain_func(shapes: &[(usize, usize, usize)]) -> Func<PimOp> {
    let mut n = Net::new(1, &[shapes[0].0 * shapes[0].2]);
    for (i, &(rows, cols, vectors)) in shapes.iter().enumerate() {
        let kind = if vectors == 1 { "fc" } else { "conv" };
        n.mvm(&format!("L{i}"), kind, rows, cols, &[cols * vectors]);
    }
    n.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn optimal_segmentation_is_never_worse_than_greedy(
        shapes in random_chain(),
        batch in prop::sample::select(vec![1u64, 4, 64]),
        tile in any::<bool>(),
        reuse in any::<bool>(),
    ) {
        let t = compact();
        let granularity = if tile { Granularity::Tile } else { Granularity::Crossbar };
        let pipeline = if reuse { Pipeline::Reuse } else { Pipeline::Baseline };
        let func = chain_func(&shapes);
        let greedy = Options {
            granularity: Some(granularity),
            ..options(batch, pipeline, Segmentation::Greedy)
        };
        let optimal = Options { segmentation: Some(Segmentation::Optimal), ..greedy };
        // (As the user gets them: duplicated, placed and prefetched.)
        let latency = |o: Options| {
            let s = scheduled(&func, &t, o).unwrap();
            (evaluate(&s.program, &t, &s.schedule).latency_ns, s)
        };
        let (gl, _) = latency(greedy);
        let (ol, o) = latency(optimal);
        prop_assert!(ol <= gl * (1.0 + 1e-12), "optimal {} > greedy {}", ol, gl);
        // Every segment fits the chip.
        for r in &o.schedule.segments {
            prop_assert!(o.program.footprint(r.clone()) <= granularity.capacity(&t));
        }
    }
}

/// The planner's optimal segmentation into a given number of segments (`Planner::optimal_in`,
/// whose results one segment either side of the optimum's count `pim-segment-layers` also
/// completes and evaluates) is the least total planner latency over every contiguous
/// segmentation into that many segments that fits the chip: mini_resnet's stages, enumerated.
#[test]
fn segmentations_into_k_segments_are_optimal() {
    use crate::passes::segment_layers::Planner;
    let t = compact();
    let func = import(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-models/nets/mini_resnet.onnx"
    ))
    .unwrap();
    let s = scheduled(
        &func,
        &t,
        options(4, Pipeline::Reuse, Segmentation::Optimal),
    )
    .unwrap();
    let p = &s.program;
    let planner = Planner::new(p, &t, Scheduler::Pimc, Pipeline::Reuse, 4);
    let n = p.stages.len();
    let capacity = Granularity::Crossbar.capacity(&t);
    let total = |ranges: &[std::ops::Range<usize>]| -> f64 {
        ranges.iter().map(|r| planner.latency(r.clone())).sum()
    };
    // Every set of cuts between the n stages: a bit per gap.
    let mut best = vec![f64::INFINITY; n + 1];
    for cuts in 0u32..(1 << (n - 1)) {
        let mut ranges = Vec::new();
        let mut start = 0;
        for end in 1..=n {
            if end == n || cuts & (1 << (end - 1)) != 0 {
                ranges.push(start..end);
                start = end;
            }
        }
        if ranges.iter().all(|r| p.footprint(r.clone()) <= capacity) {
            let k = ranges.len();
            best[k] = best[k].min(total(&ranges));
        }
    }
    assert!(n >= 4, "{n} stages");
    for (k, &expected) in best.iter().enumerate().skip(1) {
        match planner.optimal_in(k) {
            Some(ranges) => {
                assert_eq!(ranges.len(), k);
                assert_eq!(ranges.first().map(|r| r.start), Some(0));
                assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
                assert_eq!(ranges.last().map(|r| r.end), Some(n));
                let got = total(&ranges);
                assert!(
                    (got - expected).abs() <= 1e-9 * expected,
                    "{k}: {got} {expected}"
                );
            }
            None => assert!(expected.is_infinite(), "{k} segments fit"),
        }
    }
}

/// LeNet from ONNX: imported, rewritten, lowered, then reported in every mode.
fn lenet() -> Func<PimOp> {
    import(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-models/nets/lenet.onnx"
    ))
    .unwrap()
}

fn import(path: &str) -> Option<Func<PimOp>> {
    try_import(path).map(Result::unwrap)
}

/// The layer-level function of an ONNX file (`None` if the file is missing; `Err` if pimc's
/// frontend, rewriting or lowering refuses it).
fn try_import(path: &str) -> Option<Result<Func<PimOp>, String>> {
    let path = std::path::Path::new(path);
    if !path.exists() {
        return None;
    }
    let lower = || -> Result<Func<PimOp>, String> {
        let options = crate::frontend::ImportOptions { batch: 1 };
        let graph = crate::frontend::import_file(path, options).map_err(|e| e.to_string())?;
        let (graph, _) = crate::rewrite::rewrite(
            &graph,
            &crate::rewrite::RuleSelection::All,
            &crate::rewrite::Limits::default(),
        )
        .map_err(|e| e.to_string())?;
        crate::passes::lower_to_layers::lower_to_layers(&graph)
    };
    Some(lower())
}

#[test]
fn lenet_fits_and_auto_picks_the_fastest_mode() {
    let t = compact();
    let func = lenet();
    let layers = layers_of(&func).unwrap();
    assert_eq!(layers.iter().filter(|l| l.mvm().is_some()).count(), 5);
    // `auto` picks the fastest mode, at batch 1 and 16 (a split or the whole network: they are
    // within a few per cent of each other, and the timing simulator agrees on the order).
    for batch in [1, 16] {
        let o = Options {
            batch,
            ..Options::default()
        };
        let r = report(&func, "lenet", &t, o).unwrap();
        for pipeline in Pipeline::ALL {
            let o = options(batch, pipeline, Segmentation::Optimal);
            let other = report(&func, "lenet", &t, o).unwrap();
            assert!(r.latency_ns <= other.latency_ns, "{batch} {pipeline:?}");
        }
    }
    // The whole network fits the chip as one pipeline.
    let r = report(
        &func,
        "lenet",
        &t,
        options(16, Pipeline::Full, Segmentation::Optimal),
    )
    .unwrap();
    assert_eq!((r.pipeline.as_str(), r.segments.len()), ("full", 1));
    assert!(r.crossbars.used <= 4096 && r.bound_fraction > 0.0 && r.bound_fraction <= 1.0);
    for pipeline in Pipeline::ALL {
        let o = options(16, pipeline, Segmentation::Optimal);
        let r = report(&func, "lenet", &t, o).unwrap();
        assert!(
            r.latency_ns > 0.0 && r.energy_pj.total > 0.0,
            "{pipeline:?}"
        );
    }
}

/// Every committed network and op model reports in every mode (or `full` refuses it) without
/// panicking, with consistent totals.
#[test]
fn every_test_model_reports() {
    let t = compact();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-models/");
    let mut paths: Vec<std::path::PathBuf> = ["nets", "ops", "zoo"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(format!("{root}{dir}")).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .collect();
    paths.sort();
    assert!(paths.len() > 50);
    let mut reported = 0;
    for path in paths {
        let Some(Ok(func)) = try_import(path.to_str().unwrap()) else {
            continue;
        };
        reported += 1;
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let modes = std::iter::once(None).chain(Pipeline::ALL.map(Some));
        for pipeline in modes {
            for scheduler in [Scheduler::Pimc, Scheduler::Paper] {
                let o = Options {
                    batch: 4,
                    pipeline,
                    scheduler,
                    ..Options::default()
                };
                match report(&func, &name, &t, o) {
                    Ok(r) => {
                        let sum: f64 = r.energy_pj.components().iter().map(|(_, v)| v).sum();
                        assert!(
                            (sum - r.energy_pj.total).abs() <= 1e-6 * r.energy_pj.total.max(1.0),
                            "{name}"
                        );
                        assert!(
                            r.latency_ns >= 0.0 && r.bound_fraction <= 1.0 + 1e-9,
                            "{name} {pipeline:?}: {}",
                            r.bound_fraction
                        );
                    }
                    Err(crate::Error::Pass { message, .. })
                        if pipeline == Some(Pipeline::Full) && message.contains("needs") => {}
                    // A model whose dimension 0 is not a batch runs one image only.
                    Err(crate::Error::Pass { message, .. })
                        if message.contains("is not a batch") || message.contains("fixed at") => {}
                    Err(e) => panic!("{name} {pipeline:?} {scheduler:?}: {e}"),
                }
            }
        }
    }
    assert!(reported > 50, "{reported}");
}

/// A layer that follows another in the buffer (`Stage::followers`) keeps that layer's result
/// there: it is neither written to DRAM nor read back, so the traffic is the naive one (every
/// layer reads its operands and writes its result) less twice each follower's operand (a join's
/// other operand is still read). The followers: the MLP's fused hidden ReLU; LeNet's max
/// poolings after its convolutions and the ReLUs after them; mini_densenet's batch-norm shift and
/// ReLU after the scale that reads each concatenation, and its transition's average pooling with
/// the batch norm after it; mini_resnet's ReLUs, after a convolution or a residual add, and its
/// residual adds, joins onto the convolution before them; and every op after the first in each
/// chain of `op_epilogue_chain` (after a convolution, with a join and a pooling after the second,
/// and after a fully connected layer). `backend::tests::programs_do_the_work_their_reports_count`
/// holds the program to the same count.
#[test]
fn followers_keep_their_operands_in_the_buffer() {
    let t = compact();
    assert_eq!(t.precision.activation_bits, 8, "one byte per element below");
    let cases: [(&str, &[&str]); 5] = [
        ("nets/mlp", &["act.relu"]),
        ("nets/lenet", &["act.relu", "pool.max"]),
        (
            "nets/mini_densenet",
            &["binary.mul", "binary.add", "act.relu", "pool.avg"],
        ),
        ("nets/mini_resnet", &["act.relu", "binary.add"]),
        (
            "ops/op_epilogue_chain",
            &[
                "act.relu",
                "binary.mul",
                "binary.add",
                "act.clip",
                "act.leaky_relu",
                "binary.sub",
                "act.relu",
                "prelu",
                "binary.sub",
                "pool.max",
                "act.sigmoid",
                "binary.div",
            ],
        ),
    ];
    for (name, expected) in cases {
        let path = format!("{}/../test-models/{name}.onnx", env!("CARGO_MANIFEST_DIR"));
        let func = import(&path).unwrap();
        let o = options(1, Pipeline::Baseline, Segmentation::Optimal);
        let s = scheduled(&func, &t, o).unwrap();
        let p = &s.program;
        let followers: Vec<usize> = p
            .stages
            .iter()
            .flat_map(|stage| stage.followers.iter().copied())
            .collect();
        let kinds: Vec<&str> = followers.iter().map(|&f| p.layers[f].kind()).collect();
        if name.contains("chain") {
            assert_eq!(kinds, expected, "{name}");
        } else {
            assert!(
                kinds.iter().all(|k| expected.contains(k)),
                "{name}: {kinds:?}"
            );
            assert!(
                expected.iter().all(|k| kinds.contains(k)),
                "{name}: {kinds:?}"
            );
        }
        let naive: u64 = p
            .layers
            .iter()
            .map(|l| l.input_elements + l.output_elements)
            .sum();
        // A join reads its other operand: it saves its kept operand, of its result's size.
        let kept = |l: &Layer| match l.inputs.len() {
            2 => l.output_elements,
            _ => l.input_elements,
        };
        let saved: u64 = followers.iter().map(|&f| 2 * kept(&p.layers[f])).sum();
        let traffic = p.traffic(0..p.stages.len(), &t, &Default::default());
        assert_eq!(
            traffic.read_bytes + traffic.write_bytes,
            naive - saved,
            "{name}"
        );
    }
}

/// Under the crossbar granularity the model charges each layer's busiest PE link with the copies
/// the placement puts there, each moving its blocks' inputs and outputs (`schedule::ir::read`): LeNet's duplicated convolutions in `full`
/// mode are spread over the PEs (`pim-place-crossbars`), so no link carries more copies than
/// the chip's PEs force: one copy per PE, or `k` per PE when a layer has more copies than PEs.
#[test]
fn placed_copies_set_the_link_sharing() {
    let t = compact();
    let o = options(16, Pipeline::Full, Segmentation::Optimal);
    let s = scheduled(&lenet(), &t, o).unwrap();
    let duplicated: Vec<_> = s
        .program
        .stages
        .iter()
        .zip(&s.schedule.stages)
        .filter(|(_, plan)| plan.copies > 1)
        .filter_map(|(stage, plan)| Some((stage.mvm.as_ref()?, plan.copies)))
        .collect();
    assert_eq!(duplicated.len(), 2, "conv1 and conv2");
    for (m, copies) in duplicated {
        let least = copies.div_ceil(t.total_pes()).next_power_of_two();
        let mut busiest = [0; crate::program::tiling::PLACED_SHARING];
        busiest[least as usize - 1] = least * m.mapping.copy_link_elements;
        assert_eq!(
            m.mapping.sharing,
            crate::program::tiling::Sharing::Placed(busiest),
            "{copies} copies"
        );
    }
}

/// A convolution whose image runs in bands pays for them: LeNet's conv1 (784 output pixels) in
/// one-row bands of 28 pixels on 38 copies keeps 10 copies idle in every band (28 vectors a copy
/// instead of 21) and adds each band's fill and DRAM latencies; one band is the unbanded time.
#[test]
fn bands_split_each_band_among_the_copies_and_pay_their_transfers() {
    let t = compact();
    let o = options(16, Pipeline::Full, Segmentation::Optimal);
    let s = scheduled(&lenet(), &t, o).unwrap();
    let conv1 = &s.program.stages[0];
    assert_eq!(conv1.mvm.as_ref().map(|m| m.vectors), Some(784));
    // Bands of `rows x cols` output pixels over the 28x28 image.
    let time = |copies, band| {
        let banding = crate::program::tiling::Banding::grid((28, 28), band);
        model::banded_mvm_ns(&t, conv1, copies, &banding)
    };
    assert_eq!(time(38, (28, 28)), model::mvm_ns(&t, conv1, 38));
    let image = s.program.layers[conv1.mvm.as_ref().unwrap().layer]
        .mvm()
        .and_then(|m| m.image)
        .expect("conv1 is a convolution");
    assert_eq!(image.out, (28, 28));
    // 28 vectors a copy cost what 28 copies' share of 784 does, plus 27 bands' extras.
    let extras = 27.0 * 2.0 * t.dram.latency_ns;
    assert!(time(38, (1, 28)) >= model::mvm_ns(&t, conv1, 28) + extras);
    assert!(time(38, (1, 28)) < model::mvm_ns(&t, conv1, 28) + 2.0 * extras);
    // More bands never make it faster: strips of 14 columns, rows, halves.
    assert!(time(38, (1, 14)) >= time(38, (1, 28)) && time(38, (1, 28)) >= time(38, (14, 28)));
}

/// One image flows through a segment's stages row by row (`cost::fill`): a pipeline's stages
/// that run in bands start as soon as the rows they read are stored, so the first image takes
/// less than the sum of their times but at least the slowest; a stage that runs in one band, or
/// stages that take turns in one staging buffer, wait for the whole image.
#[test]
fn an_image_flows_through_banded_stages_row_by_row() {
    use super::fill::image_fill;
    let t = compact();
    let p = program(&vgg8(1), &t, Granularity::Crossbar);
    let convs: Vec<usize> = (0..p.stages.len())
        .filter(|&s| {
            p.stages[s]
                .mvm
                .as_ref()
                .is_some_and(|m| m.shape.rows < 8192)
        })
        .take(3)
        .collect();
    assert_eq!(convs, [0, 1, 2], "L1..L3 lead the stages");
    let cost = model::StageCost::default();
    let stages = [(100.0, &cost); 3];
    let fill =
        |bands: &[u64], buffers: Option<&[u64]>| image_fill(&p, 0..3, &stages, (bands, buffers));
    // Eight bands each: L2 starts after L1's second band, L3 after L2's second band.
    let banded = fill(&[8, 8, 8], None);
    assert!((100.0..300.0).contains(&banded), "{banded}");
    assert!((banded - (100.0 + 2.0 * 25.0)).abs() < 1e-9, "{banded}");
    // One band: every stage waits for the whole image before it.
    assert!((fill(&[1, 1, 1], None) - 300.0).abs() < 1e-9);
    assert!((fill(&[1, 8, 8], None) - (200.0 + 25.0)).abs() < 1e-9);
    // Taking turns in one buffer (a sequential segment with a global buffer): one after another.
    assert!((fill(&[8, 8, 8], Some(&[0, 0, 0])) - 300.0).abs() < 1e-9);
    // In two buffers (tiles): L2 waits for L1 in tile 0; L3, alone in tile 1, overlaps L2.
    assert!((fill(&[8, 8, 8], Some(&[0, 0, 1])) - 225.0).abs() < 1e-9);
}

/// A stage's chain on the DRAM channel (`cost::steady`) is its time, step by step: its
/// crossbar layer and what follows it band by band, each other layer in chunks of its staging
/// share, less the latency of the last store (which the next image overlaps).
#[test]
fn chain_steps_add_up_to_the_stage_time() {
    use super::steady::chain_steps;
    use crate::program::rings::Rings;
    let Some(func) = import(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-models/nets/mini_densenet.onnx"
    )) else {
        return;
    };
    let t = Target::preset("isaac-rram").unwrap();
    let p = program(&func, &t, Granularity::Crossbar);
    let costs = model::stage_costs(&p, &t);
    let share = crate::program::bands::whole_buffer(&t) / 4;
    let mut chunked = 0;
    for (s, cost) in costs.iter().enumerate() {
        let vectors = p.stages[s].mvm.as_ref().map_or(1, |m| m.vectors);
        let mvm_ns = model::banded_mvm_ns(&t, &p.stages[s], 2, &Banding::whole(vectors));
        let steps = chain_steps(&p, (s, &t, &Rings::default()), cost, (mvm_ns, 3, share));
        let total: f64 = steps.iter().map(|s| s.total_ns()).sum();
        let want = model::stage_time(cost, mvm_ns) - cost.final_store_ns;
        assert!(
            (total - want).abs() < 1e-6 * want.max(1.0),
            "stage {s}: {total} {want}"
        );
        chunked += steps.iter().filter(|s| s.repeat > 1).count();
    }
    assert!(chunked > 0, "no stage ran in bands or chunks");
}

/// Ring copies queue on the one buffer port with the stages' other work (`steady`).
#[test]
fn ring_copies_queue_on_the_buffer_port() {
    use super::steady::{simulated_period_ns, Bursts, ChainStep};
    // Each stage copies its operands in (2 ns), computes (6 ns) and copies its result out
    // (2 ns): a chain of 10 ns. Two stages keep the port busy 8 ns per image and fit in the
    // chain; six need 24 ns of it per image, more than any chain: the port sets the period.
    let chain = vec![ChainStep {
        copy_in_ns: 2.0,
        chain_ns: 6.0,
        copy_out_ns: 2.0,
        repeat: 1,
        ..ChainStep::default()
    }];
    let period = |chains: &[Vec<ChainStep>]| simulated_period_ns(chains, Bursts::default());
    let two = period(&vec![chain.clone(); 2]);
    assert!((10.0..=12.0).contains(&two), "{two}");
    let six = period(&vec![chain; 6]);
    assert!((24.0..=26.0).contains(&six), "{six}");
    // No copies (nor other shared work): the shared units set no period.
    let plain = vec![ChainStep {
        chain_ns: 10.0,
        repeat: 1,
        ..ChainStep::default()
    }];
    assert_eq!(period(&vec![plain; 3]), 0.0);
}

/// mini_resnet in `full` (one segment) at batch 16 on `t`.
fn mini_resnet_full(t: &Target) -> Scheduled {
    let path = format!(
        "{}/../test-models/nets/mini_resnet.onnx",
        env!("CARGO_MANIFEST_DIR")
    );
    let func = import(&path).unwrap();
    scheduled(&func, t, options(16, Pipeline::Full, Segmentation::Optimal)).unwrap()
}

/// A pipelined segment keeps the results only its own stages read in ring buffers where the
/// stages' needs leave room in the global buffer (`program::rings`): none is a network output,
/// every reader is in the segment at or after the writer's stage, the rings have the slots the
/// longest-lived result needs and fit; their bytes leave the DRAM traffic and are copied instead.
/// With stages one at a time, or without room, nothing stays on chip.
#[test]
fn rings_keep_what_a_pipelined_segment_reads_on_chip() {
    use crate::program::bands::stage_need;
    use crate::program::layers::Source;
    use crate::program::rings::{segment_rings, MAX_SLOTS};
    let t = compact();
    let s = mini_resnet_full(&t);
    let p = &s.program;
    let range = 0..p.stages.len();
    let rings = segment_rings(p, range.clone(), &t, (true, None));
    assert!(rings.layers.len() >= 4, "{rings:?}");
    let stage_of = |id: usize| {
        range
            .clone()
            .find(|&k| p.stages[k].layers().any(|l| l == id))
    };
    for &id in &rings.layers {
        assert!(!p.layers[id].is_output);
        let writer = stage_of(id).unwrap();
        for (reader, layer) in p.layers.iter().enumerate() {
            if layer.inputs.contains(&Source::Layer(id)) {
                let lag = stage_of(reader).unwrap() - writer;
                assert!(rings.slots > lag as u64 && rings.slots <= MAX_SLOTS);
            }
        }
    }
    let needs: u64 = range.clone().map(|k| stage_need(p, k)).sum();
    let global = t.buffer_elements(t.buffers.global_bytes);
    assert!(needs + rings.elements(p) <= global);
    // One byte per element: what the rings hold leaves DRAM, once per write and per read.
    let dram = p.traffic(range.clone(), &t, &Default::default());
    let kept = p.traffic(range.clone(), &t, &rings);
    let written: u64 = rings
        .layers
        .iter()
        .map(|&id| p.layers[id].output_elements)
        .sum();
    assert_eq!(kept.copied_out, written);
    assert!(kept.copied_in >= written);
    assert_eq!(
        dram.per_image() - kept.per_image(),
        kept.copied_in + kept.copied_out
    );
    assert!(kept.transfers < dram.transfers);
    // Stages one at a time, or no room: no rings.
    assert!(segment_rings(p, range.clone(), &t, (false, None))
        .layers
        .is_empty());
    let mut tight = t.clone();
    tight.buffers.global_bytes = needs * u64::from(t.precision.activation_bits) / 8;
    assert!(segment_rings(p, range, &tight, (true, None))
        .layers
        .is_empty());
}

/// Without a global buffer, rings go to the buffers of the tiles no stage stages in, one after
/// another, a ring running on into the next tile but never into a tile a stage stages in.
#[test]
fn rings_without_a_global_buffer_take_the_tiles_no_stage_stages_in() {
    use crate::program::bands::whole_buffer;
    use crate::program::rings::{ring_space, ring_tiles, segment_rings, segment_room};
    let t = Target::preset("isaac-rram").unwrap();
    let s = mini_resnet_full(&t);
    let p = &s.program;
    let range = 0..p.stages.len();
    let unit = whole_buffer(&t);
    // Stages in tiles 0, 0, 2, ...: tile 1 is a run of its own, 3 onwards one run.
    let mut staging = vec![0, 0, 2];
    staging.resize(range.len(), 2);
    let room = segment_room(p, range.clone(), &t, Some(&staging));
    assert_eq!(room, vec![unit..2 * unit, 3 * unit..t.total_tiles() * unit]);
    let rings = segment_rings(p, range.clone(), &t, (true, Some(&staging)));
    assert!(rings.layers.len() >= 4, "{rings:?}");
    for (&id, &home) in rings.layers.iter().zip(&rings.homes) {
        let end = home + p.layers[id].output_elements * rings.slots;
        assert!(room.iter().any(|r| r.start <= home && end <= r.end));
    }
    // The ring space stays within what an operand can name (2^16 tiles) and a quarter of the
    // address space (2^30 elements).
    let mut huge = t.clone();
    (huge.chip.tiles_x, huge.chip.tiles_y) = (512, 256);
    assert_eq!(ring_tiles(&huge), (1 << 30) / unit);
    huge.buffers.tile_bytes = 64;
    assert_eq!(ring_tiles(&huge), 1 << 16);
    let mut vast = compact();
    vast.buffers.global_bytes = 1 << 40;
    assert_eq!(ring_space(&vast), 1 << 30);
    // Every tile staged in: no room, no rings.
    let all: Vec<u64> = (0..t.total_tiles()).collect();
    assert!(segment_room(p, range.clone(), &t, Some(&all)).is_empty());
    assert!(segment_rings(p, range, &t, (true, Some(&all)))
        .layers
        .is_empty());
}

/// pimc's duplication keeps the cheaper, as placed, of its frontier walk's first stop and the
/// cheapest assignment the walk saw (`duplicate_layers::Walk`). LeNet `full` on isaac-rram at
/// batch 256 gains from copies that pay only together, past a step that does not pay alone; the
/// first stop is never cheaper than what is kept.
#[test]
fn duplication_keeps_the_cheaper_stop_of_its_walk() {
    use crate::passes::duplicate_layers::{placed_cost, with_copies, Walk};
    use crate::passes::segment_layers::Planner;
    let func = lenet();
    let cases = [
        ("isaac-rram", Pipeline::Full, 256),
        ("compact-4x4", Pipeline::Reuse, 16),
        ("unlimited-6x6", Pipeline::Layer, 1),
    ];
    for (preset, pipeline, batch) in cases {
        let t = Target::preset(preset).unwrap();
        let s = scheduled(&func, &t, options(batch, pipeline, Segmentation::Optimal)).unwrap();
        let kept = evaluate(&s.program, &t, &s.schedule).latency_ns;
        let program = crate::schedule::ir::scheduled_program(&s.network, &s.schedule, &t).unwrap();
        let planner = Planner::new(&program, &t, Scheduler::Pimc, pipeline, s.schedule.images);
        let walk = |w| with_copies(&planner, &s.schedule, w);
        let first_stop = placed_cost(&program, &t, &walk(Walk::FirstStop)).unwrap().0;
        let cheapest_seen = placed_cost(&program, &t, &walk(Walk::CheapestSeen))
            .unwrap()
            .0;
        assert!(
            kept <= first_stop * (1.0 + 1e-9) && kept <= cheapest_seen * (1.0 + 1e-9),
            "{preset} {pipeline:?}: kept {kept}, first stop {first_stop}, cheapest seen {cheapest_seen}"
        );
        if preset == "isaac-rram" {
            assert!(kept < first_stop / 2.0, "{kept} {first_stop}");
        }
    }
}
