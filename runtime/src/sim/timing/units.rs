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

/// Busy intervals a unit of `kind` keeps: [`WINDOW`] for the units every stage shares (the DRAM
/// channel, the vector unit, the interconnect, the write drivers), whose work arrives out of
/// order; a sixteenth of it for the crossbars, PE links and adder trees, each serving its own
/// stage's work in order, and thousands of them (a small window keeps them in the cache: with
/// 1024 intervals each, timing VGG-8 at batch 256 took 1.35 times as long).
fn window(kind: UnitKind) -> usize {
    match kind {
        UnitKind::Crossbar | UnitKind::PeLink | UnitKind::Adder => WINDOW / 16,
        _ => WINDOW,
    }
}

/// One unit: its busy intervals (start, end), disjoint, sorted by start and merged where one ends
/// as the next starts (at least its window of them, [`window`]: a vector is faster to search and
/// update than a tree; the earliest quarter is forgotten at once when a quarter more have come),
/// and for each
/// the widest gap after it, so that work that fits no gap goes after the last interval without a
/// search.
#[derive(Debug, Clone)]
struct Unit {
    /// Intervals kept (at least).
    window: usize,
    busy: Vec<(f64, f64)>,
    /// `widest[k]`: the widest gap between two consecutive intervals after interval `k`.
    widest: Vec<f64>,
    /// Nothing starts before this (the end of the forgotten intervals).
    horizon: f64,
}

/// Slack on [`Unit::widest`], which is a filter only: a gap that may fit is checked exactly.
const GAP_SLACK_NS: f64 = 1e-6;

impl Unit {
    fn new(window: usize) -> Unit {
        Unit {
            window,
            busy: Vec::new(),
            widest: Vec::new(),
            horizon: 0.0,
        }
    }

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
        match self.busy.get(first) {
            None => return start,
            Some(&(s, _)) if start + duration <= s => return start,
            Some(_) => {}
        }
        if self.widest[first] + GAP_SLACK_NS < duration {
            return self.last_end();
        }
        let after = self.busy[first..].windows(2);
        after
            .map(|pair| (pair[0].1, pair[1].0))
            .find(|&(end, next)| end + duration <= next)
            .map_or_else(|| self.last_end(), |(end, _)| end)
    }

    /// When everything the unit has is done (the intervals are disjoint and sorted).
    fn last_end(&self) -> f64 {
        self.busy
            .last()
            .map_or(self.horizon, |&(_, e)| e.max(self.horizon))
    }

    fn occupy(&mut self, start: f64, end: f64) {
        if end <= start {
            return;
        }
        let start = start.max(0.0);
        let at = self.busy.partition_point(|&(s, _)| s <= start);
        let joins_previous = at > 0 && self.busy[at - 1].1 == start;
        let joins_next = self.busy.get(at).is_some_and(|&(s, _)| s == end);
        // The last interval whose following gaps changed.
        let changed = match (joins_previous, joins_next) {
            (true, true) => {
                let (_, next_end) = self.busy.remove(at);
                self.widest.remove(at);
                self.busy[at - 1].1 = next_end;
                at - 1
            }
            (true, false) => {
                self.busy[at - 1].1 = end;
                at - 1
            }
            (false, true) => {
                self.busy[at].0 = start;
                at.saturating_sub(1)
            }
            (false, false) => {
                self.busy.insert(at, (start, end));
                self.widest.insert(at, 0.0);
                at
            }
        };
        self.update_widest(changed);
        let quarter = self.window / 4;
        if self.busy.len() > self.window + quarter {
            let forgotten = self.busy.drain(..quarter).map(|(_, e)| e);
            self.horizon = forgotten.fold(self.horizon, f64::max);
            self.widest.drain(..quarter);
        }
    }

    /// Recomputes [`Unit::widest`] after the gaps after interval `changed` changed: from it
    /// back, until an entry before it comes out as it was.
    fn update_widest(&mut self, changed: usize) {
        for k in (0..=changed.min(self.busy.len().saturating_sub(1))).rev() {
            let next = self.busy.get(k + 1).map_or(0.0, |&(s, _)| {
                (s - self.busy[k].1).max(self.widest.get(k + 1).copied().unwrap_or(0.0))
            });
            if k + 1 < changed && self.widest[k] == next {
                break;
            }
            self.widest[k] = next;
        }
    }
}

/// One pool of identical units.
#[derive(Debug, Clone)]
struct Pool {
    units: Vec<Unit>,
}

impl Pool {
    fn new(units: u64, window: usize) -> Pool {
        let units = usize::try_from(units.max(1)).unwrap_or(1);
        Pool {
            units: vec![Unit::new(window); units],
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
            pools: UnitKind::ALL
                .iter()
                .map(|&k| Pool::new(count(k), window(k)))
                .collect(),
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
    use proptest::prelude::*;

    /// [`Unit::fit`] by the definition: the earliest start at or after `ready` (and the horizon)
    /// where `duration` overlaps no kept interval.
    fn fit_by_scanning(unit: &Unit, ready: f64, duration: f64) -> f64 {
        let mut start = ready.max(unit.horizon).max(0.0);
        for &(s, e) in &unit.busy {
            if start < e && s < start + duration {
                start = e;
            }
        }
        start
    }

    proptest! {
        // Long enough to forget intervals (more than `WINDOW + WINDOW / 4`).
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn fit_finds_the_first_gap_wide_enough(
            work in prop::collection::vec((0u32..200_000, 1u32..100), 1..3000),
            probes in prop::collection::vec((0u32..200_000, 1u32..150), 1..50),
        ) {
            let mut unit = Unit::new(WINDOW);
            for (ready, duration) in work {
                let (ready, duration) = (f64::from(ready), f64::from(duration));
                let start = unit.fit(ready, duration);
                prop_assert_eq!(start, fit_by_scanning(&unit, ready, duration));
                unit.occupy(start, start + duration);
            }
            for (ready, duration) in probes {
                let (ready, duration) = (f64::from(ready), f64::from(duration));
                prop_assert_eq!(unit.fit(ready, duration), fit_by_scanning(&unit, ready, duration));
            }
        }
    }

    #[test]
    fn an_interval_reserved_far_ahead_leaves_the_gaps_before_it_open() {
        let mut unit = Unit::new(WINDOW);
        unit.occupy(1e9, 1e9 + 1.0);
        for k in 0..2 * WINDOW {
            let start = 2.0 * k as f64;
            unit.occupy(start, start + 1.0);
        }
        // The earliest intervals are forgotten, not the one far ahead: the gap after the last
        // forgotten one is still there, and work wider than the small gaps goes after the last
        // small interval.
        assert!(unit.horizon < 2.0 * WINDOW as f64 && unit.busy.len() >= WINDOW);
        assert_eq!(unit.fit(0.0, 1.0), unit.horizon);
        assert_eq!(unit.fit(0.0, 2.0), 4.0 * WINDOW as f64 - 1.0);
    }
}
