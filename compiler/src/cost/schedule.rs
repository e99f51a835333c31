//! Scheduling: which weights live on chip when, and how the batch flows through them.
//!
//! **Stages.** [`Program::new`] groups the layer list into stages, the units of scheduling: a
//! crossbar layer with the vector layers that follow it up to the next crossbar layer (its
//! epilogue, streamed behind the MVM on the vector unit). Vector layers before the first crossbar
//! layer form a vector-only stage. A crossbar layer whose one copy needs more than the whole chip
//! is cut into column parts (each a stage holding a slice of the output columns, which needs no
//! partial sums across weight loads); a layer one column of which does not fit is refused.
//!
//! **Flows.** The dataflow DAG (`layers.rs`) becomes flows between stages: a producer stage (or a
//! network input), the consumer stages, the bytes per image at activation precision. A flow that
//! leaves its segment is spilled to DRAM once and filled once by each later segment that reads it
//! (residual connections can cross several segments), unless it stays in the global buffer: it
//! does when, at every stage boundary it crosses, the activations live there for all images of a
//! run fit in the global buffer ([`Flow::max_live`]). The rule depends on the flow only, not on
//! where segments are cut, so segment costs add up and the segmentation DP is exact. Network
//! inputs are always read from DRAM and outputs written to it.
//!
//! **Modes** ([`Pipeline`], `DESIGN.md` §1). Each mode is a set of [`Rules`]: how the stages are
//! cut into segments, whether a segment runs its images through the stages one stage at a time
//! ([`Execution::Sequential`]) or as an inter-layer pipeline ([`Execution::Pipelined`]), whether
//! spare capacity duplicates bottlenecks, and whether the whole schedule runs once per batch or
//! once per image:
//!
//! | mode | cuts | execution | duplication | runs |
//! |---|---|---|---|---|
//! | `layer` | every stage | sequential | yes (fills the chip while it pays) | once per image |
//! | `baseline` | segmentation | sequential | no | once per batch |
//! | `full` | none (refused if it does not fit) | pipelined | yes | once per batch |
//!
//! The weight-reuse pipeline (`reuse`) is `Rules { cuts: Segmented, execution: Pipelined,
//! duplicate: true, per_image: false }`, and `auto` picks the cheapest of the modes' schedules:
//! both drop into [`Pipeline::rules`] and [`schedule`] without new machinery.
//!
//! **Segmentation** ([`Segmentation`]): the paper's greedy first fit in layer order, or the
//! optimal contiguous segmentation by dynamic programming over the modelled segment latencies
//! (`best[b] = min over a of best[a] + latency(a..b)` over segments that fit).
//!
//! **Duplication** within a segment's spare capacity: under [`Granularity::Tile`] the paper's
//! rule (repeatedly give one more tile copy to the layer with the largest `ceil(vectors /
//! copies)` whose copy fits); under [`Granularity::Crossbar`] pimc's rule, driven by the modelled
//! times: give the slowest stage the fewest extra copies that make it faster, while the segment's
//! modelled latency does not rise, and keep the cheapest assignment seen (extra copies cost
//! write time and energy, so they stop when they no longer pay).

use super::layers::{Dataflow, Layer, LayerId, MvmKind, VectorWork};
use super::mapping::{Granularity, LayerMapping, MatrixShape, Tiling};
use super::model::{self, Energy};
use super::CostError;
use pim_runtime::target::Target;
use std::ops::Range;

/// The execution mode (`--pipeline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Pipeline {
    /// One image at a time; each layer alone on the whole chip, weights re-fetched per image.
    Layer,
    /// Segments loaded once per batch; images pass a segment's layers one layer at a time.
    Baseline,
    /// The whole network on chip, all layers pipelined, spare crossbars duplicate bottlenecks.
    Full,
}

impl Pipeline {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Pipeline::Layer => "layer",
            Pipeline::Baseline => "baseline",
            Pipeline::Full => "full",
        }
    }

    /// How this mode builds its schedule.
    pub fn rules(self) -> Rules {
        match self {
            Pipeline::Layer => Rules {
                cuts: Cuts::EveryStage,
                execution: Execution::Sequential,
                duplicate: true,
                per_image: true,
            },
            Pipeline::Baseline => Rules {
                cuts: Cuts::Segmented,
                execution: Execution::Sequential,
                duplicate: false,
                per_image: false,
            },
            Pipeline::Full => Rules {
                cuts: Cuts::Whole,
                execution: Execution::Pipelined,
                duplicate: true,
                per_image: false,
            },
        }
    }
}

