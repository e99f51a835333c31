//! The op-level part of pimc's cost model: an analytic estimate of the work one graph-level op costs
//! on the target, in nanoseconds of busy unit time.
//!
//! It is what graph rewriting (phase `graph`) extracts with, so it only has to rank equivalent
//! graphs correctly, not predict latency: it counts **work** (busy time summed over units), not
//! latency of a schedule. Three kinds of work are counted ([`OpCost`]):
//!
//! - **crossbar activations** — a `Conv`, `Gemm` or `MatMul` is a weight matrix applied to input
//!   vectors (a conv with `Cin/group * kH * kW` rows and `Cout/group` columns per group, applied once
//!   per output pixel, im2col; a Gemm once per row of `A`). The crossbars of one copy come from the
//!   same tiling the scheduler uses ([`crate::program::tiling`]: bit slicing, row and column tiles,
//!   block-diagonal packing of small groups), and each is activated once per input vector per input
//!   bit-plane;
//! - **vector-unit elements** — elementwise ops, activations, pooling, normalisation, and the
//!   partial-sum reduction plus bias add of an MVM (`row_tiles` adds per output element);
//! - **moved elements** — ops that only move data (`Concat`, `Transpose`, `Pad`).
//!
//! `Reshape`, `Flatten`, `Identity` and constants are free (a reshape of a row-major buffer is a
//! change of view). [`OpCostModel::from_target`] takes the crossbar geometry and the time of each
//! kind of work from a [`Target`], with the same formulas as the layer-level model
//! ([`super::model`]): a crossbar activation takes `crossbar_step_ns`, a vector element op
//! `op_latency_ns / lanes`, a moved element its bytes read and written through the buffer port.
//! The default is the `compact-4x4` preset. The element-op counts per op kind
//! ([`activation_ops`], [`pool_ops`], [`lrn_ops`], [`SOFTMAX_OPS`]) are shared with the layer list.

use super::units as model;
pub use crate::program::tiling::CrossbarGeometry;
pub use crate::program::work::{
    activation_ops, lrn_ops, pool_ops, reduce_ops, BATCH_NORM_OPS, NORM_OPS, SOFTMAX_OPS,
    TRANSCENDENTAL_OPS,
};
use pim_dialects::GraphOp;
use pim_runtime::target::Target;
use std::sync::OnceLock;

/// The parameters of the op-level cost: crossbar geometry and the time of one unit of each kind of
/// work, in ns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpCostModel {
    /// Crossbar geometry and precisions.
    pub crossbar: CrossbarGeometry,
    /// Time of one crossbar activation (one input bit-plane on all rows, all columns converted):
    /// the target's `crossbar_step_ns` (12.44 ns on compact-4x4).
    pub crossbar_activation_time: f64,
    /// Time per element op on the vector unit: `op_latency_ns / lanes`.
    pub vector_element_time: f64,
    /// Time per element moved between buffers: its bytes read and written through the buffer port.
    pub move_element_time: f64,
}

impl OpCostModel {
    /// The model of `target`.
    pub fn from_target(target: &Target) -> Self {
        Self {
            crossbar: CrossbarGeometry::from_target(target),
            crossbar_activation_time: target.crossbar_step_ns(),
            vector_element_time: model::vector_op_ns(target),
            move_element_time: model::move_ns_per_element(target),
        }
    }
}

impl Default for OpCostModel {
    /// The model of the default target, compact-4x4 ([`super::default_target`]).
    fn default() -> Self {
        static DEFAULT: OnceLock<OpCostModel> = OnceLock::new();
        *DEFAULT.get_or_init(|| Self::from_target(super::default_target()))
    }
}

/// The work of one op (or a sum of ops), by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpCost {
    /// Crossbar activations (input vectors x crossbars x input bits).
    pub crossbar_activations: u64,
    /// Element-operations on the vector unit.
    pub vector_elements: u64,
    /// Elements moved between buffers.
    pub moved_elements: u64,
}

impl OpCost {
    /// Total time of this work under `model`.
    pub fn time(&self, model: &OpCostModel) -> f64 {
        self.crossbar_activations as f64 * model.crossbar_activation_time
            + self.vector_elements as f64 * model.vector_element_time
            + self.moved_elements as f64 * model.move_element_time
    }

    /// Work of the vector unit only.
    fn vector(elements: usize) -> Self {
        Self {
            vector_elements: elements as u64,
            ..Self::default()
        }
    }

