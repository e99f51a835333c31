//! The evaluator: the modelled time and energy of a schedule, from the unit formulas of
//! [`super::units`]. It reads a [`Schedule`] (segments, copies, weight loads) over a [`Program`]
//! (the stages it lists, mapped on the target) and plans nothing; the planner (the scheduled-phase
//! passes) calls [`segment_cost`] to compare candidates.
//!
//! A segment takes its exposed weight load plus its run ([`segment_cost`]). The run is the compute
//! phase with the segment's DRAM activation transfers. A stage's time per image is its MVM, its
//! vector work and its DRAM transfers (latency and streaming), one after another
//! ([`stage_time`]). Pipelined: the first image through the stages, row by row where they run in
//! bands ([`image_fill`]), then one period per image, the period being the slowest stage but at
//! least what the stages share needs per image: the PE links ([`shared_link_ns`]), the DRAM
//! channel, the vector unit and the buffer port the copies into and out of the segment's ring
//! buffers share (`program::rings`), on which the stages' chains run as the program runs them
//! ([`simulated_period_ns`]); the evaluator runs the whole batch through the stages band by band
//! on those units instead ([`run_ns`]), the fill, steady state and drain as one. Sequential:
//! `images` times one image through the stages (row by row between stages staged in different
//! tile buffers, one after another in one buffer: `Σ stage times`), less the streaming that
//! overlaps the next image when two images' worth of transfers fit the global buffer. Stages loaded by prefetch (into
//! crossbars the previous segment does not use) are written while the previous segment runs:
//! only what its run does not hide is exposed. A schedule repeats its segments once per batch (or
//! per image in `layer` mode); leakage is static power times the batch latency.

use super::fill::image_fill;
use super::run::run_ns;
use super::steady::{chain_steps, simulated_period_ns, Bursts, ChainStep};
use super::units::{
    dram_energy, dram_stream_time, dram_time, link_time, load_time, move_ns_per_element,
    mvm_energy, mvm_time, rewrite_time, vector_energy, vector_time, write_time, Energy,
};
use crate::program::bands::{
    stage_bands, stage_floor, stage_halo, stage_need, staging_shares, staging_tiles, whole_buffer,
};
use crate::program::rings::{segment_rings, Rings};
use crate::program::stages::Traffic;
use crate::program::tiling::Banding;
use crate::program::{Program, Stage};
use crate::schedule::{Execution, Load, Schedule};
use pim_runtime::target::Target;
use std::ops::Range;

/// The cost of one stage per image that does not depend on its copies.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StageCost {
    /// Vector-unit time of its epilogue, ns.
    pub vector_ns: f64,
    /// Interconnect time of all its vectors through one PE link, ns (its share of the links a
    /// pipelined segment shares).
    pub link_ns: f64,
    /// DRAM latency on its chain per image: one per transfer ([`Traffic::transfers`]), ns.
    pub dram_latency_ns: f64,
    /// DRAM streaming of its transfers per image (bytes / DRAM bandwidth), ns: on its chain,
    /// since a stage computes on what it has loaded and stores what it has computed.
    pub dram_stream_ns: f64,
    /// The latency of its last transfer, the store of its result (0 when it stores none): in a
    /// pipeline the stage's next image overlaps it, ns.
    pub final_store_ns: f64,
    /// Copies out of its segment's ring buffers per image (its operands), through the one buffer
    /// port data moves share, ns.
    pub copy_in_ns: f64,
    /// Copies into them per image (its results), ns.
    pub copy_out_ns: f64,
    /// Copies per image of the input rows its convolution's consecutive bands share
    /// (`program::bands::stage_halo`), on the buffer port beside each band's load, ns.
    pub halo_ns: f64,
    /// Energy: compute, buffer, interconnect and vector, pJ.
    pub energy: Energy,
}

