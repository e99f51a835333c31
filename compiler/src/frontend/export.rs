//! Writes a graph-level function back to ONNX (opset 20), so that onnxruntime can check that import
//! and graph rewrites kept the network's meaning: run the original and the exported model on the
//! same input and compare (`test-models/reference.py compare`).

use crate::graph::Graph;
use crate::{Error, Result};
use onnx_protobuf::{
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto, type_proto,
    AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, ValueInfoProto,
};
use pim_dialects::{GraphOp, ValueId};
use pim_runtime::Tensor;

/// The opset the export writes.
pub const EXPORT_OPSET: i64 = 20;

/// The ONNX model bytes of `graph`.
pub fn to_onnx(graph: &Graph) -> Result<Vec<u8>> {
    let mut exporter = Exporter {
        graph,
        proto: GraphProto::new(),
    };
    exporter.proto.name = graph.name.clone();
    for port in &graph.inputs {
        exporter
            .proto
            .input
            .push(value_info(&port.name, graph.shape(port.value)));
    }
    for node in &graph.nodes {
        exporter.node(node);
    }
    for port in &graph.outputs {
        exporter.push(
            "Identity",
            &format!("output.{}", port.name),
            vec![exporter.name(port.value)],
            &port.name,
            Vec::new(),
        );
        exporter
            .proto
            .output
            .push(value_info(&port.name, graph.shape(port.value)));
    }
    let mut model = ModelProto::new();
    model.ir_version = 9;
    model.producer_name = "pimc".into();
    model.producer_version = env!("CARGO_PKG_VERSION").into();
    let mut opset = OperatorSetIdProto::new();
    opset.version = EXPORT_OPSET;
    model.opset_import.push(opset);
    model.graph = Some(exporter.proto).into();
    model
        .write_to_bytes()
        .map_err(|e| Error::Usage(format!("cannot encode the ONNX model: {e}")))
}

struct Exporter<'g> {
    graph: &'g Graph,
    proto: GraphProto,
}

