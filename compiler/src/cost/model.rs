//! The analytic cost model: the time and energy of every unit of work on a target
//! (`docs/targets.md` §3, whose constants are calibrated for compact-4x4 in §5), and their sums
//! over a schedule: per stage, per segment, per batch, plus the lower bound. Equations and
//! departures from the paper are in `docs/cost-model.md`.
//!
//! Unit formulas (per image unless stated):
//!
//! - **crossbar layer** with `G` groups of `R x C`, `P` vectors, `X` crossbars per copy, `D`
//!   copies of which `s(D)` sit in the busiest tile ([`mvm_time`], [`mvm_energy`]):
//!   `t = ceil(P/D)·n·t_step + (min(G·R, PE rows) + min(G·C, PE cols))·V·bits / (8·link GB/s) +
//!   fill`, with `V = min(P, s(D)·ceil(P/D))` the vectors through the busiest tile's H-tree
//!   (`s(D) = min(D, in-tile copies)` in NeuroSim's mapping, `ceil(D / tile slots)` when pimc
//!   spreads copies over the tiles) and `fill` one interconnect traversal plus one adder-tree
//!   latency per hierarchy level the rows span;
//!   `E = X·P·n·E_act + (B_in + B_out)·(e_buffer + e_interconnect) + G·C·P·e_accumulate`;
//! - **vector layer**: `t = op_latency·ceil(ops / lanes) + moved·2·bytes / buffer GB/s`,
//!   `E = ops·e_op` (vector) `+ moved·2·bits·e_buffer` (buffer);
//! - **weight load** of a segment: `t = dram latency + max(bytes / DRAM GB/s,
//!   ceil(crossbars / concurrent_writes)·crossbar_write_ns)` (the crossbars are written as the
//!   weights stream in), `E = 8·bytes·e_dram + crossbars·crossbar_write_energy`;
//! - **DRAM activations**: `t = latency + bytes / GB/s`, `E = 8·bytes·e_dram`.
//!
//! A segment takes its weight load plus its compute phase ([`segment_cost`]): pipelined,
//! `(images + stages - 1)` periods, the period being the slowest stage but at least the segment's
//! vector work and its interconnect traffic spread over all tiles' H-trees ([`shared_link_ns`]);
//! sequential, `images · Σ max(t_mvm, t_vector)`. DRAM activation transfers overlap the compute
//! phase when two images' worth fit in the global buffer. A schedule repeats its segments once
//! per batch (or per image in `layer` mode); leakage is static power times the batch latency.

use super::layers::VectorWork;
use super::mapping::{LayerMapping, MatrixShape};
use super::schedule::{Execution, Program, Schedule, Segment, Stage, Traffic};
use pim_runtime::target::Target;

/// Energy by component, pJ.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Energy {
    /// DRAM reads and writes (weights and activations).
    pub dram: f64,
    /// Crossbar weight writes.
    pub crossbar_write: f64,
    /// Crossbar reads, ADCs, shift-and-add and partial-sum accumulation.
    pub compute: f64,
    /// On-chip buffer accesses.
    pub buffer: f64,
    /// On-chip interconnect traversals.
    pub interconnect: f64,
    /// Vector-unit element ops.
    pub vector: f64,
    /// Static power over the latency.
    pub leakage: f64,
}

impl Energy {
    /// The sum of all components.
    pub fn total(&self) -> f64 {
        self.dram
            + self.crossbar_write
            + self.compute
            + self.buffer
            + self.interconnect
            + self.vector
            + self.leakage
    }

    /// Every component times `factor`.
    pub fn scaled(&self, factor: f64) -> Self {
        Self {
            dram: self.dram * factor,
            crossbar_write: self.crossbar_write * factor,
            compute: self.compute * factor,
            buffer: self.buffer * factor,
            interconnect: self.interconnect * factor,
            vector: self.vector * factor,
            leakage: self.leakage * factor,
        }
    }
}

