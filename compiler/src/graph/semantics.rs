//! What every `graph` op means: its result shape from its operand shapes ([`infer_shape`]) and its
//! value from its operand values ([`evaluate_op`]), both defined by the runtime's reference kernels so
//! that shape inference, constant folding, rewrites and the simulator agree.

use pim_dialects::GraphOp;
use pim_runtime::kernels::{self, BinaryOp, ConvParams, KernelError, ReduceOp, Window};
use pim_runtime::Tensor;

/// Converts ONNX integer attributes (already validated non-negative) to sizes.
fn sizes(values: &[i64], name: &str) -> Result<Vec<usize>, String> {
    values
        .iter()
        .map(|&v| {
            usize::try_from(v).map_err(|_| format!("{name} must not be negative, got {values:?}"))
        })
        .collect()
}

/// The kernel's window for pooling/conv attributes.
pub fn window(
    kernel: &[i64],
    strides: &[i64],
    pads: &[i64],
    dilations: &[i64],
) -> Result<Window, String> {
    Ok(Window {
        kernel: sizes(kernel, "kernel_shape")?,
        strides: sizes(strides, "strides")?,
        pads: sizes(pads, "pads")?,
        dilations: sizes(dilations, "dilations")?,
    })
}

fn conv_params(
    strides: &[i64],
    pads: &[i64],
    dilations: &[i64],
    group: i64,
) -> Result<ConvParams, String> {
    Ok(ConvParams {
        window: window(&[], strides, pads, dilations)?,
        group: usize::try_from(group)
            .ok()
            .filter(|&g| g > 0)
            .ok_or_else(|| format!("group must be positive, got {group}"))?,
    })
}

fn kernel_error(error: KernelError) -> String {
    error.to_string()
}

/// The reshape target of `flatten` at `axis` (negative counts from the end).
pub fn flatten_shape(shape: &[usize], axis: i64) -> Result<Vec<usize>, String> {
    let rank = shape.len() as i64;
    let axis = if axis < 0 { axis + rank } else { axis };
    if !(0..=rank).contains(&axis) {
        return Err(format!("flatten axis {axis} out of range for rank {rank}"));
    }
    let split = axis as usize;
    Ok(vec![
        shape[..split].iter().product(),
        shape[split..].iter().product(),
    ])
}

/// The static shape a `reshape` produces, checking the element count.
pub fn reshape_shape(input: &[usize], target: &[i64]) -> Result<Vec<usize>, String> {
    let shape = sizes(target, "reshape shape")?;
    if shape.iter().product::<usize>() != input.iter().product::<usize>() {
        return Err(format!(
            "cannot reshape {input:?} to {shape:?}: element counts differ"
        ));
    }
    Ok(shape)
}

/// Checks that `axes` are the trailing axes of a rank-`rank` tensor, in order (what
/// `graph.norm` normalises over: ONNX LayerNormalization's `axis..rank`).
fn trailing_axes(axes: &[i64], rank: usize) -> Result<(), String> {
    let first = rank as i64 - axes.len() as i64;
    if axes.is_empty() || !axes.iter().zip(first..).all(|(&a, b)| a == b) {
        return Err(format!(
            "norm axes {axes:?} are not the trailing axes of a rank-{rank} tensor"
        ));
    }
    Ok(())
}

fn permutation(perm: &[i64]) -> Result<Vec<usize>, String> {
    sizes(perm, "perm")
}