/// The per-image costs of every stage of `program` on `target`.
pub fn stage_costs(program: &Program, target: &Target) -> Vec<StageCost> {
    program
        .stages
        .iter()
        .enumerate()
        .map(|(s, stage)| {
            let vectors = stage
                .vector
                .iter()
                .filter_map(|&l| program.layers[l].vector());
            let (vector_ns, vector) = vectors.fold((0.0, Energy::default()), |(t, e), work| {
                (
                    t + vector_time(target, work),
                    e + vector_energy(target, work),
                )
            });
            let (link_ns, mvm) = stage.mvm.as_ref().map_or((0.0, Energy::default()), |m| {
                let e = mvm_energy(target, &m.mapping.tiling, m.vectors);
                let all_vectors = m.mapping.copy_link_elements.saturating_mul(m.vectors);
                let link = link_time(target, all_vectors);
                let energy = Energy {
                    compute: e.compute(),
                    buffer: e.buffer,
                    interconnect: e.interconnect,
                    ..Energy::default()
                };
                (link, energy)
            });
            let cost = StageCost {
                vector_ns,
                link_ns,
                energy: vector + mvm,
                ..StageCost::default()
            };
            cost.with_traffic(target, program.stage_traffic(s, target, &Rings::default()))
        })
        .collect()
}

impl StageCost {
    /// Its ring copies per image, ns.
    pub(super) fn copies_ns(&self) -> f64 {
        self.copy_in_ns + self.copy_out_ns
    }

    /// This cost with `elements` moved on chip per image between its convolution's bands
    /// ([`StageCost::halo_ns`]). Each band's copy runs beside the band's own load, on another
    /// unit: it adds to the port's work, not to the stage's time alone.
    fn with_halo(self, target: &Target, elements: u64) -> StageCost {
        StageCost {
            halo_ns: elements as f64 * move_ns_per_element(target),
            energy: Energy {
                buffer: self.energy.buffer + copy_energy(target, elements),
                ..self.energy
            },
            ..self
        }
    }

    /// This cost with the DRAM transfers and ring copies of `traffic`.
    fn with_traffic(self, target: &Target, traffic: Traffic) -> StageCost {
        let latency = target.dram.latency_ns;
        let copied = traffic.copied_in + traffic.copied_out;
        let copy_ns = |elements: u64| elements as f64 * move_ns_per_element(target);
        StageCost {
            dram_latency_ns: traffic.transfers as f64 * latency,
            dram_stream_ns: dram_stream_time(target, traffic.per_image()),
            final_store_ns: if traffic.write_bytes > 0 {
                latency
            } else {
                0.0
            },
            copy_in_ns: copy_ns(traffic.copied_in),
            copy_out_ns: copy_ns(traffic.copied_out),
            energy: Energy {
                buffer: self.energy.buffer + copy_energy(target, copied),
                ..self.energy
            },
            ..self
        }
    }
}

/// The buffer energy of moving `elements` on chip, each read and written once, pJ.
fn copy_energy(target: &Target, elements: u64) -> f64 {
    let bits = elements as f64 * f64::from(target.precision.activation_bits);
    2.0 * bits * target.buffers.energy_pj_per_bit
}

/// The crossbar layer's time per image of `stage` with `copies` copies, ns (0 without one).
pub fn mvm_ns(target: &Target, stage: &Stage, copies: u64) -> f64 {
    let vectors = stage.mvm.as_ref().map_or(1, |m| m.vectors);
    banded_mvm_ns(target, stage, copies, &Banding::whole(vectors))
}

/// [`mvm_ns`] when the image runs in the bands of `banding` one after another, each loading its
/// input and storing its results (`program::bands`): each copy takes `ceil(P_b / D)` of each
/// band's `P_b` vectors ([`Banding::per_copy`]), and every band but the last adds a fill and
/// the DRAM latency of its load and store to the stage's chain.
pub fn banded_mvm_ns(target: &Target, stage: &Stage, copies: u64, banding: &Banding) -> f64 {
    stage.mvm.as_ref().map_or(0.0, |m| {
        let time = mvm_time(target, &m.mapping, banding, copies);
        let per_band = time.fill_ns + 2.0 * target.dram.latency_ns;
        time.total() + banding.count().saturating_sub(1) as f64 * per_band
    })
}

