//! The timing report: the figures of a timed run under the keys of the compiler's cost report
//! (`docs/cost-model.md` §12; the compiler's report uses [`EnergyReport`], [`DramBytes`],
//! [`Crossbars`] and [`round`] from here), so that `pimc --report` and `pim-run --timing
//! --report` can be diffed key by key, plus what only a run can measure (utilisation per unit kind, executed
//! instructions). Floats are rounded to 9 significant digits, as the compiler's are.

use serde::Serialize;

use super::engine::Timed;
use super::units::UnitKind;
use super::Energy;
use crate::container::{Direction, Program};

/// Energy of the run by component, pJ (the compiler's `energy_pj`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyReport {
    /// All components.
    pub total: f64,
    /// DRAM reads and writes.
    pub dram: f64,
    /// Crossbar weight writes.
    pub crossbar_write: f64,
    /// Crossbar activations and partial-sum accumulation.
    pub compute: f64,
    /// On-chip buffers.
    pub buffer: f64,
    /// On-chip interconnect.
    pub interconnect: f64,
    /// Vector unit.
    pub vector: f64,
    /// Static power over the latency.
    pub leakage: f64,
}

/// DRAM traffic of the batch, bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DramBytes {
    /// Weights read.
    pub weights: u64,
    /// Activations read and written (network inputs and outputs, spills and fills).
    pub activations: u64,
}

/// Crossbar use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Crossbars {
    /// Crossbars holding weights in the fullest segment.
    pub used: u64,
    /// Crossbars on the chip.
    pub available: u64,
    /// Crossbar writes of the batch (every copy of every segment, every run).
    pub written: u64,
}

/// One segment, its runs summed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentReport {
    /// Its layers, in order of first execution.
    pub layers: Vec<String>,
    /// Crossbars its `mvm`s use.
    pub crossbars: u64,
    /// Weight bytes its `wload`s read (the next segment's prefetch included).
    pub weight_bytes: u64,
    /// The slowest crossbar layer's mean time per execution, ns.
    pub stage_time_ns: f64,
    /// Each crossbar layer's mean time per execution, ns.
    pub stage_times_ns: Vec<f64>,
    /// The weight loads that open it, ns.
    pub load_ns: f64,
    /// The weight loads it issues for the next segment, ns.
    pub prefetch_ns: f64,
    /// First to last compute instruction, ns.
    pub compute_ns: f64,
    /// DRAM channel busy with its activations, ns.
    pub activation_ns: f64,
    /// First start to last completion, ns.
    pub latency_ns: f64,
}

/// How busy one kind of unit was.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Utilisation {
    /// The kind (`crossbar`, `pe_link`, `adder`, `write_driver`, `dram`, `vector`,
    /// `interconnect`).
    pub unit: String,
    /// Units of the kind on the chip.
    pub units: u64,
    /// Busy time summed over them, ns.
    pub busy_ns: f64,
    /// Busy time / (units x latency).
    pub fraction: f64,
}

/// One layer, its executions summed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerReport {
    /// Its symbol's name.
    pub name: String,
    /// The segment it ran in.
    pub segment: u64,
    /// Executions (images, or bands of images).
    pub runs: u64,
    /// Mean time per execution, ns.
    pub time_ns: f64,
}