/// The result shape of `op` applied to operands of the given shapes.
pub fn infer_shape(op: &GraphOp, operands: &[&[usize]]) -> Result<Vec<usize>, String> {
    let first = operands.first().copied().unwrap_or(&[]);
    let shape = match op {
        GraphOp::Constant { value } => value.shape().to_vec(),
        GraphOp::Conv {
            strides,
            pads,
            dilations,
            group,
        } => {
            let params = conv_params(strides, pads, dilations, *group)?;
            kernels::conv_output_shape(first, operand(operands, 1)?, &params)
                .map_err(kernel_error)?
        }
        GraphOp::Gemm {
            trans_a, trans_b, ..
        } => kernels::gemm_output_shape(
            first,
            operand(operands, 1)?,
            operands.get(2).copied(),
            *trans_a != 0,
            *trans_b != 0,
        )
        .map_err(kernel_error)?,
        GraphOp::MatMul {} => {
            kernels::matmul_output_shape(first, operand(operands, 1)?).map_err(kernel_error)?
        }
        GraphOp::Add {} | GraphOp::Sub {} | GraphOp::Mul {} | GraphOp::Div {} => {
            kernels::broadcast_shapes(first, operand(operands, 1)?).map_err(kernel_error)?
        }
        GraphOp::MaxPool {
            kernel,
            strides,
            pads,
            dilations,
            ceil_mode,
        } => kernels::pool_output_shape(
            first,
            &window(kernel, strides, pads, dilations)?,
            *ceil_mode != 0,
        )
        .map_err(kernel_error)?,
        GraphOp::AveragePool {
            kernel,
            strides,
            pads,
            ceil_mode,
            ..
        } => {
            kernels::pool_output_shape(first, &window(kernel, strides, pads, &[])?, *ceil_mode != 0)
                .map_err(kernel_error)?
        }
        GraphOp::GlobalAveragePool {} | GraphOp::GlobalMaxPool {} => {
            if first.len() < 3 {
                return Err(format!(
                    "global pooling needs an input of rank >= 3, got {first:?}"
                ));
            }
            first[..2]
                .iter()
                .copied()
                .chain(std::iter::repeat_n(1, first.len() - 2))
                .collect()
        }
        GraphOp::Concat { axis } => {
            kernels::concat_output_shape(operands, *axis).map_err(kernel_error)?
        }
        GraphOp::Flatten { axis } => flatten_shape(first, *axis)?,
        GraphOp::Reshape { shape } => reshape_shape(first, shape)?,
        GraphOp::Transpose { perm } => {
            kernels::transpose_output_shape(first, &permutation(perm)?).map_err(kernel_error)?
        }
        GraphOp::Pad { pads, .. } => {
            kernels::pad_output_shape(first, pads).map_err(kernel_error)?
        }
        GraphOp::Max {} | GraphOp::Min {} => {
            kernels::broadcast_shapes(first, operand(operands, 1)?).map_err(kernel_error)?
        }
        GraphOp::Reduce { axes, keepdims, .. } => {
            kernels::reduce_output_shape(first, &sizes(axes, "axes")?, *keepdims != 0)
                .map_err(kernel_error)?
        }
        GraphOp::Norm { axes, .. } => {
            trailing_axes(axes, first.len())?;
            first.to_vec()
        }
        GraphOp::Slice { sizes: dims, .. } => sizes(dims, "slice sizes")?,
        GraphOp::Expand { shape } => sizes(shape, "expand shape")?,
        GraphOp::Unary { kind, .. } => {
            if crate::functions::steps(kind, 0.0, 1.0).is_none() {
                return Err(format!("unknown elementwise function `{kind}`"));
            }
            first.to_vec()
        }
        GraphOp::Relu {}
        | GraphOp::LeakyRelu { .. }
        | GraphOp::PRelu {}
        | GraphOp::Elu { .. }
        | GraphOp::Clip { .. }
        | GraphOp::Sigmoid {}
        | GraphOp::Tanh {}
        | GraphOp::Softmax { .. }
        | GraphOp::LogSoftmax { .. }
        | GraphOp::BatchNorm { .. }
        | GraphOp::Lrn { .. }
        | GraphOp::Identity {} => first.to_vec(),
    };
    Ok(shape)
}

fn operand<'a>(operands: &[&'a [usize]], index: usize) -> Result<&'a [usize], String> {
    operands
        .get(index)
        .copied()
        .ok_or_else(|| format!("missing operand {index}"))
}

fn value<'a>(operands: &[&'a Tensor], index: usize) -> Result<&'a Tensor, String> {
    operands
        .get(index)
        .copied()
        .ok_or_else(|| format!("missing operand {index}"))
}

