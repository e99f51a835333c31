//! The machine state — memories, crossbars, address registers, events — and the execution of one
//! non-sequencing instruction on it (`loop`/`endloop`/`halt` are the [`Sequencer`]'s).
//!
//! Every instruction resolves its operands against the registers, checks all of them against
//! their memories, and only then reads and writes, so a faulting instruction changes nothing.
//!
//! [`Sequencer`]: super::control::Sequencer

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::crossbar::{Crossbar, Crossbars, WeightBlock};
use super::memory::{Blocks, Memories, Operand};
use super::vector::{self, Groups};
use super::window::{self, image_len, HeldRows, Im2col, ImageSource};
use super::Fault;
use crate::container::{ConstValue, Constant, Program, Window};
use crate::isa::{Instruction, MemRef, MvmMode, VOp};

/// Address registers `r0`..`r15`.
const REGISTERS: usize = 16;

/// The state of the chip and its DRAM while `program` runs (its weights are read in place).
#[derive(Debug, Clone)]
pub struct Machine<'p> {
    memory: Memories<'p>,
    crossbars: Crossbars,
    registers: [u32; REGISTERS],
    events: BTreeSet<u32>,
}

/// The fields shared by `load`, `store` and `copy`.
struct Transfer {
    src: MemRef,
    dst: MemRef,
    len: u32,
    count: u32,
    sstride: u32,
    dstride: u32,
}