impl std::ops::Add for Energy {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            dram: self.dram + o.dram,
            crossbar_write: self.crossbar_write + o.crossbar_write,
            compute: self.compute + o.compute,
            buffer: self.buffer + o.buffer,
            interconnect: self.interconnect + o.interconnect,
            vector: self.vector + o.vector,
            leakage: self.leakage + o.leakage,
        }
    }
}

impl std::iter::Sum for Energy {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), |a, b| a + b)
    }
}

/// The read latency of one crossbar layer for one image, ns, by term.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MvmTime {
    /// Bit-serial activations of the busiest copy: `ceil(P/D)·n·t_step`.
    pub compute_ns: f64,
    /// The busiest tile's interconnect transfers.
    pub interconnect_ns: f64,
    /// Pipeline fill: one interconnect traversal and the adder-tree levels.
    pub fill_ns: f64,
}

impl MvmTime {
    /// The layer's time, ns.
    pub fn total(&self) -> f64 {
        self.compute_ns + self.interconnect_ns + self.fill_ns
    }
}

/// The read latency of a crossbar layer with `vectors` input vectors per image at `units`
/// allocation units of `mapping`.
pub fn mvm_time(target: &Target, mapping: &LayerMapping, vectors: u64, units: u64) -> MvmTime {
    let shape = mapping.tiling.shape;
    let copies = mapping.copies(units);
    let steps = vectors
        .div_ceil(copies)
        .saturating_mul(target.activations_per_input_vector());
    let (pe_rows, pe_cols) = pe_span(target, shape);
    let busiest = mapping.busiest_tile_vectors(units, vectors);
    let bits = (pe_rows + pe_cols)
        .saturating_mul(busiest)
        .saturating_mul(u64::from(target.precision.activation_bits));
    MvmTime {
        compute_ns: steps as f64 * target.crossbar_step_ns(),
        interconnect_ns: bits as f64 / (8.0 * target.interconnect.pe_link_bandwidth_gb_s),
        fill_ns: target.interconnect.latency_ns
            + adder_levels(target, shape) as f64 * target.crossbar.accumulate_latency_ns,
    }
}

/// Rows and weight columns of the layer's block-diagonal matrix that the busiest PE covers.
fn pe_span(target: &Target, shape: MatrixShape) -> (u64, u64) {
    let groups = shape.groups.max(1);
    (
        groups.saturating_mul(shape.rows).min(target.pe_rows()),
        groups
            .saturating_mul(shape.cols)
            .min(target.pe_weight_cols()),
    )
}

/// Adder-tree levels the partial sums of one output cross: PE, tile and chip level, each when
/// the matrix rows span more than one crossbar, PE and tile respectively.
fn adder_levels(target: &Target, shape: MatrixShape) -> u64 {
    let rows = shape.rows;
    u64::from(rows > u64::from(target.crossbar.rows))
        + u64::from(rows > target.pe_rows())
        + u64::from(rows > target.tile_rows())
}

/// The read energy of a crossbar layer per image, pJ, by sub-component.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MvmEnergy {
    /// Crossbar arrays: activations x `read_energy_pj`.
    pub read: f64,
    /// ADC conversions: activations x cols x `adc_energy_pj`.
    pub adc: f64,
    /// Shift-and-add: activations x cols x `shift_add_energy_pj`.
    pub shift_add: f64,
    /// Partial-sum accumulation and activation, per output element.
    pub accumulate: f64,
    /// Buffer accesses of the input and output bits.
    pub buffer: f64,
    /// Interconnect traversals of the input and output bits.
    pub interconnect: f64,
}

impl MvmEnergy {
    /// Crossbar read + ADC + shift-and-add + accumulation (the report's `compute`).
    pub fn compute(&self) -> f64 {
        self.read + self.adc + self.shift_add + self.accumulate
    }

    /// All of it.
    pub fn total(&self) -> f64 {
        self.compute() + self.buffer + self.interconnect
    }
}

