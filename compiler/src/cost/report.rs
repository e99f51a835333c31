//! The cost report: [`report`] evaluates the schedule of scheduled IR (read by
//! [`crate::schedule::ir::read`], so a hand-edited schedule is costed as written); [`Report`]
//! holds the figures with stable JSON keys (serde) and renders a text table ([`Report::to_text`]).
//!
//! JSON keys (all always present): `model`, `target`, `batch`, `pipeline`, `scheduler`,
//! `mapping`, `area_mm2`, `latency_ns` (whole batch), `throughput_fps`, `tops`, `tops_per_w`,
//! `tops_per_mm2`, `energy_pj` {`total`, `dram`, `crossbar_write`, `compute`, `buffer`,
//! `interconnect`, `vector`, `leakage`}, `dram_bytes` {`weights`, `activations`}, `crossbars`
//! {`used`, `available`, `written`}, `mvm_activations`, `segments` (list, [`SegmentReport`]),
//! `bubble_fraction`, `lower_bound_latency_ns`, `bound_fraction`, and `layers` (per-layer details,
//! [`LayerReport`]). Floats are rounded to 9 significant digits so that reports compare equal
//! across runs and summation noise does not show; lists are in stage order.

use super::model::{evaluate, lower_bound, ScheduleCost};
use super::units;
use crate::program::layers::VectorWork;
use crate::program::stages::StageMvm;
use crate::program::tiling::Banding;
use crate::program::{Program, Stage};
use crate::schedule::ir::Scheduled;
use crate::schedule::Schedule;
use pim_runtime::target::Target;
use serde::Serialize;
use std::fmt::Write;

/// The energy by component, DRAM traffic and crossbar use blocks, and the rounding, are the
/// timing report's: the two reports share their keys by construction.
pub use pim_runtime::sim::timing::{round, Crossbars, DramBytes, EnergyReport};

/// One segment; times are totals over the batch (all runs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentReport {
    /// Its stages' names.
    pub layers: Vec<String>,
    /// Crossbars holding weights (all copies).
    pub crossbars: u64,
    /// Weight bytes loaded per run.
    pub weight_bytes: u64,
    /// The slowest stage per image (the pipeline period when pipelined), ns.
    pub stage_time_ns: f64,
    /// Per stage, its time per image, ns.
    pub stage_times_ns: Vec<f64>,
    /// Weight loads at the segment's start, ns.
    pub load_ns: f64,
    /// Weight loads prefetched during the previous segment, ns, and the part of them its drain
    /// did not hide.
    pub prefetch_ns: f64,
    /// The exposed part of `prefetch_ns`, ns.
    pub exposed_prefetch_ns: f64,
    /// Compute phases, ns.
    pub compute_ns: f64,
    /// DRAM activation transfers, ns (overlapped with compute when the buffer allows).
    pub activation_ns: f64,
    /// Loads (with the exposed prefetch) plus runs, ns.
    pub latency_ns: f64,
}

/// One layer (a crossbar layer or column part of one, or a vector layer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerReport {
    /// Name.
    pub name: String,
    /// `conv`, `fc`, or the vector op (`act.relu`, `pool.max`, ...).
    pub kind: String,
    /// Segment index.
    pub segment: u64,
    /// Weight-matrix groups (0 for vector layers).
    pub groups: u64,
    /// Rows per group.
    pub rows: u64,
    /// Columns per group.
    pub cols: u64,
    /// Input vectors per image.
    pub vectors: u64,
    /// Crossbars of one copy.
    pub crossbars_per_copy: u64,
    /// Copies.
    pub copies: u64,
    /// Time per image at its duplication, ns.
    pub time_ns: f64,
    /// Its bit-serial crossbar term, ns.
    pub compute_ns: f64,
    /// Its interconnect term, ns.
    pub interconnect_ns: f64,
    /// Energy per image (crossbar layers: compute, buffer, interconnect; vector layers: vector,
    /// buffer), pJ.
    pub energy_pj: f64,
    /// Vector-unit element ops per image.
    pub vector_ops: u64,
}

