//! The unit formulas of the analytic cost model: the time and energy of every unit of work on a
//! target (`docs/targets.md` §3, whose constants are calibrated for compact-4x4 in §5). Per image
//! unless stated; `docs/cost-model.md` §7 has the equations and the source of every constant.
//!
//! - **crossbar layer** with `G` groups of `R x C`, `P` vectors, `X` crossbars per copy, `D`
//!   copies of which `s(D)` share the busiest PE link ([`mvm_time`], [`mvm_energy`]):
//!   `t = ceil(P/D)·n·t_step + L·bits / (8·link GB/s) + fill`, with `L` the elements through the
//!   busiest PE link ([`LayerMapping::busiest_link_elements`]): in NeuroSim's mapping
//!   `(min(G·R, PE rows) + min(G·C, PE cols))·V(s(D))` with `V(s) = min(P, ceil(s·P/D))` the
//!   vectors `s` neighbouring copies carry and `s(D) = min(D, in-tile copies)`; under pimc's
//!   placement, the most over PEs of `Σ_copies (distinct rows + Σ_blocks cols)·V(s)/s` for the
//!   `s` copies on the PE (in bands, per band); and `fill` one
//!   interconnect traversal plus one adder-tree latency per hierarchy level the rows span;
//!   `E = X·P·n·E_act + (B_in + B_out)·(e_buffer + e_interconnect) + G·C·P·e_accumulate`;
//! - **vector layer**: `t = op_latency·ceil(ops / lanes) + moved·2·bytes / buffer GB/s`,
//!   `E = ops·e_op` (vector) `+ moved·2·bits·e_buffer` (buffer);
//! - **weight load**: `t = dram latency + max(bytes / DRAM GB/s, ceil(crossbars /
//!   concurrent_writes)·crossbar_write_ns)` (the crossbars are written as the weights stream in),
//!   `E = 8·bytes·e_dram + crossbars·crossbar_write_energy`;
//! - **DRAM activations**: `t = bytes / GB/s` per segment, plus `latency` per transfer on each
//!   stage's chain (a layer that reads from or writes to DRAM), `E = 8·bytes·e_dram`.

use crate::program::layers::VectorWork;
use crate::program::tiling::{Banding, LayerMapping, MatrixShape, Tiling};
use pim_runtime::target::Target;

/// Energy by component, pJ: the runtime's type, shared with its timing report.
pub use pim_runtime::sim::timing::Energy;

/// The read latency of one crossbar layer for one image, ns, by term.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MvmTime {
    /// Bit-serial activations of the busiest copy: `ceil(P/D)·n·t_step`.
    pub compute_ns: f64,
    /// The busiest PE link's transfers.
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

/// The read latency of a crossbar layer whose input vectors per image run in the bands of
/// `banding`, with `copies` copies of `mapping`: the busiest copy takes `Σ_b ceil(P_b/D)`
/// vectors (each band's `P_b` spread over the copies, [`Banding::per_copy`]), the busiest PE
/// link what the copies there carry ([`LayerMapping::busiest_link_elements`]).
pub fn mvm_time(
    target: &Target,
    mapping: &LayerMapping,
    banding: &Banding,
    copies: u64,
) -> MvmTime {
    let shape = mapping.tiling.shape;
    let copies = copies.clamp(1, mapping.max_copies.max(1));
    let per_copy = banding.per_copy(copies);
    let steps = per_copy.saturating_mul(target.activations_per_input_vector());
    MvmTime {
        compute_ns: steps as f64 * target.crossbar_step_ns(),
        interconnect_ns: link_time(target, mapping.busiest_link_elements(copies, banding)),
        fill_ns: target.interconnect.latency_ns
            + adder_levels(target, shape) as f64 * target.crossbar.accumulate_latency_ns,
    }
}

/// The time one PE link takes to move `elements` activation elements, ns.
pub fn link_time(target: &Target, elements: u64) -> f64 {
    let bits = elements.saturating_mul(u64::from(target.precision.activation_bits));
    bits as f64 / (8.0 * target.interconnect.pe_link_bandwidth_gb_s)
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

/// The read energy per image of a crossbar layer tiled as `tiling` with `vectors` input vectors:
/// `A = P·Σ_blocks n_b` activations, `n_b` those of one block per vector (`X·P·n` when every
/// block reads all its rows at once; duplication spreads them, adds none).
pub fn mvm_energy(target: &Target, tiling: &Tiling, vectors: u64) -> MvmEnergy {
    let x = &target.crossbar;
    let shape = tiling.shape;
    let activations = tiling
        .activations_per_vector(target)
        .saturating_mul(vectors) as f64;
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

/// Time to move one element, ns: read and written once through the buffer port.
pub fn move_ns_per_element(target: &Target) -> f64 {
    2.0 * element_bytes(target) / target.move_bandwidth_gb_s()
}

/// Time of a vector layer per image on the vector unit, ns. Its moved elements take no time of
/// their own: the back end moves data from DRAM through the staging buffer and back (strided
/// loads and stores, `docs/backend.md` §5), whose streaming and latency are the layer's DRAM
/// transfers; they cost buffer energy ([`vector_energy`]).
pub fn vector_time(target: &Target, work: &VectorWork) -> f64 {
    let lanes = u64::from(target.vector.lanes.max(1));
    work.ops.div_ceil(lanes) as f64 * target.vector.op_latency_ns
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

/// Time to stream `bytes` through the DRAM interface, ns: its bandwidth alone (the latency of
/// activation transfers is on each stage's chain, [`super::model::StageCost::dram_latency_ns`]).
pub fn dram_stream_time(target: &Target, bytes: u64) -> f64 {
    bytes as f64 / target.dram.bandwidth_gb_s
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

/// Time to write `rows` crossbar rows again, spread evenly over `crossbars` crossbars, after their
/// clearing writes (the later pieces of packed groups, `Tiling::rewrites`), ns: like the clearing
/// writes, `concurrent_writes` crossbars at a time, each crossbar's rows one after another.
pub fn rewrite_time(target: &Target, rows: u64, crossbars: u64) -> f64 {
    if rows == 0 {
        return 0.0;
    }
    let concurrent = u64::from(target.crossbar.concurrent_writes.max(1));
    let rounds = crossbars.max(1).div_ceil(concurrent) as f64;
    rounds * rows as f64 / crossbars.max(1) as f64 * target.crossbar.write_latency_ns_per_row
}

/// Time to load `bytes` of weights into `crossbars` crossbars, ns, plus the DRAM latency. The
/// writes proceed as the weights stream from DRAM, `concurrent_writes` crossbars at a time, and a
/// crossbar's write starts once its weights are in: the last crossbar is written after all the
/// weights have streamed, and the first round of writes starts once its crossbars' share has.
pub fn load_time(target: &Target, bytes: u64, crossbars: u64) -> f64 {
    if bytes == 0 && crossbars == 0 {
        return 0.0;
    }
    let streamed = bytes as f64 / target.dram.bandwidth_gb_s;
    let concurrent = u64::from(target.crossbar.concurrent_writes.max(1));
    let first_round = streamed * concurrent.min(crossbars) as f64 / crossbars.max(1) as f64;
    let last_write = write_time(target, crossbars.min(1));
    target.dram.latency_ns
        + (streamed + last_write).max(first_round + write_time(target, crossbars))
}