/// The read energy per image of a crossbar layer of `crossbars` crossbars per copy (`X`) with
/// `vectors` input vectors: `A = X·P·n` activations (duplication spreads them, adds none).
pub fn mvm_energy(target: &Target, shape: MatrixShape, crossbars: u64, vectors: u64) -> MvmEnergy {
    let x = &target.crossbar;
    let activations = crossbars
        .saturating_mul(vectors)
        .saturating_mul(target.activations_per_input_vector()) as f64;
    let cols = f64::from(x.cols);
    let groups = shape.groups.max(1);
    let bits = f64::from(target.precision.activation_bits);
    let moved = groups.saturating_mul(shape.rows.saturating_add(shape.cols));
    let moved_bits = moved.saturating_mul(vectors) as f64 * bits;
    MvmEnergy {
        read: activations * x.read_energy_pj,
        adc: activations * cols * x.adc_energy_pj,
        shift_add: activations * cols * x.shift_add_energy_pj,
        accumulate: groups.saturating_mul(shape.cols).saturating_mul(vectors) as f64
            * x.accumulate_energy_pj,
        buffer: moved_bits * target.buffers.energy_pj_per_bit,
        interconnect: moved_bits * target.interconnect.energy_pj_per_bit,
    }
}

/// Time of one element op on the whole vector unit, ns: `op_latency_ns / lanes`.
pub fn vector_op_ns(target: &Target) -> f64 {
    target.vector.op_latency_ns / f64::from(target.vector.lanes.max(1))
}

/// Bytes of one activation element.
pub fn element_bytes(target: &Target) -> f64 {
    f64::from(target.precision.activation_bits) / 8.0
}

/// The buffer port data moves go through: the global buffer's, or the tiles' without one.
fn move_bandwidth_gb_s(target: &Target) -> f64 {
    let b = &target.buffers;
    if b.global_bytes > 0 {
        b.global_bandwidth_gb_s
    } else {
        b.tile_bandwidth_gb_s
    }
}

/// Time to move one element, ns: read and written once through the buffer port.
pub fn move_ns_per_element(target: &Target) -> f64 {
    2.0 * element_bytes(target) / move_bandwidth_gb_s(target)
}

/// Time of a vector layer per image, ns.
pub fn vector_time(target: &Target, work: &VectorWork) -> f64 {
    let lanes = u64::from(target.vector.lanes.max(1));
    work.ops.div_ceil(lanes) as f64 * target.vector.op_latency_ns
        + work.moved as f64 * move_ns_per_element(target)
}

/// Energy of a vector layer per image, pJ (only the `vector` and `buffer` components).
pub fn vector_energy(target: &Target, work: &VectorWork) -> Energy {
    let moved_bits = work.moved as f64 * 2.0 * f64::from(target.precision.activation_bits);
    Energy {
        vector: work.ops as f64 * target.vector.op_energy_pj,
        buffer: moved_bits * target.buffers.energy_pj_per_bit,
        ..Energy::default()
    }
}

/// Time of a DRAM transfer of `bytes`, ns (0 for none).
pub fn dram_time(target: &Target, bytes: u64) -> f64 {
    if bytes == 0 {
        return 0.0;
    }
    target.dram.latency_ns + bytes as f64 / target.dram.bandwidth_gb_s
}

/// Energy of a DRAM transfer of `bytes`, pJ.
pub fn dram_energy(target: &Target, bytes: u64) -> f64 {
    8.0 * bytes as f64 * target.dram.energy_pj_per_bit
}

/// Time to write `crossbars` whole crossbars, ns.
pub fn write_time(target: &Target, crossbars: u64) -> f64 {
    let concurrent = u64::from(target.crossbar.concurrent_writes.max(1));
    crossbars.div_ceil(concurrent) as f64 * target.crossbar_write_ns()
}

/// Time to load `bytes` of weights into `crossbars` crossbars, ns: the writes proceed as the
/// weights stream from DRAM, so the slower of the two plus the DRAM latency.
pub fn load_time(target: &Target, bytes: u64, crossbars: u64) -> f64 {
    if bytes == 0 && crossbars == 0 {
        return 0.0;
    }
    target.dram.latency_ns
        + (bytes as f64 / target.dram.bandwidth_gb_s).max(write_time(target, crossbars))
}

