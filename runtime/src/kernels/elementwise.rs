//! Elementwise operations: broadcasting binary arithmetic ([`BinaryOp`]), the activation functions
//! ([`UnaryOp`]) and `PRelu`. The scalar semantics live in `apply` so that the simulator's vector
//! unit can evaluate one element at a time with exactly the same arithmetic.

use super::broadcast::{broadcast_strides, check_unidirectional, for_each_index};
use super::shape::broadcast_shapes_for;
use super::{output, KernelError};
use crate::Tensor;

/// A binary arithmetic operation with numpy broadcasting (ONNX `Add`, `Sub`, `Mul`, `Div`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b` (IEEE: division by zero gives an infinity or NaN).
    Div,
    /// The larger of `a` and `b` (NaN if either is NaN, as onnxruntime).
    Max,
    /// The smaller of `a` and `b` (NaN if either is NaN, as onnxruntime).
    Min,
}

impl BinaryOp {
    /// The operation on one pair of elements.
    #[inline]
    pub fn apply(self, a: f32, b: f32) -> f32 {
        match self {
            Self::Add => a + b,
            Self::Sub => a - b,
            Self::Mul => a * b,
            Self::Div => a / b,
            Self::Max if a.is_nan() || b.is_nan() => f32::NAN,
            Self::Max => a.max(b),
            Self::Min if a.is_nan() || b.is_nan() => f32::NAN,
            Self::Min => a.min(b),
        }
    }

    /// The ONNX operator name.
    pub fn onnx_name(self) -> &'static str {
        match self {
            Self::Add => "Add",
            Self::Sub => "Sub",
            Self::Mul => "Mul",
            Self::Div => "Div",
            Self::Max => "Max",
            Self::Min => "Min",
        }
    }
}

/// `op` applied elementwise to `a` and `b` broadcast to their common shape (numpy rule).
pub fn binary(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
    zip_broadcast(op.onnx_name(), a, b, |x, y| op.apply(x, y))
}

/// `f` applied elementwise to `a` and `b` broadcast to their common shape.
fn zip_broadcast(
    op: &'static str,
    a: &Tensor,
    b: &Tensor,
    f: impl Fn(f32, f32) -> f32,
) -> Result<Tensor, KernelError> {
    let shape = broadcast_shapes_for(op, a.shape(), b.shape())?;
    if a.shape() == b.shape() {
        let data = a
            .data()
            .iter()
            .zip(b.data())
            .map(|(&x, &y)| f(x, y))
            .collect();
        return output(op, shape, data);
    }
    if a.shape() == shape && repeats_along_leading_axes(b.shape(), &shape) {
        // Row-major order: each of a's rows of b.len() elements zipped with b.
        let mut data = Vec::with_capacity(a.len());
        for row in a.data().chunks(b.len().max(1)) {
            data.extend(row.iter().zip(b.data()).map(|(&x, &y)| f(x, y)));
        }
        return output(op, shape, data);
    }
    let (sa, sb) = (
        broadcast_strides(a.shape(), &shape),
        broadcast_strides(b.shape(), &shape),
    );
    let mut data = Vec::with_capacity(shape.iter().product());
    for_each_index(&shape, [&sa, &sb], |[i, j]| {
        data.push(f(a.data()[i], b.data()[j]))
    });
    output(op, shape, data)
}

/// Whether `b`, broadcast to `shape`, repeats whole along its leading axes: without its leading
/// 1s, `b`'s shape is a suffix of `shape` (a bias over `[n, c]` rows, a scalar).
fn repeats_along_leading_axes(b: &[usize], shape: &[usize]) -> bool {
    let ones = b.iter().take_while(|&&d| d == 1).count();
    shape.ends_with(&b[ones..])
}

/// A unary activation function with its attributes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnaryOp {
    /// `max(x, 0)`.
    Relu,
    /// `x` if `x >= 0`, else `alpha * x` (ONNX default `alpha` 0.01).
    LeakyRelu {
        /// Slope for negative inputs.
        alpha: f32,
    },
    /// `x` if `x >= 0`, else `alpha * (exp(x) - 1)` (ONNX default `alpha` 1.0).
    Elu {
        /// Scale for negative inputs.
        alpha: f32,
    },
    /// `min(max(x, min), max)`: every element is `max` when `min > max`, as ONNX specifies.
    Clip {
        /// Lower bound (`f32::NEG_INFINITY` for none).
        min: f32,
        /// Upper bound (`f32::INFINITY` for none).
        max: f32,
    },
    /// `1 / (1 + exp(-x))`.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// `e^x`.
    Exp,
    /// Natural logarithm.
    Log,
    /// `|x|`.
    Abs,
    /// The error function.
    Erf,
    /// `x^exponent`, exactly as onnxruntime for the exponents it special-cases (0.5: square
    /// root, 1, 2, 3) and for -1 (the reciprocal); `powf` otherwise.
    Pow {
        /// The constant exponent.
        exponent: f32,
    },
    /// `ln(1 + e^x)`, evaluated without overflow for large `x`.
    Softplus,
}

