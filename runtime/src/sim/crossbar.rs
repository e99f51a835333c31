//! Crossbars: the weight matrix each one holds (its stored values; quantisation is not modelled),
//! its active block, and the matrix-vector product that `mvm` computes from them and nothing
//! else. Crossbars are created by their first `wload`; one that was never written cannot be used.

use std::collections::HashMap;

use super::Fault;
use crate::target::Target;

/// A block of weights inside a crossbar: rows `row..row + rows`, weight columns `col..col + cols`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WeightBlock {
    /// First crossbar row.
    pub row: usize,
    /// First weight column.
    pub col: usize,
    /// Rows.
    pub rows: usize,
    /// Weight columns.
    pub cols: usize,
}

/// One crossbar: `rows x cols` weights (row-major) and the active block `[0, ar) x [0, ac)`.
#[derive(Debug, Clone)]
pub struct Crossbar {
    cols: usize,
    weights: Vec<f32>,
    active: (usize, usize),
}

impl Crossbar {
    /// The active block `(ar, ac)`: rows read and weight columns produced by `mvm`.
    pub fn active(&self) -> (usize, usize) {
        self.active
    }

    /// The weight at `(row, col)`, if inside the crossbar.
    pub fn weight(&self, row: usize, col: usize) -> Option<f32> {
        (col < self.cols)
            .then(|| self.weights.get(row * self.cols + col).copied())
            .flatten()
    }

    /// `y = x W[0..ar][0..ac]` in f32, summing rows in order: `y[j] = ((x0 w0j + x1 w1j) + ...)`.
    /// `x` has `ar` elements, `y` receives `ac`.
    pub(crate) fn multiply(&self, x: &[f32], y: &mut [f32]) {
        let (ar, ac) = self.active;
        y.fill(0.0);
        for (i, &xi) in x.iter().enumerate().take(ar) {
            let start = i * self.cols;
            let row = self.weights.get(start..start + ac).unwrap_or(&[]);
            for (yj, &w) in y.iter_mut().zip(row) {
                *yj += xi * w;
            }
        }
    }
}

/// Every crossbar of the chip that has been written.
#[derive(Debug, Clone)]
pub(crate) struct Crossbars {
    rows: usize,
    cols: usize,
    total: u64,
    written: HashMap<u32, Crossbar>,
}

impl Crossbars {
    /// No crossbar written yet, on `target`.
    pub fn new(target: &Target) -> Crossbars {
        let cols = target.crossbar.cols / target.columns_per_weight().max(1);
        Crossbars {
            rows: target.crossbar.rows as usize,
            cols: cols as usize,
            total: target.total_crossbars(),
            written: HashMap::new(),
        }
    }

    /// Checks that crossbar `xbar` exists and `block` fits in it.
    pub fn check(&self, xbar: u32, block: WeightBlock) -> Result<(), Fault> {
        if u64::from(xbar) >= self.total {
            return Err(Fault::NoCrossbar {
                xbar,
                total: self.total,
            });
        }
        if block.row + block.rows > self.rows || block.col + block.cols > self.cols {
            return Err(Fault::Malformed(format!(
                "weight block rows {}..{} x columns {}..{} exceeds the {} x {} crossbar",
                block.row,
                block.row + block.rows,
                block.col,
                block.col + block.cols,
                self.rows,
                self.cols
            )));
        }
        Ok(())
    }

    /// `wload`: optionally clears crossbar `xbar`, then writes `data` (`block.rows x
    /// block.cols`, row-major) at the block and grows the active block to cover it.
    pub fn write(&mut self, xbar: u32, block: WeightBlock, clear: bool, data: &[f32]) {
        let (rows, cols) = (self.rows, self.cols);
        let bar = self.written.entry(xbar).or_insert_with(|| Crossbar {
            cols,
            weights: vec![0.0; rows * cols],
            active: (0, 0),
        });
        if clear {
            bar.weights.fill(0.0);
            bar.active = (0, 0);
        }
        for (i, src) in data.chunks(block.cols.max(1)).take(block.rows).enumerate() {
            let start = (block.row + i) * cols + block.col;
            if let Some(dst) = bar.weights.get_mut(start..start + src.len()) {
                dst.copy_from_slice(src);
            }
        }
        bar.active = (
            bar.active.0.max(block.row + block.rows),
            bar.active.1.max(block.col + block.cols),
        );
    }

    /// Crossbar `xbar`, which a `wload` must have written.
    pub fn loaded(&self, xbar: u32) -> Result<&Crossbar, Fault> {
        if u64::from(xbar) >= self.total {
            return Err(Fault::NoCrossbar {
                xbar,
                total: self.total,
            });
        }
        self.written
            .get(&xbar)
            .ok_or(Fault::UnloadedCrossbar { xbar })
    }

    /// Crossbar `xbar`, if it has been written.
    pub fn get(&self, xbar: u32) -> Option<&Crossbar> {
        self.written.get(&xbar)
    }
}
