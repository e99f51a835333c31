//! The machine's memories: DRAM (2^32 elements) and the on-chip buffers (the global buffer, one
//! per tile, one per PE), each an element-addressed `f32` store sized from the target.
//!
//! Storage is sparse: pages are allocated on first write and unwritten elements read as 0, so a
//! program touching a few megabytes of a 16 G-element DRAM (or of ISAAC's 168 tile buffers) costs
//! only what it touches. The weights section, read-only, is read in place from the program
//! (never copied: VGG-19's are 600 MB). Every access is checked against its memory's capacity
//! *before* anything is written ([`Memories::check`]), so an instruction either runs completely
//! or not at all.

use std::ops::Range;

use super::Fault;
use crate::container::Program;
use crate::isa::{MemRef, Space};

/// Elements of DRAM: one flat 32-bit element address space.
pub const DRAM_ELEMENTS: u64 = 1 << 32;

/// Elements per page of sparse storage.
const PAGE: u64 = 4096;

/// A sparse element store: pages allocated on first write (indexed by page number, up to the
/// largest written), unwritten elements read as 0.
#[derive(Debug, Clone, Default)]
struct Pages {
    pages: Vec<Option<Box<[f32]>>>,
}

/// The pieces of `start..start + len` that lie in one page each: (page, offset in the page,
/// range in the caller's slice).
fn page_pieces(start: u64, len: usize) -> impl Iterator<Item = (usize, usize, Range<usize>)> {
    let mut done = 0usize;
    std::iter::from_fn(move || {
        if done >= len {
            return None;
        }
        let addr = start + done as u64;
        let offset = (addr % PAGE) as usize;
        let n = (PAGE as usize - offset).min(len - done);
        let piece = ((addr / PAGE) as usize, offset, done..done + n);
        done += n;
        Some(piece)
    })
}

impl Pages {
    fn read(&self, start: u64, out: &mut [f32]) {
        for (page, offset, range) in page_pieces(start, out.len()) {
            let n = range.len();
            let dst = &mut out[range];
            match self.pages.get(page).and_then(Option::as_deref) {
                Some(p) => dst.copy_from_slice(&p[offset..offset + n]),
                None => dst.fill(0.0),
            }
        }
    }

    fn write(&mut self, start: u64, data: &[f32]) {
        for (page, offset, range) in page_pieces(start, data.len()) {
            self.page(page)[offset..offset + range.len()].copy_from_slice(&data[range]);
        }
    }

    /// `self[start + i] += data[i]`.
    fn add(&mut self, start: u64, data: &[f32]) {
        for (page, offset, range) in page_pieces(start, data.len()) {
            let sums = &mut self.page(page)[offset..offset + range.len()];
            sums.iter_mut()
                .zip(&data[range])
                .for_each(|(s, &y)| *s += y);
        }
    }

    /// Page `page`, allocated (zeros) if it was not.
    fn page(&mut self, page: usize) -> &mut [f32] {
        if page >= self.pages.len() {
            self.pages.resize(page + 1, None);
        }
        self.pages[page].get_or_insert_with(|| vec![0.0; PAGE as usize].into_boxed_slice())
    }
}

/// An operand resolved against the address registers: its field name (for errors), the operand
/// as written, and its effective element address `addr + r[reg]` (modulo 2^32).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operand {
    /// The field name (`src`, `dst`, `a`, `b`).
    pub name: &'static str,
    /// The operand as written.
    pub mem: MemRef,
    /// The effective address of its element 0.
    pub base: u64,
}

/// A 2-D access pattern: `count` blocks of `len` elements, block `k` at offset `k * stride`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blocks {
    /// Elements per block.
    pub len: u64,
    /// Blocks.
    pub count: u64,
    /// Elements from one block to the next.
    pub stride: u64,
}

impl Blocks {
    /// One block of `len` elements.
    pub fn contiguous(len: u64) -> Blocks {
        Blocks {
            len,
            count: 1,
            stride: len,
        }
    }

    fn is_empty(&self) -> bool {
        self.len == 0 || self.count == 0
    }

    /// The offset of the last element touched, from element 0 (for a non-empty pattern).
    fn last_offset(&self) -> u64 {
        (self.count - 1)
            .saturating_mul(self.stride)
            .saturating_add(self.len - 1)
    }

