//! Crossbar tiling: how one layer's weight matrix is cut into crossbars (and tiles) of a target, and
//! how copies of it are placed. This is the one tiling rule: the scheduler and the evaluator count
//! crossbars with it, `pim-tile-weights` records it, and the back end cuts the weights into exactly
//! the [`Block`]s it lists.
//!
//! A layer holds `groups` independent `rows x cols` weight matrices ([`MatrixShape`]). A weight takes
//! `cpw = weight_bits / bits_per_cell` adjacent cells (bit slicing) and never straddles two
//! crossbars, so a crossbar of `c` cell columns holds `w = floor(c / cpw)` weight columns:
//!
//! - **row tiles** `ceil(rows / crossbar rows)`: a longer input vector is split over crossbars whose
//!   partial sums are added by the adder trees;
//! - **column tiles** `ceil(cols / w)`;
//! - **crossbars per copy** `X = row tiles · column tiles` for one group;
//! - **group packing** (grouped and depthwise convs): when one group fits in one crossbar,
//!   `k = min(floor(crossbar rows / rows), floor(w / cols))` groups share a crossbar
//!   block-diagonally (group `i` on rows `i·rows..` and weight columns `i·cols..`, the
//!   off-diagonal cells zero), so `X = ceil(groups / k)`; a group larger than a crossbar is never
//!   packed, `X = groups · row tiles · column tiles`. One activation of a packed crossbar computes
//!   all its groups, so packing saves activations as well as crossbars.
//!
//! Two allocation [`Granularity`]s:
//!
//! - [`Granularity::Crossbar`] (pimc): a copy takes exactly its `X` crossbars; layers share PEs
//!   and tiles. Duplication adds whole copies.
//! - [`Granularity::Tile`] (the paper's, NeuroSim's): a layer takes whole tiles,
//!   **base tiles** `= ceil(rows / T_rows) · ceil(cols / T_cols)` with `T` the tile side in rows and
//!   weight columns (2048 x 256 on compact-4x4; the same packing rule at tile size for grouped
//!   layers). A layer that fits in one tile fills the tile's unused PEs and crossbars with copies
//!   (NeuroSim's "speed-up": PE copies `floor(PEs_y / ceil(rows / PE rows)) · floor(PEs_x /
//!   ceil(cols / PE cols))` times crossbar copies `floor(xb_y / ceil(min(rows, PE rows) / xb rows))
//!   · floor(xb_x / ceil(min(cols, PE cols) / w))`, VGG-8: 32 for L1, 2 for L2); duplication adds
//!   whole tile copies. Fully connected layers are never duplicated (the paper's rule).
//!
//! [`LayerMapping`] combines a tiling with a granularity: the allocation unit (a copy of `X`
//! crossbars, or a copy of the base tiles with its in-tile copies), the duplication cap, and how
//! copies share the links into the PEs ([`Sharing`]): the calibrated read-latency model charges the
//! busiest PE link (`docs/targets.md` §5.3); NeuroSim charges every PE of an in-tile copy the
//! vectors of all of them, so its in-tile copies barely help, while pimc places a layer's copies
//! one per PE (`pim-place-crossbars`; the model charges the links as a resource shared by a
//! pipelined segment).
//!
//! A layer whose one copy needs more than the whole chip is cut into **column parts**
//! ([`column_parts`]): equal slices of its output columns, each of which fits.

use super::ProgramError;
use pim_runtime::target::Target;
use std::ops::Range;

/// How a layer's weights are allocated on the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, clap::ValueEnum)]
pub enum Granularity {
    /// pimc: a copy takes exactly the crossbars its tiling needs; layers share PEs and tiles.
    #[default]
    Crossbar,
    /// The paper's (NeuroSim's) rule: a layer takes whole tiles, unused PEs of its tiles hold
    /// copies, fully connected layers are never duplicated.
    Tile,
}

impl Granularity {
    /// The name used on the command line, in the IR and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Crossbar => "crossbar",
            Granularity::Tile => "tile",
        }
    }

    /// The granularity called `name`.
    pub fn named(name: &str) -> Option<Self> {
        [Granularity::Crossbar, Granularity::Tile]
            .into_iter()
            .find(|g| g.name() == name)
    }

    /// The allocation unit, for messages: "crossbars" or "tiles".
    pub fn unit(self) -> &'static str {
        match self {
            Granularity::Crossbar => "crossbars",
            Granularity::Tile => "tiles",
        }
    }

    /// The chip's capacity in this granularity's units.
    pub fn capacity(self, target: &Target) -> u64 {
        match self {
            Granularity::Crossbar => target.total_crossbars(),
            Granularity::Tile => target.total_tiles(),
        }
    }
}

/// The weights of one crossbar layer: `groups` independent `rows x cols` matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatrixShape {
    /// Independent matrices (conv groups; 1 for dense layers).
    pub groups: u64,
    /// Rows of each matrix (input-vector length).
    pub rows: u64,
    /// Columns of each matrix (outputs per group).
    pub cols: u64,
}

impl MatrixShape {
    /// Weights of all groups.
    pub fn weights(&self) -> u64 {
        self.groups
            .saturating_mul(self.rows)
            .saturating_mul(self.cols)
    }
}