/// How a segment over `range` that runs as `execution` stages its images, as the back end does:
/// each stage's bands per image (`program::bands`), from its share of the staging buffer
/// ([`staging_shares`] of what each stage stages per image; the whole buffer when the stages run
/// one at a time; a target without a global buffer stages each stage in its tile's, shared with
/// the segment's other stages there, `tiles`, or taken as its own when not placed), and how the
/// stages then run: a pipelined segment one of whose stages cannot stage even one output pixel in
/// its share runs its stages one at a time, each with the whole buffer (the back end's fallback,
/// which it warns about).
fn staging_plan(
    program: &Program,
    target: &Target,
    range: Range<usize>,
    (execution, tiles): (Execution, Option<&[u64]>),
) -> (Vec<(Banding, u64)>, Execution) {
    let global = target.buffer_elements(target.buffers.global_bytes);
    let whole = whole_buffer(target);
    let one_at_a_time = |range: Range<usize>| {
        let bands = range.map(|s| {
            let vectors = program.stages[s].mvm.as_ref().map_or(1, |m| m.vectors);
            let bands = stage_bands(program, s, whole).unwrap_or(Banding::whole(vectors));
            (bands, whole)
        });
        (bands.collect(), Execution::Sequential)
    };
    if execution == Execution::Sequential {
        return one_at_a_time(range);
    }
    let needs: Vec<u64> = range.clone().map(|s| stage_need(program, s)).collect();
    let floors: Vec<(u64, bool)> = range.clone().map(|s| stage_floor(program, s)).collect();
    let shares = match (global > 0, tiles) {
        (false, None) => vec![whole; range.len()],
        (in_global, tiles) => {
            staging_shares((&needs, &floors), tiles.filter(|_| !in_global), whole)
        }
    };
    let staging: Option<Vec<(Banding, u64)>> = range
        .clone()
        .zip(shares)
        .map(|(s, share)| Some((stage_bands(program, s, share)?, share)))
        .collect();
    match staging {
        Some(staging) => (staging, execution),
        None => one_at_a_time(range),
    }
}

/// A segment to cost: its stages, their copies, how it runs, how many images.
#[derive(Debug, Clone)]
pub struct SegmentPlan<'a> {
    /// The stages, as a range of the program's.
    pub stages: Range<usize>,
    /// Copies of each stage of the range.
    pub copies: &'a [u64],
    /// Which stages of the range are prefetched (`None`: none).
    pub prefetched: Option<&'a [bool]>,
    /// How it runs its images.
    pub execution: Execution,
    /// Images per run.
    pub images: u64,
    /// How closely it is timed.
    pub detail: Detail,
    /// On a target without a global buffer, the tile each stage stages in, whose buffer it
    /// shares with the segment's other stages there ([`staging_tiles`], from the placement);
    /// `None`: each stage has a tile's buffer to itself (the planner's estimates).
    pub staging_tiles: Option<&'a [u64]>,
}

/// The modelled cost of one segment for one run of the schedule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SegmentCost {
    /// Weight load written at the segment's start (DRAM read and crossbar writes), ns.
    pub load_ns: f64,
    /// Weight load of its prefetched stages, overlapped with the previous segment's run, ns.
    pub prefetch_ns: f64,
    /// Compute phase: the images through the segment's stages, ns.
    pub compute_ns: f64,
    /// DRAM activation transfers (fills, spills, outputs), ns.
    pub activation_ns: f64,
    /// Compute phase with the activation transfers (overlapped when the buffer allows), ns.
    pub run_ns: f64,
    /// Load + run (the prefetch excluded: [`evaluate`] charges what the previous segment's run
    /// does not hide), ns.
    pub latency_ns: f64,
    /// How much of its run the next segment's prefetched loads overlap, ns: all of it, or its
    /// first image when the program fences each image (one stage at a time in a tile's buffer,
    /// `docs/backend.md` §1: the fence waits for the prefetched loads too).
    pub prefetch_window_ns: f64,
    /// Per stage: its time per image at its duplication ([`stage_time`]), ns.
    pub stage_times_ns: Vec<f64>,
    /// The slowest stage (the pipeline period when pipelined), ns.
    pub stage_time_ns: f64,
    /// Crossbars holding weights (all copies).
    pub crossbars: u64,
    /// Crossbars or tiles allocated (the granularity's unit).
    pub footprint: u64,
    /// Weight bytes read from DRAM.
    pub weight_bytes: u64,
    /// Activation bytes read from and written to DRAM.
    pub activation_bytes: u64,
    /// Crossbar-layer time idle during the compute phase, summed over crossbar stages, ns.
    pub idle_ns: f64,
    /// Crossbar-layer time occupied (the compute phase per crossbar stage), ns.
    pub occupied_ns: f64,
    /// Energy (leakage excluded: it is charged on the schedule's latency).
    pub energy: Energy,
}

/// What a pipelined segment's latency depends on besides its copies: the planner's duplication
/// costs many copy assignments of one segment with [`PipelinedSegment::latency`], the formula
/// [`segment_cost`] applies but for the refinements the evaluated schedules alone get: bands
/// ([`banded_mvm_ns`]) and those of [`Detail::Evaluation`].
#[derive(Debug, Clone, Copy)]
pub struct PipelinedSegment {
    /// The period's floor: the shared vector unit and H-trees.
    floor_ns: f64,
    /// Weight bytes of the stages loaded with the segment.
    weight_bytes: u64,
    images: u64,
}

