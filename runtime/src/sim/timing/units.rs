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

/// Busy intervals a unit that several stages share keeps for backfilling (the DRAM channel, the
/// vector unit, the interconnect, the write drivers, and the PE links and adder trees of PEs and
/// tiles holding crossbars of several stages): their work arrives out of order. The earliest in
/// time are forgotten beyond it (nothing is placed before the end of the latest interval
/// forgotten), which bounds the memory. It must hold more than a stage reserves for one image:
/// with 1024 (64 for the PE links and adder trees), Inception-v1's first convolution reserved
/// more intervals for its second image than the window held, the gaps its successors were ready
/// for were forgotten, and the program ran 2.6 times slower in time than it does (`full` on
/// compact-4x4 at batch 16). Forgetting the earliest in time, not the first inserted: an
/// interval reserved far ahead by an instruction issued early must not close the gaps before it
/// either (DenseNet-40 on isaac-rram ran three times slower than its program when it did).
pub const SHARED_WINDOW: usize = 1 << 17;

/// Busy intervals a crossbar keeps: each serves its own stage's work in order, and there are
/// thousands of them (with 1024 intervals each, timing VGG-8 at batch 256 took 1.35 times as long
/// and three times the memory).
const CROSSBAR_WINDOW: usize = 64;

/// Busy intervals a unit of `kind` keeps.
fn window(kind: UnitKind) -> usize {
    match kind {
        UnitKind::Crossbar => CROSSBAR_WINDOW,
        _ => SHARED_WINDOW,
    }
}

/// Intervals a chunk of a unit holds before it splits in two.
const CHUNK: usize = 64;

/// Slack on [`Chunk::inner`] and [`Unit::after`], which are filters only: a gap that may fit is
/// checked exactly.
const GAP_SLACK_NS: f64 = 1e-6;

/// Consecutive busy intervals of a unit, and the widest gap between two of them.
#[derive(Debug, Clone)]
struct Chunk {
    /// Its intervals (start, end), in order.
    busy: Vec<(f64, f64)>,
    /// The widest gap between two consecutive ones.
    inner: f64,
}

impl Chunk {
    fn new(busy: Vec<(f64, f64)>) -> Chunk {
        let mut chunk = Chunk { busy, inner: 0.0 };
        chunk.measure();
        chunk
    }

    fn first_start(&self) -> f64 {
        self.busy.first().map_or(0.0, |&(s, _)| s)
    }

    fn last_end(&self) -> f64 {
        self.busy.last().map_or(0.0, |&(_, e)| e)
    }

    fn measure(&mut self) {
        self.inner = self
            .busy
            .windows(2)
            .map(|pair| pair[1].0 - pair[0].1)
            .fold(0.0, f64::max);
    }

    /// The gap before interval `at` in the chunk (0 when it is the first or past the last).
    fn gap_before(&self, at: usize) -> f64 {
        match (
            at.checked_sub(1).and_then(|p| self.busy.get(p)),
            self.busy.get(at),
        ) {
            (Some(&(_, end)), Some(&(next, _))) => next - end,
            _ => 0.0,
        }
    }

    /// Updates [`Chunk::inner`] after interval `at` was placed or widened into a gap that was
    /// `gap` wide: the gaps beside it are new or narrower, so the widest changes only if that
    /// gap was the widest.
    fn narrowed(&mut self, at: usize, gap: f64) {
        if gap >= self.inner {
            self.measure();
        } else {
            let beside = self.gap_before(at).max(self.gap_before(at + 1));
            self.inner = self.inner.max(beside);
        }
    }

    /// The end of the first interval from `from` on followed by a gap of at least `duration`
    /// inside the chunk.
    fn gap_after(&self, from: usize, duration: f64) -> Option<f64> {
        if self.inner + GAP_SLACK_NS < duration {
            return None;
        }
        self.busy[from..]
            .windows(2)
            .map(|pair| (pair[0].1, pair[1].0))
            .find(|&(end, next)| end + duration <= next)
            .map(|(end, _)| end)
    }
}

/// One unit: its busy intervals (start, end), disjoint, sorted by start and merged where one ends
/// as the next starts, in chunks of about [`CHUNK`] (so that placing one moves a chunk, not all of
/// them), with for each chunk the widest gap from the end of the chunk before it on, so that work
/// that fits no gap goes after the last interval without a search. Beyond its window and a
/// quarter, the earliest quarter is forgotten at once.
#[derive(Debug, Clone)]
struct Unit {
    /// Intervals kept (at least).
    window: usize,
    chunks: Vec<Chunk>,
    /// `starts[k]`: the start of chunk `k`'s first interval (searched without visiting chunks).
    starts: Vec<f64>,
    /// `after[k]`: the widest gap between consecutive intervals from the last of chunk `k - 1`
    /// (the first of chunk 0) on.
    after: Vec<f64>,
    /// Intervals kept.
    len: usize,
    /// Nothing starts before this (the end of the forgotten intervals).
    horizon: f64,
}

