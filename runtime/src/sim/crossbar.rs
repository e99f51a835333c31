//! Crossbars: the weight matrix each one holds (its stored values; quantisation is not modelled),
//! its active block, and the matrix-vector product that `mvm` computes from them and nothing
//! else. Crossbars are created by their first `wload`; one that was never written cannot be used.

use std::sync::Arc;

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

/// One crossbar: `rows x cols` weights (row-major; crossbars written by one clearing `wload`
/// share them) and the active block `[0, ar) x [0, ac)`.
#[derive(Debug, Clone)]
pub struct Crossbar {
    cols: usize,
    weights: Arc<Vec<f32>>,
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

    /// Writes `data` (`block.rows x block.cols`, row-major) at `block` and grows the active
    /// block to cover it.
    fn write(&mut self, block: WeightBlock, data: &[f32]) {
        let (cols, weights) = (self.cols, Arc::make_mut(&mut self.weights));
        for (i, src) in data.chunks(block.cols.max(1)).take(block.rows).enumerate() {
            let start = (block.row + i) * cols + block.col;
            if let Some(dst) = weights.get_mut(start..start + src.len()) {
                dst.copy_from_slice(src);
            }
        }
        self.active = (
            self.active.0.max(block.row + block.rows),
            self.active.1.max(block.col + block.cols),
        );
    }

    /// `y = x W[0..ar][0..ac]` in f32 for each of the input vectors `xs` (`ar` elements each,
    /// one after another) into `ys` (`ac` each). Each column sums its rows in [`CHAINS`]
    /// interleaved partial sums (row `i` into sum `i % CHAINS`, in row order), then adds them
    /// pairwise: `y[j] = (s0 + s1) + (s2 + s3)`, the same bits on every CPU.
    pub(crate) fn multiply(&self, xs: &[f32], ys: &mut [f32]) {
        let (ar, ac) = self.active;
        // Whole vectors only, as many inputs as outputs (the indexing below relies on it).
        let vectors = ys.len() / ac.max(1);
        if ar == 0
            || ac == 0
            || ac > self.cols
            || xs.len() != vectors * ar
            || ys.len() != vectors * ac
        {
            ys.fill(0.0);
            return;
        }
        multiply_rows(&self.weights, (self.cols, ar), xs, ys, ac);
    }
}

/// Input vectors a crossbar's product handles together: independent sums, so that the vector
/// unit is not waiting on one chain of additions.
const VECTORS: usize = 4;
/// Partial sums per column, over interleaved rows (more independent chains of additions).
const CHAINS: usize = 4;
/// Columns a crossbar's product sums in registers at a time (then half as many, then one).
const LANES: usize = 8;

/// `ys = xs W` for the `ac` first columns and `ar` first rows of `weights` (rows of `cols`
/// elements), compiled for the widest vector unit the CPU has. Every path adds in the order
/// [`Crossbar::multiply`] gives (no fused multiply-add), so the bits never change.
#[multiversion::multiversion(targets("x86_64+avx512f", "x86_64+avx2", "aarch64+neon"))]
fn multiply_rows(
    weights: &[f32],
    (cols, ar): (usize, usize),
    xs: &[f32],
    ys: &mut [f32],
    ac: usize,
) {
    let bar = Rows { weights, cols, ar };
    for (x, y) in xs.chunks(VECTORS * ar).zip(ys.chunks_mut(VECTORS * ac)) {
        match x.len() / ar {
            4 => bar.vectors::<4>(x, y, ac),
            3 => bar.vectors::<3>(x, y, ac),
            2 => bar.vectors::<2>(x, y, ac),
            _ => bar.vectors::<1>(x, y, ac),
        }
    }
}

/// The first `ar` rows of a crossbar's weights, rows of `cols` elements.
#[derive(Clone, Copy)]
struct Rows<'a> {
    weights: &'a [f32],
    cols: usize,
    ar: usize,
}

