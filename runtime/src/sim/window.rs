//! Image windows over HWC images (the constants table's [`Window`]): the im2col vector that a
//! window-mode `mvm` feeds into a crossbar, and the HWC <-> NCHW views that let pooling reuse
//! the reference kernels.

use super::Fault;
use crate::container::Window;
use crate::kernels::{self, transpose};
use crate::Tensor;

/// Elements of one HWC image of `w`: `in_h x in_w x channels` (saturating).
pub(crate) fn image_len(w: &Window) -> u64 {
    u64::from(w.in_h)
        .saturating_mul(u64::from(w.in_w))
        .saturating_mul(u64::from(w.channels))
}

/// Where an im2col gather reads one HWC image from.
pub(crate) trait ImageSource {
    /// Copies the image's elements `index..index + out.len()` into `out`; false when they are
    /// not held.
    fn copy(&self, index: u64, out: &mut [f32]) -> bool;
}

/// The image's rows from `first_row` on, copied out of memory once.
pub(crate) struct HeldRows<'a> {
    /// The rows.
    pub rows: &'a [f32],
    /// The image element of `rows[0]`.
    pub first: u64,
}

impl ImageSource for HeldRows<'_> {
    fn copy(&self, index: u64, out: &mut [f32]) -> bool {
        let held = index
            .checked_sub(self.first)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.rows.get(i..i.checked_add(out.len())?));
        held.map(|src| out.copy_from_slice(src)).is_some()
    }
}

/// The im2col gather of one window-mode `mvm`: the geometry of `w` over one image, read from
/// `source`.
pub(crate) struct Im2col<'a, S> {
    w: &'a Window,
    source: S,
    out_w: u64,
}

