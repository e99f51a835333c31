//! ONNX `Conv` on `[N, C, W]` or `[N, C, H, W]`: groups (including depthwise and channel
//! multipliers), strides, dilations and asymmetric pads. Each image and group is lowered to im2col
//! (one column per output pixel, one row per (channel, kernel tap)) followed by a dense
//! `weights x columns` product, the same matrix view the crossbars use.

use super::matmul::gemm_acc;
use super::window::{Axis, ConvGeometry, Tap};
use super::{output, ConvParams, KernelError};
use crate::Tensor;

/// ONNX `Conv`: `x` is `[N, C, (H,) W]`, `w` is `[C_out, C / group, (kH,) kW]`, `bias` (if any)
/// is `[C_out]`. The kernel shape comes from `w`.
pub fn conv(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    params: &ConvParams,
) -> Result<Tensor, KernelError> {
    let geometry = ConvGeometry::new(x.shape(), w.shape(), params)?;
    let (c_out, group) = (geometry.out_channels, geometry.group);
    if let Some(b) = bias.filter(|b| b.shape() != [c_out]) {
        return Err(KernelError::Mismatch {
            op: "Conv",
            detail: format!(
                "bias B has shape {:?}, expected [{c_out}] (the output channels of W {:?})",
                b.shape(),
                w.shape()
            ),
        });
    }
    let shape = geometry.spatial.output_shape(c_out);
    let mut y = vec![0.0; shape.iter().product()];
    if y.is_empty() {
        return output("Conv", shape, y);
    }
    let lowered = Lowered::new(&geometry);
    let c_out_g = c_out / group;
    let x_len = lowered.channels * lowered.h.input * lowered.w.input;
    let w_len = c_out_g * lowered.rows;
    let mut columns = Vec::new();
    // (image, group) pairs are consecutive, in the same order, in both x and y.
    for (k, y_group) in y.chunks_exact_mut(c_out_g * lowered.pixels()).enumerate() {
        let g = k % group;
        for (o, y_channel) in y_group.chunks_exact_mut(lowered.pixels()).enumerate() {
            y_channel.fill(bias.map_or(0.0, |b| b.data()[g * c_out_g + o]));
        }
        let (x_group, w_group) = (
            &x.data()[k * x_len..][..x_len],
            &w.data()[g * w_len..][..w_len],
        );
        lowered.accumulate(x_group, w_group, y_group, &mut columns);
    }
    output("Conv", shape, y)
}

/// Elements of the im2col buffer built at once: bands of output rows are lowered in turn so that
/// the buffer stays in cache (and memory stays bounded) for large images.
const COLUMNS_TARGET: usize = 1 << 18;

/// One group of a conv lowered to `weights [C_out_g, rows] x columns [rows, pixels]`.
struct Lowered {
    h: Axis,
    w: Axis,
    h_taps: Vec<Tap>,
    w_taps: Vec<Tap>,
    /// Input channels per group, `C_in_g`.
    channels: usize,
    /// `C_in_g * kH * kW`.
    rows: usize,
}

impl Lowered {
    /// The lowering of one group of `geometry`.
    fn new(geometry: &ConvGeometry) -> Self {
        let (h, w) = geometry.spatial.planar();
        let channels = geometry.spatial.channels / geometry.group;
        Self {
            h_taps: h.taps(),
            w_taps: w.taps(),
            channels,
            rows: channels * h.kernel * w.kernel,
            h,
            w,
        }
    }

    /// Output pixels per channel.
    fn pixels(&self) -> usize {
        self.h.output * self.w.output
    }

    /// `y += weights * im2col(x)` for one image and group (`x`: `[C_in_g, H, W]`, `weights`:
    /// `[C_out_g, rows]`, `y`: `[C_out_g, outH * outW]`), one band of output rows at a time.
    fn accumulate(&self, x: &[f32], weights: &[f32], y: &mut [f32], columns: &mut Vec<f32>) {
        let (out_w, pixels) = (self.w.output, self.pixels());
        let band = (COLUMNS_TARGET / (self.rows * out_w).max(1)).clamp(1, self.h.output);
        let c_out_g = weights.len() / self.rows.max(1);
        for oh0 in (0..self.h.output).step_by(band) {
            let cols = (band.min(self.h.output - oh0)) * out_w;
            columns.resize(self.rows * cols, 0.0);
            self.im2col(x, oh0, cols, columns);
            gemm_acc(
                c_out_g,
                cols,
                self.rows,
                weights,
                columns,
                &mut y[oh0 * out_w..],
                pixels,
            );
        }
    }

