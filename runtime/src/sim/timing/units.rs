//! The machine's units as the timing model sees them (`docs/isa.md` §3): when each is next free,
//! and how long it has been busy. Crossbars, PE links (the H-tree branch into each PE), the
//! adder trees (one per tile, one for the global buffer), the write drivers
//! (`concurrent_writes`), the DRAM channel, the vector unit and the interconnect. A unit serves
//! its instructions in any order: an instruction issued later but ready earlier takes an idle
//! gap of the unit (backfilling), so a stalled stage of a software pipeline does not hold up
//! the independent work behind it.

use crate::target::Target;

/// The kinds of unit, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitKind {
    /// The crossbars (array reads, ADCs, shift-and-add).
    Crossbar,
    /// The links into the PEs (inputs in, outputs out).
    PeLink,
    /// The partial-sum adder trees.
    Adder,
    /// The crossbar write drivers.
    WriteDriver,
    /// The DRAM channel.
    Dram,
    /// The vector unit.
    Vector,
    /// The on-chip interconnect (buffer-to-buffer copies).
    Interconnect,
}

impl UnitKind {
    /// Every kind, in report order.
    pub const ALL: [UnitKind; 7] = [
        UnitKind::Crossbar,
        UnitKind::PeLink,
        UnitKind::Adder,
        UnitKind::WriteDriver,
        UnitKind::Dram,
        UnitKind::Vector,
        UnitKind::Interconnect,
    ];

    /// The report's name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Crossbar => "crossbar",
            UnitKind::PeLink => "pe_link",
            UnitKind::Adder => "adder",
            UnitKind::WriteDriver => "write_driver",
            UnitKind::Dram => "dram",
            UnitKind::Vector => "vector",
            UnitKind::Interconnect => "interconnect",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Busy intervals a unit keeps for backfilling; the earliest are forgotten (nothing is placed
/// before the end of the earliest interval kept), which bounds the memory and the search.
/// Forgetting the earliest in time, not the first inserted: an interval reserved far ahead by
/// an instruction issued early must not close the gaps before it (DenseNet-40 on isaac-rram ran
/// three times slower than its program when it did).
pub const WINDOW: usize = 1024;

/// One unit: its busy intervals (start, end), disjoint and sorted by start (at most [`WINDOW`]
/// of them: a vector is faster to search and update than a tree).
#[derive(Debug, Clone, Default)]
struct Unit {
    busy: Vec<(f64, f64)>,
    /// Nothing starts before this (the end of the forgotten intervals).
    horizon: f64,
}

impl Unit {
    /// The earliest start at or after `ready` of a busy interval of `duration` that overlaps
    /// none of the unit's.
    fn fit(&self, ready: f64, duration: f64) -> f64 {
        let mut start = ready.max(self.horizon).max(0.0);
        // The interval starting last at or before `start` may cover it; the later ones are
        // the gaps' ends.
        let first = self.busy.partition_point(|&(s, _)| s <= start);
        if let Some(&(_, e)) = first.checked_sub(1).and_then(|i| self.busy.get(i)) {
            start = start.max(e);
        }
        for &(s, e) in &self.busy[first..] {
            if start + duration <= s {
                break;
            }
            start = start.max(e);
        }
        start
    }

    /// When everything the unit has is done.
    fn last_end(&self) -> f64 {
        self.busy
            .iter()
            .map(|&(_, e)| e)
            .fold(self.horizon, f64::max)
    }

    fn occupy(&mut self, start: f64, end: f64) {
        if end <= start {
            return;
        }
        let start = start.max(0.0);
        let at = self.busy.partition_point(|&(s, _)| s <= start);
        self.busy.insert(at, (start, end));
        if self.busy.len() > WINDOW {
            self.horizon = self.horizon.max(self.busy.remove(0).1);
        }
    }
}

/// One pool of identical units.
#[derive(Debug, Clone)]
struct Pool {
    units: Vec<Unit>,
}

impl Pool {
    fn new(units: u64) -> Pool {
        Pool {
            units: vec![Unit::default(); usize::try_from(units.max(1)).unwrap_or(1)],
        }
    }

    fn unit(&self, id: usize) -> &Unit {
        &self.units[id % self.units.len()]
    }
}

/// Every unit of the chip.
#[derive(Debug, Clone)]
pub(super) struct Units {
    pools: Vec<Pool>,
    busy: [f64; 7],
}

impl Units {
    /// The units of `target`.
    pub fn new(target: &Target) -> Units {
        let count = |kind: UnitKind| match kind {
            UnitKind::Crossbar => target.total_crossbars(),
            UnitKind::PeLink => target.total_tiles().saturating_mul(target.pes_per_tile()),
            UnitKind::Adder => target.total_tiles().saturating_add(1),
            UnitKind::WriteDriver => u64::from(target.crossbar.concurrent_writes),
            _ => 1,
        };
        Units {
            pools: UnitKind::ALL.iter().map(|&k| Pool::new(count(k))).collect(),
            busy: [0.0; 7],
        }
    }

    /// How many units of `kind` there are.
    pub fn count(&self, kind: UnitKind) -> usize {
        self.pools[kind.index()].units.len()
    }

    /// The earliest start at or after `ready` when unit `id` of `kind` is free for `duration`
    /// (ids past the pool wrap: verification keeps them in range).
    pub fn fit(&self, kind: UnitKind, id: usize, ready: f64, duration: f64) -> f64 {
        self.pools[kind.index()].unit(id).fit(ready, duration)
    }

    /// The unit of `kind` that can start `duration` of work first at or after `ready`, and when.
    pub fn first_fit(&self, kind: UnitKind, ready: f64, duration: f64) -> (usize, f64) {
        let pool = &self.pools[kind.index()].units;
        pool.iter()
            .enumerate()
            .map(|(i, u)| (i, u.fit(ready, duration)))
            .fold(
                (0, f64::INFINITY),
                |best, (i, t)| if t < best.1 { (i, t) } else { best },
            )
    }

    /// When unit `id` of `kind` has done everything it has.
    pub fn last_end(&self, kind: UnitKind, id: usize) -> f64 {
        self.pools[kind.index()].unit(id).last_end()
    }

    /// Unit `id` of `kind` busy from `start` to `end`.
    pub fn occupy(&mut self, kind: UnitKind, id: usize, start: f64, end: f64) {
        let pool = &mut self.pools[kind.index()].units;
        let len = pool.len();
        pool[id % len].occupy(start, end);
        self.busy[kind.index()] += (end - start).max(0.0);
    }

    /// Busy time of all units of `kind`, summed, ns.
    pub fn busy(&self, kind: UnitKind) -> f64 {
        self.busy[kind.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_reserved_far_ahead_leaves_the_gaps_before_it_open() {
        let mut unit = Unit::default();
        unit.occupy(1e9, 1e9 + 1.0);
        for k in 0..2 * WINDOW {
            let start = 2.0 * k as f64;
            unit.occupy(start, start + 1.0);
        }
        // The earliest intervals are forgotten (up to [2W, 2W + 1]), not the one far ahead: the
        // gap after the last forgotten one is still there.
        assert_eq!(unit.fit(0.0, 1.0), (2 * WINDOW + 1) as f64);
        assert_eq!(unit.fit(0.0, 2.0), 4.0 * WINDOW as f64 - 1.0);
    }
}
