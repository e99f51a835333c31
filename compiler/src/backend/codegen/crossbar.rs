//! Crossbar layers: weight matrices and their crossbar blocks, `mvm` / `acc` / bias code.

use super::bands::Rect;
use super::vector::{apply_ops, plain_window, Chunk, PoolTail, Tail};
use super::{conv_geometry, dram, u24, unsupported, Gen, Layout, ACTIVATIONS_BASE, R};
use crate::program::tiling::copy_share;
use crate::program::Tiling;
use pim_dialects::{Node, PimOp, ValueId};
use pim_runtime::container::{ConstValue, WeightBlob, Window};
use pim_runtime::isa::{Instruction, MvmMode, VOp};
use std::ops::Range;

/// One rectangle of a crossbar's weights written by one `wload`: pre-tiled in DRAM at `dram`
/// (row-major, `cols` per row), at (`row`, `col`) of the crossbar.
#[derive(Debug, Clone, Copy)]
pub(super) struct Piece {
    pub(super) dram: u64,
    pub(super) row: usize,
    pub(super) col: usize,
    pub(super) rows: usize,
    pub(super) cols: usize,
}

/// One crossbar's block of weights: the pieces its `wload`s write (one for a dense block; one per
/// group and kernel tap of a block-diagonal block of packed groups, whose zeros are not stored).
#[derive(Debug, Clone, Copy)]
pub(super) struct Block {
    /// Its pieces: `Gen::pieces[start..start + len]`.
    pub(super) pieces: (usize, usize),
    /// Its super-group, the input channels `c0..c0 + cn` it reads, its first output channel.
    pub(super) sg: usize,
    pub(super) c0: usize,
    pub(super) cn: usize,
    pub(super) out0: usize,
    /// First matrix row.
    pub(super) row0: usize,
    /// First column inside the stage's column part.
    pub(super) col0: usize,
}

/// Groups of a (grouped) layer sharing crossbars ([`Tiling::blocks`]' super-group), as one
/// dense matrix.
struct SuperGroup {
    data: Vec<f32>,
    cols: usize,
}

