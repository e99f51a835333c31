//! Reductions over axes (ONNX `ReduceMean`, `ReduceSum`, `ReduceMax`, `ReduceMin`, `ReduceL2`,
//! `ReduceSumSquare`), mean-variance normalisation over trailing axes (the core of
//! `LayerNormalization`, `InstanceNormalization` and `GroupNormalization`), and the data moves
//! `Slice` (of a tensor computed at run time) and `Expand`.

use super::broadcast::{broadcast_strides, dense_strides, for_each_index};
use super::{output, KernelError};
use crate::Tensor;

/// What a reduction computes over its axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// The mean.
    Mean,
    /// The sum.
    Sum,
    /// The maximum.
    Max,
    /// The minimum.
    Min,
    /// The square root of the sum of squares.
    L2,
    /// The sum of squares.
    SumSquare,
}

impl ReduceOp {
    /// Every reduction, in the order of their names.
    pub const ALL: [ReduceOp; 6] = [
        Self::Mean,
        Self::Sum,
        Self::Max,
        Self::Min,
        Self::L2,
        Self::SumSquare,
    ];

    /// The name in the IR (`mean`, `sum`, `max`, `min`, `l2`, `sum_square`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Sum => "sum",
            Self::Max => "max",
            Self::Min => "min",
            Self::L2 => "l2",
            Self::SumSquare => "sum_square",
        }
    }

    /// The reduction of that name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// The shape of `shape` reduced over `axes` (kept as 1 with `keepdims`, else removed).
pub fn reduce_output_shape(
    shape: &[usize],
    axes: &[usize],
    keepdims: bool,
) -> Result<Vec<usize>, KernelError> {
    if let Some(&bad) = axes.iter().find(|&&a| a >= shape.len()) {
        return Err(KernelError::Axis {
            op: "Reduce",
            axis: bad as i64,
            rank: shape.len(),
        });
    }
    Ok(shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect())
}

/// The flat index of the kept position of every element of `shape` reduced over `axes`, and the
/// number of kept positions.
fn kept_positions(shape: &[usize], axes: &[usize]) -> (Vec<usize>, usize) {
    let kept: Vec<usize> = shape
        .iter()
        .enumerate()
        .map(|(i, &d)| if axes.contains(&i) { 1 } else { d })
        .collect();
    let strides = broadcast_strides(&kept, shape);
    let mut index = Vec::with_capacity(shape.iter().product());
    for_each_index(shape, [&strides], |[i]| index.push(i));
    (index, kept.iter().product())
}

/// ONNX `Reduce<op>` of `x` over `axes` (non-negative, each at most once).
pub fn reduce(
    op: ReduceOp,
    x: &Tensor,
    axes: &[usize],
    keepdims: bool,
) -> Result<Tensor, KernelError> {
    let shape = reduce_output_shape(x.shape(), axes, keepdims)?;
    let (index, kept) = kept_positions(x.shape(), axes);
    let count = (x.len() / kept.max(1)) as f32;
    let start = match op {
        ReduceOp::Max => f32::NEG_INFINITY,
        ReduceOp::Min => f32::INFINITY,
        _ => 0.0,
    };
    let mut acc = vec![start; kept];
    for (&i, &v) in index.iter().zip(x.data()) {
        let a = &mut acc[i];
        *a = match op {
            ReduceOp::Mean | ReduceOp::Sum => *a + v,
            ReduceOp::L2 | ReduceOp::SumSquare => *a + v * v,
            ReduceOp::Max if v.is_nan() || *a > v => *a,
            ReduceOp::Min if v.is_nan() || *a < v => *a,
            ReduceOp::Max | ReduceOp::Min => v,
        };
    }
    let data = acc
        .into_iter()
        .map(|a| match op {
            ReduceOp::Mean => a / count,
            ReduceOp::L2 => a.sqrt(),
            _ => a,
        })
        .collect();
    output("Reduce", shape, data)
}

/// `(x - mean) / sqrt(var + epsilon)` with the mean and (biased) variance taken over `axes`
/// (non-negative): ONNX `LayerNormalization`, `InstanceNormalization` and `GroupNormalization`
/// before their scale and bias.
pub fn normalize(x: &Tensor, axes: &[usize], epsilon: f32) -> Result<Tensor, KernelError> {
    reduce_output_shape(x.shape(), axes, true)?;
    let (index, kept) = kept_positions(x.shape(), axes);
    let count = (x.len() / kept.max(1)) as f32;
    let mut mean = vec![0f32; kept];
    for (&i, &v) in index.iter().zip(x.data()) {
        mean[i] += v;
    }
    mean.iter_mut().for_each(|m| *m /= count);
    let mut var = vec![0f32; kept];
    for (&i, &v) in index.iter().zip(x.data()) {
        let d = v - mean[i];
        var[i] += d * d;
    }
    let scale: Vec<f32> = var
        .iter()
        .map(|v| 1.0 / (v / count + epsilon).sqrt())
        .collect();
    let data = index
        .iter()
        .zip(x.data())
        .map(|(&i, &v)| (v - mean[i]) * scale[i])
        .collect();
    output("Normalize", x.shape().to_vec(), data)
}

