//! Pooling: `MaxPool`, `AveragePool` (windowed, 1-D or 2-D, sharing one window iteration) and
//! `GlobalAveragePool` / `GlobalMaxPool` (whole spatial extent, any spatial rank).
//!
//! Window semantics follow onnxruntime: a window covers the input elements its taps land on; explicit
//! padding contributes nothing to a max and counts towards an average's divisor only with
//! `count_include_pad`; taps past the end padding (the overhang of a `ceil_mode` window, or of a
//! window longer than the padded input) are clipped and never counted. A window with no input
//! element yields `f32::MIN` (max) or 0 (average), as in onnxruntime. The number of windows is
//! [`pool_output_shape`](super::pool_output_shape)'s.

use super::window::{pool_geometry, Axis, Tap};
use super::{batch_channels, output, KernelError, Window};
use crate::Tensor;

/// One window position along one axis: the input indices it covers and how many of its taps fall on
/// the input or the explicit padding (not the ceil-mode overhang).
struct AxisWindow {
    inputs: Vec<usize>,
    padded: usize,
}

/// The windows of every output position along `axis`.
fn axis_windows(axis: &Axis) -> Vec<AxisWindow> {
    axis.taps()
        .chunks(axis.kernel)
        .map(|taps| AxisWindow {
            inputs: taps
                .iter()
                .filter_map(|&t| match t {
                    Tap::Input(i) => Some(i),
                    Tap::Pad | Tap::Overhang => None,
                })
                .collect(),
            padded: taps.iter().filter(|&&t| t != Tap::Overhang).count(),
        })
        .collect()
}

/// Applies `reduce(window values, padded tap count)` to every window of every plane of `x`.
fn pool_windows(
    op: &'static str,
    x: &Tensor,
    window: &Window,
    ceil_mode: bool,
    reduce: impl Fn(&[f32], usize) -> f32,
) -> Result<Tensor, KernelError> {
    let spatial = pool_geometry(op, x.shape(), window, ceil_mode)?;
    let (h, w) = spatial.planar();
    let (h_windows, w_windows) = (axis_windows(&h), axis_windows(&w));
    let plane_len = h.input * w.input;
    let planes = spatial.batch * spatial.channels;
    let mut data = Vec::with_capacity(planes * h.output * w.output);
    let mut values = Vec::with_capacity(h.kernel * w.kernel);
    for p in 0..planes {
        let plane = &x.data()[p * plane_len..(p + 1) * plane_len];
        for hw in &h_windows {
            for ww in &w_windows {
                values.clear();
                for row in hw.inputs.iter().map(|&ih| &plane[ih * w.input..]) {
                    values.extend(ww.inputs.iter().map(|&iw| row[iw]));
                }
                data.push(reduce(&values, hw.padded * ww.padded));
            }
        }
    }
    output(op, spatial.output_shape(spatial.channels), data)
}

/// The largest value, or `f32::MIN` (onnxruntime's initial value) when there is none.
fn max_of(values: &[f32]) -> f32 {
    values.iter().copied().reduce(f32::max).unwrap_or(f32::MIN)
}

/// The sum of `values` divided by `count`, or 0 when there are no values.
fn mean_of(values: &[f32], count: usize) -> f32 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f32>() / count as f32
    }
}

/// ONNX `MaxPool` on `[N, C, W]` or `[N, C, H, W]` (pads must be smaller than the kernel).
pub fn max_pool(x: &Tensor, window: &Window, ceil_mode: bool) -> Result<Tensor, KernelError> {
    pool_windows("MaxPool", x, window, ceil_mode, |values, _| max_of(values))
}

/// ONNX `AveragePool` on `[N, C, W]` or `[N, C, H, W]`. The divisor is the number of input
/// elements in the window, or with `count_include_pad` the number of taps on the input or the
/// explicit padding (the ceil-mode overhang never counts).
pub fn average_pool(
    x: &Tensor,
    window: &Window,
    ceil_mode: bool,
    count_include_pad: bool,
) -> Result<Tensor, KernelError> {
    pool_windows("AveragePool", x, window, ceil_mode, |values, padded| {
        mean_of(
            values,
            if count_include_pad {
                padded
            } else {
                values.len()
            },
        )
    })
}

/// Reduces each `[N, C]` plane of `x` (any spatial rank) to one value; the result has shape
/// `[N, C, 1, ...]` with the rank of `x`.
fn global_pool(
    op: &'static str,
    x: &Tensor,
    reduce: impl Fn(&[f32]) -> f32,
) -> Result<Tensor, KernelError> {
    let (n, c) = batch_channels(op, x.shape())?;
    let plane_len: usize = x.shape()[2..].iter().product();
    let data = (0..n * c)
        .map(|p| reduce(&x.data()[p * plane_len..(p + 1) * plane_len]))
        .collect();
    let shape = [n, c]
        .into_iter()
        .chain(x.shape()[2..].iter().map(|_| 1))
        .collect();
    output(op, shape, data)
}