/// How stages are cut into segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Segmentation {
    /// The paper's greedy first fit in layer order.
    Greedy,
    /// The contiguous segmentation of least modelled batch latency (dynamic programming).
    Optimal,
}

impl Segmentation {
    /// The name used in reports: "greedy" or "optimal".
    pub fn name(self) -> &'static str {
        match self {
            Segmentation::Greedy => "greedy",
            Segmentation::Optimal => "optimal",
        }
    }
}

/// Where a mode cuts the stages into segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cuts {
    /// Every stage is a segment.
    EveryStage,
    /// By the chosen [`Segmentation`].
    Segmented,
    /// One segment holding everything; refused if it does not fit.
    Whole,
}

/// How a segment runs its images through its stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Execution {
    /// Each image through the stages one after another; a stage's crossbars idle while the others
    /// run.
    Sequential,
    /// An inter-layer pipeline: `images + stages - 1` periods of the slowest stage.
    Pipelined,
}

/// The rules of a pipeline mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Where segments are cut.
    pub cuts: Cuts,
    /// How a segment executes.
    pub execution: Execution,
    /// Whether spare capacity duplicates bottleneck layers.
    pub duplicate: bool,
    /// Whether the schedule runs once per image (weights re-fetched per image) instead of once
    /// per batch.
    pub per_image: bool,
}

/// Options of [`schedule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleOptions {
    /// Images per batch.
    pub batch: u64,
    /// The mode; `None`: `full` if the network fits, else `baseline`.
    pub pipeline: Option<Pipeline>,
    /// Greedy or optimal segmentation.
    pub segmentation: Segmentation,
    /// Crossbar (pimc) or tile (the paper's) allocation.
    pub granularity: Granularity,
}

impl Default for ScheduleOptions {
    /// Batch 1, default mode, optimal segmentation, crossbar granularity.
    fn default() -> Self {
        Self {
            batch: 1,
            pipeline: None,
            segmentation: Segmentation::Optimal,
            granularity: Granularity::Crossbar,
        }
    }
}

/// The crossbar layer (or column part of one) of a stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageMvm {
    /// The layer.
    pub layer: LayerId,
    /// Its kind.
    pub kind: MvmKind,
    /// Which column part (0-based) of how many.
    pub part: u64,
    /// Column parts the layer is cut into (1 when it fits the chip).
    pub parts: u64,
    /// The weights of this part.
    pub shape: MatrixShape,
    /// Input vectors per image.
    pub vectors: u64,
    /// Its mapping on the target.
    pub mapping: LayerMapping,
    /// Its weight bytes in DRAM.
    pub weight_bytes: u64,
}

/// A scheduling unit: a crossbar layer and its vector epilogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The crossbar layer's name (with the part, `name[k/n]`, when cut), or the first vector
    /// layer's.
    pub name: String,
    /// The crossbar layer, if any.
    pub mvm: Option<StageMvm>,
    /// The vector layers of its epilogue.
    pub vector: Vec<LayerId>,
    /// Vector-unit time per image, ns.
    pub vector_ns: f64,
    /// Interconnect time per image of all its vectors through one tile's H-tree, ns (its share
    /// of the H-trees a pipelined segment shares).
    pub link_ns: f64,
    /// Energy per image (compute, buffer, interconnect, vector), pJ.
    pub energy: Energy,
}

impl Stage {
    /// A stage of vector layers only (those before the first crossbar layer).
    fn vector_only(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            mvm: None,
            vector: Vec::new(),
            vector_ns: 0.0,
            link_ns: 0.0,
            energy: Energy::default(),
        }
    }

    /// Adds vector layer `id` to the stage's epilogue.
    fn attach(&mut self, id: LayerId, work: &VectorWork, target: &Target) {
        self.vector.push(id);
        self.vector_ns += model::vector_time(target, work);
        self.energy = self.energy + model::vector_energy(target, work);
    }

    /// The crossbar layer's time per image with `units` allocation units, ns (0 without one).
    pub fn mvm_time(&self, target: &Target, units: u64) -> f64 {
        self.mvm.as_ref().map_or(0.0, |m| {
            model::mvm_time(target, &m.mapping, m.vectors, units).total()
        })
    }

    /// Weight bytes of its crossbar layer.
    pub fn weight_bytes(&self) -> u64 {
        self.mvm.as_ref().map_or(0, |m| m.weight_bytes)
    }

    /// Crossbars or tiles of one unit (0 without a crossbar layer).
    pub fn unit_footprint(&self) -> u64 {
        self.mvm.as_ref().map_or(0, |m| m.mapping.unit_footprint)
    }
}

