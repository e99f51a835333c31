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
use pim_runtime::isa::{MemRef, Space};
use pim_runtime::target::Target;

/// Where the staging area is (space and unit) and how many elements it holds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Staging {
    space: Space,
    unit: u16,
    /// Elements the buffer holds.
    pub(super) capacity: u64,
    /// Elements the current layer has reserved (from address 0).
    pub(super) used: u64,
}

impl Staging {
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
            capacity,
            used: 0,
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
        if self.staging.space == Space::Tile {
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
        let addr = self.staging.used;
        self.staging.used += elements;
        if self.staging.used > self.staging.capacity {
            return Err(format!(
                "layer `{layer}` needs {} elements of the {} buffer, the target has {}",
                self.staging.used,
                self.staging.space.as_str(),
                self.staging.capacity
            ));
        }
        Ok(addr)
    }

    /// The error of a layer whose smallest working set (`needed` elements) does not fit.
    pub(super) fn capacity_error(&self, layer: &str, needed: u64) -> String {
        format!(
            "layer `{layer}` needs {needed} elements of the {} buffer even in its smallest \
             band; the target has {}",
            self.staging.space.as_str(),
            self.staging.capacity
        )
    }
}