impl<'p> Machine<'p> {
    /// A machine for `program`'s target with the weights placed in DRAM at
    /// `weights_dram_base`, every other element 0, no crossbar written, registers 0.
    pub(crate) fn new(program: &'p Program) -> Machine<'p> {
        Machine {
            memory: Memories::new(program),
            crossbars: Crossbars::new(&program.target),
            registers: [0; REGISTERS],
            events: BTreeSet::new(),
        }
    }

    /// Resets the registers and events (the state a run starts from); memories and crossbars
    /// keep their contents.
    pub(crate) fn reset_control(&mut self) {
        self.registers = [0; REGISTERS];
        self.events.clear();
    }

    /// The host's view of DRAM: writes inputs.
    pub(crate) fn host_write(&mut self, addr: u64, data: &[f32]) {
        self.memory.host_write(addr, data);
    }

    /// The host's view of DRAM: reads outputs.
    pub(crate) fn host_read(&self, addr: u64, out: &mut [f32]) {
        self.memory.host_read(addr, out);
    }

    /// `len` elements at `mem` (resolved against the current registers), e.g. to inspect a
    /// buffer after a run.
    pub fn read(&self, mem: MemRef, len: usize) -> Result<Vec<f32>, Fault> {
        let op = self.operand("mem", mem);
        self.memory
            .check(&op, Blocks::contiguous(len as u64), false)?;
        Ok(self.memory.read_vec(&op, 0, len))
    }

    /// The value of address register `reg`, if it exists.
    pub fn register(&self, reg: usize) -> Option<u32> {
        self.registers.get(reg).copied()
    }

    /// Crossbar `xbar`, if a `wload` has written it.
    pub fn crossbar(&self, xbar: u32) -> Option<&Crossbar> {
        self.crossbars.get(xbar)
    }

    /// Executes one instruction; sequencing instructions (`loop`, `endloop`, `guard`, `halt`) and
    /// the markers and fences do nothing here.
    pub(crate) fn step(&mut self, inst: &Instruction, constants: &[Constant]) -> Result<(), Fault> {
        match *inst {
            Instruction::Load {
                src,
                dst,
                len,
                count,
                sstride,
                dstride,
            }
            | Instruction::Store {
                src,
                dst,
                len,
                count,
                sstride,
                dstride,
            }
            | Instruction::Copy {
                src,
                dst,
                len,
                count,
                sstride,
                dstride,
            } => self.transfer(Transfer {
                src,
                dst,
                len,
                count,
                sstride,
                dstride,
            }),
            Instruction::WLoad { .. } => self.wload(inst),
            Instruction::Mvm { .. } => self.mvms(std::slice::from_ref(inst), constants).1,
            Instruction::Acc { .. } => self.acc(inst),
            Instruction::VecOp { .. } => self.vop(inst, constants),
            Instruction::RSet { reg, value } => self.set_register(reg, |_| value),
            Instruction::RAdd { reg, value } => {
                self.set_register(reg, |r| r.wrapping_add_signed(value))
            }
            Instruction::Signal { event } => {
                self.events.insert(event);
                Ok(())
            }
            Instruction::Wait { event } => match self.events.remove(&event) {
                true => Ok(()),
                false => Err(Fault::Deadlock { event }),
            },
            Instruction::Halt {}
            | Instruction::Loop { .. }
            | Instruction::EndLoop {}
            | Instruction::Guard { .. }
            | Instruction::SegBegin { .. }
            | Instruction::SegEnd { .. }
            | Instruction::Barrier {} => Ok(()),
        }
    }

    /// Sets register `reg` (1..=15) to `f(old value)`.
    fn set_register(&mut self, reg: u32, f: impl Fn(u32) -> u32) -> Result<(), Fault> {
        match self.registers.get_mut(reg as usize) {
            Some(r) if reg != 0 => {
                *r = f(*r);
                Ok(())
            }
            _ => Err(Fault::Malformed(format!(
                "register r{reg} cannot be written (r1..r15)"
            ))),
        }
    }

    /// Operand `name` = `mem` at its effective address `addr + r[reg]` (modulo 2^32).
    fn operand(&self, name: &'static str, mem: MemRef) -> Operand {
        let offset = self
            .registers
            .get(usize::from(mem.reg))
            .copied()
            .unwrap_or(0);
        Operand {
            name,
            mem,
            base: u64::from(mem.addr.wrapping_add(offset)),
        }
    }

    /// `load`, `store`, `copy`: block `k` of `len` elements from `src + k*sstride` to
    /// `dst + k*dstride`, in block order.
    fn transfer(&mut self, t: Transfer) -> Result<(), Fault> {
        let (src, dst) = (self.operand("src", t.src), self.operand("dst", t.dst));
        let sblocks = blocks(t.len, t.count, t.sstride);
        let dblocks = blocks(t.len, t.count, t.dstride);
        self.memory.check(&src, sblocks, false)?;
        self.memory.check(&dst, dblocks, true)?;
        let mut buf = vec![0.0; t.len as usize];
        for (s, d) in sblocks.starts().zip(dblocks.starts()) {
            self.memory.read(&src, s, &mut buf);
            self.memory.write(&dst, d, &buf);
        }
        Ok(())
    }

    /// `wload`: weights `W[row+i][col+j] = dram[src + i*stride + j]` into crossbar `xbar`.
    fn wload(&mut self, inst: &Instruction) -> Result<(), Fault> {
        let Instruction::WLoad {
            xbar,
            src,
            stride,
            row,
            col,
            rows,
            cols,
            clear,
            copies,
            xstride,
        } = *inst
        else {
            return Ok(());
        };
        let block = WeightBlock {
            row: row as usize,
            col: col as usize,
            rows: rows as usize,
            cols: cols as usize,
        };
        let targets = crate::isa::wload_crossbars(xbar, copies, xstride);
        for x in targets.clone() {
            self.crossbars.check(x, block)?;
        }
        let src = self.operand("src", src);
        let pattern = blocks(cols, rows, stride);
        self.memory.check(&src, pattern, false)?;
        let mut data = vec![0.0; block.rows * block.cols];
        self.memory.read_blocks(&src, pattern, &mut data);
        self.crossbars.write(targets, block, clear, data);
        Ok(())
    }

    /// `mvm`s: the longest prefix of `run` (all `mvm`s) in which none reads what an earlier one
    /// writes, or up to the first that faults. Their operands are checked in order, their
    /// products computed from the memories as they were before the first (on every core when
    /// they are many), then written in order. Returns the `mvm`s executed and the fault of the
    /// next one, if it faulted (nothing of it is written).
    pub(crate) fn mvms(
        &mut self,
        run: &[Instruction],
        constants: &[Constant],
    ) -> (usize, Result<(), Fault>) {
        let (products, fault) = {
            let (batch, fault) = self.batch(run, constants);
            (self.products(&batch), fault)
        };
        let done = products.len();
        for (out, y) in products {
            self.write_products(out, y);
        }
        (done, fault)
    }

    /// The `mvm`s of `run` checked in order, up to the first that reads what an earlier one
    /// writes or that faults (and its fault).
    fn batch<'a>(
        &'a self,
        run: &[Instruction],
        constants: &'a [Constant],
    ) -> (Vec<Mvm<'a>>, Result<(), Fault>) {
        let mut batch: Vec<Mvm> = Vec::with_capacity(run.len());
        let mut written: Vec<Extent> = Vec::with_capacity(run.len());
        for inst in run {
            let m = match self.check_mvm(inst, constants) {
                Ok(m) => m,
                Err(f) => return (batch, Err(f)),
            };
            let reads = m.reads();
            if written.iter().any(|w| reads.overlaps(w)) {
                break;
            }
            add_extent(&mut written, m.writes());
            batch.push(m);
        }
        (batch, Ok(()))
    }