    /// Fills `columns` (`[rows, cols]`) with the window taps of the channels in `x` for the output
    /// pixels starting at row `oh0`; taps on padding are 0.
    fn im2col(&self, x: &[f32], oh0: usize, cols: usize, columns: &mut [f32]) {
        let (h, w) = (&self.h, &self.w);
        let taps_per_channel = h.kernel * w.kernel;
        for (r, row) in columns.chunks_exact_mut(cols).enumerate() {
            let (c, kh, kw) = (r / taps_per_channel, r / w.kernel % h.kernel, r % w.kernel);
            let plane = &x[c * h.input * w.input..(c + 1) * h.input * w.input];
            for (oh, out_row) in (oh0..).zip(row.chunks_exact_mut(w.output)) {
                let Tap::Input(ih) = self.h_taps[oh * h.kernel + kh] else {
                    out_row.fill(0.0);
                    continue;
                };
                let line = &plane[ih * w.input..(ih + 1) * w.input];
                for (ow, v) in out_row.iter_mut().enumerate() {
                    *v = match self.w_taps[ow * w.kernel + kw] {
                        Tap::Input(iw) => line[iw],
                        Tap::Pad | Tap::Overhang => 0.0,
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, iota, t};
    use crate::kernels::Window;

    /// `(i % m) - offset` for the i-th element: small integers, the same pattern the onnxruntime
    /// reference values were computed on.
    fn pattern(shape: &[usize], m: usize, offset: f32) -> Tensor {
        let len: usize = shape.iter().product();
        t(
            shape,
            &(0..len)
                .map(|i| (i % m) as f32 - offset)
                .collect::<Vec<_>>(),
        )
    }

    fn params(strides: &[usize], pads: &[usize], dilations: &[usize], group: usize) -> ConvParams {
        let window = Window {
            kernel: Vec::new(),
            strides: strides.to_vec(),
            pads: pads.to_vec(),
            dilations: dilations.to_vec(),
        };
        ConvParams { window, group }
    }

    #[test]
    fn conv_plain_with_bias() -> Result<(), KernelError> {
        // 1..9 as 3x3, kernel [[1, 2], [3, 4]], bias 10: e.g. 1 + 2*2 + 3*4 + 4*5 + 10 = 47.
        let y = conv(
            &iota(&[1, 1, 3, 3], 1.0),
            &iota(&[1, 1, 2, 2], 1.0),
            Some(&t(&[1], &[10.])),
            &ConvParams::default(),
        )?;
        assert_close(&y, &[1, 1, 2, 2], &[47., 57., 77., 87.]);
        Ok(())
    }

    #[test]
    fn conv_asymmetric_pads_strides_dilations() -> Result<(), KernelError> {
        // Values from onnxruntime.
        let (x, w) = (
            pattern(&[1, 2, 5, 6], 7, 3.0),
            pattern(&[2, 2, 2, 3], 5, 2.0),
        );
        let b = t(&[2], &[0.5, -1.]);
        let y = conv(
            &x,
            &w,
            Some(&b),
            &params(&[2, 1], &[1, 0, 0, 2], &[1, 2], 1),
        )?;
        let expected = [
            -13.5, -6.5, -2.5, 14.5, -6.5, 4.5, -4.5, -5.5, 13.5, 24.5, -9.5, 3.5, 10., 0., -1.,
            -5., -6., -5., 11., 11., -8., -21., -3., -3.,
        ];
        assert_close(&y, &[1, 2, 3, 4], &expected);
        Ok(())
    }

    #[test]
    fn conv_two_groups() -> Result<(), KernelError> {
        // Values from onnxruntime.
        let (x, w) = (
            pattern(&[1, 4, 3, 3], 7, 3.0),
            pattern(&[2, 2, 2, 2], 5, 2.0),
        );
        let y = conv(&x, &w, None, &params(&[], &[], &[], 2))?;
        assert_close(&y, &[1, 2, 2, 2], &[5., 2., -4., 7., 8., 9., -10., 5.]);
        Ok(())
    }

    #[test]
    fn conv_depthwise_padded() -> Result<(), KernelError> {
        // Values from onnxruntime: group == C_in == C_out == 3, 3x3 kernel, pads 1.
        let (x, w) = (
            pattern(&[1, 3, 3, 3], 7, 3.0),
            pattern(&[3, 1, 3, 3], 5, 2.0),
        );
        let b = t(&[3], &[1., 2., 3.]);
        let y = conv(&x, &w, Some(&b), &params(&[], &[1, 1, 1, 1], &[], 3))?;
        let expected = [
            0., -2., -4., -1., 2., 14., 13., 1., -10., -1., -3., 0., 14., 1., -1., -9., 2., 14.,
            13., 4., -1., -2., 0., 11., 2., 0., -2.,
        ];
        assert_close(&y, &[1, 3, 3, 3], &expected);
        Ok(())
    }

    #[test]
    fn conv_channel_multiplier_batch_2() -> Result<(), KernelError> {
        // Values from onnxruntime: C_in 2, group 2, C_out 4 (multiplier 2), strides [1, 2], N = 2.
        let (x, w) = (
            pattern(&[2, 2, 3, 3], 7, 3.0),
            pattern(&[4, 1, 2, 2], 5, 2.0),
        );
        let y = conv(&x, &w, None, &params(&[1, 2], &[], &[], 2))?;
        let expected = [
            9., -4., -2., -5., -8., 13., -2., 1., -6., 9., 1., -2., -1., -8., -5., -2.,
        ];
        assert_close(&y, &[2, 4, 2, 1], &expected);
        Ok(())
    }

    #[test]
    fn conv_1d_strided_dilated_padded() -> Result<(), KernelError> {
        // Values from onnxruntime: width 7, kernel 3, stride 2, pads [1, 2], dilation 2.
        let (x, w) = (pattern(&[1, 2, 7], 7, 3.0), pattern(&[3, 2, 3], 5, 2.0));
        let b = t(&[3], &[0., 1., -1.]);
        let y = conv(&x, &w, Some(&b), &params(&[2], &[1, 2], &[2], 1))?;
        assert_close(&y, &[1, 3, 3], &[-2., -2., 2., 5., -1., -3., -1., 7., -1.]);
        Ok(())
    }

    #[test]
    fn conv_errors() {
        let (x, w) = (iota(&[1, 2, 3, 3], 0.0), iota(&[1, 2, 2, 2], 0.0));
        let err = conv(&x, &w, Some(&iota(&[2], 0.0)), &ConvParams::default());
        assert!(
            matches!(err, Err(KernelError::Mismatch { op: "Conv", .. })),
            "{err:?}"
        );
        let err = conv(&x, &iota(&[1, 3, 2, 2], 0.0), None, &ConvParams::default());
        assert!(
            matches!(err, Err(KernelError::Mismatch { op: "Conv", .. })),
            "{err:?}"
        );
        let err = conv(&x, &iota(&[1, 2, 2], 0.0), None, &ConvParams::default());
        assert!(
            matches!(err, Err(KernelError::Mismatch { op: "Conv", .. })),
            "{err:?}"
        );
        let err = conv(&x, &w, None, &params(&[], &[], &[], 0));
        assert!(
            matches!(err, Err(KernelError::Attribute { name: "group", .. })),
            "{err:?}"
        );
        let err = conv(&x, &iota(&[1, 2, 4, 4], 0.0), None, &ConvParams::default());
        assert!(
            matches!(err, Err(KernelError::WindowTooLarge { .. })),
            "{err:?}"
        );
        let err = conv(
            &iota(&[2, 3], 0.0),
            &iota(&[1, 3], 0.0),
            None,
            &ConvParams::default(),
        );
        assert!(
            matches!(err, Err(KernelError::Rank { operand: "X", .. })),
            "{err:?}"
        );
    }

    /// Direct convolution from the ONNX definition, for 2-D inputs: an independent reference.
    fn direct_conv(x: &Tensor, w: &Tensor, stride: usize, pad: usize, group: usize) -> Vec<f32> {
        let ([n, c, h, wd], [co, cig, kh, kw]) = (x.shape(), w.shape()) else {
            return Vec::new();
        };
        let (oh, ow) = (
            (h + 2 * pad - kh) / stride + 1,
            (wd + 2 * pad - kw) / stride + 1,
        );
        let cog = co / group;
        let mut y = Vec::new();
        for (b, o, r, s) in (0..*n).flat_map(|b| {
            (0..*co)
                .flat_map(move |o| (0..oh).flat_map(move |r| (0..ow).map(move |s| (b, o, r, s))))
        }) {
            let mut acc = 0.0;
            for (i, p, q) in
                (0..*cig).flat_map(|i| (0..*kh).flat_map(move |p| (0..*kw).map(move |q| (i, p, q))))
            {
                let (ih, iw) = (
                    (r * stride + p).wrapping_sub(pad),
                    (s * stride + q).wrapping_sub(pad),
                );
                if ih < *h && iw < *wd {
                    let ci = o / cog * cig + i;
                    acc += x.data()[((b * c + ci) * h + ih) * wd + iw]
                        * w.data()[((o * cig + i) * kh + p) * kw + q];
                }
            }
            y.push(acc);
        }
        y
    }

    #[test]
    fn conv_large_image_in_bands_matches_direct() -> Result<(), KernelError> {
        // 2 x 4 x 150 x 150 image, 2 groups, 3x3, stride 1, pad 1: 18 rows x 150 columns per output row
        // needs two im2col bands; the output width 150 is not a multiple of the tile width.
        let (x, w) = (
            pattern(&[2, 4, 150, 150], 7, 3.0),
            pattern(&[6, 2, 3, 3], 5, 2.0),
        );
        let y = conv(&x, &w, None, &params(&[], &[1, 1, 1, 1], &[], 2))?;
        assert_close(&y, &[2, 6, 150, 150], &direct_conv(&x, &w, 1, 1, 2));
        let y = conv(&x, &w, None, &params(&[2, 2], &[1, 1, 1, 1], &[], 2))?;
        assert_close(&y, &[2, 6, 75, 75], &direct_conv(&x, &w, 2, 1, 2));
        Ok(())
    }
}