/// The blocks (crossbars or tiles) a layer needs, and how many groups share one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packing {
    /// Blocks of one copy.
    pub blocks: u64,
    /// Groups packed block-diagonally into one block (1 when a group spans several blocks).
    pub groups_per_block: u64,
}

/// Blocks of `block_rows` rows and `block_cols` weight columns that hold `shape`, packing whole
/// groups block-diagonally when one group fits in a block.
pub fn pack(shape: MatrixShape, block_rows: u64, block_cols: u64) -> Packing {
    let (block_rows, block_cols) = (block_rows.max(1), block_cols.max(1));
    let rows = shape.rows.max(1);
    let cols = shape.cols.max(1);
    let groups = shape.groups.max(1);
    if rows <= block_rows && cols <= block_cols {
        let k = (block_rows / rows).min(block_cols / cols).max(1);
        return Packing {
            blocks: groups.div_ceil(k),
            groups_per_block: k.min(groups),
        };
    }
    Packing {
        blocks: groups
            .saturating_mul(rows.div_ceil(block_rows))
            .saturating_mul(cols.div_ceil(block_cols)),
        groups_per_block: 1,
    }
}

/// Crossbar geometry and precisions: how many crossbars a weight matrix needs and how many times
/// each is activated per input vector. The op-level cost (graph rewriting) uses this; build it from
/// a target with [`CrossbarGeometry::from_target`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossbarGeometry {
    /// Rows (word lines) per crossbar: inputs read in parallel.
    pub rows: usize,
    /// Columns (bit lines) per crossbar.
    pub cols: usize,
    /// Bits stored per cell.
    pub bits_per_cell: usize,
    /// Bits per weight (a weight takes `weight_bits / bits_per_cell` columns).
    pub weight_bits: usize,
    /// Bits per input activation (applied bit-serially, one crossbar activation per bit).
    pub activation_bits: usize,
}

impl Default for CrossbarGeometry {
    /// The default target's geometry (compact-4x4: 128x128 cells, 1 bit per cell, 8-bit weights
    /// and activations).
    fn default() -> Self {
        Self::from_target(crate::cost::default_target())
    }
}

impl CrossbarGeometry {
    /// The geometry of `target`'s crossbars and precisions.
    pub fn from_target(target: &Target) -> Self {
        let size = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
        Self {
            rows: size(target.crossbar.rows),
            cols: size(target.crossbar.cols),
            bits_per_cell: size(target.crossbar.bits_per_cell),
            weight_bits: size(target.precision.weight_bits),
            activation_bits: size(target.precision.activation_bits),
        }
    }

    /// Columns one weight occupies (bit slicing).
    pub fn columns_per_weight(&self) -> usize {
        self.weight_bits.div_ceil(self.bits_per_cell.max(1))
    }

    /// Whole weights one crossbar row holds.
    pub fn weight_cols(&self) -> usize {
        (self.cols / self.columns_per_weight().max(1)).max(1)
    }

    /// Crossbar tiles along the rows of a matrix with `rows` rows (partial sums to reduce).
    pub fn row_tiles(&self, rows: usize) -> usize {
        rows.div_ceil(self.rows.max(1))
    }

    /// Crossbars needed to hold a `rows x cols` weight matrix.
    pub fn crossbars(&self, rows: usize, cols: usize) -> usize {
        self.crossbars_grouped(rows, cols, 1)
    }

    /// Crossbars needed to hold `groups` independent `rows x cols` matrices, packing groups
    /// block-diagonally when one fits in a crossbar ([`pack`]).
    pub fn crossbars_grouped(&self, rows: usize, cols: usize, groups: usize) -> usize {
        let shape = MatrixShape {
            groups: groups as u64,
            rows: rows as u64,
            cols: cols as u64,
        };
        let packing = pack(shape, self.rows as u64, self.weight_cols() as u64);
        usize::try_from(packing.blocks).unwrap_or(usize::MAX)
    }
}

/// How a layer's weight matrix is cut into crossbars and tiles of one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tiling {
    /// The weight matrices.
    pub shape: MatrixShape,
    /// Cell columns per weight (`weight_bits / bits_per_cell`).
    pub columns_per_weight: u64,
    /// Whole weights per crossbar row (`floor(crossbar cols / columns_per_weight)`).
    pub weight_cols: u64,
    /// Rows per crossbar.
    pub crossbar_rows: u64,
    /// Crossbars along the rows of one group (partial sums to add).
    pub row_tiles: u64,
    /// Crossbars along the columns of one group.
    pub col_tiles: u64,
    /// Groups per crossbar (block-diagonal packing).
    pub groups_per_crossbar: u64,
    /// Crossbars of one copy (`X`).
    pub crossbars: u64,
    /// Base tiles of one copy under the paper's tile-granularity rule.
    pub base_tiles: u64,
    /// NeuroSim's copies inside the base tiles (crossbar x PE duplication); 1 unless the whole
    /// layer fits in one tile.
    pub in_tile_copies: u64,
}