/// Elements `starts[a] + k * steps[a]` for `k < sizes[a]` along every axis `a` of `x` (a
/// normalised ONNX `Slice`: one entry per axis, steps positive).
pub fn slice(
    x: &Tensor,
    starts: &[usize],
    sizes: &[usize],
    steps: &[usize],
) -> Result<Tensor, KernelError> {
    let rank = x.shape().len();
    let fits = |a: usize| {
        steps[a] > 0 && (sizes[a] == 0 || starts[a] + (sizes[a] - 1) * steps[a] < x.shape()[a])
    };
    if starts.len() != rank || sizes.len() != rank || steps.len() != rank || !(0..rank).all(fits) {
        return Err(KernelError::Attribute {
            op: "Slice",
            name: "starts",
            detail: format!(
                "{starts:?} with sizes {sizes:?} and steps {steps:?} do not fit a tensor of shape {:?}",
                x.shape()
            ),
        });
    }
    let dense = dense_strides(x.shape());
    let strides: Vec<usize> = dense.iter().zip(steps).map(|(d, s)| d * s).collect();
    let base: usize = starts.iter().zip(&dense).map(|(s, d)| s * d).sum();
    let mut data = Vec::with_capacity(sizes.iter().product());
    for_each_index(sizes, [&strides], |[i]| data.push(x.data()[base + i]));
    output("Slice", sizes.to_vec(), data)
}

/// ONNX `Expand`: `x` broadcast to `shape` (which must already be the broadcast of both).
pub fn expand(x: &Tensor, shape: &[usize]) -> Result<Tensor, KernelError> {
    let lead = shape.len().checked_sub(x.shape().len());
    let fits = lead.is_some_and(|lead| {
        x.shape()
            .iter()
            .zip(&shape[lead..])
            .all(|(&d, &s)| d == s || d == 1)
    });
    if !fits {
        return Err(KernelError::NotUnidirectional {
            op: "Expand",
            operand: "input",
            from: x.shape().to_vec(),
            to: shape.to_vec(),
        });
    }
    let strides = broadcast_strides(x.shape(), shape);
    let mut data = Vec::with_capacity(shape.iter().product());
    for_each_index(shape, [&strides], |[i]| data.push(x.data()[i]));
    output("Expand", shape.to_vec(), data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, iota, t};

    #[test]
    fn reductions_over_axes() -> Result<(), KernelError> {
        let x = iota(&[2, 3], 0.0); // [[0, 1, 2], [3, 4, 5]]
        assert_close(&reduce(ReduceOp::Mean, &x, &[1], true)?, &[2, 1], &[1., 4.]);
        assert_close(
            &reduce(ReduceOp::Sum, &x, &[0], false)?,
            &[3],
            &[3., 5., 7.],
        );
        assert_close(&reduce(ReduceOp::Max, &x, &[0, 1], false)?, &[], &[5.]);
        assert_close(&reduce(ReduceOp::Min, &x, &[1], false)?, &[2], &[0., 3.]);
        let l2 = reduce(ReduceOp::L2, &x, &[1], false)?;
        assert_close(&l2, &[2], &[5f32.sqrt(), 50f32.sqrt()]);
        let ss = reduce(ReduceOp::SumSquare, &x, &[1], false)?;
        assert_close(&ss, &[2], &[5., 50.]);
        assert!(reduce(ReduceOp::Sum, &x, &[2], false).is_err());
        Ok(())
    }

    #[test]
    fn normalize_gives_zero_mean_unit_variance() -> Result<(), KernelError> {
        let x = t(&[2, 2], &[1., 3., 4., 8.]);
        let y = normalize(&x, &[1], 0.0)?;
        assert_close(&y, &[2, 2], &[-1., 1., -1., 1.]);
        Ok(())
    }

    #[test]
    fn slice_and_expand_move_elements() -> Result<(), KernelError> {
        let x = iota(&[2, 4], 0.0);
        assert_close(&slice(&x, &[1, 1], &[1, 2], &[1, 2])?, &[1, 2], &[5., 7.]);
        assert!(slice(&x, &[1, 1], &[1, 3], &[1, 2]).is_err());
        let e = expand(&t(&[2, 1], &[1., 2.]), &[3, 2, 2])?;
        assert_close(
            &e,
            &[3, 2, 2],
            &[1., 1., 2., 2., 1., 1., 2., 2., 1., 1., 2., 2.],
        );
        assert!(expand(&iota(&[3], 0.0), &[2]).is_err());
        Ok(())
    }
}
