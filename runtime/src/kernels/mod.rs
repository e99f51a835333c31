//! Reference kernels: the numerical meaning of every graph-level operation.
//!
//! The compiler uses them to fold constants at ONNX import and (through the pure shape functions) to
//! infer shapes; the simulator uses them for vector-unit operations. Every kernel follows ONNX /
//! onnxruntime semantics (up to float reassociation) on dense row-major `f32` [`Tensor`]s, images in
//! NCHW layout. Convolution and pooling accept one or two spatial axes; a 1-D input is treated as a
//! 2-D one of height 1.
//!
//! Kernels never panic on their inputs: anything that does not fit (shapes, ranks, axes, attributes)
//! is reported as a [`KernelError`] that says what mismatched.

mod broadcast;
mod conv;
mod elementwise;
mod layout;
mod matmul;
mod normalize;
mod pool;
mod reduce;
mod shape;
#[cfg(test)]
mod testutil;
mod window;

pub use conv::conv;
pub use elementwise::{
    binary, clip, elu, leaky_relu, prelu, relu, sigmoid, tanh, unary, BinaryOp, UnaryOp,
};
pub use layout::{concat, pad, transpose, transpose_2d, transpose_2d_into};
pub use matmul::{gemm, matmul};
pub use normalize::{batch_norm, log_softmax, lrn, softmax};
pub use pool::{average_pool, global_average_pool, global_max_pool, max_pool};
pub use reduce::{expand, normalize, reduce, reduce_output_shape, slice, ReduceOp};
pub use shape::{
    broadcast_shapes, concat_output_shape, conv_output_shape, gemm_output_shape,
    matmul_output_shape, pad_output_shape, pool_output_shape, transpose_output_shape,
};
pub use window::{ConvParams, Window};

use crate::Tensor;

/// Why a kernel or shape function rejected its operands. Every message names the operation and
/// what did not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KernelError {
    /// An operand has a rank the operation does not accept.
    #[error("{op}: {operand} has shape {shape:?} (rank {rank}), expected {expected}", rank = shape.len())]
    Rank {
        /// The operation.
        op: &'static str,
        /// Which operand (`"X"`, `"W"`, ...).
        operand: &'static str,
        /// The operand's shape.
        shape: Vec<usize>,
        /// The accepted ranks, in words.
        expected: &'static str,
    },
    /// Dimensions that must agree do not.
    #[error("{op}: {detail}")]
    Mismatch {
        /// The operation.
        op: &'static str,
        /// Which dimensions disagree, with the shapes involved.
        detail: String,
    },
    /// Two shapes are not broadcastable to each other (numpy multidirectional rule).
    #[error("{op}: shapes {lhs:?} and {rhs:?} are not broadcastable (dimensions must be equal or 1, aligned from the right)")]
    NotBroadcastable {
        /// The operation.
        op: &'static str,
        /// The first shape.
        lhs: Vec<usize>,
        /// The second shape.
        rhs: Vec<usize>,
    },
    /// A shape cannot be broadcast to a target shape (ONNX unidirectional rule).
    #[error("{op}: {operand} of shape {from:?} cannot be broadcast to {to:?} (unidirectional broadcasting)")]
    NotUnidirectional {
        /// The operation.
        op: &'static str,
        /// Which operand is broadcast.
        operand: &'static str,
        /// Its shape.
        from: Vec<usize>,
        /// The shape it must be broadcast to.
        to: Vec<usize>,
    },
    /// An axis outside `-rank..rank`.
    #[error("{op}: axis {axis} is out of range for rank {rank} (expected {lo}..{rank})", lo = -(*rank as i64))]
    Axis {
        /// The operation.
        op: &'static str,
        /// The requested axis, as given.
        axis: i64,
        /// The rank of the operand.
        rank: usize,
    },
    /// An attribute has an invalid value or the wrong number of values.
    #[error("{op}: attribute {name} {detail}")]
    Attribute {
        /// The operation.
        op: &'static str,
        /// The attribute (ONNX spelling).
        name: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A (dilated) window does not fit in the padded input along a spatial axis (for pools: is
    /// longer by two strides or more, see [`pool_output_shape`]).
    #[error(
        "{op}: window extent {extent} exceeds padded input size {padded} along spatial axis {axis}"
    )]
    WindowTooLarge {
        /// The operation.
        op: &'static str,
        /// The spatial axis (0 = first spatial axis).
        axis: usize,
        /// `(kernel - 1) * dilation + 1`.
        extent: usize,
        /// Input size plus both pads.
        padded: usize,
    },
    /// A variadic operation received no operands.
    #[error("{op}: needs at least one input")]
    NoInputs {
        /// The operation.
        op: &'static str,
    },
    /// A kernel built an output whose element count does not match its shape: a bug in the kernel.
    #[error("{op}: internal error, output of shape {shape:?} has {len} elements (please report)")]
    Internal {
        /// The operation.
        op: &'static str,
        /// The output shape.
        shape: Vec<usize>,
        /// The number of elements produced.
        len: usize,
    },
}