/// One crossbar's block of a layer's weights ([`Tiling::blocks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// The super-group: groups `first_group..first_group + groups` packed block-diagonally into
    /// one matrix of `groups · rows` rows and `groups · cols` columns (one group when unpacked).
    pub super_group: u64,
    /// The super-group's first group.
    pub first_group: u64,
    /// Groups in the super-group.
    pub groups: u64,
    /// First row of the block in the super-group's matrix.
    pub row0: u64,
    /// Rows of the block.
    pub rows: u64,
    /// First weight column of the block, counted from the column part's first column.
    pub col0: u64,
    /// Weight columns of the block.
    pub cols: u64,
}

impl Tiling {
    /// The tiling of `shape` on `target`.
    pub fn new(shape: MatrixShape, target: &Target) -> Self {
        let xb_rows = u64::from(target.crossbar.rows).max(1);
        let cpw = u64::from(target.columns_per_weight()).max(1);
        let weight_cols = (u64::from(target.crossbar.cols) / cpw).max(1);
        let crossbars = pack(shape, xb_rows, weight_cols);
        let tiles = pack(shape, target.tile_rows(), target.tile_weight_cols());
        let in_tile_copies = if tiles.blocks == 1 {
            let groups = shape.groups.max(1);
            in_tile_copies(
                groups.saturating_mul(shape.rows),
                groups.saturating_mul(shape.cols),
                target,
            )
        } else {
            1
        };
        Self {
            shape,
            columns_per_weight: cpw,
            weight_cols,
            crossbar_rows: xb_rows,
            row_tiles: shape.rows.div_ceil(xb_rows),
            col_tiles: shape.cols.div_ceil(weight_cols),
            groups_per_crossbar: crossbars.groups_per_block,
            crossbars: crossbars.blocks,
            base_tiles: tiles.blocks,
            in_tile_copies,
        }
    }

    /// Crossbars (or base tiles) of one copy under `granularity`.
    pub fn footprint(&self, granularity: Granularity) -> u64 {
        match granularity {
            Granularity::Crossbar => self.crossbars,
            Granularity::Tile => self.base_tiles,
        }
    }

    /// The crossbar blocks of one copy, in the order the crossbars of a copy are numbered:
    /// super-group by super-group, row tile by row tile, column tile by column tile. Exactly
    /// [`Tiling::crossbars`] of them.
    pub fn blocks(&self) -> Vec<Block> {
        let shape = self.shape;
        let per = self.groups_per_crossbar.max(1);
        let mut blocks = Vec::new();
        for (super_group, first_group) in (0..shape.groups.max(1)).step_by(per as usize).enumerate()
        {
            let groups = per.min(shape.groups.max(1) - first_group);
            let (rows, cols) = (groups * shape.rows, groups * shape.cols);
            for row0 in (0..rows).step_by(self.crossbar_rows as usize) {
                for col0 in (0..cols).step_by(self.weight_cols as usize) {
                    blocks.push(Block {
                        super_group: super_group as u64,
                        first_group,
                        groups,
                        row0,
                        rows: self.crossbar_rows.min(rows - row0),
                        col0,
                        cols: self.weight_cols.min(cols - col0),
                    });
                }
            }
        }
        blocks
    }
}

impl Tiling {
    /// Rows and cells one copy's weight load writes beyond one clearing write of each crossbar,
    /// for a layer whose kernel has `taps` taps: a crossbar of packed groups is written piece by
    /// piece, one `wload` per group and kernel tap (only real weights are stored,
    /// `backend::codegen::crossbar`), the first clearing the crossbar and each later one writing
    /// its `rows / taps` rows (and their cells) again. Unpacked blocks are one piece each.
    pub fn rewrites(&self, taps: u64) -> (u64, u64) {
        if self.groups_per_crossbar <= 1 {
            return (0, 0);
        }
        let taps = taps.max(1);
        let pieces = self.shape.groups.max(1).saturating_mul(taps);
        let again = pieces.saturating_sub(self.crossbars);
        let rows = again.saturating_mul(self.shape.rows / taps);
        let cells = rows.saturating_mul(self.shape.cols * self.columns_per_weight);
        (rows, cells)
    }

    /// Crossbar activations one copy needs per input vector: for every block, one per bit-serial
    /// input step and group of `rows_read_in_parallel` of its rows (a partly filled crossbar reads
    /// only its rows).
    pub fn activations_per_vector(&self, target: &Target) -> u64 {
        let p = &target.precision;
        let steps = u64::from(p.activation_bits.div_ceil(p.input_bits_per_cycle.max(1)));
        let per_read = u64::from(target.crossbar.rows_read_in_parallel.max(1));
        let reads: u64 = self
            .blocks()
            .iter()
            .map(|b| b.rows.div_ceil(per_read))
            .sum();
        steps.saturating_mul(reads)
    }
}

/// NeuroSim's duplication of a layer that occupies `rows x cols` weights of one tile: copies over
/// the tile's unused PEs times copies over the unused crossbars of a PE (at least 1).
pub fn in_tile_copies(rows: u64, cols: u64, target: &Target) -> u64 {
    let chip = &target.chip;
    let xb_rows = u64::from(target.crossbar.rows).max(1);
    let xb_cols =
        (u64::from(target.crossbar.cols) / u64::from(target.columns_per_weight()).max(1)).max(1);
    let pe_rows = target.pe_rows().max(1);
    let pe_cols = target.pe_weight_cols().max(1);
    let fit = |slots: u32, used: u64| u64::from(slots) / used.max(1);
    let pe_copies = fit(chip.pes_per_tile_y, rows.div_ceil(pe_rows))
        * fit(chip.pes_per_tile_x, cols.div_ceil(pe_cols));
    let crossbar_copies = fit(chip.crossbars_per_pe_y, rows.min(pe_rows).div_ceil(xb_rows))
        * fit(chip.crossbars_per_pe_x, cols.min(pe_cols).div_ceil(xb_cols));
    (pe_copies * crossbar_copies).max(1)
}

