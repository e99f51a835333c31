//! Unit tests of the importer on models built in memory: forms the test-model files do not cover
//! (pre-opset-7 broadcasting, integer shape arithmetic) and the helpers' edge cases.

use super::importer::{import_bytes, ImportOptions};
use super::known::{fold_integers, Known};
use super::ops::resolve_reshape;
use crate::graph::eval::evaluate;
use onnx_protobuf::{
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto, type_proto,
    AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    ValueInfoProto,
};
use pim_dialects::GraphOp;
use pim_runtime::Tensor;

/// A float input; a negative dimension is the symbolic `N`.
fn input(name: &str, dims: &[i64]) -> ValueInfoProto {
    let concrete: Vec<usize> = dims.iter().map(|&d| d.max(0) as usize).collect();
    let mut info = super::export::value_info(name, &concrete);
    if let Some(type_proto::Value::TensorType(tensor)) =
        info.type_.as_mut().and_then(|t| t.value.as_mut())
    {
        for (dim, &d) in tensor
            .shape
            .as_mut()
            .map(|s| s.dim.iter_mut())
            .into_iter()
            .flatten()
            .zip(dims)
        {
            if d < 0 {
                dim.value = Some(tensor_shape_proto::dimension::Value::DimParam("N".into()));
            }
        }
    }
    info
}

fn floats(name: &str, dims: &[i64], data: &[f32]) -> TensorProto {
    let mut t = TensorProto::new();
    t.name = name.into();
    t.dims = dims.to_vec();
    t.data_type = DataType::FLOAT as i32;
    t.float_data = data.to_vec();
    t
}

fn node(op: &str, inputs: &[&str], output: &str, attributes: Vec<AttributeProto>) -> NodeProto {
    let mut n = NodeProto::new();
    n.op_type = op.into();
    n.name = format!("{op}_node");
    n.input = inputs.iter().map(|s| (*s).to_owned()).collect();
    n.output = vec![output.into()];
    n.attribute = attributes;
    n
}

fn int_attribute(name: &str, value: i64) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::INT.into();
    a.i = value;
    a
}

fn model(opset: i64, graph: GraphProto) -> Vec<u8> {
    let mut m = ModelProto::new();
    m.ir_version = 3;
    let mut o = OperatorSetIdProto::new();
    o.version = opset;
    m.opset_import.push(o);
    m.graph = Some(graph).into();
    m.write_to_bytes().unwrap()
}

#[test]
fn legacy_broadcast_aligns_the_right_operand_at_axis() {
    let mut g = GraphProto::new();
    g.input.push(input("x", &[1, 2, 2, 2]));
    g.initializer.push(floats("b", &[2], &[10.0, 20.0]));
    g.node.push(node(
        "Add",
        &["x", "b"],
        "y",
        vec![int_attribute("broadcast", 1), int_attribute("axis", 1)],
    ));
    g.output.push(input("y", &[1, 2, 2, 2]));
    let func = import_bytes(&model(6, g), "legacy.onnx", ImportOptions::default()).unwrap();
    let x = Tensor::new(vec![1, 2, 2, 2], (0..8).map(|v| v as f32).collect()).unwrap();
    let y = evaluate(&func, &[x]).unwrap();
    assert_eq!(y[0].data(), &[10., 11., 12., 13., 24., 25., 26., 27.]);
}

#[test]
fn symbolic_batch_is_bound_and_sum_becomes_a_chain_of_adds() {
    let mut g = GraphProto::new();
    for name in ["a", "b", "c"] {
        g.input.push(input(name, &[-1, 3]));
    }
    g.node.push(node("Sum", &["a", "b", "c"], "y", vec![]));
    g.output.push(input("y", &[-1, 3]));
    let func = import_bytes(&model(13, g), "sum.onnx", ImportOptions { batch: 4 }).unwrap();
    assert_eq!(func.shape(func.inputs[0].value), &[4, 3]);
    let adds = func
        .nodes
        .iter()
        .filter(|n| matches!(n.op, GraphOp::Add {}))
        .count();
    assert_eq!(adds, 2);
    let inputs: Vec<Tensor> = (1..=3)
        .map(|k| Tensor::filled(vec![4, 3], k as f32))
        .collect();
    assert_eq!(evaluate(&func, &inputs).unwrap()[0].data(), &[6.0; 12]);
}