impl UnaryOp {
    /// The function on one element. NaN propagates through every variant.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Self::Relu => {
                if x < 0.0 {
                    0.0
                } else {
                    x
                }
            }
            Self::LeakyRelu { alpha } => {
                if x < 0.0 {
                    alpha * x
                } else {
                    x
                }
            }
            Self::Elu { alpha } => {
                if x < 0.0 {
                    alpha * x.exp_m1()
                } else {
                    x
                }
            }
            Self::Clip { min, max } => {
                let lower = if x < min { min } else { x };
                if lower > max {
                    max
                } else {
                    lower
                }
            }
            Self::Sigmoid => sigmoid_scalar(x),
            Self::Tanh => x.tanh(),
            Self::Exp => x.exp(),
            Self::Log => x.ln(),
            Self::Abs => x.abs(),
            Self::Erf => libm::erff(x),
            Self::Pow { exponent } => pow_scalar(x, exponent),
            Self::Softplus => softplus_scalar(x),
        }
    }
}

/// `x^p` with the exact forms of the common exponents.
fn pow_scalar(x: f32, p: f32) -> f32 {
    match p {
        0.5 => x.sqrt(),
        1.0 => x,
        2.0 => x * x,
        3.0 => x * x * x,
        -1.0 => 1.0 / x,
        _ => x.powf(p),
    }
}