/// The timing report of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingReport {
    /// The model's name.
    pub model: String,
    /// The target's name.
    pub target: String,
    /// Images per batch (the producer's `batch=`, else the first input's dimension 0).
    pub batch: u64,
    /// The pipeline mode the producer recorded (empty if none).
    pub pipeline: String,
    /// The scheduler the producer recorded.
    pub scheduler: String,
    /// The mapping granularity the producer recorded.
    pub mapping: String,
    /// Chip area, mm^2.
    pub area_mm2: f64,
    /// The run's latency, ns.
    pub latency_ns: f64,
    /// Images per second.
    pub throughput_fps: f64,
    /// Tera-operations per second (2 per multiply-accumulate the `mvm`s did).
    pub tops: f64,
    /// TOPS per watt.
    pub tops_per_w: f64,
    /// TOPS per mm^2.
    pub tops_per_mm2: f64,
    /// Energy by component.
    pub energy_pj: EnergyReport,
    /// DRAM traffic.
    pub dram_bytes: DramBytes,
    /// Crossbar use.
    pub crossbars: Crossbars,
    /// Crossbar activations.
    pub mvm_activations: u64,
    /// The segments, by id.
    pub segments: Vec<SegmentReport>,
    /// Idle fraction of the crossbar layers while their segment computes.
    pub bubble_fraction: f64,
    /// Busy fraction of each kind of unit.
    pub utilisation: Vec<Utilisation>,
    /// Instructions executed.
    pub executed_instructions: u64,
    /// Per layer.
    pub layers: Vec<LayerReport>,
}

/// `x` rounded to 9 significant digits (0 for non-finite values, which JSON cannot hold).
pub fn round(x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    format!("{x:.8e}").parse().unwrap_or(0.0)
}

/// The value of `key=` in the producer string.
fn producer_field<'a>(program: &'a Program, key: &str) -> Option<&'a str> {
    program
        .producer
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

/// The batch of `program`.
fn batch(program: &Program) -> u64 {
    producer_field(program, "batch")
        .and_then(|b| b.parse().ok())
        .or_else(|| {
            let input = program
                .bindings
                .iter()
                .find(|b| b.direction == Direction::Input)?;
            input.shape.first().copied()
        })
        .unwrap_or(1)
        .max(1)
}

impl EnergyReport {
    /// The components of `e`, rounded.
    pub fn new(e: &Energy) -> EnergyReport {
        EnergyReport {
            total: round(e.total()),
            dram: round(e.dram),
            crossbar_write: round(e.crossbar_write),
            compute: round(e.compute),
            buffer: round(e.buffer),
            interconnect: round(e.interconnect),
            vector: round(e.vector),
            leakage: round(e.leakage),
        }
    }

    /// The components with their names, in key order (total excluded).
    pub fn components(&self) -> [(&'static str, f64); 7] {
        [
            ("dram", self.dram),
            ("crossbar_write", self.crossbar_write),
            ("compute", self.compute),
            ("buffer", self.buffer),
            ("interconnect", self.interconnect),
            ("vector", self.vector),
            ("leakage", self.leakage),
        ]
    }
}

impl TimingReport {
    /// The report of `timed`, a run of `program` named `model`.
    pub fn new(program: &Program, model: &str, timed: &Timed) -> TimingReport {
        let target = &program.target;
        let latency = timed.latency_ns;
        let per_ns = |x: f64| if latency > 0.0 { x / latency } else { 0.0 };
        let b = batch(program);
        let ops = 2.0 * timed.counts.macs as f64;
        let tops = per_ns(ops) * 1e-3;
        let energy = timed.energy.total();
        let area = target.area_total_mm2();
        let field = |k| producer_field(program, k).unwrap_or_default().to_owned();
        let segments = segment_reports(timed);
        TimingReport {
            model: model.to_owned(),
            target: target.chip.name.clone(),
            batch: b,
            pipeline: field("pipeline"),
            scheduler: field("scheduler"),
            mapping: field("mapping"),
            area_mm2: round(area),
            latency_ns: round(latency),
            throughput_fps: round(per_ns(b as f64) * 1e9),
            tops: round(tops),
            tops_per_w: round(if energy > 0.0 { ops / energy } else { 0.0 }),
            tops_per_mm2: round(if area > 0.0 { tops / area } else { 0.0 }),
            energy_pj: EnergyReport::new(&timed.energy),
            dram_bytes: DramBytes {
                weights: timed.counts.weight_bytes,
                activations: timed.counts.activation_bytes,
            },
            crossbars: Crossbars {
                used: segments.iter().map(|s| s.crossbars).max().unwrap_or(0),
                available: target.total_crossbars(),
                written: timed.counts.crossbar_writes,
            },
            mvm_activations: timed.counts.activations,
            segments,
            bubble_fraction: round(bubble_fraction(timed)),
            utilisation: utilisation(timed),
            executed_instructions: timed.counts.executed,
            layers: layer_reports(timed),
        }
    }