    /// Data movement only.
    fn moved(elements: usize) -> Self {
        Self {
            moved_elements: elements as u64,
            ..Self::default()
        }
    }
}

impl std::ops::Add for OpCost {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self {
            crossbar_activations: self
                .crossbar_activations
                .saturating_add(other.crossbar_activations),
            vector_elements: self.vector_elements.saturating_add(other.vector_elements),
            moved_elements: self.moved_elements.saturating_add(other.moved_elements),
        }
    }
}

impl std::ops::AddAssign for OpCost {
    fn add_assign(&mut self, other: Self) {
        *self = *self + other;
    }
}

impl std::iter::Sum for OpCost {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), |a, b| a + b)
    }
}

/// The work of `op` with operands of shapes `operands` producing a result of shape `result`.
///
/// Never fails: shapes that do not fit the op (which shape inference rejects earlier) are costed as
/// one vector operation per result element.
pub fn op_cost(
    op: &GraphOp,
    operands: &[&[usize]],
    result: &[usize],
    model: &OpCostModel,
) -> OpCost {
    let out: usize = result.iter().product();
    let input = |i: usize| operands.get(i).copied().unwrap_or(&[]);
    let taps = |kernel: &[i64]| {
        kernel
            .iter()
            .map(|&k| u64::try_from(k).unwrap_or(1))
            .product::<u64>()
    };
    match op {
        GraphOp::Constant { .. }
        | GraphOp::Reshape { .. }
        | GraphOp::Flatten { .. }
        | GraphOp::Identity {} => OpCost::default(),
        GraphOp::Conv { group, .. } => conv_cost(input(1), result, *group, model),
        GraphOp::Gemm { alpha, trans_b, .. } => {
            let (k, n) = match *input(1) {
                [r, c] if *trans_b != 0 => (c, r),
                [r, c] => (r, c),
                _ => return OpCost::vector(out),
            };
            let vectors = result.first().copied().unwrap_or(0);
            let mut cost = mvm_cost(vectors, k, n, 1, out, true, model);
            if *alpha != 1.0 {
                cost += OpCost::vector(out);
            }
            cost
        }
        GraphOp::MatMul {} => {
            let b = input(1);
            let (k, n, matrices) = match b {
                [k] => (*k, 1, 1),
                [batch @ .., k, n] => (*k, *n, batch.iter().product::<usize>()),
                [] => return OpCost::vector(out),
            };
            let vectors = out.checked_div(n.saturating_mul(matrices)).unwrap_or(0);
            let per_matrix = mvm_cost(vectors, k, n, 1, vectors.saturating_mul(n), false, model);
            OpCost {
                crossbar_activations: per_matrix
                    .crossbar_activations
                    .saturating_mul(matrices as u64),
                vector_elements: per_matrix.vector_elements.saturating_mul(matrices as u64),
                moved_elements: 0,
            }
        }
        GraphOp::Add {}
        | GraphOp::Sub {}
        | GraphOp::Mul {}
        | GraphOp::Div {}
        | GraphOp::Relu {}
        | GraphOp::LeakyRelu { .. }
        | GraphOp::PRelu {}
        | GraphOp::Clip { .. } => OpCost::vector(out),
        GraphOp::Elu { .. } => OpCost::vector(per_element(out, activation_ops("elu"))),
        GraphOp::Sigmoid {} => OpCost::vector(per_element(out, activation_ops("sigmoid"))),
        GraphOp::Tanh {} => OpCost::vector(per_element(out, activation_ops("tanh"))),
        GraphOp::Softmax { .. } | GraphOp::LogSoftmax { .. } => {
            OpCost::vector(out.saturating_mul(SOFTMAX_OPS))
        }
        GraphOp::BatchNorm { .. } => OpCost::vector(out.saturating_mul(BATCH_NORM_OPS)),
        GraphOp::Lrn { size, .. } => OpCost::vector(per_element(out, lrn_ops(*size))),
        GraphOp::MaxPool { kernel, .. } => {
            OpCost::vector(per_element(out, pool_ops(true, taps(kernel))))
        }
        GraphOp::AveragePool { kernel, .. } => {
            OpCost::vector(per_element(out, pool_ops(false, taps(kernel))))
        }
        GraphOp::GlobalMaxPool {} => {
            OpCost::vector(per_element(out, pool_ops(true, window(input(0), out))))
        }
        GraphOp::GlobalAveragePool {} => {
            OpCost::vector(per_element(out, pool_ops(false, window(input(0), out))))
        }
        GraphOp::Concat { .. }
        | GraphOp::Transpose { .. }
        | GraphOp::Pad { .. }
        | GraphOp::Slice { .. }
        | GraphOp::Expand { .. } => OpCost::moved(out),
        GraphOp::Unary { kind, .. } => {
            OpCost::vector(per_element(out, crate::functions::ops_per_element(kind)))
        }
        GraphOp::Max {} | GraphOp::Min {} => OpCost::vector(out),
        GraphOp::Reduce { kind, .. } => {
            let read = input(0).iter().product::<usize>();
            OpCost::vector(per_element(read, reduce_ops(kind)))
        }
        GraphOp::Norm { .. } => OpCost::vector(out.saturating_mul(NORM_OPS)),
    }
}