impl PipelinedSegment {
    /// The segment over `range` of `program` running `images` images (its stages' chains carry
    /// their DRAM transfers, [`stage_time`]).
    pub fn new(
        program: &Program,
        costs: &[StageCost],
        target: &Target,
        range: Range<usize>,
        images: u64,
    ) -> Self {
        let costs = &costs[range.clone()];
        let weight_bytes = program.stages[range.clone()]
            .iter()
            .map(Stage::weight_bytes)
            .sum();
        Self {
            floor_ns: period_floor(target, costs),
            weight_bytes,
            images,
        }
    }

    /// Load + run with `stages`' times (each a [`stage_time`] and its [`StageCost`]) and
    /// `crossbars` crossbars written at the segment's start.
    pub fn latency<'c>(
        &self,
        target: &Target,
        stages: impl Iterator<Item = (f64, &'c StageCost)>,
        crossbars: u64,
    ) -> f64 {
        let stages: Vec<(f64, &StageCost)> = stages.collect();
        let total = stages.iter().map(|&(time, _)| time).sum();
        let period = steady_period(
            self.floor_ns,
            &stages,
            Detail::Estimate,
            (&[], Bursts::default()),
        );
        let compute = pipelined(total, period, self.images);
        load_time(target, self.weight_bytes, crossbars) + compute
    }
}

/// The least period of a pipelined segment whatever its copies: its vector work on the shared
/// vector unit, its interconnect traffic spread over every PE link. (The DRAM channel's share
/// depends on the stage times: [`steady_period`].)
fn period_floor(target: &Target, costs: &[StageCost]) -> f64 {
    let vector_ns = costs.iter().map(|c| c.vector_ns).sum::<f64>();
    let copy_ns = costs.iter().map(|c| c.copies_ns() + c.halo_ns).sum::<f64>();
    vector_ns.max(copy_ns).max(shared_link_ns(target, costs))
}

/// How closely a segment is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The planner's estimates: the DRAM channel streams every transfer of the period one after
    /// another, and the first image passes every stage whole (`Σ` of the stage times). The
    /// planner sees neither placement nor prefetch: with the queue, its segmentation's and
    /// duplication's thin margins chose schedules that run slower as placed, and with the fill
    /// row by row, longer segments whose weight loads no prefetch hides (`docs/cost-model.md`
    /// §7).
    Estimate,
    /// The evaluation of a complete schedule: a pipelined segment's batch runs through its stages
    /// band by band, their chains on the DRAM channel, the vector unit and the buffer port as in
    /// the program ([`run_ns`]); a sequential segment's images flow through its stages row by
    /// row ([`image_fill`]).
    Evaluation,
}

/// The steady-state period of a pipeline whose `stages` take their [`stage_time`]s: the slowest
/// stage but for the store the next image overlaps, and at least the shared units' time
/// (`floor_ns`, [`period_floor`]) and the DRAM channel's, vector unit's and buffer port's (as
/// `detail` has them).
fn steady_period(
    floor_ns: f64,
    stages: &[(f64, &StageCost)],
    detail: Detail,
    (chains, bursts): (&[Vec<ChainStep>], Bursts),
) -> f64 {
    let slowest = stages
        .iter()
        .map(|&(time, cost)| time - cost.final_store_ns)
        .fold(0.0, f64::max);
    let shared_ns = match detail {
        Detail::Estimate => stages.iter().map(|(_, c)| c.dram_stream_ns).sum(),
        Detail::Evaluation => simulated_period_ns(chains, bursts),
    };
    slowest.max(floor_ns).max(shared_ns)
}

