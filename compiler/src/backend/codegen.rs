//! Code generation: storage planning, weights, segments and per-layer code.

use crate::program::bands::{Axis, ConvImage};
use crate::program::Images;
use crate::schedule::ir::{read, Scheduled};
use crate::schedule::{Execution, Load};
use pim_dialects::{Func, Node, PimOp, ValueId};
use pim_runtime::container::{
    Binding, ConstValue, Constant, DType, Direction, Program, Symbol, SymbolKind, Window,
};
use pim_runtime::isa::{Instruction, MemRef, VOp};
use pim_runtime::target::Target;
use pim_runtime::Tensor;

mod arena;
mod bands;
mod crossbar;
mod grouped;
mod move_ops;
mod moves;
mod regions;
mod rings;
mod staging;
#[cfg(test)]
mod tests;
mod vector;

use crossbar::{Block, Piece};
use regions::{dram, register_of, relative, Registers, ARENA};
use rings::{onto_chip, RingPlan};
use staging::Staging;
use vector::{Tail, TailOp};

type R<T> = std::result::Result<T, String>;

/// DRAM element address where bindings and scratch activations start (the weights grow from 0).
const ACTIVATIONS_BASE: u64 = 1 << 31;
/// Alignment of every DRAM region (elements).
const DRAM_ALIGN: u64 = 256;

/// How a value's elements are ordered in memory (per image).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Row-major in the value's ONNX shape (NCHW for images, the feature order for vectors).
    RowMajor,
    /// An image of `c x h x w` stored HWC (pixel-major, channels contiguous); the value's shape
    /// may be `[N, C, H, W]` or its flattening `[N, C*H*W]`.
    Hwc { c: usize, h: usize, w: usize },
}

impl Layout {
    /// Whether the physical order differs from row-major.
    fn mixes(self) -> bool {
        matches!(self, Layout::Hwc { c, h, w } if c > 1 && h * w > 1)
    }

    /// Same physical order.
    fn same_order(self, other: Layout) -> bool {
        self == other || (!self.mixes() && !other.mixes())
    }
}

/// Where a value lives in DRAM.
#[derive(Debug, Clone, Copy)]
struct Stored {
    /// Image 0's address (register-relative in looped programs, `regions`).
    addr: u64,
    /// Elements of one image.
    per_image: u64,
    /// Elements from one image to the next (0: the same for every image, e.g. constants).
    stride: u64,
    layout: Layout,
}

/// Generates the program of scheduled, placed IR: per run, per segment, the segment's weight
/// loads into the crossbars `pim-place-crossbars` chose, then its stages for every image of the
/// run.
pub(super) fn generate(func: &Func<PimOp>, target: &Target) -> R<Program> {
    for node in &func.nodes {
        check_supported(func, node)?;
    }
    let sched = read(func, target).map_err(|e| e.to_string())?;
    let images = Images {
        count: sched.schedule.batch,
        ir: Images::ir_images(func),
    };
    let (runs, per_run) = (sched.schedule.runs, sched.schedule.images);
    let pipelined = sched.schedule.execution() == Execution::Pipelined;
    let mut gen = Gen::new(func, target, images, pipelined)?;
    // The weights section holds every crossbar layer's weights once (column parts cut them).
    let weights: u64 = sched
        .program
        .stages
        .iter()
        .filter_map(|stage| Some(stage.mvm.as_ref()?.shape.weights()))
        .sum();
    gen.program
        .weights
        .reserve(usize::try_from(weights).unwrap_or(0));
    // A value needs DRAM of its own per image only when it waits there while other images are
    // processed: it crosses a segment boundary, or a stage boundary of a pipelined segment
    // (stages run different images at once), and a run has several images. Other scratch is
    // shared by the images, which pass a stage one after another.
    if per_run > 1 {
        gen.own_slots = values_crossing_places(func, &sched);
        gen.lifetimes = arena::segment_lifetimes(func, &sched);
    }
    gen.rings = RingPlan::new(func, &sched, target);
    gen.plan()?;
    // The schedule's names, for the timing report of `pim-run --timing` (`docs/runtime.md`).
    let s = &sched.schedule;
    gen.program.producer = format!(
        "pimc {} batch={} pipeline={} scheduler={} mapping={}",
        env!("CARGO_PKG_VERSION"),
        s.batch,
        s.pipeline.name(),
        s.scheduler.name(),
        s.granularity.name()
    );
    let stages = sched.program.stages.len();
    let mut loads = Loads {
        blocks: vec![None; stages],
        prefetched: vec![None; stages],
    };
    if gen.registers.is_some() {
        gen.looped_runs(func, &sched, runs, per_run, &mut loads)?;
    } else {
        for run in 0..runs {
            let images = (run * per_run..(run + 1) * per_run).map(|i| i as usize);
            gen.run(func, &sched, images.collect(), &mut loads)?;
        }
    }
    gen.copy_outputs()?;
    gen.program.code.push(Instruction::Halt {});
    onto_chip(&mut gen.program, &gen.rings);
    Ok(gen.program)
}

/// Whether each value is written in one place and read in another, or written in several (a
/// layer cut into column parts that land in different places). A place is a segment run one
/// stage at a time, or one stage of a pipelined segment. Through views (reshapes), both the
/// view and the value it aliases are marked.
fn values_crossing_places(func: &Func<PimOp>, sched: &Scheduled) -> Vec<bool> {
    let stages = sched.program.stages.len();
    let pipelined = sched.schedule.execution() == Execution::Pipelined;
    // The first and last place each layer node runs in.
    let mut span_of_node: Vec<Option<(usize, usize)>> = vec![None; func.nodes.len()];
    for (segment, range) in sched.schedule.segments.iter().enumerate() {
        for s in range.clone() {
            let place = if pipelined { s } else { stages + segment };
            for layer in sched.program.stages[s].layers() {
                let span = &mut span_of_node[sched.network.nodes[layer]];
                *span = Some(span.map_or((place, place), |(first, last)| {
                    (first.min(place), last.max(place))
                }));
            }
        }
    }
    let producers = func.producers();
    // The segments writing each value: its layer's, or (views) its operand's.
    let mut written_in: Vec<Option<(usize, usize)>> = vec![None; func.shapes.len()];
    for (n, node) in func.nodes.iter().enumerate() {
        written_in[node.result] = span_of_node[n].or_else(|| {
            let operand = *node.operands.first()?;
            producers[operand].and(written_in[operand])
        });
    }
    let mut crossing = vec![false; func.shapes.len()];
    for (n, node) in func.nodes.iter().enumerate() {
        let Some((first, last)) = span_of_node[n] else {
            continue;
        };
        for &v in &node.operands {
            let Some((w_first, w_last)) = written_in[v] else {
                continue;
            };
            if (w_first, w_last) == (first, last) && first == last {
                continue;
            }
            let mut value = v;
            crossing[value] = true;
            // Mark the values a chain of views aliases.
            while let Some(p) = producers[value].filter(|&p| span_of_node[p].is_none()) {
                let Some(&operand) = func.nodes[p].operands.first() else {
                    break;
                };
                value = operand;
                crossing[value] = true;
            }
        }
    }
    crossing
}

/// A loop count of `n` iterations.
fn iterations(n: u64) -> R<u32> {
    u32::try_from(n).map_err(|_| format!("{n} iterations"))
}