/// `ln(1 + e^x)` as onnxruntime evaluates it: `x + ln(1 + e^-x)` for positive `x`.
fn softplus_scalar(x: f32) -> f32 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// The logistic function, evaluated without overflow for large `|x|`.
fn sigmoid_scalar(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `op` applied to every element of `x`.
pub fn unary(op: UnaryOp, x: &Tensor) -> Tensor {
    x.map(|v| op.apply(v))
}

/// ONNX `Relu`.
pub fn relu(x: &Tensor) -> Tensor {
    unary(UnaryOp::Relu, x)
}

/// ONNX `LeakyRelu`.
pub fn leaky_relu(x: &Tensor, alpha: f32) -> Tensor {
    unary(UnaryOp::LeakyRelu { alpha }, x)
}

/// ONNX `Elu`.
pub fn elu(x: &Tensor, alpha: f32) -> Tensor {
    unary(UnaryOp::Elu { alpha }, x)
}

/// ONNX `Clip` (pass infinities for absent bounds).
pub fn clip(x: &Tensor, min: f32, max: f32) -> Tensor {
    unary(UnaryOp::Clip { min, max }, x)
}

/// ONNX `Sigmoid`.
pub fn sigmoid(x: &Tensor) -> Tensor {
    unary(UnaryOp::Sigmoid, x)
}

/// ONNX `Tanh`.
pub fn tanh(x: &Tensor) -> Tensor {
    unary(UnaryOp::Tanh, x)
}

/// ONNX `PRelu`: `x` if `x >= 0`, else `slope * x`, with `slope` broadcast unidirectionally to
/// the shape of `x` (typically `[C, 1, 1]` against NCHW).
pub fn prelu(x: &Tensor, slope: &Tensor) -> Result<Tensor, KernelError> {
    check_unidirectional("PRelu", "slope", slope.shape(), x.shape())?;
    zip_broadcast("PRelu", x, slope, |v, s| if v < 0.0 { s * v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, iota, t};

    #[test]
    fn binary_same_shape() -> Result<(), KernelError> {
        let (a, b) = (t(&[2], &[6., 8.]), t(&[2], &[2., -4.]));
        assert_close(&binary(BinaryOp::Add, &a, &b)?, &[2], &[8., 4.]);
        assert_close(&binary(BinaryOp::Sub, &a, &b)?, &[2], &[4., 12.]);
        assert_close(&binary(BinaryOp::Mul, &a, &b)?, &[2], &[12., -32.]);
        assert_close(&binary(BinaryOp::Div, &a, &b)?, &[2], &[3., -2.]);
        Ok(())
    }

    #[test]
    fn binary_broadcasts_with_rank_mismatch() -> Result<(), KernelError> {
        // [2, 1, 3] - [2, 1]: result [2, 2, 3].
        let a = iota(&[2, 1, 3], 0.0);
        let b = t(&[2, 1], &[10., 20.]);
        let expected = [
            -10., -9., -8., -20., -19., -18., -7., -6., -5., -17., -16., -15.,
        ];
        assert_close(&binary(BinaryOp::Sub, &a, &b)?, &[2, 2, 3], &expected);
        // The reversed operand order broadcasts the same way.
        let negated: Vec<f32> = expected.iter().map(|v| -v).collect();
        assert_close(&binary(BinaryOp::Sub, &b, &a)?, &[2, 2, 3], &negated);
        Ok(())
    }

    #[test]
    fn binary_repeats_a_trailing_operand_over_leading_axes() -> Result<(), KernelError> {
        // [2, 3] - [1, 3] and [2, 3] - [3]: b subtracted from each row; a scalar from each element.
        let a = iota(&[2, 3], 0.0);
        let expected = [-10., -19., -28., -7., -16., -25.];
        for b in [t(&[1, 3], &[10., 20., 30.]), t(&[3], &[10., 20., 30.])] {
            assert_close(&binary(BinaryOp::Sub, &a, &b)?, &[2, 3], &expected);
        }
        let y = binary(BinaryOp::Mul, &a, &Tensor::scalar(2.0))?;
        assert_close(&y, &[2, 3], &[0., 2., 4., 6., 8., 10.]);
        Ok(())
    }

    #[test]
    fn binary_with_scalar_and_division_by_zero() -> Result<(), KernelError> {
        let y = binary(
            BinaryOp::Div,
            &t(&[3], &[1., -1., 0.]),
            &Tensor::scalar(0.0),
        )?;
        assert_eq!(y.data()[..2], [f32::INFINITY, f32::NEG_INFINITY]);
        assert!(y.data()[2].is_nan());
        let y = binary(BinaryOp::Mul, &Tensor::scalar(2.0), &Tensor::scalar(3.0))?;
        assert_close(&y, &[], &[6.]);
        Ok(())
    }

    #[test]
    fn binary_rejects_incompatible_shapes() {
        let err = binary(BinaryOp::Add, &iota(&[2, 3], 0.0), &iota(&[2], 0.0));
        let expected = KernelError::NotBroadcastable {
            op: "Add",
            lhs: vec![2, 3],
            rhs: vec![2],
        };
        assert_eq!(err, Err(expected));
    }

    #[test]
    fn activations() {
        let x = t(&[5], &[-2., -0.5, 0., 0.5, 2.]);
        assert_close(&relu(&x), &[5], &[0., 0., 0., 0.5, 2.]);
        assert_close(&leaky_relu(&x, 0.1), &[5], &[-0.2, -0.05, 0., 0.5, 2.]);
        let elu_expected = [
            2.0 * (-2f32).exp_m1(),
            2.0 * (-0.5f32).exp_m1(),
            0.,
            0.5,
            2.,
        ];
        assert_close(&elu(&x, 2.0), &[5], &elu_expected);
        assert_close(&clip(&x, -1.0, 0.25), &[5], &[-1., -0.5, 0., 0.25, 0.25]);
        assert_close(
            &clip(&x, f32::NEG_INFINITY, 0.0),
            &[5],
            &[-2., -0.5, 0., 0., 0.],
        );
        // Values from onnxruntime.
        let sig = [0.11920292, 0.37754068, 0.5, 0.62245935, 0.8807971];
        assert_close(&sigmoid(&x), &[5], &sig);
        let tanh_expected = [-0.9640276, -0.46211717, 0., 0.46211717, 0.9640276];
        assert_close(&tanh(&x), &[5], &tanh_expected);
    }

    #[test]
    fn clip_with_min_above_max_gives_max() {
        assert_close(
            &clip(&t(&[3], &[-5., 0., 5.]), 2.0, 1.0),
            &[3],
            &[1., 1., 1.],
        );
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        let y = sigmoid(&t(&[2], &[-200., 200.]));
        assert_eq!(y.data(), &[0.0, 1.0]);
    }

    #[test]
    fn nan_propagates_through_activations() {
        let ops = [
            UnaryOp::Relu,
            UnaryOp::LeakyRelu { alpha: 0.1 },
            UnaryOp::Elu { alpha: 1.0 },
            UnaryOp::Clip { min: 0.0, max: 1.0 },
            UnaryOp::Sigmoid,
            UnaryOp::Tanh,
        ];
        for op in ops {
            assert!(op.apply(f32::NAN).is_nan(), "{op:?}");
        }
    }

    #[test]
    fn prelu_per_channel_slope() -> Result<(), KernelError> {
        // x: [1, 2, 1, 2], slope [2, 1, 1]: channel 0 slope 0.5, channel 1 slope -1.
        let x = t(&[1, 2, 1, 2], &[-2., 2., -4., 4.]);
        let slope = t(&[2, 1, 1], &[0.5, -1.]);
        assert_close(&prelu(&x, &slope)?, &[1, 2, 1, 2], &[-1., 2., 4., 4.]);
        // A scalar slope is the same as LeakyRelu.
        let y = prelu(&x, &Tensor::scalar(0.1))?;
        assert_close(&y, &[1, 2, 1, 2], &[-0.2, 2., -0.4, 4.]);
        // A slope that would broadcast x up ([1, 2, 2] against [2, 1, 1]) is rejected.
        let err = prelu(&t(&[1, 2, 2], &[-2., 2., -4., 4.]), &slope);
        assert!(
            matches!(err, Err(KernelError::NotUnidirectional { .. })),
            "{err:?}"
        );
        Ok(())
    }

    #[test]
    fn prelu_slope_must_broadcast_to_x() {
        let err = prelu(&iota(&[2], 0.0), &iota(&[2, 2], 0.0));
        assert!(
            matches!(
                err,
                Err(KernelError::NotUnidirectional {
                    operand: "slope",
                    ..
                })
            ),
            "{err:?}"
        );
    }
}