/// `elements` times `ops` per element.
fn per_element(elements: usize, ops: u64) -> usize {
    elements.saturating_mul(usize::try_from(ops).unwrap_or(usize::MAX))
}

/// The window of a global pooling: input elements per output element.
fn window(input: &[usize], out: usize) -> u64 {
    (input
        .iter()
        .product::<usize>()
        .checked_div(out)
        .unwrap_or(1)) as u64
}

/// A convolution: per group, a `(Cin/group * k...) x (Cout/group)` matrix applied once per output
/// pixel.
fn conv_cost(weight: &[usize], result: &[usize], group: i64, model: &OpCostModel) -> OpCost {
    let out: usize = result.iter().product();
    let Some((&cout, per_filter)) = weight.split_first() else {
        return OpCost::vector(out);
    };
    let group = usize::try_from(group).unwrap_or(1).max(1);
    let rows: usize = per_filter.iter().product();
    let cols = cout / group;
    let vectors = out.checked_div(cout).unwrap_or(0);
    mvm_cost(vectors, rows, cols, group, out, true, model)
}

/// `vectors` input vectors through `matrices` independent `rows x cols` weight matrices producing
/// `outputs` elements: crossbar activations, plus the vector-unit reduction of row-tile partial sums
/// (and the bias add when `bias`).
fn mvm_cost(
    vectors: usize,
    rows: usize,
    cols: usize,
    matrices: usize,
    outputs: usize,
    bias: bool,
    model: &OpCostModel,
) -> OpCost {
    let geometry = &model.crossbar;
    let crossbars = geometry.crossbars_grouped(rows, cols, matrices);
    let activations = vectors
        .saturating_mul(crossbars)
        .saturating_mul(geometry.activation_bits);
    let adds_per_output = geometry.row_tiles(rows).saturating_sub(1) + usize::from(bias);
    OpCost {
        crossbar_activations: activations as u64,
        vector_elements: outputs.saturating_mul(adds_per_output) as u64,
        moved_elements: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(group: i64) -> GraphOp {
        GraphOp::Conv {
            strides: vec![1, 1],
            pads: vec![1, 1, 1, 1],
            dilations: vec![1, 1],
            group,
        }
    }

    #[test]
    fn the_default_model_is_compact_4x4() {
        let target = Target::preset("compact-4x4").unwrap();
        let model = OpCostModel::default();
        assert_eq!(model, OpCostModel::from_target(&target));
        assert!((model.crossbar_activation_time - 12.4418).abs() < 1e-9);
        assert!((model.vector_element_time - 1.0 / 256.0).abs() < 1e-12);
        // ISAAC: 2-bit cells, 16-bit weights -> 8 columns per weight, 107.5 ns steps.
        let isaac = OpCostModel::from_target(&Target::preset("isaac-rram").unwrap());
        assert_eq!(isaac.crossbar.columns_per_weight(), 8);
        assert!(isaac.crossbar_activation_time > model.crossbar_activation_time);
    }

    #[test]
    fn crossbar_count_follows_bit_slicing() {
        let g = CrossbarGeometry::default();
        assert_eq!(g.columns_per_weight(), 8);
        // 128x16 weights fill exactly one 128x128 crossbar.
        assert_eq!(g.crossbars(128, 16), 1);
        assert_eq!(g.crossbars(129, 16), 2);
        assert_eq!(g.crossbars(128, 17), 2);
        // 3x3 conv, 64 -> 64 channels: 576 rows (5 tiles) x 512 columns (4 tiles).
        assert_eq!(g.crossbars(576, 64), 20);
    }

    #[test]
    fn conv_cost_counts_vectors_crossbars_and_bits() {
        let model = OpCostModel::default();
        // x [1, 64, 8, 8], w [64, 64, 3, 3], same padding: 64 output pixels.
        let cost = op_cost(
            &conv(1),
            &[&[1, 64, 8, 8], &[64, 64, 3, 3], &[64]],
            &[1, 64, 8, 8],
            &model,
        );
        assert_eq!(cost.crossbar_activations, 64 * 20 * 8);
        // 5 row tiles: 4 partial-sum adds + 1 bias add per output element.
        assert_eq!(cost.vector_elements, 64 * 64 * 5);
        assert_eq!(cost.moved_elements, 0);
        let time = cost.time(&model);
        let expected = 64.0 * 20.0 * 8.0 * model.crossbar_activation_time
            + 64.0 * 64.0 * 5.0 * model.vector_element_time;
        assert!((time - expected).abs() < 1e-9);
    }

    #[test]
    fn grouped_conv_packs_groups_into_crossbars() {
        let model = OpCostModel::default();
        // Depthwise 3x3 on 32 channels: 32 matrices of 9 x 1 (9 x 8 cells), 14 to a crossbar.
        let cost = op_cost(
            &conv(32),
            &[&[1, 32, 4, 4], &[32, 1, 3, 3], &[32]],
            &[1, 32, 4, 4],
            &model,
        );
        assert_eq!(cost.crossbar_activations, 16 * 3 * 8);
        // Groups of 64 x 64 weights (64 x 512 cells) do not fit a crossbar: one matrix each.
        let cost = op_cost(
            &conv(2),
            &[&[1, 128, 4, 4], &[128, 64, 1, 1], &[128]],
            &[1, 128, 4, 4],
            &model,
        );
        assert_eq!(cost.crossbar_activations, 16 * 2 * 4 * 8);
    }

    #[test]
    fn gemm_and_matmul() {
        let model = OpCostModel::default();
        let gemm = GraphOp::Gemm {
            alpha: 1.0,
            beta: 1.0,
            trans_a: 0,
            trans_b: 1,
        };
        // A [4, 256], B [10, 256] transposed: matrix 256 x 10 = 2 x 1 crossbars, 4 vectors.
        let cost = op_cost(&gemm, &[&[4, 256], &[10, 256], &[10]], &[4, 10], &model);
        assert_eq!(cost.crossbar_activations, 4 * 2 * 8);
        assert_eq!(cost.vector_elements, 40 * 2);
        let matmul = op_cost(
            &GraphOp::MatMul {},
            &[&[4, 256], &[256, 10]],
            &[4, 10],
            &model,
        );
        assert_eq!(matmul.crossbar_activations, 4 * 2 * 8);
        assert_eq!(matmul.vector_elements, 40);
    }

    #[test]
    fn vector_moves_and_free_ops() {
        let model = OpCostModel::default();
        let x: &[usize] = &[1, 8, 4, 4];
        assert_eq!(
            op_cost(&GraphOp::Relu {}, &[x], x, &model).vector_elements,
            128
        );
        let bn = op_cost(
            &GraphOp::BatchNorm { epsilon: 1e-5 },
            &[x, &[8], &[8], &[8], &[8]],
            x,
            &model,
        );
        assert_eq!(bn.vector_elements, 128 * 4);
        let pool = GraphOp::MaxPool {
            kernel: vec![2, 2],
            strides: vec![2, 2],
            pads: vec![],
            dilations: vec![],
            ceil_mode: 0,
        };
        // 2x2 max-pool: 3 compares per output.
        assert_eq!(
            op_cost(&pool, &[x], &[1, 8, 2, 2], &model).vector_elements,
            32 * 3
        );
        assert_eq!(
            op_cost(&GraphOp::GlobalAveragePool {}, &[x], &[1, 8, 1, 1], &model).vector_elements,
            8 * 16
        );
        let transpose = GraphOp::Transpose {
            perm: vec![0, 2, 3, 1],
        };
        assert_eq!(
            op_cost(&transpose, &[x], &[1, 4, 4, 8], &model).moved_elements,
            128
        );
        let reshape = GraphOp::Reshape {
            shape: vec![1, 128],
        };
        assert_eq!(
            op_cost(&reshape, &[x], &[1, 128], &model),
            OpCost::default()
        );
        assert_eq!(
            op_cost(&GraphOp::Identity {}, &[x], x, &model).time(&model),
            0.0
        );
    }
}