/// The shape of a binding whose IR tensor has shape `shape`: dimension 0 scaled by the times the
/// program runs the IR (`docs/backend.md` §1, Images).
fn binding_shape(images: Images, shape: &[usize]) -> R<Vec<u64>> {
    let mut out: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    match out.first_mut() {
        Some(d0) => *d0 *= images.repeats(),
        None if images.repeats() > 1 => {
            return Err("a scalar binding cannot be repeated for several images".into())
        }
        None => {}
    }
    Ok(out)
}

/// The crossbars of every copy of a stage: (crossbar id, block) per block.
type Copies = Vec<Vec<(u32, Block)>>;

/// The address registers of a program over `images`, if its code runs in loops: more than one
/// image or a pipelined schedule, and a register for the scratch arena, every binding, every
/// batched constant and (pipelined) the step counter.
fn loop_registers(func: &Func<PimOp>, images: Images, pipelined: bool) -> Option<Registers> {
    let batched_constants = func
        .nodes
        .iter()
        .filter(|n| matches!(n.op, PimOp::Constant { .. }))
        .filter(|n| images.ir > 1 && func.shape(n.result).first() == Some(&(images.ir as usize)))
        .count();
    let needed =
        1 + usize::from(pipelined) + func.inputs.len() + func.outputs.len() + batched_constants;
    let mut registers = Registers::default();
    let looped = images.count > 1 || pipelined;
    let arena = registers.claim(0) == Some(ARENA);
    let step = !pipelined || registers.claim_step().is_some();
    (looped && needed <= 15 && arena && step).then_some(registers)
}

/// The weights of every stage: the crossbar blocks laid out in the weights section (once), and
/// the crossbars of the stages loaded ahead of their segment (prefetched).
struct Loads {
    blocks: Vec<Option<Vec<Block>>>,
    prefetched: Vec<Option<Copies>>,
}