#[test]
fn integer_shape_arithmetic_stays_exact() {
    let a = Known::i64s(vec![2], vec![7, -7]).unwrap();
    let b = Known::i64s(vec![1], vec![2]).unwrap();
    let quotient = fold_integers(&GraphOp::Div {}, &[&a, &b]).unwrap().unwrap();
    assert_eq!(
        quotient,
        Known::i64s(vec![2], vec![3, -3]).unwrap(),
        "ONNX integer Div truncates"
    );
    let big = Known::i64s(vec![1], vec![1 << 40]).unwrap();
    let product = fold_integers(&GraphOp::Mul {}, &[&big, &b])
        .unwrap()
        .unwrap();
    assert_eq!(product.to_i64s().unwrap(), vec![1 << 41]);
    let zero = Known::i64s(vec![1], vec![0]).unwrap();
    assert!(fold_integers(&GraphOp::Div {}, &[&a, &zero])
        .unwrap()
        .is_err());
    let joined = fold_integers(&GraphOp::Concat { axis: 0 }, &[&a, &b])
        .unwrap()
        .unwrap();
    assert_eq!(joined.to_i64s().unwrap(), vec![7, -7, 2]);
}

#[test]
fn reshape_resolves_zero_and_minus_one() {
    assert_eq!(
        resolve_reshape(&[2, 3, 4], &[0, -1], false).unwrap(),
        vec![2, 12]
    );
    assert_eq!(resolve_reshape(&[2, 3, 4], &[-1], false).unwrap(), vec![24]);
    assert!(resolve_reshape(&[2, 3, 4], &[-1, -1], false).is_err());
    assert!(resolve_reshape(&[2, 3, 4], &[5, -1], false).is_err());
    assert!(resolve_reshape(&[2, 3, 4], &[0, 0, 0, 0], false).is_err());
}

#[test]
fn a_symbolic_non_batch_dimension_is_an_error_naming_the_input() {
    let mut g = GraphProto::new();
    g.input.push(input("img", &[1, -1]));
    g.node.push(node("Relu", &["img"], "y", vec![]));
    g.output.push(input("y", &[1, -1]));
    let error = import_bytes(&model(13, g), "dyn.onnx", ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("input `img`: dimension 1 (`N`) is dynamic"),
        "{error}"
    );
}

/// Corrupted models (seeded byte flips, truncations and splices of every committed test model) never
/// panic the importer: each is imported or rejected with an error.
#[test]
fn corrupted_models_never_panic() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-models/");
    let mut paths: Vec<_> = ["nets", "ops"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(format!("{root}{dir}")).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .collect();
    paths.sort();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut imported, mut rejected) = (0, 0);
    for path in &paths {
        let original = std::fs::read(path).unwrap();
        for round in 0..100 {
            let mut bytes = original.clone();
            let at = (next() as usize) % bytes.len();
            match round % 3 {
                0 => bytes[at] ^= 1 << (next() % 8),
                1 => bytes.truncate(at),
                _ => bytes
                    .splice(at..at, original[..(next() as usize) % 64].iter().copied())
                    .for_each(drop),
            }
            let result = std::panic::catch_unwind(|| {
                import_bytes(&bytes, "mutant.onnx", ImportOptions { batch: 2 })
            });
            match result {
                Ok(Ok(_)) => imported += 1,
                Ok(Err(_)) => rejected += 1,
                Err(_) => panic!(
                    "importing a mutant of {} (round {round}) panicked",
                    path.display()
                ),
            }
        }
    }
    assert!(
        imported > 0 && rejected > 0,
        "{imported} imported, {rejected} rejected"
    );
}

/// A graph of one node on input `x` with initializers `inits`, output `y`.
fn one_node(x: &[i64], node: NodeProto, inits: Vec<TensorProto>) -> GraphProto {
    let mut g = GraphProto::new();
    g.input.push(input("x", x));
    g.output.push(input("y", &[]));
    g.node.push(node);
    g.initializer = inits;
    g
}

fn ints(name: &str, values: &[i64]) -> TensorProto {
    let mut t = TensorProto::new();
    t.name = name.into();
    t.dims = vec![values.len() as i64];
    t.data_type = DataType::INT64 as i32;
    t.int64_data = values.to_vec();
    t
}

fn ints_attribute(name: &str, values: &[i64]) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::INTS.into();
    a.ints = values.to_vec();
    a
}

fn ops(func: &crate::graph::Graph) -> Vec<&'static str> {
    func.nodes
        .iter()
        .filter(|n| !matches!(n.op, GraphOp::Constant { .. }))
        .map(|n| pim_dialects::DialectOp::mnemonic(&n.op))
        .collect()
}

