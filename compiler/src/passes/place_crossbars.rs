//! `pim-place-crossbars` (phase `scheduled`): gives every stage's copies their physical
//! crossbars, `copies` copies from `first_crossbar`, `copy_stride` crossbars apart. The chip's
//! crossbars are numbered tile by tile, PE by PE, so consecutive ids share PEs and tiles; the
//! next segment rewrites crossbars.
//!
//! Where the segments go depends on the scheduler: the `paper` scheduler places every segment
//! from crossbar 0; `pimc` alternates, odd segments ending at the chip's last crossbar, so that a
//! segment's stages avoid the crossbars of its neighbours wherever the two fit the chip
//! together, and `pim-prefetch-weights` can load them during the previous segment.
//!
//! How the copies go depends on the granularity. Under `tile` (NeuroSim's mapping) a stage's
//! copies are consecutive. Under `crossbar` the cost model assumes the copies of a layer are
//! spread over the PEs, each PE's link carrying the vectors of one copy (`docs/cost-model.md`
//! §7), so the pass spreads them: in the segment's region (the chip less what its neighbours
//! need), the duplicated layers whose copy fits one PE are placed first, largest copies first,
//! one copy per PE (`copy_stride` = a PE's crossbars) at the lowest free offset within the PEs;
//! the other stages then take the first free run of consecutive crossbars. A layer with more
//! copies than there are PEs left goes `k` copies per PE (`copy_stride` = a PE's crossbars / `k`,
//! the least `k` that fits), so no PE link carries more copies than it must. A stage whose copies
//! cannot be spread so is packed. Where the spread copies leave no free run for a stage that needs
//! one, the segment is laid out again with those runs first (at the start of the region) and the
//! copies spread over the PEs left; where that fails too, with at least two copies per PE, then
//! four, ... (each halving the PEs the copies need, so the later stages find room); a segment
//! that cannot be laid out so is placed consecutively.
//!
//! ```text
//! "pim.stage"() ({ "pim.layer"(%c1) ... }) {copies = 2, copy_stride = -1, first_crossbar = -1, ...}  // 3 crossbars a copy
//! "pim.stage"() ({ "pim.layer"(%c2) ... }) {copies = 1, copy_stride = -1, first_crossbar = -1, ...}
//! // after, on a chip of 16 crossbars per PE:
//! "pim.stage"() ({ "pim.layer"(%c1) ... }) {copies = 2, copy_stride = 16, first_crossbar = 0, ...}   // 0..3, 16..19
//! "pim.stage"() ({ "pim.layer"(%c2) ... }) {copies = 1, copy_stride = 3, first_crossbar = 3, ...}
//! ```

use super::{run_on_layers, Ir, PassContext};
use crate::program::Granularity;
use crate::program::{Program, ProgramError};
use crate::schedule::ir::{read, write};
use crate::schedule::{Placement, Schedule, Scheduler};
use crate::Result;
use pim_dialects::{Func, PimOp};
use pim_runtime::target::Target;
use std::ops::Range;

/// The pass flag.
pub const FLAG: &str = "pim-place-crossbars";

/// Runs the pass (no options).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(FLAG, ir, options, cx, &[], |f, _| {
        place_crossbars(f, &cx.target).map_err(|e| e.to_string())
    })
}

/// Sets the first crossbar of every stage of scheduled IR.
pub fn place_crossbars(
    func: &Func<PimOp>,
    target: &Target,
) -> std::result::Result<Func<PimOp>, ProgramError> {
    let scheduled = read(func, target)?;
    let schedule = place(&scheduled.program, target, scheduled.schedule)?;
    Ok(write(func, &scheduled.network, &schedule))
}

/// `schedule` with every crossbar stage placed.
pub fn place(
    program: &Program,
    target: &Target,
    mut schedule: Schedule,
) -> Result<Schedule, ProgramError> {
    let total = target.total_crossbars();
    let needs: Vec<Vec<Need>> = schedule
        .segments
        .iter()
        .map(|range| range.clone().map(|s| need(program, &schedule, s)).collect())
        .collect();
    let used: Vec<u64> = needs
        .iter()
        .map(|n| n.iter().map(Need::crossbars).sum())
        .collect();
    let mut previous: Option<Range<u64>> = None;
    for (id, range) in schedule.segments.clone().into_iter().enumerate() {
        if used[id] > total {
            return Err(ProgramError::InvalidSchedule(format!(
                "segment {id} needs {} crossbars, the target has {total}",
                used[id]
            )));
        }
        let from_top = schedule.scheduler == Scheduler::Pimc && id % 2 == 1;
        let next = used.get(id + 1).copied().unwrap_or(0);
        let region = region(total, used[id], next, from_top, previous.as_ref());
        let base = if from_top { total - used[id] } else { 0 };
        let packed = || consecutive(&needs[id], base);
        let placements = if schedule.granularity == Granularity::Crossbar {
            let per_pe = target.crossbars_per_pe();
            layouts(per_pe)
                .find_map(|layout| spread(&needs[id], &region, per_pe, from_top, layout))
                .unwrap_or_else(packed)
        } else {
            packed()
        };
        previous = span(&needs[id], &placements);
        for (s, placement) in range.zip(placements) {
            schedule.stages[s].placement = placement;
        }
    }
    Ok(schedule)
}