/// The cost of `plan` over `program` (stage costs `costs`), with the DRAM activation traffic of
/// its stages less what it keeps in ring buffers when it runs pipelined ([`segment_rings`]).
pub fn segment_cost(
    program: &Program,
    costs: &[StageCost],
    target: &Target,
    plan: &SegmentPlan<'_>,
) -> SegmentCost {
    let stages = &program.stages[plan.stages.clone()];
    let (staging, execution) = staging_plan(
        program,
        target,
        plan.stages.clone(),
        (plan.execution, plan.staging_tiles),
    );
    let bands: Vec<Banding> = staging.iter().map(|&(bands, _)| bands).collect();
    let pipelined = execution == Execution::Pipelined;
    let rings = segment_rings(
        program,
        plan.stages.clone(),
        target,
        (pipelined, plan.staging_tiles),
    );
    let traffic = program.traffic(plan.stages.clone(), target, &rings);
    let costs: Vec<StageCost> = plan
        .stages
        .clone()
        .zip(&staging)
        .map(|(s, &(_, share))| {
            let cost = match rings.layers.is_empty() {
                true => costs[s],
                false => costs[s].with_traffic(target, program.stage_traffic(s, target, &rings)),
            };
            cost.with_halo(target, stage_halo(program, s, share))
        })
        .collect();
    let costs = &costs[..];
    let mvm_times: Vec<f64> = stages
        .iter()
        .zip(plan.copies)
        .zip(&bands)
        .map(|((stage, &copies), bands)| banded_mvm_ns(target, stage, copies, bands))
        .collect();
    let chains: Vec<Vec<ChainStep>> = match (pipelined, plan.detail) {
        (true, Detail::Evaluation) => plan
            .stages
            .clone()
            .zip(costs)
            .zip(mvm_times.iter().zip(&staging))
            .map(|((s, cost), (&mvm_ns, &(bands, share)))| {
                let staged = (mvm_ns, bands.count(), share);
                chain_steps(program, (s, target, &rings), cost, staged)
            })
            .collect(),
        _ => Vec::new(),
    };
    // One image: the stages one after another when they take turns in the global buffer (or
    // for the planner), else row by row, one after another only within a tile's buffer.
    let one_buffer = execution == Execution::Sequential && target.buffers.global_bytes > 0;
    let buffers = plan
        .staging_tiles
        .filter(|_| execution == Execution::Sequential);
    let fill = |stages: &[(f64, &StageCost)]| match plan.detail {
        Detail::Evaluation if !one_buffer => {
            let counts: Vec<u64> = bands.iter().map(Banding::count).collect();
            image_fill(program, plan.stages.clone(), stages, (&counts, buffers))
        }
        _ => stages.iter().map(|&(time, _)| time).sum(),
    };
    let run = (pipelined && plan.detail == Detail::Evaluation).then(|| {
        let counts: Vec<u64> = bands.iter().map(Banding::count).collect();
        let final_stores: Vec<f64> = costs.iter().map(|c| c.final_store_ns).collect();
        let images = plan.images;
        run_ns(
            program,
            plan.stages.clone(),
            &chains,
            (&counts, &final_stores),
            (images, Bursts::of(target)),
        )
    });
    let phase = compute_phase(
        target,
        costs,
        (&mvm_times, &chains, run),
        (execution, plan.detail, fill),
        plan.images,
    );
    let prefetched = |i: usize| plan.prefetched.is_some_and(|p| p[i]);
    let (mut loaded, mut fetched) = (WeightLoad::default(), WeightLoad::default());
    let (mut footprint, mut rewritten_cells) = (0, 0u64);
    for (i, (stage, &copies)) in stages.iter().zip(plan.copies).enumerate() {
        let Some(m) = &stage.mvm else { continue };
        let taps = program.layers[m.layer].mvm().map_or(1, |l| l.taps());
        let (rows, cells) = m.mapping.tiling.rewrites(taps);
        let slot = if prefetched(i) {
            &mut fetched
        } else {
            &mut loaded
        };
        slot.bytes += m.weight_bytes;
        slot.crossbars += copies.saturating_mul(m.mapping.tiling.crossbars);
        slot.rows += copies.saturating_mul(rows);
        rewritten_cells += copies.saturating_mul(cells);
        footprint += m.mapping.footprint(m.mapping.units(copies));
    }
    let weight_bytes = loaded.bytes + fetched.bytes;
    let crossbars = loaded.crossbars + fetched.crossbars;
    let activation_bytes = traffic.per_image().saturating_mul(plan.images);
    let load_ns = loaded.time(target);
    let activation_ns = dram_stream_time(target, activation_bytes);
    let run_ns = match execution {
        Execution::Pipelined => phase.compute_ns,
        Execution::Sequential => overlap(
            target,
            phase.compute_ns,
            activation_ns,
            traffic,
            plan.images,
        ),
    };
    let per_image: Energy = costs.iter().map(|c| c.energy).sum();
    let in_tiles = target.buffer_elements(target.buffers.global_bytes) == 0;
    let fenced = in_tiles && (execution == Execution::Sequential || stages.len() == 1);
    SegmentCost {
        load_ns,
        prefetch_ns: fetched.time(target),
        compute_ns: phase.compute_ns,
        activation_ns,
        run_ns,
        latency_ns: load_ns + run_ns,
        prefetch_window_ns: if fenced {
            run_ns / plan.images.max(1) as f64
        } else {
            run_ns
        },
        stage_times_ns: phase.stage_times_ns,
        stage_time_ns: phase.stage_time_ns,
        crossbars,
        footprint,
        weight_bytes,
        activation_bytes,
        idle_ns: phase.idle_ns,
        occupied_ns: phase.occupied_ns,
        energy: per_image.scaled(plan.images as f64)
            + Energy {
                dram: dram_energy(target, weight_bytes.saturating_add(activation_bytes)),
                crossbar_write: crossbars as f64 * target.crossbar_write_energy_pj()
                    + rewritten_cells as f64 * target.crossbar.write_energy_pj_per_cell,
                ..Energy::default()
            },
    }
}