/// Activations flowing from one stage (or a network input) to later stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// The producing stage; `None` for a network input.
    pub producer: Option<usize>,
    /// The consuming stages other than the producer, ascending.
    pub consumers: Vec<usize>,
    /// Bytes per image.
    pub bytes: u64,
    /// Whether it is (part of) a network output.
    pub output: bool,
    /// The most bytes per image live at any stage boundary the flow crosses (0 if it crosses
    /// none).
    pub max_live: u64,
}

/// DRAM activation traffic of one segment, bytes per image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Traffic {
    /// Fills: activations the segment reads from DRAM.
    pub read_bytes: u64,
    /// Spills and outputs: activations it writes to DRAM.
    pub write_bytes: u64,
}

impl Traffic {
    /// Bytes read and written per image.
    pub fn per_image(&self) -> u64 {
        self.read_bytes.saturating_add(self.write_bytes)
    }
}

/// The network prepared for scheduling on one target: layers, stages and flows.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The layers.
    pub layers: Vec<Layer>,
    /// The stages, in order.
    pub stages: Vec<Stage>,
    /// The flows between stages.
    pub flows: Vec<Flow>,
    /// The allocation granularity the stages are mapped with.
    pub granularity: Granularity,
}

impl Program {
    /// Groups `layers` into stages mapped on `target` with `granularity`.
    pub fn new(
        layers: Vec<Layer>,
        target: &Target,
        granularity: Granularity,
    ) -> Result<Self, CostError> {
        let mut stages: Vec<Stage> = Vec::new();
        let mut stages_of: Vec<Vec<usize>> = vec![Vec::new(); layers.len()];
        for (id, layer) in layers.iter().enumerate() {
            if layer.mvm().is_some() {
                for stage in crossbar_stages(id, layer, target, granularity)? {
                    stages_of[id].push(stages.len());
                    stages.push(stage);
                }
            } else if let Some(work) = layer.vector() {
                if stages.is_empty() {
                    stages.push(Stage::vector_only(&layer.name));
                }
                let last = stages.len() - 1;
                stages[last].attach(id, work, target);
                stages_of[id].push(last);
            }
        }
        let flows = flows(&layers, &stages, &stages_of, target);
        Ok(Self {
            layers,
            stages,
            flows,
            granularity,
        })
    }

    /// Crossbars or tiles of one unit of each stage in `range`, summed.
    pub fn footprint(&self, range: Range<usize>) -> u64 {
        self.stages[range].iter().map(Stage::unit_footprint).sum()
    }

    /// Checks that every stage fits on the chip at once, one copy each; the error names what the
    /// network needs and what the target has.
    pub fn check_fits(&self, target: &Target) -> Result<(), CostError> {
        super::mapping::fits(
            self.footprint(0..self.stages.len()),
            target,
            self.granularity,
        )
    }

    /// Weight bytes of all stages.
    pub fn weight_bytes(&self) -> u64 {
        self.stages.iter().map(Stage::weight_bytes).sum()
    }

    /// Bytes per image of the network inputs and of the network outputs.
    pub fn io_bytes(&self) -> (u64, u64) {
        let inputs = self.flows.iter().filter(|f| f.producer.is_none());
        let outputs = self.flows.iter().filter(|f| f.output);
        (
            inputs.map(|f| f.bytes).sum(),
            outputs.map(|f| f.bytes).sum(),
        )
    }

    /// Multiply-accumulates per image.
    pub fn macs(&self) -> u64 {
        self.layers
            .iter()
            .filter_map(Layer::mvm)
            .map(|m| m.macs())
            .sum()
    }