/// Bytes of `weights` weights in DRAM at the target's weight precision.
pub fn weight_bytes(target: &Target, weights: u64) -> u64 {
    weights
        .saturating_mul(u64::from(target.precision.weight_bits))
        .div_ceil(8)
}

/// The modelled cost of one segment for one run of the schedule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SegmentCost {
    /// Weight load (DRAM read and crossbar writes), ns.
    pub load_ns: f64,
    /// Compute phase: the images through the segment's stages, ns.
    pub compute_ns: f64,
    /// DRAM activation transfers (fills, spills, outputs), ns.
    pub activation_ns: f64,
    /// Compute phase with the activation transfers (overlapped when the buffer allows), ns.
    pub run_ns: f64,
    /// Load + run, ns.
    pub latency_ns: f64,
    /// Per stage: its time per image at its duplication (max of the MVM and its vector work in
    /// sequential execution), ns.
    pub stage_times_ns: Vec<f64>,
    /// The slowest stage (the pipeline period when pipelined), ns.
    pub stage_time_ns: f64,
    /// Crossbars holding weights (all copies).
    pub crossbars: u64,
    /// Crossbars or tiles allocated (the granularity's unit).
    pub footprint: u64,
    /// Weight bytes read from DRAM.
    pub weight_bytes: u64,
    /// Activation bytes read from and written to DRAM.
    pub activation_bytes: u64,
    /// Crossbar-layer time idle during the compute phase, summed over crossbar stages, ns.
    pub idle_ns: f64,
    /// Crossbar-layer time occupied (the compute phase per crossbar stage), ns.
    pub occupied_ns: f64,
    /// Energy (leakage excluded: it is charged on the schedule's latency).
    pub energy: Energy,
}

/// The cost of stages `segment.stages` of `program` with `images` images per run and the
/// segment's `traffic` (per image).
pub fn segment_cost(
    program: &Program,
    target: &Target,
    segment: &Segment,
    images: u64,
    traffic: Traffic,
) -> SegmentCost {
    let stages = &program.stages[segment.stages.clone()];
    let mvm_times: Vec<f64> = stages
        .iter()
        .zip(&segment.units)
        .map(|(stage, &units)| stage.mvm_time(target, units))
        .collect();
    let phase = compute_phase(target, stages, &mvm_times, segment.execution, images);
    let units = || stages.iter().zip(&segment.units);
    let crossbars: u64 = units()
        .map(|(s, &u)| s.mvm.as_ref().map_or(0, |m| m.mapping.crossbars(u)))
        .sum();
    let weight_bytes: u64 = stages.iter().map(Stage::weight_bytes).sum();
    let activation_bytes = traffic.per_image().saturating_mul(images);
    let load_ns = load_time(target, weight_bytes, crossbars);
    let activation_ns = dram_time(target, activation_bytes);
    let run_ns = overlap(target, phase.compute_ns, activation_ns, traffic, images);
    let per_image: Energy = stages.iter().map(|s| s.energy).sum();
    SegmentCost {
        load_ns,
        compute_ns: phase.compute_ns,
        activation_ns,
        run_ns,
        latency_ns: load_ns + run_ns,
        stage_times_ns: phase.stage_times_ns,
        stage_time_ns: phase.stage_time_ns,
        crossbars,
        footprint: units()
            .map(|(s, &u)| s.mvm.as_ref().map_or(0, |m| m.mapping.footprint(u)))
            .sum(),
        weight_bytes,
        activation_bytes,
        idle_ns: phase.idle_ns,
        occupied_ns: phase.occupied_ns,
        energy: per_image.scaled(images as f64)
            + Energy {
                dram: dram_energy(target, weight_bytes.saturating_add(activation_bytes)),
                crossbar_write: crossbars as f64 * target.crossbar_write_energy_pj(),
                ..Energy::default()
            },
    }
}