/// What one stage needs: copies of `per_copy` crossbars (0: no crossbar layer).
#[derive(Debug, Clone, Copy)]
struct Need {
    copies: u64,
    per_copy: u64,
}

impl Need {
    fn crossbars(&self) -> u64 {
        self.copies.saturating_mul(self.per_copy)
    }
}

fn need(program: &Program, schedule: &Schedule, s: usize) -> Need {
    let per_copy = program.stages[s]
        .mvm
        .as_ref()
        .map_or(0, |m| m.mapping.tiling.crossbars);
    Need {
        copies: schedule.stages[s].copies,
        per_copy,
    }
}

/// The crossbars a segment using `used` of `total` may take: from the bottom or up to the top,
/// leaving the `next` segment's crossbars and the `previous` segment's span free where the
/// segments fit the chip together (so either's weights can load while the other runs).
fn region(
    total: u64,
    used: u64,
    next: u64,
    from_top: bool,
    previous: Option<&Range<u64>>,
) -> Range<u64> {
    let beside_next = if used + next <= total { next } else { 0 };
    if from_top {
        let above_previous = previous.map_or(0, |p| p.end);
        let lo = beside_next.max(above_previous).min(total - used);
        lo..total
    } else {
        let below_previous = previous.map_or(total, |p| p.start);
        let hi = (total - beside_next).min(below_previous).max(used);
        0..hi
    }
}

/// Every stage's copies one after another from `first`.
fn consecutive(needs: &[Need], first: u64) -> Vec<Option<Placement>> {
    let mut next = first;
    needs
        .iter()
        .map(|n| {
            let placement = (n.per_copy > 0).then_some(Placement {
                first: next,
                stride: n.per_copy,
            });
            next += n.crossbars();
            placement
        })
        .collect()
}

/// The span of the crossbars `placements` take.
fn span(needs: &[Need], placements: &[Option<Placement>]) -> Option<Range<u64>> {
    let ends = needs
        .iter()
        .zip(placements)
        .filter_map(|(n, p)| p.map(|p| p.first..p.end(n.copies, n.per_copy)));
    ends.reduce(|a, b| a.start.min(b.start)..a.end.max(b.end))
}

/// How [`spread`] lays a segment out: the stages that need runs before or after the spread
/// copies, and the fewest copies of a layer it puts on one PE (more where a PE holds fewer).
#[derive(Debug, Clone, Copy)]
struct Layout {
    runs_first: bool,
    least_per_pe: u64,
}

/// The layouts tried in turn: the copies first one per PE; the runs first, the copies one, two,
/// four ... per PE (each halving the PEs they need).
fn layouts(per_pe: u64) -> impl Iterator<Item = Layout> {
    let copies_first = Layout {
        runs_first: false,
        least_per_pe: 1,
    };
    let runs_first = std::iter::successors(Some(1u64), |k| Some(k * 2))
        .take_while(move |&k| k <= per_pe)
        .map(|least_per_pe| Layout {
            runs_first: true,
            least_per_pe,
        });
    std::iter::once(copies_first).chain(runs_first)
}

/// The copies of duplicated layers spread over the PEs of `per_pe` crossbars as `layout` says,
/// the rest in free runs, all in `region` and as low in it as they go (as high when
/// `from_top`); `None` when they do not fit so.
fn spread(
    needs: &[Need],
    region: &Range<u64>,
    per_pe: u64,
    from_top: bool,
    layout: Layout,
) -> Option<Vec<Option<Placement>>> {
    // No more of the region than one PE per copy needs (a huge chip costs no time or memory).
    let wanted: u64 = needs
        .iter()
        .map(|n| n.copies.saturating_mul(n.per_copy.max(per_pe)))
        .fold(0, u64::saturating_add);
    let len = (region.end - region.start).min(wanted);
    let region = if from_top {
        region.end - len..region.end
    } else {
        region.start..region.start + len
    };
    let mut free = Free::new(region.clone());
    let spreads = |n: &Need| n.copies > 1 && n.per_copy > 0 && n.per_copy <= per_pe;
    let mut order: Vec<usize> = (0..needs.len()).filter(|&s| spreads(&needs[s])).collect();
    order.sort_by_key(|&s| std::cmp::Reverse(needs[s].per_copy));
    let runs = (0..needs.len()).filter(|&s| !spreads(&needs[s]) && needs[s].per_copy > 0);
    if layout.runs_first {
        order.splice(0..0, runs);
    } else {
        order.extend(runs);
    }
    let mut placements = vec![None; needs.len()];
    for s in order {
        let n = needs[s];
        let placement = (if spreads(&n) {
            free.fewest_per_pe(n, per_pe, layout.least_per_pe, from_top)
        } else {
            None
        })
        .or_else(|| free.run(n, from_top))?;
        free.take(n, placement);
        placements[s] = Some(placement);
    }
    Some(placements)
}

/// The free crossbars of a region.
struct Free {
    region: Range<u64>,
    taken: Vec<bool>,
}