/// The column parts of a layer named `name`: the whole shape when one copy fits the chip, else
/// equal slices of its columns (the last one smaller) each of which fits. Each part is its
/// columns (a range of the layer's output columns per group) and its shape.
pub fn column_parts(
    name: &str,
    shape: MatrixShape,
    target: &Target,
    granularity: Granularity,
) -> Result<Vec<(Range<u64>, MatrixShape)>, ProgramError> {
    let capacity = granularity.capacity(target);
    let footprint =
        |cols: u64| Tiling::new(MatrixShape { cols, ..shape }, target).footprint(granularity);
    let whole = footprint(shape.cols);
    if whole <= capacity {
        return Ok(vec![(0..shape.cols, shape)]);
    }
    let one = footprint(1);
    if one > capacity {
        return Err(ProgramError::LayerTooLarge {
            layer: name.to_owned(),
            needed: one,
            available: capacity,
            unit: granularity.unit(),
            target: target.chip.name.clone(),
        });
    }
    let mut parts = whole.div_ceil(capacity.max(1)).max(2);
    while footprint(shape.cols.div_ceil(parts)) > capacity {
        parts += 1;
    }
    let width = shape.cols.div_ceil(parts);
    Ok((0..shape.cols.div_ceil(width))
        .map(|k| {
            let first = k * width;
            let cols = width.min(shape.cols - first);
            (first..first + cols, MatrixShape { cols, ..shape })
        })
        .collect())
}

/// The most copies on one PE [`Sharing::Placed`] tells apart.
pub const PLACED_SHARING: usize = 4;

/// How the copies of a layer share the links into the PEs (the calibrated read latency charges
/// the busiest PE's link, `docs/targets.md` §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// NeuroSim's mapping: every PE that holds one of the layer's in-tile copies (this many)
    /// carries the vectors of all of them; tile copies have their own.
    InTile(u64),
    /// pimc's placement (`pim-place-crossbars`): copies are spread over this many disjoint groups
    /// of PEs (the chip's PEs divided by the PEs one copy spans), one copy per PE link.
    Spread(u64),
    /// As placed (read from a placed schedule): by the number `s` of copies a PE serves (1 to
    /// [`PLACED_SHARING`], more counted as that many), the most elements a PE link serving `s`
    /// copies moves for one input vector of each, summed over them ([`pe_link_elements`]).
    /// Which of them is the busiest depends on the vectors each copy gets (fewer each when
    /// more copies share a PE, [`Banding::carried`]).
    Placed([u64; PLACED_SHARING]),
}

/// The elements one input vector of a copy moves over the link of each PE it occupies, when the
/// copy's `blocks` sit on consecutive crossbars from `first` in PEs of `per_pe` crossbars, as
/// the back end lays them out: the rows of every distinct row range a PE holds (its blocks of
/// one row range read the same inputs, delivered once) plus the columns of every block (each
/// crossbar's partial sums leave the PE to be accumulated). Calls `add(pe, elements)` per PE.
pub fn pe_link_elements(blocks: &[Block], first: u64, per_pe: u64, mut add: impl FnMut(u64, u64)) {
    let per_pe = per_pe.max(1);
    let mut current: Option<(u64, u64)> = None;
    let mut last_rows = None;
    for (b, crossbar) in blocks.iter().zip(first..) {
        let pe = crossbar / per_pe;
        if current.is_some_and(|(p, _)| p != pe) {
            if let Some((p, e)) = current.take() {
                add(p, e);
            }
            last_rows = None;
        }
        let rows = (b.super_group, b.row0);
        let inputs = if last_rows == Some(rows) { 0 } else { b.rows };
        last_rows = Some(rows);
        let elements = current.map_or(0, |(_, e)| e);
        current = Some((pe, elements + inputs + b.cols));
    }
    if let Some((p, e)) = current {
        add(p, e);
    }
}

/// The elements per input vector on the busiest PE link of one copy placed from a PE boundary
/// ([`pe_link_elements`]): what `pim-place-crossbars` does with a copy that starts a PE.
fn aligned_copy_link_elements(tiling: &Tiling, target: &Target) -> u64 {
    let mut busiest = 0;
    pe_link_elements(&tiling.blocks(), 0, target.crossbars_per_pe(), |_, e| {
        busiest = busiest.max(e)
    });
    busiest
}

/// NeuroSim's PE span: the rows and weight columns of the layer's block-diagonal matrix that the
/// busiest PE covers (4 x 4 crossbars per PE, `docs/targets.md` §5.3), per input vector.
fn neurosim_link_elements(shape: MatrixShape, target: &Target) -> u64 {
    let groups = shape.groups.max(1);
    groups.saturating_mul(shape.rows).min(target.pe_rows())
        + groups
            .saturating_mul(shape.cols)
            .min(target.pe_weight_cols())
}