impl Rows<'_> {
    /// The products of `N` vectors (`x`, `ar` elements each) into `y` (`ac` each): blocks of
    /// [`LANES`] columns, then of half as many, then the columns left one by one.
    #[inline(always)]
    fn vectors<const N: usize>(self, x: &[f32], y: &mut [f32], ac: usize) {
        let mut b = 0;
        while b + LANES <= ac {
            self.block::<N, LANES>(x, y, (ac, b));
            b += LANES;
        }
        if b + LANES / 2 <= ac {
            self.block::<N, { LANES / 2 }>(x, y, (ac, b));
            b += LANES / 2;
        }
        for j in b..ac {
            self.block::<N, 1>(x, y, (ac, j));
        }
    }

    /// Columns `b..b + L` of `N` vectors' products: the chains summed two at a time, then added
    /// pairwise (`y` holds `s0 + s1` while `s2` and `s3` are summed, so that only two chains'
    /// sums need registers at a time).
    #[inline(always)]
    fn block<const N: usize, const L: usize>(
        self,
        x: &[f32],
        y: &mut [f32],
        (ac, b): (usize, usize),
    ) {
        let inputs: [&[f32]; N] = std::array::from_fn(|v| &x[v * self.ar..(v + 1) * self.ar]);
        let (s0, s1) = self.chains::<N, L>(0, inputs, b);
        for v in 0..N {
            for (k, out) in y[v * ac + b..v * ac + b + L].iter_mut().enumerate() {
                *out = s0[v][k] + s1[v][k];
            }
        }
        let (s2, s3) = self.chains::<N, L>(2, inputs, b);
        for v in 0..N {
            for (k, out) in y[v * ac + b..v * ac + b + L].iter_mut().enumerate() {
                *out += s2[v][k] + s3[v][k];
            }
        }
    }

    /// Chains `c` and `c + 1` of columns `b..b + L` for `N` input vectors: rows `c, c +
    /// CHAINS, ...` and `c + 1, c + 1 + CHAINS, ...`, each in order, all `2 x N x L` sums held
    /// in registers.
    #[inline(always)]
    fn chains<const N: usize, const L: usize>(
        self,
        c: usize,
        inputs: [&[f32]; N],
        b: usize,
    ) -> ([[f32; L]; N], [[f32; L]; N]) {
        let mut sums = ([[0.0f32; L]; N], [[0.0f32; L]; N]);
        for i in (c..self.ar).step_by(CHAINS) {
            row(&mut sums.0, self.row::<L>(i, b), inputs, i);
            if i + 1 < self.ar {
                row(&mut sums.1, self.row::<L>(i + 1, b), inputs, i + 1);
            }
        }
        sums
    }

    /// Weights `b..b + L` of row `i` (zeros past the crossbar, which the active block never
    /// reaches).
    #[inline(always)]
    fn row<const L: usize>(self, i: usize, b: usize) -> [f32; L] {
        let start = i * self.cols + b;
        match self.weights.get(start..start + L) {
            Some(w) => std::array::from_fn(|k| w[k]),
            None => [0.0; L],
        }
    }
}

/// Adds row `i`'s products `inputs[v][i] * w` to each vector's sums.
#[inline(always)]
fn row<const N: usize, const L: usize>(
    sums: &mut [[f32; L]; N],
    w: [f32; L],
    inputs: [&[f32]; N],
    i: usize,
) {
    for (s, x) in sums.iter_mut().zip(inputs) {
        let xi = x[i];
        for (s, w) in s.iter_mut().zip(w) {
            *s += xi * w;
        }
    }
}

/// Every crossbar of the chip that has been written.
#[derive(Debug, Clone)]
pub(crate) struct Crossbars {
    rows: usize,
    cols: usize,
    total: u64,
    /// Indexed by crossbar id, up to the largest written.
    written: Vec<Option<Crossbar>>,
}

