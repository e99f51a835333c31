//! The scoreboard of `docs/isa.md` §3: when the data an instruction touches is ready. Every
//! memory (DRAM, the global buffer, each tile and PE buffer, each crossbar's weights) keeps the
//! accesses made to it, each with when its last write and its last read complete. An
//! instruction may start once every earlier write to what it reads or writes has completed
//! (read after write, write after write) and every earlier read of what it writes has completed
//! (write after read).
//!
//! An access is `count` blocks of `len` elements `stride` apart. Two accesses overlap when their
//! bounding intervals do and, if both are strided with the same stride, their blocks do (column
//! tiles of a layer write interleaved blocks of one region and must not wait for each other);
//! accesses with different strides are compared by their bounding intervals, which the ISA
//! allows: it can only add dependencies, never remove one. An access with the same geometry as
//! an earlier one replaces it, and a contiguous write removes the accesses it covers, so the
//! table holds about one entry per distinct operand of the code (and image, in DRAM).

use std::collections::{BTreeMap, HashMap};

/// A memory the scoreboard tracks: a space code and a unit (tile, PE or crossbar id).
pub(super) type MemoryId = (u8, u32);

/// One access: which memory, `count` blocks of `len` elements `stride` apart from `start`
/// (`end` is one past the last element), and whether it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Access {
    pub memory: MemoryId,
    pub start: u64,
    pub end: u64,
    pub len: u64,
    pub count: u64,
    pub stride: u64,
    pub write: bool,
}

/// The geometry of an access: start, end, and the stride and block length when strided (0, 0
/// when contiguous).
type Geometry = (u64, u64, u64, u64);

impl Access {
    /// A contiguous access of `[start, end)`.
    pub fn interval(memory: MemoryId, start: u64, end: u64, write: bool) -> Access {
        Access {
            memory,
            start,
            end,
            len: end.saturating_sub(start),
            count: 1,
            stride: 0,
            write,
        }
    }

    fn geometry(&self) -> Geometry {
        if self.count > 1 && self.stride > self.len {
            (self.start, self.end, self.stride, self.len)
        } else {
            (self.start, self.end, 0, 0)
        }
    }
}

/// Whether two geometries share an element.
fn overlap(a: Geometry, b: Geometry) -> bool {
    let (a_start, a_end, a_stride, a_len) = a;
    let (b_start, b_end, b_stride, b_len) = b;
    if a_start >= b_end || b_start >= a_end {
        return false;
    }
    if a_stride == 0 || a_stride != b_stride {
        return true;
    }
    // Same stride: compare the blocks' positions modulo the stride.
    let (ra, rb) = (a_start % a_stride, b_start % a_stride);
    let (lo, hi, lo_len, hi_len) = if ra <= rb {
        (ra, rb, a_len, b_len)
    } else {
        (rb, ra, b_len, a_len)
    };
    hi < lo + lo_len || lo + a_stride < hi + hi_len
}

/// When the last write and the last read of an access complete.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Times {
    written: f64,
    read: f64,
}

/// The accesses to one memory, by geometry, in buckets by the log2 of their bounding
/// interval's length (so that finding the entries that may overlap an access looks only
/// `2^k` elements back in bucket `k`).
#[derive(Debug, Clone, Default)]
struct Table {
    buckets: BTreeMap<u32, Bucket>,
}

/// The entries of one bucket and the span of every bounding interval ever recorded in it (never
/// shrunk: it only lets a lookup skip the bucket).
#[derive(Debug, Clone)]
struct Bucket {
    entries: BTreeMap<Geometry, Times>,
    span: (u64, u64),
}

impl Default for Bucket {
    fn default() -> Bucket {
        Bucket {
            entries: BTreeMap::new(),
            span: (u64::MAX, 0),
        }
    }
}

/// The bucket of a geometry: the bit length of its extent.
fn bucket(g: Geometry) -> u32 {
    u64::BITS - (g.1 - g.0).leading_zeros()
}

impl Table {
    /// Entries whose bounding interval may meet `[start, end)`.
    fn near(&self, start: u64, end: u64) -> impl Iterator<Item = (&Geometry, &Times)> {
        self.buckets
            .iter()
            .filter(move |(_, b)| b.span.0 < end && start < b.span.1)
            .flat_map(move |(&k, b)| {
                let reach = 1u64.checked_shl(k).unwrap_or(u64::MAX);
                let from = (start.saturating_sub(reach), 0, 0, 0);
                b.entries.range(from..(end, 0, 0, 0))
            })
    }

