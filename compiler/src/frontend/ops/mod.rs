//! The op importers, one function per ONNX op (grouped by family), and the table that maps ONNX op
//! types to them. Each importer reads its node's inputs and attributes (opset-aware) and emits
//! `graph` ops through [`Importer::emit`], which folds constant operands.

mod constants;
mod elementwise;
mod logic;
mod nn;
mod reduce;
mod resize;
mod tensor;

pub use tensor::resolve_reshape;

use super::importer::{Entry, Importer, NodeContext, NodeResult};

/// An op importer: returns the entries of the node's outputs, in order.
pub type ImportFn = fn(&mut Importer, &NodeContext<'_>) -> NodeResult<Vec<Entry>>;

/// Every supported ONNX op type with its importer, sorted by name.
const TABLE: &[(&str, ImportFn)] = &[
    ("Abs", elementwise::abs),
    ("Add", elementwise::add),
    ("AveragePool", nn::average_pool),
    ("BatchNormalization", nn::batch_norm),
    ("Cast", constants::cast),
    ("Clip", elementwise::clip),
    ("Concat", tensor::concat),
    ("Constant", constants::constant),
    ("ConstantOfShape", constants::constant_of_shape),
    ("Conv", nn::conv),
    ("ConvTranspose", nn::conv_transpose),
    ("DepthToSpace", tensor::depth_to_space),
    ("Div", elementwise::div),
    ("Dropout", tensor::dropout),
    ("Einsum", nn::einsum),
    ("Elu", elementwise::elu),
    ("Equal", logic::equal),
    ("Erf", elementwise::erf),
    ("Exp", elementwise::exp),
    ("Expand", tensor::expand),
    ("Flatten", tensor::flatten),
    ("Gather", constants::gather),
    ("Gelu", elementwise::gelu),
    ("Gemm", nn::gemm),
    ("GlobalAveragePool", nn::global_average_pool),
    ("GlobalMaxPool", nn::global_max_pool),
    ("GroupNormalization", reduce::group_norm),
    ("HardSigmoid", elementwise::hard_sigmoid),
    ("HardSwish", elementwise::hard_swish),
    ("Identity", tensor::identity),
    ("InstanceNormalization", reduce::instance_norm),
    ("LRN", nn::lrn),
    ("LayerNormalization", reduce::layer_norm),
    ("LeakyRelu", elementwise::leaky_relu),
    ("Log", elementwise::log),
    ("LogSoftmax", elementwise::log_softmax),
    ("MatMul", nn::matmul),
    ("Max", elementwise::max),
    ("MaxPool", nn::max_pool),
    ("Min", elementwise::min),
    ("Mish", elementwise::mish),
    ("Mod", logic::modulo),
    ("Mul", elementwise::mul),
    ("Neg", elementwise::neg),
    ("Not", logic::not),
    ("PRelu", elementwise::prelu),
    ("Pad", tensor::pad),
    ("Pow", elementwise::pow),
    ("Range", logic::range),
    ("Reciprocal", elementwise::reciprocal),
    ("ReduceL2", reduce::reduce_l2),
    ("ReduceMax", reduce::reduce_max),
    ("ReduceMean", reduce::reduce_mean),
    ("ReduceMin", reduce::reduce_min),
    ("ReduceSum", reduce::reduce_sum),
    ("ReduceSumSquare", reduce::reduce_sum_square),
    ("Relu", elementwise::relu),
    ("Reshape", tensor::reshape),
    ("Resize", resize::resize),
    ("ScatterND", logic::scatter_nd),
    ("Selu", elementwise::selu),
    ("Shape", constants::shape),
    ("Sigmoid", elementwise::sigmoid),
    ("Slice", constants::slice),
    ("Softmax", elementwise::softmax),
    ("Softplus", elementwise::softplus),
    ("Softsign", elementwise::softsign),
    ("SpaceToDepth", tensor::space_to_depth),
    ("Split", tensor::split),
    ("Sqrt", elementwise::sqrt),
    ("Squeeze", tensor::squeeze),
    ("Sub", elementwise::sub),
    ("Sum", elementwise::sum),
    ("Tanh", elementwise::tanh),
    ("Tile", tensor::tile),
    ("Transpose", tensor::transpose),
    ("Unsqueeze", tensor::unsqueeze),
    ("Upsample", resize::upsample),
    ("Where", logic::where_),
];

/// The supported ONNX op types, sorted, for error messages and docs.
pub fn supported_ops() -> Vec<&'static str> {
    TABLE.iter().map(|(name, _)| *name).collect()
}

/// The importer of an ONNX op type.
pub fn importer(op_type: &str) -> Option<ImportFn> {
    TABLE
        .iter()
        .find(|(name, _)| *name == op_type)
        .map(|(_, f)| *f)
}

/// Normalises a possibly negative axis against `rank`.
fn axis(axis: i64, rank: usize) -> NodeResult<usize> {
    let rank = rank as i64;
    let normalized = if axis < 0 { axis + rank } else { axis };
    if (0..rank).contains(&normalized) {
        Ok(normalized as usize)
    } else {
        Err(format!("axis {axis} is out of range for rank {rank}").into())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted_and_unique() {
        let names = super::supported_ops();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