    /// The DRAM activation traffic of a segment over `range` when `images` images are in flight,
    /// bytes per image.
    pub fn traffic(&self, range: Range<usize>, images: u64, target: &Target) -> Traffic {
        let global = target.buffers.global_bytes;
        let on_chip = |f: &Flow| {
            f.producer.is_some() && global > 0 && images.saturating_mul(f.max_live) <= global
        };
        let mut traffic = Traffic::default();
        for flow in &self.flows {
            match flow.producer {
                Some(p) if range.contains(&p) => {
                    let leaves = flow.consumers.last().is_some_and(|&c| c >= range.end);
                    if flow.output || (leaves && !on_chip(flow)) {
                        traffic.write_bytes += flow.bytes;
                    }
                }
                Some(p) if p >= range.end => {}
                _ => {
                    let reads = flow.consumers.iter().any(|c| range.contains(c));
                    if reads && !on_chip(flow) {
                        traffic.read_bytes += flow.bytes;
                    }
                }
            }
        }
        traffic
    }
}

/// The stages of crossbar layer `id`: one, or one per column part when it is larger than the chip.
fn crossbar_stages(
    id: LayerId,
    layer: &Layer,
    target: &Target,
    granularity: Granularity,
) -> Result<Vec<Stage>, CostError> {
    let Some(mvm) = layer.mvm() else {
        return Ok(Vec::new());
    };
    let parts = column_parts(&layer.name, mvm.shape, target, granularity)?;
    let count = parts.len() as u64;
    Ok(parts
        .into_iter()
        .enumerate()
        .map(|(part, shape)| {
            let tiling = Tiling::new(shape, target);
            let dense = mvm.kind == MvmKind::Fc;
            let energy = model::mvm_energy(target, shape, tiling.crossbars, mvm.vectors);
            let mapping = LayerMapping::new(tiling, granularity, target, mvm.vectors, dense);
            Stage {
                name: if count > 1 {
                    format!("{}[{}/{count}]", layer.name, part + 1)
                } else {
                    layer.name.clone()
                },
                mvm: Some(StageMvm {
                    layer: id,
                    kind: mvm.kind,
                    part: part as u64,
                    parts: count,
                    shape,
                    vectors: mvm.vectors,
                    mapping,
                    weight_bytes: model::weight_bytes(target, shape.weights()),
                }),
                vector: Vec::new(),
                vector_ns: 0.0,
                link_ns: model::mvm_time(target, &mapping, mvm.vectors, 1).interconnect_ns,
                energy: Energy {
                    compute: energy.compute(),
                    buffer: energy.buffer,
                    interconnect: energy.interconnect,
                    ..Energy::default()
                },
            }
        })
        .collect())
}

/// The column parts of a layer: the whole shape when one copy fits the chip, else equal slices of
/// its columns (the last one smaller) each of which fits.
fn column_parts(
    name: &str,
    shape: MatrixShape,
    target: &Target,
    granularity: Granularity,
) -> Result<Vec<MatrixShape>, CostError> {
    let capacity = granularity.capacity(target);
    let footprint =
        |cols: u64| Tiling::new(MatrixShape { cols, ..shape }, target).footprint(granularity);
    let whole = footprint(shape.cols);
    if whole <= capacity {
        return Ok(vec![shape]);
    }
    let one = footprint(1);
    if one > capacity {
        return Err(CostError::LayerTooLarge {
            layer: name.to_owned(),
            needed: one,
            available: capacity,
            unit: granularity.unit(),
            target: target.chip.name.clone(),
        });
    }
    let mut parts = whole.div_ceil(capacity.max(1)).max(2);
    while footprint(shape.cols.div_ceil(parts)) > capacity {
        parts += 1;
    }
    let width = shape.cols.div_ceil(parts);
    Ok((0..shape.cols.div_ceil(width))
        .map(|k| MatrixShape {
            cols: width.min(shape.cols - k * width),
            ..shape
        })
        .collect())
}

