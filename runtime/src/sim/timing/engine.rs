//! The timing engine: runs a program's control flow (loops, guards, address registers) and
//! issues each instruction at the latest of its data being ready (the [`Scoreboard`]), its units
//! being free ([`Units`]) and every earlier `barrier` and `wait` being passed; it then occupies
//! its units for the time `docs/isa.md` §10 charges and records its energy. Results never depend
//! on data, so no values are computed.

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;

use super::record::{Layers, Recorder, Span, Track};
use super::scoreboard::{Access, Scoreboard};
use super::units::{UnitKind, Units};
use super::work::{self, is_control, strided, vop_work};
use super::Energy;
use crate::container::Program;
use crate::isa::{Instruction, MemRef, Space, VOp};
use crate::sim::control::{Next, Sequencer};
use crate::sim::memory::{Blocks, Memories, Operand};
use crate::sim::{limit_message, Fault, SimError, MAX_EXECUTED, PROGRESS_EVERY};
use crate::target::Target;

/// The input vectors of an `mvm` as a PE receives them: PE, source memory and address, first
/// pixel, vectors, window and source stride. Crossbars of one PE that read the same vectors
/// (column tiles of a row block) receive them once.
type Delivery = (usize, (u8, u32), u64, u32, u32, u32, u32);

/// What the engine counts besides time and energy.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    /// Instructions executed (control included).
    pub executed: u64,
    /// Weight bytes read from DRAM.
    pub weight_bytes: u64,
    /// Activation bytes read from and written to DRAM.
    pub activation_bytes: u64,
    /// Crossbars written (every copy).
    pub crossbar_writes: u64,
    /// Crossbar activations.
    pub activations: u64,
    /// Multiply-accumulates (active rows x columns per vector).
    pub macs: u64,
    /// Elements `mvm`s delivered to PEs (inputs shared by a PE's crossbars once).
    pub mvm_inputs: u64,
    /// Elements `mvm`s produced (partial sums included).
    pub mvm_outputs: u64,
    /// Elements `acc` and accumulating `mvm`s added into others (partial sums merged).
    pub merged: u64,
    /// Accumulators `vop fill` initialised (each a final output that `mvm`s add into).
    pub filled: u64,
}

/// The raw result of a timed run.
#[derive(Debug, Clone)]
pub struct Timed {
    /// When the last instruction completes, ns.
    pub latency_ns: f64,
    /// Energy by component (leakage included), pJ.
    pub energy: Energy,
    /// Busy time per unit kind (summed over its units), ns, and the number of units.
    pub busy: Vec<(UnitKind, f64, usize)>,
    /// Counts.
    pub counts: Counts,
    /// Per-segment and per-layer spans.
    pub layers: Layers,
    /// The spans recorded for a trace (empty unless asked for).
    pub spans: Vec<Span>,
}

/// The engine's state.
struct Engine<'p> {
    program: &'p Program,
    target: &'p Target,
    registers: [u32; 16],
    scoreboard: Scoreboard,
    units: Units,
    /// Active block (rows, weight columns) of each crossbar, `None` until written.
    blocks: Vec<Option<(u32, u32)>>,
    /// Nothing starts before this (barriers, waits).
    floor: f64,
    /// The latest completion so far.
    horizon: f64,
    /// Set events and when they were set.
    events: BTreeMap<u32, f64>,
    /// Inputs already delivered to a PE by the current run of consecutive `mvm`s.
    delivered: FxHashSet<Delivery>,
    energy: Energy,
    counts: Counts,
    recorder: Recorder,
    /// The memories' sizes (no contents): operands are checked as the functional simulator
    /// checks them, with its errors.
    bounds: Memories<'p>,
}

/// How to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Keep the spans a trace needs.
    pub trace: bool,
    /// Stop with an error after this many executed instructions.
    pub max_executed: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            trace: false,
            max_executed: MAX_EXECUTED,
        }
    }
}

/// Runs `program` in time.
pub fn run(program: &Program, options: &Options) -> Result<Timed, SimError> {
    run_with(program, options, &mut |_| {})
}

