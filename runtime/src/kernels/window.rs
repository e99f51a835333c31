//! Sliding-window geometry shared by convolution and pooling: the attributes ([`Window`],
//! [`ConvParams`]), their validation, the output size along each spatial axis, and where every tap
//! of every window lands ([`Tap`]). Conv (through im2col) and the pools iterate windows only through
//! [`Axis::taps`], so padding, dilation and ceil-mode overhang are handled in one place.
//!
//! Inputs have one or two spatial axes (NCW or NCHW); [`Spatial::planar`] views a 1-D problem as a
//! 2-D one of height 1 so that the compute loops exist once.

use super::KernelError;

/// Window attributes shared by `Conv`, `MaxPool` and `AveragePool`, in ONNX form with one entry per
/// spatial axis. An empty `strides`, `pads` or `dilations` means the ONNX default (all 1, all 0,
/// all 1); an empty `kernel` is allowed for conv only, where the kernel shape comes from the weight.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Window {
    /// Kernel extent per spatial axis (`kernel_shape`).
    pub kernel: Vec<usize>,
    /// Step per spatial axis.
    pub strides: Vec<usize>,
    /// Padding in ONNX order: all beginnings, then all ends (`[h_begin, w_begin, h_end, w_end]`).
    pub pads: Vec<usize>,
    /// Spacing between kernel taps per spatial axis.
    pub dilations: Vec<usize>,
}

impl Window {
    /// A window of the given kernel shape with unit strides and dilations and no padding.
    pub fn new(kernel: Vec<usize>) -> Self {
        Self {
            kernel,
            ..Self::default()
        }
    }
}

/// Attributes of `Conv`. The kernel shape is taken from the weight; `window.kernel`, when not
/// empty, must agree with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvParams {
    /// Strides, pads, dilations (and optionally the kernel shape).
    pub window: Window,
    /// Number of groups: input and output channels are split into `group` independent convolutions
    /// (`group == C_in` is depthwise; `C_out = k * group` gives a channel multiplier `k`).
    pub group: usize,
}

impl Default for ConvParams {
    /// No padding, unit strides and dilations, one group.
    fn default() -> Self {
        Self {
            window: Window::default(),
            group: 1,
        }
    }
}

/// Where one tap of a window falls along one spatial axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tap {
    /// On the input element at this index.
    Input(usize),
    /// On explicit padding (`pads`).
    Pad,
    /// Past the end padding: only possible for the last pool windows (under `ceil_mode`, or when
    /// a window is longer than the padded input).
    Overhang,
}

/// The geometry of a window sliding along one spatial axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Axis {
    /// Input size.
    pub input: usize,
    /// Output size (number of window positions).
    pub output: usize,
    /// Kernel taps.
    pub kernel: usize,
    stride: usize,
    dilation: usize,
    pad_begin: usize,
    pad_end: usize,
}

impl Axis {
    /// The axis of extent one used to view a 1-D problem as 2-D.
    fn unit() -> Self {
        Self {
            input: 1,
            output: 1,
            kernel: 1,
            stride: 1,
            dilation: 1,
            pad_begin: 0,
            pad_end: 0,
        }
    }

    /// Where tap `k` of the window at output position `o` lands.
    fn tap(&self, o: usize, k: usize) -> Tap {
        // Position in padded coordinates (0 = first begin-pad element); saturation lands in Overhang.
        let p = o
            .saturating_mul(self.stride)
            .saturating_add(k.saturating_mul(self.dilation));
        match p.checked_sub(self.pad_begin) {
            None => Tap::Pad,
            Some(i) if i < self.input => Tap::Input(i),
            Some(i) if i - self.input < self.pad_end => Tap::Pad,
            Some(_) => Tap::Overhang,
        }
    }

    /// Every tap of every window: entry `o * kernel + k` is tap `k` of output position `o`.
    pub fn taps(&self) -> Vec<Tap> {
        (0..self.output)
            .flat_map(|o| (0..self.kernel).map(move |k| self.tap(o, k)))
            .collect()
    }
}