impl Gen<'_> {
    /// One run of the schedule, unrolled: every segment's weight loads, then its stages for each
    /// of `images`, in pipeline order when the segment is pipelined.
    fn run(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        images: Vec<usize>,
        loads: &mut Loads,
    ) -> R<()> {
        for seg_id in 0..sched.schedule.segments.len() {
            let placed = self.begin_segment(func, sched, seg_id, loads)?;
            self.with_fallback(sched, seg_id, loads, |gen, loads| {
                gen.unrolled_segment(func, sched, seg_id, &placed, &images, loads)
            })?;
            self.end_segment(seg_id)?;
        }
        Ok(())
    }

    /// The code of segment `seg_id` for `images`, unrolled: image after image through the
    /// stages, or step after step of the pipeline (stage `k` on the image `k` steps behind),
    /// the next segment's prefetch after the first step of the drain.
    fn unrolled_segment(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        seg_id: usize,
        placed: &[Copies],
        images: &[usize],
        loads: &mut Loads,
    ) -> R<()> {
        let stages: Vec<usize> = sched.schedule.segments[seg_id].clone().collect();
        let (width, steps) = self.pipeline_shape(sched, stages.len(), images.len() as u64);
        let mut prefetched = self.fences_images(width);
        if prefetched {
            self.prefetch_next(func, sched, seg_id, loads)?;
        }
        for step in 0..steps as usize {
            for (k, (&s, copies)) in stages.iter().zip(placed).enumerate() {
                let image = if width == 1 {
                    Some(step)
                } else {
                    step.checked_sub(k).filter(|&i| i < images.len())
                };
                if let Some(i) = image {
                    self.partition_staging(sched, &stages, k, width)?;
                    self.stage(func, sched, s, copies, images[i])?;
                }
            }
            self.fence_image(width);
            if width > 1 && step == images.len() {
                self.prefetch_next(func, sched, seg_id, loads)?;
                prefetched = true;
            }
        }
        self.whole_staging();
        if !prefetched {
            self.prefetch_next(func, sched, seg_id, loads)?;
        }
        Ok(())
    }

    /// Runs `emit` (the code of segment `seg_id` after its weight loads); if its stages do not
    /// fit the staging buffer side by side, emits it again with the stages one at a time (the
    /// whole buffer each: correct, but the stages no longer overlap).
    fn with_fallback(
        &mut self,
        sched: &Scheduled,
        seg_id: usize,
        loads: &mut Loads,
        mut emit: impl FnMut(&mut Self, &mut Loads) -> R<()>,
    ) -> R<()> {
        let mark = (
            self.program.code.len(),
            self.program.constants.len(),
            self.program.symbols.len(),
            self.materialized.len(),
        );
        self.staging.exceeded.set(false);
        match emit(self, loads) {
            Err(reason) if self.staging.exceeded.get() && !self.serialized => {
                // Said, not silent: the cost report times this segment as a pipeline.
                eprintln!(
                    "pimc: warning: segment {seg_id}'s stages do not fit the staging buffer side \
                     by side ({reason}); they run one at a time, slower than the report says"
                );
                self.program.code.truncate(mark.0);
                self.program.constants.truncate(mark.1);
                self.program.symbols.truncate(mark.2);
                self.materialized.truncate(mark.3);
                self.image_shift = 0;
                self.whole_staging();
                if let Some(next) = sched.schedule.segments.get(seg_id + 1) {
                    for s in next.clone() {
                        loads.prefetched[s] = None;
                    }
                }
                self.serialized = true;
                let result = emit(self, loads);
                self.serialized = false;
                result
            }
            other => other,
        }
    }

    /// After an image of a segment whose stages run one at a time (`width` 1), on a target without
    /// a global buffer: a `barrier`, so that the next image starts when this one is done. There
    /// each layer stages in its own tile's buffer, and without it the next image's first layers
    /// would overlap this one's last: a pipeline the sequential modes do not have (the paper's
    /// baseline runs one image at a time) and that the cost model does not time (with a global
    /// buffer, the layers' staging areas make the images follow one another, and the model
    /// overlaps only their DRAM transfers, `docs/cost-model.md` §7).
    /// The next segment's prefetch then comes before the images, which the barriers would
    /// otherwise keep it from overlapping.
    fn fence_image(&mut self, width: usize) {
        if self.fences_images(width) {
            self.program.code.push(Instruction::Barrier {});
        }
    }

    /// Whether [`Gen::fence_image`] fences the images of a segment `width` stages wide.
    fn fences_images(&self, width: usize) -> bool {
        width == 1 && self.staging.in_tiles()
    }

    /// How a segment of `stages` stages runs `images` images: pipelined, `stages` stages
    /// at once over `images + stages - 1` steps; else one stage at a time, one image a step.
    fn pipeline_shape(&self, sched: &Scheduled, stages: usize, images: u64) -> (usize, u64) {
        if sched.schedule.execution() == Execution::Pipelined && !self.serialized {
            (stages.max(1), images + stages.max(1) as u64 - 1)
        } else {
            (1, images)
        }
    }

    /// Every run of the schedule with the images in loops (`regions`): the code of image 0,
    /// run `per_run` times in each segment with the address registers moving one image on per
    /// iteration, inside a loop over the `runs`. A pipelined segment is one loop over its steps
    /// whose body holds every stage's code, each guarded by the steps it is active in and
    /// addressing the image its stage holds (stage `k` is `k` images behind stage 0).
    fn looped_runs(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        runs: u64,
        per_run: u64,
        loads: &mut Loads,
    ) -> R<()> {
        if runs > 1 {
            self.program.code.push(Instruction::Loop {
                count: iterations(runs)?,
            });
        }
        let run_body = self.program.code.len();
        for seg_id in 0..sched.schedule.segments.len() {
            let last = seg_id + 1 == sched.schedule.segments.len();
            let placed = self.begin_segment(func, sched, seg_id, loads)?;
            self.with_fallback(sched, seg_id, loads, |gen, loads| {
                gen.looped_segment(func, sched, seg_id, &placed, per_run, loads)
            })?;
            if per_run == 1 && last && runs > 1 {
                // On to the next run's image.
                self.advance_images(1, run_body)?;
            }
            self.end_segment(seg_id)?;
        }
        if runs > 1 {
            self.program.code.push(Instruction::EndLoop {});
            self.reset_registers(run_body);
        }
        Ok(())
    }

    /// The code of segment `seg_id` in a loop over its `images` images (one stage at a time) or
    /// its steps (pipelined, [`Gen::looped_pipeline`]), the next segment's prefetch before the
    /// images when each is fenced, else after them.
    fn looped_segment(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        seg_id: usize,
        placed: &[Copies],
        images: u64,
        loads: &mut Loads,
    ) -> R<()> {
        let stages: Vec<usize> = sched.schedule.segments[seg_id].clone().collect();
        let (width, steps) = self.pipeline_shape(sched, stages.len(), images);
        if width > 1 {
            return self.looped_pipeline(func, sched, seg_id, (&stages, placed), images, loads);
        }
        let prefetch_first = self.fences_images(width);
        if prefetch_first {
            self.prefetch_next(func, sched, seg_id, loads)?;
        }
        if steps > 1 {
            self.program.code.push(Instruction::Loop {
                count: iterations(steps)?,
            });
        }
        let body = self.program.code.len();
        for (&s, copies) in stages.iter().zip(placed) {
            self.stage(func, sched, s, copies, 0)?;
        }
        self.fence_image(width);
        if steps > 1 {
            self.advance_images(1, body)?;
            self.program.code.push(Instruction::EndLoop {});
            // Back to image 0 for the next segment.
            self.reset_registers(body);
        }
        if !prefetch_first {
            self.prefetch_next(func, sched, seg_id, loads)?;
        }
        Ok(())
    }

    /// A pipelined segment as one loop over its `images + stages - 1` steps, `ring_slots` steps
    /// per iteration (the body unrolled once per slot of its rings, so that each copy addresses
    /// fixed slots: modulo variable expansion), the next segment's prefetch in the first step of
    /// the drain. The address registers move on only for the code that runs after the first
    /// iteration.
    fn looped_pipeline(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        seg_id: usize,
        (stages, placed): (&[usize], &[Copies]),
        images: u64,
        loads: &mut Loads,
    ) -> R<()> {
        let unroll = self.ring_slots.max(1);
        let rounds = (images + stages.len() as u64 - 1).div_ceil(unroll);
        self.program.code.push(Instruction::Loop {
            count: iterations(rounds)?,
        });
        let mut late = Vec::new();
        for phase in 0..unroll {
            self.body_copy = phase;
            late.extend(self.guarded_stages(
                func,
                sched,
                (stages, placed),
                images,
                (phase, unroll),
            )?);
            if images % unroll == phase {
                let first_drain = images - phase;
                self.guarded(first_drain, first_drain + 1, |gen| {
                    gen.prefetch_next(func, sched, seg_id, loads)
                })?;
            }
        }
        self.body_copy = 0;
        let late: Vec<Instruction> = late
            .into_iter()
            .flat_map(|code| self.program.code[code].to_vec())
            .collect();
        if rounds > 1 {
            let advance = match &self.registers {
                Some(registers) => registers.advance(unroll as i64, &late)?,
                None => Vec::new(),
            };
            self.program.code.extend(advance);
            self.step_forward(unroll)?;
        }
        self.program.code.push(Instruction::EndLoop {});
        // Back to image 0 for the next segment.
        if let Some(registers) = &self.registers {
            let reset = registers.reset(&late);
            self.program.code.extend(reset);
        }
        self.reset_step();
        Ok(())
    }

    /// Copy `phase` of `unroll` of a pipelined segment's step loop body: stage `k` of `stages`
    /// runs in steps `k..k + images` on the image `k` steps behind, in its own part of the
    /// staging buffer; the copy runs the steps `phase` after a multiple of `unroll` (the step
    /// register's value) and leaves out the stages active in none of them. Returns the code of
    /// the stages that run after the loop's first iteration.
    fn guarded_stages(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        (stages, placed): (&[usize], &[Copies]),
        images: u64,
        (phase, unroll): (u64, u64),
    ) -> R<Vec<std::ops::Range<usize>>> {
        let mut late = Vec::new();
        for (k, (&s, copies)) in stages.iter().zip(placed).enumerate() {
            let first = k as u64;
            let lo = first.saturating_sub(phase).next_multiple_of(unroll);
            let hi = (first + images).saturating_sub(phase);
            if lo >= hi {
                continue;
            }
            self.partition_staging(sched, stages, k, stages.len())?;
            self.image_shift = phase as i64 - k as i64;
            let start = self.program.code.len();
            self.guarded(lo, hi, |gen| gen.stage(func, sched, s, copies, 0))?;
            if hi > unroll {
                late.push(start..self.program.code.len());
            }
        }
        self.image_shift = 0;
        self.whole_staging();
        Ok(late)
    }

    /// `guard step, lo, hi, len` around the code `emit` writes (nothing when it writes none).
    fn guarded(&mut self, lo: u64, hi: u64, emit: impl FnOnce(&mut Self) -> R<()>) -> R<()> {
        let at = self.program.code.len();
        let reg = self.step_register()?;
        let bound = |v: u64| u32::try_from(v).map_err(|_| format!("step {v} exceeds 32 bits"));
        self.program.code.push(Instruction::Guard {
            reg,
            lo: bound(lo)?,
            hi: bound(hi)?,
            len: 0,
        });
        emit(self)?;
        let len = self.program.code.len() - at - 1;
        if len == 0 {
            self.program.code.pop();
        } else if let Some(Instruction::Guard { len: l, .. }) = self.program.code.get_mut(at) {
            *l = u24(len, "guarded instructions")?;
        }
        Ok(())
    }

    /// The register counting a pipelined segment's steps.
    fn step_register(&self) -> R<u32> {
        self.registers
            .as_ref()
            .and_then(Registers::step)
            .ok_or_else(|| "internal error: no step register".into())
    }

    /// `steps` steps on, in a pipelined segment's loop.
    fn step_forward(&mut self, steps: u64) -> R<()> {
        let reg = self.step_register()?;
        let value = i32::try_from(steps).map_err(|_| format!("{steps} steps per iteration"))?;
        self.program.code.push(Instruction::RAdd { reg, value });
        Ok(())
    }

    /// The step register back to 0 after a pipelined segment.
    fn reset_step(&mut self) {
        if let Ok(reg) = self.step_register() {
            self.program.code.push(Instruction::RSet { reg, value: 0 });
        }
    }

    /// Sets the address registers the code from `body` on uses back to 0 (image 0): the state
    /// outside loops.
    fn reset_registers(&mut self, body: usize) {
        let code = match &self.registers {
            Some(registers) => registers.reset(&self.program.code[body..]),
            None => Vec::new(),
        };
        self.program.code.extend(code);
    }

    /// Moves the address registers the code from `body` on uses `images` images on.
    fn advance_images(&mut self, images: i64, body: usize) -> R<()> {
        let code = match &self.registers {
            Some(registers) => registers.advance(images, &self.program.code[body..])?,
            None => Vec::new(),
        };
        self.program.code.extend(code);
        Ok(())
    }

    /// `seg.begin` and the weight loads of the segment's stages (those not prefetched during the
    /// previous segment), fenced as the schedule times them (`docs/cost-model.md` §5): a
    /// `barrier` before them (a segment's own loads start when the previous segment has finished)
    /// and one after them (its compute starts when its weights are in). Returns the crossbars of
    /// every stage.
    fn begin_segment(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        seg_id: usize,
        loads: &mut Loads,
    ) -> R<Vec<Copies>> {
        let id = u32::try_from(seg_id).map_err(|_| "too many segments")?;
        self.ring_slots = self.rings.slots.get(seg_id).copied().unwrap_or(1);
        self.segment_starts.push(self.program.code.len());
        self.program.code.push(Instruction::SegBegin { id });
        self.program.code.push(Instruction::Barrier {});
        let loaded_from = self.program.code.len();
        let placed = sched.schedule.segments[seg_id]
            .clone()
            .map(|s| match loads.prefetched[s].take() {
                Some(copies) => Ok(copies),
                None => self.load_stage(func, sched, s, &mut loads.blocks[s]),
            })
            .collect::<R<Vec<Copies>>>()?;
        if self.program.code.len() > loaded_from {
            self.program.code.push(Instruction::Barrier {});
        }
        Ok(placed)
    }

    /// The weight loads of the next segment's prefetched stages (written now, into crossbars
    /// this segment does not use).
    fn prefetch_next(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        seg_id: usize,
        loads: &mut Loads,
    ) -> R<()> {
        let Some(next) = sched.schedule.segments.get(seg_id + 1) else {
            return Ok(());
        };
        for s in next.clone() {
            if sched.schedule.stages[s].load == Load::Prefetch {
                let copies = self.load_stage(func, sched, s, &mut loads.blocks[s])?;
                loads.prefetched[s] = Some(copies);
            }
        }
        Ok(())
    }

    /// `seg.end` and the segment's symbol.
    fn end_segment(&mut self, seg_id: usize) -> R<()> {
        let id = u32::try_from(seg_id).map_err(|_| "too many segments")?;
        self.program.code.push(Instruction::SegEnd { id });
        let start = self
            .segment_starts
            .pop()
            .ok_or("internal error: no open segment")?;
        self.symbol(&format!("segment{seg_id}"), SymbolKind::Segment, start);
        Ok(())
    }

    /// Writes the weights of stage `s` (every copy) into its placed crossbars; returns them.
    /// The weight blocks are laid out in the weights section the first time (`blocks`).
    fn load_stage(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        s: usize,
        blocks: &mut Option<Vec<Block>>,
    ) -> R<Copies> {
        let Some(mvm) = &sched.program.stages[s].mvm else {
            return Ok(Vec::new());
        };
        let node = &func.nodes[sched.network.nodes[mvm.layer]];
        if mvm.parts > 1 && mvm.shape.groups > 1 {
            return Err(unsupported(
                node,
                "a grouped convolution larger than the chip (cut into column parts)",
            ));
        }
        if blocks.is_none() {
            let columns = mvm.columns.start as usize..mvm.columns.end as usize;
            *blocks = Some(self.weight_blocks(node, columns, &mvm.mapping.tiling)?);
        }
        let blocks = blocks.as_deref().unwrap_or_default();
        let per_copy = mvm.mapping.tiling.crossbars;
        let plan = &sched.schedule.stages[s];
        let placement = plan.placement.ok_or_else(|| {
            format!(
                "layer `{}` has no crossbars (run pim-place-crossbars)",
                node.name
            )
        })?;
        // Placement checked the crossbars (schedule::ir::read): copy `d` holds blocks from
        // `first + d * stride`, so one broadcast wload per block writes every copy.
        let to_u32 = |v: u64| u32::try_from(v).map_err(|_| format!("crossbar {v} exceeds 32 bits"));
        for (i, block) in blocks.iter().enumerate() {
            let (start, len) = block.pieces;
            for (k, piece) in self.pieces[start..start + len].to_vec().iter().enumerate() {
                self.program.code.push(Instruction::WLoad {
                    xbar: to_u32(placement.first + i as u64)?,
                    src: dram(piece.dram)?,
                    stride: piece.cols as u32,
                    row: piece.row as u32,
                    col: piece.col as u32,
                    rows: piece.rows as u32,
                    cols: piece.cols as u32,
                    clear: k == 0,
                    copies: to_u32(plan.copies)?,
                    xstride: to_u32(if plan.copies > 1 { placement.stride } else { 0 })?,
                });
            }
        }
        let copies = (0..plan.copies)
            .map(|d| {
                let first = placement.copy(d, per_copy).start;
                blocks
                    .iter()
                    .enumerate()
                    .map(|(i, block)| Ok((to_u32(first + i as u64)?, *block)))
                    .collect::<R<Vec<_>>>()
            })
            .collect::<R<Vec<_>>>()?;
        Ok(copies)
    }

    /// The code of stage `s` for one image: its crossbar layer on its copies, then its vector
    /// epilogue; a layer that follows another in the buffer (`Stage::followers`) is emitted
    /// with it.
    fn stage(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        s: usize,
        copies: &Copies,
        image: usize,
    ) -> R<()> {
        let stage = &sched.program.stages[s];
        let followers = &stage.followers;
        let node_of = |l: usize| &func.nodes[sched.network.nodes[l]];
        if let Some(mvm) = &stage.mvm {
            let node = node_of(mvm.layer);
            let off = mvm.columns.start as usize;
            let start = self.program.code.len();
            let tail = self.tail(sched, s, mvm.layer, func)?;
            self.mvm_layer(node, image, copies, (off, mvm.shape.cols as usize), tail)
                .map_err(|e| in_layer(&node.name, e))?;
            self.symbol(&stage.name, SymbolKind::Layer, start);
        }
        for &l in stage.vector.iter().filter(|l| !followers.contains(l)) {
            let node = node_of(l);
            let start = self.program.code.len();
            let tail = self.tail(sched, s, l, func)?;
            let emitted = if tail.result.is_some() {
                self.vector_chain(node, &tail, image)
            } else {
                self.vector_layer(node, image)
            };
            emitted.map_err(|e| in_layer(&node.name, e))?;
            self.symbol(&node.name, SymbolKind::Layer, start);
        }
        Ok(())
    }

    /// The layers of stage `s` that follow `head` in the buffer (the run of its followers right
    /// after it), as the ops `head`'s code applies before it stores the last one's result.
    fn tail(&mut self, sched: &Scheduled, s: usize, head: usize, func: &Func<PimOp>) -> R<Tail> {
        let stage = &sched.program.stages[s];
        let layers = &sched.program.layers;
        let run: Vec<usize> = stage
            .layers()
            .skip_while(|&l| l != head)
            .skip(1)
            .take_while(|l| stage.followers.contains(l))
            .collect();
        let relu = !run.is_empty() && run.first().copied() == stage.fused_activation(layers);
        let node_of = |l: usize| &func.nodes[sched.network.nodes[l]];
        // The ops before the pooling (if one follows) and after it, on the pooled rows.
        let pool = stage.pool(layers).filter(|(l, _)| run.contains(l));
        let split = pool.map_or(run.len(), |(l, _)| {
            run.iter().position(|&r| r == l).unwrap_or(0)
        });
        let before = if relu { run[0] } else { head };
        let ops = self.tail_ops(
            &run[usize::from(relu)..split],
            node_of(before).result,
            node_of,
        )?;
        let pool = match pool {
            Some((l, kernel)) => {
                let after = self.tail_ops(&run[split + 1..], node_of(l).result, node_of)?;
                Some(self.pool_tail(node_of(l), kernel, after)?)
            }
            None => None,
        };
        Ok(Tail {
            relu,
            ops,
            pool,
            result: run.last().map(|&l| node_of(l).result),
        })
    }

    /// The ops of the followers `layers` (`Stage::followers`), the first on `previous`: a join
    /// where a follower reads an image beside it, else an in-place op.
    fn tail_ops<'n>(
        &mut self,
        layers: &[usize],
        mut previous: ValueId,
        node_of: impl Fn(usize) -> &'n Node<PimOp>,
    ) -> R<Vec<TailOp>> {
        let mut ops = Vec::new();
        for &l in layers {
            let node = node_of(l);
            let op = match node.operands.iter().position(|&v| v == previous) {
                Some(onto)
                    if node.operands.len() == 2
                        && self.constant(node.operands[1 - onto]).is_none() =>
                {
                    self.join(node, onto)
                }
                _ => self.unary_in_place(node).map(TailOp::InPlace),
            };
            ops.push(op.map_err(|e| in_layer(&node.name, e))?);
            previous = node.result;
        }
        Ok(ops)
    }
}