/// [`run`], calling `progress` with the instructions executed so far every
/// [`PROGRESS_EVERY`] instructions (for a progress bar).
pub fn run_with(
    program: &Program,
    options: &Options,
    progress: &mut dyn FnMut(u64),
) -> Result<Timed, SimError> {
    program.validate().map_err(SimError::Verify)?;
    program.verify().map_err(SimError::Verify)?;
    let code = &program.code;
    let at = |index: usize, fault| SimError::Execution {
        index,
        asm: code.get(index).map(ToString::to_string).unwrap_or_default(),
        fault,
    };
    let mut sequencer = Sequencer::new(code).map_err(|(i, f)| at(i, f))?;
    let mut engine = Engine::new(program, options.trace);
    let mut pc = 0;
    while let Some(inst) = code.get(pc) {
        engine.counts.executed += 1;
        if engine.counts.executed > options.max_executed {
            return Err(at(
                pc,
                Fault::Malformed(limit_message(options.max_executed)),
            ));
        }
        if engine.counts.executed.is_multiple_of(PROGRESS_EVERY) {
            progress(engine.counts.executed);
        }
        engine.step(pc, inst).map_err(|f| at(pc, f))?;
        let registers = engine.registers;
        let register = |reg: u32| registers.get(reg as usize).copied().unwrap_or(0);
        match sequencer.next(pc, inst, register).map_err(|f| at(pc, f))? {
            Next::At(next) => pc = next,
            Next::Halt => break,
        }
    }
    Ok(engine.finish())
}

impl<'p> Engine<'p> {
    fn new(program: &'p Program, trace: bool) -> Engine<'p> {
        Engine {
            program,
            target: &program.target,
            registers: [0; 16],
            scoreboard: Scoreboard::with_read_only(work::DRAM, program.weights_dram_range()),
            units: Units::new(&program.target),
            blocks: vec![None; usize::try_from(program.target.total_crossbars()).unwrap_or(0)],
            floor: 0.0,
            horizon: 0.0,
            events: BTreeMap::new(),
            delivered: FxHashSet::default(),
            energy: Energy::default(),
            counts: Counts::default(),
            recorder: Recorder::new(program, trace),
            bounds: Memories::new(program),
        }
    }

    /// Executes instruction `pc`.
    fn step(&mut self, pc: usize, inst: &Instruction) -> Result<(), Fault> {
        if !matches!(inst, Instruction::Mvm { .. }) {
            self.delivered.clear();
        }
        if is_control(inst) {
            return self.control(pc, inst);
        }
        self.recorder.enter(pc);
        let done = match *inst {
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
            } => self.dram_transfer(pc, [src, dst], [sstride, dstride], len, count)?,
            Instruction::Copy {
                src,
                dst,
                len,
                count,
                sstride,
                dstride,
            } => self.copy(pc, [src, dst], [sstride, dstride], len, count)?,
            Instruction::WLoad { .. } => self.wload(pc, inst)?,
            Instruction::Mvm { .. } => self.mvm(inst)?,
            Instruction::Acc { .. } => self.acc(pc, inst)?,
            Instruction::VecOp { .. } => self.vop(pc, inst)?,
            _ => return Ok(()),
        };
        self.horizon = self.horizon.max(done.1);
        self.recorder.executed(pc, done.0, done.1);
        Ok(())
    }

    /// Sequencing, markers and synchronisation: no time of their own.
    fn control(&mut self, pc: usize, inst: &Instruction) -> Result<(), Fault> {
        match *inst {
            Instruction::RSet { reg, value } => self.set_register(reg, |_| value),
            Instruction::RAdd { reg, value } => {
                self.set_register(reg, |r| r.wrapping_add(value as u32))
            }
            Instruction::Barrier {} => self.floor = self.floor.max(self.horizon),
            Instruction::Signal { event } => {
                self.events.insert(event, self.horizon);
            }
            Instruction::Wait { event } => {
                let set = self
                    .events
                    .remove(&event)
                    .ok_or(Fault::Deadlock { event })?;
                self.floor = self.floor.max(set);
            }
            Instruction::SegBegin { id } => self.recorder.begin_segment(id, pc),
            Instruction::SegEnd { .. } => self.recorder.end_segment(),
            _ => {}
        }
        Ok(())
    }

    fn set_register(&mut self, reg: u32, f: impl Fn(u32) -> u32) {
        if let Some(r) = self.registers.get_mut(reg as usize).filter(|_| reg != 0) {
            *r = f(*r);
        }
    }

