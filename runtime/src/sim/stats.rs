//! Instruction counts of a run, by cost class: how many instructions of each class executed
//! (a loop body counts once per iteration). The timing model charges each class with its own
//! formula (`docs/isa.md` §10); these counts are what it multiplies.

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

/// Executed instructions per cost class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    by_class: BTreeMap<CostClass, u64>,
}

impl Stats {
    /// Counts one executed instruction.
    pub(crate) fn record(&mut self, inst: &Instruction) {
        *self.by_class.entry(inst.cost_class()).or_default() += 1;
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
    /// One `class count` line per cost class, then the total.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<14} {:>12}", "cost class", "executed")?;
        for (class, n) in self.iter() {
            writeln!(f, "{:<14} {n:>12}", class.as_str())?;
        }
        writeln!(f, "{:<14} {:>12}", "total", self.total())
    }
}
