//! Ring buffers: the activations a pipelined segment keeps on chip between its stages
//! (`docs/cost-model.md` §4, `docs/backend.md` §2).
//!
//! In a pipelined segment stage `k` works on the image `k` steps behind stage 0, so a result
//! written by stage `i` and read by stage `j` is alive for `j - i + 1` images at once. Where the
//! stages' staging leaves buffer room, that room holds results in *rings* of slots, image `m` in
//! slot `m mod slots`: the writer copies its result there instead of storing it to DRAM, the
//! readers copy it from there instead of loading it. Only results that never leave the segment
//! qualify: not network outputs, read by no later segment, written whole by one stage (not a
//! column part). The room is the global buffer above what the stages stage ([`stage_need`]), or,
//! on a target without one, the buffers of the tiles no stage of the segment stages in, one
//! after another (the *ring space*, [`Rings::homes`]). One rule for the cost model and the back
//! end: [`segment_rings`].

use super::bands::{stage_need, whole_buffer};
use super::layers::{LayerId, Source};
use super::Program;
use pim_runtime::target::Target;
use std::ops::Range;

/// Most slots a ring has: a segment's step loop is unrolled once per slot (`docs/backend.md`
/// §1), so results read more than three stages after they are written stay in DRAM.
pub const MAX_SLOTS: u64 = 4;

/// The results a segment keeps in ring buffers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rings {
    /// The layers whose results stay on chip, ascending.
    pub layers: Vec<LayerId>,
    /// Slots of every ring: the most images any of them holds at once (1 without rings).
    pub slots: u64,
    /// Where each of `layers`' rings starts in the ring space, its slots one after another: an
    /// element of the global buffer, or on a target without one element `e` of tile `t`'s
    /// buffer at `t x` [`whole_buffer`]` + e` (a ring may run on into the next tile).
    pub homes: Vec<u64>,
}

impl Rings {
    /// Whether layer `id`'s result stays on chip.
    pub fn holds(&self, id: LayerId) -> bool {
        self.layers.binary_search(&id).is_ok()
    }

    /// Whether operand `source` of a layer is read from a ring.
    pub fn feeds(&self, source: Source) -> bool {
        matches!(source, Source::Layer(id) if self.holds(id))
    }

    /// Elements of on-chip buffer the rings take.
    pub fn elements(&self, program: &Program) -> u64 {
        let slot: u64 = self
            .layers
            .iter()
            .map(|&id| program.layers[id].output_elements)
            .sum();
        slot * self.slots
    }
}

/// The rings of the segment over `range` of `program` on `target` when it runs `pipelined`, its
/// stages staging in `staging_tiles` on a target without a global buffer (`None` before
/// placement: each stage in a tile of its own): the results its stages store (not kept for a
/// follower, [`super::Stage::keeps`]) that only later stages of the segment (or later layers of
/// their own stage) read, fewest slots first, then in stage order, as long as they fit the room
/// ([`segment_room`]) and no ring needs more than [`MAX_SLOTS`]. All rings get the slots the
/// longest-lived one needs (one unrolled step loop serves them all); they are laid out in layer
/// order, each in the first run of free room it fits.
pub fn segment_rings(
    program: &Program,
    range: Range<usize>,
    target: &Target,
    (pipelined, staging_tiles): (bool, Option<&[u64]>),
) -> Rings {
    if !pipelined || range.len() < 2 {
        return Rings::default();
    }
    let room = segment_room(program, range.clone(), target, staging_tiles);
    if room.is_empty() {
        return Rings::default();
    }
    let mut candidates = candidates(program, range);
    candidates.sort_unstable();
    let size = |id: LayerId| program.layers[id].output_elements;
    let mut rings = Rings {
        slots: 1,
        ..Rings::default()
    };
    // Elements of one slot of every ring so far.
    let mut slot = 0u64;
    for (slots, _, id) in candidates {
        let slots = slots.max(rings.slots);
        let grown = slot + size(id);
        let fits = slots <= MAX_SLOTS
            && match room.as_slice() {
                // One run: first fit is one ring after another.
                [run] => grown.saturating_mul(slots) <= run.end - run.start,
                runs => {
                    let mut layers = rings.layers.clone();
                    layers.push(id);
                    layers.sort_unstable();
                    lay_out(layers.iter().map(|&l| size(l) * slots), runs).is_some()
                }
            };
        if fits {
            rings.layers.push(id);
            (rings.slots, slot) = (slots, grown);
        }
    }
    rings.layers.sort_unstable();
    let sizes = rings.layers.iter().map(|&l| size(l) * rings.slots);
    rings.homes = lay_out(sizes, &room).unwrap_or_default();
    rings
}