/// `message`, prefixed with the layer unless it names it already.
fn in_layer(layer: &str, message: String) -> String {
    if message.contains(layer) {
        message
    } else {
        format!("layer `{layer}`: {message}")
    }
}

fn unsupported(node: &Node<PimOp>, what: &str) -> String {
    format!(
        "the back end does not support {what} (node {}) yet",
        node.name
    )
}

/// Refuses what this slice cannot compile, before anything else.
fn check_supported(_func: &Func<PimOp>, node: &Node<PimOp>) -> R<()> {
    match &node.op {
        PimOp::Constant { .. }
        | PimOp::Reshape { .. }
        | PimOp::Tile { .. }
        | PimOp::Binary { .. } => Ok(()),
        PimOp::Act { kind, .. } if crate::functions::KINDS.contains(&kind.as_str()) => Ok(()),
        PimOp::Act { kind, .. } => Err(unsupported(node, &format!("pim.act kind `{kind}`"))),
        PimOp::Mvm {
            kind,
            group,
            kernel,
            ..
        } => match kind.as_str() {
            "fc" if *group != 1 => Err(unsupported(node, "a grouped fully connected layer")),
            "conv" if kernel.len() != 2 => Err(unsupported(node, "non-2-D convolution")),
            "conv" | "fc" => Ok(()),
            other => Err(unsupported(node, &format!("pim.mvm kind `{other}`"))),
        },
        PimOp::Pool { kernel, .. } if kernel.len() != 2 => {
            Err(unsupported(node, "non-2-D pooling"))
        }
        PimOp::Pool { .. } => Ok(()),
        PimOp::PRelu {} | PimOp::Lrn { .. } => Ok(()),
        PimOp::Concat { .. } | PimOp::Transpose { .. } | PimOp::Pad { .. } => Ok(()),
        PimOp::Softmax { .. }
        | PimOp::Reduce { .. }
        | PimOp::Norm { .. }
        | PimOp::Slice { .. }
        | PimOp::Expand { .. }
        | PimOp::MatMul {} => Ok(()),
    }
}

