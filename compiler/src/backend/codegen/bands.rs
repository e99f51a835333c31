//! Rectangular bands of a convolution's output (`docs/backend.md` §3): bands of whole output
//! rows when one row fits the staging buffer, else single rows cut into bands of columns (a
//! 224-pixel-wide, 64-channel image does not fit ISAAC's 64 KB tile buffer even one row at a
//! time). A band loads the input rectangle its windows read and uses its own window: the
//! image's padding only on the sides the band touches.
//!
//! Consecutive bands of whole rows share input rows (a 3x3 window's two-row halo). The rows a
//! band shares with the previous one are already in the staging buffer: they are moved to the
//! top of the band's area with an on-chip `copy` and only the new rows are loaded from DRAM
//! ([`Gen::keep_shared_rows`]), so a layer reads every input row of its span from DRAM once. A
//! band ends where the next one starts when a stride larger than the window skips rows, so the
//! bands together stage the span without gaps. When one row does not fit, the bands are single
//! rows of column strips, swept strip after strip so that rows slide the same way; the columns
//! two strips share are read once per strip (the cost model does not count this halo,
//! `docs/cost-model.md`).

use super::{Band, Gen, Geometry, R};
use pim_dialects::ValueId;
use pim_runtime::isa::Instruction;
use std::ops::Range;

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
    /// The bands of layer `layer`'s `oh x ow` output, `band` pixels each
    /// ([`ConvImage::band`]: as many whole rows as fit the staging buffer, else single rows of
    /// strips of as many columns as fit), strip after strip; `band` is `None` when one pixel
    /// (`smallest` elements) does not fit.
    pub(super) fn rects(
        &self,
        layer: &str,
        (vertical, horizontal): (&Geometry, &Geometry),
        (oh, ow): (usize, usize),
        (band, smallest): (Option<(usize, usize)>, u64),
    ) -> R<Vec<Rect>> {
        let (band_rows, band_cols) = band.ok_or_else(|| self.capacity_error(layer, smallest))?;
        // Strips of columns (one when whole rows fit), each swept down its rows, so that
        // consecutive bands of a strip share rows ([`Gen::keep_shared_rows`]).
        let mut out = Vec::new();
        for ox0 in (0..ow).step_by(band_cols) {
            let ox1 = (ox0 + band_cols).min(ow);
            for oy0 in (0..oh).step_by(band_rows) {
                let oy1 = (oy0 + band_rows).min(oh);
                out.push(Rect {
                    oy0,
                    oy1,
                    ox0,
                    ox1,
                    rows: vertical.band_until_next(oy0, oy1, oh)?,
                    cols: horizontal.band_until_next(ox0, ox1, ow)?,
                });
            }
        }
        Ok(out)
    }

    /// Rows `rows` of `row` elements each, to be staged at `dst` where the rows `previous` of
    /// the band before are staged: moves the rows they share to `dst` (an on-chip `copy`; a
    /// block is read whole before it is written) and returns the rows still to load.
    pub(super) fn keep_shared_rows(
        &mut self,
        dst: u64,
        row: usize,
        previous: Option<Range<usize>>,
        rows: Range<usize>,
    ) -> R<Range<usize>> {
        let Some(previous) = previous.filter(|p| p.start <= rows.start && rows.start < p.end)
        else {
            return Ok(rows);
        };
        let shared = previous.end.min(rows.end) - rows.start;
        self.program.code.push(Instruction::Copy {
            src: self.buf(dst + ((rows.start - previous.start) * row) as u64),
            dst: self.buf(dst),
            len: super::u24(shared * row, "copy length")?,
            count: 1,
            sstride: 0,
            dstride: 0,
        });
        Ok(rows.start + shared..rows.end)
    }

    /// Loads the input rectangle of `rect` (an `iw`-wide image of `value`) at `dst`, HWC; after
    /// the band `previous` of the same strip (its input rows) it loads only the rows they do
    /// not share ([`Gen::keep_shared_rows`]).
    pub(super) fn load_rect(
        &mut self,
        value: ValueId,
        image: usize,
        dst: u64,
        (rect, previous): (&Rect, Option<Range<usize>>),
        iw: usize,
    ) -> R<()> {
        let (c0, c1) = (rect.cols.r0, rect.cols.r1);
        let channels = self.geometry(value)?.1;
        let row = (c1 - c0) * channels;
        let rows = rect.rows.r0..rect.rows.r1;
        let load = self.keep_shared_rows(dst, row, previous, rows.clone())?;
        let dst = dst + ((load.start - rows.start) * row) as u64;
        if c0 == 0 && c1 == iw {
            return self.load(value, image, dst, load.start * iw, load.end * iw);
        }
        for (k, r) in load.enumerate() {
            self.load(
                value,
                image,
                dst + (k * row) as u64,
                r * iw + c0,
                r * iw + c1,
            )?;
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
