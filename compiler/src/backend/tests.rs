//! Compiled networks run on the functional simulator against the graph-level reference.

use crate::graph::Graph;
use crate::passes::PassContext;
use crate::schedule::{Options as ScheduleOptions, Pipeline};
use pim_dialects::{Func, PimOp};
use pim_runtime::container::Program;
use pim_runtime::sim::{compare_outputs, inject_faults, Simulator, Tolerance, Work};
use pim_runtime::target::Target;
use pim_runtime::Tensor;
use proptest::prelude::*;

/// Schedules layer-level IR (phases tiled and scheduled) and compiles it.
fn compile(
    func: &Func<PimOp>,
    target: &Target,
    options: &ScheduleOptions,
) -> crate::Result<Program> {
    let cx = PassContext {
        target: target.clone(),
        schedule: ScheduleOptions {
            batch: crate::program::Images::ir_images(func),
            ..*options
        },
    };
    let scheduled = crate::pipeline::schedule_layers(func.clone(), &cx)?;
    super::compile(&scheduled, target)
}

/// The path of test model `name`: a network of `test-models/nets`, or `dir/name` under
/// `test-models`.
fn model(name: &str) -> String {
    let path = if name.contains('/') {
        name.to_owned()
    } else {
        format!("nets/{name}")
    };
    format!("{}/../test-models/{path}.onnx", env!("CARGO_MANIFEST_DIR"))
}

/// The graph-level (rewritten) and layer-level functions of a test network at `batch`.
pub(super) fn lower(name: &str, batch: usize) -> (Graph, Func<PimOp>) {
    let options = crate::frontend::ImportOptions { batch };
    let graph =
        crate::frontend::import_file(std::path::Path::new(&model(name)), options).expect("import");
    let (graph, _) = crate::rewrite::rewrite(
        &graph,
        &crate::rewrite::RuleSelection::All,
        &crate::rewrite::Limits::default(),
    )
    .expect("rewrite");
    let func = crate::passes::lower_to_layers::lower_to_layers(&graph).expect("lower");
    (graph, func)
}

/// Deterministic pseudo-random inputs in [-1, 1).
fn seeded(shape: &[usize], seed: u64) -> Tensor {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let data = (0..shape.iter().product::<usize>())
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    Tensor::new(shape.to_vec(), data).expect("shape")
}

type Named = Vec<(String, Tensor)>;

fn case(
    name: &str,
    batch: usize,
    target: &str,
    pipeline: Option<Pipeline>,
) -> (Program, Named, Named) {
    let target = Target::preset(target).expect("preset");
    case_on(name, batch, &target, pipeline)
}

/// Seeded inputs for `graph` and its outputs on them, by the graph-level evaluator.
fn seeded_reference(graph: &Graph) -> (Named, Named) {
    let inputs: Named = graph
        .inputs
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.clone(), seeded(graph.shape(p.value), 7 + i as u64)))
        .collect();
    let tensors: Vec<Tensor> = inputs.iter().map(|(_, t)| t.clone()).collect();
    let expected: Named = graph
        .outputs
        .iter()
        .map(|p| p.name.clone())
        .zip(crate::graph::eval::evaluate(graph, &tensors).expect("evaluate"))
        .collect();
    (inputs, expected)
}

/// A test network compiled for `target`, its seeded inputs and the graph-level outputs.
fn case_on(
    name: &str,
    batch: usize,
    target: &Target,
    pipeline: Option<Pipeline>,
) -> (Program, Named, Named) {
    let (graph, func) = lower(name, batch);
    let options = ScheduleOptions {
        pipeline,
        ..ScheduleOptions::default()
    };
    let program = compile(&func, target, &options).expect("compile");
    let (inputs, expected) = seeded_reference(&graph);
    (program, inputs, expected)
}

const TOL: Tolerance = Tolerance {
    abs: 1e-4,
    rel: 1e-4,
};

fn check(name: &str, batch: usize, target: &str, pipeline: Option<Pipeline>) {
    let (program, inputs, expected) = case(name, batch, target, pipeline);
    let bytes = program.write().expect("write");
    let program = Program::read(&bytes).expect("read back");
    let outputs = Simulator::run(&program, &inputs).expect("simulate");
    compare_outputs(&outputs, &expected, TOL)
        .unwrap_or_else(|e| panic!("{name} batch {batch} on {target} ({pipeline:?}): {e}"));
}

