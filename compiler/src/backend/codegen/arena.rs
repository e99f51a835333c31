//! The scratch arena of a looped program (`docs/backend.md` §1): the room of every activation
//! that waits in DRAM while other images pass (one slot per image), packed by the segments each
//! is live in. Values live in segments that do not overlap share room: the segments run one
//! after another, so every access to the first comes before every access to the second. Without
//! this the arena held every such value of the network at once, and a large batch of a deep
//! network (the zoo ResNet-50 at batch 256) ran out of the 2^32-element DRAM space.

use crate::schedule::ir::Scheduled;
use pim_dialects::{Func, PimOp, ValueId};
use std::collections::BTreeMap;

/// The first and last segment a value is live in.
pub(super) type Lifetime = (usize, usize);

/// Room asked of the arena while the program is planned: at `offset` (the offsets handed out one
/// after another, unique) for `size` elements per image.
#[derive(Debug, Clone, Copy)]
pub(super) struct Request {
    pub value: ValueId,
    pub offset: u64,
    pub size: u64,
}

/// The segments each value is live in: from the first that writes or reads it to the last. A
/// read through views (nodes no stage runs: reshapes, which alias their operand's room or are
/// copied when their first reader runs) counts for every value of the chain it reads through.
pub(super) fn segment_lifetimes(func: &Func<PimOp>, sched: &Scheduled) -> Vec<Option<Lifetime>> {
    let mut span_of_node: Vec<Option<Lifetime>> = vec![None; func.nodes.len()];
    for (segment, range) in sched.schedule.segments.iter().enumerate() {
        for s in range.clone() {
            for layer in sched.program.stages[s].layers() {
                widen(
                    &mut span_of_node[sched.network.nodes[layer]],
                    (segment, segment),
                );
            }
        }
    }
    let producers = func.producers();
    let mut lifetimes: Vec<Option<Lifetime>> = vec![None; func.shapes.len()];
    for (n, node) in func.nodes.iter().enumerate() {
        let Some(span) = span_of_node[n] else {
            continue;
        };
        widen(&mut lifetimes[node.result], span);
        for &operand in &node.operands {
            let mut value = operand;
            widen(&mut lifetimes[value], span);
            while let Some(p) = producers[value].filter(|&p| span_of_node[p].is_none()) {
                let Some(&aliased) = func.nodes[p].operands.first() else {
                    break;
                };
                value = aliased;
                widen(&mut lifetimes[value], span);
            }
        }
    }
    lifetimes
}

/// `span` widened to cover `by`.
fn widen(span: &mut Option<Lifetime>, by: Lifetime) {
    *span = Some(span.map_or(by, |(first, last)| (first.min(by.0), last.max(by.1))));
}

/// The packed arena: each request's offset moved to the lowest room free over its lifetime
/// (first fit, in the order the values first live, then as asked), and the elements per image
/// the arena then takes. A value with no lifetime (no segment touches it) is live throughout.
pub(super) fn pack(
    requests: &[Request],
    lifetimes: &[Option<Lifetime>],
) -> (BTreeMap<u64, u64>, u64) {
    let lifetime = |r: &Request| {
        lifetimes
            .get(r.value)
            .copied()
            .flatten()
            .unwrap_or((0, usize::MAX))
    };
    let mut order: Vec<&Request> = requests.iter().collect();
    order.sort_by_key(|r| (lifetime(r).0, r.offset));
    // Placed so far: (offset, size, last segment live).
    let mut placed: Vec<(u64, u64, usize)> = Vec::with_capacity(requests.len());
    let mut moved = BTreeMap::new();
    let mut end = 0u64;
    for r in order {
        let (first, last) = lifetime(r);
        let mut busy: Vec<(u64, u64)> = placed
            .iter()
            .filter(|&&(_, _, until)| until >= first)
            .map(|&(at, size, _)| (at, at + size))
            .collect();
        busy.sort_unstable();
        let mut at = 0u64;
        for (start, stop) in busy {
            if start >= at + r.size {
                break;
            }
            at = at.max(stop);
        }
        placed.push((at, r.size, last));
        moved.insert(r.offset, at);
        end = end.max(at + r.size);
    }
    (moved, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(value: ValueId, offset: u64, size: u64) -> Request {
        Request {
            value,
            offset,
            size,
        }
    }

    /// Values live in segments that do not overlap share room; overlapping ones never do; a value
    /// without a lifetime keeps room of its own.
    #[test]
    fn values_share_room_only_when_their_segments_do_not_overlap() {
        let lifetimes = vec![Some((0, 0)), Some((0, 1)), Some((1, 1)), Some((2, 2)), None];
        let requests = [
            request(0, 0, 64),
            request(1, 64, 32),
            request(2, 96, 64),
            request(3, 160, 96),
            request(4, 256, 32),
        ];
        let (moved, end) = pack(&requests, &lifetimes);
        // Segment 0: values 0, 1 and 4 (live throughout) side by side; value 2 (segment 1)
        // reuses value 0's room, value 3 (segment 2) every room but value 4's.
        assert_eq!((moved[&0], moved[&64], moved[&256]), (0, 64, 96));
        assert_eq!((moved[&96], moved[&160]), (0, 0));
        assert_eq!(end, 128);
        for (i, a) in requests.iter().enumerate() {
            for b in &requests[i + 1..] {
                let (la, lb) = (
                    lifetimes[a.value].unwrap_or((0, usize::MAX)),
                    lifetimes[b.value].unwrap_or((0, usize::MAX)),
                );
                let live_together = la.0 <= lb.1 && lb.0 <= la.1;
                let (ra, rb) = (moved[&a.offset], moved[&b.offset]);
                let overlap = ra < rb + b.size && rb < ra + a.size;
                assert!(!(live_together && overlap), "{a:?} {b:?}");
            }
        }
    }
}
