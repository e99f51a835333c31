//! The machine's units as the timing model sees them (`docs/isa.md` §3): when each is next free,
//! and how long it has been busy. Crossbars, PE links (the H-tree branch into each PE), the
//! adder trees (one per tile, one for the global buffer), the write drivers
//! (`concurrent_writes`), the DRAM channel, the vector unit and the interconnect.

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

/// One pool of identical units: when each is next free.
#[derive(Debug, Clone)]
struct Pool {
    free: Vec<f64>,
}

impl Pool {
    fn new(units: u64) -> Pool {
        Pool {
            free: vec![0.0; usize::try_from(units.max(1)).unwrap_or(1)],
        }
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
        self.pools[kind.index()].free.len()
    }

    /// When unit `id` of `kind` is next free (ids past the pool wrap: verification keeps them
    /// in range).
    pub fn free(&self, kind: UnitKind, id: usize) -> f64 {
        let pool = &self.pools[kind.index()].free;
        pool[id % pool.len()]
    }

    /// The unit of `kind` that is free first, and when.
    pub fn first_free(&self, kind: UnitKind) -> (usize, f64) {
        let pool = &self.pools[kind.index()].free;
        pool.iter().enumerate().fold(
            (0, f64::INFINITY),
            |best, (i, &t)| {
                if t < best.1 {
                    (i, t)
                } else {
                    best
                }
            },
        )
    }

    /// Unit `id` of `kind` busy from `start` to `end`.
    pub fn occupy(&mut self, kind: UnitKind, id: usize, start: f64, end: f64) {
        let pool = &mut self.pools[kind.index()].free;
        let len = pool.len();
        pool[id % len] = end;
        self.busy[kind.index()] += (end - start).max(0.0);
    }

    /// Busy time of all units of `kind`, summed, ns.
    pub fn busy(&self, kind: UnitKind) -> f64 {
        self.busy[kind.index()]
    }
}
