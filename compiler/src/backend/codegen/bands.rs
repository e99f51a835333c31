//! Rectangular bands of a convolution's output (`docs/backend.md` §3): bands of whole output
//! rows when one row fits the staging buffer, else single rows cut into bands of columns (a
//! 224-pixel-wide, 64-channel image does not fit ISAAC's 64 KB tile buffer even one row at a
//! time). A band loads the input rectangle its windows read and uses its own window: the
//! image's padding only on the sides the band touches.

use super::{Band, Gen, Geometry, R};
use pim_dialects::ValueId;

/// Output rows `oy0..oy1` and columns `ox0..ox1` of a band, and the input rows and columns
/// (with the band's padding) that they read.
pub(super) struct Rect {
    pub(super) oy0: usize,
    pub(super) oy1: usize,
    pub(super) ox0: usize,
    pub(super) ox1: usize,
    pub(super) rows: Band,
    pub(super) cols: Band,
}

impl Rect {
    /// Output pixels of the band.
    pub(super) fn pixels(&self) -> usize {
        (self.oy1 - self.oy0) * (self.ox1 - self.ox0)
    }

    /// Input pixels the band loads.
    pub(super) fn input_pixels(&self) -> usize {
        (self.rows.r1 - self.rows.r0) * (self.cols.r1 - self.cols.r0)
    }
}

impl Gen<'_> {
    /// The bands of layer `layer`'s `oh x ow` output: as many whole rows as fit the staging
    /// buffer (`cost(input pixels, output pixels)` elements), else one row of as many columns
    /// as fit.
    pub(super) fn rects(
        &self,
        layer: &str,
        (vertical, horizontal): (&Geometry, &Geometry),
        (oh, ow): (usize, usize),
        cost: impl Fn(usize, usize) -> u64,
    ) -> R<Vec<Rect>> {
        let need = |rows: usize, cols: usize| {
            cost(
                vertical.max_rows(rows) * horizontal.max_rows(cols),
                rows * cols,
            )
        };
        let fits = |rows: usize, cols: usize| need(rows, cols) <= self.staging.capacity;
        let (band_rows, band_cols) = match (1..=oh).rev().find(|&n| fits(n, ow)) {
            Some(n) => (n, ow),
            None => {
                let m = (1..=ow)
                    .rev()
                    .find(|&m| fits(1, m))
                    .ok_or_else(|| self.capacity_error(layer, need(1, 1)))?;
                (1, m)
            }
        };
        let mut out = Vec::new();
        for oy0 in (0..oh).step_by(band_rows) {
            let oy1 = (oy0 + band_rows).min(oh);
            for ox0 in (0..ow).step_by(band_cols) {
                let ox1 = (ox0 + band_cols).min(ow);
                out.push(Rect {
                    oy0,
                    oy1,
                    ox0,
                    ox1,
                    rows: vertical.band(oy0, oy1)?,
                    cols: horizontal.band(ox0, ox1)?,
                });
            }
        }
        Ok(out)
    }

    /// Loads the input rectangle of `rect` (an `iw`-wide image of `value`) at `dst`, HWC.
    pub(super) fn load_rect(
        &mut self,
        value: ValueId,
        image: usize,
        dst: u64,
        rect: &Rect,
        iw: usize,
    ) -> R<()> {
        let (c0, c1) = (rect.cols.r0, rect.cols.r1);
        if c0 == 0 && c1 == iw {
            return self.load(value, image, dst, rect.rows.r0 * iw, rect.rows.r1 * iw);
        }
        let channels = self.geometry(value)?.1;
        for (k, r) in (rect.rows.r0..rect.rows.r1).enumerate() {
            let at = dst + (k * (c1 - c0) * channels) as u64;
            self.load(value, image, at, r * iw + c0, r * iw + c1)?;
        }
        Ok(())
    }

    /// Stores the outputs of `rect` (at `src`, `width` channels per pixel) into channels
    /// `ch0..ch0 + width` of `value`, an `ow`-wide image.
    pub(super) fn store_rect(
        &mut self,
        value: ValueId,
        image: usize,
        src: u64,
        rect: &Rect,
        (ow, ch0, width): (usize, usize, usize),
    ) -> R<()> {
        let bw = rect.ox1 - rect.ox0;
        if bw == ow {
            return self.store(value, image, src, ch0, width, rect.oy0 * ow, rect.pixels());
        }
        for (k, oy) in (rect.oy0..rect.oy1).enumerate() {
            let at = src + (k * bw * width) as u64;
            self.store(value, image, at, ch0, width, oy * ow + rect.ox0, bw)?;
        }
        Ok(())
    }
}