/// The compute phase of a segment: its duration and stage times, and the idle and occupied time
/// of its crossbar stages.
struct Phase {
    compute_ns: f64,
    stage_times_ns: Vec<f64>,
    stage_time_ns: f64,
    idle_ns: f64,
    occupied_ns: f64,
}

/// Pipelined: `(images + stages - 1)` periods; the period is the slowest stage, and at least the
/// time the resources all stages share need per image: the vector unit (all vector work) and the
/// tiles' H-trees (all interconnect traffic spread over every tile, [`shared_link_ns`]).
/// Sequential: each image through every stage, a stage's MVM and its vector epilogue streamed
/// (the longer counts).
fn compute_phase(
    target: &Target,
    stages: &[Stage],
    mvm_times: &[f64],
    execution: Execution,
    images: u64,
) -> Phase {
    let n = images as f64;
    let slowest = |times: &[f64]| times.iter().copied().fold(0.0, f64::max);
    let (compute_ns, stage_times_ns, stage_time_ns) = match execution {
        Execution::Pipelined => {
            let period = slowest(mvm_times)
                .max(stages.iter().map(|s| s.vector_ns).sum())
                .max(shared_link_ns(target, stages));
            let fill = stages.len().saturating_sub(1) as f64;
            ((n + fill) * period, mvm_times.to_vec(), period)
        }
        Execution::Sequential => {
            let times: Vec<f64> = stages
                .iter()
                .zip(mvm_times)
                .map(|(s, m)| m.max(s.vector_ns))
                .collect();
            (
                n * times.iter().sum::<f64>(),
                times.clone(),
                slowest(&times),
            )
        }
    };
    let crossbar_times = stages
        .iter()
        .zip(mvm_times)
        .filter(|(s, _)| s.mvm.is_some());
    let (idle_ns, occupied_ns) = crossbar_times.fold((0.0, 0.0), |(idle, occupied), (_, t)| {
        (idle + (compute_ns - n * t).max(0.0), occupied + compute_ns)
    });
    Phase {
        compute_ns,
        stage_times_ns,
        stage_time_ns,
        idle_ns,
        occupied_ns,
    }
}

/// The interconnect time per image of `stages` when their traffic is spread evenly over all the
/// chip's tile H-trees: the least a pipelined segment's period can be.
pub fn shared_link_ns(target: &Target, stages: &[Stage]) -> f64 {
    stages.iter().map(|s| s.link_ns).sum::<f64>() / target.total_tiles().max(1) as f64
}

/// The compute phase with DRAM activation transfers: overlapped (double-buffered per image) when
/// two images' worth of the segment's DRAM activations fit in the global buffer, leaving one
/// image's transfer exposed (the first fill and last spill); serial otherwise.
fn overlap(
    target: &Target,
    compute_ns: f64,
    activation_ns: f64,
    traffic: Traffic,
    images: u64,
) -> f64 {
    let per_image = traffic.per_image();
    let double_buffered = per_image > 0
        && target.buffers.global_bytes > 0
        && per_image.saturating_mul(2) <= target.buffers.global_bytes;
    if double_buffered {
        compute_ns.max(activation_ns) + activation_ns / images.max(1) as f64
    } else {
        compute_ns + activation_ns
    }
}

/// The modelled cost of a whole schedule (a batch).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleCost {
    /// Per segment, for one run.
    pub segments: Vec<SegmentCost>,
    /// The batch's latency: runs x the sum of the segments' latencies, ns.
    pub latency_ns: f64,
    /// Energy of the batch, leakage included, pJ.
    pub energy: Energy,
    /// Weight bytes read from DRAM for the batch.
    pub weight_bytes: u64,
    /// Activation bytes moved to and from DRAM for the batch.
    pub activation_bytes: u64,
    /// Idle fraction of the crossbar layers' compute phases.
    pub bubble_fraction: f64,
}

