//! Ring buffers (`program::rings`): the results a pipelined segment keeps in the global buffer
//! between its stages, image `m` in slot `m mod slots` (`docs/backend.md` §2).
//!
//! Each segment's rings take the top of the global buffer, above what its stages stage (the
//! rings fit only where the stages' needs leave room, so the stages' parts are unchanged). The
//! code addresses a ring like an image-strided DRAM value in a *shadow* of the global buffer, a
//! range at the top of the 2^32-element DRAM space that nothing else uses:
//! [`Gen::image_addr`](super::Gen) picks the slot of the image the stage works on, and
//! [`onto_chip`] turns every `load` from and `store` to the shadow into a `copy` from or to the
//! global buffer at the same offset. A pipelined segment whose rings have `slots` slots runs its
//! step loop unrolled `slots` times, so that every copy of the body addresses fixed slots.

use super::{Instruction, MemRef, ValueId, R};
use crate::program::rings::{segment_rings, Rings};
use crate::schedule::ir::Scheduled;
use crate::schedule::Execution;
use pim_dialects::{Func, PimOp};
use pim_runtime::isa::Space;
use pim_runtime::target::Target;

/// Where each segment keeps its rings.
#[derive(Debug, Clone, Default)]
pub(super) struct RingPlan {
    /// The shadow address of global-buffer element 0.
    pub(super) shadow: u64,
    /// Slots of each segment's rings (1 without).
    pub(super) slots: Vec<u64>,
    /// The shadow address of slot 0 of every value kept in a ring.
    pub(super) homes: Vec<Option<u64>>,
}

impl RingPlan {
    /// No rings: the whole DRAM space is DRAM.
    pub(super) fn none() -> RingPlan {
        RingPlan {
            shadow: 1 << 32,
            ..RingPlan::default()
        }
    }

    /// The rings of every segment of `sched` ([`segment_rings`]), laid out at the top of the
    /// global buffer: each result's slots one after another.
    pub(super) fn new(func: &Func<PimOp>, sched: &Scheduled, target: &Target) -> R<RingPlan> {
        let global = target.buffer_elements(target.buffers.global_bytes);
        let pipelined = sched.schedule.execution() == Execution::Pipelined;
        let mut plan = RingPlan {
            shadow: (1u64 << 32) - global,
            slots: Vec::new(),
            homes: vec![None; func.shapes.len()],
        };
        for range in &sched.schedule.segments {
            let rings = segment_rings(&sched.program, range.clone(), target, pipelined);
            plan.place(func, sched, &rings, global)?;
            plan.slots.push(rings.slots.max(1));
        }
        if plan.homes.iter().all(Option::is_none) {
            plan.shadow = 1 << 32;
        }
        Ok(plan)
    }

    /// Lays out one segment's `rings` below the top of the `global` buffer.
    fn place(
        &mut self,
        func: &Func<PimOp>,
        sched: &Scheduled,
        rings: &Rings,
        global: u64,
    ) -> R<()> {
        let program = &sched.program;
        let taken = rings.elements(program);
        let mut next = global
            .checked_sub(taken)
            .ok_or("internal error: rings larger than the global buffer")?;
        for &id in &rings.layers {
            let value = func.nodes[sched.network.nodes[id]].result;
            self.homes[value] = Some(self.shadow + next);
            next += program.layers[id].output_elements * rings.slots;
        }
        Ok(())
    }

    /// The shadow address of slot 0 of `value`, if a ring holds it.
    pub(super) fn home(&self, value: ValueId) -> Option<u64> {
        self.homes.get(value).copied().flatten()
    }

    /// Whether `addr` (absolute) is in the shadow of the global buffer.
    pub(super) fn shadows(&self, addr: u64) -> bool {
        addr >= self.shadow && addr < 1 << 32
    }
}

/// Every `load` from and `store` to the shadow of the global buffer in `code`, as the `copy` of
/// the same elements from or to the global buffer.
pub(super) fn onto_chip(code: &mut [Instruction], rings: &RingPlan) {
    let on_chip = |m: MemRef| {
        let shadowed = m.space == Space::Dram && m.reg == 0 && rings.shadows(u64::from(m.addr));
        shadowed.then(|| MemRef {
            space: Space::Global,
            unit: 0,
            reg: 0,
            addr: (u64::from(m.addr) - rings.shadow) as u32,
        })
    };
    for inst in code.iter_mut() {
        let (Instruction::Load {
            src,
            dst,
            len,
            count,
            sstride,
            dstride,
        }
        | Instruction::Store {
            src,
            dst,
            len,
            count,
            sstride,
            dstride,
        }) = *inst
        else {
            continue;
        };
        let (src, dst) = match (on_chip(src), on_chip(dst)) {
            (Some(src), None) => (src, dst),
            (None, Some(dst)) => (src, dst),
            _ => continue,
        };
        *inst = Instruction::Copy {
            src,
            dst,
            len,
            count,
            sstride,
            dstride,
        };
    }
}
