//! The schedule: every decision of the scheduled phase, as one value ([`Schedule`]) that the
//! IR holds (`pim.schedule`, `dialects/src/schedule.rs`) and [`ir`] reads and writes. The passes
//! of the scheduled phase write it (segments and stage order, mode and batch; copies; crossbar
//! placement; weight prefetch); the evaluator ([`crate::cost`]), the report and the back end read
//! it and plan nothing again (`DESIGN.md` §10).
//!
//! Modes ([`Pipeline`], `DESIGN.md` §1):
//!
//! | mode | segments | a segment runs its images | duplication | runs | paper |
//! |---|---|---|---|---|---|
//! | `layer` | every stage | one at a time | yes | once per image (weights re-fetched) | LP |
//! | `baseline` | segmentation | one stage at a time | no | once per batch | RP |
//! | `reuse` | segmentation | as an inter-stage pipeline | yes | once per batch | PPP |
//! | `full` | one (refused if it does not fit) | as an inter-stage pipeline | yes | once per batch | FPP |
//!
//! `auto` (no mode given) is the cheapest of the modes that fit, by the evaluator.
//!
//! Schedulers ([`Scheduler`]): `paper`, as published (tile granularity, greedy in-order
//! segmentation, the bubble mitigation that gives spare tiles to the layer with the largest
//! `ceil(vectors / copies)`), and `pimc` (crossbar granularity, optimal segmentation over the layer
//! DAG and its topological orders, duplication driven by the modelled stage times, weight prefetch
//! overlapped with the previous segment's drain).

pub mod ir;

use crate::program::{Granularity, StageSpec};
use std::ops::Range;

/// The execution mode (`--pipeline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Pipeline {
    /// One image at a time; each layer alone on the whole chip, weights re-fetched per image.
    Layer,
    /// Segments loaded once per batch; images pass a segment's layers one layer at a time.
    Baseline,
    /// The weight-reuse pipeline: segments loaded once per batch, the batch streams through each
    /// segment's stages as a pipeline, spare crossbars duplicate bottlenecks.
    Reuse,
    /// The whole network on chip, all layers pipelined, spare crossbars duplicate bottlenecks.
    Full,
}

impl Pipeline {
    /// Every mode, in the order `auto` tries them (ties keep the earlier).
    pub const ALL: [Pipeline; 4] = [
        Pipeline::Full,
        Pipeline::Reuse,
        Pipeline::Baseline,
        Pipeline::Layer,
    ];

    /// The name used on the command line, in the IR and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Pipeline::Layer => "layer",
            Pipeline::Baseline => "baseline",
            Pipeline::Reuse => "reuse",
            Pipeline::Full => "full",
        }
    }

    /// The mode called `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// A `--pipeline` value: a mode, or `auto` (`None`: the cheapest mode that fits).
    pub fn parse_choice(value: &str) -> Result<Option<Self>, String> {
        if value == "auto" {
            return Ok(None);
        }
        Self::named(value)
            .map(Some)
            .ok_or_else(|| format!("`{value}` is not a mode: layer, baseline, reuse, full or auto"))
    }

    /// The name of a `--pipeline` value (`auto` for `None`).
    pub fn choice_name(choice: Option<Self>) -> &'static str {
        choice.map_or("auto", Self::name)
    }

    /// How a segment of this mode runs its images.
    pub fn execution(self) -> Execution {
        match self {
            Pipeline::Layer | Pipeline::Baseline => Execution::Sequential,
            Pipeline::Reuse | Pipeline::Full => Execution::Pipelined,
        }
    }

    /// Whether spare capacity duplicates bottleneck layers.
    pub fn duplicates(self) -> bool {
        self != Pipeline::Baseline
    }

    /// Whether the schedule runs once per image (weights re-fetched per image) instead of once
    /// per batch.
    pub fn per_image(self) -> bool {
        self == Pipeline::Layer
    }
}

/// How a segment runs its images through its stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Execution {
    /// Each image through the stages one after another; a stage's crossbars idle while the others
    /// run.
    Sequential,
    /// An inter-stage pipeline: image `i` in stage `s` at step `i + s`.
    Pipelined,
}

/// Who plans the schedule (`--scheduler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, clap::ValueEnum)]
pub enum Scheduler {
    /// The paper's method as published: tile granularity, greedy in-order segmentation, spare
    /// tiles to the layer with the largest `ceil(vectors / copies)`.
    Paper,
    /// pimc's: crossbar granularity, optimal segmentation over the layer DAG, duplication driven
    /// by modelled stage times, weight prefetch.
    #[default]
    Pimc,
}

impl Scheduler {
    /// The name used on the command line, in the IR and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scheduler::Paper => "paper",
            Scheduler::Pimc => "pimc",
        }
    }

    /// The scheduler called `name`.
    pub fn named(name: &str) -> Option<Self> {
        [Scheduler::Paper, Scheduler::Pimc]
            .into_iter()
            .find(|s| s.name() == name)
    }

    /// The allocation granularity it maps with unless told otherwise.
    pub fn granularity(self) -> Granularity {
        match self {
            Scheduler::Paper => Granularity::Tile,
            Scheduler::Pimc => Granularity::Crossbar,
        }
    }

    /// The segmentation it uses unless told otherwise.
    pub fn segmentation(self) -> Segmentation {
        match self {
            Scheduler::Paper => Segmentation::Greedy,
            Scheduler::Pimc => Segmentation::Optimal,
        }
    }
}