    /// Checks that each operand's access lies inside its memory (and DRAM writes outside the
    /// weights), as the functional simulator does.
    fn in_bounds(&self, operands: &[(&'static str, MemRef, &Access)]) -> Result<(), Fault> {
        operands.iter().try_for_each(|&(name, mem, a)| {
            let op = Operand {
                name,
                mem,
                base: a.start,
            };
            let blocks = Blocks {
                len: a.len,
                count: a.count,
                stride: a.stride,
            };
            self.bounds.check(&op, blocks, a.write)
        })
    }

    /// The accesses of a `load`, `store`, `copy` or `acc`: `count` blocks of `len` from `src`
    /// (read) and to `dst` (written), checked.
    fn two_operands(
        &self,
        [src, dst]: [MemRef; 2],
        [sstride, dstride]: [u32; 2],
        len: u32,
        count: u32,
    ) -> Result<[Access; 2], Fault> {
        let r = &self.registers;
        let accesses = [
            strided(src, r, len, count, sstride, false),
            strided(dst, r, len, count, dstride, true),
        ];
        self.in_bounds(&[("src", src, &accesses[0]), ("dst", dst, &accesses[1])])?;
        Ok(accesses)
    }

    /// Instruction `pc` with `accesses` on one unit (kind, id, trace track): it starts when its
    /// data is ready and the unit has `busy` ns free ([`Engine::occupy`]), and completes
    /// `latency` ns after the unit is done. What it reads on chip it has streamed out when the
    /// unit is done (a `store`'s source may be overwritten then, while the data travels to
    /// DRAM); its DRAM accesses and its writes complete at the end. Returns its start and
    /// completion.
    fn on_unit(
        &mut self,
        pc: usize,
        unit: (UnitKind, usize, Track),
        accesses: &[Access],
        busy: f64,
        latency: f64,
    ) -> (f64, f64) {
        let ready = self.ready(accesses);
        let (start, streamed) = self.occupy(pc, unit, ready, busy);
        let end = streamed + latency;
        for access in accesses {
            let on_chip_read = !access.write && access.memory != work::DRAM;
            let done = if on_chip_read { streamed } else { end };
            self.scoreboard.record(std::slice::from_ref(access), done);
        }
        (start, end)
    }

    /// Occupies unit `id` of `kind` with `busy` ns of instruction `pc`'s work from `ready` on,
    /// and traces it: in its first gap wide enough, or, on the units that stream data (the
    /// DRAM channel and the interconnect), burst by burst in the gaps from `ready` on
    /// ([`Units::spread`]): a transfer waits for the bursts queued before it, not for a gap
    /// that holds it whole. Returns when the work starts and when it is done.
    fn occupy(
        &mut self,
        pc: usize,
        (kind, id, track): (UnitKind, usize, Track),
        ready: f64,
        busy: f64,
    ) -> (f64, f64) {
        let pieces = match self.burst_ns(kind) {
            Some(burst) => self.units.spread((kind, id), ready, busy, burst),
            None => {
                let start = self.units.fit(kind, id, ready, busy);
                vec![(start, start + busy)]
            }
        };
        for &(start, end) in &pieces {
            self.units.occupy(kind, id, start, end);
            self.recorder.span(track, pc, start, end);
        }
        let first = pieces.first().map_or(ready, |&(start, _)| start);
        (first, pieces.last().map_or(ready, |&(_, end)| end))
    }

    /// The time of one burst ([`Target::burst_bytes`]) on a unit of `kind` that streams data: on
    /// the DRAM channel, or read and written through the buffer port on the interconnect;
    /// `None` for units whose work does not pause.
    fn burst_ns(&self, kind: UnitKind) -> Option<f64> {
        match kind {
            UnitKind::Dram => Some(self.target.dram_burst_ns()),
            UnitKind::Interconnect => Some(self.target.move_burst_ns()),
            _ => None,
        }
    }

    /// The earliest time the data of an instruction with `accesses` is ready.
    fn ready(&self, accesses: &[Access]) -> f64 {
        self.scoreboard.ready(accesses).max(self.floor)
    }

    fn bytes(&self, elements: u64, bits: u32) -> f64 {
        elements as f64 * f64::from(bits) / 8.0
    }

    /// `load` or `store`: the DRAM channel for `bytes / bandwidth`, done `latency_ns` later.
    fn dram_transfer(
        &mut self,
        pc: usize,
        [src, dst]: [MemRef; 2],
        [sstride, dstride]: [u32; 2],
        len: u32,
        count: u32,
    ) -> Result<(f64, f64), Fault> {
        let accesses = self.two_operands([src, dst], [sstride, dstride], len, count)?;
        let elements = u64::from(len) * u64::from(count);
        let bytes = self.bytes(elements, self.target.precision.activation_bits);
        let dram = &self.target.dram;
        let busy = bytes / dram.bandwidth_gb_s;
        let latency = if bytes > 0.0 { dram.latency_ns } else { 0.0 };
        let unit = (UnitKind::Dram, 0, Track::Dram);
        let (start, end) = self.on_unit(pc, unit, &accesses, busy, latency);
        self.recorder.activation(busy);
        self.energy.dram += 8.0 * bytes * dram.energy_pj_per_bit;
        self.energy.buffer += 8.0 * bytes * self.target.buffers.energy_pj_per_bit;
        self.counts.activation_bytes += bytes as u64;
        Ok((start, end))
    }

    /// `copy`: every element read and written once through the buffer port, on the interconnect.
    fn copy(
        &mut self,
        pc: usize,
        [src, dst]: [MemRef; 2],
        [sstride, dstride]: [u32; 2],
        len: u32,
        count: u32,
    ) -> Result<(f64, f64), Fault> {
        let accesses = self.two_operands([src, dst], [sstride, dstride], len, count)?;
        let elements = u64::from(len) * u64::from(count);
        let bits = self.target.precision.activation_bits;
        let bytes = self.bytes(elements, bits);
        let duration = 2.0 * bytes / self.target.move_bandwidth_gb_s();
        let unit = (UnitKind::Interconnect, 0, Track::Interconnect);
        let (start, end) = self.on_unit(pc, unit, &accesses, duration, 0.0);
        self.energy.buffer += 2.0 * 8.0 * bytes * self.target.buffers.energy_pj_per_bit;
        Ok((start, end))
    }

    /// `wload`: one DRAM read of the block, then each copy written by the first free write
    /// driver as the data streams in. The read waits for the block's source only; the writes
    /// wait for the crossbars' earlier work as well (the driver holds the data meanwhile), so
    /// consecutive loads of blocks into one crossbar stream their reads rather than each waiting
    /// for the one before to be written.
    fn wload(&mut self, pc: usize, inst: &Instruction) -> Result<(f64, f64), Fault> {
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
            return Err(Fault::Malformed("not a wload".into()));
        };
        let xbars: Vec<u32> = (0..copies)
            .map(|k| xbar.wrapping_add(k.wrapping_mul(xstride)))
            .collect();
        let source = strided(src, &self.registers, cols, rows, stride, false);
        self.in_bounds(&[("src", src, &source)])?;
        let crossbars: Vec<Access> = xbars.iter().map(|&x| work::weights(x, true)).collect();
        let crossbars_free = self.ready(&crossbars);
        let mut accesses = vec![source];
        accesses.extend(crossbars);
        let x = &self.target.crossbar;
        let weights = u64::from(rows) * u64::from(cols);
        let bytes = self.bytes(weights, self.target.precision.weight_bits);
        let dram = &self.target.dram;
        let read_ns = bytes / dram.bandwidth_gb_s;
        let ready = self.ready(&accesses[..1]);
        let dram = (UnitKind::Dram, 0, Track::Dram);
        let (dram_start, streamed) = self.occupy(pc, dram, ready, read_ns);
        let dram = &self.target.dram;
        let first_data = (dram_start + dram.latency_ns).max(crossbars_free);
        let written_rows = if clear { x.rows } else { rows };
        let write_ns = f64::from(written_rows) * x.write_latency_ns_per_row;
        let cells = if clear {
            self.target.cells_per_crossbar()
        } else {
            weights * u64::from(self.target.columns_per_weight())
        };
        let mut end = streamed + dram.latency_ns;
        // A driver writes the rows as they arrive: it starts late enough to finish with the
        // last one, not earlier to wait for it.
        let data_in = first_data.max(end - write_ns);
        for &id in &xbars {
            let at = self
                .units
                .fit(UnitKind::Crossbar, id as usize, data_in, write_ns);
            let (driver, start) = self.units.first_fit(UnitKind::WriteDriver, at, write_ns);
            let done = start + write_ns;
            self.units
                .occupy(UnitKind::WriteDriver, driver, start, done);
            self.units
                .occupy(UnitKind::Crossbar, id as usize, done, done);
            self.recorder.span(Track::Writes(driver), pc, start, done);
            end = end.max(done);
            self.set_block(id, clear, row + rows, col + cols);
        }
        self.scoreboard.record(&accesses, end);
        self.energy.dram += 8.0 * bytes * dram.energy_pj_per_bit;
        self.energy.crossbar_write +=
            xbars.len() as f64 * cells as f64 * x.write_energy_pj_per_cell;
        self.counts.weight_bytes += bytes as u64;
        self.counts.crossbar_writes += u64::from(clear) * u64::from(copies);
        self.recorder.weights(bytes as u64);
        Ok((dram_start, end))
    }

    /// The active block of crossbar `id` after a write reaching `(rows, cols)`.
    fn set_block(&mut self, id: u32, clear: bool, rows: u32, cols: u32) {
        let Some(slot) = self.blocks.get_mut(id as usize) else {
            return;
        };
        let block = if clear {
            (0, 0)
        } else {
            slot.unwrap_or((0, 0))
        };
        *slot = Some((block.0.max(rows), block.1.max(cols)));
    }

    /// `mvm`: the PE's link carries the inputs (once per PE for vectors its crossbars share)
    /// and the outputs, then the crossbar computes `count x steps x reads` activations.
    fn mvm(&mut self, inst: &Instruction) -> Result<(f64, f64), Fault> {
        let Instruction::Mvm {
            xbar,
            src,
            dst,
            count,
            sstride,
            dstride,
            pix,
            bits,
            mode,
            win,
            accumulate,
        } = *inst
        else {
            return Err(Fault::Malformed("not an mvm".into()));
        };
        let (ar, ac) = self
            .blocks
            .get(xbar as usize)
            .copied()
            .flatten()
            .ok_or(Fault::UnloadedCrossbar { xbar })?;
        let constants = &self.program.constants;
        let (len, n, stride) = work::mvm_source_len(constants, mode, win, count, sstride, ar)?;
        let r = &self.registers;
        let output = strided(dst, r, ac, count, dstride, true);
        let accesses = [
            strided(src, r, len, n, stride, false),
            if accumulate != 0 {
                output.accumulating()
            } else {
                output
            },
            work::weights(xbar, false),
        ];
        self.in_bounds(&[("src", src, &accesses[0]), ("dst", dst, &accesses[1])])?;
        let t = self.target;
        let pe = (u64::from(xbar) / t.crossbars_per_pe().max(1)) as usize;
        let key = (
            pe,
            accesses[0].memory,
            accesses[0].start,
            pix,
            count,
            win,
            sstride,
        );
        let inputs = if !self.delivered.insert(key) {
            0
        } else {
            u64::from(count) * u64::from(ar)
        };
        let outputs = u64::from(count) * u64::from(ac);
        let link_ns = self.bytes(inputs + outputs, t.precision.activation_bits)
            / t.interconnect.pe_link_bandwidth_gb_s;
        let steps = u64::from(bits.div_ceil(t.precision.input_bits_per_cycle.max(1)))
            * u64::from(ar.div_ceil(t.crossbar.rows_read_in_parallel.max(1)));
        let activations = u64::from(count) * steps;
        let compute_ns = activations as f64 * t.crossbar_step_ns();
        let start = self.mvm_start(&accesses, xbar as usize, pe, link_ns, compute_ns);
        let linked = start + link_ns;
        let computed = linked + compute_ns;
        let end = computed + t.interconnect.latency_ns;
        self.units.occupy(UnitKind::PeLink, pe, start, linked);
        self.recorder.crossbar(xbar);
        self.units
            .occupy(UnitKind::Crossbar, xbar as usize, linked, computed);
        self.scoreboard.record(&accesses, end);
        self.energy.compute += activations as f64 * t.crossbar_activation_energy_pj();
        let c = &mut self.counts;
        c.activations += activations;
        c.macs += u64::from(count) * u64::from(ar) * u64::from(ac);
        c.mvm_inputs += inputs;
        c.mvm_outputs += outputs;
        if accumulate != 0 {
            c.merged += outputs;
        }
        Ok((start, end))
    }

    /// The earliest start of an `mvm` whose PE link is busy `link_ns` from its start and its
    /// crossbar `compute_ns` after that: the link and the crossbar must both be free then.
    fn mvm_start(
        &self,
        accesses: &[Access],
        xbar: usize,
        pe: usize,
        link_ns: f64,
        compute_ns: f64,
    ) -> f64 {
        let mut start = self.ready(accesses);
        for _ in 0..16 {
            let linked = self.units.fit(UnitKind::PeLink, pe, start, link_ns);
            let computes = self
                .units
                .fit(UnitKind::Crossbar, xbar, linked + link_ns, compute_ns);
            if computes <= linked + link_ns {
                return linked;
            }
            start = computes - link_ns;
        }
        // No common gap found quickly: after everything both units have.
        let after = self
            .units
            .last_end(UnitKind::PeLink, pe)
            .max(self.units.last_end(UnitKind::Crossbar, xbar) - link_ns);
        after.max(start)
    }

    /// `acc`: the adder tree of the destination's tile (the chip's for the global buffer) for
    /// one `accumulate_latency_ns`.
    fn acc(&mut self, pc: usize, inst: &Instruction) -> Result<(f64, f64), Fault> {
        let Instruction::Acc {
            src,
            dst,
            len,
            count,
            sstride,
            dstride,
            ..
        } = *inst
        else {
            return Err(Fault::Malformed("not an acc".into()));
        };
        let accesses = self.two_operands([src, dst], [sstride, dstride], len, count)?;
        let tiles = self.target.total_tiles();
        let adder = match dst.space {
            Space::Tile => usize::from(dst.unit),
            Space::Pe => (u64::from(dst.unit) / self.target.pes_per_tile().max(1)) as usize,
            _ => tiles as usize,
        };
        let duration = self.target.crossbar.accumulate_latency_ns;
        let unit = (UnitKind::Adder, adder, Track::Adders);
        let (start, end) = self.on_unit(pc, unit, &accesses, duration, 0.0);
        self.counts.merged += u64::from(len) * u64::from(count);
        Ok((start, end))
    }

    /// `vop`: the vector unit for `op_latency_ns x ceil(ops / lanes)`.
    fn vop(&mut self, pc: usize, inst: &Instruction) -> Result<(f64, f64), Fault> {
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
            return Err(Fault::Malformed("not a vop".into()));
        };
        let w = vop_work(op, len, count, param, &self.program.constants)?;
        let r = &self.registers;
        let span =
            |mem, n: u64, write| strided(mem, r, u32::try_from(n).unwrap_or(u32::MAX), 1, 0, write);
        let accesses = [
            span(a, w.a, false),
            span(b, w.b, false),
            span(dst, w.dst, true),
        ];
        let v = &self.target.vector;
        let duration = w.ops.div_ceil(u64::from(v.lanes.max(1))) as f64 * v.op_latency_ns;
        let unit = (UnitKind::Vector, 0, Track::Vector);
        let (start, end) = self.on_unit(pc, unit, &accesses, duration, 0.0);
        self.energy.vector += w.ops as f64 * v.op_energy_pj;
        if op == VOp::Fill {
            self.counts.filled += w.dst;
        }
        Ok((start, end))
    }

    /// The totals: latency, leakage, the per-output energies of `mvm`s.
    fn finish(mut self) -> Timed {
        let t = self.target;
        let c = self.counts;
        let bits = f64::from(t.precision.activation_bits);
        let finals = (c.mvm_outputs + c.filled).saturating_sub(c.merged);
        let moved = (c.mvm_inputs + finals) as f64 * bits;
        self.energy.compute += finals as f64 * t.crossbar.accumulate_energy_pj;
        self.energy.buffer += moved * t.buffers.energy_pj_per_bit;
        self.energy.interconnect += moved * t.interconnect.energy_pj_per_bit;
        let latency_ns = self.horizon;
        self.energy.leakage = t.leakage_total_mw() * latency_ns;
        let busy = UnitKind::ALL
            .iter()
            .map(|&k| (k, self.units.busy(k), self.units.count(k)))
            .collect();
        let (layers, spans) = self.recorder.finish();
        Timed {
            latency_ns,
            energy: self.energy,
            busy,
            counts: c,
            layers,
            spans,
        }
    }
}