impl Unit {
    fn new(window: usize) -> Unit {
        Unit {
            window,
            chunks: Vec::new(),
            starts: Vec::new(),
            after: Vec::new(),
            len: 0,
            horizon: 0.0,
        }
    }

    /// The chunk that holds the last interval starting at or before `at` (chunk 0 when none
    /// does), and the position after that interval in it. Most work comes after everything the
    /// unit has: that is checked first.
    fn locate(&self, at: f64) -> (usize, usize) {
        let Some(last) = self.chunks.last() else {
            return (0, 0);
        };
        if last.busy.last().is_some_and(|&(s, _)| s <= at) {
            return (self.chunks.len() - 1, last.busy.len());
        }
        let chunk = self.starts.partition_point(|&s| s <= at).saturating_sub(1);
        let position = self.chunks[chunk].busy.partition_point(|&(s, _)| s <= at);
        (chunk, position)
    }

    /// The chunk and position of the interval at `position` in `chunk`, or the first of the
    /// next chunk when `position` is past the chunk's end.
    fn interval_at(&self, chunk: usize, position: usize) -> Option<(usize, usize)> {
        let c = self.chunks.get(chunk)?;
        if position < c.busy.len() {
            Some((chunk, position))
        } else {
            (chunk + 1 < self.chunks.len()).then_some((chunk + 1, 0))
        }
    }

    /// The first time from `ready` on (and the horizon) when the unit is idle, and the first
    /// interval after it (the end of that idle gap; `None` when the unit is idle from then on).
    fn idle_from(&self, ready: f64) -> (f64, Option<(usize, usize)>) {
        let mut start = ready.max(self.horizon).max(0.0);
        let (chunk, position) = self.locate(start);
        // The interval starting last at or before `start` may cover it; the later ones are
        // the gaps' ends.
        if let Some(&(_, e)) = position
            .checked_sub(1)
            .and_then(|p| self.chunks[chunk].busy.get(p))
        {
            start = start.max(e);
        }
        (start, self.interval_at(chunk, position))
    }

    /// The earliest start at or after `ready` of a busy interval of `duration` that overlaps
    /// none of the unit's.
    fn fit(&self, ready: f64, duration: f64) -> f64 {
        let (start, next) = self.idle_from(ready);
        let Some((chunk, position)) = next else {
            return start;
        };
        if start + duration <= self.chunks[chunk].busy[position].0 {
            return start;
        }
        if let Some(end) = self.chunks[chunk].gap_after(position, duration) {
            return end;
        }
        for next in chunk + 1..self.chunks.len() {
            if self.after[next] + GAP_SLACK_NS < duration {
                break;
            }
            let end = self.chunks[next - 1].last_end();
            if end + duration <= self.chunks[next].first_start() {
                return end;
            }
            if let Some(end) = self.chunks[next].gap_after(0, duration) {
                return end;
            }
        }
        self.last_end()
    }

    /// Where `duration` of work that may pause runs from `ready` on: in the unit's idle gaps in
    /// time order, in pieces of at least `piece` (a gap narrower is passed over) but for the
    /// last, which takes what remains.
    fn spread(&self, ready: f64, duration: f64, piece: f64) -> Vec<(f64, f64)> {
        let (mut start, mut next) = self.idle_from(ready);
        let (mut pieces, mut left) = (Vec::new(), duration);
        loop {
            let Some((c, p)) = next else {
                pieces.push((start, start + left));
                return pieces;
            };
            let (busy_from, busy_to) = self.chunks[c].busy[p];
            let gap = busy_from - start;
            if gap >= left {
                pieces.push((start, start + left));
                return pieces;
            }
            if gap > 0.0 && gap >= piece {
                pieces.push((start, busy_from));
                left -= gap;
            }
            start = start.max(busy_to);
            next = self.interval_at(c, p + 1);
        }
    }

    /// When everything the unit has is done (the intervals are disjoint and sorted).
    fn last_end(&self) -> f64 {
        self.chunks
            .last()
            .map_or(self.horizon, |c| c.last_end().max(self.horizon))
    }