impl Gen<'_> {
    /// The matrix of super-group `groups` (consecutive groups packed block-diagonally) of a
    /// crossbar layer, rows in the order the input vectors have on chip (conv: (ky, kx, c) over
    /// the super-group's channels, zero between different groups; fc: the input's physical
    /// order).
    fn super_group(&self, node: &Node<PimOp>, groups: Range<usize>) -> R<SuperGroup> {
        let PimOp::Mvm {
            kind,
            kernel,
            group,
            rows,
            cols,
            ..
        } = &node.op
        else {
            return Err("not a pim.mvm".into());
        };
        let (total, rows, cols) = (*group as usize, *rows as usize, *cols as usize);
        let weight = node
            .operands
            .get(1)
            .and_then(|&v| self.constant(v))
            .ok_or_else(|| unsupported(node, "a crossbar layer with run-time weights"))?;
        if weight.len() != total * rows * cols || groups.end > total {
            return Err(format!(
                "weight of {} elements is not {total} x {rows} x {cols}",
                weight.len()
            ));
        }
        let w = weight.data();
        if kind != "conv" {
            let order: Vec<usize> = match self.form(node.operands[0])? {
                Layout::Hwc { c, h, w: wd } if c * h * wd == rows => (0..rows)
                    .map(|p| {
                        let (pix, ch) = (p / c, p % c);
                        ch * h * wd + pix
                    })
                    .collect(),
                _ => (0..rows).collect(),
            };
            let mut data = vec![0f32; rows * cols];
            for (new, &old) in order.iter().enumerate() {
                data[new * cols..(new + 1) * cols]
                    .copy_from_slice(&w[old * cols..(old + 1) * cols]);
            }
            return Ok(SuperGroup { data, cols });
        }
        let taps = (kernel[0] * kernel[1]) as usize;
        let cin = rows / taps.max(1);
        let n = groups.len();
        let (srows, scols) = (taps * n * cin, n * cols);
        let mut data = vec![0f32; srows * scols];
        for (k, g) in groups.enumerate() {
            let matrix = &w[g * rows * cols..(g + 1) * rows * cols];
            for tap in 0..taps {
                for c in 0..cin {
                    let old = c * taps + tap;
                    let new = tap * n * cin + k * cin + c;
                    data[new * scols + k * cols..new * scols + (k + 1) * cols]
                        .copy_from_slice(&matrix[old * cols..(old + 1) * cols]);
                }
            }
        }
        Ok(SuperGroup { data, cols: scols })
    }

    /// Lays out the crossbar blocks of one copy of a stage's crossbar layer in the weights
    /// section: exactly the blocks of its `tiling` ([`Tiling::blocks`], the tiling the cost model
    /// counts), over the layer's output columns `columns` (a column part; all of them for grouped
    /// layers). Only real weights are stored: a block of packed groups is written group by group
    /// and kernel tap by kernel tap, its zeros left to the clearing `wload`.
    pub(super) fn weight_blocks(
        &mut self,
        node: &Node<PimOp>,
        columns: Range<usize>,
        tiling: &Tiling,
    ) -> R<Vec<Block>> {
        let (cin, taps) = match &node.op {
            PimOp::Mvm {
                kind, kernel, rows, ..
            } if kind == "conv" => {
                let taps = (kernel[0] * kernel[1]).max(1) as usize;
                (*rows as usize / taps, taps)
            }
            PimOp::Mvm { rows, .. } => (*rows as usize, 1),
            _ => return Err("not a pim.mvm".into()),
        };
        let group_cols = tiling.shape.cols as usize;
        let mut blocks = Vec::new();
        let mut current: Option<(u64, SuperGroup)> = None;
        for b in tiling.blocks() {
            let groups = b.first_group as usize..(b.first_group + b.groups) as usize;
            if current.as_ref().is_none_or(|(sg, _)| *sg != b.super_group) {
                current = Some((b.super_group, self.super_group(node, groups.clone())?));
            }
            let Some((_, m)) = &current else { continue };
            // Column parts cut a single group's columns; a super-group's columns start at 0.
            let off = if tiling.shape.groups > 1 {
                0
            } else {
                columns.start
            };
            let (row0, col0) = (b.row0 as usize, b.col0 as usize);
            let rect = |r: Range<usize>, c: Range<usize>| (r, c);
            let rects: Vec<(Range<usize>, Range<usize>)> = if groups.len() > 1 {
                // Group k, tap t: rows t*n*cin + k*cin .. + cin, columns k*cols .. + cols.
                let n = groups.len();
                (0..taps)
                    .flat_map(|t| {
                        (0..n).map(move |k| {
                            let r0 = t * n * cin + k * cin;
                            rect(r0..r0 + cin, k * group_cols..(k + 1) * group_cols)
                        })
                    })
                    .collect()
            } else {
                vec![rect(
                    row0..row0 + b.rows as usize,
                    col0..col0 + b.cols as usize,
                )]
            };
            let start = self.pieces.len();
            for (rows, cols) in rects {
                let offset = self.program.weights.len() as u64;
                for r in rows.clone() {
                    let first = r * m.cols + off + cols.start;
                    self.program
                        .weights
                        .extend_from_slice(&m.data[first..first + cols.len()]);
                }
                self.program.weight_blobs.push(WeightBlob {
                    name: format!(
                        "{}.w{}.r{}.c{}",
                        node.name,
                        b.super_group,
                        rows.start,
                        off + cols.start
                    ),
                    offset,
                    len: (rows.len() * cols.len()) as u64,
                    shape: vec![rows.len() as u64, cols.len() as u64],
                });
                self.pieces.push(Piece {
                    dram: self.program.weights_dram_base + offset,
                    row: rows.start - row0,
                    col: cols.start - col0,
                    rows: rows.len(),
                    cols: cols.len(),
                });
            }
            blocks.push(Block {
                pieces: (start, self.pieces.len() - start),
                sg: b.super_group as usize,
                c0: groups.start * cin,
                cn: groups.len() * cin,
                out0: groups.start * group_cols,
                row0,
                col0,
            });
        }
        if self.program.weights.len() as u64 >= ACTIVATIONS_BASE {
            return Err("the weights exceed 2^31 elements".into());
        }
        Ok(blocks)
    }

    /// Columns `off..off + width` of a crossbar layer for one image, in bands of output rows
    /// that fit the staging buffer; with several copies of the weights (`copies`, duplication),
    /// copy `d` of `D` computes pixels `d*P/D..(d+1)*P/D` of each band of `P` pixels
    /// (`docs/isa.md` §5).
    pub(super) fn mvm_layer(
        &mut self,
        node: &Node<PimOp>,
        image: usize,
        copies: &[Vec<(u32, Block)>],
        (off, width): (usize, usize),
        tail: Tail,
    ) -> R<()> {
        let Some(xbars) = copies.first() else {
            return Err("internal error: a crossbar layer without crossbars".into());
        };
        if let Some(&(xbar, _)) = xbars.first() {
            self.stage_near(xbar)?;
        }
        self.materialize_operands(node, image)?;
        let PimOp::Mvm { kind, group, .. } = &node.op else {
            return Err("not a pim.mvm".into());
        };
        let input = node.operands[0];
        // A grouped layer is never cut into column parts: it computes all its channels.
        let (off, width) = if *group > 1 {
            (0, self.func.shape(node.result)[1])
        } else {
            (off, width)
        };
        let bias = match node.operands.get(2).and_then(|&v| self.constant(v)) {
            Some(bias) => {
                let data = bias.data();
                if data.len() < off + width {
                    return Err(format!("bias of {} elements is too short", data.len()));
                }
                Some(self.add_constant(
                    format!("{}.bias[{off}..{}]", node.name, off + width),
                    ConstValue::Floats(data[off..off + width].to_vec()),
                )?)
            }
            None => None,
        };
        let mut row0s: Vec<usize> = xbars.iter().map(|(_, b)| b.row0).collect();
        row0s.sort_unstable();
        row0s.dedup();
        // The result as stored: the crossbar layer's, or that of the last layer following it
        // in the buffer (`Stage::followers`), applied to each band.
        let epilogue = Epilogue {
            bias,
            result: tail.result.unwrap_or(node.result),
            tail,
        };
        if kind != "conv" {
            return self.fc_layer(node, image, xbars, (off, width), &row0s, &epilogue);
        }
        let (conv, geo, across) =
            conv_geometry(self.func, node).ok_or("internal error: a conv without an image")?;
        let conv = conv.joined(epilogue.tail.joins());
        let conv = match &epilogue.tail.pool {
            Some(pool) => conv.pooled(pool.kernel),
            None => conv,
        };
        let (cin, iw, (oh, ow)) = (conv.cin, across.input, conv.out);
        let band = (
            conv.band(width, self.staging.capacity),
            conv.need(conv.least_band(), width),
        );
        let rects = self.rects(&node.name, (&geo, &across), (oh, ow), band)?;
        let mut previous: Option<(Range<usize>, Range<usize>)> = None;
        for rect in &rects {
            let band = &rect.rows;
            let pixels = rect.pixels();
            self.reset_staging();
            let src = self.alloc_staging((rect.input_pixels() * cin) as u64, &node.name)?;
            let out = self.alloc_staging((pixels * width) as u64, &node.name)?;
            let cols = rect.cols.r0..rect.cols.r1;
            let shared = previous.take().filter(|(c, _)| *c == cols).map(|(_, r)| r);
            self.load_rect(input, image, src, (rect, shared), iw)?;
            previous = Some((cols, band.r0..band.r1));
            let accumulate = self.begin_accumulation(&epilogue, out, width, pixels, row0s.len())?;
            for tile in &self.row_tiles(node, xbars, rect, cin)? {
                self.row_tile(tile, copies, (src, out), pixels, width, accumulate)?;
            }
            let chunk = Chunk {
                at: out,
                image,
                p0: rect.oy0 * ow + rect.ox0,
                pixels,
                channels: width,
            };
            self.epilogue(&epilogue, chunk, accumulate)?;
            match &epilogue.tail.pool {
                Some(pool) => self.pool_band(pool, epilogue.result, chunk, (rect, ow))?,
                None => self.store_rect(epilogue.result, image, out, rect, (ow, off, width))?,
            }
        }
        Ok(())
    }

    /// Pools a band of whole window rows (`rect`, `ow` pixels wide, `width` channels) that the
    /// convolution left at `out`, applies the ops that follow the pooling, and stores the pooled
    /// rows as `result` (`Tail::pool`).
    fn pool_band(
        &mut self,
        pool: &PoolTail,
        result: ValueId,
        band: Chunk,
        (rect, ow): (&Rect, usize),
    ) -> R<()> {
        let (image, out, width) = (band.image, band.at, band.channels);
        let (kh, kw) = pool.kernel;
        let (r0, rows) = (rect.oy0, rect.oy1 - rect.oy0);
        if rect.ox1 - rect.ox0 != ow || rows % kh != 0 || r0 % kh != 0 {
            return Err(format!(
                "internal error: `{}` pools a band of rows {r0}..{} that is not whole windows",
                pool.name, rect.oy1
            ));
        }
        let u = |v: usize| u32::try_from(v).map_err(|_| "pooling window too large".to_string());
        let (h, w) = (u(kh)?, u(kw)?);
        let win = plain_window((u(rows)?, u(ow)?), u(width)?, (h, w), (h, w));
        let param = self.window_constant(format!("{}.win.y{}", pool.name, r0 / kh), win)?;
        let pooled = (rows / kh) * (ow / kw);
        let dst = self.alloc_staging((pooled * width) as u64, &pool.name)?;
        self.vop(pool.op, dst, out, None, rows * ow * width, 1, param)?;
        let p0 = r0 / kh * (ow / kw);
        let chunk = Chunk {
            at: dst,
            image,
            p0,
            pixels: pooled,
            channels: width,
        };
        apply_ops(&pool.ops, self, chunk)?;
        self.store(result, image, dst, 0, width, p0, pooled)
    }

    /// With several row tiles (`row_tiles`), the output of `vectors` results of `width`
    /// columns at `out` becomes an accumulator: filled with the bias (zeros without one), then
    /// every row tile's `mvm`s add into it, all at once. Returns whether it did.
    fn begin_accumulation(
        &mut self,
        e: &Epilogue,
        out: u64,
        width: usize,
        vectors: usize,
        row_tiles: usize,
    ) -> R<bool> {
        if row_tiles <= 1 {
            return Ok(false);
        }
        let init = match e.bias {
            Some(bias) => bias,
            None => self.add_constant_once("zeros".into(), ConstValue::Floats(vec![0.0]))?,
        };
        self.vop(VOp::Fill, out, out, None, width, vectors, init)?;
        Ok(true)
    }

    /// The row tiles (and super-groups) of a conv layer over the band `rect`: their crossbars'
    /// indices within a copy, first block and window constant.
    fn row_tiles(
        &mut self,
        node: &Node<PimOp>,
        xbars: &[(u32, Block)],
        rect: &Rect,
        cin: usize,
    ) -> R<Vec<RowTile>> {
        let PimOp::Mvm {
            kernel,
            strides,
            dilations,
            ..
        } = &node.op
        else {
            return Err("not a pim.mvm".into());
        };
        let band = &rect.rows;
        let mut keys: Vec<(usize, usize)> = xbars.iter().map(|(_, b)| (b.row0, b.sg)).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut tiles = Vec::with_capacity(keys.len());
        for (row0, sg) in keys {
            let indices: Vec<usize> = (0..xbars.len())
                .filter(|&i| xbars[i].1.row0 == row0 && xbars[i].1.sg == sg)
                .collect();
            let Some(&first) = indices.first().map(|&i| &xbars[i].1) else {
                continue;
            };
            let win = Window {
                in_h: (band.r1 - band.r0) as u32,
                in_w: (rect.cols.r1 - rect.cols.r0) as u32,
                channels: cin as u32,
                c0: first.c0 as u32,
                cn: first.cn as u32,
                kernel_h: kernel[0] as u32,
                kernel_w: kernel[1] as u32,
                stride_h: strides[0] as u32,
                stride_w: strides[1] as u32,
                dilation_h: dilations[0] as u32,
                dilation_w: dilations[1] as u32,
                pad_top: band.pad_top,
                pad_left: rect.cols.pad_top,
                pad_bottom: band.pad_bottom,
                pad_right: rect.cols.pad_bottom,
                row0: row0 as u32,
                include_pad: false,
            };
            let (oy0, oy1) = (rect.oy0, rect.oy1);
            if (win.out_h(), win.out_w()) != ((oy1 - oy0) as u64, (rect.ox1 - rect.ox0) as u64) {
                return Err(format!(
                    "internal error: the window of output rows {oy0}..{oy1} gives {}x{} pixels",
                    win.out_h(),
                    win.out_w()
                ));
            }
            let name = format!(
                "{}.win.y{oy0}.x{}.c{}.r{row0}",
                node.name, rect.ox0, first.c0
            );
            tiles.push(RowTile {
                indices,
                win: self.window_constant(name, win)?,
            });
        }
        Ok(tiles)
    }

    /// Row tile `tile`'s `mvm`s over the `pixels` output pixels of a band (split among the
    /// copies), written into the output at `out`, or added to it (`accumulate`).
    fn row_tile(
        &mut self,
        tile: &RowTile,
        copies: &[Vec<(u32, Block)>],
        (src, out): (u64, u64),
        pixels: usize,
        width: usize,
        accumulate: bool,
    ) -> R<()> {
        for (d, copy) in copies.iter().enumerate() {
            let (p0, p1) = copy_share(pixels, d, copies.len());
            for &i in tile.indices.iter().filter(|_| p1 > p0) {
                let (xbar, b) = copy
                    .get(i)
                    .copied()
                    .ok_or("internal error: copies differ")?;
                self.program.code.push(Instruction::Mvm {
                    xbar,
                    src: self.buf(src),
                    dst: self.buf(out + (p0 * width + b.out0 + b.col0) as u64),
                    count: u24(p1 - p0, "pixels")?,
                    sstride: 0,
                    dstride: u24(width, "columns")?,
                    pix: u24(p0, "pixels")?,
                    bits: self.target.precision.activation_bits,
                    mode: MvmMode::Window,
                    win: tile.win,
                    accumulate: u32::from(accumulate),
                });
            }
        }
        Ok(())
    }

    /// Columns `off..off + width` of a fully connected layer for one image: its input's
    /// vectors (rows of `[M, K]`, one per image for `[N, K]`) through dense `mvm`s.
    #[allow(clippy::too_many_arguments)]
    fn fc_layer(
        &mut self,
        node: &Node<PimOp>,
        image: usize,
        xbars: &[(u32, Block)],
        (off, width): (usize, usize),
        row0s: &[usize],
        epilogue: &Epilogue,
    ) -> R<()> {
        let input = node.operands[0];
        if self.func.shape(input).len() != 2 {
            return Err(unsupported(
                node,
                "a fully connected layer on a non-2-D input",
            ));
        }
        let (in_pixels, in_channels) = self.geometry(input)?;
        let in_elems = in_pixels * in_channels;
        let k = *self.func.shape(input).last().unwrap_or(&1);
        let vectors = in_elems / k.max(1);
        let cols = self
            .func
            .shape(node.result)
            .last()
            .copied()
            .unwrap_or(width);
        let needed = (in_elems + vectors * width) as u64;
        // Row-major inputs of many vectors (MatMul over tokens or channels-last pixels) run in
        // chunks of vectors when they do not fit at once.
        let chunk = if needed <= self.staging.capacity {
            vectors
        } else if vectors > 1 && !self.form(input)?.mixes() {
            (self.staging.capacity / (k + width) as u64) as usize
        } else {
            0
        };
        if chunk == 0 {
            return Err(self.capacity_error(&node.name, needed));
        }
        for v0 in (0..vectors).step_by(chunk) {
            let n = chunk.min(vectors - v0);
            self.reset_staging();
            let src = self.alloc_staging((n * k) as u64, &node.name)?;
            let out = self.alloc_staging((n * width) as u64, &node.name)?;
            if n == vectors {
                self.load(input, image, src, 0, in_pixels)?;
            } else {
                let s = self.stored[input].ok_or("the input is not stored")?;
                let len = u24(n * k, "load length")?;
                self.program.code.push(Instruction::Load {
                    src: dram(self.image_addr(s.addr, s.stride, image)? + (v0 * k) as u64)?,
                    dst: self.buf(src),
                    len,
                    count: 1,
                    sstride: len,
                    dstride: len,
                });
            }
            let accumulate = self.begin_accumulation(epilogue, out, width, n, row0s.len())?;
            for &(xbar, b) in xbars {
                self.program.code.push(Instruction::Mvm {
                    xbar,
                    src: self.buf(src + b.row0 as u64),
                    dst: self.buf(out + b.col0 as u64),
                    count: u24(n, "vectors")?,
                    sstride: u24(k, "input length")?,
                    dstride: u24(width, "columns")?,
                    pix: 0,
                    bits: self.target.precision.activation_bits,
                    mode: MvmMode::Dense,
                    win: 0,
                    accumulate: u32::from(accumulate),
                });
            }
            let chunk = Chunk {
                at: out,
                image,
                p0: v0,
                pixels: n,
                channels: width,
            };
            self.epilogue(epilogue, chunk, accumulate)?;
            if vectors == 1 {
                return self.store(epilogue.result, image, out, off, width, 0, 1);
            }
            let s = self.stored[epilogue.result].ok_or("the result is not stored")?;
            let w = u24(width, "columns")?;
            self.program.code.push(Instruction::Store {
                src: self.buf(out),
                dst: dram(self.image_addr(s.addr, s.stride, image)? + (v0 * cols + off) as u64)?,
                len: w,
                count: u24(n, "vectors")?,
                sstride: w,
                dstride: u24(cols, "columns")?,
            });
        }
        Ok(())
    }

    /// The bias (unless the accumulator started from it: `accumulated`), the fused ReLU and the
    /// ops of the layers that follow in the buffer, on the results of `chunk` (a band's pixels,
    /// or vectors, of `chunk.channels` columns).
    fn epilogue(&mut self, e: &Epilogue, chunk: Chunk, accumulated: bool) -> R<()> {
        let (out, width, vectors) = (chunk.at, chunk.channels, chunk.pixels);
        if let Some(param) = e.bias.filter(|_| !accumulated) {
            self.vop(VOp::Bias, out, out, None, width, vectors, param)?;
        }
        if e.tail.relu {
            self.vop(VOp::Relu, out, out, None, width * vectors, 1, 0)?;
        }
        e.tail.apply(self, chunk)
    }
}

/// A row tile (of a super-group) of a conv layer over one band.
struct RowTile {
    /// Its crossbars' indices within a copy.
    indices: Vec<usize>,
    /// Its window constant.
    win: u32,
}

/// What follows a crossbar layer's accumulation in the buffer, and where its result goes.
#[derive(Debug, Clone)]
struct Epilogue {
    /// The bias constant, if any.
    bias: Option<u32>,
    /// The layers that follow in the buffer.
    tail: Tail,
    /// The value stored: the layer's result, or the last follower's.
    result: ValueId,
}