    /// `mvm`: `count` input vectors (dense, or gathered by a window) times the active block of
    /// crossbar `xbar`, its operands checked (nothing read or written yet).
    fn check_mvm<'a>(
        &'a self,
        inst: &Instruction,
        constants: &'a [Constant],
    ) -> Result<Mvm<'a>, Fault> {
        let Instruction::Mvm {
            xbar,
            src,
            dst,
            count,
            sstride,
            dstride,
            pix,
            mode,
            win,
            accumulate,
            ..
        } = *inst
        else {
            return Err(Fault::Malformed(format!("{inst} is not an mvm")));
        };
        let bar = self.crossbars.loaded(xbar)?;
        let (ar, ac) = bar.active();
        let (src, dst) = (self.operand("src", src), self.operand("dst", dst));
        self.memory
            .check(&dst, blocks(ac as u32, count, dstride), true)?;
        let source = match mode {
            MvmMode::Dense => {
                let pattern = blocks(ar as u32, count, sstride);
                self.memory.check(&src, pattern, false)?;
                Source::Dense(src, pattern)
            }
            MvmMode::Window => {
                let w = window_at(constants, win)?;
                check_pixels(w, pix, count)?;
                self.memory
                    .check(&src, Blocks::contiguous(image_len(w)), false)?;
                Source::Window(src, w, pix)
            }
        };
        Ok(Mvm {
            bar,
            source,
            out: Outputs {
                dst,
                count,
                dstride,
                ac,
                accumulate: accumulate != 0,
            },
        })
    }

    /// The products of checked `mvm`s, each with where it goes: on every core when they are
    /// many (each product is computed the same way on any thread, so the bits do not change).
    /// Consecutive `mvm`s with the same input vectors (the crossbars of one row block of a layer)
    /// gather them once.
    fn products(&self, batch: &[Mvm]) -> Vec<(Outputs, Vec<f32>)> {
        let groups: Vec<&[Mvm]> = batch.chunk_by(Mvm::same_input).collect();
        let group = |g: &&[Mvm]| self.group_products(g);
        let macs: u64 = batch.iter().map(Mvm::macs).sum();
        let products: Vec<_> = if groups.len() > 1 && macs >= PARALLEL_MACS {
            groups.par_iter().map(group).collect()
        } else {
            groups.iter().map(group).collect()
        };
        products.into_iter().flatten().collect()
    }

    /// The products of `mvm`s that share their input vectors, read once from the memories.
    fn group_products(&self, group: &[Mvm]) -> Vec<(Outputs, Vec<f32>)> {
        let Some(first) = group.first() else {
            return Vec::new();
        };
        let (ar, count) = (first.bar.active().0, first.out.count);
        let input = match first.source {
            Source::Dense(src, pattern) => {
                Input::Dense(snapshot(&self.memory, &src, pattern), pattern.stride)
            }
            Source::Window(src, w, pix) => window_input(&self.memory, &src, w, pix, count, ar),
        };
        let vectors = input.into_vectors(count as usize, ar);
        group
            .iter()
            .map(|m| (m.out, products(&vectors, m.bar, count, m.bar.active())))
            .collect()
    }

    /// Writes (or adds, with `accumulate`) an `mvm`'s products at its destination.
    fn write_products(&mut self, out: Outputs, products: Vec<f32>) {
        for (v, y) in products.chunks(out.ac.max(1)).enumerate() {
            let at = v as u64 * u64::from(out.dstride);
            match out.accumulate {
                true => self.memory.add(&out.dst, at, y),
                false => self.memory.write(&out.dst, at, y),
            }
        }
    }

    /// `acc`: `dst[k*dstride + i] += src[k*sstride + i] * 2^shift`, block by block.
    fn acc(&mut self, inst: &Instruction) -> Result<(), Fault> {
        let Instruction::Acc {
            src,
            dst,
            len,
            count,
            sstride,
            dstride,
            shift,
        } = *inst
        else {
            return Ok(());
        };
        let (src, dst) = (self.operand("src", src), self.operand("dst", dst));
        let (sblocks, dblocks) = (blocks(len, count, sstride), blocks(len, count, dstride));
        self.memory.check(&src, sblocks, false)?;
        self.memory.check(&dst, dblocks, true)?;
        let scale = pow2(shift)?;
        for (s, d) in sblocks.starts().zip(dblocks.starts()) {
            let partial = self.memory.read_vec(&src, s, len as usize);
            let mut sum = self.memory.read_vec(&dst, d, len as usize);
            for (y, x) in sum.iter_mut().zip(partial) {
                *y += x * scale;
            }
            self.memory.write(&dst, d, &sum);
        }
        Ok(())
    }

    /// `vop`: pooling per image, every other op on `count` groups of `len` elements.
    fn vop(&mut self, inst: &Instruction, constants: &[Constant]) -> Result<(), Fault> {
        let Instruction::VecOp {
            op,
            dst,
            a,
            b,
            len,
            count,
            param,
        } = *inst
        else {
            return Ok(());
        };
        let (dst, a, b) = (
            self.operand("dst", dst),
            self.operand("a", a),
            self.operand("b", b),
        );
        if len == 0 || count == 0 {
            return Ok(());
        }
        if op.is_windowed() {
            return self.pool(op, dst, a, len, count, window_at(constants, param)?);
        }
        let n = u64::from(len) * u64::from(count);
        let (b_len, dst_len) = op
            .matrix_extents(len, count, matmul_rows(constants, param))
            .unwrap_or((n, n));
        if op.reads_a() {
            self.memory.check(&a, Blocks::contiguous(n), false)?;
        }
        if op.is_binary() {
            self.memory.check(&b, Blocks::contiguous(b_len), false)?;
        }
        self.memory.check(&dst, Blocks::contiguous(dst_len), true)?;
        let groups = Groups {
            len: len as usize,
            count: count as usize,
            a: match op.reads_a() {
                true => self.memory.read_vec(&a, 0, n as usize),
                false => vec![0.0; n as usize],
            },
            b: match op.is_binary() {
                true => self.memory.read_vec(&b, 0, b_len as usize),
                false => Vec::new(),
            },
            param: constants.get(param as usize).map(|c| (param, &c.value)),
        };
        let out = vector::evaluate(op, groups)?;
        self.memory.write(&dst, 0, &out);
        Ok(())
    }

    /// Pooling: image `g` at `a + g*len` to `dst + g*out_h*out_w*cn`.
    fn pool(
        &mut self,
        op: VOp,
        dst: Operand,
        a: Operand,
        len: u32,
        count: u32,
        w: &Window,
    ) -> Result<(), Fault> {
        if image_len(w) != u64::from(len) {
            return Err(Fault::Malformed(format!(
                "{op}: len {len} is not the window's image size {}",
                image_len(w)
            )));
        }
        let out_len = w
            .out_pixels()
            .saturating_mul(u64::from(w.cn))
            .saturating_mul(u64::from(count));
        let (inputs, outputs) = (
            Blocks::contiguous(u64::from(len) * u64::from(count)),
            Blocks::contiguous(out_len),
        );
        self.memory.check(&a, inputs, false)?;
        self.memory.check(&dst, outputs, true)?;
        if overlap(&a, inputs.len, &dst, outputs.len) {
            return Err(Fault::PoolingInPlace {
                dst: dst.mem.to_string(),
                a: a.mem.to_string(),
            });
        }
        let data = self.memory.read_vec(&a, 0, inputs.len as usize);
        let out = window::pool(op == VOp::MaxPool, w, count as usize, data)?;
        self.memory.write(&dst, 0, &out);
        Ok(())
    }
}