/// Builds a kernel's output, turning a shape/length disagreement (a kernel bug) into an error.
fn output(op: &'static str, shape: Vec<usize>, data: Vec<f32>) -> Result<Tensor, KernelError> {
    let len = data.len();
    Tensor::new(shape.clone(), data).ok_or(KernelError::Internal { op, shape, len })
}

/// Resolves an ONNX axis (negative counts from the end) against `rank`.
fn normalize_axis(op: &'static str, axis: i64, rank: usize) -> Result<usize, KernelError> {
    let r = i64::try_from(rank).unwrap_or(i64::MAX);
    let resolved = if axis < 0 { axis + r } else { axis };
    if (0..r).contains(&resolved) {
        usize::try_from(resolved).map_err(|_| KernelError::Axis { op, axis, rank })
    } else {
        Err(KernelError::Axis { op, axis, rank })
    }
}

/// The batch size and channel count of an `[N, C, ...]` operand `X`.
fn batch_channels(op: &'static str, shape: &[usize]) -> Result<(usize, usize), KernelError> {
    match shape {
        [n, c, ..] => Ok((*n, *c)),
        _ => Err(KernelError::Rank {
            op,
            operand: "X",
            shape: shape.to_vec(),
            expected: "rank >= 2 (N, C, ...)",
        }),
    }
}

/// Splits `shape` around `axis` into (product of dims before, dim, product of dims after).
fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_axis_accepts_negative_and_rejects_out_of_range() {
        assert_eq!(normalize_axis("t", -1, 3), Ok(2));
        assert_eq!(normalize_axis("t", -3, 3), Ok(0));
        assert_eq!(normalize_axis("t", 2, 3), Ok(2));
        let err = KernelError::Axis {
            op: "t",
            axis: 3,
            rank: 3,
        };
        assert_eq!(normalize_axis("t", 3, 3), Err(err.clone()));
        assert_eq!(
            err.to_string(),
            "t: axis 3 is out of range for rank 3 (expected -3..3)"
        );
        assert!(normalize_axis("t", -4, 3).is_err());
        assert!(normalize_axis("t", 0, 0).is_err());
    }

    #[test]
    fn split_at_axis_products() {
        assert_eq!(split_at_axis(&[2, 3, 4, 5], 1), (2, 3, 20));
        assert_eq!(split_at_axis(&[7], 0), (1, 7, 1));
    }

    #[test]
    fn error_messages_name_the_mismatch() {
        let e = KernelError::Rank {
            op: "conv",
            operand: "X",
            shape: vec![1, 2],
            expected: "rank 3 or 4",
        };
        assert_eq!(
            e.to_string(),
            "conv: X has shape [1, 2] (rank 2), expected rank 3 or 4"
        );
        let e = KernelError::NotBroadcastable {
            op: "add",
            lhs: vec![2, 3],
            rhs: vec![4],
        };
        assert!(e
            .to_string()
            .contains("[2, 3] and [4] are not broadcastable"));
    }
}
