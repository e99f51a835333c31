//! The on-chip staging area: the one buffer where a layer's operands, partial sums and result
//! live while it runs (`docs/backend.md` §2).
//!
//! A target with a global buffer stages everything there. A target without one (ISAAC: tiles
//! exchange data over the mesh) stages a layer's working set in the buffer of one tile: the tile
//! holding the layer's first crossbar for a crossbar layer, the tile of the last crossbar layer
//! for the vector layers after it. The simulator lets any crossbar read and write any on-chip
//! buffer, so the crossbars of other tiles reach it over the interconnect. Bands (§3) are sized
//! by the capacity of the buffer actually used.

use super::{Gen, R};
use crate::program::bands::{stage_floor, stage_need, staging_shares, staging_tiles};
use crate::schedule::ir::Scheduled;
use pim_runtime::isa::{MemRef, Space};
use pim_runtime::target::Target;

/// Where the staging area is (space, unit, first element) and how many elements it holds. A
/// pipelined segment gives each stage a part of the buffer of its own, so that the stages' code
/// can overlap.
#[derive(Debug, Clone)]
pub(super) struct Staging {
    space: Space,
    unit: u16,
    /// Elements of the whole buffer.
    whole: u64,
    /// The area's first element.
    base: u64,
    /// Elements the area holds.
    pub(super) capacity: u64,
    /// Elements the current layer has reserved (from `base`).
    pub(super) used: u64,
    /// A working set did not fit since this was last cleared.
    pub(super) exceeded: std::cell::Cell<bool>,
}

impl Staging {
    /// Whether layers stage in the buffers of their tiles (the target has no global buffer).
    pub(super) fn in_tiles(&self) -> bool {
        self.space == Space::Tile
    }

    /// The staging area of `target`: the global buffer, else tile 0's buffer.
    pub(super) fn of(target: &Target) -> R<Staging> {
        let global = target.buffer_elements(target.buffers.global_bytes);
        let tile = target.buffer_elements(target.buffers.tile_bytes);
        let (space, capacity) = if global > 0 {
            (Space::Global, global)
        } else if tile > 0 && target.total_tiles() > 0 {
            (Space::Tile, tile)
        } else {
            return Err(format!(
                "the back end needs a global or tile buffer to stage activations; target `{}` \
                 has neither",
                target.chip.name
            ));
        };
        Ok(Staging {
            space,
            unit: 0,
            whole: capacity,
            base: 0,
            capacity,
            used: 0,
            exceeded: std::cell::Cell::new(false),
        })
    }

    /// The staging operand at element `addr`.
    pub(super) fn at(&self, addr: u64) -> MemRef {
        MemRef {
            space: self.space,
            unit: self.unit,
            reg: 0,
            addr: addr as u32,
        }
    }
}

impl Gen<'_> {
    /// The staging operand at element `addr` of the current layer's buffer.
    pub(super) fn buf(&self, addr: u64) -> MemRef {
        self.staging.at(addr)
    }

    /// Stages the next layers in the buffer of the tile holding crossbar `xbar` (nothing changes
    /// on a target with a global buffer).
    pub(super) fn stage_near(&mut self, xbar: u32) -> R<()> {
        if self.staging.in_tiles() {
            let tile = u64::from(xbar) / self.target.crossbars_per_tile().max(1);
            self.staging.unit = u16::try_from(tile)
                .map_err(|_| format!("tile {tile} of crossbar {xbar} exceeds 16 bits"))?;
        }
        Ok(())
    }

    /// Starts a new working set (a layer, band or chunk) at address 0 of the staging buffer.
    pub(super) fn reset_staging(&mut self) {
        self.staging.used = 0;
    }

    /// Reserves `elements` of the staging buffer for the current working set.
    pub(super) fn alloc_staging(&mut self, elements: u64, layer: &str) -> R<u64> {
        let addr = self.staging.base + self.staging.used;
        self.staging.used += elements;
        if self.staging.used > self.staging.capacity {
            self.staging.exceeded.set(true);
            return Err(format!(
                "layer `{layer}` needs {} elements of the {} buffer, the target has {}",
                self.staging.used,
                self.staging.space.as_str(),
                self.staging.capacity
            ));
        }
        Ok(addr)
    }

    /// Stage `k` of the `width` stages of a pipelined segment `stages` stages in its own part of
    /// the staging buffer: a share of the global buffer, or of its tile's buffer among the
    /// stages staged in the same tile (a stage stages in the tile of its first crossbar, a stage
    /// without one in its predecessor's, [`staging_tiles`]), shared by what each stages per image
    /// ([`staging_shares`], [`stage_need`]): none gets less than an equal share (or its need), and
    /// what small stages leave goes to the large ones in proportion to what they lack, so a stage
    /// with large activations runs in fewer bands. `width` 1: the whole buffer.
    pub(super) fn partition_staging(
        &mut self,
        sched: &Scheduled,
        stages: &[usize],
        k: usize,
        width: usize,
    ) -> R<()> {
        if width <= 1 {
            self.whole_staging();
            return Ok(());
        }
        let tiles = self.staging.in_tiles().then(|| {
            let firsts = stages
                .iter()
                .map(|&s| sched.schedule.stages[s].placement.map(|p| p.first));
            staging_tiles(firsts, self.target.crossbars_per_tile())
        });
        if let Some(tiles) = &tiles {
            let tile = tiles[k];
            self.staging.unit =
                u16::try_from(tile).map_err(|_| format!("tile {tile} exceeds 16 bits"))?;
        }
        let needs: Vec<u64> = stages
            .iter()
            .map(|&s| stage_need(&sched.program, s))
            .collect();
        let floors: Vec<(u64, bool)> = stages
            .iter()
            .map(|&s| stage_floor(&sched.program, s))
            .collect();
        let shares = staging_shares((&needs, &floors), tiles.as_deref(), self.staging.whole);
        let sharing = |j: &usize| tiles.as_ref().is_none_or(|t| t[*j] == t[k]);
        self.staging.base = (0..k).filter(sharing).map(|j| shares[j]).sum();
        self.staging.capacity = shares[k];
        self.staging.used = 0;
        Ok(())
    }

    /// The whole buffer as the staging area again.
    pub(super) fn whole_staging(&mut self) {
        self.staging.base = 0;
        self.staging.capacity = self.staging.whole;
        self.staging.used = 0;
    }

    /// The error of a layer whose smallest working set (`needed` elements) does not fit.
    pub(super) fn capacity_error(&self, layer: &str, needed: u64) -> String {
        self.staging.exceeded.set(true);
        format!(
            "layer `{layer}` needs {needed} elements of the {} buffer even in its smallest \
             band; the target has {}",
            self.staging.space.as_str(),
            self.staging.capacity
        )
    }
}