    fn occupy(&mut self, start: f64, end: f64) {
        if end <= start {
            return;
        }
        let start = start.max(0.0);
        if self.chunks.is_empty() {
            self.chunks.push(Chunk::new(vec![(start, end)]));
            self.starts.push(start);
            self.after.push(0.0);
            self.len = 1;
            return;
        }
        let (chunk, at) = self.locate(start);
        let gap = self.chunks[chunk].gap_before(at);
        let joins_previous = at > 0 && self.chunks[chunk].busy[at - 1].1 == start;
        let next = self
            .interval_at(chunk, at)
            .filter(|&(c, p)| self.chunks[c].busy[p].0 == end);
        // The last chunk whose intervals changed.
        let changed = match (joins_previous, next) {
            (true, Some((c, p))) => {
                let (_, next_end) = self.chunks[c].busy.remove(p);
                self.len -= 1;
                self.chunks[chunk].busy[at - 1].1 = next_end;
                if c == chunk {
                    self.chunks[chunk].narrowed(at - 1, gap);
                } else if self.chunks[c].busy.is_empty() {
                    self.chunks.remove(c);
                    self.starts.remove(c);
                    self.after.remove(c);
                } else {
                    self.chunks[c].measure();
                }
                c
            }
            (true, None) => {
                self.chunks[chunk].busy[at - 1].1 = end;
                self.chunks[chunk].narrowed(at - 1, gap);
                chunk
            }
            (false, Some((c, p))) => {
                self.chunks[c].busy[p].0 = start;
                self.chunks[c].narrowed(p, gap);
                c
            }
            (false, None) => {
                self.chunks[chunk].busy.insert(at, (start, end));
                self.chunks[chunk].narrowed(at, gap);
                self.len += 1;
                chunk
            }
        };
        // A split moves the chunks after `chunk` (the changed one among them, and the one after
        // it, whose gap from its predecessor may have narrowed) one place on.
        let split = self.chunks[chunk].busy.len() > 2 * CHUNK;
        if split {
            let upper = self.chunks[chunk].busy.split_off(CHUNK);
            self.chunks[chunk].measure();
            self.starts.insert(chunk + 1, upper[0].0);
            self.chunks.insert(chunk + 1, Chunk::new(upper));
            self.after.insert(chunk + 1, 0.0);
        }
        self.update_after(changed + 1 + usize::from(split), chunk);
        if self.len > self.window + self.window / 4 {
            self.forget(self.window / 4);
        }
    }

    /// Recomputes [`Unit::starts`] and [`Unit::after`] from chunk `from` (or the last) back: all
    /// the way to chunk `lowest` (the first whose intervals changed), then until an entry of
    /// `after` comes out as it was.
    fn update_after(&mut self, from: usize, lowest: usize) {
        let Some(last) = self.chunks.len().checked_sub(1) else {
            return;
        };
        for k in (0..=from.min(last)).rev() {
            self.starts[k] = self.chunks[k].first_start();
            let between = k.checked_sub(1).map_or(0.0, |p| {
                self.chunks[k].first_start() - self.chunks[p].last_end()
            });
            let later = self.after.get(k + 1).copied().unwrap_or(0.0);
            let widest = between.max(self.chunks[k].inner).max(later);
            if k < lowest && self.after[k] == widest {
                break;
            }
            self.after[k] = widest;
        }
    }