/// What a segment's weight load (or prefetch) reads and writes: weight bytes, crossbars (each
/// cleared and written whole) and rows written again in them (`Tiling::rewrites`).
#[derive(Debug, Clone, Copy, Default)]
struct WeightLoad {
    bytes: u64,
    crossbars: u64,
    rows: u64,
}

impl WeightLoad {
    /// Its time ([`load_time`] and [`rewrite_time`]), ns.
    fn time(&self, target: &Target) -> f64 {
        load_time(target, self.bytes, self.crossbars)
            + rewrite_time(target, self.rows, self.crossbars)
    }
}

/// The compute phase of a segment: its duration and stage times, and the idle and occupied time
/// of its crossbar stages.
struct Phase {
    compute_ns: f64,
    stage_times_ns: Vec<f64>,
    stage_time_ns: f64,
    idle_ns: f64,
    occupied_ns: f64,
}

/// A stage's time per image: its MVM, then its vector work (each vector layer waits for the
/// result of the layer before it), and the DRAM latency of its transfers, which follow one
/// another ([`StageCost::dram_latency_ns`]).
pub fn stage_time(cost: &StageCost, mvm_ns: f64) -> f64 {
    mvm_ns + cost.vector_ns + cost.copies_ns() + cost.dram_latency_ns + cost.dram_stream_ns
}

/// A pipeline whose first image takes `fill_ns` through its stages, at `period_ns` per image in
/// the steady state, over `images` images: the fill, then one period per image (each stage
/// starts an image when the stage before has passed it on and it has finished the previous one,
/// but for the store of its result, which the next image overlaps).
fn pipelined(fill_ns: f64, period_ns: f64, images: u64) -> f64 {
    fill_ns + images.saturating_sub(1) as f64 * period_ns
}

/// Pipelined: the whole run (`run`, [`run_ns`]) where the evaluator has one, at least a period
/// of the shared units' floor ([`period_floor`]) per image; else the first image through the
/// stages (`fill`, of the stage times: [`image_fill`]), at least a period, then one period per
/// image. The period is the slowest stage, and at least the time the resources all stages share
/// need per image: the vector unit (all vector work), the PE links (all interconnect traffic
/// spread over every PE, [`shared_link_ns`]), and the DRAM channel, vector unit and buffer port
/// as the stages' chains use them ([`simulated_period_ns`]). Sequential: each image through
/// every stage (`fill`). Stage times are [`stage_time`]s.
fn compute_phase(
    target: &Target,
    costs: &[StageCost],
    (mvm_times, chains, run): (&[f64], &[Vec<ChainStep>], Option<f64>),
    (execution, detail, fill): (Execution, Detail, impl FnOnce(&[(f64, &StageCost)]) -> f64),
    images: u64,
) -> Phase {
    let n = images as f64;
    let slowest = |times: &[f64]| times.iter().copied().fold(0.0, f64::max);
    let times: Vec<f64> = costs
        .iter()
        .zip(mvm_times)
        .map(|(c, &m)| stage_time(c, m))
        .collect();
    let stages: Vec<(f64, &StageCost)> = times.iter().copied().zip(costs).collect();
    let (compute_ns, stage_time_ns) = match (execution, run) {
        (Execution::Pipelined, run) => {
            let floor = period_floor(target, costs);
            let period = steady_period(floor, &stages, detail, (chains, Bursts::of(target)));
            let compute = match run {
                Some(run) => run.max(n * floor),
                None => pipelined(fill(&stages).max(period), period, images),
            };
            (compute, period)
        }
        (Execution::Sequential, _) => (n * fill(&stages), slowest(&times)),
    };
    let stage_times_ns = times;
    let crossbar_times = mvm_times.iter().filter(|&&t| t > 0.0);
    let (idle_ns, occupied_ns) = crossbar_times.fold((0.0, 0.0), |(idle, occupied), t| {
        (idle + (compute_ns - n * t).max(0.0), occupied + compute_ns)
    });
    Phase {
        compute_ns,
        stage_times_ns,
        stage_time_ns,
        idle_ns,
        occupied_ns,
    }
}

