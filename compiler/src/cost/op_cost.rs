//! The op-level part of pimc's cost model: an analytic estimate of the work one graph-level op costs
//! on the target, in time units (nanoseconds at the default 1 GHz clock).
//!
//! It is what graph rewriting (phase `graph`) extracts with, so it only has to rank equivalent
//! graphs correctly, not predict latency: it counts **work** (busy time summed over units), not
//! latency of a schedule. Three kinds of work are counted ([`OpCost`]):
//!
//! - **crossbar activations** — a `Conv`, `Gemm` or `MatMul` is a weight matrix applied to input
//!   vectors (a conv with `Cin/group * kH * kW` rows and `Cout/group` columns per group, applied once
//!   per output pixel, im2col; a Gemm once per row of `A`). With `R x C` crossbars and
//!   `weight_bits / bits_per_cell` cells per weight, one group needs
//!   `ceil(rows / R) * ceil(cols * cells_per_weight / C)` crossbars, and each of them is activated once
//!   per input vector per input bit (inputs are applied bit-serially);
//! - **vector-unit elements** — elementwise ops, activations, pooling, normalisation, and the
//!   partial-sum reduction plus bias add of an MVM (`row_tiles` adds per output element);
//! - **moved elements** — ops that only move data (`Concat`, `Transpose`, `Pad`).
//!
//! `Reshape`, `Flatten`, `Identity` and constants are free (a reshape of a row-major buffer is a
//! change of view). The time of each kind is a parameter of [`OpCostModel`]; the defaults describe
//! the paper's compact-4x4 chip (128x128 crossbars, 1 bit per cell, 8-bit weights and activations,
//! one 5-bit ADC per 8 columns at 1 GHz). The full cost model, read from the target TOML
//! (`DESIGN.md` §5, §7), will construct an [`OpCostModel`] from the target's numbers instead of the
//! defaults; the scheduler's per-layer estimates use the same counts.

use pim_dialects::GraphOp;

/// Crossbar geometry and precisions: how many crossbars a weight matrix needs and how many times
/// each is activated per input vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossbarGeometry {
    /// Rows (word lines) per crossbar: inputs read in parallel.
    pub rows: usize,
    /// Columns (bit lines) per crossbar.
    pub cols: usize,
    /// Bits stored per cell.
    pub bits_per_cell: usize,
    /// Bits per weight (a weight takes `ceil(weight_bits / bits_per_cell)` columns).
    pub weight_bits: usize,
    /// Bits per input activation (applied bit-serially, one crossbar activation per bit).
    pub activation_bits: usize,
}

impl Default for CrossbarGeometry {
    /// The compact-4x4 chip: 128x128 cells, 1 bit per cell, 8-bit weights and activations.
    fn default() -> Self {
        Self {
            rows: 128,
            cols: 128,
            bits_per_cell: 1,
            weight_bits: 8,
            activation_bits: 8,
        }
    }
}

impl CrossbarGeometry {
    /// Columns one weight occupies (bit slicing).
    pub fn columns_per_weight(&self) -> usize {
        self.weight_bits.div_ceil(self.bits_per_cell.max(1))
    }

    /// Crossbar tiles along the rows of a matrix with `rows` rows (partial sums to reduce).
    pub fn row_tiles(&self, rows: usize) -> usize {
        rows.div_ceil(self.rows.max(1))
    }

    /// Crossbars needed to hold a `rows x cols` weight matrix.
    pub fn crossbars(&self, rows: usize, cols: usize) -> usize {
        self.row_tiles(rows).saturating_mul(
            cols.saturating_mul(self.columns_per_weight())
                .div_ceil(self.cols.max(1)),
        )
    }
}

/// The parameters of the op-level cost: crossbar geometry and the time of one unit of each kind of
/// work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpCostModel {
    /// Crossbar geometry and precisions.
    pub crossbar: CrossbarGeometry,
    /// Time of one crossbar activation (one input bit on all rows, all columns converted):
    /// default 8 ns = 128 columns over 16 ADCs (one per 8 columns), one conversion per ns.
    pub crossbar_activation_time: f64,
    /// Time per element-operation on the vector unit: default 1/16 ns (16 lanes at 1 GHz).
    pub vector_element_time: f64,
    /// Time per element moved between buffers: default 1/8 ns (8 bytes per cycle, 8-bit activations).
    pub move_element_time: f64,
}

impl Default for OpCostModel {
    /// The compact-4x4 chip (`--target compact-4x4`); placeholder times until the target TOML
    /// provides measured ones.
    fn default() -> Self {
        Self {
            crossbar: CrossbarGeometry::default(),
            crossbar_activation_time: 8.0,
            vector_element_time: 1.0 / 16.0,
            move_element_time: 1.0 / 8.0,
        }
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

/// Vector-unit operations per element of a transcendental activation (exp/tanh and arithmetic).
pub const TRANSCENDENTAL_OPS: usize = 4;
/// Vector-unit operations per element of inference-mode batch normalisation as ONNX defines it:
/// subtract the mean, divide by `sqrt(var + eps)`, multiply by the scale, add the bias.
pub const BATCH_NORM_OPS: usize = 4;
/// Vector-unit operations per element of softmax / log-softmax (exp, sum, divide or log).
pub const SOFTMAX_OPS: usize = 3;

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
            .map(|&k| usize::try_from(k).unwrap_or(1))
            .product::<usize>()
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
        GraphOp::Elu { .. } | GraphOp::Sigmoid {} | GraphOp::Tanh {} => {
            OpCost::vector(out.saturating_mul(TRANSCENDENTAL_OPS))
        }
        GraphOp::Softmax { .. } | GraphOp::LogSoftmax { .. } => {
            OpCost::vector(out.saturating_mul(SOFTMAX_OPS))
        }
        GraphOp::BatchNorm { .. } => OpCost::vector(out.saturating_mul(BATCH_NORM_OPS)),
        GraphOp::Lrn { size, .. } => {
            let size = usize::try_from(*size).unwrap_or(1);
            OpCost::vector(out.saturating_mul(size.saturating_add(3)))
        }
        GraphOp::MaxPool { kernel, .. } => OpCost::vector(out.saturating_mul(taps(kernel))),
        GraphOp::AveragePool { kernel, .. } => {
            OpCost::vector(out.saturating_mul(taps(kernel).saturating_add(1)))
        }
        GraphOp::GlobalMaxPool {} => OpCost::vector(input(0).iter().product()),
        GraphOp::GlobalAveragePool {} => {
            OpCost::vector(input(0).iter().product::<usize>().saturating_add(out))
        }
        GraphOp::Concat { .. } | GraphOp::Transpose { .. } | GraphOp::Pad { .. } => {
            OpCost::moved(out)
        }
    }
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
    let crossbars = geometry.crossbars(rows, cols).saturating_mul(matrices);
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
        assert!((time - (64.0 * 20.0 * 8.0 * 8.0 + 64.0 * 64.0 * 5.0 / 16.0)).abs() < 1e-9);
    }

    #[test]
    fn grouped_conv_uses_one_matrix_per_group() {
        let model = OpCostModel::default();
        // Depthwise 3x3 on 32 channels: 32 matrices of 9 x 1.
        let cost = op_cost(
            &conv(32),
            &[&[1, 32, 4, 4], &[32, 1, 3, 3], &[32]],
            &[1, 32, 4, 4],
            &model,
        );
        assert_eq!(cost.crossbar_activations, 16 * 32 * 8);
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
        assert_eq!(
            op_cost(&pool, &[x], &[1, 8, 2, 2], &model).vector_elements,
            32 * 4
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