/// The cost report of one compiled network on one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The model's name.
    pub model: String,
    /// The target's name.
    pub target: String,
    /// Images per batch.
    pub batch: u64,
    /// The pipeline mode.
    pub pipeline: String,
    /// Who planned the schedule: "paper" or "pimc".
    pub scheduler: String,
    /// The allocation granularity: "crossbar" or "tile".
    pub mapping: String,
    /// Chip area, mm^2.
    pub area_mm2: f64,
    /// Latency of the whole batch, ns.
    pub latency_ns: f64,
    /// Images per second.
    pub throughput_fps: f64,
    /// Tera-operations per second (2 per multiply-accumulate).
    pub tops: f64,
    /// TOPS per watt (operations per pJ).
    pub tops_per_w: f64,
    /// TOPS per mm^2.
    pub tops_per_mm2: f64,
    /// Energy of the batch by component.
    pub energy_pj: EnergyReport,
    /// DRAM traffic of the batch.
    pub dram_bytes: DramBytes,
    /// Crossbar use.
    pub crossbars: Crossbars,
    /// Crossbar activations of the batch (one per crossbar, input vector and bit-serial step).
    pub mvm_activations: u64,
    /// The segments.
    pub segments: Vec<SegmentReport>,
    /// Idle fraction of the crossbar layers' compute phases.
    pub bubble_fraction: f64,
    /// A lower bound on the batch latency, ns.
    pub lower_bound_latency_ns: f64,
    /// Lower bound / latency (1 = optimal).
    pub bound_fraction: f64,
    /// Per-layer details.
    pub layers: Vec<LayerReport>,
}

/// The report of a scheduled function: its schedule evaluated on `target`. `model_name` names
/// the network in the report.
pub fn report(scheduled: &Scheduled, model_name: &str, target: &Target) -> Report {
    let cost = evaluate(&scheduled.program, target, &scheduled.schedule);
    summarise(
        &scheduled.program,
        model_name,
        target,
        &scheduled.schedule,
        &cost,
    )
}

fn summarise(
    program: &Program,
    model_name: &str,
    target: &Target,
    schedule: &Schedule,
    cost: &ScheduleCost,
) -> Report {
    let batch = schedule.batch as f64;
    let latency = cost.latency_ns;
    let ops = 2.0 * program.macs() as f64 * batch;
    let per_ns = |x: f64| if latency > 0.0 { x / latency } else { 0.0 };
    let tops = per_ns(ops) * 1e-3;
    let area = target.area_total_mm2();
    let energy = cost.energy.total();
    let bound = lower_bound(program, target, schedule.batch).latency_ns();
    Report {
        model: model_name.to_owned(),
        target: target.chip.name.clone(),
        batch: schedule.batch,
        pipeline: schedule.pipeline.name().to_owned(),
        scheduler: schedule.scheduler.name().to_owned(),
        mapping: schedule.granularity.name().to_owned(),
        area_mm2: round(area),
        latency_ns: round(latency),
        throughput_fps: round(per_ns(batch) * 1e9),
        tops: round(tops),
        tops_per_w: round(if energy > 0.0 { ops / energy } else { 0.0 }),
        tops_per_mm2: round(if area > 0.0 { tops / area } else { 0.0 }),
        energy_pj: EnergyReport::new(&cost.energy),
        dram_bytes: DramBytes {
            weights: cost.weight_bytes,
            activations: cost.activation_bytes,
        },
        crossbars: Crossbars {
            used: cost.segments.iter().map(|s| s.crossbars).max().unwrap_or(0),
            available: target.total_crossbars(),
            written: cost.crossbar_writes,
        },
        mvm_activations: mvm_activations(program, target, schedule.batch),
        segments: segment_reports(program, schedule, cost),
        bubble_fraction: round(cost.bubble_fraction),
        lower_bound_latency_ns: round(bound),
        bound_fraction: round(per_ns(bound)),
        layers: layer_reports(program, target, schedule),
    }
}