/// A layer's tiling under one granularity: its allocation unit, duplication cap and how copies
/// share tiles. Copies are allocated in *units* (a copy of `X` crossbars, or a tile copy with
/// its in-tile copies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerMapping {
    /// The tiling.
    pub tiling: Tiling,
    /// The granularity.
    pub granularity: Granularity,
    /// Crossbars or tiles of one unit.
    pub unit_footprint: u64,
    /// Copies one unit holds.
    pub copies_per_unit: u64,
    /// How copies share the tiles' interconnect.
    pub sharing: Sharing,
    /// The elements one input vector moves over the busiest PE link of one copy (before
    /// placement, or under the `tile` granularity).
    pub copy_link_elements: u64,
    /// The duplication cap: copies never exceed this.
    pub max_copies: u64,
}

impl LayerMapping {
    /// The mapping of a layer with `tiling` that applies `vectors` input vectors per image on
    /// `target`. `dense` marks a fully connected layer (never duplicated under
    /// [`Granularity::Tile`], the paper's rule). The cap is the vectors per image (more copies
    /// than vectors would idle), so dense layers with one vector per image are never duplicated
    /// under either rule.
    pub fn new(
        tiling: Tiling,
        granularity: Granularity,
        target: &Target,
        vectors: u64,
        dense: bool,
    ) -> Self {
        match granularity {
            Granularity::Crossbar => Self {
                tiling,
                granularity,
                unit_footprint: tiling.footprint(granularity),
                copies_per_unit: 1,
                sharing: Sharing::Spread(
                    target.total_pes()
                        / tiling
                            .crossbars
                            .div_ceil(target.crossbars_per_pe().max(1))
                            .max(1),
                ),
                copy_link_elements: aligned_copy_link_elements(&tiling, target),
                max_copies: vectors.max(1),
            },
            Granularity::Tile => {
                let max_copies = if dense { 1 } else { vectors.max(1) };
                let in_tile = if dense { 1 } else { tiling.in_tile_copies };
                Self {
                    tiling,
                    granularity,
                    unit_footprint: tiling.footprint(granularity),
                    copies_per_unit: in_tile,
                    sharing: Sharing::InTile(in_tile),
                    copy_link_elements: neurosim_link_elements(tiling.shape, target),
                    max_copies,
                }
            }
        }
    }

    /// Copies held by `units` allocation units (at least 1, at most the cap).
    pub fn copies(&self, units: u64) -> u64 {
        units
            .saturating_mul(self.copies_per_unit)
            .clamp(1, self.max_copies.max(1))
    }

    /// Allocation units that hold `copies` copies (at least 1).
    pub fn units(&self, copies: u64) -> u64 {
        copies.div_ceil(self.copies_per_unit.max(1)).max(1)
    }

    /// Crossbars or tiles taken by `units` units.
    pub fn footprint(&self, units: u64) -> u64 {
        units.saturating_mul(self.unit_footprint)
    }

    /// The most units that still add copies.
    pub fn max_units(&self) -> u64 {
        self.max_copies.div_ceil(self.copies_per_unit.max(1)).max(1)
    }

    /// The elements (inputs and outputs) that pass the busiest PE link when `copies` copies
    /// share the input vectors of an image cut as `banding`: as placed (the elements of the
    /// copies on the busiest PE, times the vectors [`Banding::carried`] gives them, per copy),
    /// or else [`LayerMapping::busiest_link_vectors`] vectors of
    /// [`LayerMapping::copy_link_elements`] each.
    pub fn busiest_link_elements(&self, copies: u64, banding: &Banding) -> u64 {
        match self.sharing {
            Sharing::Placed(by_sharing) => (1..)
                .zip(by_sharing)
                .map(|(s, elements)| {
                    let carried = banding.carried(s, copies);
                    elements.saturating_mul(carried).div_ceil(s)
                })
                .max()
                .unwrap_or(0),
            Sharing::InTile(_) | Sharing::Spread(_) => self
                .busiest_link_vectors(copies, banding)
                .saturating_mul(self.copy_link_elements),
        }
    }

    /// Input vectors (of an image cut as `banding`) that pass the busiest PE link with `copies`
    /// copies before placement: the copies [`Sharing`] puts there carry [`Banding::carried`] of
    /// them (a placed layer: one copy's).
    pub fn busiest_link_vectors(&self, copies: u64, banding: &Banding) -> u64 {
        let copies = copies.max(1);
        let sharing = match self.sharing {
            Sharing::InTile(k) => copies.min(k.max(1)),
            Sharing::Spread(slots) => copies.div_ceil(slots.max(1)),
            Sharing::Placed(_) => 1,
        };
        banding.carried(sharing, copies)
    }
}

/// Pixels `d·P/D..(d+1)·P/D` of a band's `P`: copy `d`'s share of `copies` copies, as the back
/// end splits a band ([`Banding::carried`] counts what neighbours carry by it).
pub fn copy_share(pixels: usize, d: usize, copies: usize) -> (usize, usize) {
    (d * pixels / copies, (d + 1) * pixels / copies)
}

