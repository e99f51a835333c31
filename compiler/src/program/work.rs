//! The work of vector-unit ops: element operations per output element by op kind. These are
//! pimc's assumptions (an "op" being one compare, add or multiply of `[vector]`,
//! `docs/targets.md` §2), shared by the layer list (`layers.rs`) and the op-level cost of graph
//! rewriting (`crate::cost::op_cost`). The counts of the ops the vector unit runs as one `vop`
//! are the runtime's (`pim_runtime::sim::timing`), which its timing simulator charges.

/// Vector-unit operations per element of a transcendental activation (exp/tanh and arithmetic).
pub const TRANSCENDENTAL_OPS: usize = pim_runtime::sim::timing::TRANSCENDENTAL_OPS as usize;
/// Vector-unit operations per element of inference-mode batch normalisation as ONNX defines it:
/// subtract the mean, divide by `sqrt(var + eps)`, multiply by the scale, add the bias.
pub const BATCH_NORM_OPS: usize = 4;
/// Vector-unit operations per element of softmax / log-softmax (exp, sum, divide or log).
pub const SOFTMAX_OPS: usize = pim_runtime::sim::timing::SOFTMAX_OPS as usize;

/// Vector-unit operations per element of an activation function by its `pim.act` kind: the sum
/// over the `vop`s the back end runs for it (`crate::functions`): one for the piecewise-linear
/// ones (relu, leaky_relu, clip, and prelu), [`TRANSCENDENTAL_OPS`] for elu, sigmoid, tanh, exp,
/// log, erf, softplus and pow.
pub fn activation_ops(kind: &str) -> u64 {
    crate::functions::ops_per_element(kind)
}

/// Vector-unit operations per output of a pooling window of `taps` elements: `taps - 1` compares
/// for max (a 2x2 max-pool is 3 ops, `docs/targets.md` §2), `taps - 1` adds and one scale for
/// average.
pub fn pool_ops(max: bool, taps: u64) -> u64 {
    let taps = taps.max(1);
    if max {
        taps - 1
    } else {
        taps
    }
}

/// Vector-unit operations per element of local response normalisation over `size` channels:
/// `size` multiply-adds for the sum of squares, then scale, power and divide.
pub fn lrn_ops(size: i64) -> u64 {
    u64::try_from(size).unwrap_or(1).max(1) + 3
}

/// Vector-unit operations per element of `graph.norm` / `pim.norm`: two passes over the group
/// (sum, then the squared deviation: subtract, multiply, add) and the normalisation (subtract,
/// multiply by the reciprocal standard deviation).
pub const NORM_OPS: usize = pim_runtime::sim::timing::NORM_OPS as usize;

/// Vector-unit operations per input element of a reduction of `kind`: one add or compare, plus
/// a multiply for the squaring ones (`l2`, `sum_square`).
pub fn reduce_ops(kind: &str) -> u64 {
    match kind {
        "l2" | "sum_square" => 2,
        _ => 1,
    }
}
