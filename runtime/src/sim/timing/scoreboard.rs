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

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

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
    /// A write that adds to what is there (`mvm` with `accumulate`): it waits for earlier
    /// writes and reads, not for other accumulations (addition commutes).
    pub accumulate: bool,
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
            accumulate: false,
        }
    }

    /// The same elements, written by adding to them.
    pub fn accumulating(self) -> Access {
        Access {
            write: true,
            accumulate: true,
            ..self
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

/// Whether every element of `inner` is an element of `outer`.
fn covers(outer: Geometry, inner: Geometry) -> bool {
    let (o_start, o_end, o_stride, o_len) = outer;
    let (i_start, i_end, i_stride, i_len) = inner;
    if i_start < o_start || i_end > o_end {
        return false;
    }
    if o_stride == 0 {
        return true;
    }
    // Strided: `inner`'s blocks (or its one interval) lie in `outer`'s blocks.
    let offset = (i_start - o_start) % o_stride;
    if i_stride == 0 {
        offset + (i_end - i_start) <= o_len
    } else {
        i_stride == o_stride && offset + i_len <= o_len
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

/// The accesses of one kind (writes or reads) to one memory, by geometry, each with when its
/// last access completes, in buckets by the bit length of their bounding interval's length (so
/// that finding the entries that may overlap an access looks only `2^k` elements back in bucket
/// `k`).
#[derive(Debug, Clone, Default)]
struct Table {
    buckets: Vec<Bucket>,
}

/// The entries of one bucket and the span of every bounding interval ever recorded in it (never
/// shrunk: it only lets a lookup skip the bucket).
#[derive(Debug, Clone)]
struct Bucket {
    entries: BTreeMap<Geometry, f64>,
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

const BUCKET_BITS: u32 = 2;
/// The bucket of a geometry: the bit length of its extent.
fn bucket(g: Geometry) -> usize {
    (u64::BITS - (g.1 - g.0).leading_zeros()).div_ceil(BUCKET_BITS) as usize
}

impl Table {
    /// Entries whose bounding interval may meet `[start, end)`.
    fn near(&self, start: u64, end: u64) -> impl Iterator<Item = (&Geometry, &f64)> {
        self.buckets
            .iter()
            .enumerate()
            .filter(move |(_, b)| b.span.0 < end && start < b.span.1)
            .flat_map(move |(k, b)| {
                let reach = 1u64.checked_shl(k as u32 * BUCKET_BITS).unwrap_or(u64::MAX);
                let from = (start.saturating_sub(reach), 0, 0, 0);
                b.entries.range(from..(end, 0, 0, 0))
            })
    }

    /// When the last access overlapping `g` completes (0 when none does).
    fn ready(&self, g: Geometry) -> f64 {
        self.near(g.0, g.1)
            .filter(|(e, _)| overlap(g, **e))
            .fold(0.0, |t, (_, &done)| t.max(done))
    }

    /// Forgets the entries `g` covers: they start in `g` and are no longer than `g`, so they
    /// sit in `g`'s bucket or a smaller one.
    fn remove_covered(&mut self, g: Geometry) {
        let smaller = self.buckets.len().min(bucket(g) + 1);
        for b in &mut self.buckets[..smaller] {
            if b.span.0 >= g.1 || g.0 >= b.span.1 {
                continue;
            }
            b.entries
                .extract_if((g.0, 0, 0, 0)..(g.1, 0, 0, 0), |e, _| covers(g, *e))
                .for_each(drop);
        }
    }

    /// Records an access of `g` completing at `done`, keeping the latest per geometry.
    fn record(&mut self, g: Geometry, done: f64) {
        let k = bucket(g);
        if self.buckets.len() <= k {
            self.buckets.resize_with(k + 1, Bucket::default);
        }
        let b = &mut self.buckets[k];
        b.span = (b.span.0.min(g.0), b.span.1.max(g.1));
        let last = b.entries.entry(g).or_default();
        *last = last.max(done);
    }
}

/// The writes, the accumulations and the reads of one memory.
#[derive(Debug, Clone, Default)]
struct Accesses {
    writes: Table,
    accumulations: Table,
    reads: Table,
}

impl Accesses {
    /// When an access of `g` may start: after every overlapping write; a read also after every
    /// overlapping accumulation, an accumulation also after every overlapping read, a write
    /// after both.
    fn ready(&self, g: Geometry, a: &Access) -> f64 {
        let mut ready = self.writes.ready(g);
        if !a.write || !a.accumulate {
            ready = ready.max(self.accumulations.ready(g));
        }
        if a.write {
            ready = ready.max(self.reads.ready(g));
        }
        ready
    }

    /// Records an access of `g` completing at `done`. A write makes every access it covers
    /// irrelevant to later ones (they wait for it instead).
    fn record(&mut self, g: Geometry, a: &Access, done: f64) {
        if a.accumulate {
            self.accumulations.record(g, done);
        } else if a.write {
            self.writes.remove_covered(g);
            self.accumulations.remove_covered(g);
            self.reads.remove_covered(g);
            self.writes.record(g, done);
        } else {
            self.reads.record(g, done);
        }
    }
}

/// The scoreboard over every memory.
#[derive(Debug, Clone, Default)]
pub(super) struct Scoreboard {
    memories: FxHashMap<MemoryId, Accesses>,
    /// A range of one memory that nothing writes (the weights in DRAM): its reads need no
    /// record, since only a write could wait for them.
    read_only: Option<(MemoryId, std::ops::Range<u64>)>,
}

impl Scoreboard {
    /// A scoreboard that does not record reads of `range` of `memory`, which nothing writes.
    pub fn with_read_only(memory: MemoryId, range: std::ops::Range<u64>) -> Scoreboard {
        Scoreboard {
            read_only: Some((memory, range)),
            ..Scoreboard::default()
        }
    }

    fn is_read_only(&self, a: &Access) -> bool {
        !a.write
            && self
                .read_only
                .as_ref()
                .is_some_and(|(m, r)| *m == a.memory && r.start <= a.start && a.end <= r.end)
    }

    /// The earliest time all of `accesses` may start.
    pub fn ready(&self, accesses: &[Access]) -> f64 {
        accesses
            .iter()
            .filter(|a| a.end > a.start)
            .filter_map(|a| Some(self.memories.get(&a.memory)?.ready(a.geometry(), a)))
            .fold(0.0, f64::max)
    }

    /// Records `accesses` of an instruction completing at `done`.
    pub fn record(&mut self, accesses: &[Access], done: f64) {
        for a in accesses {
            if a.end <= a.start || self.is_read_only(a) {
                continue;
            }
            let memory = self.memories.entry(a.memory).or_default();
            memory.record(a.geometry(), a, done);
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
            accumulate: false,
        };
        s.record(&[column(0)], 4.0);
        assert_eq!(s.ready(&[column(16)]), 0.0);
        assert_eq!(s.ready(&[column(8)]), 4.0);
        assert_eq!(s.ready(&[column(24)]), 4.0);
        assert_eq!(s.ready(&[access(100, 101, false)]), 4.0);
        assert!(overlap((0, 112, 32, 16), (30, 142, 32, 4)));
        assert!(!overlap((0, 112, 32, 16), (16, 128, 32, 16)));
    }

    #[test]
    fn strided_writes_cover_the_blocks_inside_theirs() {
        assert!(covers((0, 112, 32, 16), (0, 112, 32, 16)));
        assert!(covers((0, 112, 32, 16), (36, 44, 0, 0)));
        assert!(!covers((0, 112, 32, 16), (40, 50, 0, 0)));
        assert!(covers((0, 112, 32, 16), (34, 112, 32, 8)));
        assert!(!covers((0, 112, 32, 16), (34, 112, 64, 8)));
        assert!(covers((0, 200, 0, 0), (34, 112, 64, 8)));
    }

    #[test]
    fn accumulations_wait_for_writes_and_reads_but_not_for_each_other() {
        let mut s = Scoreboard::default();
        s.record(&[access(0, 10, true)], 2.0);
        s.record(&[access(0, 10, false)], 3.0);
        let add = access(0, 10, true).accumulating();
        assert_eq!(s.ready(&[add]), 3.0);
        s.record(&[add], 7.0);
        assert_eq!(s.ready(&[add]), 3.0);
        s.record(&[access(5, 20, true).accumulating()], 9.0);
        assert_eq!(s.ready(&[access(4, 5, false)]), 7.0);
        assert_eq!(s.ready(&[access(5, 6, false)]), 9.0);
        assert_eq!(s.ready(&[access(12, 13, true)]), 9.0);
        s.record(&[access(0, 30, true)], 11.0);
        assert_eq!(s.ready(&[access(5, 6, false)]), 11.0);
    }

    #[test]
    fn reads_of_a_read_only_range_are_not_kept() {
        let mut s = Scoreboard::with_read_only((0, 0), 100..200);
        s.record(&[access(120, 130, false)], 6.0);
        s.record(&[access(20, 30, false)], 5.0);
        assert_eq!(s.ready(&[access(0, 300, true)]), 5.0);
    }
}