impl Exporter<'_> {
    fn name(&self, value: ValueId) -> String {
        self.graph
            .inputs
            .iter()
            .find(|p| p.value == value)
            .map_or_else(|| format!("v{value}"), |p| p.name.clone())
    }

    fn push(
        &mut self,
        op_type: &str,
        name: &str,
        inputs: Vec<String>,
        output: &str,
        attributes: Vec<AttributeProto>,
    ) {
        let mut node = NodeProto::new();
        node.op_type = op_type.into();
        node.name = name.into();
        node.input = inputs;
        node.output = vec![output.into()];
        node.attribute = attributes;
        self.proto.node.push(node);
    }

    fn initializer(&mut self, name: String, tensor: TensorProto) -> String {
        let mut tensor = tensor;
        tensor.name = name.clone();
        self.proto.initializer.push(tensor);
        name
    }

    fn node(&mut self, node: &pim_dialects::Node<GraphOp>) {
        let mut inputs: Vec<String> = node.operands.iter().map(|&v| self.name(v)).collect();
        let output = self.name(node.result);
        let (op_type, attributes) = match &node.op {
            GraphOp::Constant { value } => {
                self.initializer(output, float_tensor(value));
                return;
            }
            GraphOp::Conv {
                strides,
                pads,
                dilations,
                group,
            } => {
                let kernel: Vec<i64> = self.graph.shape(node.operands[1])[2..]
                    .iter()
                    .map(|&d| d as i64)
                    .collect();
                (
                    "Conv",
                    vec![
                        ints("kernel_shape", &kernel),
                        ints("strides", strides),
                        ints("pads", pads),
                        ints("dilations", dilations),
                        int("group", *group),
                    ],
                )
            }
            GraphOp::Gemm {
                alpha,
                beta,
                trans_a,
                trans_b,
            } => (
                "Gemm",
                vec![
                    float("alpha", *alpha),
                    float("beta", *beta),
                    int("transA", *trans_a),
                    int("transB", *trans_b),
                ],
            ),
            GraphOp::MatMul {} => ("MatMul", vec![]),
            GraphOp::Add {} => ("Add", vec![]),
            GraphOp::Sub {} => ("Sub", vec![]),
            GraphOp::Mul {} => ("Mul", vec![]),
            GraphOp::Div {} => ("Div", vec![]),
            GraphOp::Relu {} => ("Relu", vec![]),
            GraphOp::LeakyRelu { alpha } => ("LeakyRelu", vec![float("alpha", *alpha)]),
            GraphOp::PRelu {} => ("PRelu", vec![]),
            GraphOp::Elu { alpha } => ("Elu", vec![float("alpha", *alpha)]),
            GraphOp::Clip { min, max } => {
                let min =
                    self.initializer(format!("{output}.min"), float_tensor(&Tensor::scalar(*min)));
                let max =
                    self.initializer(format!("{output}.max"), float_tensor(&Tensor::scalar(*max)));
                inputs.extend([min, max]);
                ("Clip", vec![])
            }
            GraphOp::Sigmoid {} => ("Sigmoid", vec![]),
            GraphOp::Tanh {} => ("Tanh", vec![]),
            GraphOp::Softmax { axis } => ("Softmax", vec![int("axis", *axis)]),
            GraphOp::LogSoftmax { axis } => ("LogSoftmax", vec![int("axis", *axis)]),
            GraphOp::MaxPool {
                kernel,
                strides,
                pads,
                dilations,
                ceil_mode,
            } => (
                "MaxPool",
                vec![
                    ints("kernel_shape", kernel),
                    ints("strides", strides),
                    ints("pads", pads),
                    ints("dilations", dilations),
                    int("ceil_mode", *ceil_mode),
                ],
            ),
            GraphOp::AveragePool {
                kernel,
                strides,
                pads,
                ceil_mode,
                count_include_pad,
            } => (
                "AveragePool",
                vec![
                    ints("kernel_shape", kernel),
                    ints("strides", strides),
                    ints("pads", pads),
                    int("ceil_mode", *ceil_mode),
                    int("count_include_pad", *count_include_pad),
                ],
            ),
            GraphOp::GlobalAveragePool {} => ("GlobalAveragePool", vec![]),
            GraphOp::GlobalMaxPool {} => ("GlobalMaxPool", vec![]),
            GraphOp::BatchNorm { epsilon } => {
                ("BatchNormalization", vec![float("epsilon", *epsilon)])
            }
            GraphOp::Lrn {
                size,
                alpha,
                beta,
                bias,
            } => (
                "LRN",
                vec![
                    int("size", *size),
                    float("alpha", *alpha),
                    float("beta", *beta),
                    float("bias", *bias),
                ],
            ),
            GraphOp::Concat { axis } => ("Concat", vec![int("axis", *axis)]),
            GraphOp::Flatten { axis } => ("Flatten", vec![int("axis", *axis)]),
            GraphOp::Reshape { shape } => {
                inputs.push(self.initializer(format!("{output}.shape"), int_tensor(shape)));
                ("Reshape", vec![])
            }
            GraphOp::Transpose { perm } => ("Transpose", vec![ints("perm", perm)]),
            GraphOp::Pad { pads, value } => {
                inputs.push(self.initializer(format!("{output}.pads"), int_tensor(pads)));
                inputs.push(self.initializer(
                    format!("{output}.value"),
                    float_tensor(&Tensor::scalar(*value)),
                ));
                ("Pad", vec![])
            }
            GraphOp::Identity {} => ("Identity", vec![]),
            GraphOp::Unary { kind, alpha, beta } => {
                return self.unary(node, kind, *alpha, *beta, inputs, &output)
            }
            GraphOp::Max {} => ("Max", vec![]),
            GraphOp::Min {} => ("Min", vec![]),
            GraphOp::Reduce {
                kind,
                axes,
                keepdims,
            } => {
                inputs.push(self.initializer(format!("{output}.axes"), int_tensor(axes)));
                (reduce_op(kind), vec![int("keepdims", *keepdims)])
            }
            GraphOp::Norm { axes, epsilon } => {
                let shape: Vec<usize> = axes
                    .iter()
                    .map(|&a| self.graph.shape(node.operands[0])[a as usize])
                    .collect();
                for (suffix, fill) in [("scale", 1.0), ("bias", 0.0)] {
                    let tensor = float_tensor(&Tensor::filled(shape.clone(), fill));
                    inputs.push(self.initializer(format!("{output}.{suffix}"), tensor));
                }
                let axis = axes.first().copied().unwrap_or(-1);
                (
                    "LayerNormalization",
                    vec![int("axis", axis), float("epsilon", *epsilon)],
                )
            }
            GraphOp::Slice {
                starts,
                sizes,
                steps,
            } => {
                let ends: Vec<i64> = (0..starts.len())
                    .map(|a| starts[a] + (sizes[a] - 1).max(0) * steps[a] + 1)
                    .collect();
                let axes: Vec<i64> = (0..starts.len() as i64).collect();
                for (suffix, values) in [
                    ("starts", starts),
                    ("ends", &ends),
                    ("axes", &axes),
                    ("steps", steps),
                ] {
                    let tensor = int_tensor(values);
                    inputs.push(self.initializer(format!("{output}.{suffix}"), tensor));
                }
                ("Slice", vec![])
            }
            GraphOp::Expand { shape } => {
                inputs.push(self.initializer(format!("{output}.shape"), int_tensor(shape)));
                ("Expand", vec![])
            }
        };
        self.push(op_type, &node.name, inputs, &output, attributes);
    }
}