/// Evaluates `schedule` over `program` on `target`.
pub fn evaluate(program: &Program, target: &Target, schedule: &Schedule) -> ScheduleCost {
    let segments: Vec<SegmentCost> = schedule
        .segments
        .iter()
        .map(|s| {
            let traffic = program.traffic(s.stages.clone(), schedule.images_per_run, target);
            segment_cost(program, target, s, schedule.images_per_run, traffic)
        })
        .collect();
    let runs = schedule.runs as f64;
    let latency_ns = runs * segments.iter().fold(0.0, |sum, s| sum + s.latency_ns);
    let dynamic: Energy = segments.iter().map(|s| s.energy).sum();
    let energy = Energy {
        leakage: target.leakage_total_mw() * latency_ns,
        ..dynamic.scaled(runs)
    };
    let (idle, occupied) = segments
        .iter()
        .fold((0.0, 0.0), |(i, o), s| (i + s.idle_ns, o + s.occupied_ns));
    ScheduleCost {
        latency_ns,
        energy,
        weight_bytes: schedule
            .runs
            .saturating_mul(segments.iter().map(|s| s.weight_bytes).sum::<u64>()),
        activation_bytes: schedule
            .runs
            .saturating_mul(segments.iter().map(|s| s.activation_bytes).sum::<u64>()),
        bubble_fraction: if occupied > 0.0 { idle / occupied } else { 0.0 },
        segments,
    }
}

/// A lower bound on the latency of a batch of `batch` images on `target` under any schedule, by
/// resource, ns.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LowerBound {
    /// All crossbar activations spread over every crossbar of the chip.
    pub crossbars_ns: f64,
    /// The slowest layer alone on the whole chip with as many copies as fit, for every image.
    pub layer_ns: f64,
    /// All vector-unit work.
    pub vector_ns: f64,
    /// All interconnect traffic spread over every tile's H-tree.
    pub interconnect_ns: f64,
    /// Every weight read once, the inputs read and the outputs written once.
    pub dram_ns: f64,
    /// Every crossbar holding weights written once.
    pub write_ns: f64,
}

impl LowerBound {
    /// The bound: the most constraining resource.
    pub fn latency_ns(&self) -> f64 {
        [
            self.crossbars_ns,
            self.layer_ns,
            self.vector_ns,
            self.interconnect_ns,
            self.dram_ns,
            self.write_ns,
        ]
        .into_iter()
        .fold(0.0, f64::max)
    }
}

/// The lower bound of `program` for `batch` images.
pub fn lower_bound(program: &Program, target: &Target, batch: u64) -> LowerBound {
    let b = batch as f64;
    let capacity = program.granularity.capacity(target);
    let mvms = || program.stages.iter().filter_map(|s| s.mvm.as_ref());
    let activations: f64 = mvms()
        .map(|m| {
            m.mapping.tiling.crossbars as f64
                * m.vectors as f64
                * target.activations_per_input_vector() as f64
        })
        .sum();
    let layer_ns = program
        .stages
        .iter()
        .filter_map(|s| {
            let m = s.mvm.as_ref()?;
            let units = m
                .mapping
                .max_units()
                .min(capacity / m.mapping.unit_footprint.max(1));
            Some(s.mvm_time(target, units.max(1)))
        })
        .fold(0.0, f64::max);
    let (inputs, outputs) = program.io_bytes();
    LowerBound {
        crossbars_ns: b * activations * target.crossbar_step_ns()
            / target.total_crossbars().max(1) as f64,
        layer_ns: b * layer_ns,
        vector_ns: b * program.stages.iter().map(|s| s.vector_ns).sum::<f64>(),
        interconnect_ns: b * shared_link_ns(target, &program.stages),
        dram_ns: dram_time(
            target,
            program
                .weight_bytes()
                .saturating_add(batch.saturating_mul(inputs + outputs)),
        ),
        write_ns: write_time(target, mvms().map(|m| m.mapping.tiling.crossbars).sum()),
    }
}
