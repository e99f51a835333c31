//! Ring buffers: the activations a pipelined segment keeps in the global buffer between its
//! stages (`docs/cost-model.md` §4, `docs/backend.md` §2).
//!
//! In a pipelined segment stage `k` works on the image `k` steps behind stage 0, so a result
//! written by stage `i` and read by stage `j` is alive for `j - i + 1` images at once. When every
//! stage stages its whole image (the stages' needs, [`stage_need`], leave room in the global
//! buffer), that room holds results in *rings* of slots, image `m` in slot `m mod slots`: the
//! writer copies its result there instead of storing it to DRAM, the readers copy it from there
//! instead of loading it. Only results that never leave the segment qualify: not network
//! outputs, read by no later segment, written whole by one stage (not a column part). One rule
//! for the cost model and the back end: [`segment_rings`].

use super::bands::stage_need;
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

    /// Elements of the global buffer the rings take.
    pub fn elements(&self, program: &Program) -> u64 {
        let slot: u64 = self
            .layers
            .iter()
            .map(|&id| program.layers[id].output_elements)
            .sum();
        slot * self.slots
    }
}

/// The rings of the segment over `range` of `program` on `target` when it runs `pipelined`: on a
/// target with a global buffer, the results its stages store (not kept for a follower,
/// [`super::Stage::keeps`]) that only later stages of the segment (or later layers of their own
/// stage) read, fewest slots first, then in stage order, as long as they fit the room the
/// stages' needs leave and no ring needs more than [`MAX_SLOTS`]. All rings get the slots the
/// longest-lived one needs (one unrolled step loop serves them all).
pub fn segment_rings(
    program: &Program,
    range: Range<usize>,
    target: &Target,
    pipelined: bool,
) -> Rings {
    let global = target.buffer_elements(target.buffers.global_bytes);
    let needs: u64 = range.clone().map(|s| stage_need(program, s)).sum();
    let room = global.saturating_sub(needs);
    if !pipelined || range.len() < 2 || room == 0 {
        return Rings::default();
    }
    let mut candidates = candidates(program, range);
    candidates.sort_unstable();
    let (mut rings, mut slot) = (
        Rings {
            layers: Vec::new(),
            slots: 1,
        },
        0u64,
    );
    for (slots, _, id) in candidates {
        let slots = slots.max(rings.slots);
        let grown = slot + program.layers[id].output_elements;
        if slots <= MAX_SLOTS && grown.saturating_mul(slots) <= room {
            rings.layers.push(id);
            (rings.slots, slot) = (slots, grown);
        }
    }
    rings.layers.sort_unstable();
    rings
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
