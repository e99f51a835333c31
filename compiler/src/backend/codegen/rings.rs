//! Ring buffers (`program::rings`): the results a pipelined segment keeps on chip between its
//! stages, image `m` in slot `m mod slots` (`docs/backend.md` §2).
//!
//! Each segment's rings are where [`scheduled_rings`] lays them out in the ring space: the
//! global buffer above what the stages stage, or on a target without one the buffers of the
//! tiles its stages do not stage in, one after another. The code addresses a ring like an
//! image-strided DRAM value in a *shadow* of the ring space, a range at the top of the
//! 2^32-element DRAM space that nothing else uses: [`Gen::image_addr`](super::Gen) picks the slot
//! of the image the stage works on, and [`onto_chip`] turns every `load` from and `store` to the
//! shadow into `copy`s from or to the buffers at the same offsets, one per buffer the
//! transfer's elements lie in. A pipelined segment whose rings have `slots` slots runs its step
//! loop unrolled `slots` times, so that every copy of the body addresses fixed slots.

use super::{Instruction, MemRef, ValueId};
use crate::cost::model::scheduled_rings;
use crate::program::bands::whole_buffer;
use crate::program::rings::ring_space;
use crate::schedule::ir::Scheduled;
use pim_dialects::{Func, PimOp};
use pim_runtime::container::Program;
use pim_runtime::isa::Space;
use pim_runtime::target::Target;

/// Where each segment keeps its rings.
#[derive(Debug, Clone)]
pub(super) struct RingPlan {
    /// The shadow address of the ring space's element 0.
    pub(super) shadow: u64,
    /// The buffers of the ring space: the global buffer, or the tiles'.
    space: Space,
    /// Elements of each of those buffers.
    unit: u64,
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
            space: Space::Global,
            unit: 0,
            slots: Vec::new(),
            homes: Vec::new(),
        }
    }

    /// The rings of every segment of `sched` ([`scheduled_rings`]), at their homes in the ring
    /// space.
    pub(super) fn new(func: &Func<PimOp>, sched: &Scheduled, target: &Target) -> RingPlan {
        let space = match target.buffers.global_bytes {
            0 => Space::Tile,
            _ => Space::Global,
        };
        let mut plan = RingPlan {
            shadow: (1 << 32) - ring_space(target),
            space,
            unit: whole_buffer(target),
            slots: Vec::new(),
            homes: vec![None; func.shapes.len()],
        };
        for range in &sched.schedule.segments {
            let rings = scheduled_rings(&sched.program, target, &sched.schedule, range.clone());
            for (&id, &home) in rings.layers.iter().zip(&rings.homes) {
                let value = func.nodes[sched.network.nodes[id]].result;
                plan.homes[value] = Some(plan.shadow + home);
            }
            plan.slots.push(rings.slots.max(1));
        }
        if plan.homes.iter().all(Option::is_none) {
            plan.shadow = 1 << 32;
        }
        plan
    }

    /// The shadow address of slot 0 of `value`, if a ring holds it.
    pub(super) fn home(&self, value: ValueId) -> Option<u64> {
        self.homes.get(value).copied().flatten()
    }

    /// Whether `addr` (absolute) is in the shadow of the ring space.
    pub(super) fn shadows(&self, addr: u64) -> bool {
        addr >= self.shadow && addr < 1 << 32
    }

    /// The buffer element a shadow address stands for.
    fn buffer_ref(&self, addr: u64) -> MemRef {
        let offset = addr - self.shadow;
        MemRef {
            space: self.space,
            unit: (offset / self.unit) as u16,
            reg: 0,
            addr: (offset % self.unit) as u32,
        }
    }

    /// `inst` with its transfer from or to the shadow made `copy`s from or to the buffers; any
    /// other instruction as it is.
    fn on_chip(&self, inst: Instruction) -> Vec<Instruction> {
        let shadowed =
            |m: MemRef| m.space == Space::Dram && m.reg == 0 && self.shadows(u64::from(m.addr));
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
        }) = inst
        else {
            return vec![inst];
        };
        let from_shadow = match (shadowed(src), shadowed(dst)) {
            (true, false) => true,
            (false, true) => false,
            _ => return vec![inst],
        };
        let (ring, ring_stride) = if from_shadow {
            (src, sstride)
        } else {
            (dst, dstride)
        };
        let blocks = (u64::from(len), u64::from(count), u64::from(ring_stride));
        let at = |m: MemRef, stride: u32, (block, offset): (u64, u64)| {
            let delta = block * u64::from(stride) + offset;
            MemRef {
                addr: (u64::from(m.addr) + delta) as u32,
                ..m
            }
        };
        pieces(u64::from(ring.addr) - self.shadow, blocks, self.unit)
            .into_iter()
            .map(|p| {
                let (src_at, dst_at) = (at(src, sstride, p.first), at(dst, dstride, p.first));
                let (src, dst) = match from_shadow {
                    true => (self.buffer_ref(u64::from(src_at.addr)), dst_at),
                    false => (src_at, self.buffer_ref(u64::from(dst_at.addr))),
                };
                Instruction::Copy {
                    src,
                    dst,
                    len: p.len as u32,
                    count: p.count as u32,
                    sstride,
                    dstride,
                }
            })
            .collect()
    }
}