/// Crossbar activations of `batch` images: every block of one copy per input vector, bit-serial
/// step and group of rows read at once (copies share the vectors, so duplication adds none).
fn mvm_activations(program: &Program, target: &Target, batch: u64) -> u64 {
    let per_image: u64 = program
        .stages
        .iter()
        .filter_map(|s| s.mvm.as_ref())
        .map(|m| {
            m.mapping
                .tiling
                .activations_per_vector(target)
                .saturating_mul(m.vectors)
        })
        .sum();
    per_image.saturating_mul(batch)
}

fn segment_reports(
    program: &Program,
    schedule: &Schedule,
    cost: &ScheduleCost,
) -> Vec<SegmentReport> {
    let runs = schedule.runs as f64;
    schedule
        .segments
        .iter()
        .zip(&cost.segments)
        .zip(&cost.exposed_prefetch_ns)
        .map(|((range, c), &exposed)| SegmentReport {
            layers: program.stages[range.clone()]
                .iter()
                .map(|s| s.name.clone())
                .collect(),
            crossbars: c.crossbars,
            weight_bytes: c.weight_bytes,
            stage_time_ns: round(c.stage_time_ns),
            stage_times_ns: c.stage_times_ns.iter().map(|&t| round(t)).collect(),
            load_ns: round(runs * c.load_ns),
            prefetch_ns: round(runs * c.prefetch_ns),
            exposed_prefetch_ns: round(runs * exposed),
            compute_ns: round(runs * c.compute_ns),
            activation_ns: round(runs * c.activation_ns),
            latency_ns: round(runs * (c.latency_ns + exposed)),
        })
        .collect()
}

fn layer_reports(program: &Program, target: &Target, schedule: &Schedule) -> Vec<LayerReport> {
    let mut reports = Vec::new();
    for (index, segment) in schedule.segments.iter().enumerate() {
        for s in segment.clone() {
            let stage = &program.stages[s];
            if let Some(m) = &stage.mvm {
                let copies = schedule.stages[s].copies;
                reports.push(mvm_report(target, stage, m, copies, index));
            }
            let vectors = stage.vector.iter().map(|&id| &program.layers[id]);
            for (layer, work) in vectors.filter_map(|l| Some((l, l.vector()?))) {
                reports.push(vector_report(target, &layer.name, work, index));
            }
        }
    }
    reports
}

fn mvm_report(
    target: &Target,
    stage: &Stage,
    m: &StageMvm,
    copies: u64,
    segment: usize,
) -> LayerReport {
    let time = units::mvm_time(target, &m.mapping, &Banding::whole(m.vectors), copies);
    let energy = units::mvm_energy(target, &m.mapping.tiling, m.vectors);
    LayerReport {
        name: stage.name.clone(),
        kind: m.kind.name().to_owned(),
        segment: segment as u64,
        groups: m.shape.groups,
        rows: m.shape.rows,
        cols: m.shape.cols,
        vectors: m.vectors,
        crossbars_per_copy: m.mapping.tiling.crossbars,
        copies,
        time_ns: round(time.total()),
        compute_ns: round(time.compute_ns),
        interconnect_ns: round(time.interconnect_ns),
        energy_pj: round(energy.total()),
        vector_ops: 0,
    }
}

fn vector_report(target: &Target, name: &str, work: &VectorWork, segment: usize) -> LayerReport {
    LayerReport {
        name: name.to_owned(),
        kind: work.op.clone(),
        segment: segment as u64,
        groups: 0,
        rows: 0,
        cols: 0,
        vectors: 0,
        crossbars_per_copy: 0,
        copies: 0,
        time_ns: round(units::vector_time(target, work)),
        compute_ns: 0.0,
        interconnect_ns: 0.0,
        energy_pj: round(units::vector_energy(target, work).total()),
        vector_ops: work.ops,
    }
}