/// How the back end cuts an image's input vectors into bands (`program::bands`,
/// `docs/backend.md` §3): a grid of bands of `band` rows and columns over an `image` of rows and
/// columns of pixels, the last band of each row and column of bands what remains. A layer that
/// runs whole (a fully connected layer, a convolution whose image fits) is one band of all its
/// vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Banding {
    image: (u64, u64),
    band: (u64, u64),
}

impl Banding {
    /// `vectors` vectors in one band.
    pub fn whole(vectors: u64) -> Banding {
        Banding::grid((1, vectors), (1, vectors))
    }

    /// Bands of `band` rows and columns over an `image` of rows and columns (each at least one
    /// pixel, a band at most the image).
    pub fn grid(image: (u64, u64), band: (u64, u64)) -> Banding {
        let image = (image.0.max(1), image.1.max(1));
        Banding {
            image,
            band: (band.0.clamp(1, image.0), band.1.clamp(1, image.1)),
        }
    }

    /// Its number of bands.
    pub fn count(&self) -> u64 {
        self.sizes().map(|(count, _)| count).sum()
    }

    /// The bands' sizes in pixels, each with how many bands have it.
    fn sizes(&self) -> impl Iterator<Item = (u64, u64)> {
        let pieces = |n: u64, b: u64| [(n / b, b), (u64::from(!n.is_multiple_of(b)), n % b)];
        let rows = pieces(self.image.0, self.band.0);
        let cols = pieces(self.image.1, self.band.1);
        rows.into_iter()
            .flat_map(move |(r, height)| cols.map(move |(c, width)| (r * c, height * width)))
            .filter(|&(count, _)| count > 0)
    }

    /// The vectors of an image the busiest of `copies` copies takes: `ceil(P_b / D)` of each
    /// band's `P_b` (the back end gives the copies of a band the same shares in every band of
    /// its size, [`copy_share`]).
    pub fn per_copy(&self, copies: u64) -> u64 {
        self.carried(1, copies)
    }

    /// The input vectors `sharing` copies side by side carry of an image over `copies` copies:
    /// the back end gives copy `d` of a band of `P_b` vectors `floor((d+1)·P_b/D) −
    /// floor(d·P_b/D)` of them, so `s` neighbours carry at most `ceil(s·P_b/D)` of each band
    /// (and a copy no band reaches carries none).
    pub fn carried(&self, sharing: u64, copies: u64) -> u64 {
        self.sizes()
            .map(|(count, pixels)| {
                let share = sharing.saturating_mul(pixels).div_ceil(copies.max(1));
                count.saturating_mul(share.min(pixels))
            })
            .sum()
    }
}