impl<'a, S: ImageSource> Im2col<'a, S> {
    /// The gather of window `w` over the image `source` holds.
    pub fn new(w: &'a Window, source: S) -> Im2col<'a, S> {
        Im2col {
            w,
            source,
            out_w: w.out_w().max(1),
        }
    }

    /// Fills `out` with elements `row0..row0 + out.len()` of the im2col vector of output pixel
    /// `pixel`: element `e = (ky * kernel_w + kx) * cn + c` is the image at
    /// `(oy*stride_h + ky*dilation_h - pad_top, ox*stride_w + kx*dilation_w - pad_left)`, channel
    /// `c0 + c`; 0 in the padding and past the vector's end. Channels of one tap are copied as
    /// one slice.
    pub fn gather(&self, pixel: u64, out: &mut [f32]) {
        let w = self.w;
        let (oy, ox) = (pixel / self.out_w, pixel % self.out_w);
        let (cn, kw) = (u64::from(w.cn.max(1)), u64::from(w.kernel_w.max(1)));
        let len = w.vector_len();
        let mut i = 0usize;
        while i < out.len() {
            let e = u64::from(w.row0) + i as u64;
            if e >= len {
                out[i..].fill(0.0);
                return;
            }
            let (tap, c) = (e / cn, e % cn);
            let run = ((cn - c) as usize).min(out.len() - i);
            let iy = coord(oy, w.stride_h, tap / kw, w.dilation_h, w.pad_top);
            let ix = coord(ox, w.stride_w, tap % kw, w.dilation_w, w.pad_left);
            let dst = &mut out[i..i + run];
            if !self.copy_pixel(iy, ix, c, dst) {
                dst.fill(0.0);
            }
            i += run;
        }
    }

    /// Copies channels `c0 + c ..` of image pixel `(iy, ix)` into `dst`; false outside the
    /// image (or what the source holds).
    fn copy_pixel(&self, iy: i64, ix: i64, c: u64, dst: &mut [f32]) -> bool {
        let w = self.w;
        let inside = (0..i64::from(w.in_h)).contains(&iy) && (0..i64::from(w.in_w)).contains(&ix);
        if !inside {
            return false;
        }
        let index = (iy as u64 * u64::from(w.in_w) + ix as u64) * u64::from(w.channels)
            + u64::from(w.c0)
            + c;
        self.source.copy(index, dst)
    }
}

/// The image rows `first..last` (half-open, clamped to the image) that output pixels `pixels`
/// of window `w` read.
pub(crate) fn rows_read(w: &Window, pixels: std::ops::Range<u64>) -> (u64, u64) {
    let out_w = w.out_w().max(1);
    let (oy0, oy1) = (pixels.start / out_w, pixels.end.saturating_sub(1) / out_w);
    let reach = u64::from(w.kernel_h.max(1) - 1) * u64::from(w.dilation_h);
    let first = coord(oy0, w.stride_h, 0, 0, w.pad_top).max(0) as u64;
    let last = coord(oy1, w.stride_h, reach, 1, w.pad_top) + 1;
    let in_h = u64::from(w.in_h);
    (
        first.min(in_h),
        u64::try_from(last.max(0)).unwrap_or(0).min(in_h),
    )
}

/// Input coordinate `o*stride + k*dilation - pad`.
fn coord(o: u64, stride: u32, k: u64, dilation: u32, pad: u32) -> i64 {
    let p = o
        .saturating_mul(u64::from(stride))
        .saturating_add(k.saturating_mul(u64::from(dilation)));
    i64::try_from(p).unwrap_or(i64::MAX) - i64::from(pad)
}

/// The reference kernels' form of `w` (2-D, ONNX pads order top, left, bottom, right).
fn kernel_window(w: &Window) -> kernels::Window {
    let n = |v: u32| v as usize;
    kernels::Window {
        kernel: vec![n(w.kernel_h), n(w.kernel_w)],
        strides: vec![n(w.stride_h), n(w.stride_w)],
        pads: vec![n(w.pad_top), n(w.pad_left), n(w.pad_bottom), n(w.pad_right)],
        dilations: vec![n(w.dilation_h), n(w.dilation_w)],
    }
}

/// A tensor of `shape` holding `data`, or a fault naming `what`.
pub(crate) fn tensor(shape: Vec<usize>, data: Vec<f32>, what: &str) -> Result<Tensor, Fault> {
    let len = data.len();
    Tensor::new(shape.clone(), data).ok_or_else(|| {
        Fault::Malformed(format!(
            "{what}: {len} elements do not make shape {shape:?}"
        ))
    })
}

/// Channels `c0..c0 + cn` of `images` HWC images as an NCHW tensor `[images, cn, in_h, in_w]`.
fn hwc_to_nchw(data: Vec<f32>, images: usize, w: &Window) -> Result<Tensor, Fault> {
    let (h, wd, c) = (w.in_h as usize, w.in_w as usize, w.channels as usize);
    let nhwc = tensor(vec![images, h, wd, c], data, "pooling input")?;
    let nchw = transpose(&nhwc, &[0, 3, 1, 2])?;
    if w.c0 == 0 && w.cn == w.channels {
        return Ok(nchw);
    }
    let plane = h * wd;
    let (c0, cn) = (w.c0 as usize, w.cn as usize);
    let sliced = nchw
        .data()
        .chunks((c * plane).max(1))
        .flat_map(|image| image.get(c0 * plane..(c0 + cn) * plane).unwrap_or(&[]))
        .copied()
        .collect();
    tensor(vec![images, cn, h, wd], sliced, "pooling channel slice")
}

/// Pools `images` HWC images (`data`, each `in_h x in_w x channels`) by window `w` with the
/// reference kernels: max pooling, or average pooling dividing by `kernel_h x kernel_w`
/// (`include_pad`) or by the taps inside the image. Returns the `out_h x out_w x cn` HWC outputs.
pub(crate) fn pool(
    max: bool,
    w: &Window,
    images: usize,
    data: Vec<f32>,
) -> Result<Vec<f32>, Fault> {
    let x = hwc_to_nchw(data, images, w)?;
    let kw = kernel_window(w);
    let y = if max {
        kernels::max_pool(&x, &kw, false)?
    } else {
        kernels::average_pool(&x, &kw, false, w.include_pad)?
    };
    let expected = [w.out_h(), w.out_w()].map(|d| d as usize);
    if y.shape().get(2..) != Some(&expected[..]) {
        return Err(Fault::Malformed(format!(
            "pooling produced {:?} (NCHW), the window says {expected:?} output pixels",
            y.shape()
        )));
    }
    Ok(transpose(&y, &[0, 2, 3, 1])?.data().to_vec())
}