/// The rows of `b` of a `matmul` whose parameter is `param` (0 when the entry is not one float:
/// `vector::evaluate` reports that).
pub(crate) fn matmul_rows(constants: &[Constant], param: u32) -> u32 {
    match constants.get(param as usize).map(|c| &c.value) {
        Some(ConstValue::Floats(v)) => v.first().map_or(0, |&n| n as u32),
        _ => 0,
    }
}

/// An `mvm` whose operands are checked: its crossbar, where its inputs come from and where its
/// products go.
struct Mvm<'a> {
    bar: &'a Crossbar,
    source: Source<'a>,
    out: Outputs,
}

/// Adds `e` to the extents written so far, merged with the last one when the two touch (the
/// `mvm`s of a run usually write side by side): the same elements, fewer extents to check.
fn add_extent(written: &mut Vec<Extent>, e: Extent) {
    match written.last_mut() {
        Some(last) if last.touches(&e) => {
            last.elements =
                last.elements.start.min(e.elements.start)..last.elements.end.max(e.elements.end);
        }
        _ => written.push(e),
    }
}

/// Where a checked `mvm` reads its input vectors.
enum Source<'a> {
    /// `count` vectors at `src` (the pattern of `ar` elements `sstride` apart).
    Dense(Operand, Blocks),
    /// The im2col vectors of a window over the image at `src`, from output pixel `pix` on.
    Window(Operand, &'a Window, u32),
}