    fn ready(&self, g: Geometry, write: bool) -> f64 {
        self.near(g.0, g.1)
            .filter(|(e, _)| overlap(g, **e))
            .fold(0.0, |t, (_, times)| {
                let t = t.max(times.written);
                if write {
                    t.max(times.read)
                } else {
                    t
                }
            })
    }

    fn record(&mut self, g: Geometry, write: bool, done: f64) {
        if write && g.2 == 0 {
            let covered: Vec<Geometry> = self
                .near(g.0, g.1)
                .map(|(e, _)| *e)
                .filter(|e| e.0 >= g.0 && e.1 <= g.1)
                .collect();
            for e in covered {
                if let Some(b) = self.buckets.get_mut(&bucket(e)) {
                    b.entries.remove(&e);
                }
            }
        }
        let b = self.buckets.entry(bucket(g)).or_default();
        b.span = (b.span.0.min(g.0), b.span.1.max(g.1));
        let times = b.entries.entry(g).or_default();
        if write {
            *times = Times {
                written: done,
                read: done,
            };
        } else {
            times.read = times.read.max(done);
        }
    }
}

/// The scoreboard over every memory.
#[derive(Debug, Clone, Default)]
pub(super) struct Scoreboard {
    memories: HashMap<MemoryId, Table>,
}

impl Scoreboard {
    /// The earliest time all of `accesses` may start.
    pub fn ready(&self, accesses: &[Access]) -> f64 {
        accesses
            .iter()
            .filter(|a| a.end > a.start)
            .filter_map(|a| Some(self.memories.get(&a.memory)?.ready(a.geometry(), a.write)))
            .fold(0.0, f64::max)
    }

    /// Records `accesses` of an instruction completing at `done`.
    pub fn record(&mut self, accesses: &[Access], done: f64) {
        for a in accesses.iter().filter(|a| a.end > a.start) {
            let table = self.memories.entry(a.memory).or_default();
            table.record(a.geometry(), a.write, done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(start: u64, end: u64, write: bool) -> Access {
        Access::interval((0, 0), start, end, write)
    }

    #[test]
    fn reads_wait_for_overlapping_writes_only() {
        let mut s = Scoreboard::default();
        s.record(&[access(10, 20, true)], 5.0);
        assert_eq!(s.ready(&[access(15, 16, false)]), 5.0);
        assert_eq!(s.ready(&[access(20, 30, false)]), 0.0);
        assert_eq!(s.ready(&[access(0, 10, false)]), 0.0);
    }

    #[test]
    fn writes_wait_for_earlier_reads() {
        let mut s = Scoreboard::default();
        s.record(&[access(0, 100, true)], 1.0);
        s.record(&[access(40, 60, false)], 9.0);
        assert_eq!(s.ready(&[access(50, 51, false)]), 1.0);
        assert_eq!(s.ready(&[access(50, 51, true)]), 9.0);
        assert_eq!(s.ready(&[access(0, 40, true)]), 1.0);
        assert_eq!(s.ready(&[access(59, 70, true)]), 9.0);
    }

    #[test]
    fn a_write_replaces_what_it_covers() {
        let mut s = Scoreboard::default();
        s.record(&[access(0, 10, false)], 7.0);
        s.record(&[access(0, 10, true)], 8.0);
        s.record(&[access(5, 6, true)], 3.0);
        s.record(&[access(0, 100, true)], 2.0);
        assert_eq!(s.ready(&[access(5, 6, false)]), 2.0);
        assert_eq!(s.ready(&[access(50, 60, true)]), 2.0);
    }

    #[test]
    fn interleaved_blocks_do_not_depend_on_each_other() {
        let mut s = Scoreboard::default();
        let column = |first: u64| Access {
            memory: (0, 0),
            start: first,
            end: first + 3 * 32 + 16,
            len: 16,
            count: 4,
            stride: 32,
            write: true,
        };
        s.record(&[column(0)], 4.0);
        assert_eq!(s.ready(&[column(16)]), 0.0);
        assert_eq!(s.ready(&[column(8)]), 4.0);
        assert_eq!(s.ready(&[column(24)]), 4.0);
        assert_eq!(s.ready(&[access(100, 101, false)]), 4.0);
        assert!(overlap((0, 112, 32, 16), (30, 142, 32, 4)));
        assert!(!overlap((0, 112, 32, 16), (16, 128, 32, 16)));
    }
}