/// How stages are cut into segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Segmentation {
    /// The paper's greedy first fit in layer order.
    Greedy,
    /// The contiguous segmentation of least modelled batch latency (dynamic programming), over
    /// the best of several topological orders of the layer DAG.
    Optimal,
}

impl Segmentation {
    /// The name used on the command line: "greedy" or "optimal".
    pub fn name(self) -> &'static str {
        match self {
            Segmentation::Greedy => "greedy",
            Segmentation::Optimal => "optimal",
        }
    }
}

/// When a stage's weights are written into its crossbars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Load {
    /// At the start of its segment, before the segment computes.
    Segment,
    /// During the previous segment's drain, into crossbars that segment does not use.
    Prefetch,
}

impl Load {
    /// The name in the IR.
    pub fn name(self) -> &'static str {
        match self {
            Load::Segment => "segment",
            Load::Prefetch => "prefetch",
        }
    }

    /// The load called `name`.
    pub fn named(name: &str) -> Option<Self> {
        [Load::Segment, Load::Prefetch]
            .into_iter()
            .find(|l| l.name() == name)
    }
}

/// One stage of a schedule: its layers and the decisions about its weights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagePlan {
    /// The layers and column part.
    pub spec: StageSpec,
    /// Copies of the crossbar layer's weights (1 without one).
    pub copies: u64,
    /// Where the copies are (`None`: not placed yet, or no crossbar layer).
    pub placement: Option<Placement>,
    /// When its weights are written.
    pub load: Load,
}

impl StagePlan {
    /// A stage of `spec` with one copy, not placed, loaded with its segment.
    pub fn new(spec: StageSpec) -> Self {
        Self {
            spec,
            copies: 1,
            placement: None,
            load: Load::Segment,
        }
    }
}

/// Where a stage's copies are on the chip: copy `d` holds its crossbars from
/// `first + d * stride` (a stride of at least one copy's crossbars; one PE's crossbars places the
/// copies one per PE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The first crossbar of copy 0.
    pub first: u64,
    /// Crossbars from one copy's first crossbar to the next's.
    pub stride: u64,
}

impl Placement {
    /// The crossbars of copy `d` of `per_copy` crossbars.
    pub fn copy(&self, d: u64, per_copy: u64) -> Range<u64> {
        let first = self.first + d * self.stride;
        first..first + per_copy
    }

    /// One past the last crossbar of `copies` copies of `per_copy` crossbars.
    pub fn end(&self, copies: u64, per_copy: u64) -> u64 {
        self.copy(copies.saturating_sub(1), per_copy).end
    }
}

/// A complete schedule of one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The mode.
    pub pipeline: Pipeline,
    /// Who planned it.
    pub scheduler: Scheduler,
    /// The allocation granularity.
    pub granularity: Granularity,
    /// Images per batch.
    pub batch: u64,
    /// Times the segments run for the batch (the batch in `layer` mode, else 1).
    pub runs: u64,
    /// Images per run.
    pub images: u64,
    /// The stages, in execution order.
    pub stages: Vec<StagePlan>,
    /// The segments: consecutive ranges of `stages`, in order.
    pub segments: Vec<Range<usize>>,
}

impl Schedule {
    /// The stage specs in order (what [`crate::program::Program::new`] maps).
    pub fn specs(&self) -> Vec<StageSpec> {
        self.stages.iter().map(|s| s.spec.clone()).collect()
    }

    /// Copies of every stage, in order.
    pub fn copies(&self) -> Vec<u64> {
        self.stages.iter().map(|s| s.copies).collect()
    }

    /// How its segments run their images.
    pub fn execution(&self) -> Execution {
        self.pipeline.execution()
    }
}

/// What the command line (or a pass's options) asks of the scheduled phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Images per batch (`--batch`; the IR's own batch when it has one).
    pub batch: u64,
    /// The mode; `None`: `auto`, the cheapest mode that fits.
    pub pipeline: Option<Pipeline>,
    /// Who plans.
    pub scheduler: Scheduler,
    /// Allocation granularity; `None`: the scheduler's.
    pub granularity: Option<Granularity>,
    /// Segmentation; `None`: the scheduler's.
    pub segmentation: Option<Segmentation>,
}

impl Default for Options {
    /// Batch 1, `auto`, the pimc scheduler with its defaults.
    fn default() -> Self {
        Self {
            batch: 1,
            pipeline: None,
            scheduler: Scheduler::Pimc,
            granularity: None,
            segmentation: None,
        }
    }
}

impl Options {
    /// The granularity these options map with.
    pub fn granularity(&self) -> Granularity {
        self.granularity
            .unwrap_or_else(|| self.scheduler.granularity())
    }

    /// The segmentation these options use.
    pub fn segmentation(&self) -> Segmentation {
        self.segmentation
            .unwrap_or_else(|| self.scheduler.segmentation())
    }
}