/// Where an `mvm` writes: `count` vectors of `ac` products, vector `v` at `dst + v*dstride`,
/// added to what is there with `accumulate`.
#[derive(Clone, Copy)]
struct Outputs {
    dst: Operand,
    count: u32,
    dstride: u32,
    ac: usize,
    accumulate: bool,
}

impl Mvm<'_> {
    /// Its multiply-accumulates.
    fn macs(&self) -> u64 {
        let (ar, ac) = self.bar.active();
        u64::from(self.out.count) * (ar * ac) as u64
    }

    /// Whether `other` reads the same input vectors: from the same place (the same window and
    /// pixels, or the same access pattern), as many and as long.
    fn same_input(&self, other: &Mvm) -> bool {
        let same_place = |a: &Operand, b: &Operand| {
            (a.mem.space, a.mem.unit, a.base) == (b.mem.space, b.mem.unit, b.base)
        };
        let same_source = match (&self.source, &other.source) {
            (Source::Dense(a, p), Source::Dense(b, q)) => {
                same_place(a, b) && (p.len, p.count, p.stride) == (q.len, q.count, q.stride)
            }
            (Source::Window(a, w, p), Source::Window(b, v, q)) => {
                same_place(a, b) && std::ptr::eq(*w, *v) && p == q
            }
            _ => false,
        };
        same_source
            && self.out.count == other.out.count
            && self.bar.active().0 == other.bar.active().0
    }

    /// The elements it reads, from its first to its last.
    fn reads(&self) -> Extent {
        match self.source {
            Source::Dense(src, pattern) => Extent::of(&src, pattern),
            Source::Window(src, w, _) => Extent::of(&src, Blocks::contiguous(image_len(w))),
        }
    }

    /// The elements it writes, from its first to its last.
    fn writes(&self) -> Extent {
        let o = &self.out;
        Extent::of(&o.dst, blocks(o.ac as u32, o.count, o.dstride))
    }
}

