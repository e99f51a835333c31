//! Integration tests of the dialect crate: the Rust op tables agree with the IRDL file, and typed
//! functions survive MLIR build -> verify -> print -> parse -> read.

#![allow(clippy::unwrap_used)] // a failing unwrap is a failing test

mod isa;

use melior::ir::{block::BlockLike, operation::OperationLike, RegionLike};
use pim_dialects::{
    func::{parse_module, print_module},
    new_context, BuildOptions, DialectOp, Dialects, Func, GraphOp, PimOp,
};
use pim_runtime::Tensor;
use std::collections::BTreeMap;

/// Each op of the IRDL file as MLIR parsed it: operand count (None = variadic) and attribute names.
fn irdl_ops(dialect: &str) -> BTreeMap<String, (Option<usize>, Vec<String>)> {
    let context = new_context();
    let module = parse_module(
        &context,
        pim_dialects::context::IRDL_SOURCE,
        "pim.irdl.mlir",
    )
    .unwrap();
    let mut ops = BTreeMap::new();
    let mut next = module.body().first_operation();
    while let Some(dialect_op) = next {
        next = dialect_op.next_in_block();
        let symbol = dialect_op.attribute("sym_name").unwrap().to_string();
        if symbol != format!("\"{dialect}\"") {
            continue;
        }
        let body = dialect_op.region(0).unwrap().first_block().unwrap();
        let mut op = body.first_operation();
        while let Some(operation) = op {
            op = operation.next_in_block();
            let name = operation
                .attribute("sym_name")
                .unwrap()
                .to_string()
                .trim_matches('"')
                .to_owned();
            let inner = operation.region(0).unwrap().first_block().unwrap();
            let mut operands = Some(0);
            let mut attributes = Vec::new();
            let mut item = inner.first_operation();
            while let Some(constraint) = item {
                item = constraint.next_in_block();
                match constraint.name().as_string_ref().as_str().unwrap() {
                    "irdl.operands" => {
                        let text = constraint.to_string();
                        operands = if text.contains("variadic") {
                            None
                        } else {
                            Some(constraint.operand_count())
                        };
                    }
                    "irdl.attributes" => {
                        let names = constraint
                            .attribute("attributeValueNames")
                            .unwrap()
                            .to_string();
                        attributes = names
                            .trim_matches(|c| c == '[' || c == ']')
                            .split(", ")
                            .filter(|s| !s.is_empty())
                            .map(|s| s.trim_matches('"').to_owned())
                            .collect();
                    }
                    _ => {}
                }
            }
            ops.insert(name, (operands, attributes));
        }
    }
    ops
}

fn check_catalog<O: DialectOp>() {
    let irdl = irdl_ops(O::DIALECT);
    let structural = pim_dialects::schedule::CATALOG
        .iter()
        .filter(|_| O::DIALECT == "pim");
    let rust: BTreeMap<String, (Option<usize>, Vec<String>)> = structural
        .map(|(mnemonic, operands, attributes)| {
            let attributes = attributes.iter().map(|s| (*s).to_owned()).collect();
            ((*mnemonic).to_owned(), (Some(*operands), attributes))
        })
        .chain(O::CATALOG.iter().map(|info| {
            let arity = Some(info.arity.0);
            (
                info.mnemonic.to_owned(),
                (
                    arity,
                    info.attributes.iter().map(|s| (*s).to_owned()).collect(),
                ),
            )
        }))
        .collect();
    assert_eq!(
        rust,
        irdl,
        "the Rust table of `{}` and the IRDL file disagree",
        O::DIALECT
    );
}

#[test]
fn graph_table_matches_irdl() {
    check_catalog::<GraphOp>();
}

#[test]
fn pim_table_matches_irdl() {
    check_catalog::<PimOp>();
}

fn small_graph() -> Func<GraphOp> {
    let mut f = Func::new("main");
    let x = f.add_input("x", vec![1, 2, 4, 4]);
    let w = f.push(
        "w",
        GraphOp::Constant {
            value: Tensor::new(vec![3, 2, 1, 1], (0..6).map(|v| v as f32).collect()).unwrap(),
        },
        vec![],
        vec![3, 2, 1, 1],
    );
    let b = f.push(
        "b",
        GraphOp::Constant {
            value: Tensor::zeros(vec![3]),
        },
        vec![],
        vec![3],
    );
    let conv = GraphOp::Conv {
        strides: vec![1, 1],
        pads: vec![0; 4],
        dilations: vec![1, 1],
        group: 1,
    };
    let y = f.push("conv1", conv, vec![x, w, b], vec![1, 3, 4, 4]);
    let r = f.push("relu1", GraphOp::Relu {}, vec![y], vec![1, 3, 4, 4]);
    let c = f.push(
        "cat",
        GraphOp::Concat { axis: 1 },
        vec![r, x],
        vec![1, 5, 4, 4],
    );
    f.outputs.push(pim_dialects::Port {
        name: "y".into(),
        value: c,
    });
    f
}

