//! The `pim` dialect at layer level (phase `pim`): every conv/gemm is an MVM layer on crossbars with
//! its weight matrix `[group, rows, cols]` and input-vector count; everything else is a vector-unit op
//! or a data move.

use pim_runtime::Tensor;

crate::dialect! {
    /// An op of the `pim` dialect.
    pub enum PimOp = "pim" {
        /// A constant tensor (weight matrices, biases, vector-unit operands).
        Constant = "constant" (0) { value: Tensor },
        /// A crossbar layer: input vectors times a weight matrix. kind = "conv" (im2col vectors) or "fc".
        Mvm = "mvm" (3) {
            /// "conv" or "fc".
            kind: String,
            /// Kernel size (conv; empty for fc).
            kernel: Vec<i64>,
            /// Strides (conv).
            strides: Vec<i64>,
            /// Pads, all begins then all ends (conv).
            pads: Vec<i64>,
            /// Dilations (conv).
            dilations: Vec<i64>,
            /// Number of independent weight matrices (conv groups).
            group: i64,
            /// Rows of each weight matrix (input-vector length).
            rows: i64,
            /// Columns of each weight matrix (outputs per group).
            cols: i64,
            /// Input vectors per inference of the whole batch.
            vectors: i64,
        },
        /// Vector-unit activation: kind = relu | leaky_relu | elu | clip | sigmoid | tanh | exp | log | sqrt | abs | neg | reciprocal | erf | pow | softplus | softsign | gelu | hard_sigmoid | hard_swish | selu | mish | silu (clip: alpha = min, beta = max; the others as graph.unary).
        Act = "act" (1) { kind: String, alpha: f32, beta: f32 },
        /// Vector-unit parametric ReLU.
        PRelu = "prelu" (2) {},
        /// Vector-unit elementwise op with broadcasting: kind = add | sub | mul | div | max | min.
        Binary = "binary" (2) { kind: String },
        /// Vector-unit pooling: kind = max | avg.
        Pool = "pool" (1) {
            kind: String, kernel: Vec<i64>, strides: Vec<i64>, pads: Vec<i64>, dilations: Vec<i64>,
            ceil_mode: i64, count_include_pad: i64
        },
        /// Vector-unit softmax (log = 1: log-softmax) along one axis.
        Softmax = "softmax" (1) { axis: i64, log: i64 },
        /// Vector-unit local response normalisation.
        Lrn = "lrn" (1) { size: i64, alpha: f32, beta: f32, bias: f32 },
        /// Concatenation of two tensors along one axis (a data move; n-ary concats are chains).
        Concat = "concat" (2) { axis: i64 },
        /// Reshape (free: a view).
        Reshape = "reshape" (1) { shape: Vec<i64> },
        /// Permute dimensions (a data move).
        Transpose = "transpose" (1) { perm: Vec<i64> },
        /// Constant padding (a data move).
        Pad = "pad" (1) { pads: Vec<i64>, value: f32 },
        /// Vector-unit reduction over axes: kind = mean | sum | max | min | l2 | sum_square.
        Reduce = "reduce" (1) { kind: String, axes: Vec<i64>, keepdims: i64 },
        /// Vector-unit normalisation to mean 0 and variance 1 over axes.
        Norm = "norm" (1) { axes: Vec<i64>, epsilon: f32 },
        /// Strided slice (a data move).
        Slice = "slice" (1) { starts: Vec<i64>, sizes: Vec<i64>, steps: Vec<i64> },
        /// Broadcast to shape (a data move).
        Expand = "expand" (1) { shape: Vec<i64> },
        /// Vector-unit matrix product of two run-time tensors (numpy batching): attention's Q x K^T and A x V.
        MatMul = "matmul" (2) {  },
        /// Phase tiled: the weight matrix cut into crossbar blocks (a view of the weight; pim-tile-weights).
        Tile = "tile" (1) {
            /// Crossbar columns per weight (bit slices: weight bits / bits per cell).
            columns_per_weight: i64,
            /// Crossbars along the rows of one group (partial sums to add).
            row_tiles: i64,
            /// Crossbars along the columns of one group.
            col_tiles: i64,
            /// Groups packed side by side on one crossbar.
            groups_per_crossbar: i64,
            /// Crossbars of one copy of the whole matrix.
            crossbars: i64,
            /// Column parts the matrix is cut into so that each fits the chip (1 when it fits).
            parts: i64,
        },
    }
}