#[test]
fn lenet_and_mlp_match_the_reference() {
    for name in ["lenet", "mlp"] {
        for batch in [1, 2] {
            for target in ["compact-4x4", "unlimited-6x6"] {
                check(name, batch, target, None);
            }
        }
    }
}

#[test]
fn every_pipeline_mode_matches() {
    for pipeline in Pipeline::ALL {
        check("lenet", 2, "compact-4x4", Some(pipeline));
    }
}

#[test]
fn more_networks_match_the_reference() {
    for name in ["conv_bn_relu_pool", "mini_resnet"] {
        for batch in [1, 2] {
            check(name, batch, "compact-4x4", None);
        }
    }
}

#[test]
fn compiling_is_deterministic() {
    let (a, _, _) = case("lenet", 2, "compact-4x4", None);
    let (b, _, _) = case("lenet", 2, "compact-4x4", None);
    assert_eq!(a.write().expect("write"), b.write().expect("write"));
}

#[test]
fn every_fault_in_compiled_lenet_is_caught() {
    // Eight images: with one, the input's register never needs to move, and every copy of the
    // body of a pipeline whose rings have up to four slots (`program::rings::MAX_SLOTS`) runs
    // at least twice, so a `fill` turned into a `bias` meets what an earlier image left.
    let (program, inputs, expected) = case("lenet", 8, "compact-4x4", Some(Pipeline::Full));
    let report = inject_faults(&program, &inputs, &expected, TOL).expect("original run");
    assert!(report.results.len() > 10, "{report}");
    assert!(report.survivors().is_empty(), "{report}");
}

#[test]
fn unsupported_ops_are_refused_with_their_node() {
    let mut func = Func::<PimOp>::new("main");
    let x = func.add_input("x", vec![1, 4, 3, 3, 3]);
    let pool = PimOp::Pool {
        kind: "max".into(),
        kernel: vec![2, 2, 2],
        strides: vec![1, 1, 1],
        pads: vec![0; 6],
        dilations: vec![1, 1, 1],
        ceil_mode: 0,
        count_include_pad: 0,
    };
    func.push("pool3d", pool, vec![x], vec![1, 4, 2, 2, 2]);
    func.outputs.push(pim_dialects::Port {
        name: "y".into(),
        value: 1,
    });
    let target = Target::preset("compact-4x4").expect("preset");
    let err = compile(&func, &target, &ScheduleOptions::default())
        .expect_err("3-D pooling is not supported")
        .to_string();
    assert!(
        err.ends_with("the back end does not support non-2-D pooling (node pool3d) yet"),
        "{err}"
    );
}

/// compact-4x4 shrunk to 4 crossbars: LeNet needs several segments and its large layers are cut
/// into column parts.
fn tiny_target() -> Target {
    let mut target = Target::preset("compact-4x4").expect("preset");
    target.chip.name = "tiny".into();
    target.chip.tiles_x = 1;
    target.chip.tiles_y = 1;
    target.chip.pes_per_tile_x = 1;
    target.chip.pes_per_tile_y = 1;
    target.chip.crossbars_per_pe_x = 2;
    target.chip.crossbars_per_pe_y = 2;
    target.validate().expect("tiny target");
    assert_eq!(target.total_crossbars(), 4);
    target
}

#[test]
fn segments_and_column_parts_on_a_tiny_chip() {
    let target = tiny_target();
    for batch in [1, 2] {
        let (graph, func) = lower("lenet", batch);
        for pipeline in [None, Some(Pipeline::Layer)] {
            let options = ScheduleOptions {
                pipeline,
                ..ScheduleOptions::default()
            };
            let program = compile(&func, &target, &options).expect("compile");
            let segments = program
                .symbols
                .iter()
                .filter(|s| s.kind == pim_runtime::container::SymbolKind::Segment)
                .count();
            assert!(segments > 1, "{segments} segments");
            let x = seeded(graph.shape(graph.inputs[0].value), 3);
            let want =
                crate::graph::eval::evaluate(&graph, std::slice::from_ref(&x)).expect("evaluate");
            let got = Simulator::run(&program, &[("input", x)]).expect("simulate");
            compare_outputs(&got, &[("output", want[0].clone())], TOL).expect("matches");
            if batch == 1 && pipeline.is_none() {
                let x = seeded(graph.shape(graph.inputs[0].value), 3);
                let report = inject_faults(
                    &program,
                    &[("input", x)],
                    &[("output", want[0].clone())],
                    TOL,
                )
                .expect("original run");
                assert!(report.survivors().is_empty(), "{report}");
            }
        }
    }
}