    /// Forgets the `count` earliest intervals.
    fn forget(&mut self, mut count: usize) {
        let mut whole = 0;
        while count > 0 && whole < self.chunks.len() {
            let chunk = &mut self.chunks[whole];
            let take = count.min(chunk.busy.len());
            self.horizon = self.horizon.max(chunk.busy[take - 1].1);
            chunk.busy.drain(..take);
            chunk.measure();
            (count, self.len) = (count - take, self.len - take);
            whole += usize::from(chunk.busy.is_empty());
        }
        self.chunks.drain(..whole);
        self.starts.drain(..whole);
        self.after.drain(..whole);
        self.update_after(self.chunks.len(), 0);
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

    /// The pieces in which unit `id` of `kind` does `duration` of work that may pause, from
    /// `ready` on, each at least `piece` long but for the last ([`Unit::spread`]).
    pub fn spread(
        &self,
        (kind, id): (UnitKind, usize),
        ready: f64,
        duration: f64,
        piece: f64,
    ) -> Vec<(f64, f64)> {
        self.pools[kind.index()]
            .unit(id)
            .spread(ready, duration, piece)
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

    /// Every interval the unit keeps, in order.
    fn intervals(unit: &Unit) -> Vec<(f64, f64)> {
        unit.chunks
            .iter()
            .flat_map(|c| c.busy.iter().copied())
            .collect()
    }

    /// [`Unit::fit`] by the definition: the earliest start at or after `ready` (and the horizon)
    /// where `duration` overlaps no kept interval.
    fn fit_by_scanning(unit: &Unit, ready: f64, duration: f64) -> f64 {
        let mut start = ready.max(unit.horizon).max(0.0);
        for (s, e) in intervals(unit) {
            if start < e && s < start + duration {
                start = e;
            }
        }
        start
    }

    /// The unit's filters and counts, as they must be: disjoint sorted intervals, no empty
    /// chunk, each chunk's widest gap, and the widest gap from each chunk on.
    fn check_invariants(unit: &Unit) {
        let all = intervals(unit);
        assert_eq!(all.len(), unit.len);
        assert!(all.windows(2).all(|p| p[0].1 < p[1].0), "{all:?}");
        assert!(unit.chunks.iter().all(|c| !c.busy.is_empty()));
        let starts: Vec<f64> = unit.chunks.iter().map(Chunk::first_start).collect();
        assert_eq!(starts, unit.starts);
        let mut later = 0.0;
        for (k, c) in unit.chunks.iter().enumerate().rev() {
            let mut fresh = c.clone();
            fresh.measure();
            assert_eq!(fresh.inner, c.inner);
            let between = k
                .checked_sub(1)
                .map_or(0.0, |p| c.first_start() - unit.chunks[p].last_end());
            later = f64::max(later, between.max(c.inner));
            assert_eq!(unit.after[k], later, "chunk {k}");
        }
    }

    /// A small window, so that chunks split and intervals are forgotten.
    const SMALL_WINDOW: usize = 256;

    proptest! {
        // Long enough to split chunks and forget intervals (more than `SMALL_WINDOW * 5 / 4`).
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn fit_finds_the_first_gap_wide_enough(
            work in prop::collection::vec((0u32..200_000, 1u32..100), 1..3000),
            probes in prop::collection::vec((0u32..200_000, 1u32..150), 1..50),
        ) {
            let mut unit = Unit::new(SMALL_WINDOW);
            for (ready, duration) in work {
                let (ready, duration) = (f64::from(ready), f64::from(duration));
                let start = unit.fit(ready, duration);
                prop_assert_eq!(start, fit_by_scanning(&unit, ready, duration));
                unit.occupy(start, start + duration);
                check_invariants(&unit);
            }
            for (ready, duration) in probes {
                let (ready, duration) = (f64::from(ready), f64::from(duration));
                prop_assert_eq!(unit.fit(ready, duration), fit_by_scanning(&unit, ready, duration));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Work that may pause takes every gap at least a burst wide from when it is ready, in
        /// order, overlapping nothing, and is done no later than if it waited for a gap that
        /// holds it whole.
        #[test]
        fn spread_work_takes_the_gaps_a_burst_fits_in_order(
            work in prop::collection::vec((0u32..20_000, 1u32..100), 1..600),
            spread in prop::collection::vec((0u32..20_000, 1u32..400, 1u32..20), 1..40),
        ) {
            let mut unit = Unit::new(SMALL_WINDOW);
            for (ready, duration) in work {
                let (ready, duration) = (f64::from(ready), f64::from(duration));
                let start = unit.fit(ready, duration);
                unit.occupy(start, start + duration);
            }
            for (ready, duration, burst) in spread {
                let (ready, duration, burst) = (f64::from(ready), f64::from(duration), f64::from(burst));
                let pieces = unit.spread(ready, duration, burst);
                let whole = unit.fit(ready, duration) + duration;
                let total: f64 = pieces.iter().map(|&(s, e)| e - s).sum();
                prop_assert!((total - duration).abs() < 1e-6);
                prop_assert!(pieces.last().unwrap().1 <= whole + 1e-6);
                prop_assert!(pieces[0].0 >= ready.max(unit.horizon));
                for (k, &(s, e)) in pieces.iter().enumerate() {
                    prop_assert!(k + 1 == pieces.len() || e - s >= burst);
                    prop_assert_eq!(fit_by_scanning(&unit, s, e - s), s);
                    if let Some(&(next, _)) = pieces.get(k + 1) {
                        // No gap a burst fits lies unused between two pieces.
                        let unused = fit_by_scanning(&unit, e, burst);
                        prop_assert!(unused >= next, "{unused} {next}");
                    }
                }
                for &(s, e) in &pieces {
                    unit.occupy(s, e);
                }
                check_invariants(&unit);
            }
        }
    }

    #[test]
    fn an_interval_reserved_far_ahead_leaves_the_gaps_before_it_open() {
        let mut unit = Unit::new(SMALL_WINDOW);
        unit.occupy(1e9, 1e9 + 1.0);
        for k in 0..2 * SMALL_WINDOW {
            let start = 2.0 * k as f64;
            unit.occupy(start, start + 1.0);
        }
        // The earliest intervals are forgotten, not the one far ahead: the gap after the last
        // forgotten one is still there, and work wider than the small gaps goes after the last
        // small interval.
        assert!(unit.horizon < 2.0 * SMALL_WINDOW as f64 && unit.len >= SMALL_WINDOW);
        assert_eq!(unit.fit(0.0, 1.0), unit.horizon);
        assert_eq!(unit.fit(0.0, 2.0), 4.0 * SMALL_WINDOW as f64 - 1.0);
        check_invariants(&unit);
    }
}