struct Gen<'f> {
    func: &'f Func<PimOp>,
    target: &'f Target,
    images: Images,
    program: Program,
    stored: Vec<Option<Stored>>,
    /// Outputs that are (reshapes of) inputs: input value, output DRAM address, elements per
    /// image.
    copies: Vec<(ValueId, u64, u64)>,
    /// The on-chip form of every 2-D activation (how a layer sees it once loaded).
    forms: Vec<Option<Layout>>,
    producers: Vec<Option<usize>>,
    next_dram: u64,
    /// The on-chip buffer every layer stages its working set in.
    staging: Staging,
    /// Reshape nodes whose result is a copy of their operand (they reorder an HWC image).
    copied_reshapes: Vec<usize>,
    /// The (reshape result, image, body copy) copies written so far.
    materialized: Vec<(ValueId, usize, u64)>,
    /// The address registers when the images run in a `loop` (`regions`); `None`: unrolled.
    registers: Option<Registers>,
    /// Elements per image the arena has been asked for so far: the offsets requests get while
    /// planning, before [`Self::place_arena`] packs them (looped programs).
    arena: u64,
    /// Values whose images need DRAM of their own in a looped program (else images share it).
    own_slots: Vec<bool>,
    /// The segments each value is live in (`arena::segment_lifetimes`; looped programs).
    lifetimes: Vec<Option<arena::Lifetime>>,
    /// The room the arena was asked for while planning, packed by [`Self::place_arena`].
    arena_requests: Vec<arena::Request>,
    /// The register of each batched constant (one slice per image) of a looped program.
    batched_constants: Vec<(ValueId, u32)>,
    /// Where the open segments start in the code.
    segment_starts: Vec<usize>,
    /// The weight pieces of every crossbar block laid out so far ([`Block::pieces`]).
    pieces: Vec<Piece>,
    /// Images the code being emitted is behind the loop's image: stage `k` of a pipelined
    /// segment works on the image `k` steps older (its addresses shifted by `-k` images).
    image_shift: i64,
    /// The current segment runs its stages one at a time although its schedule pipelines them
    /// (they do not fit the staging buffer side by side).
    serialized: bool,
    /// The results each segment keeps in ring buffers in the global buffer.
    rings: RingPlan,
    /// Slots of the current segment's rings.
    ring_slots: u64,
    /// Which copy of a pipelined segment's unrolled step loop body the code being emitted is.
    body_copy: u64,
}

fn u24(v: usize, what: &str) -> R<u32> {
    if v < 1 << 24 {
        Ok(v as u32)
    } else {
        Err(format!(
            "{what} {v} exceeds the 24-bit field (banding not implemented yet)"
        ))
    }
}