/// The room the rings of the segment over `range` may take, as runs of the ring space
/// ([`Rings::homes`]): the global buffer above the stages' needs; without one, the buffers of
/// the tiles the stages do not stage in (`staging_tiles`, else the first `range.len()` tiles),
/// consecutive tiles one run.
pub fn segment_room(
    program: &Program,
    range: Range<usize>,
    target: &Target,
    staging_tiles: Option<&[u64]>,
) -> Vec<Range<u64>> {
    let unit = whole_buffer(target);
    if target.buffers.global_bytes > 0 {
        let needs: u64 = range.map(|s| stage_need(program, s)).sum();
        let top = ring_space(target);
        return (needs < top).then_some(needs..top).into_iter().collect();
    }
    let staged = |t: u64| match staging_tiles {
        Some(tiles) => tiles.contains(&t),
        None => t < range.len() as u64,
    };
    let mut runs: Vec<Range<u64>> = Vec::new();
    for t in (0..ring_tiles(target)).filter(|&t| !staged(t)) {
        match runs.last_mut() {
            Some(run) if run.end == t * unit => run.end += unit,
            _ => runs.push(t * unit..(t + 1) * unit),
        }
    }
    runs
}

/// Most elements the ring space holds: a quarter of the 2^32-element address space (the back end
/// addresses it through a shadow at the top of that space, above the activations).
const MAX_RING_SPACE: u64 = 1 << 30;

/// The tiles whose buffers make up the ring space of `target` without a global buffer: the first
/// 2^16 (an operand names its tile in 16 bits), and no more than [`MAX_RING_SPACE`] holds.
pub fn ring_tiles(target: &Target) -> u64 {
    match whole_buffer(target) {
        0 => 0,
        unit => target.total_tiles().min(1 << 16).min(MAX_RING_SPACE / unit),
    }
}

/// Elements of the ring space of `target`: its global buffer's (at most [`MAX_RING_SPACE`]), or
/// the buffers of its [`ring_tiles`].
pub fn ring_space(target: &Target) -> u64 {
    match target.buffers.global_bytes {
        0 => ring_tiles(target) * whole_buffer(target),
        _ => whole_buffer(target).min(MAX_RING_SPACE),
    }
}

/// Where `sizes` go in `runs`, each at the start of what is left of the first run it fits;
/// `None` if one fits none.
fn lay_out(sizes: impl IntoIterator<Item = u64>, runs: &[Range<u64>]) -> Option<Vec<u64>> {
    let mut left = runs.to_vec();
    sizes
        .into_iter()
        .map(|size| {
            let run = left.iter_mut().find(|r| r.end - r.start >= size)?;
            run.start += size;
            Some(run.start - size)
        })
        .collect()
}

/// The results the segment over `range` could keep in rings, as (slots, stage, layer): stored by
/// their stage, not network outputs, not a column part's, and read only in `range` at or after
/// the stage that writes them.
fn candidates(program: &Program, range: Range<usize>) -> Vec<(u64, usize, LayerId)> {
    let mut stages_of: Vec<Vec<usize>> = vec![Vec::new(); program.layers.len()];
    for (s, stage) in program.stages.iter().enumerate() {
        for id in stage.layers() {
            stages_of[id].push(s);
        }
    }
    let mut readers: Vec<Vec<LayerId>> = vec![Vec::new(); program.layers.len()];
    for (id, layer) in program.layers.iter().enumerate() {
        for source in &layer.inputs {
            if let Source::Layer(p) = *source {
                readers[p].push(id);
            }
        }
    }
    let mut found = Vec::new();
    for s in range.clone() {
        let stage = &program.stages[s];
        let parted = stage.mvm.as_ref().filter(|m| m.parts > 1).map(|m| m.layer);
        for id in stage.layers() {
            if program.layers[id].is_output || stage.keeps(id) || parted == Some(id) {
                continue;
            }
            let reading: Vec<usize> = readers[id]
                .iter()
                .flat_map(|&r| stages_of[r].iter().copied())
                .collect();
            let inside = reading.iter().all(|r| (s..range.end).contains(r));
            if let (true, Some(last)) = (inside, reading.iter().max()) {
                found.push(((last - s) as u64 + 1, s, id));
            }
        }
    }
    found
}