/// ONNX `GlobalAveragePool`: the mean of each channel plane.
pub fn global_average_pool(x: &Tensor) -> Result<Tensor, KernelError> {
    global_pool("GlobalAveragePool", x, |plane| mean_of(plane, plane.len()))
}

/// ONNX `GlobalMaxPool`: the maximum of each channel plane.
pub fn global_max_pool(x: &Tensor) -> Result<Tensor, KernelError> {
    global_pool("GlobalMaxPool", x, max_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, iota, t};

    /// 1..=25 as a [1, 1, 5, 5] image.
    fn image5() -> Tensor {
        iota(&[1, 1, 5, 5], 1.0)
    }

    fn win(kernel: &[usize], strides: &[usize], pads: &[usize], dilations: &[usize]) -> Window {
        Window {
            kernel: kernel.to_vec(),
            strides: strides.to_vec(),
            pads: pads.to_vec(),
            dilations: dilations.to_vec(),
        }
    }

    #[test]
    fn max_pool_plain_2x2() -> Result<(), KernelError> {
        let y = max_pool(&image5(), &win(&[2, 2], &[2, 2], &[], &[]), false)?;
        assert_close(&y, &[1, 1, 2, 2], &[7., 9., 17., 19.]);
        Ok(())
    }

    #[test]
    fn max_pool_ceil_mode_overhang() -> Result<(), KernelError> {
        let y = max_pool(&image5(), &win(&[2, 2], &[2, 2], &[], &[]), true)?;
        assert_close(
            &y,
            &[1, 1, 3, 3],
            &[7., 9., 10., 17., 19., 20., 22., 24., 25.],
        );
        Ok(())
    }

    #[test]
    fn max_pool_padding_is_not_a_value() -> Result<(), KernelError> {
        // All-negative input: padding must not contribute zeros.
        let x = iota(&[1, 1, 2, 2], -10.0);
        let y = max_pool(&x, &win(&[2, 2], &[1, 1], &[1, 1, 1, 1], &[]), false)?;
        assert_close(
            &y,
            &[1, 1, 3, 3],
            &[-10., -9., -9., -8., -7., -7., -8., -7., -7.],
        );
        Ok(())
    }

    #[test]
    fn max_pool_dilated_asymmetric_ceil() -> Result<(), KernelError> {
        // Values from onnxruntime: kernel 2x2, stride 2, pads [1, 0, 0, 0], dilations 2, ceil_mode.
        let x = image5().map(|v| v - 12.5);
        let y = max_pool(&x, &win(&[2, 2], &[2, 2], &[1, 0, 0, 0], &[2, 2]), true)?;
        assert_close(&y, &[1, 1, 3, 2], &[-4.5, -2.5, 5.5, 7.5, 5.5, 7.5]);
        Ok(())
    }

    #[test]
    fn max_pool_window_without_input_gives_lowest() -> Result<(), KernelError> {
        // Width 2, kernel 2 dilated by 3, pads 1/1: the only window's taps (-1 and 2) are both padding.
        let y = max_pool(
            &t(&[1, 1, 2], &[1., 2.]),
            &win(&[2], &[], &[1, 1], &[3]),
            false,
        )?;
        assert_close(&y, &[1, 1, 1], &[f32::MIN]);
        let y = average_pool(
            &t(&[1, 1, 2], &[1., 2.]),
            &win(&[2], &[], &[1, 1], &[3]),
            false,
            true,
        )?;
        assert_close(&y, &[1, 1, 1], &[0.]);
        Ok(())
    }

    #[test]
    fn average_pool_asymmetric_pads_ceil_count_include_pad_off_and_on() -> Result<(), KernelError> {
        // Values from onnxruntime: kernel 3x3, stride 2, pads [1, 0, 0, 1], ceil_mode.
        let w = win(&[3, 3], &[2, 2], &[1, 0, 0, 1], &[]);
        let y = average_pool(&image5(), &w, true, false)?;
        assert_close(
            &y,
            &[1, 1, 3, 3],
            &[4.5, 6.5, 7.5, 12., 14., 15., 19.5, 21.5, 22.5],
        );
        let y = average_pool(&image5(), &w, true, true)?;
        let expected = [3., 4.3333335, 2.5, 12., 14., 7.5, 19.5, 21.5, 11.25];
        assert_close(&y, &[1, 1, 3, 3], &expected);
        Ok(())
    }

    #[test]
    fn average_pool_dilated_count_include_pad() -> Result<(), KernelError> {
        // Values from onnxruntime: as above with dilations [2, 1].
        let w = win(&[3, 3], &[2, 2], &[1, 0, 0, 1], &[2, 1]);
        let y = average_pool(&image5(), &w, true, false)?;
        assert_close(&y, &[1, 1, 2, 3], &[12., 14., 15., 12., 14., 15.]);
        let y = average_pool(&image5(), &w, true, true)?;
        assert_close(&y, &[1, 1, 2, 3], &[8., 9.333333, 5., 12., 14., 7.5]);
        Ok(())
    }

    #[test]
    fn pool_1d_with_ceil_rule() -> Result<(), KernelError> {
        // Values from onnxruntime: width 5, kernel 3, stride 3, end pad 2, ceil_mode: the third
        // window would start in the end padding, so there are two outputs.
        let x = iota(&[1, 1, 5], 1.0);
        let w = win(&[3], &[3], &[0, 2], &[]);
        assert_close(&max_pool(&x, &w, true)?, &[1, 1, 2], &[3., 5.]);
        assert_close(&average_pool(&x, &w, true, true)?, &[1, 1, 2], &[2., 3.]);
        assert_close(&average_pool(&x, &w, true, false)?, &[1, 1, 2], &[2., 4.5]);
        Ok(())
    }

    #[test]
    fn pool_1d_batch_and_channels() -> Result<(), KernelError> {
        // [2, 2, 4] with kernel 2, stride 1: each plane pooled independently.
        let x = iota(&[2, 2, 4], 0.0);
        let y = average_pool(&x, &win(&[2], &[], &[], &[]), false, false)?;
        let expected = [
            0.5, 1.5, 2.5, 4.5, 5.5, 6.5, 8.5, 9.5, 10.5, 12.5, 13.5, 14.5,
        ];
        assert_close(&y, &[2, 2, 3], &expected);
        Ok(())
    }

    #[test]
    fn pool_window_longer_than_the_input_follows_onnxruntime() -> Result<(), KernelError> {
        // Values from onnxruntime. A 6x6 window on 5x5 with stride 2 is short by less than a
        // stride: one clipped window (the overhang does not count, even with count_include_pad).
        let w = win(&[6, 6], &[2, 2], &[], &[]);
        assert_close(&max_pool(&image5(), &w, false)?, &[1, 1, 1, 1], &[25.]);
        assert_close(
            &average_pool(&image5(), &w, false, true)?,
            &[1, 1, 1, 1],
            &[13.],
        );
        // With stride 1 it is short by a full stride: no window at all.
        let y = max_pool(&image5(), &win(&[6, 6], &[], &[], &[]), false)?;
        assert_close(&y, &[1, 1, 0, 0], &[]);
        // Dilated window exactly covering both pads: rows -1, 1, 3, 5 (pads at -1 and 5).
        let w = win(&[4, 4], &[3, 3], &[1, 0, 1, 0], &[2, 1]);
        assert_close(
            &average_pool(&image5(), &w, false, true)?,
            &[1, 1, 1, 1],
            &[6.25],
        );
        assert_close(
            &average_pool(&image5(), &w, false, false)?,
            &[1, 1, 1, 1],
            &[12.5],
        );
        Ok(())
    }

    #[test]
    fn pool_errors() {
        let err = max_pool(&image5(), &win(&[7, 7], &[], &[], &[]), false);
        assert!(
            matches!(err, Err(KernelError::WindowTooLarge { op: "MaxPool", .. })),
            "{err:?}"
        );
        let err = average_pool(&image5(), &win(&[3], &[], &[], &[]), false, false);
        assert!(
            matches!(
                err,
                Err(KernelError::Attribute {
                    name: "kernel_shape",
                    ..
                })
            ),
            "{err:?}"
        );
        let err = max_pool(&iota(&[4], 0.0), &win(&[2], &[], &[], &[]), false);
        assert!(matches!(err, Err(KernelError::Rank { .. })), "{err:?}");
    }

    #[test]
    fn global_pools() -> Result<(), KernelError> {
        let x = t(&[1, 2, 2, 2], &[1., 2., 3., 6., -1., -2., -3., -4.]);
        assert_close(&global_average_pool(&x)?, &[1, 2, 1, 1], &[3., -2.5]);
        assert_close(&global_max_pool(&x)?, &[1, 2, 1, 1], &[6., -1.]);
        let x = iota(&[2, 1, 3], 0.0);
        assert_close(&global_average_pool(&x)?, &[2, 1, 1], &[1., 4.]);
        assert_close(&global_max_pool(&x)?, &[2, 1, 1], &[2., 5.]);
        assert!(global_max_pool(&iota(&[3], 0.0)).is_err());
        Ok(())
    }
}