impl Crossbars {
    /// No crossbar written yet, on `target`.
    pub fn new(target: &Target) -> Crossbars {
        let cols = target.crossbar.cols / target.columns_per_weight().max(1);
        Crossbars {
            rows: target.crossbar.rows as usize,
            cols: cols as usize,
            total: target.total_crossbars(),
            written: Vec::new(),
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

    /// `wload`: optionally clears each crossbar of `xbars`, then writes `data` (`block.rows x
    /// block.cols`, row-major) at the block and grows its active block to cover it. The
    /// crossbars a clearing `wload` writes share one copy of their (equal) weights until one of
    /// them is written again.
    pub fn write(
        &mut self,
        xbars: impl Iterator<Item = u32>,
        block: WeightBlock,
        clear: bool,
        data: Vec<f32>,
    ) {
        let (rows, cols) = (self.rows, self.cols);
        let empty = || Crossbar {
            cols,
            weights: Arc::new(vec![0.0; rows * cols]),
            active: (0, 0),
        };
        if !clear {
            for x in xbars {
                self.slot(x).get_or_insert_with(empty).write(block, &data);
            }
            return;
        }
        let whole = (block.row, block.col, block.rows, block.cols) == (0, 0, rows, cols);
        let fresh = match whole && data.len() == rows * cols {
            // The block is the whole crossbar: its weights are `data` as they are.
            true => Crossbar {
                cols,
                weights: Arc::new(data),
                active: (rows, cols),
            },
            false => {
                let mut fresh = empty();
                fresh.write(block, &data);
                fresh
            }
        };
        for x in xbars {
            *self.slot(x) = Some(fresh.clone());
        }
    }

    /// The place of crossbar `xbar` (checked against the chip's crossbars).
    fn slot(&mut self, xbar: u32) -> &mut Option<Crossbar> {
        let x = xbar as usize;
        if x >= self.written.len() {
            self.written.resize(x + 1, None);
        }
        &mut self.written[x]
    }

    /// Crossbar `xbar`, which a `wload` must have written.
    pub fn loaded(&self, xbar: u32) -> Result<&Crossbar, Fault> {
        if u64::from(xbar) >= self.total {
            return Err(Fault::NoCrossbar {
                xbar,
                total: self.total,
            });
        }
        self.get(xbar).ok_or(Fault::UnloadedCrossbar { xbar })
    }

    /// Crossbar `xbar`, if it has been written.
    pub fn get(&self, xbar: u32) -> Option<&Crossbar> {
        self.written.get(xbar as usize)?.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ys` for `xs` by the order `Crossbar::multiply` documents, one element at a time.
    fn reference(bar: &Crossbar, xs: &[f32]) -> Vec<f32> {
        let (ar, ac) = bar.active();
        let mut ys = Vec::new();
        for x in xs.chunks(ar) {
            for j in 0..ac {
                let mut s = [0.0f32; CHAINS];
                for (i, &xi) in x.iter().enumerate() {
                    s[i % CHAINS] += xi * bar.weight(i, j).unwrap_or(0.0);
                }
                ys.push((s[0] + s[1]) + (s[2] + s[3]));
            }
        }
        ys
    }

    #[test]
    fn products_follow_the_documented_order_on_every_path() {
        // 37 columns: two blocks of 16 and 5 left; 7 vectors: a group of 4 and 3 alone.
        let (rows, cols) = (29, 40);
        let weights: Vec<f32> = (0..rows * cols)
            .map(|k| ((k * 7919) % 113) as f32 / 37.0 - 1.3)
            .collect();
        let bar = Crossbar {
            cols,
            weights: Arc::new(weights),
            active: (rows, 37),
        };
        let xs: Vec<f32> = (0..7 * rows)
            .map(|k| ((k * 104_729) % 97) as f32 / 13.0 - 3.1)
            .collect();
        let mut ys = vec![f32::NAN; 7 * 37];
        bar.multiply(&xs, &mut ys);
        assert_eq!(ys, reference(&bar, &xs));
        let mut one = vec![f32::NAN; 37];
        bar.multiply(&xs[..rows], &mut one);
        assert_eq!(one, ys[..37]);
        // A partial vector is refused (zeros), never read past its end.
        let mut short = vec![f32::NAN; 37];
        bar.multiply(&xs[..rows - 1], &mut short);
        assert_eq!(short, vec![0.0; 37]);
    }
}