/// The spatial part of a conv or pool problem: the batch, the channels and one [`Axis`] per spatial
/// dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spatial {
    /// Batch size `N`.
    pub batch: usize,
    /// Input channels `C`.
    pub channels: usize,
    /// One or two spatial axes.
    pub axes: Vec<Axis>,
}

impl Spatial {
    /// The `[N, channels, out...]` shape of the result.
    pub fn output_shape(&self, channels: usize) -> Vec<usize> {
        [self.batch, channels]
            .into_iter()
            .chain(self.axes.iter().map(|a| a.output))
            .collect()
    }

    /// The (H, W) axes, with a unit H axis for 1-D problems.
    pub fn planar(&self) -> (Axis, Axis) {
        match self.axes.as_slice() {
            [h, w] => (h.clone(), w.clone()),
            [w] => (Axis::unit(), w.clone()),
            _ => (Axis::unit(), Axis::unit()),
        }
    }
}

/// The geometry of a convolution, validated against the input, the weight and the attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConvGeometry {
    /// Batch, input channels and spatial axes.
    pub spatial: Spatial,
    /// Output channels (the weight's first dimension).
    pub out_channels: usize,
    /// Number of groups.
    pub group: usize,
}

impl ConvGeometry {
    /// Validates a conv of input shape `x` with weight shape `w` and computes its geometry.
    pub fn new(x: &[usize], w: &[usize], params: &ConvParams) -> Result<Self, KernelError> {
        const OP: &str = "Conv";
        let (batch, c_in, x_spatial) = image_dims(OP, "X", x)?;
        if w.len() != x.len() {
            return Err(KernelError::Mismatch {
                op: OP,
                detail: format!("weight W {w:?} must have the same rank as input X {x:?}"),
            });
        }
        let (out_channels, w_channels, w_kernel) = (w[0], w[1], &w[2..]);
        let group = params.group;
        check_groups(c_in, w_channels, out_channels, group)?;
        let kernel = &params.window.kernel;
        if !kernel.is_empty() && kernel.as_slice() != w_kernel {
            return Err(KernelError::Attribute {
                op: OP,
                name: "kernel_shape",
                detail: format!(
                    "{kernel:?} does not match the spatial dims {w_kernel:?} of W {w:?}"
                ),
            });
        }
        let axes = axes(OP, x_spatial, w_kernel, &params.window, Positions::Conv)?;
        Ok(Self {
            spatial: Spatial {
                batch,
                channels: c_in,
                axes,
            },
            out_channels,
            group,
        })
    }
}

/// Checks that `group` divides the channels and that the weight's channel dim is `C_in / group`.
fn check_groups(
    c_in: usize,
    w_channels: usize,
    c_out: usize,
    group: usize,
) -> Result<(), KernelError> {
    let op = "Conv";
    if group == 0 {
        let detail = "must be at least 1".to_owned();
        return Err(KernelError::Attribute {
            op,
            name: "group",
            detail,
        });
    }
    if !c_in.is_multiple_of(group) || !c_out.is_multiple_of(group) {
        return Err(KernelError::Mismatch {
            op,
            detail: format!(
                "group {group} must divide both input channels {c_in} and output channels {c_out}"
            ),
        });
    }
    if w_channels.checked_mul(group) != Some(c_in) {
        return Err(KernelError::Mismatch {
            op,
            detail: format!(
                "input X has {c_in} channels but W expects {w_channels} per group x {group} groups = {}",
                w_channels.saturating_mul(group)
            ),
        });
    }
    Ok(())
}