/// The elements of one memory from an access's first to its last (empty: none).
struct Extent {
    space: crate::isa::Space,
    unit: u16,
    elements: std::ops::Range<u64>,
}

impl Extent {
    /// The elements `pattern` touches at `op`, first to last.
    fn of(op: &Operand, pattern: Blocks) -> Extent {
        Extent {
            space: op.mem.space,
            unit: op.mem.unit,
            elements: op.base..op.base + pattern.span(),
        }
    }

    /// Whether the two are non-empty ranges of one memory.
    fn beside(&self, other: &Extent) -> bool {
        self.space == other.space
            && self.unit == other.unit
            && !self.elements.is_empty()
            && !other.elements.is_empty()
    }

    /// Whether the two are non-empty ranges of one memory that overlap or meet end to start.
    fn touches(&self, other: &Extent) -> bool {
        let (a, b) = (&self.elements, &other.elements);
        self.beside(other) && a.start <= b.end && b.start <= a.end
    }

    /// Whether the two share an element.
    fn overlaps(&self, other: &Extent) -> bool {
        let (a, b) = (&self.elements, &other.elements);
        self.beside(other) && a.start < b.end && b.start < a.end
    }
}

/// Where an `mvm`'s input vectors come from: a snapshot of its source region.
enum Input {
    /// Vector `v` at offset `v * sstride` of the snapshot.
    Dense(Vec<f32>, u64),
    /// The vectors one after another, `len` elements each.
    Gathered(Vec<f32>, usize),
}

impl Input {
    /// The `count` input vectors, `len` elements each, one after another (zeros past the
    /// data).
    fn into_vectors(self, count: usize, len: usize) -> Vec<f32> {
        let (data, stride) = match self {
            Input::Gathered(data, l) if l == len && data.len() == count * len => return data,
            Input::Dense(data, sstride) => (data, usize::try_from(sstride).unwrap_or(usize::MAX)),
            Input::Gathered(data, l) => (data, l),
        };
        let mut vectors = vec![0.0; count * len];
        for (v, x) in vectors.chunks_mut(len).enumerate() {
            let src = v
                .checked_mul(stride)
                .and_then(|s| data.get(s..))
                .unwrap_or(&[]);
            x.iter_mut().zip(src).for_each(|(x, &s)| *x = s);
        }
        vectors
    }
}

/// Multiply-accumulates from which an `mvm`'s vectors are shared among the machine's cores.
const PARALLEL_MACS: u64 = 1 << 16;

/// The products of an `mvm`'s `count` input vectors (`ar` elements each, one after another)
/// with crossbar `bar`'s active block of `ar` rows and `ac` columns, vector after vector. A large `mvm` splits its vectors among the cores
/// (each vector's product is computed the same way on any thread, so the bits do not change).
fn products(vectors: &[f32], bar: &Crossbar, count: u32, (ar, ac): (usize, usize)) -> Vec<f32> {
    let count = count as usize;
    let mut out = vec![0.0; count * ac];
    if ac == 0 || ar == 0 {
        return out;
    }
    if ((count * ar * ac) as u64) < PARALLEL_MACS {
        bar.multiply(vectors, &mut out);
        return out;
    }
    let per = count.div_ceil(rayon::current_num_threads().max(1));
    out.par_chunks_mut(per * ac)
        .zip(vectors.par_chunks(per * ar))
        .for_each(|(y, x)| bar.multiply(x, y));
    out
}