#[test]
fn layers_larger_than_the_global_buffer_run_in_bands() {
    let mut target = Target::preset("compact-4x4").expect("preset");
    target.chip.name = "small-buffer".into();
    target.buffers.global_bytes = 2048;
    target.validate().expect("small-buffer target");
    for name in ["lenet", "conv_bn_relu_pool", "mini_resnet"] {
        let (graph, func) = lower(name, 2);
        let program = compile(&func, &target, &ScheduleOptions::default()).expect("compile");
        let x = seeded(graph.shape(graph.inputs[0].value), 5);
        let want =
            crate::graph::eval::evaluate(&graph, std::slice::from_ref(&x)).expect("evaluate");
        let got = Simulator::run(&program, &[("input", x)]).expect("simulate");
        compare_outputs(&got, &[("output", want[0].clone())], TOL)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // One element of buffer cannot hold a layer even one row at a time: a clear error.
    target.buffers.global_bytes = 16;
    let (_, func) = lower("lenet", 1);
    let err = compile(&func, &target, &ScheduleOptions::default())
        .expect_err("too small")
        .to_string();
    assert!(err.contains("global buffer"), "{err}");
}

/// The vector-unit ops and data moves one by one, against the graph-level reference: every
/// activation kind, PReLU, LRN, pooling with padding and ceil_mode, concat, per-channel and
/// scalar constants, a residual add, softmax after a flatten.
#[test]
fn vector_ops_match_the_reference() {
    for intermediate_outputs in [false, true] {
        vector_ops(intermediate_outputs);
    }
}

fn vector_ops(intermediate_outputs: bool) {
    use pim_dialects::GraphOp;
    let mut g = Graph::new("main");
    let x = g.add_input("input", vec![2, 3, 7, 7]);
    let c = |g: &mut Graph, name: &str, t: Tensor| {
        let shape = t.shape().to_vec();
        g.push(name, GraphOp::Constant { value: t }, vec![], shape)
    };
    let s4 = vec![2, 3, 7, 7];
    let a = g.push(
        "lrelu",
        GraphOp::LeakyRelu { alpha: 0.1 },
        vec![x],
        s4.clone(),
    );
    let b = g.push("elu", GraphOp::Elu { alpha: 0.7 }, vec![x], s4.clone());
    let cat = g.push(
        "cat",
        GraphOp::Concat { axis: 1 },
        vec![a, b],
        vec![2, 6, 7, 7],
    );
    let slope = c(&mut g, "slope", seeded(&[6, 1, 1], 11));
    let pr = g.push(
        "prelu",
        GraphOp::PRelu {},
        vec![cat, slope],
        vec![2, 6, 7, 7],
    );
    let lrn = g.push(
        "lrn",
        GraphOp::Lrn {
            size: 3,
            alpha: 0.5,
            beta: 0.75,
            bias: 2.0,
        },
        vec![pr],
        vec![2, 6, 7, 7],
    );
    let mp = g.push(
        "maxpool",
        GraphOp::MaxPool {
            kernel: vec![2, 2],
            strides: vec![2, 2],
            pads: vec![0, 0, 0, 0],
            dilations: vec![1, 1],
            ceil_mode: 1,
        },
        vec![lrn],
        vec![2, 6, 4, 4],
    );
    let ap = g.push(
        "avgpool",
        GraphOp::AveragePool {
            kernel: vec![3, 3],
            strides: vec![1, 1],
            pads: vec![1, 1, 1, 1],
            ceil_mode: 0,
            count_include_pad: 0,
        },
        vec![mp],
        vec![2, 6, 4, 4],
    );
    let ap2 = g.push(
        "avgpool_pad",
        GraphOp::AveragePool {
            kernel: vec![3, 3],
            strides: vec![1, 1],
            pads: vec![1, 1, 1, 1],
            ceil_mode: 0,
            count_include_pad: 1,
        },
        vec![mp],
        vec![2, 6, 4, 4],
    );
    let res = g.push("residual", GraphOp::Add {}, vec![ap, ap2], vec![2, 6, 4, 4]);
    let scale = c(&mut g, "scale", seeded(&[1, 6, 1, 1], 12));
    let mul = g.push("mul", GraphOp::Mul {}, vec![res, scale], vec![2, 6, 4, 4]);
    let half = c(&mut g, "half", Tensor::scalar(0.5));
    let sub = g.push("sub", GraphOp::Sub {}, vec![mul, half], vec![2, 6, 4, 4]);
    let shift = c(&mut g, "shift", seeded(&[6, 1, 1], 14));
    let rsub = g.push("rsub", GraphOp::Sub {}, vec![shift, sub], vec![2, 6, 4, 4]);
    let twice = c(&mut g, "twice", Tensor::scalar(2.0));
    let rmul = g.push("rmul", GraphOp::Mul {}, vec![twice, rsub], vec![2, 6, 4, 4]);
    let clip = g.push(
        "clip",
        GraphOp::Clip {
            min: -0.3,
            max: 0.4,
        },
        vec![rmul],
        vec![2, 6, 4, 4],
    );
    let sig = g.push("sigmoid", GraphOp::Sigmoid {}, vec![clip], vec![2, 6, 4, 4]);
    let tanh = g.push("tanh", GraphOp::Tanh {}, vec![sig], vec![2, 6, 4, 4]);
    let flat = g.push(
        "flatten",
        GraphOp::Flatten { axis: 1 },
        vec![tanh],
        vec![2, 96],
    );
    let sm = g.push(
        "softmax",
        GraphOp::Softmax { axis: 1 },
        vec![flat],
        vec![2, 96],
    );
    g.outputs.push(pim_dialects::Port {
        name: "output".into(),
        value: sm,
    });
    g.outputs.push(pim_dialects::Port {
        name: "pooled".into(),
        value: mp,
    });
    let csm = g.push(
        "channel_softmax",
        GraphOp::LogSoftmax { axis: 1 },
        vec![mp],
        vec![2, 6, 4, 4],
    );
    g.outputs.push(pim_dialects::Port {
        name: "channel_softmax".into(),
        value: csm,
    });
    g.outputs.push(pim_dialects::Port {
        name: "copy".into(),
        value: x,
    });
    // Intermediate values as outputs too: stored NCHW, then read back by their consumers.
    let intermediate: Vec<(&str, usize)> = vec![
        ("cat", cat),
        ("pr", pr),
        ("lrn", lrn),
        ("ap", ap),
        ("ap2", ap2),
        ("res", res),
        ("mul", mul),
        ("sub", sub),
        ("clip", clip),
        ("sig", sig),
    ];
    for (n, v) in intermediate.iter().filter(|_| intermediate_outputs) {
        g.outputs.push(pim_dialects::Port {
            name: n.to_string(),
            value: *v,
        });
    }
    let func = crate::passes::lower_to_layers::lower_to_layers(&g).expect("lower");
    let input = seeded(&[2, 3, 7, 7], 13);
    let want = crate::graph::eval::evaluate(&g, std::slice::from_ref(&input)).expect("evaluate");
    for global_bytes in [131072, 200] {
        let mut target = Target::preset("compact-4x4").expect("preset");
        target.buffers.global_bytes = global_bytes;
        let program = compile(&func, &target, &ScheduleOptions::default()).expect("compile");
        let got = Simulator::run(&program, &[("input", input.clone())]).expect("simulate");
        let expected: Vec<(String, Tensor)> = g
            .outputs
            .iter()
            .map(|p| p.name.clone())
            .zip(want.iter().cloned())
            .collect();
        compare_outputs(&got, &expected, TOL)
            .unwrap_or_else(|e| panic!("global buffer of {global_bytes} bytes: {e}"));
    }
}

/// Grouped convolutions: two groups, depthwise with a channel multiplier (groups packed side by
/// side on shared crossbars), and groups taller than a crossbar (row tiles per group).
#[test]
fn grouped_convolutions_match_the_reference() {
    use pim_dialects::GraphOp;
    let mut g = Graph::new("main");
    let x = g.add_input("input", vec![2, 4, 9, 9]);
    let mut seed = 20;
    let mut conv = |g: &mut Graph,
                    name: &str,
                    x: usize,
                    cin: usize,
                    cout: usize,
                    group: usize,
                    k: usize,
                    out: usize| {
        seed += 2;
        let w = g.push(
            format!("{name}.w"),
            GraphOp::Constant {
                value: seeded(&[cout, cin / group, k, k], seed),
            },
            vec![],
            vec![cout, cin / group, k, k],
        );
        let b = g.push(
            format!("{name}.b"),
            GraphOp::Constant {
                value: seeded(&[cout], seed + 1),
            },
            vec![],
            vec![cout],
        );
        let p = (k / 2) as i64;
        g.push(
            name,
            GraphOp::Conv {
                strides: vec![1, 1],
                pads: vec![p, p, p, p],
                dilations: vec![1, 1],
                group: group as i64,
            },
            vec![x, w, b],
            vec![2, cout, out, out],
        )
    };
    let a = conv(&mut g, "grouped", x, 4, 6, 2, 3, 9);
    let b = conv(&mut g, "depthwise", a, 6, 12, 6, 3, 9);
    let c = conv(&mut g, "wide", b, 12, 36, 12, 1, 9);
    let d = conv(&mut g, "tall", c, 36, 8, 2, 3, 9);
    g.outputs.push(pim_dialects::Port {
        name: "output".into(),
        value: d,
    });
    let func = crate::passes::lower_to_layers::lower_to_layers(&g).expect("lower");
    let input = seeded(&[2, 4, 9, 9], 19);
    let want = crate::graph::eval::evaluate(&g, std::slice::from_ref(&input)).expect("evaluate");
    for global_bytes in [131072, 2048] {
        let mut target = Target::preset("compact-4x4").expect("preset");
        target.buffers.global_bytes = global_bytes;
        let program = compile(&func, &target, &ScheduleOptions::default()).expect("compile");
        let got = Simulator::run(&program, &[("input", input.clone())]).expect("simulate");
        compare_outputs(&got, &[("output", want[0].clone())], TOL)
            .unwrap_or_else(|e| panic!("global buffer of {global_bytes} bytes: {e}"));
        // Not on the banded program, nor with duplication (the default `full` mode): there
        // some band's (or copy's share of) pixels reads only padding in a second row tile,
        // so mutating its crossbar changes nothing. `baseline` has one copy per layer.
        if global_bytes == 131072 {
            let options = ScheduleOptions {
                pipeline: Some(Pipeline::Baseline),
                ..ScheduleOptions::default()
            };
            let program = compile(&func, &target, &options).expect("compile");
            let report = inject_faults(
                &program,
                &[("input", input.clone())],
                &[("output", want[0].clone())],
                TOL,
            )
            .expect("original run");
            assert!(report.survivors().is_empty(), "{report}");
        }
    }
}

#[test]
fn images_run_in_loops_with_the_code_of_one_image() {
    let loops = |p: &Program| {
        p.code
            .iter()
            .filter(|i| matches!(i, pim_runtime::isa::Instruction::Loop { .. }))
            .count()
    };
    for pipeline in Pipeline::ALL {
        let (one, _, _) = case("mini_resnet", 1, "compact-4x4", Some(pipeline));
        let (program, inputs, expected) = case("mini_resnet", 4, "compact-4x4", Some(pipeline));
        // One image is not looped, except through the steps of a pipeline.
        let pipelined = pipeline.execution() == crate::schedule::Execution::Pipelined;
        assert_eq!(loops(&one) > 0, pipelined, "{pipeline:?}");
        assert!(loops(&program) > 0, "{pipeline:?}: no loop");
        // The per-image code is emitted once per segment, not once per image: sixteen images
        // take less than three times the code of one per slot of the rings a pipeline keeps
        // (its step loop is unrolled once per slot; the schedules may differ: the model
        // segments differently as the batch grows).
        let (sixteen, _, _) = case("mini_resnet", 16, "compact-4x4", Some(pipeline));
        let slots = crate::program::rings::MAX_SLOTS as usize;
        assert!(
            sixteen.code.len() < 3 * slots * one.code.len(),
            "{pipeline:?}: {} instructions for 16 images, {} for one",
            sixteen.code.len(),
            one.code.len()
        );
        let got = Simulator::run(&program, &inputs).expect("simulate");
        compare_outputs(&got, &expected, TOL).unwrap_or_else(|e| panic!("{pipeline:?}: {e}"));
    }
}

/// A looped program of several segments (a value of each image crosses a segment boundary
/// in the scratch arena): dropping any register move is caught. (`baseline`: in the modes
/// that duplicate, retargeting an `mvm` to another copy of the same weights changes nothing.)
#[test]
fn every_fault_in_a_looped_program_is_caught() {
    let (program, inputs, expected) = case_on("lenet", 2, &tiny_target(), Some(Pipeline::Baseline));
    assert!(program
        .code
        .iter()
        .any(|i| matches!(i, pim_runtime::isa::Instruction::RAdd { .. })));
    let report = inject_faults(&program, &inputs, &expected, TOL).expect("original run");
    assert!(report.results.len() > 10, "{report}");
    assert!(report.survivors().is_empty(), "{report}");
}

/// Several segments, several images per run: values that cross a segment boundary (residuals,
/// dense concatenations, column parts) keep one DRAM slot per image, the rest is shared.
#[test]
fn looped_segments_keep_crossing_values_per_image() {
    let target = tiny_target();
    for name in ["lenet", "mini_resnet", "mini_densenet", "mlp"] {
        for pipeline in [Pipeline::Baseline, Pipeline::Layer] {
            let (program, inputs, expected) = case_on(name, 3, &target, Some(pipeline));
            let got = Simulator::run(&program, &inputs).expect("simulate");
            compare_outputs(&got, &expected, TOL)
                .unwrap_or_else(|e| panic!("{name} {pipeline:?}: {e}"));
        }
    }
}

/// Schedules layer-level IR, reports its cost and compiles it.
pub(super) fn compile_reported(
    func: &Func<PimOp>,
    target: &Target,
    options: ScheduleOptions,
) -> crate::Result<(Program, crate::cost::Report)> {
    let (scheduled, read) = crate::pipeline::plan(func.clone(), target, options)?;
    let report = crate::cost::report(&read, "test", target);
    Ok((super::compile(&scheduled, target)?, report))
}

/// Compiles test model `name` at `batch` for `target` with `options`, runs it against the
/// graph-level reference and returns the report and the program's work (`None` when `full` does
/// not fit).
fn run_reported(
    name: &str,
    batch: usize,
    target: &Target,
    options: ScheduleOptions,
) -> Option<(crate::cost::Report, Work)> {
    let (graph, func) = lower(name, batch);
    let options = ScheduleOptions {
        batch: batch as u64,
        ..options
    };
    let (program, report) = match compile_reported(&func, target, options) {
        Err(crate::Error::Pass { message, .. }) if message.contains("to hold all weights") => {
            return None
        }
        other => other.unwrap_or_else(|e| panic!("{name} {options:?}: {e}")),
    };
    let (inputs, expected) = seeded_reference(&graph);
    let mut sim = Simulator::new(&program).expect("load");
    sim.set_inputs(&inputs).expect("inputs");
    sim.execute().expect("simulate");
    let outputs = sim.outputs().expect("outputs");
    compare_outputs(&outputs, &expected, TOL)
        .unwrap_or_else(|e| panic!("{name} {options:?} on {}: {e}", target.chip.name));
    Some((report, sim.stats().work()))
}

/// The program's crossbar writes, crossbar activations, weight and activation traffic are the
/// report's.
fn assert_work_is_reported(what: &str, report: &crate::cost::Report, work: Work, target: &Target) {
    assert_eq!(
        work.crossbar_writes, report.crossbars.written,
        "{what}: crossbar writes"
    );
    assert_eq!(
        work.crossbar_activations, report.mvm_activations,
        "{what}: crossbar activations"
    );
    // Weight bytes: the report rounds each stage's bytes up to whole bytes.
    let bits = work.weights * u64::from(target.precision.weight_bits);
    let reported = report.dram_bytes.weights * 8;
    let slack = 8 * report.layers.len() as u64 * report.batch;
    assert!(
        reported >= bits && reported - bits < slack.max(8),
        "{what}: weights {bits} bits in the program, {reported} reported"
    );
    // Activations: the report rounds each layer's bytes per image up to whole bytes.
    let moved = (work.dram_reads + work.dram_writes) * u64::from(target.precision.activation_bits);
    let reported = report.dram_bytes.activations * 8;
    let slack = 16 * report.layers.len() as u64 * report.batch;
    assert!(
        reported >= moved && reported - moved < slack.max(8),
        "{what}: activations {moved} bits in the program ({} elements read, {} written), \
         {reported} reported",
        work.dram_reads,
        work.dram_writes
    );
}

#[test]
fn programs_do_the_work_their_reports_count() {
    let target = Target::preset("compact-4x4").expect("preset");
    for name in [
        "lenet",
        "mlp",
        "mini_resnet",
        "mini_densenet",
        "conv_bn_relu_pool",
        "ops/op_epilogue_chain",
    ] {
        for pipeline in Pipeline::ALL {
            for scheduler in [
                crate::schedule::Scheduler::Pimc,
                crate::schedule::Scheduler::Paper,
            ] {
                let options = ScheduleOptions {
                    pipeline: Some(pipeline),
                    scheduler,
                    ..ScheduleOptions::default()
                };
                let what = format!("{name} {pipeline:?} {scheduler:?}");
                if let Some((report, work)) = run_reported(name, 3, &target, options) {
                    assert_work_is_reported(&what, &report, work, &target);
                }
            }
        }
    }
}

/// compact-4x4 with another crossbar geometry and precision, if that makes a valid target.
fn geometry(
    rows: u32,
    cols: u32,
    bits_per_cell: u32,
    weight_bits: u32,
    parallel: u32,
) -> Option<Target> {
    let mut target = Target::preset("compact-4x4").ok()?;
    target.chip.name = format!("xb{rows}x{cols}b{bits_per_cell}w{weight_bits}");
    target.crossbar.rows = rows;
    target.crossbar.cols = cols;
    target.crossbar.bits_per_cell = bits_per_cell;
    target.crossbar.rows_read_in_parallel = parallel;
    target.crossbar.columns_per_adc = target.crossbar.columns_per_adc.min(cols);
    target.precision.weight_bits = weight_bits;
    target.crossbar.adc_bits = target.crossbar.adc_bits.min(target.column_sum_bits());
    target.validate().ok().map(|()| target)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Over crossbar geometries and precisions (weights of 1 to 8 bits on 1, 2 or 4 bits per
    /// cell, crossbars of 16 to 128 rows and 8 to 128 columns, all or half the rows read at
    /// once), grouped and depthwise convolutions (group packing) included: the program writes
    /// exactly the crossbars the cost model counts and activates them as often, and computes
    /// what the graph-level reference computes.
    #[test]
    fn the_cost_model_and_the_back_end_tile_alike(
        rows in prop::sample::select(vec![16u32, 32, 64, 128]),
        cols in prop::sample::select(vec![8u32, 16, 24, 64, 128]),
        bits_per_cell in prop::sample::select(vec![1u32, 2, 4]),
        levels in 1u32..=8,
        half in any::<bool>(),
        name in prop::sample::select(vec![
            "lenet", "mlp", "ops/op_conv_group", "ops/op_conv_depthwise",
            "ops/op_conv_depthwise_mult", "ops/op_conv_pads",
        ]),
        paper in any::<bool>(),
    ) {
        let weight_bits = (levels * bits_per_cell).min(8 / bits_per_cell * bits_per_cell);
        let parallel = if half { rows / 2 } else { rows };
        let target = geometry(rows, cols, bits_per_cell, weight_bits, parallel);
        prop_assume!(target.is_some());
        let target = target.expect("assumed");
        let scheduler = if paper {
            crate::schedule::Scheduler::Paper
        } else {
            crate::schedule::Scheduler::Pimc
        };
        let options = ScheduleOptions {
            pipeline: Some(Pipeline::Reuse),
            scheduler,
            ..ScheduleOptions::default()
        };
        let batch = if name.starts_with("ops/") { 1 } else { 2 };
        if let Some((report, work)) = run_reported(name, batch, &target, options) {
            assert_work_is_reported(&format!("{name} on {}", target.chip.name), &report, work, &target);
        }
    }
}