/// Validates a pool of input shape `x` and computes its geometry. Like onnxruntime, pads must be
/// smaller than the kernel.
pub(crate) fn pool_geometry(
    op: &'static str,
    x: &[usize],
    window: &Window,
    ceil_mode: bool,
) -> Result<Spatial, KernelError> {
    let (batch, channels, x_spatial) = image_dims(op, "X", x)?;
    if window.kernel.len() != x_spatial.len() {
        return Err(attr_len(
            op,
            "kernel_shape",
            window.kernel.len(),
            x_spatial.len(),
        ));
    }
    let axes = axes(
        op,
        x_spatial,
        &window.kernel,
        window,
        Positions::Pool { ceil_mode },
    )?;
    let rank = axes.len();
    for (i, &p) in window.pads.iter().enumerate() {
        let k = window.kernel[i % rank];
        if p >= k {
            let detail = format!(
                "{:?}: pad {p} must be smaller than the kernel {k}",
                window.pads
            );
            return Err(KernelError::Attribute {
                op,
                name: "pads",
                detail,
            });
        }
    }
    Ok(Spatial {
        batch,
        channels,
        axes,
    })
}

/// Splits an NCW / NCHW shape into (N, C, spatial dims).
fn image_dims<'a>(
    op: &'static str,
    operand: &'static str,
    shape: &'a [usize],
) -> Result<(usize, usize, &'a [usize]), KernelError> {
    match shape {
        [n, c, spatial @ ..] if (1..=2).contains(&spatial.len()) => Ok((*n, *c, spatial)),
        _ => Err(KernelError::Rank {
            op,
            operand,
            shape: shape.to_vec(),
            expected: "rank 3 (N, C, W) or 4 (N, C, H, W)",
        }),
    }
}

/// An error for an attribute with the wrong number of values.
fn attr_len(op: &'static str, name: &'static str, got: usize, expected: usize) -> KernelError {
    let detail = format!("has {got} values, expected {expected}");
    KernelError::Attribute { op, name, detail }
}

/// `values`, or `default` repeated `len` times when empty. Checks the length and, when the default
/// is 1 (kernel, strides, dilations), that no value is 0.
fn per_axis(
    op: &'static str,
    name: &'static str,
    values: &[usize],
    len: usize,
    default: usize,
) -> Result<Vec<usize>, KernelError> {
    if values.is_empty() {
        return Ok(vec![default; len]);
    }
    if values.len() != len {
        return Err(attr_len(op, name, values.len(), len));
    }
    if default > 0 && values.contains(&0) {
        let detail = format!("{values:?} must be all >= 1");
        return Err(KernelError::Attribute { op, name, detail });
    }
    Ok(values.to_vec())
}

/// Builds and validates one [`Axis`] per spatial dim of `input`.
fn axes(
    op: &'static str,
    input: &[usize],
    kernel: &[usize],
    window: &Window,
    positions: Positions,
) -> Result<Vec<Axis>, KernelError> {
    let rank = input.len();
    let kernel = per_axis(op, "kernel_shape", kernel, rank, 1)?;
    let strides = per_axis(op, "strides", &window.strides, rank, 1)?;
    let dilations = per_axis(op, "dilations", &window.dilations, rank, 1)?;
    let pads = per_axis(op, "pads", &window.pads, 2 * rank, 0)?;
    (0..rank)
        .map(|i| {
            let mut axis = Axis {
                input: input[i],
                output: 0,
                kernel: kernel[i],
                stride: strides[i],
                dilation: dilations[i],
                pad_begin: pads[i],
                pad_end: pads[rank + i],
            };
            axis.output = output_size(op, i, &axis, positions)?;
            Ok(axis)
        })
        .collect()
}

/// How the number of window positions along an axis is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Positions {
    /// Conv: every window lies within the padded input (floor rule).
    Conv,
    /// Pools, following onnxruntime's integer arithmetic `trunc((padded - extent) / stride) + 1`
    /// (with `ceil_mode`, rounded up): a window longer than the padded input by less than one
    /// stride still gives one (clipped) position, by less than two strides none. With `ceil_mode`
    /// a partial last window counts only if it starts inside the input or its begin padding.
    Pool {
        /// Round the number of positions up instead of down.
        ceil_mode: bool,
    },
}