    /// The report as JSON (pretty-printed, keys in declaration order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The report as a short table.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "pim-run timing: {} on {}", self.model, self.target);
        let _ = writeln!(
            out,
            "  batch {}, pipeline {}, {} instructions executed",
            self.batch, self.pipeline, self.executed_instructions
        );
        let _ = writeln!(out, "  latency      {:.3} us", self.latency_ns / 1e3);
        let _ = writeln!(out, "  throughput   {:.3} images/s", self.throughput_fps);
        let _ = writeln!(
            out,
            "  energy       {:.3} uJ ({:.3} uJ per image)",
            self.energy_pj.total / 1e6,
            self.energy_pj.total / 1e6 / self.batch as f64
        );
        let _ = writeln!(out, "  bubbles      {:.1} %", 100.0 * self.bubble_fraction);
        for u in &self.utilisation {
            let _ = writeln!(out, "  {:<13} {:>5.1} % busy", u.unit, 100.0 * u.fraction);
        }
        out
    }
}

fn layer_mean(timed: &Timed, layer: usize) -> f64 {
    let l = &timed.layers.layers[layer];
    if l.runs > 0 {
        l.busy_ns / l.runs as f64
    } else {
        0.0
    }
}

fn segment_reports(timed: &Timed) -> Vec<SegmentReport> {
    let layers = &timed.layers.layers;
    timed
        .layers
        .segments
        .values()
        .map(|s| {
            let stage_times: Vec<f64> = s
                .layers
                .iter()
                .filter(|&&l| layers[l].mvm)
                .map(|&l| round(layer_mean(timed, l)))
                .collect();
            SegmentReport {
                layers: s.layers.iter().map(|&l| layers[l].name.clone()).collect(),
                crossbars: s.crossbars.len() as u64,
                weight_bytes: s.weight_bytes,
                stage_time_ns: stage_times.iter().copied().fold(0.0, f64::max),
                stage_times_ns: stage_times,
                load_ns: round(s.load_ns),
                prefetch_ns: round(s.prefetch_ns),
                compute_ns: round(s.compute_ns),
                activation_ns: round(s.activation_ns),
                latency_ns: round(s.latency_ns),
            }
        })
        .collect()
}

/// Idle / occupied over the crossbar layers: a layer is occupied while its segment runs
/// `mvm`s, busy during its own executions.
fn bubble_fraction(timed: &Timed) -> f64 {
    let layers = &timed.layers.layers;
    let (idle, occupied) = timed
        .layers
        .segments
        .values()
        .flat_map(|s| s.layers.iter().map(move |&l| (s, l)))
        .filter(|&(_, l)| layers[l].mvm)
        .fold((0.0, 0.0), |(i, o), (s, l)| {
            (
                i + (s.mvm_span_ns - layers[l].busy_ns).max(0.0),
                o + s.mvm_span_ns,
            )
        });
    if occupied > 0.0 {
        idle / occupied
    } else {
        0.0
    }
}

fn utilisation(timed: &Timed) -> Vec<Utilisation> {
    timed
        .busy
        .iter()
        .map(|&(kind, busy, units)| Utilisation {
            unit: UnitKind::name(kind).to_owned(),
            units: units as u64,
            busy_ns: round(busy),
            fraction: round(if timed.latency_ns > 0.0 {
                busy / (units as f64 * timed.latency_ns)
            } else {
                0.0
            }),
        })
        .collect()
}

fn layer_reports(timed: &Timed) -> Vec<LayerReport> {
    timed
        .layers
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.runs > 0)
        .map(|(i, l)| LayerReport {
            name: l.name.clone(),
            segment: u64::from(l.segment.unwrap_or(0)),
            runs: l.runs,
            time_ns: round(layer_mean(timed, i)),
        })
        .collect()
}