/// The flows between stages, with their live bytes at stage boundaries: one per used network
/// input, one per layer output (per column part) read by another stage or returned.
fn flows(
    layers: &[Layer],
    stages: &[Stage],
    stages_of: &[Vec<usize>],
    target: &Target,
) -> Vec<Flow> {
    let dataflow = Dataflow::new(layers);
    let bits = u64::from(target.precision.activation_bits);
    let bytes = |elements: u64| elements.saturating_mul(bits).div_ceil(8);
    let consumer_stages = |node| {
        let mut ids: Vec<usize> = dataflow
            .consumers(node)
            .iter()
            .flat_map(|&c| stages_of[c].iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut flows: Vec<Flow> = dataflow
        .input_nodes
        .iter()
        .map(|&(_, node)| Flow {
            producer: None,
            consumers: consumer_stages(node),
            bytes: bytes(
                dataflow
                    .graph
                    .edges(node)
                    .map(|e| *e.weight())
                    .max()
                    .unwrap_or(0),
            ),
            output: false,
            max_live: 0,
        })
        .collect();
    for (id, layer) in layers.iter().enumerate() {
        let consumers = consumer_stages(dataflow.layer_nodes[id]);
        for &producer in &stages_of[id] {
            let outside: Vec<usize> = consumers
                .iter()
                .copied()
                .filter(|&c| c != producer)
                .collect();
            if outside.is_empty() && !layer.is_output {
                continue;
            }
            flows.push(Flow {
                producer: Some(producer),
                consumers: outside,
                bytes: bytes(produced_elements(layer, &stages[producer])),
                output: layer.is_output,
                max_live: 0,
            });
        }
    }
    set_max_live(&mut flows, stages.len());
    flows
}

/// Elements per image of `layer`'s output that `stage` produces: all of them, or a column part's
/// share.
fn produced_elements(layer: &Layer, stage: &Stage) -> u64 {
    let part = stage
        .mvm
        .as_ref()
        .filter(|m| m.parts > 1)
        .map(|m| m.shape.cols);
    match (part, layer.mvm()) {
        (Some(cols), Some(whole)) => layer
            .output_elements
            .saturating_mul(cols)
            .div_ceil(whole.shape.cols.max(1)),
        _ => layer.output_elements,
    }
}

/// Sets every flow's [`Flow::max_live`]: live bytes at boundary `j` (before stage `j`) are those
/// of the flows produced before `j` and consumed at or after it.
fn set_max_live(flows: &mut [Flow], stages: usize) {
    let span = |f: &Flow| match (f.producer, f.consumers.last()) {
        (Some(p), Some(&last)) if last > p => Some((p + 1)..=last),
        _ => None,
    };
    let mut live = vec![0u64; stages + 1];
    for flow in flows.iter() {
        if let Some(boundaries) = span(flow) {
            for j in boundaries {
                live[j] = live[j].saturating_add(flow.bytes);
            }
        }
    }
    for flow in flows.iter_mut() {
        flow.max_live = span(flow).map_or(0, |b| b.map(|j| live[j]).max().unwrap_or(0));
    }
}

/// A segment: stages whose weights are on chip together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The stages.
    pub stages: Range<usize>,
    /// Allocation units (copies, or tile copies) per stage.
    pub units: Vec<u64>,
    /// How it runs its images.
    pub execution: Execution,
}

/// A complete schedule of one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The mode.
    pub pipeline: Pipeline,
    /// The segmentation used.
    pub segmentation: Segmentation,
    /// The allocation granularity.
    pub granularity: Granularity,
    /// Images per batch.
    pub batch: u64,
    /// Times the segments run for the batch (the batch, in per-image modes; else 1).
    pub runs: u64,
    /// Images per run.
    pub images_per_run: u64,
    /// The segments, in order.
    pub segments: Vec<Segment>,
}

/// Schedules `program` on `target`.
pub fn schedule(
    program: &Program,
    target: &Target,
    options: &ScheduleOptions,
) -> Result<Schedule, CostError> {
    if options.batch == 0 {
        return Err(CostError::ZeroBatch);
    }
    let pipeline = options
        .pipeline
        .unwrap_or(if program.check_fits(target).is_ok() {
            Pipeline::Full
        } else {
            Pipeline::Baseline
        });
    let rules = pipeline.rules();
    let (runs, images) = if rules.per_image {
        (options.batch, 1)
    } else {
        (1, options.batch)
    };
    let planner = Planner {
        program,
        target,
        rules,
        images,
    };
    let count = program.stages.len();
    let ranges = match rules.cuts {
        Cuts::EveryStage => (0..count).map(|s| s..s + 1).collect(),
        Cuts::Whole => {
            program.check_fits(target)?;
            std::iter::once(0..count)
                .filter(|r| !r.is_empty())
                .collect()
        }
        Cuts::Segmented => match options.segmentation {
            Segmentation::Greedy => planner.greedy(),
            Segmentation::Optimal => planner.optimal(),
        },
    };
    Ok(Schedule {
        pipeline,
        segmentation: options.segmentation,
        granularity: program.granularity,
        batch: options.batch,
        runs,
        images_per_run: images,
        segments: ranges.into_iter().map(|r| planner.segment(r)).collect(),
    })
}

