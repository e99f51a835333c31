//! Normalisations: `Softmax` and `LogSoftmax` along one axis, inference-mode
//! `BatchNormalization`, and local response normalisation (`LRN`).

use super::{batch_channels, normalize_axis, output, split_at_axis, KernelError};
use crate::Tensor;

/// ONNX `Softmax` (opset 13+) along `axis` (negative counts from the end), computed as
/// `exp(x - max) / sum(exp(x - max))` so that large inputs do not overflow.
pub fn softmax(x: &Tensor, axis: i64) -> Result<Tensor, KernelError> {
    along_axis("Softmax", x, axis, |lane| {
        let max = lane_max(lane);
        let mut sum = 0.0;
        for v in lane.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        lane.iter_mut().for_each(|v| *v /= sum);
    })
}

/// ONNX `LogSoftmax` (opset 13+) along `axis`: `x - max - ln(sum(exp(x - max)))`.
pub fn log_softmax(x: &Tensor, axis: i64) -> Result<Tensor, KernelError> {
    along_axis("LogSoftmax", x, axis, |lane| {
        let max = lane_max(lane);
        let log_sum = lane.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
        lane.iter_mut().for_each(|v| *v = *v - max - log_sum);
    })
}

/// The largest element of a lane (`-inf` for an empty one).
fn lane_max(lane: &[f32]) -> f32 {
    lane.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

/// `x` with `f` applied in place to every lane of elements along `axis`.
fn along_axis(
    op: &'static str,
    x: &Tensor,
    axis: i64,
    f: impl Fn(&mut [f32]),
) -> Result<Tensor, KernelError> {
    let axis = normalize_axis(op, axis, x.shape().len())?;
    let (outer, n, inner) = split_at_axis(x.shape(), axis);
    let mut data = x.data().to_vec();
    let mut lane = vec![0.0; n];
    for base in (0..outer).flat_map(|o| (0..inner).map(move |i| o * n * inner + i)) {
        for (j, v) in lane.iter_mut().enumerate() {
            *v = data[base + j * inner];
        }
        f(&mut lane);
        for (j, &v) in lane.iter().enumerate() {
            data[base + j * inner] = v;
        }
    }
    output(op, x.shape().to_vec(), data)
}

/// ONNX `BatchNormalization` in inference form, per channel (axis 1):
/// `y = (x - mean) / sqrt(var + epsilon) * scale + bias`. Each parameter has shape `[C]`.
pub fn batch_norm(
    x: &Tensor,
    scale: &Tensor,
    bias: &Tensor,
    mean: &Tensor,
    var: &Tensor,
    epsilon: f32,
) -> Result<Tensor, KernelError> {
    let op = "BatchNormalization";
    let (_, c) = batch_channels(op, x.shape())?;
    for (name, t) in [
        ("scale", scale),
        ("B", bias),
        ("input_mean", mean),
        ("input_var", var),
    ] {
        if t.shape() != [c] {
            return Err(KernelError::Mismatch {
                op,
                detail: format!(
                    "{name} has shape {:?}, expected [{c}] (the channels of X {:?})",
                    t.shape(),
                    x.shape()
                ),
            });
        }
    }
    let inner: usize = x.shape()[2..].iter().product();
    let mut data = x.data().to_vec();
    for (k, plane) in data.chunks_exact_mut(inner.max(1)).enumerate() {
        let ch = k % c.max(1);
        let factor = scale.data()[ch] / (var.data()[ch] + epsilon).sqrt();
        let (m, b) = (mean.data()[ch], bias.data()[ch]);
        plane.iter_mut().for_each(|v| *v = (*v - m) * factor + b);
    }
    output(op, x.shape().to_vec(), data)
}

/// ONNX `LRN`: `y = x / (bias + alpha / size * square_sum)^beta`, where `square_sum` at channel
/// `c` sums `x^2` over channels `c - floor((size - 1) / 2) ..= c + ceil((size - 1) / 2)` (clipped to
/// the existing channels).
pub fn lrn(
    x: &Tensor,
    size: usize,
    alpha: f32,
    beta: f32,
    bias: f32,
) -> Result<Tensor, KernelError> {
    let op = "LRN";
    let (_, c) = batch_channels(op, x.shape())?;
    if size == 0 {
        let detail = "must be at least 1".to_owned();
        return Err(KernelError::Attribute {
            op,
            name: "size",
            detail,
        });
    }
    let (below, above) = ((size - 1) / 2, size - 1 - (size - 1) / 2);
    let (_, _, inner) = split_at_axis(x.shape(), 1);
    let squares: Vec<f32> = x.data().iter().map(|v| v * v).collect();
    let coeff = alpha / size as f32;
    let mut data = x.data().to_vec();
    for (k, plane) in data.chunks_exact_mut(inner.max(1)).enumerate() {
        let (image, ch) = (k / c, k % c);
        let window = ch.saturating_sub(below)..(ch + above + 1).min(c);
        for (i, v) in plane.iter_mut().enumerate() {
            let sum: f32 = window
                .clone()
                .map(|cc| squares[(image * c + cc) * inner + i])
                .sum();
            *v /= (bias + coeff * sum).powf(beta);
        }
    }
    output(op, x.shape().to_vec(), data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, iota, t};

    #[test]
    fn softmax_last_axis() -> Result<(), KernelError> {
        let x = t(&[2, 3], &[1., 2., 3., 1000., 1000., 1000.]);
        let expected = [
            0.09003057,
            0.24472848,
            0.66524094,
            1. / 3.,
            1. / 3.,
            1. / 3.,
        ];
        assert_close(&softmax(&x, -1)?, &[2, 3], &expected);
        assert_close(&softmax(&x, 1)?, &[2, 3], &expected);
        Ok(())
    }

    #[test]
    fn softmax_axis_1_of_3d() -> Result<(), KernelError> {
        // Values from onnxruntime: Softmax(axis=1) on arange(12).reshape(2, 3, 2) / 4.
        let x = iota(&[2, 3, 2], 0.0).map(|v| v / 4.0);
        let expected = [
            0.18632373, 0.18632373, 0.3071959, 0.3071959, 0.5064804, 0.5064804, 0.18632373,
            0.18632373, 0.3071959, 0.3071959, 0.5064804, 0.5064804,
        ];
        assert_close(&softmax(&x, 1)?, &[2, 3, 2], &expected);
        Ok(())
    }

    #[test]
    fn log_softmax_axes() -> Result<(), KernelError> {
        let x = t(&[2, 3], &[1., 2., 3., -1000., 0., 1000.]);
        let expected = [-2.407606, -1.407606, -0.40760595, -2000., -1000., 0.];
        assert_close(&log_softmax(&x, -1)?, &[2, 3], &expected);
        // Along axis 0 each column has two elements.
        let x = t(&[2, 2], &[0., 1., 0., 3.]);
        let expected = [
            -std::f32::consts::LN_2,
            -2.126928,
            -std::f32::consts::LN_2,
            -0.126928,
        ];
        assert_close(&log_softmax(&x, 0)?, &[2, 2], &expected);
        Ok(())
    }

    #[test]
    fn softmax_rejects_bad_axis() {
        let err = softmax(&iota(&[2, 3], 0.0), 2);
        assert_eq!(
            err,
            Err(KernelError::Axis {
                op: "Softmax",
                axis: 2,
                rank: 2
            })
        );
        assert!(log_softmax(&Tensor::scalar(1.0), 0).is_err());
    }

    #[test]
    fn batch_norm_per_channel() -> Result<(), KernelError> {
        // x: [1, 2, 2], channel 0: mean 1, var 4 -> (x - 1) / 2 * 3 + 1; channel 1: mean 0, var 1
        // -> x * 2 - 1.
        let x = t(&[1, 2, 2], &[1., 3., -1., 2.]);
        let (scale, bias) = (t(&[2], &[3., 2.]), t(&[2], &[1., -1.]));
        let (mean, var) = (t(&[2], &[1., 0.]), t(&[2], &[4., 1.]));
        let y = batch_norm(&x, &scale, &bias, &mean, &var, 0.0)?;
        assert_close(&y, &[1, 2, 2], &[1., 4., -3., 3.]);
        // Epsilon enters under the square root.
        let y = batch_norm(&x, &scale, &bias, &mean, &t(&[2], &[3., 1.]), 1.0)?;
        assert_close(
            &y,
            &[1, 2, 2],
            &[1., 4., -1.0 - 2.0_f32.sqrt(), 2.0 * 2.0_f32.sqrt() - 1.0],
        );
        Ok(())
    }

    #[test]
    fn batch_norm_2d_input_and_errors() -> Result<(), KernelError> {
        let ones = Tensor::filled(vec![2], 1.0);
        let zeros = Tensor::zeros(vec![2]);
        let y = batch_norm(
            &t(&[2, 2], &[1., 2., 3., 4.]),
            &ones,
            &zeros,
            &zeros,
            &ones,
            0.0,
        )?;
        assert_close(&y, &[2, 2], &[1., 2., 3., 4.]);
        let err = batch_norm(&iota(&[1, 3, 2], 0.0), &ones, &ones, &ones, &ones, 0.0);
        assert!(matches!(err, Err(KernelError::Mismatch { .. })), "{err:?}");
        let err = batch_norm(&iota(&[3], 0.0), &ones, &ones, &ones, &ones, 0.0);
        assert!(matches!(err, Err(KernelError::Rank { .. })), "{err:?}");
        Ok(())
    }

    #[test]
    fn lrn_size_3_and_even_size() -> Result<(), KernelError> {
        // Values from onnxruntime on x = arange(1, 9).reshape(1, 4, 1, 2).
        let x = iota(&[1, 4, 1, 2], 1.0);
        let expected = [
            0.37739524, 0.5698768, 0.64070964, 0.64757746, 0.62992775, 0.6044456, 0.95024943,
            0.89081985,
        ];
        assert_close(&lrn(&x, 3, 0.5, 0.75, 2.0)?, &[1, 4, 1, 2], &expected);
        // size 2 sums channels c ..= c + 1 (onnxruntime only accepts odd sizes; numpy of the ONNX formula).
        let expected = [
            0.40824828,
            0.6030227,
            std::f32::consts::FRAC_1_SQRT_2,
            0.76980036,
            0.8111071,
            0.84016806,
            1.3862066,
            1.3926213,
        ];
        assert_close(&lrn(&x, 2, 1.0, 0.5, 1.0)?, &[1, 4, 1, 2], &expected);
        Ok(())
    }

    #[test]
    fn lrn_rejects_size_zero() {
        let err = lrn(&iota(&[1, 2, 1, 1], 0.0), 0, 1.0, 0.5, 1.0);
        assert!(
            matches!(err, Err(KernelError::Attribute { name: "size", .. })),
            "{err:?}"
        );
    }
}