impl<'f> Gen<'f> {
    fn new(func: &'f Func<PimOp>, target: &'f Target, images: Images, pipelined: bool) -> R<Self> {
        let staging = Staging::of(target)?;
        let program = Program::new(target.clone());
        // Constant 0: never referenced by an op with parameters (ops without take param 0).
        Ok(Self {
            func,
            target,
            images,
            program,
            stored: vec![None; func.shapes.len()],
            forms: vec![None; func.shapes.len()],
            copies: Vec::new(),
            producers: func.producers(),
            next_dram: ACTIVATIONS_BASE,
            staging,
            copied_reshapes: Vec::new(),
            materialized: Vec::new(),
            registers: loop_registers(func, images, pipelined),
            arena: 0,
            own_slots: Vec::new(),
            lifetimes: Vec::new(),
            arena_requests: Vec::new(),
            batched_constants: Vec::new(),
            segment_starts: Vec::new(),
            pieces: Vec::new(),
            image_shift: 0,
            serialized: false,
            rings: RingPlan::none(),
            ring_slots: 1,
            body_copy: 0,
        })
    }

    /// The address of image `image` of a region at `addr` whose images are `stride` elements
    /// apart, in the code being emitted (shifted by [`Gen::image_shift`] images): a
    /// register-relative address wraps at 2^32 as the machine's effective address does. A ring
    /// (`rings`) holds the image in its slot, counted from the loop's image and the copy of the
    /// unrolled body ([`Gen::phase`]).
    fn image_addr(&self, addr: u64, stride: u64, image: usize) -> R<u64> {
        let mut images = image as i64 + self.image_shift;
        if self.rings.shadows(addr) {
            images = images.rem_euclid(self.ring_slots as i64);
        }
        regions::offset(addr, images.saturating_mul(stride as i64))
    }

    /// Elements of one image of `value` (`what` names it in errors).
    fn per_image(&self, value: ValueId, what: &str) -> R<u64> {
        let shape = self.func.shape(value);
        let total = shape.iter().product::<usize>();
        let ir = self.images.ir as usize;
        if !total.is_multiple_of(ir) {
            return Err(format!(
                "{what} of shape {shape:?} is not {} images",
                self.images.ir
            ));
        }
        Ok((total / ir) as u64)
    }