/// The number of window positions along one axis.
fn output_size(
    op: &'static str,
    i: usize,
    a: &Axis,
    positions: Positions,
) -> Result<usize, KernelError> {
    let overflow = || KernelError::Attribute {
        op,
        name: "pads",
        detail: format!("or kernel/dilation overflow along spatial axis {i}"),
    };
    let extent = (a.kernel - 1)
        .checked_mul(a.dilation)
        .ok_or_else(overflow)?
        + 1;
    let padded = a
        .input
        .checked_add(a.pad_begin)
        .and_then(|s| s.checked_add(a.pad_end));
    let padded = padded.ok_or_else(overflow)?;
    let ceil_mode = positions == Positions::Pool { ceil_mode: true };
    let pool = positions != Positions::Conv;
    let mut out = match padded.checked_sub(extent) {
        Some(span) => span / a.stride + usize::from(ceil_mode && span % a.stride != 0) + 1,
        None if pool && extent - padded < a.stride => 1,
        None if pool && extent - padded < a.stride.saturating_mul(2) => 0,
        None => {
            return Err(KernelError::WindowTooLarge {
                op,
                axis: i,
                extent,
                padded,
            })
        }
    };
    if ceil_mode && out > 0 && (out - 1).saturating_mul(a.stride) >= a.input + a.pad_begin {
        out -= 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(
        input: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
        pads: (usize, usize),
    ) -> Axis {
        Axis {
            input,
            output: 0,
            kernel,
            stride,
            dilation,
            pad_begin: pads.0,
            pad_end: pads.1,
        }
    }

    const FLOOR: Positions = Positions::Pool { ceil_mode: false };
    const CEIL: Positions = Positions::Pool { ceil_mode: true };

    #[test]
    fn output_size_floor_and_ceil() -> Result<(), KernelError> {
        // 5 inputs, kernel 2, stride 2: floor gives 2, ceil gives 3 (last window half outside).
        assert_eq!(output_size("t", 0, &axis(5, 2, 2, 1, (0, 0)), FLOOR)?, 2);
        assert_eq!(
            output_size("t", 0, &axis(5, 2, 2, 1, (0, 0)), Positions::Conv)?,
            2
        );
        assert_eq!(output_size("t", 0, &axis(5, 2, 2, 1, (0, 0)), CEIL)?, 3);
        // Exact fit: ceil changes nothing.
        assert_eq!(output_size("t", 0, &axis(5, 3, 2, 1, (0, 0)), CEIL)?, 2);
        // Dilation 2 on kernel 3 has extent 5.
        assert_eq!(output_size("t", 0, &axis(7, 3, 1, 2, (0, 0)), FLOOR)?, 3);
        Ok(())
    }

    #[test]
    fn ceil_mode_drops_a_window_starting_in_the_end_padding() -> Result<(), KernelError> {
        // 5 inputs, end pad 2, kernel 3, stride 3: ceil((7-3)/3)+1 = 3, but the third window would
        // start at 6 >= 5 (inside the end padding), so onnxruntime yields 2.
        assert_eq!(output_size("t", 0, &axis(5, 3, 3, 1, (0, 2)), CEIL)?, 2);
        assert_eq!(output_size("t", 0, &axis(5, 3, 3, 1, (0, 2)), FLOOR)?, 2);
        Ok(())
    }

    #[test]
    fn window_larger_than_padded_input() -> Result<(), KernelError> {
        let too_large = |axis, extent, padded| {
            Err(KernelError::WindowTooLarge {
                op: "t",
                axis,
                extent,
                padded,
            })
        };
        // Conv rejects any window longer than the padded input (onnxruntime does too).
        assert_eq!(
            output_size("t", 1, &axis(2, 3, 1, 1, (0, 0)), Positions::Conv),
            too_large(1, 3, 2)
        );
        assert_eq!(
            output_size("t", 0, &axis(4, 5, 2, 1, (0, 0)), Positions::Conv),
            too_large(0, 5, 4)
        );
        // Pools follow onnxruntime's truncating division (checked against it): 1 position when
        // short by less than a stride, 0 when short by less than two strides, else an error.
        for positions in [FLOOR, CEIL] {
            assert_eq!(
                output_size("t", 0, &axis(4, 5, 2, 1, (0, 0)), positions)?,
                1
            );
            assert_eq!(
                output_size("t", 0, &axis(3, 5, 2, 1, (0, 0)), positions)?,
                0
            );
            assert_eq!(
                output_size("t", 0, &axis(2, 5, 2, 1, (0, 0)), positions)?,
                0
            );
            assert_eq!(
                output_size("t", 0, &axis(1, 5, 2, 1, (0, 0)), positions),
                too_large(0, 5, 1)
            );
        }
        Ok(())
    }

    #[test]
    fn taps_classify_pad_input_and_overhang() -> Result<(), KernelError> {
        // 5 inputs, begin pad 1, end pad 0, kernel 3, stride 2, ceil: windows at -1, 1, 3.
        let mut a = axis(5, 3, 2, 1, (1, 0));
        a.output = output_size("t", 0, &a, CEIL)?;
        use Tap::*;
        let expected = [
            Pad,
            Input(0),
            Input(1),
            Input(1),
            Input(2),
            Input(3),
            Input(3),
            Input(4),
            Overhang,
        ];
        assert_eq!(a.taps(), expected);
        Ok(())
    }

    #[test]
    fn conv_geometry_validates_groups_and_kernel() {
        let p = ConvParams {
            group: 2,
            ..ConvParams::default()
        };
        assert!(ConvGeometry::new(&[1, 4, 5, 5], &[6, 2, 3, 3], &p).is_ok());
        let err = ConvGeometry::new(&[1, 4, 5, 5], &[6, 4, 3, 3], &p);
        assert!(matches!(err, Err(KernelError::Mismatch { .. })), "{err:?}");
        let p3 = ConvParams {
            group: 3,
            ..ConvParams::default()
        };
        assert!(ConvGeometry::new(&[1, 4, 5, 5], &[6, 1, 3, 3], &p3).is_err());
        let bad_kernel = ConvParams {
            window: Window::new(vec![2, 2]),
            group: 1,
        };
        let err = ConvGeometry::new(&[1, 4, 5, 5], &[6, 4, 3, 3], &bad_kernel);
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
    }

    #[test]
    fn attribute_lengths_and_values_are_checked() {
        let w = Window {
            strides: vec![1],
            ..Window::new(vec![2, 2])
        };
        let err = pool_geometry("MaxPool", &[1, 1, 4, 4], &w, false);
        assert!(
            matches!(
                err,
                Err(KernelError::Attribute {
                    name: "strides",
                    ..
                })
            ),
            "{err:?}"
        );
        let w = Window {
            dilations: vec![1, 0],
            ..Window::new(vec![2, 2])
        };
        assert!(pool_geometry("MaxPool", &[1, 1, 4, 4], &w, false).is_err());
        let w = Window {
            pads: vec![2, 0, 0, 0],
            ..Window::new(vec![2, 2])
        };
        let err = pool_geometry("MaxPool", &[1, 1, 4, 4], &w, false);
        assert!(
            matches!(err, Err(KernelError::Attribute { name: "pads", .. })),
            "{err:?}"
        );
        let err = pool_geometry(
            "MaxPool",
            &[1, 1, 4, 4, 4],
            &Window::new(vec![2, 2, 2]),
            false,
        );
        assert!(matches!(err, Err(KernelError::Rank { .. })), "{err:?}");
    }

    #[test]
    fn planar_view_of_1d_has_unit_height() -> Result<(), KernelError> {
        let s = pool_geometry("MaxPool", &[2, 3, 7], &Window::new(vec![3]), false)?;
        let (h, w) = s.planar();
        assert_eq!((h.input, h.output, h.kernel), (1, 1, 1));
        assert_eq!((w.input, w.output, w.kernel), (7, 5, 3));
        assert_eq!(s.output_shape(3), vec![2, 3, 5]);
        Ok(())
    }
}