/// Checks that `footprint` crossbars (or tiles) fit the chip; the error names both counts.
pub fn fits(footprint: u64, target: &Target, granularity: Granularity) -> Result<(), ProgramError> {
    let available = granularity.capacity(target);
    if footprint <= available {
        Ok(())
    } else {
        Err(ProgramError::DoesNotFit {
            needed: footprint,
            available,
            unit: granularity.unit(),
            target: target.chip.name.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn compact() -> Target {
        Target::preset("compact-4x4").unwrap()
    }

    fn shape(groups: u64, rows: u64, cols: u64) -> MatrixShape {
        MatrixShape { groups, rows, cols }
    }

    #[test]
    fn bit_slicing_and_exact_tilings() {
        let t = compact();
        let tiling = Tiling::new(shape(1, 128, 16), &t);
        assert_eq!(tiling.columns_per_weight, 8);
        assert_eq!(tiling.crossbars, 1);
        assert_eq!(Tiling::new(shape(1, 129, 16), &t).crossbars, 2);
        assert_eq!(Tiling::new(shape(1, 128, 17), &t).crossbars, 2);
        // VGG-8 (docs/targets.md §5): X = row tiles x column tiles.
        for (rows, cols, x, row_tiles) in [
            (27, 128, 8, 1),
            (1152, 128, 72, 9),
            (1152, 256, 144, 9),
            (2304, 256, 288, 18),
            (2304, 512, 576, 18),
            (4608, 512, 1152, 36),
            (8192, 1024, 4096, 64),
            (1024, 10, 8, 8),
        ] {
            let tiling = Tiling::new(shape(1, rows, cols), &t);
            assert_eq!(
                (tiling.crossbars, tiling.row_tiles),
                (x, row_tiles),
                "{rows}x{cols}"
            );
        }
    }

    #[test]
    fn paper_base_tiles_and_in_tile_copies_of_vgg8() {
        let t = compact();
        let layers = [
            (27, 128, 1, 32),
            (1152, 128, 1, 2),
            (1152, 256, 1, 1),
            (2304, 256, 2, 1),
            (2304, 512, 4, 1),
            (4608, 512, 6, 1),
            (8192, 1024, 16, 1),
        ];
        for (rows, cols, tiles, copies) in layers {
            let tiling = Tiling::new(shape(1, rows, cols), &t);
            assert_eq!(
                (tiling.base_tiles, tiling.in_tile_copies),
                (tiles, copies),
                "{rows}x{cols}"
            );
        }
        // The total is the reference's 32 base tiles @2048 (L8 takes 1).
        assert_eq!(Tiling::new(shape(1, 1024, 10), &t).base_tiles, 1);
    }

    #[test]
    fn depthwise_groups_pack_block_diagonally() {
        let t = compact();
        // 3x3 depthwise, 64 channels: 9 rows x 8 cells per group, 14 groups per crossbar.
        let tiling = Tiling::new(shape(64, 9, 1), &t);
        assert_eq!(tiling.groups_per_crossbar, 14);
        assert_eq!(tiling.crossbars, 5);
        // Groups larger than a crossbar are not packed.
        let big = Tiling::new(shape(2, 200, 8), &t);
        assert_eq!((big.crossbars, big.groups_per_crossbar), (2 * 2, 1));
        // Two groups of 64x8 weights share one crossbar.
        assert_eq!(Tiling::new(shape(2, 64, 8), &t).crossbars, 1);
    }

    #[test]
    fn neighbouring_copies_carry_their_share_of_each_band() {
        // ResNet-50's second stage: 56 bands of 56 pixels on 9 copies, which the back end gives
        // 6, 6, 6, 6, 7, 6, 6, 6, 7 pixels of each band.
        let counts: Vec<usize> = (0..9)
            .map(|d| copy_share(56, d, 9))
            .map(|(a, b)| b - a)
            .collect();
        assert_eq!(counts, [6, 6, 6, 6, 7, 6, 6, 6, 7]);
        let rows = Banding::grid((56, 56), (1, 56));
        assert_eq!(rows.carried(1, 9), 56 * 7);
        assert_eq!(rows.carried(2, 9), 56 * 13);
        assert_eq!(rows.carried(4, 9), 56 * 25);
        // More copies than a band's pixels: a copy carries one or none. SqueezeNet's first
        // convolution: 111 rows of two strips, 56 and 55 pixels.
        let strips = Banding::grid((111, 111), (1, 56));
        assert_eq!(strips.count(), 222);
        assert_eq!(strips.carried(3, 221), 222);
    }

    #[test]
    fn bands_are_whole_rows_and_each_splits_among_the_copies() {
        // DenseNet-40's growth convolutions on compact-4x4: a 16x16 image in bands of 3 rows,
        // five of 48 pixels and one of 16, on 43 copies. The busiest copy takes 2 pixels of each
        // full band and 1 of the last: 11 vectors, where an even cut (43 pixels a band) gives 6.
        let rows = Banding::grid((16, 16), (3, 16));
        assert_eq!((rows.count(), rows.per_copy(1)), (6, 256));
        assert_eq!(rows.per_copy(43), 5 * 2 + 1);
        // Strips: 3 rows of a 10-pixel row cut into 4, 4 and 2 columns.
        let strips = Banding::grid((3, 10), (1, 4));
        assert_eq!((strips.count(), strips.per_copy(1)), (9, 30));
        assert_eq!(strips.per_copy(3), 3 * (2 + 2 + 1));
        assert_eq!(Banding::whole(100).per_copy(7), 15);
    }

    #[test]
    fn a_placed_layer_is_charged_at_its_busiest_link() {
        // VGG-8's conv2 on unlimited-6x6: 21 copies of 72 crossbars, 16 bands of 64 pixels. A PE
        // of one copy carries 4 vectors a band, one shared by two copies 7: the lone copy's PE
        // is the busiest although both move 512 elements per vector.
        let t = Target::preset("unlimited-6x6").unwrap();
        let tiling = Tiling::new(shape(1, 1152, 128), &t);
        let mut m = LayerMapping::new(tiling, Granularity::Crossbar, &t, 1024, false);
        m.sharing = Sharing::Placed([512, 512, 0, 0]);
        let bands = Banding::grid((32, 32), (2, 32));
        assert_eq!(m.busiest_link_elements(21, &bands), 512 * 16 * 4);
        m.sharing = Sharing::Placed([0, 512, 0, 0]);
        assert_eq!(m.busiest_link_elements(21, &bands), 512 * 16 * 7 / 2);
    }

    #[test]
    fn copies_follow_caps_and_tile_sharing() {
        let t = compact();
        let l1 = Tiling::new(shape(1, 27, 128), &t);
        let tile = LayerMapping::new(l1, Granularity::Tile, &t, 1024, false);
        assert_eq!(tile.copies(1), 32);
        // All 32 copies share one tile: every vector crosses its H-tree.
        assert_eq!(
            tile.busiest_link_vectors(tile.copies(1), &Banding::whole(1024)),
            1024
        );
        assert_eq!(
            tile.busiest_link_vectors(tile.copies(2), &Banding::whole(1024)),
            512
        );
        let fc_tiling = Tiling::new(shape(1, 1024, 10), &t);
        let fc = LayerMapping::new(fc_tiling, Granularity::Tile, &t, 1, true);
        assert_eq!((fc.copies(1), fc.copies(5), fc.max_units()), (1, 1, 1));
        let xbar = LayerMapping::new(l1, Granularity::Crossbar, &t, 64, false);
        assert_eq!((xbar.copies(3), xbar.copies(99)), (3, 64));
        assert_eq!(xbar.max_units(), 64);
        // pimc spreads the copies over the 256 PEs: 32 copies, one per PE, 2 vectors each.
        assert_eq!(xbar.sharing, Sharing::Spread(256));
        assert_eq!(xbar.busiest_link_vectors(32, &Banding::whole(64)), 2);
        assert_eq!(xbar.busiest_link_vectors(512, &Banding::whole(1024)), 2 * 2);
        // A copy of 1152 crossbars spans 72 PEs: 3 copies on disjoint PEs.
        let l6 = Tiling::new(shape(1, 4608, 512), &t);
        let big = LayerMapping::new(l6, Granularity::Crossbar, &t, 64, false);
        assert_eq!(big.sharing, Sharing::Spread(3));
        assert_eq!(big.busiest_link_vectors(3, &Banding::whole(64)), 22);
    }

    /// A PE link carries each distinct row range of its blocks once and every block's columns:
    /// DenseNet's last growth layer (2,628 rows, 12 columns, one column tile) has 16 row tiles
    /// behind its first PE when placed from a PE boundary, 8 when it starts mid-PE.
    #[test]
    fn pe_links_carry_distinct_rows_and_every_blocks_columns() {
        let t = compact();
        let per_pe = t.crossbars_per_pe();
        let on_pes = |s: MatrixShape, first: u64| {
            let mut out = Vec::new();
            pe_link_elements(&Tiling::new(s, &t).blocks(), first, per_pe, |pe, e| {
                out.push((pe, e))
            });
            out
        };
        let growth = shape(1, 2628, 12);
        assert_eq!(
            on_pes(growth, 0),
            vec![(0, 16 * (128 + 12)), (1, 4 * 128 + 68 + 5 * 12)]
        );
        assert_eq!(
            on_pes(growth, 8),
            vec![(0, 8 * (128 + 12)), (1, 12 * 128 + 68 + 13 * 12)]
        );
        // Two column tiles of one row range read the same inputs.
        assert_eq!(on_pes(shape(1, 256, 32), 0), vec![(0, 2 * 128 + 4 * 16)]);
        let xbar = LayerMapping::new(
            Tiling::new(growth, &t),
            Granularity::Crossbar,
            &t,
            64,
            false,
        );
        assert_eq!(xbar.copy_link_elements, 16 * (128 + 12));
        // NeuroSim's mapping assumes 4 x 4 crossbars per PE: 512 rows and the 12 columns.
        let tile = LayerMapping::new(Tiling::new(growth, &t), Granularity::Tile, &t, 64, false);
        assert_eq!(tile.copy_link_elements, 512 + 12);
    }

    #[test]
    fn geometry_agrees_with_tiling() {
        let t = compact();
        let g = CrossbarGeometry::from_target(&t);
        assert_eq!(g.columns_per_weight(), 8);
        assert_eq!(g.crossbars(576, 64), 20);
        assert_eq!(g.crossbars_grouped(9, 1, 64), 5);
    }

    proptest! {
        #[test]
        fn crossbars_hold_every_weight(
            groups in 1u64..80, rows in 1u64..5000, cols in 1u64..1200,
        ) {
            let t = compact();
            let s = shape(groups, rows, cols);
            let tiling = Tiling::new(s, &t);
            prop_assert!(tiling.crossbars * t.weights_per_crossbar() >= s.weights());
            prop_assert!(tiling.base_tiles * t.crossbars_per_tile() * t.weights_per_crossbar()
                >= s.weights());
            // Never more crossbars than one block per group per crossbar tile.
            prop_assert!(tiling.crossbars <= groups * tiling.row_tiles * tiling.col_tiles);
            if groups == 1 {
                prop_assert_eq!(tiling.crossbars, tiling.row_tiles * tiling.col_tiles);
            }
            // In-tile copies fit in the tile.
            prop_assert!(tiling.in_tile_copies * tiling.crossbars <= t.crossbars_per_tile()
                || tiling.in_tile_copies == 1);
        }

        #[test]
        fn link_vectors_bound_what_neighbours_carry_and_are_reached(
            pixels in 1usize..400, copies in 1usize..64, sharing in 1usize..6,
        ) {
            let sharing = sharing.min(copies);
            let carried = |d: usize| {
                (d..d + sharing).map(|k| copy_share(pixels, k, copies)).map(|(a, b)| b - a).sum::<usize>()
            };
            let most = (0..=copies - sharing).map(carried).max().unwrap_or(0) as u64;
            let bound = Banding::whole(pixels as u64).carried(sharing as u64, copies as u64);
            prop_assert!(most <= bound && bound <= most + 1, "{most} {bound}");
        }

        #[test]
        fn busiest_link_never_exceeds_the_vectors(
            rows in 1u64..3000, cols in 1u64..600, vectors in 1u64..5000, units in 1u64..64,
        ) {
            let t = compact();
            let tiling = Tiling::new(shape(1, rows, cols), &t);
            for granularity in [Granularity::Crossbar, Granularity::Tile] {
                let m = LayerMapping::new(tiling, granularity, &t, vectors, false);
                let busiest = m.busiest_link_vectors(m.copies(units), &Banding::whole(vectors));
                prop_assert!(busiest <= vectors);
                prop_assert!(busiest * m.copies(units) >= vectors.min(m.copies(units)));
                prop_assert!(m.copies(units) <= vectors);
            }
        }
    }
}