/// The image of a window-mode `mvm` in memory, read in place.
struct InMemory<'a> {
    memory: &'a Memories<'a>,
    image: &'a Operand,
}

impl ImageSource for InMemory<'_> {
    fn copy(&self, index: u64, out: &mut [f32]) -> bool {
        self.memory.read(self.image, index, out);
        true
    }
}

/// The `count` im2col vectors of `len` elements of output pixels `pix..` of window `w` over the
/// image at `src` (checked): gathered from a copy of the image rows they read when that is
/// smaller than the vectors, else straight from memory.
fn window_input(
    memory: &Memories<'_>,
    src: &Operand,
    w: &Window,
    pix: u32,
    count: u32,
    len: usize,
) -> Input {
    let pixels = u64::from(pix)..u64::from(pix) + u64::from(count);
    let (first, last) = window::rows_read(w, pixels.clone());
    let row = u64::from(w.in_w) * u64::from(w.channels);
    let rows_len = (last - first.min(last)) * row;
    let total = count as usize * len;
    let mut vectors = vec![0.0; total];
    let chunks = vectors.chunks_mut(len.max(1));
    if rows_len < total as u64 {
        let rows = memory.read_vec(src, first * row, rows_len as usize);
        let held = Im2col::new(
            w,
            HeldRows {
                rows: &rows,
                first: first * row,
            },
        );
        pixels.zip(chunks).for_each(|(p, x)| held.gather(p, x));
    } else {
        let direct = Im2col::new(w, InMemory { memory, image: src });
        pixels.zip(chunks).for_each(|(p, x)| direct.gather(p, x));
    }
    Input::Gathered(vectors, len)
}

/// The elements of `pattern` at `op`, from its first element to its last (checked).
fn snapshot(memory: &Memories<'_>, op: &Operand, pattern: Blocks) -> Vec<f32> {
    memory.read_vec(op, 0, pattern.span() as usize)
}

/// The access pattern of `count` blocks of `len` elements `stride` apart.
fn blocks(len: u32, count: u32, stride: u32) -> Blocks {
    Blocks {
        len: u64::from(len),
        count: u64::from(count),
        stride: u64::from(stride),
    }
}

/// `2^shift` as an exact f32.
fn pow2(shift: u32) -> Result<f32, Fault> {
    if shift > 127 {
        return Err(Fault::Malformed(format!("shift {shift} overflows f32")));
    }
    Ok(f32::from_bits((127 + shift) << 23))
}

/// Constants-table entry `index`, which must be a window.
pub(crate) fn window_at(constants: &[Constant], index: u32) -> Result<&Window, Fault> {
    match constants.get(index as usize).map(|c| &c.value) {
        Some(ConstValue::Window(w)) => Ok(w),
        Some(other) => Err(Fault::Constant {
            index,
            message: format!("is {}, not a window", other.kind()),
        }),
        None => Err(Fault::Constant {
            index,
            message: format!("does not exist (the table has {})", constants.len()),
        }),
    }
}

/// Output pixels `pix..pix + count` must be pixels of `w`.
fn check_pixels(w: &Window, pix: u32, count: u32) -> Result<(), Fault> {
    let end = u64::from(pix) + u64::from(count);
    if count > 0 && end > w.out_pixels() {
        return Err(Fault::PixelOutsideWindow {
            pixel: end - 1,
            pixels: w.out_pixels(),
        });
    }
    Ok(())
}

/// Whether `a_len` elements at `a` and `b_len` elements at `b` share an element.
fn overlap(a: &Operand, a_len: u64, b: &Operand, b_len: u64) -> bool {
    let same = a.mem.space == b.mem.space && a.mem.unit == b.mem.unit;
    same && a_len > 0 && b_len > 0 && a.base < b.base + b_len && b.base < a.base + a_len
}