    /// Elements from the first touched to the last (0 for an empty pattern).
    pub fn span(&self) -> u64 {
        match self.is_empty() {
            true => 0,
            false => self.last_offset() + 1,
        }
    }

    /// The offset of each block's first element.
    pub fn starts(&self) -> impl Iterator<Item = u64> {
        let stride = self.stride;
        (0..self.count).map(move |k| k * stride)
    }
}

/// Buffer sizes and unit counts of the target.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    global: u64,
    tile: u64,
    pe: u64,
    tiles: u64,
    pes: u64,
}

/// DRAM and every on-chip buffer: the weights section of the program read in place, every
/// other element in pages.
#[derive(Debug, Clone)]
pub(crate) struct Memories<'p> {
    dram: Pages,
    /// The global buffer, then the tiles', then the PEs' ([`Memories::buffer`]).
    buffers: Vec<Pages>,
    sizes: Sizes,
    weights: Range<u64>,
    weight_data: &'p [f32],
}

impl<'p> Memories<'p> {
    /// The memories of `program`'s target: its weights in DRAM at `weights_dram_base`, every
    /// other element 0.
    pub fn new(program: &'p Program) -> Memories<'p> {
        let target = &program.target;
        let elements = |bytes: u64| target.buffer_elements(bytes);
        let tiles = target.total_tiles();
        Memories {
            dram: Pages::default(),
            buffers: Vec::new(),
            sizes: Sizes {
                global: elements(target.buffers.global_bytes),
                tile: elements(target.buffers.tile_bytes),
                pe: elements(target.buffers.pe_bytes),
                tiles,
                pes: tiles.saturating_mul(target.pes_per_tile()),
            },
            weights: program.weights_dram_range(),
            weight_data: &program.weights,
        }
    }

    /// Elements of the memory `mem` points into, or why it does not exist.
    fn capacity(&self, op: &Operand) -> Result<u64, Fault> {
        let s = &self.sizes;
        let missing = |reason: String| Fault::NoBuffer {
            operand: op.name,
            mem: op.mem.to_string(),
            reason,
        };
        let unit = u64::from(op.mem.unit);
        match op.mem.space {
            Space::Dram => Ok(DRAM_ELEMENTS),
            Space::Global if s.global == 0 => {
                Err(missing("the target has no global buffer".into()))
            }
            Space::Global => Ok(s.global),
            Space::Tile if unit >= s.tiles => {
                Err(missing(format!("the target has {} tiles", s.tiles)))
            }
            Space::Tile => Ok(s.tile),
            Space::Pe if unit >= s.pes => Err(missing(format!("the target has {} PEs", s.pes))),
            Space::Pe => Ok(s.pe),
        }
    }

    /// Checks that `blocks` at `op` lie inside its memory and, for a write to DRAM, outside the
    /// read-only weights.
    pub fn check(&self, op: &Operand, blocks: Blocks, write: bool) -> Result<(), Fault> {
        let capacity = self.capacity(op)?;
        if blocks.is_empty() {
            return Ok(());
        }
        let (first, last) = (op.base, op.base.saturating_add(blocks.last_offset()));
        if last >= capacity {
            return Err(Fault::OutOfBounds {
                operand: op.name,
                mem: op.mem.to_string(),
                first,
                last,
                capacity,
                space: space_name(op.mem),
            });
        }
        if write && op.mem.space == Space::Dram && self.touches_weights(op.base, blocks) {
            return Err(Fault::WeightsReadOnly {
                operand: op.name,
                mem: op.mem.to_string(),
                first,
                last,
                weights_start: self.weights.start,
                weights_end: self.weights.end,
            });
        }
        Ok(())
    }

    /// Whether any block of `blocks` at `base` overlaps the weights.
    fn touches_weights(&self, base: u64, blocks: Blocks) -> bool {
        let w = &self.weights;
        let hit = |start: u64, len: u64| start < w.end && w.start < start.saturating_add(len);
        !w.is_empty()
            && hit(base, blocks.last_offset().saturating_add(1))
            && blocks.starts().any(|s| hit(base + s, blocks.len))
    }

    /// Reads `out.len()` elements at `op.base + offset` (checked by [`Memories::check`]).
    pub fn read(&self, op: &Operand, offset: u64, out: &mut [f32]) {
        let start = op.base + offset;
        match op.mem.space {
            Space::Dram => self.dram_read(start, out),
            _ => match self.buffers.get(self.buffer(op.mem)) {
                Some(pages) => pages.read(start, out),
                None => out.fill(0.0),
            },
        }
    }

    /// The blocks of `pattern` at `op` one after another into `out` (checked): one read when
    /// they are contiguous.
    pub fn read_blocks(&self, op: &Operand, pattern: Blocks, out: &mut [f32]) {
        if pattern.stride == pattern.len {
            return self.read(op, 0, out);
        }
        let len = (pattern.len as usize).max(1);
        for (start, block) in pattern.starts().zip(out.chunks_mut(len)) {
            self.read(op, start, block);
        }
    }

    /// `len` elements at `op.base + offset`, as a vector.
    pub fn read_vec(&self, op: &Operand, offset: u64, len: usize) -> Vec<f32> {
        let mut out = vec![0.0; len];
        self.read(op, offset, &mut out);
        out
    }

    /// Writes `data` at `op.base + offset` (checked by [`Memories::check`]).
    pub fn write(&mut self, op: &Operand, offset: u64, data: &[f32]) {
        self.pages(op.mem).write(op.base + offset, data);
    }

    /// `dst[i] += data[i]` at `op.base + offset` (checked by [`Memories::check`]: the
    /// weights are never written).
    pub fn add(&mut self, op: &Operand, offset: u64, data: &[f32]) {
        self.pages(op.mem).add(op.base + offset, data);
    }

    /// The pages of the memory `mem` points into (checked).
    fn pages(&mut self, mem: MemRef) -> &mut Pages {
        if mem.space == Space::Dram {
            return &mut self.dram;
        }
        let index = self.buffer(mem);
        if index >= self.buffers.len() {
            self.buffers.resize_with(index + 1, Pages::default);
        }
        &mut self.buffers[index]
    }

    /// The index in `buffers` of the on-chip buffer `mem` points into (DRAM has none).
    fn buffer(&self, mem: MemRef) -> usize {
        let (unit, tiles) = (usize::from(mem.unit), self.sizes.tiles as usize);
        match mem.space {
            Space::Dram | Space::Global => 0,
            Space::Tile => 1 + unit,
            Space::Pe => 1 + tiles + unit,
        }
    }

    /// Host access: writes `data` at DRAM element `addr` (inputs and weights; the container
    /// checks their ranges).
    pub fn host_write(&mut self, addr: u64, data: &[f32]) {
        self.dram.write(addr, data);
    }

    /// Host access: reads DRAM elements at `addr` (outputs).
    pub fn host_read(&self, addr: u64, out: &mut [f32]) {
        self.dram_read(addr, out);
    }

    /// Reads DRAM elements at `start`: the part inside the weights from the program, the rest
    /// from the pages (nothing writes into the weights: [`Memories::check`], and the container
    /// keeps the bindings clear of them).
    fn dram_read(&self, start: u64, out: &mut [f32]) {
        let end = start + out.len() as u64;
        let clamp = |addr: u64| (addr.clamp(start, end) - start) as usize;
        let (lo, hi) = (clamp(self.weights.start), clamp(self.weights.end));
        if lo >= hi {
            return self.dram.read(start, out);
        }
        let from = (start + lo as u64 - self.weights.start) as usize;
        let (before, rest) = out.split_at_mut(lo);
        let (inside, after) = rest.split_at_mut(hi - lo);
        self.dram.read(start, before);
        inside.copy_from_slice(&self.weight_data[from..from + inside.len()]);
        self.dram.read(start + hi as u64, after);
    }
}

/// The memory an operand points into, in words (for errors).
fn space_name(mem: MemRef) -> String {
    match mem.space {
        Space::Dram => "DRAM".into(),
        Space::Global => "global buffer".into(),
        Space::Tile => format!("buffer of tile {}", mem.unit),
        Space::Pe => format!("buffer of PE {}", mem.unit),
    }
}