/// The value of `op` applied to `operands`, computed by the reference kernels.
pub fn evaluate_op(op: &GraphOp, operands: &[&Tensor]) -> Result<Tensor, String> {
    let x = || value(operands, 0);
    let binary = |kind| kernels::binary(kind, x()?, value(operands, 1)?).map_err(kernel_error);
    match op {
        GraphOp::Constant { value } => Ok(value.clone()),
        GraphOp::Conv {
            strides,
            pads,
            dilations,
            group,
        } => {
            let params = conv_params(strides, pads, dilations, *group)?;
            kernels::conv(x()?, value(operands, 1)?, operands.get(2).copied(), &params)
                .map_err(kernel_error)
        }
        GraphOp::Gemm {
            alpha,
            beta,
            trans_a,
            trans_b,
        } => kernels::gemm(
            x()?,
            value(operands, 1)?,
            operands.get(2).copied(),
            *alpha,
            *beta,
            *trans_a != 0,
            *trans_b != 0,
        )
        .map_err(kernel_error),
        GraphOp::MatMul {} => kernels::matmul(x()?, value(operands, 1)?).map_err(kernel_error),
        GraphOp::Add {} => binary(BinaryOp::Add),
        GraphOp::Sub {} => binary(BinaryOp::Sub),
        GraphOp::Mul {} => binary(BinaryOp::Mul),
        GraphOp::Div {} => binary(BinaryOp::Div),
        GraphOp::Relu {} => Ok(kernels::relu(x()?)),
        GraphOp::LeakyRelu { alpha } => Ok(kernels::leaky_relu(x()?, *alpha)),
        GraphOp::PRelu {} => kernels::prelu(x()?, value(operands, 1)?).map_err(kernel_error),
        GraphOp::Elu { alpha } => Ok(kernels::elu(x()?, *alpha)),
        GraphOp::Clip { min, max } => Ok(kernels::clip(x()?, *min, *max)),
        GraphOp::Sigmoid {} => Ok(kernels::sigmoid(x()?)),
        GraphOp::Tanh {} => Ok(kernels::tanh(x()?)),
        GraphOp::Softmax { axis } => kernels::softmax(x()?, *axis).map_err(kernel_error),
        GraphOp::LogSoftmax { axis } => kernels::log_softmax(x()?, *axis).map_err(kernel_error),
        GraphOp::MaxPool {
            kernel,
            strides,
            pads,
            dilations,
            ceil_mode,
        } => kernels::max_pool(
            x()?,
            &window(kernel, strides, pads, dilations)?,
            *ceil_mode != 0,
        )
        .map_err(kernel_error),
        GraphOp::AveragePool {
            kernel,
            strides,
            pads,
            ceil_mode,
            count_include_pad,
        } => kernels::average_pool(
            x()?,
            &window(kernel, strides, pads, &[])?,
            *ceil_mode != 0,
            *count_include_pad != 0,
        )
        .map_err(kernel_error),
        GraphOp::GlobalAveragePool {} => kernels::global_average_pool(x()?).map_err(kernel_error),
        GraphOp::GlobalMaxPool {} => kernels::global_max_pool(x()?).map_err(kernel_error),
        GraphOp::BatchNorm { epsilon } => kernels::batch_norm(
            x()?,
            value(operands, 1)?,
            value(operands, 2)?,
            value(operands, 3)?,
            value(operands, 4)?,
            *epsilon,
        )
        .map_err(kernel_error),
        GraphOp::Lrn {
            size,
            alpha,
            beta,
            bias,
        } => {
            let size = usize::try_from(*size)
                .map_err(|_| format!("LRN size must be positive, got {size}"))?;
            kernels::lrn(x()?, size, *alpha, *beta, *bias).map_err(kernel_error)
        }
        GraphOp::Concat { axis } => kernels::concat(operands, *axis).map_err(kernel_error),
        GraphOp::Transpose { perm } => {
            kernels::transpose(x()?, &permutation(perm)?).map_err(kernel_error)
        }
        GraphOp::Pad { pads, value: fill } => kernels::pad(x()?, pads, *fill).map_err(kernel_error),
        GraphOp::Max {} => binary(BinaryOp::Max),
        GraphOp::Min {} => binary(BinaryOp::Min),
        GraphOp::Unary { kind, alpha, beta } => {
            crate::functions::evaluate(kind, *alpha, *beta, x()?)
        }
        GraphOp::Reduce {
            kind,
            axes,
            keepdims,
        } => {
            let reduction =
                ReduceOp::from_name(kind).ok_or_else(|| format!("unknown reduction `{kind}`"))?;
            kernels::reduce(reduction, x()?, &sizes(axes, "axes")?, *keepdims != 0)
                .map_err(kernel_error)
        }
        GraphOp::Norm { axes, epsilon } => {
            trailing_axes(axes, x()?.shape().len())?;
            kernels::normalize(x()?, &sizes(axes, "axes")?, *epsilon).map_err(kernel_error)
        }
        GraphOp::Slice {
            starts,
            sizes: dims,
            steps,
        } => kernels::slice(
            x()?,
            &sizes(starts, "slice starts")?,
            &sizes(dims, "slice sizes")?,
            &sizes(steps, "slice steps")?,
        )
        .map_err(kernel_error),
        GraphOp::Expand { shape } => {
            kernels::expand(x()?, &sizes(shape, "expand shape")?).map_err(kernel_error)
        }
        GraphOp::Flatten { .. } | GraphOp::Reshape { .. } | GraphOp::Identity {} => {
            let input = x()?;
            let shape = infer_shape(op, &[input.shape()])?;
            input
                .reshaped(shape)
                .ok_or_else(|| "reshape changes the element count".to_owned())
        }
    }
}