    /// The logical shape of one image of `value`: without dimension 0 when it is the batch
    /// (or 1), the whole shape when the IR is one image of a tensor whose dimension 0 is not 1.
    fn unit_shape(&self, value: ValueId) -> &'f [usize] {
        let shape = self.func.shape(value);
        if self.images.ir > 1 || shape.first() == Some(&1) {
            &shape[1..]
        } else {
            shape
        }
    }

    /// Room for every image of a scratch value of `per_image` elements: its image-0 address
    /// and image stride (looped programs: in the arena, fixed up by [`Self::place_arena`]).
    fn alloc_scratch(&mut self, value: ValueId, per_image: u64) -> R<(u64, u64)> {
        if self.registers.is_some() && !self.own_slots.get(value).copied().unwrap_or(false) {
            return Ok((self.alloc_dram(per_image)?, 0));
        }
        if self.registers.is_some() {
            let offset = self.arena;
            let size = per_image.div_ceil(DRAM_ALIGN).max(1) * DRAM_ALIGN;
            self.arena += size;
            self.arena_requests.push(arena::Request {
                value,
                offset,
                size,
            });
            return Ok((relative(ARENA, offset), 0));
        }
        Ok((self.alloc_dram(per_image * self.images.count)?, per_image))
    }

    /// Places the scratch arena of every image once planning is done (looped programs), its
    /// values packed by the segments they are live in ([`arena::pack`]).
    fn place_arena(&mut self) -> R<()> {
        let Some(registers) = self.registers.as_mut() else {
            return Ok(());
        };
        let (packed, stride) = arena::pack(&self.arena_requests, &self.lifetimes);
        registers.set_stride(ARENA, stride)?;
        let room = self.rings.shadow.saturating_sub(self.next_dram);
        if stride.saturating_mul(self.images.count) > room {
            let fits = room / stride.max(1);
            return Err(format!(
                "the activations of {} images need more than the 2^32-element DRAM space: an \
                 activation that waits in DRAM while other images pass has room for every image \
                 of the batch ({stride} elements per image in all), and the room the program's \
                 other data leave holds {fits} images of this schedule: use --batch {fits} or less",
                self.images.count,
            ));
        }
        let base = self.alloc_dram(stride * self.images.count)?;
        for s in self.stored.iter_mut().flatten() {
            if register_of(s.addr) == ARENA {
                let asked = s.addr - relative(ARENA, 0);
                let offset = packed
                    .get(&asked)
                    .ok_or("internal error: an arena address no request gave")?;
                s.addr = relative(ARENA, base + offset);
                s.stride = stride;
            }
        }
        Ok(())
    }

    /// The address code uses for a binding at `addr` with `per_image` elements per image:
    /// relative to a register of its own in looped programs.
    fn binding_address(&mut self, addr: u64, per_image: u64) -> R<u64> {
        match self.registers.as_mut() {
            Some(registers) => registers
                .claim(per_image)
                .map(|reg| relative(reg, addr))
                .ok_or_else(|| "internal error: out of address registers".into()),
            None => Ok(addr),
        }
    }

    fn alloc_dram(&mut self, elements: u64) -> R<u64> {
        let addr = self.next_dram;
        self.next_dram = addr + elements.div_ceil(DRAM_ALIGN).max(1) * DRAM_ALIGN;
        if self.next_dram > self.rings.shadow {
            return Err(format!(
                "the activations of {} images need more than the 2^32-element DRAM space (an \
                 activation that waits in DRAM while other images pass has room for every \
                 image of the batch): use a smaller --batch",
                self.images.count
            ));
        }
        Ok(addr)
    }

    fn constant(&self, value: ValueId) -> Option<&'f Tensor> {
        let node = &self.func.nodes[self.producers[value]?];
        match &node.op {
            PimOp::Constant { value } => Some(value),
            PimOp::Tile { .. } => self.constant(node.operands[0]),
            _ => None,
        }
    }

    /// The reshape chain's root of `value`.
    fn root(&self, mut value: ValueId) -> ValueId {
        while let Some(n) = self.producers[value] {
            match &self.func.nodes[n].op {
                PimOp::Reshape { .. } => value = self.func.nodes[n].operands[0],
                _ => break,
            }
        }
        value
    }

    /// The on-chip form of a value (what a layer sees once it is loaded): images HWC, vectors as
    /// stored.
    fn form(&self, value: ValueId) -> R<Layout> {
        if let &[c, h, w] = self.unit_shape(value) {
            return Ok(Layout::Hwc { c, h, w });
        }
        self.forms[value].ok_or_else(|| format!("value {value} is not stored"))
    }

    /// The on-chip form of a layer's result: HWC for an image; row-major for crossbar layers
    /// and moves; else its activation operand's when that has the same shape (a flattened HWC
    /// image stays HWC-ordered), else row-major.
    fn result_form(&self, node: &Node<PimOp>) -> R<Layout> {
        if let &[c, h, w] = self.unit_shape(node.result) {
            return Ok(Layout::Hwc { c, h, w });
        }
        if matches!(
            node.op,
            PimOp::Mvm { .. } | PimOp::Transpose { .. } | PimOp::Pad { .. } | PimOp::Concat { .. }
        ) {
            return Ok(Layout::RowMajor);
        }
        let shape = self.func.shape(node.result);
        let same = node
            .operands
            .iter()
            .copied()
            .find(|&v| self.constant(v).is_none() && self.func.shape(v) == shape);
        match same {
            Some(act) => self.form(act),
            None => Ok(Layout::RowMajor),
        }
    }

    /// Bindings and DRAM storage of every activation.
    fn plan(&mut self) -> R<()> {
        let func = self.func;
        for port in &func.inputs {
            let per_image = self.per_image(port.value, &format!("input `{}`", port.name))?;
            let addr = self.alloc_dram(per_image * self.images.count)?;
            self.program.bindings.push(Binding {
                name: port.name.clone(),
                direction: Direction::Input,
                shape: binding_shape(self.images, func.shape(port.value))?,
                dtype: DType::F32,
                dram_addr: addr,
            });
            self.stored[port.value] = Some(Stored {
                addr: self.binding_address(addr, per_image)?,
                per_image,
                stride: per_image,
                layout: Layout::RowMajor,
            });
            self.forms[port.value] = Some(Layout::RowMajor);
        }
        let mut output_root: Vec<Option<u64>> = vec![None; func.shapes.len()];
        for port in &func.outputs {
            let root = self.root(port.value);
            let is_node = self.producers[root]
                .is_some_and(|n| !matches!(func.nodes[n].op, PimOp::Constant { .. }));
            let is_input = func.inputs.iter().any(|p| p.value == root);
            if !is_node && !is_input {
                return Err(format!(
                    "the back end does not support output `{}` being a constant yet",
                    port.name
                ));
            }
            if output_root[root].is_some() {
                return Err(format!(
                    "the back end does not support output `{}` sharing its data with another output yet",
                    port.name
                ));
            }
            let per_image = self.per_image(port.value, &format!("output `{}`", port.name))?;
            let addr = self.alloc_dram(per_image * self.images.count)?;
            self.program.bindings.push(Binding {
                name: port.name.clone(),
                direction: Direction::Output,
                shape: binding_shape(self.images, func.shape(port.value))?,
                dtype: DType::F32,
                dram_addr: addr,
            });
            if is_input {
                // Copied from the input binding at the end (both row-major).
                self.copies.push((root, addr, per_image));
            } else {
                output_root[root] = Some(self.binding_address(addr, per_image)?);
            }
        }
        for (i, node) in func.nodes.iter().enumerate() {
            let result = node.result;
            match &node.op {
                PimOp::Constant { .. } | PimOp::Tile { .. } => continue,
                PimOp::Reshape { .. } => {
                    let src = node.operands[0];
                    let Some(s) = self.stored[src] else {
                        if self.constant(src).is_some() {
                            return Err(unsupported(node, "a reshape of a constant"));
                        }
                        let per_image = self.per_image(result, &node.name)?;
                        self.plan_reshape_copy(i, per_image)?;
                        continue;
                    };
                    let layout = match s.layout {
                        Layout::RowMajor => Layout::RowMajor,
                        l if !l.mixes() => Layout::RowMajor,
                        Layout::Hwc { c, h, w } => {
                            let per = self.unit_shape(result);
                            if per == [c, h, w] || per == [c * h * w] {
                                Layout::Hwc { c, h, w }
                            } else {
                                self.plan_reshape_copy(i, s.per_image)?;
                                continue;
                            }
                        }
                    };
                    self.stored[result] = Some(Stored { layout, ..s });
                    self.forms[result] = Some(layout);
                    continue;
                }
                _ => {}
            }
            let per_image = self.per_image(result, &format!("the result of `{}`", node.name))?;
            let form = self.result_form(node)?;
            let stored = match (output_root[result], self.rings.home(result)) {
                (Some(addr), _) => Stored {
                    addr,
                    per_image,
                    stride: per_image,
                    layout: Layout::RowMajor,
                },
                // One slot per image in flight, the slot picked by `image_addr`.
                (None, Some(addr)) => Stored {
                    addr,
                    per_image,
                    stride: per_image,
                    layout: form,
                },
                (None, None) => {
                    let (addr, stride) = self.alloc_scratch(result, per_image)?;
                    Stored {
                        addr,
                        per_image,
                        stride,
                        layout: form,
                    }
                }
            };
            self.stored[result] = Some(stored);
            self.forms[result] = Some(form);
        }
        self.place_arena()
    }

    /// Copies the inputs that are also outputs into their output bindings, a buffer-full at a
    /// time.
    fn copy_outputs(&mut self) -> R<()> {
        for (value, dst, per_image) in self.copies.clone() {
            let src = self.stored[value]
                .ok_or("an output's input is not stored")?
                .addr;
            let start = self.program.code.len();
            let total = per_image * self.images.count;
            let chunk = self.staging.capacity.min(1 << 23);
            for first in (0..total).step_by(chunk as usize) {
                let n = u24(chunk.min(total - first) as usize, "copy length")?;
                self.program.code.push(Instruction::Load {
                    src: dram(src + first)?,
                    dst: self.buf(0),
                    len: n,
                    count: 1,
                    sstride: n,
                    dstride: n,
                });
                self.program.code.push(Instruction::Store {
                    src: self.buf(0),
                    dst: dram(dst + first)?,
                    len: n,
                    count: 1,
                    sstride: n,
                    dstride: n,
                });
            }
            let name = self
                .func
                .inputs
                .iter()
                .find(|p| p.value == value)
                .map_or("input", |p| p.name.as_str())
                .to_owned();
            self.symbol(&format!("copy {name}"), SymbolKind::Other, start);
        }
        Ok(())
    }

    fn symbol(&mut self, name: &str, kind: SymbolKind, start: usize) {
        self.program.symbols.push(Symbol {
            name: name.to_owned(),
            kind,
            start,
            end: self.program.code.len(),
        });
    }

    fn add_constant(&mut self, name: String, value: ConstValue) -> R<u32> {
        let index = u32::try_from(self.program.constants.len())
            .ok()
            .filter(|&i| i < 1 << 16)
            .ok_or("more than 65536 constants")?;
        self.program.constants.push(Constant { name, value });
        Ok(index)
    }

    /// Pixels and channels of a value's on-chip form (a vector is one pixel).
    fn geometry(&self, value: ValueId) -> R<(usize, usize)> {
        let per_image = self.stored[value]
            .ok_or_else(|| format!("value {value} is not stored"))?
            .per_image as usize;
        Ok(match self.form(value)? {
            Layout::Hwc { c, h, w } => (h * w, c),
            Layout::RowMajor => (1, per_image),
        })
    }

    /// Loads pixels `p0..p1` of image `image` of `value` into the staging buffer at `dst` in its
    /// on-chip form (NCHW images become HWC with one strided load per channel).
    fn load(&mut self, value: ValueId, image: usize, dst: u64, p0: usize, p1: usize) -> R<()> {
        let channels = self.geometry(value)?.1;
        self.load_channels(value, image, dst, p0..p1, 0..channels)
    }

    /// Loads channels `chans` of pixels `pix` of image `image` of `value` into the staging buffer
    /// at `dst`, HWC with `chans.len()` channels per pixel.
    fn load_channels(
        &mut self,
        value: ValueId,
        image: usize,
        dst: u64,
        pix: std::ops::Range<usize>,
        chans: std::ops::Range<usize>,
    ) -> R<()> {
        let s = self.stored[value].ok_or_else(|| format!("value {value} is not stored"))?;
        let src = self.image_addr(s.addr, s.stride, image)?;
        let form = self.form(value)?;
        let (pixels, channels) = self.geometry(value)?;
        let (p0, n) = (pix.start, pix.len());
        let (c0, cn) = (chans.start, chans.len());
        if s.layout.same_order(form) {
            let first = src + (p0 * channels + c0) as u64;
            if cn == channels {
                let len = u24(n * channels, "load length")?;
                self.program.code.push(Instruction::Load {
                    src: dram(first)?,
                    dst: self.buf(dst),
                    len,
                    count: 1,
                    sstride: len,
                    dstride: len,
                });
            } else {
                self.program.code.push(Instruction::Load {
                    src: dram(first)?,
                    dst: self.buf(dst),
                    len: u24(cn, "channels")?,
                    count: u24(n, "pixels")?,
                    sstride: u24(channels, "channels")?,
                    dstride: u24(cn, "channels")?,
                });
            }
            return Ok(());
        }
        for k in 0..cn {
            self.program.code.push(Instruction::Load {
                src: dram(src + ((c0 + k) * pixels + p0) as u64)?,
                dst: self.buf(dst + k as u64),
                len: 1,
                count: u24(n, "pixels")?,
                sstride: 1,
                dstride: u24(cn, "channels")?,
            });
        }
        Ok(())
    }

    /// Stores channels `ch0..ch0 + width` of pixels `p0..p0 + count` of image `image` of
    /// `value` (HWC on chip at `src`, `width` channels per pixel) to its DRAM home.
    #[allow(clippy::too_many_arguments)]
    fn store(
        &mut self,
        value: ValueId,
        image: usize,
        src: u64,
        ch0: usize,
        width: usize,
        p0: usize,
        count: usize,
    ) -> R<()> {
        let s = self.stored[value].ok_or_else(|| format!("value {value} is not stored"))?;
        let base = self.image_addr(s.addr, s.stride, image)?;
        let form = self.form(value)?;
        let (pixels, channels) = self.geometry(value)?;
        if s.layout.same_order(form) || pixels == 1 {
            let first = base + (p0 * channels + ch0) as u64;
            if width == channels {
                let n = u24(width * count, "store length")?;
                self.program.code.push(Instruction::Store {
                    src: self.buf(src),
                    dst: dram(first)?,
                    len: n,
                    count: 1,
                    sstride: n,
                    dstride: n,
                });
            } else {
                self.program.code.push(Instruction::Store {
                    src: self.buf(src),
                    dst: dram(first)?,
                    len: u24(width, "channels")?,
                    count: u24(count, "pixels")?,
                    sstride: u24(width, "channels")?,
                    dstride: u24(channels, "channels")?,
                });
            }
            return Ok(());
        }
        if s.layout != Layout::RowMajor {
            return Err(
                "internal error: storing HWC data into an HWC layout of another shape".into(),
            );
        }
        for k in 0..width {
            self.program.code.push(Instruction::Store {
                src: self.buf(src + k as u64),
                dst: dram(base + ((ch0 + k) * pixels + p0) as u64)?,
                len: 1,
                count: u24(count, "pixels")?,
                sstride: u24(width, "channels")?,
                dstride: 1,
            });
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn vop(
        &mut self,
        op: VOp,
        dst: u64,
        a: u64,
        b: Option<u64>,
        len: usize,
        count: usize,
        param: u32,
    ) -> R<()> {
        self.program.code.push(Instruction::VecOp {
            op,
            dst: self.buf(dst),
            a: self.buf(a),
            b: b.map_or(MemRef::dram(0), |b| self.buf(b)),
            len: u24(len, "vector length")?,
            count: u24(count, "vector groups")?,
            param,
        });
        Ok(())
    }

    /// A constants-table entry equal to `value`, added if there is none.
    fn window_constant(&mut self, name: String, win: Window) -> R<u32> {
        let found = self
            .program
            .constants
            .iter()
            .position(|c| c.value == ConstValue::Window(win));
        match found {
            Some(i) => Ok(i as u32),
            None => self.add_constant(name, ConstValue::Window(win)),
        }
    }
}

/// The window geometry of a convolution `node` (down, across) and its banding images, when it
/// is one.
fn conv_geometry(
    func: &Func<PimOp>,
    node: &Node<PimOp>,
) -> Option<(ConvImage, Geometry, Geometry)> {
    let image = ConvImage::of(func, node)?;
    let PimOp::Mvm { pads, .. } = &node.op else {
        return None;
    };
    let (&top, &left, &bottom, &right) = (pads.first()?, pads.get(1)?, pads.get(2)?, pads.get(3)?);
    let (down, across) = image.axes;
    let geometry = |a: Axis, pad_top: i64, pad_bottom: i64| Geometry {
        kernel: a.kernel,
        stride: a.stride,
        dilation: a.dilation,
        pad_top,
        pad_bottom,
        input: a.input,
    };
    Some((
        image,
        geometry(down, top, bottom),
        geometry(across, left, right),
    ))
}

/// The vertical geometry of a window (conv or pooling) over an image of `input` rows.
struct Geometry {
    kernel: i64,
    stride: i64,
    dilation: i64,
    pad_top: i64,
    pad_bottom: i64,
    input: usize,
}

/// Input rows `r0..r1` that output rows of a band read, and the band window's padding.
struct Band {
    r0: usize,
    r1: usize,
    pad_top: u32,
    pad_bottom: u32,
}

impl Geometry {
    /// The window's axis (`program::bands`, which sizes the bands).
    fn axis(&self) -> Axis {
        Axis {
            kernel: self.kernel,
            stride: self.stride,
            dilation: self.dilation,
            input: self.input,
        }
    }

    /// Input rows a band of `n` output rows stages at most ([`Geometry::band_until_next`]).
    fn max_rows(&self, n: usize) -> usize {
        self.axis().span(n)
    }

    /// Input rows one window spans.
    fn window(&self) -> i64 {
        self.axis().window()
    }

    /// [`Geometry::band`] of output rows `oy0..oy1` of `oh`, extended to the first input row of
    /// the next band when the stride skips rows between them (the window's output rows do not
    /// change: fewer than `stride` rows are added).
    fn band_until_next(&self, oy0: usize, oy1: usize, oh: usize) -> R<Band> {
        let mut band = self.band(oy0, oy1)?;
        if oy1 < oh {
            let next = (oy1 as i64 * self.stride - self.pad_top).clamp(0, self.input as i64);
            band.r1 = band.r1.max(next as usize);
        }
        Ok(band)
    }

    /// The input rows and padding of output rows `oy0..oy1`.
    fn band(&self, oy0: usize, oy1: usize) -> R<Band> {
        let first = oy0 as i64 * self.stride - self.pad_top;
        let last = (oy1 as i64 - 1) * self.stride - self.pad_top + self.window() - 1;
        let input = self.input as i64;
        let (r0, r1) = (first.max(0), (last + 1).min(input));
        if r1 <= r0 || last + 1 - input > self.pad_bottom {
            return Err(format!(
                "output rows {oy0}..{oy1} read no input row (a window entirely in the padding)"
            ));
        }
        Ok(Band {
            r0: r0 as usize,
            r1: r1 as usize,
            pad_top: (-first).max(0) as u32,
            pad_bottom: (last + 1 - input).max(0) as u32,
        })
    }
}