/// The interconnect time per image of stages with costs `costs` when their traffic is spread
/// evenly over all the chip's PE links: the least a pipelined segment's period can be.
pub fn shared_link_ns(target: &Target, costs: &[StageCost]) -> f64 {
    costs.iter().map(|c| c.link_ns).sum::<f64>() / target.total_pes().max(1) as f64
}

/// The run of a sequential compute phase whose stage chains carry the segment's DRAM streaming
/// (`activation_ns` in all): the stages overlap it with the next image's work (double-buffered)
/// when two images' worth of the segment's transfers fit in the global buffer, leaving one
/// image's exposed (the first fill and last spill), and are serial otherwise. (A pipeline already
/// overlaps one stage's transfers with the other stages' work.)
fn overlap(
    target: &Target,
    compute_ns: f64,
    activation_ns: f64,
    traffic: Traffic,
    images: u64,
) -> f64 {
    let per_image = traffic.per_image();
    let double_buffered = per_image > 0
        && target.buffers.global_bytes > 0
        && per_image.saturating_mul(2) <= target.buffers.global_bytes;
    if double_buffered {
        let chains = compute_ns - activation_ns;
        chains.max(activation_ns) + activation_ns / images.max(1) as f64
    } else {
        compute_ns
    }
}

/// The modelled cost of a whole schedule (a batch).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleCost {
    /// Per segment, for one run.
    pub segments: Vec<SegmentCost>,
    /// Per segment, the prefetch the previous segment's run does not hide, for one run, ns.
    pub exposed_prefetch_ns: Vec<f64>,
    /// The batch's latency: runs x the sum of the segments' latencies and exposed prefetches, ns.
    pub latency_ns: f64,
    /// Energy of the batch, leakage included, pJ.
    pub energy: Energy,
    /// Weight bytes read from DRAM for the batch.
    pub weight_bytes: u64,
    /// Activation bytes moved to and from DRAM for the batch.
    pub activation_bytes: u64,
    /// Crossbars written for the batch (every copy of every segment, every run).
    pub crossbar_writes: u64,
    /// Idle fraction of the crossbar layers' compute phases.
    pub bubble_fraction: f64,
}

/// The tiles the stages of `schedule`'s segment over `range` stage in on a target without a
/// global buffer, from their placement ([`staging_tiles`]).
pub fn placed_staging_tiles(schedule: &Schedule, range: Range<usize>, target: &Target) -> Vec<u64> {
    let firsts = schedule.stages[range]
        .iter()
        .map(|s| s.placement.map(|p| p.first));
    staging_tiles(firsts, target.crossbars_per_tile())
}

/// The rings `schedule`'s segment over `range` keeps ([`segment_rings`]), as [`evaluate`] costs
/// them: none when its stages run one at a time, or do not fit the staging buffer side by side.
pub fn scheduled_rings(
    program: &Program,
    target: &Target,
    schedule: &Schedule,
    range: Range<usize>,
) -> Rings {
    let tiles = placed_staging_tiles(schedule, range.clone(), target);
    let plan = (schedule.execution(), Some(&tiles[..]));
    let (_, execution) = staging_plan(program, target, range.clone(), plan);
    let pipelined = execution == Execution::Pipelined;
    segment_rings(program, range, target, (pipelined, Some(&tiles)))
}