impl Exporter<'_> {
    /// A `graph.unary` as the ONNX op of its kind (SiLU, which has none, as Sigmoid and Mul).
    fn unary(
        &mut self,
        node: &pim_dialects::Node<GraphOp>,
        kind: &str,
        alpha: f32,
        beta: f32,
        mut inputs: Vec<String>,
        output: &str,
    ) {
        let (op_type, attributes) = match kind {
            "pow" => {
                let exponent = float_tensor(&Tensor::scalar(alpha));
                inputs.push(self.initializer(format!("{output}.exponent"), exponent));
                ("Pow", vec![])
            }
            "gelu" => {
                let approximate = if alpha != 0.0 { "tanh" } else { "none" };
                ("Gelu", vec![string("approximate", approximate)])
            }
            "hard_sigmoid" => (
                "HardSigmoid",
                vec![float("alpha", alpha), float("beta", beta)],
            ),
            "selu" => ("Selu", vec![float("alpha", alpha), float("gamma", beta)]),
            "silu" => {
                let sigmoid = format!("{output}.sigmoid");
                self.push("Sigmoid", &sigmoid, inputs.clone(), &sigmoid, Vec::new());
                inputs.push(sigmoid);
                ("Mul", vec![])
            }
            other => (onnx_unary(other), vec![]),
        };
        self.push(op_type, &node.name, inputs, output, attributes);
    }
}

/// The ONNX op of a parameter-free `graph.unary` kind.
fn onnx_unary(kind: &str) -> &'static str {
    match kind {
        "exp" => "Exp",
        "log" => "Log",
        "sqrt" => "Sqrt",
        "abs" => "Abs",
        "neg" => "Neg",
        "reciprocal" => "Reciprocal",
        "erf" => "Erf",
        "softplus" => "Softplus",
        "softsign" => "Softsign",
        "hard_swish" => "HardSwish",
        "mish" => "Mish",
        _ => "Identity",
    }
}

/// The ONNX op of a `graph.reduce` kind.
fn reduce_op(kind: &str) -> &'static str {
    match kind {
        "sum" => "ReduceSum",
        "max" => "ReduceMax",
        "min" => "ReduceMin",
        "l2" => "ReduceL2",
        "sum_square" => "ReduceSumSquare",
        _ => "ReduceMean",
    }
}

/// A float32 graph input/output of a static shape.
pub(crate) fn value_info(name: &str, shape: &[usize]) -> ValueInfoProto {
    let mut dims = TensorShapeProto::new();
    dims.dim = shape
        .iter()
        .map(|&d| {
            let mut dim = tensor_shape_proto::Dimension::new();
            dim.value = Some(tensor_shape_proto::dimension::Value::DimValue(d as i64));
            dim
        })
        .collect();
    let mut tensor = type_proto::Tensor::new();
    tensor.elem_type = DataType::FLOAT as i32;
    tensor.shape = Some(dims).into();
    let mut r#type = TypeProto::new();
    r#type.value = Some(type_proto::Value::TensorType(tensor));
    let mut info = ValueInfoProto::new();
    info.name = name.into();
    info.type_ = Some(r#type).into();
    info
}

fn float_tensor(tensor: &Tensor) -> TensorProto {
    let mut proto = TensorProto::new();
    proto.data_type = DataType::FLOAT as i32;
    proto.dims = tensor.shape().iter().map(|&d| d as i64).collect();
    proto.raw_data = tensor.to_le_bytes();
    proto
}

fn int_tensor(values: &[i64]) -> TensorProto {
    let mut proto = TensorProto::new();
    proto.data_type = DataType::INT64 as i32;
    proto.dims = vec![values.len() as i64];
    proto.int64_data = values.to_vec();
    proto
}

fn attribute(name: &str, kind: AttributeType) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = kind.into();
    a
}

fn int(name: &str, value: i64) -> AttributeProto {
    let mut a = attribute(name, AttributeType::INT);
    a.i = value;
    a
}

fn float(name: &str, value: f32) -> AttributeProto {
    let mut a = attribute(name, AttributeType::FLOAT);
    a.f = value;
    a
}

fn string(name: &str, value: &str) -> AttributeProto {
    let mut a = attribute(name, AttributeType::STRING);
    a.s = value.as_bytes().to_vec();
    a
}

fn ints(name: &str, values: &[i64]) -> AttributeProto {
    let mut a = attribute(name, AttributeType::INTS);
    a.ints = values.to_vec();
    a
}