#[test]
fn external_data_is_read_relative_to_the_model() {
    let dir = std::env::temp_dir().join(format!("pimc-external-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let values = [1.5f32, -2.0, 0.25, 4.0];
    let bytes: Vec<u8> = [0u8; 8]
        .into_iter()
        .chain(values.iter().flat_map(|v| v.to_le_bytes()))
        .collect();
    std::fs::write(dir.join("w.bin"), &bytes).unwrap();
    let mut w = TensorProto::new();
    w.name = "w".into();
    w.dims = vec![4];
    w.data_type = DataType::FLOAT as i32;
    w.data_location = onnx_protobuf::tensor_proto::DataLocation::EXTERNAL.into();
    for (key, value) in [("location", "w.bin"), ("offset", "8"), ("length", "16")] {
        let mut entry = onnx_protobuf::StringStringEntryProto::new();
        entry.key = key.into();
        entry.value = value.into();
        w.external_data.push(entry);
    }
    let g = one_node(&[4], node("Add", &["x", "w"], "y", vec![]), vec![w.clone()]);
    let path = dir.join("m.onnx");
    let func = import_bytes(
        &model(13, g.clone()),
        path.to_str().unwrap(),
        ImportOptions::default(),
    )
    .unwrap();
    let y = evaluate(&func, &[Tensor::zeros(vec![4])]).unwrap();
    assert_eq!(y[0].data(), values);
    // Too short a file names the tensor and the file.
    std::fs::write(dir.join("w.bin"), &bytes[..20]).unwrap();
    let error = import_bytes(
        &model(13, g),
        path.to_str().unwrap(),
        ImportOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("tensor `w` needs bytes 8..24") && error.contains("w.bin"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn conv_transpose_is_a_convolution_of_the_zero_inserted_input() {
    let w = floats("w", &[1, 1, 2, 2], &[1.0, 2.0, 3.0, 4.0]);
    let n = node(
        "ConvTranspose",
        &["x", "w"],
        "y",
        vec![ints_attribute("strides", &[2, 2])],
    );
    let g = one_node(&[1, 1, 2, 2], n, vec![w]);
    let func = import_bytes(&model(13, g), "ct.onnx", ImportOptions::default()).unwrap();
    assert_eq!(ops(&func), ["reshape", "pad", "reshape", "pad", "conv"]);
    let x = Tensor::new(vec![1, 1, 2, 2], vec![1.0, 10.0, 100.0, 1000.0]).unwrap();
    let y = evaluate(&func, &[x]).unwrap();
    // Each input element scatters its kernel copy into its own 2x2 block (stride 2 = kernel).
    let expected = [
        1.0, 2.0, 10.0, 20.0, 3.0, 4.0, 30.0, 40.0, 100.0, 200.0, 1000.0, 2000.0, 300.0, 400.0,
        3000.0, 4000.0,
    ];
    assert_eq!(y[0].shape(), [1, 1, 4, 4]);
    assert_eq!(y[0].data(), expected);
}

#[test]
fn reductions_gathers_and_pow_import_as_their_graph_ops() {
    let reduce = node(
        "ReduceMean",
        &["x", "axes"],
        "y",
        vec![int_attribute("keepdims", 0)],
    );
    let g = one_node(&[1, 3, 4], reduce, vec![ints("axes", &[-1])]);
    let func = import_bytes(&model(18, g), "r.onnx", ImportOptions::default()).unwrap();
    let op = &func.nodes.last().unwrap().op;
    assert!(
        matches!(op, GraphOp::Reduce { axes, keepdims: 0, .. } if axes == &[2]),
        "{op:?}"
    );
    // Gather of index 0 along a run-time axis: a slice, then the reshape that drops the axis.
    let mut index = ints("i", &[0]);
    index.dims.clear();
    let gather = node("Gather", &["x", "i"], "y", vec![int_attribute("axis", 1)]);
    let g = one_node(&[1, 3, 4], gather, vec![index]);
    let func = import_bytes(&model(13, g), "g.onnx", ImportOptions::default()).unwrap();
    assert_eq!(ops(&func), ["slice", "reshape"]);
    assert_eq!(func.shape(func.outputs[0].value), [1, 4]);
    // Pow with a run-time exponent is refused, saying why.
    let mut g = one_node(&[2], node("Pow", &["x", "e"], "y", vec![]), vec![]);
    g.input.push(input("e", &[2]));
    let error = import_bytes(&model(13, g), "p.onnx", ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("exponent computed at run time"), "{error}");
}