impl Free {
    fn new(region: Range<u64>) -> Self {
        let taken = vec![false; (region.end - region.start) as usize];
        Self { region, taken }
    }

    fn is_free(&self, mut crossbars: Range<u64>) -> bool {
        crossbars.start >= self.region.start
            && crossbars.end <= self.region.end
            && crossbars.all(|x| !self.taken[(x - self.region.start) as usize])
    }

    fn fits(&self, n: Need, p: Placement) -> bool {
        (0..n.copies).all(|d| self.is_free(p.copy(d, n.per_copy)))
    }

    /// The placement with the fewest copies per PE, `least` or more (or as many as a PE holds,
    /// if fewer), `k` for each `k` that divides a PE's crossbars into slots that hold a copy: the
    /// busiest PE link carries the fewest copies' vectors.
    fn fewest_per_pe(&self, n: Need, per_pe: u64, least: u64, from_top: bool) -> Option<Placement> {
        let fits: Vec<u64> = (1..=per_pe / n.per_copy.max(1))
            .filter(|k| per_pe.is_multiple_of(*k))
            .collect();
        let most = fits.last().copied().unwrap_or(1);
        fits.into_iter()
            .filter(|&k| k >= least.min(most))
            .find_map(|k| self.k_per_pe(n, per_pe, k, from_top))
    }

    /// The first placement, lowest offset within the PEs first, that puts `k` copies in each of
    /// consecutive PEs, `per_pe / k` crossbars apart (the last PEs, from the top of the region
    /// down, when `from_top`).
    fn k_per_pe(&self, n: Need, per_pe: u64, k: u64, from_top: bool) -> Option<Placement> {
        let stride = per_pe / k;
        let first_pe = self.region.start.div_ceil(per_pe);
        let last_pe = (self.region.end / per_pe).checked_sub(n.copies.div_ceil(k))?;
        let pes: Vec<u64> = if from_top {
            (first_pe..=last_pe).rev().collect()
        } else {
            (first_pe..=last_pe).collect()
        };
        (0..=stride.checked_sub(n.per_copy)?).find_map(|offset| {
            pes.iter()
                .map(|pe| Placement {
                    first: pe * per_pe + offset,
                    stride,
                })
                .find(|&p| self.fits(n, p))
        })
    }

    /// The first run of consecutive free crossbars for every copy (the last when `from_top`).
    fn run(&self, n: Need, from_top: bool) -> Option<Placement> {
        let size = n.crossbars();
        let mut length = 0;
        let at = |i: usize| {
            if from_top {
                self.taken.len() - 1 - i
            } else {
                i
            }
        };
        for i in 0..self.taken.len() {
            length = if self.taken[at(i)] { 0 } else { length + 1 };
            if length == size {
                let low = at(i).min(at(i + 1 - size as usize));
                return Some(Placement {
                    first: self.region.start + low as u64,
                    stride: n.per_copy,
                });
            }
        }
        None
    }

    fn take(&mut self, n: Need, p: Placement) {
        for d in 0..n.copies {
            for x in p.copy(d, n.per_copy) {
                self.taken[(x - self.region.start) as usize] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copies_of(copies: u64, per_copy: u64) -> Need {
        Need { copies, per_copy }
    }

    fn placed_at(first: u64, stride: u64) -> Option<Placement> {
        Some(Placement { first, stride })
    }

    /// The first of [`layouts`] that fits `needs` in `region` (PEs of 16 crossbars).
    fn laid_out(needs: &[Need], region: Range<u64>) -> Option<Vec<Option<Placement>>> {
        layouts(16).find_map(|layout| spread(needs, &region, 16, false, layout))
    }

    /// Four PEs: one copy per PE of the 8-crossbar layer (PEs 0 and 1) leaves a run of 40
    /// crossbars, too short for the seven copies of the 6-crossbar layer, which find no common
    /// offset one or two per PE either; two copies per PE of the first layer (PE 0) leave 48.
    #[test]
    fn copies_go_two_per_pe_when_one_per_pe_starves_a_later_stage() {
        let needs = [copies_of(2, 8), copies_of(7, 6)];
        for layout in layouts(16).take(2) {
            assert_eq!(layout.least_per_pe, 1);
            assert_eq!(spread(&needs, &(0..64), 16, false, layout), None);
        }
        let placed = laid_out(&needs, 0..64).unwrap();
        assert_eq!(placed[0], placed_at(0, 8));
        assert_eq!(placed[1], placed_at(16, 6));
    }

    /// Copies one per PE at offset 0 leave no run for a 20-crossbar layer; laid out first, the
    /// run takes PE 0 and part of PE 1, and the copies go four per PE after it.
    #[test]
    fn runs_go_first_when_the_copies_leave_none() {
        let needs = [copies_of(8, 1), copies_of(1, 20)];
        let copies_first = layouts(16).next().unwrap();
        assert_eq!(spread(&needs, &(0..64), 16, false, copies_first), None);
        let placed = laid_out(&needs, 0..64).unwrap();
        assert_eq!(placed[1], placed_at(0, 20));
        assert_eq!(placed[0], placed_at(32, 4));
    }
}