/// Part of a strided transfer that lies in one buffer: `count` blocks of `len` elements from
/// element `first.1` of block `first.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    first: (u64, u64),
    count: u64,
    len: u64,
}

/// `count` blocks of `len` elements `stride` apart from element `at` of the ring space, cut
/// into pieces that each lie in one of its buffers of `unit` elements: runs of whole blocks in
/// one buffer, and the parts of a block that crosses into the next.
fn pieces(at: u64, (len, count, stride): (u64, u64, u64), unit: u64) -> Vec<Piece> {
    let last = at + (count.max(1) - 1) * stride + len.max(1) - 1;
    if len == 0 || at / unit == last / unit {
        let first = (0, 0);
        return vec![Piece { first, count, len }];
    }
    let mut pieces: Vec<Piece> = Vec::new();
    for block in 0..count {
        let start = at + block * stride;
        if start / unit == (start + len - 1) / unit {
            match pieces.last_mut() {
                Some(p)
                    if p.len == len
                        && p.first.0 + p.count == block
                        && (at + p.first.0 * stride) / unit == start / unit =>
                {
                    p.count += 1
                }
                _ => pieces.push(Piece {
                    first: (block, 0),
                    count: 1,
                    len,
                }),
            }
            continue;
        }
        let mut offset = 0;
        while offset < len {
            let a = start + offset;
            let n = ((a / unit + 1) * unit - a).min(len - offset);
            pieces.push(Piece {
                first: (block, offset),
                count: 1,
                len: n,
            });
            offset += n;
        }
    }
    pieces
}

/// Every `load` from and `store` to the shadow of the ring space in `program`, as the `copy`s
/// of the same elements from or to the buffers; the symbols' instruction ranges and the
/// `guard`s' lengths follow the instructions a transfer became.
pub(super) fn onto_chip(program: &mut Program, rings: &RingPlan) {
    if rings.shadow >= 1 << 32 {
        return;
    }
    let old = std::mem::take(&mut program.code);
    let mut moved = Vec::with_capacity(old.len() + 1);
    let mut guards = Vec::new();
    for (pc, inst) in old.into_iter().enumerate() {
        if let Instruction::Guard { len, .. } = inst {
            guards.push((pc, program.code.len(), len as usize));
        }
        moved.push(program.code.len());
        program.code.extend(rings.on_chip(inst));
    }
    moved.push(program.code.len());
    for (pc, at, len) in guards {
        let guarded = moved[(pc + 1 + len).min(moved.len() - 1)] - moved[pc + 1];
        if let Instruction::Guard { len, .. } = &mut program.code[at] {
            *len = guarded as u32;
        }
    }
    for symbol in &mut program.symbols {
        (symbol.start, symbol.end) = (moved[symbol.start], moved[symbol.end]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transfer inside one buffer stays one piece; one that crosses buffers is cut at their
    /// boundaries, whole blocks kept together.
    #[test]
    fn transfers_are_cut_where_they_cross_buffers() {
        let whole = |count, len| Piece {
            first: (0, 0),
            count,
            len,
        };
        assert_eq!(pieces(10, (8, 4, 16), 100), vec![whole(4, 8)]);
        // Contiguous: 90..130 over buffers of 100.
        let cut = pieces(90, (40, 1, 40), 100);
        assert_eq!(
            cut,
            vec![
                Piece {
                    first: (0, 0),
                    count: 1,
                    len: 10
                },
                Piece {
                    first: (0, 10),
                    count: 1,
                    len: 30
                }
            ]
        );
        // Blocks of 4 every 10 from 72: 72, 82, 92 in buffer 0, 102, 112 in buffer 1.
        let strided = pieces(72, (4, 5, 10), 100);
        assert_eq!(
            strided,
            vec![
                whole(3, 4),
                Piece {
                    first: (3, 0),
                    count: 2,
                    len: 4
                }
            ]
        );
        // A block across the boundary: 96..104 is cut after its fourth element.
        let across = pieces(86, (8, 2, 10), 100);
        assert_eq!(across.len(), 3);
        assert_eq!(across[0], whole(1, 8));
        assert_eq!(across[1].first, (1, 0));
        assert_eq!(
            (across[1].len, across[2].first, across[2].len),
            (4, (1, 4), 4)
        );
        let elements: u64 = [cut, strided, across]
            .iter()
            .flatten()
            .map(|p| p.count * p.len)
            .sum();
        assert_eq!(elements, 40 + 20 + 16);
    }
}