/// The allocation units of every stage of the segment over `range` under `pipeline`'s
/// duplication rule, with `images` images per run (what [`schedule`] gives that segment).
pub fn segment_units(
    program: &Program,
    target: &Target,
    pipeline: Pipeline,
    images: u64,
    range: Range<usize>,
) -> Vec<u64> {
    let planner = Planner {
        program,
        target,
        rules: pipeline.rules(),
        images,
    };
    planner.segment(range).units
}

/// Builds the segments of one schedule.
struct Planner<'p> {
    program: &'p Program,
    target: &'p Target,
    rules: Rules,
    images: u64,
}

impl Planner<'_> {
    fn capacity(&self) -> u64 {
        self.program.granularity.capacity(self.target)
    }

    /// The segment over `range`, duplicated by the mode's rule.
    fn segment(&self, range: Range<usize>) -> Segment {
        let units = if self.rules.duplicate {
            match self.program.granularity {
                Granularity::Tile => self.paper_duplication(range.clone()),
                Granularity::Crossbar => self.latency_duplication(range.clone()),
            }
        } else {
            vec![1; range.len()]
        };
        Segment {
            stages: range,
            units,
            execution: self.rules.execution,
        }
    }

    /// The modelled latency of `segment`.
    fn latency(&self, segment: &Segment, traffic: Traffic) -> f64 {
        model::segment_cost(self.program, self.target, segment, self.images, traffic).latency_ns
    }

    /// The paper's greedy first fit: add stages in order while their footprint fits the chip.
    fn greedy(&self) -> Vec<Range<usize>> {
        let mut ranges = Vec::new();
        let mut start = 0;
        for end in 1..=self.program.stages.len() {
            if end - 1 > start && self.program.footprint(start..end) > self.capacity() {
                ranges.push(start..end - 1);
                start = end - 1;
            }
        }
        if start < self.program.stages.len() {
            ranges.push(start..self.program.stages.len());
        }
        ranges
    }

    /// The contiguous segmentation of least total modelled latency (dynamic programming; ties
    /// keep the longer last segment).
    fn optimal(&self) -> Vec<Range<usize>> {
        let count = self.program.stages.len();
        let mut best: Vec<Option<(f64, usize)>> = vec![None; count + 1];
        best[0] = Some((0.0, 0));
        let mut lo = 0;
        for end in 1..=count {
            while lo + 1 < end && self.program.footprint(lo..end) > self.capacity() {
                lo += 1;
            }
            for start in lo..end {
                let Some((before, _)) = best[start] else {
                    continue;
                };
                let segment = self.segment(start..end);
                let traffic = self.program.traffic(start..end, self.images, self.target);
                let total = before + self.latency(&segment, traffic);
                if best[end].is_none_or(|(b, _)| total < b) {
                    best[end] = Some((total, start));
                }
            }
        }
        let mut ranges = Vec::new();
        let mut end = count;
        while end > 0 {
            let start = best[end].map_or(end - 1, |(_, s)| s);
            ranges.push(start..end);
            end = start;
        }
        ranges.reverse();
        ranges
    }

    /// The paper's bubble mitigation: while spare capacity remains, one more unit for the stage
    /// with the largest `ceil(vectors / copies)` among those whose unit fits and that can use
    /// more copies.
    fn paper_duplication(&self, range: Range<usize>) -> Vec<u64> {
        let stages = &self.program.stages[range.clone()];
        let mut units = vec![1u64; stages.len()];
        let mut spare = self
            .capacity()
            .saturating_sub(self.program.footprint(range));
        loop {
            let pick = stages
                .iter()
                .enumerate()
                .filter_map(|(i, s)| Some((i, s.mvm.as_ref()?)))
                .filter(|(i, m)| {
                    units[*i] < m.mapping.max_units() && m.mapping.unit_footprint <= spare
                })
                .map(|(i, m)| (m.vectors.div_ceil(m.mapping.copies(units[i])), i))
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            let Some((_, i)) = pick else {
                return units;
            };
            units[i] += 1;
            spare -= stages[i].unit_footprint();
        }
    }

    /// pimc's duplication: the slowest crossbar stage gets the fewest extra copies that make it
    /// faster, while the segment's modelled latency does not rise; the cheapest assignment seen
    /// is kept.
    fn latency_duplication(&self, range: Range<usize>) -> Vec<u64> {
        let stages = &self.program.stages[range.clone()];
        let traffic = self
            .program
            .traffic(range.clone(), self.images, self.target);
        let mut segment = Segment {
            stages: range.clone(),
            units: vec![1; stages.len()],
            execution: self.rules.execution,
        };
        let mut spare = self
            .capacity()
            .saturating_sub(self.program.footprint(range));
        let mut current = self.latency(&segment, traffic);
        let mut best = (current, segment.units.clone());
        while let Some((i, next)) = self.faster_bottleneck(stages, &segment.units, spare) {
            let added = (next - segment.units[i]) * stages[i].unit_footprint();
            let previous = segment.units[i];
            segment.units[i] = next;
            let latency = self.latency(&segment, traffic);
            if latency > current {
                segment.units[i] = previous;
                break;
            }
            current = latency;
            spare -= added;
            if latency < best.0 {
                best = (latency, segment.units.clone());
            }
        }
        best.1
    }

    /// The slowest crossbar stage (first on ties) and its fewest units that make it faster within
    /// `spare`, if any.
    fn faster_bottleneck(
        &self,
        stages: &[Stage],
        units: &[u64],
        spare: u64,
    ) -> Option<(usize, u64)> {
        let time = |i: usize, u: u64| stages[i].mvm_time(self.target, u);
        let slowest = (0..stages.len())
            .filter(|&i| stages[i].mvm.is_some())
            .max_by(|&a, &b| {
                time(a, units[a])
                    .total_cmp(&time(b, units[b]))
                    .then(b.cmp(&a))
            })?;
        let mapping = &stages[slowest].mvm.as_ref()?.mapping;
        let affordable = units[slowest] + spare / mapping.unit_footprint.max(1);
        let now = time(slowest, units[slowest]);
        let last = mapping.max_units().min(affordable);
        (units[slowest] + 1..=last)
            .find(|&u| time(slowest, u) < now)
            .map(|u| (slowest, u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::layers::{LayerOp, Mvm, Source, VectorClass, VectorWork};

    fn compact() -> Target {
        Target::preset("compact-4x4").unwrap()
    }

    /// A chain of crossbar layers `(rows, cols, vectors)` each followed by nothing.
    fn chain(shapes: &[(u64, u64, u64)]) -> Vec<Layer> {
        shapes
            .iter()
            .enumerate()
            .map(|(i, &(rows, cols, vectors))| Layer {
                name: format!("L{}", i + 1),
                op: LayerOp::Mvm(Mvm {
                    kind: if vectors == 1 {
                        MvmKind::Fc
                    } else {
                        MvmKind::Conv
                    },
                    kernel: vec![],
                    shape: MatrixShape {
                        groups: 1,
                        rows,
                        cols,
                    },
                    vectors,
                }),
                inputs: vec![if i == 0 {
                    Source::Input {
                        port: 0,
                        elements: rows * vectors,
                    }
                } else {
                    Source::Layer(i - 1)
                }],
                input_elements: rows * vectors,
                output_elements: cols * vectors,
                is_output: i + 1 == shapes.len(),
            })
            .collect()
    }

    #[test]
    fn oversized_layers_are_cut_into_column_parts() {
        let t = compact();
        // 4096 x 4096 (AlexNet's FC2): 32 x 256 = 8192 crossbars, 2 parts of 2048 columns.
        let program = Program::new(chain(&[(4096, 4096, 1)]), &t, Granularity::Crossbar).unwrap();
        let names: Vec<&str> = program.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["L1[1/2]", "L1[2/2]"]);
        assert!(program.stages.iter().all(|s| s.unit_footprint() == 4096));
        // Both parts read the input; each writes half the output.
        assert_eq!(program.flows[0].consumers, [0, 1]);
        assert_eq!(program.flows[1].bytes, 2048);
        // Column parts never need more than the chip; a column that does not fit is refused.
        let error = Program::new(chain(&[(600_000, 1, 4)]), &t, Granularity::Crossbar)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("layer `L1`") && error.contains("4096"),
            "{error}"
        );
    }

    #[test]
    fn flows_and_traffic_follow_segment_cuts() {
        let t = compact();
        // Three layers: 2048 B per image between L1 and L2, 4096 B between L2 and L3.
        let layers = chain(&[(128, 16, 128), (16, 32, 128), (32, 10, 1)]);
        let program = Program::new(layers, &t, Granularity::Crossbar).unwrap();
        assert_eq!(program.flows.len(), 4);
        // Whole network in one segment: only the input and the output cross DRAM.
        let whole = program.traffic(0..3, 1, &t);
        assert_eq!((whole.read_bytes, whole.write_bytes), (128 * 128, 10));
        // At batch 1 the boundary activations stay in the 128 KiB global buffer.
        assert_eq!(program.traffic(1..3, 1, &t).read_bytes, 0);
        // At batch 64, 64 x 4096 B do not fit: spill and fill.
        assert_eq!(program.traffic(0..2, 64, &t).write_bytes, 32 * 128);
        assert_eq!(program.traffic(2..3, 64, &t).read_bytes, 32 * 128);
    }

    #[test]
    fn residual_flows_are_filled_by_every_later_segment_that_reads_them() {
        let t = compact();
        let mut layers = chain(&[(64, 64, 256), (64, 64, 256), (64, 64, 256)]);
        layers.push(Layer {
            name: "add".into(),
            op: LayerOp::Vector(VectorWork {
                op: "binary.add".into(),
                class: VectorClass::Elementwise,
                ops: 64 * 256,
                moved: 0,
                fused: false,
            }),
            inputs: vec![Source::Layer(2), Source::Layer(0)],
            input_elements: 2 * 64 * 256,
            output_elements: 64 * 256,
            is_output: true,
        });
        layers[2].is_output = false;
        let program = Program::new(layers, &t, Granularity::Crossbar).unwrap();
        // L1's output feeds L2 (stage 1) and the add (in stage 2).
        let residual = program
            .flows
            .iter()
            .find(|f| f.producer == Some(0))
            .unwrap();
        assert_eq!(residual.consumers, [1, 2]);
        assert_eq!(residual.max_live, 2 * 16384);
        // With 8 images in flight it does not fit: written once, read by both later segments.
        assert_eq!(program.traffic(0..1, 8, &t).write_bytes, 16384);
        assert_eq!(program.traffic(1..2, 8, &t).read_bytes, 16384);
        assert_eq!(program.traffic(2..3, 8, &t).read_bytes, 2 * 16384);
    }

    #[test]
    fn full_refuses_networks_that_do_not_fit() {
        let t = compact();
        let program = Program::new(
            chain(&[
                (4608, 512, 64),
                (4608, 512, 64),
                (4608, 512, 64),
                (4608, 512, 64),
            ]),
            &t,
            Granularity::Crossbar,
        )
        .unwrap();
        let options = ScheduleOptions {
            pipeline: Some(Pipeline::Full),
            ..ScheduleOptions::default()
        };
        let error = schedule(&program, &t, &options).unwrap_err();
        assert_eq!(
            error.to_string(),
            "pipeline `full` needs 4608 crossbars to hold all weights, the target `compact-4x4` \
             has 4096: use --pipeline baseline (weights loaded once per batch, segment by \
             segment) or a larger target"
        );
        // The default falls back to baseline.
        let default = schedule(&program, &t, &ScheduleOptions::default()).unwrap();
        assert_eq!(default.pipeline, Pipeline::Baseline);
        assert_eq!(default.segments.len(), 2);
        assert_eq!(
            schedule(
                &program,
                &t,
                &ScheduleOptions {
                    batch: 0,
                    ..options
                }
            )
            .unwrap_err(),
            CostError::ZeroBatch
        );
    }

    #[test]
    fn duplication_respects_caps() {
        let t = compact();
        // A conv with 4 vectors per image never gets more than 4 copies; an fc with 1 none.
        let program = Program::new(
            chain(&[(27, 128, 4), (1024, 10, 1)]),
            &t,
            Granularity::Crossbar,
        )
        .unwrap();
        let options = ScheduleOptions {
            batch: 16,
            pipeline: Some(Pipeline::Full),
            ..ScheduleOptions::default()
        };
        let s = schedule(&program, &t, &options).unwrap();
        assert!(s.segments[0].units[0] <= 4 && s.segments[0].units[1] == 1);
        let tile =
            Program::new(chain(&[(27, 128, 4), (1024, 10, 1)]), &t, Granularity::Tile).unwrap();
        let s = schedule(&tile, &t, &options).unwrap();
        let copies: Vec<u64> = tile
            .stages
            .iter()
            .zip(&s.segments[0].units)
            .map(|(st, &u)| st.mvm.as_ref().unwrap().mapping.copies(u))
            .collect();
        assert_eq!(copies, [4, 1]);
    }
}
