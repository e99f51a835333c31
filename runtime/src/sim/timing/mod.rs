//! The timing simulator: a `.pimbin` run in time on the machine its target describes
//! (`docs/isa.md` §3 and §10, `docs/runtime.md` §9). Instructions issue in program order and
//! each starts when its operands are ready (a scoreboard over every memory and crossbar) and its
//! units are free (crossbars, PE links, adder trees, write drivers, the DRAM channel, the vector
//! unit, the interconnect); it then occupies them for the time its cost class charges, with
//! every time and energy constant read from the program's target. The result has the keys of
//! the compiler's cost report, so the two can be diffed, and can be drawn as a Chrome trace.
//!
//! - [`scoreboard`]: when the data an instruction touches is ready;
//! - [`units`]: when each unit is free, and how busy it was;
//! - [`work`]: what an instruction touches and how much work it does;
//! - [`engine`]: control flow, issue, and the charges of each instruction;
//! - [`record`]: per-segment and per-layer spans, and the spans of a trace;
//! - [`report`]: [`TimingReport`]; [`trace`]: [`chrome_trace`].
//!
//! ```
//! use pim_runtime::container::Program;
//! use pim_runtime::isa::assemble;
//! use pim_runtime::sim::timing::{simulate, Options, TimingReport};
//! use pim_runtime::target::Target;
//!
//! let mut p = Program::new(Target::preset("compact-4x4")?);
//! p.code = assemble(
//!     "load src=dram[0x100], dst=global[0x0], len=4, count=1, sstride=0, dstride=0
//!      vop op=relu, dst=global[0x0], a=global[0x0], b=dram[0x0], len=4, count=1, param=0
//!      halt",
//! )?;
//! let timed = simulate(&p, &Options::default())?;
//! // The vop waits for the load: the DRAM latency, the transfer, then one vector op.
//! assert!(timed.latency_ns > p.target.dram.latency_ns);
//! let report = TimingReport::new(&p, "relu", &timed);
//! assert_eq!(report.energy_pj.vector, 4.0 * p.target.vector.op_energy_pj);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod engine;
mod record;
mod report;
mod scoreboard;
#[cfg(test)]
mod tests;
mod trace;
mod units;
mod work;

pub use engine::{run as simulate, run_with as simulate_with, Counts, Options, Timed};
pub use record::{Label, LayerTotals, Layers, SegmentTotals, Span, Track};
pub use report::{round, Crossbars, DramBytes, EnergyReport, TimingReport};
pub use trace::chrome_trace;
pub use units::UnitKind;
pub use work::{unary_ops, NORM_OPS, SOFTMAX_OPS, TRANSCENDENTAL_OPS};

/// Energy by component, pJ: the components of both reports (the compiler's cost model uses this
/// type too).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Energy {
    /// DRAM reads and writes (weights and activations).
    pub dram: f64,
    /// Crossbar weight writes.
    pub crossbar_write: f64,
    /// Crossbar activations and partial-sum accumulation.
    pub compute: f64,
    /// On-chip buffer accesses.
    pub buffer: f64,
    /// Interconnect traversals.
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
