//! Instruction counts of a run, by cost class: how many instructions of each class executed
//! (a loop body counts once per iteration), and the work they did ([`Work`]): DRAM traffic,
//! crossbar writes and crossbar activations. The timing model charges each class with its own
//! formula (`docs/isa.md` §10); these counts are what it multiplies, and what a compiler's cost
//! report must agree with.

use std::collections::BTreeMap;
use std::fmt;

use crate::isa::{CostClass, Instruction};

/// Every cost class, in the order reports list them.
pub const COST_CLASSES: [CostClass; 9] = [
    CostClass::DramRead,
    CostClass::DramWrite,
    CostClass::CrossbarWrite,
    CostClass::Mvm,
    CostClass::Accumulate,
    CostClass::Vector,
    CostClass::Move,
    CostClass::Sync,
    CostClass::Control,
];

/// The work of a run, in elements (activations and weights of the target's precisions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// Activation elements `load` read from DRAM.
    pub dram_reads: u64,
    /// Activation elements `store` wrote to DRAM.
    pub dram_writes: u64,
    /// Weights `wload` read from DRAM (once per `wload`, whatever its copies).
    pub weights: u64,
    /// Crossbars written whole (by clearing `wload`s, every copy counted).
    pub crossbar_writes: u64,
    /// Crossbar activations of `mvm`s: one per input vector, bit-serial input step and group of
    /// rows read in parallel.
    pub crossbar_activations: u64,
}

/// Executed instructions per cost class, and their work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    by_class: BTreeMap<CostClass, u64>,
    work: Work,
}

impl Stats {
    /// Counts one executed instruction; `active_rows` gives the rows an `mvm`'s crossbar reads,
    /// `steps` the bit-serial input steps of `bits` input bits, `rows_per_read` the rows read at
    /// once.
    pub(crate) fn record(
        &mut self,
        inst: &Instruction,
        active_rows: usize,
        target: &crate::target::Target,
    ) {
        *self.by_class.entry(inst.cost_class()).or_default() += 1;
        let w = &mut self.work;
        let area = |len: u32, count: u32| u64::from(len) * u64::from(count);
        match *inst {
            Instruction::Load { len, count, .. } => w.dram_reads += area(len, count),
            Instruction::Store { len, count, .. } => w.dram_writes += area(len, count),
            Instruction::WLoad {
                rows,
                cols,
                clear,
                copies,
                ..
            } => {
                w.weights += area(rows, cols);
                w.crossbar_writes += u64::from(clear) * u64::from(copies);
            }
            Instruction::Mvm { count, bits, .. } => {
                let p = &target.precision;
                let steps = u64::from(bits.div_ceil(p.input_bits_per_cycle.max(1)));
                let reads = (active_rows as u64)
                    .div_ceil(u64::from(target.crossbar.rows_read_in_parallel.max(1)));
                w.crossbar_activations += u64::from(count) * steps * reads;
            }
            _ => {}
        }
    }

    /// The work done.
    pub fn work(&self) -> Work {
        self.work
    }

    /// Instructions of `class` executed.
    pub fn count(&self, class: CostClass) -> u64 {
        self.by_class.get(&class).copied().unwrap_or(0)
    }

    /// Instructions executed in all.
    pub fn total(&self) -> u64 {
        self.by_class.values().sum()
    }

    /// `(class, count)` for every cost class, zeros included, in [`COST_CLASSES`] order.
    pub fn iter(&self) -> impl Iterator<Item = (CostClass, u64)> + '_ {
        COST_CLASSES.iter().map(|&c| (c, self.count(c)))
    }
}

impl fmt::Display for Stats {
    /// One `class count` line per cost class, then the total, then the work ([`Work`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<14} {:>12}", "cost class", "executed")?;
        for (class, n) in self.iter() {
            writeln!(f, "{:<14} {n:>12}", class.as_str())?;
        }
        writeln!(f, "{:<14} {:>12}", "total", self.total())?;
        let w = &self.work;
        writeln!(f, "\n{:<26} {:>12}", "work", "elements")?;
        writeln!(f, "{:<26} {:>12}", "dram activation reads", w.dram_reads)?;
        writeln!(f, "{:<26} {:>12}", "dram activation writes", w.dram_writes)?;
        writeln!(f, "{:<26} {:>12}", "dram weight reads", w.weights)?;
        writeln!(
            f,
            "{:<26} {:>12}",
            "crossbar writes (whole)", w.crossbar_writes
        )?;
        writeln!(
            f,
            "{:<26} {:>12}",
            "crossbar activations", w.crossbar_activations
        )
    }
}