/// Evaluates `schedule` over `program` on `target`.
pub fn evaluate(program: &Program, target: &Target, schedule: &Schedule) -> ScheduleCost {
    let costs = stage_costs(program, target);
    let copies = schedule.copies();
    let prefetched: Vec<bool> = schedule
        .stages
        .iter()
        .map(|s| s.load == Load::Prefetch)
        .collect();
    let segments: Vec<SegmentCost> = schedule
        .segments
        .iter()
        .map(|range| {
            let tiles = placed_staging_tiles(schedule, range.clone(), target);
            let plan = SegmentPlan {
                stages: range.clone(),
                copies: &copies[range.clone()],
                prefetched: Some(&prefetched[range.clone()]),
                execution: schedule.execution(),
                images: schedule.images,
                detail: Detail::Evaluation,
                staging_tiles: Some(&tiles),
            };
            segment_cost(program, &costs, target, &plan)
        })
        .collect();
    let exposed_prefetch_ns: Vec<f64> = segments
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let window = k
                .checked_sub(1)
                .map_or(0.0, |p| segments[p].prefetch_window_ns);
            (s.prefetch_ns - window).max(0.0)
        })
        .collect();
    let runs = schedule.runs as f64;
    let per_run = segments
        .iter()
        .zip(&exposed_prefetch_ns)
        .fold(0.0, |sum, (s, p)| sum + s.latency_ns + p);
    let latency_ns = runs * per_run;
    let dynamic: Energy = segments.iter().map(|s| s.energy).sum();
    let energy = Energy {
        leakage: target.leakage_total_mw() * latency_ns,
        ..dynamic.scaled(runs)
    };
    let (idle, occupied) = segments
        .iter()
        .fold((0.0, 0.0), |(i, o), s| (i + s.idle_ns, o + s.occupied_ns));
    let total = |f: fn(&SegmentCost) -> u64| {
        schedule
            .runs
            .saturating_mul(segments.iter().map(f).sum::<u64>())
    };
    ScheduleCost {
        latency_ns,
        energy,
        weight_bytes: total(|s| s.weight_bytes),
        activation_bytes: total(|s| s.activation_bytes),
        crossbar_writes: total(|s| s.crossbars),
        bubble_fraction: if occupied > 0.0 { idle / occupied } else { 0.0 },
        exposed_prefetch_ns,
        segments,
    }
}

/// A lower bound on the latency of a batch of `batch` images on `target` under any schedule, by
/// resource, ns.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LowerBound {
    /// All crossbar activations spread over every crossbar of the chip.
    pub crossbars_ns: f64,
    /// The slowest layer alone on the whole chip with as many copies as fit, for every image.
    pub layer_ns: f64,
    /// All vector-unit work.
    pub vector_ns: f64,
    /// All interconnect traffic spread over every PE link.
    pub interconnect_ns: f64,
    /// Every weight read once, the inputs read and the outputs written once.
    pub dram_ns: f64,
    /// Every crossbar holding weights written once.
    pub write_ns: f64,
}

impl LowerBound {
    /// The bound: the most constraining resource.
    pub fn latency_ns(&self) -> f64 {
        [
            self.crossbars_ns,
            self.layer_ns,
            self.vector_ns,
            self.interconnect_ns,
            self.dram_ns,
            self.write_ns,
        ]
        .into_iter()
        .fold(0.0, f64::max)
    }
}

/// The lower bound of `program` for `batch` images.
pub fn lower_bound(program: &Program, target: &Target, batch: u64) -> LowerBound {
    let b = batch as f64;
    let costs = stage_costs(program, target);
    let capacity = program.granularity.capacity(target);
    let mvms = || program.stages.iter().filter_map(|s| s.mvm.as_ref());
    let activations: f64 = mvms()
        .map(|m| m.mapping.tiling.activations_per_vector(target) as f64 * m.vectors as f64)
        .sum();
    let layer_ns = program
        .stages
        .iter()
        .filter_map(|s| {
            let m = s.mvm.as_ref()?;
            let units = m
                .mapping
                .max_units()
                .min(capacity / m.mapping.unit_footprint.max(1));
            Some(mvm_ns(target, s, m.mapping.copies(units.max(1))))
        })
        .fold(0.0, f64::max);
    let (inputs, outputs) = program.io_bytes();
    LowerBound {
        crossbars_ns: b * activations * target.crossbar_step_ns()
            / target.total_crossbars().max(1) as f64,
        layer_ns: b * layer_ns,
        vector_ns: b * costs.iter().map(|c| c.vector_ns).sum::<f64>(),
        interconnect_ns: b * shared_link_ns(target, &costs),
        dram_ns: dram_time(
            target,
            program
                .weight_bytes()
                .saturating_add(batch.saturating_mul(inputs + outputs)),
        ),
        write_ns: write_time(target, mvms().map(|m| m.mapping.tiling.crossbars).sum()),
    }
}