#[test]
fn func_round_trips_through_mlir_text() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let func = small_graph();
    let module = func.to_module(&context, Default::default()).unwrap();
    let text = print_module(&module, None, true);
    assert!(text.contains("\"graph.conv\""), "{text}");
    assert!(text.contains("pim.input_names = [\"x\"]"), "{text}");
    let reparsed = parse_module(&context, &text, "test").unwrap();
    let back = Func::<GraphOp>::from_module(&reparsed).unwrap();
    assert_eq!(back, func);
}

#[test]
fn elided_constants_print_as_resources_and_refuse_to_read() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let module = small_graph()
        .to_module(&context, Default::default())
        .unwrap();
    let text = print_module(&module, Some(4), false);
    assert!(text.contains("dense_resource<__elided__>"), "{text}");
    let reparsed = parse_module(&context, &text, "test").unwrap();
    let error = Func::<GraphOp>::from_module(&reparsed)
        .unwrap_err()
        .to_string();
    assert!(error.contains("elided"), "{error}");
}

#[test]
fn verifier_rejects_a_missing_attribute() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let text = r#"func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
      %y = "graph.leaky_relu"(%x) : (tensor<2xf32>) -> tensor<2xf32>
      return %y : tensor<2xf32>
    }"#;
    let error = parse_module(&context, text, "input.mlir")
        .unwrap_err()
        .to_string();
    assert!(error.contains("attribute \"alpha\" is expected"), "{error}");
}

#[test]
fn building_with_elision_prints_like_mlir_elision() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let full = small_graph()
        .to_module(&context, BuildOptions::default())
        .unwrap();
    let elided = small_graph()
        .to_module(
            &context,
            BuildOptions {
                elide_above: Some(4),
            },
        )
        .unwrap();
    assert_eq!(
        print_module(&full, Some(4), false),
        print_module(&elided, None, false)
    );
}

#[test]
fn reading_rejects_ops_of_another_dialect() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let text = r#"func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
      %y = "graph.relu"(%x) : (tensor<2xf32>) -> tensor<2xf32> loc("r")
      return %y : tensor<2xf32>
    }"#;
    let module = parse_module(&context, text, "input.mlir").unwrap();
    let error = Func::<PimOp>::from_module(&module).unwrap_err().to_string();
    assert!(error.contains("not an op of the pim dialect"), "{error}");
}

#[test]
fn readme_lists_every_op() {
    let readme = include_str!("../../README.md");
    for name in GraphOp::CATALOG
        .iter()
        .map(|i| format!("`graph.{}`", i.mnemonic))
        .chain(
            PimOp::CATALOG
                .iter()
                .map(|i| format!("`pim.{}`", i.mnemonic)),
        )
    {
        assert!(
            readme.contains(&name),
            "dialects/README.md does not list {name}"
        );
    }
}

/// A scheduled function: x -> relu -> relu, one segment of two stages.
fn scheduled() -> Func<PimOp> {
    let mut f = Func::new("main");
    let x = f.add_input("x", vec![1, 4]);
    let relu = || PimOp::Act {
        kind: "relu".into(),
        alpha: 0.0,
        beta: 0.0,
    };
    let a = f.push("a", relu(), vec![x], vec![1, 4]);
    let b = f.push("b", relu(), vec![a], vec![1, 4]);
    f.outputs.push(pim_dialects::Port {
        name: "y".into(),
        value: b,
    });
    let stage = |layers| pim_dialects::StageOp {
        layers,
        part: 0,
        parts: 1,
        copies: 1,
        first_crossbar: -1,
        copy_stride: -1,
        load: "segment".into(),
    };
    f.schedule = Some(pim_dialects::ScheduleOp {
        pipeline: "reuse".into(),
        scheduler: "pimc".into(),
        granularity: "crossbar".into(),
        batch: 1,
        runs: 1,
        images: 1,
        segments: vec![pim_dialects::SegmentOp {
            stages: vec![stage(vec![a]), stage(vec![b])],
        }],
    });
    f
}

#[test]
fn schedule_round_trips_through_mlir_text() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let func = scheduled();
    let module = func.to_module(&context, Default::default()).unwrap();
    let text = print_module(&module, None, true);
    assert!(text.contains("\"pim.schedule\"()"), "{text}");
    assert!(text.contains("\"pim.layer\"(%0)"), "{text}");
    assert!(text.contains("ub.unreachable"), "{text}");
    let reparsed = parse_module(&context, &text, "test").unwrap();
    assert_eq!(Func::<PimOp>::from_module(&reparsed).unwrap(), func);
    // A stage must name values of the function, and only pim.layer ops belong in a stage.
    let bad = text.replace(
        "\"pim.layer\"(%0)",
        "\"pim.segment\"() ({\n ub.unreachable\n }) : () -> ()\n \"pim.layer\"(%0)",
    );
    let reparsed = parse_module(&context, &bad, "test").unwrap();
    let error = Func::<PimOp>::from_module(&reparsed)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("only `pim.layer` ops belong there"),
        "{error}"
    );
}