impl Report {
    /// The report as JSON (pretty-printed, keys in declaration order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The report as a readable table: summary, segments, layers, energy breakdown.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_summary(&mut out);
        self.write_segments(&mut out);
        self.write_layers(&mut out);
        self.write_energy(&mut out);
        out
    }

    fn write_summary(&self, out: &mut String) {
        let us = |ns: f64| ns / 1e3;
        let mb = |b: u64| b as f64 / 1e6;
        let _ = writeln!(out, "pimc cost report: {} on {}", self.model, self.target);
        let _ = writeln!(
            out,
            "  batch {}, pipeline {}, scheduler {}, mapping {}",
            self.batch, self.pipeline, self.scheduler, self.mapping
        );
        let _ = writeln!(
            out,
            "  latency      {:.3} us (lower bound {:.3} us = {:.1} % of it)",
            us(self.latency_ns),
            us(self.lower_bound_latency_ns),
            100.0 * self.bound_fraction
        );
        let _ = writeln!(out, "  throughput   {:.3} images/s", self.throughput_fps);
        let _ = writeln!(
            out,
            "  performance  {:.4} TOPS, {:.4} TOPS/W, {:.5} TOPS/mm2",
            self.tops, self.tops_per_w, self.tops_per_mm2
        );
        let _ = writeln!(out, "  area         {:.3} mm2", self.area_mm2);
        let _ = writeln!(
            out,
            "  energy       {:.3} uJ ({:.3} uJ per image)",
            self.energy_pj.total / 1e6,
            self.energy_pj.total / 1e6 / self.batch.max(1) as f64
        );
        let _ = writeln!(
            out,
            "  crossbars    {} used of {}, {} written, {} activations",
            self.crossbars.used,
            self.crossbars.available,
            self.crossbars.written,
            self.mvm_activations
        );
        let _ = writeln!(out, "  bubbles      {:.1} %", 100.0 * self.bubble_fraction);
        let _ = writeln!(
            out,
            "  DRAM         weights {:.3} MB, activations {:.3} MB",
            mb(self.dram_bytes.weights),
            mb(self.dram_bytes.activations)
        );
    }

    fn write_segments(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nsegments (times over the batch)\n  {:>3} {:>6} {:>9} {:>11} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13}",
            "#", "stages", "crossbars", "weights B", "load us", "prefetch us", "compute us", "dram us",
            "latency us", "stage us"
        );
        for (i, s) in self.segments.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {:>3} {:>6} {:>9} {:>11} {:>13.3} {:>13.3} {:>13.3} {:>13.3} {:>13.3} {:>13.3}",
                i,
                s.layers.len(),
                s.crossbars,
                s.weight_bytes,
                s.load_ns / 1e3,
                s.prefetch_ns / 1e3,
                s.compute_ns / 1e3,
                s.activation_ns / 1e3,
                s.latency_ns / 1e3,
                s.stage_time_ns / 1e3
            );
        }
    }

    fn write_layers(&self, out: &mut String) {
        let width = self
            .layers
            .iter()
            .map(|l| l.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let _ = writeln!(
            out,
            "\nlayers (per image)\n  {:<width$} {:<10} {:>3} {:>6} {:>6} {:>5} {:>7} {:>6} {:>6} {:>12} {:>12}",
            "name", "kind", "seg", "rows", "cols", "group", "vectors", "xbars", "copies",
            "time ns", "energy pJ"
        );
        for l in &self.layers {
            let _ = writeln!(
                out,
                "  {:<width$} {:<10} {:>3} {:>6} {:>6} {:>5} {:>7} {:>6} {:>6} {:>12.1} {:>12.1}",
                l.name,
                l.kind,
                l.segment,
                l.rows,
                l.cols,
                l.groups,
                l.vectors,
                l.crossbars_per_copy,
                l.copies,
                l.time_ns,
                l.energy_pj
            );
        }
    }

    fn write_energy(&self, out: &mut String) {
        let total = self.energy_pj.total;
        let _ = writeln!(
            out,
            "\nenergy (batch)\n  {:<15} {:>16} {:>7}",
            "component", "pJ", "share"
        );
        for (name, value) in self.energy_pj.components() {
            let share = if total > 0.0 {
                100.0 * value / total
            } else {
                0.0
            };
            let _ = writeln!(out, "  {name:<15} {value:>16.1} {share:>6.1}%");
        }
        let _ = writeln!(out, "  {:<15} {:>16.1}", "total", total);
    }
}
