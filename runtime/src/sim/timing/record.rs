//! What a timed run remembers besides totals: per segment (by `seg.begin` id) its runs' spans,
//! weight loads, DRAM activation time and crossbars; per layer (the symbols section's layer
//! ranges) each execution's span, from which stage times, bubbles and the pipeline's fill,
//! steady state and drain follow; and, for a trace, the busy spans of the units.

use std::collections::{BTreeMap, BTreeSet};

use crate::container::{Program, SymbolKind};

/// A trace track: a unit kind, or one layer (stage) of a segment, or a segment's phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Track {
    /// The DRAM channel.
    Dram,
    /// Crossbar write driver `n`.
    Writes(usize),
    /// The vector unit.
    Vector,
    /// The adder trees.
    Adders,
    /// The interconnect.
    Interconnect,
    /// Layer symbol `n` (an index into [`Layers::names`]).
    Layer(usize),
    /// The phases (weight load, fill, steady state, drain) of segment `id`.
    Phases(u32),
}

/// What a span shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// The instruction at this index.
    Instruction(usize),
    /// One execution of layer `n`.
    Layer(usize),
    /// A pipeline phase.
    Phase(&'static str),
}

/// A busy interval of a track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Where it is shown.
    pub track: Track,
    /// What it is.
    pub label: Label,
    /// Start, ns.
    pub start: f64,
    /// End, ns.
    pub end: f64,
}

/// One execution of a layer's code.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Instance {
    start: f64,
    end: f64,
}

/// Totals of one layer over the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayerTotals {
    /// Its name.
    pub name: String,
    /// The segment it ran in (the last one, if several).
    pub segment: Option<u32>,
    /// Executions.
    pub runs: u64,
    /// Sum of the executions' spans, ns.
    pub busy_ns: f64,
    /// Whether it runs crossbars.
    pub mvm: bool,
}

/// Totals of one segment (by id) over the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentTotals {
    /// Its symbol's name.
    pub name: String,
    /// Runs of the segment.
    pub runs: u64,
    /// Sum of the runs' spans (first start to last completion), ns.
    pub latency_ns: f64,
    /// Sum of the spans of the weight loads that open each run, ns.
    pub load_ns: f64,
    /// Sum of the spans of the weight loads issued after compute started (the next segment's
    /// prefetch), ns.
    pub prefetch_ns: f64,
    /// Sum of the compute phases (first to last `mvm`/`vop`/`acc`/`copy`), ns.
    pub compute_ns: f64,
    /// DRAM channel busy with activations, ns.
    pub activation_ns: f64,
    /// Sum of the spans from the first to the last `mvm`, ns (what its crossbar layers occupy).
    pub mvm_span_ns: f64,
    /// Crossbars its `mvm`s use.
    pub crossbars: BTreeSet<u32>,
    /// Weight bytes its `wload`s read.
    pub weight_bytes: u64,
    /// Layers (indices into the layer list) that ran in it, in order of first execution.
    pub layers: Vec<usize>,
}

/// Per-segment and per-layer results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layers {
    /// Every layer (its symbols' name), in the order of their first symbols.
    pub layers: Vec<LayerTotals>,
    /// Every segment that ran, by id.
    pub segments: BTreeMap<u32, SegmentTotals>,
}

/// The current run of a segment.
#[derive(Debug, Clone, Default)]
struct Open {
    id: u32,
    start: f64,
    end: f64,
    load: Option<(f64, f64)>,
    prefetch: Option<(f64, f64)>,
    compute: Option<(f64, f64)>,
    mvm: Option<(f64, f64)>,
    /// Per layer of this run: first start, first end, last start, last end.
    stages: BTreeMap<usize, [f64; 4]>,
}

/// The recorder.
#[derive(Debug, Clone)]
pub(super) struct Recorder {
    /// Layer symbol of each instruction.
    layer_of: Vec<Option<usize>>,
    /// Name of the segment symbol starting at each instruction.
    segment_names: BTreeMap<usize, String>,
    /// Kind of each instruction: is it an `mvm`, a `wload`, a DRAM transfer.
    kinds: Vec<Kind>,
    current: Vec<Option<Instance>>,
    open: Option<Open>,
    layers: Layers,
    trace: bool,
    spans: Vec<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mvm,
    WLoad,
    Dram,
    Other,
}

fn interval(a: Option<(f64, f64)>, start: f64, end: f64) -> Option<(f64, f64)> {
    Some(a.map_or((start, end), |(s, e)| (s.min(start), e.max(end))))
}

fn length(a: Option<(f64, f64)>) -> f64 {
    a.map_or(0.0, |(s, e)| e - s)
}

impl Recorder {
    pub fn new(program: &Program, trace: bool) -> Recorder {
        let n = program.code.len();
        let mut layer_of = vec![None; n];
        let mut layers = Layers::default();
        let mut segment_names = BTreeMap::new();
        let mut index_of: BTreeMap<&str, usize> = BTreeMap::new();
        for symbol in &program.symbols {
            match symbol.kind {
                SymbolKind::Layer => {
                    // The copies of a layer's code (per image when unrolled, per step of an
                    // unrolled pipeline loop) are one layer.
                    let index = *index_of.entry(symbol.name.as_str()).or_insert_with(|| {
                        layers.layers.push(LayerTotals {
                            name: symbol.name.clone(),
                            ..LayerTotals::default()
                        });
                        layers.layers.len() - 1
                    });
                    for slot in layer_of
                        .iter_mut()
                        .take(symbol.end.min(n))
                        .skip(symbol.start)
                    {
                        *slot = Some(index);
                    }
                }
                SymbolKind::Segment => {
                    segment_names.insert(symbol.start, symbol.name.clone());
                }
                SymbolKind::Other => {}
            }
        }
        let kinds = program
            .code
            .iter()
            .map(|inst| match inst {
                crate::isa::Instruction::Mvm { .. } => Kind::Mvm,
                crate::isa::Instruction::WLoad { .. } => Kind::WLoad,
                crate::isa::Instruction::Load { .. } | crate::isa::Instruction::Store { .. } => {
                    Kind::Dram
                }
                _ => Kind::Other,
            })
            .collect();
        Recorder {
            current: vec![None; layers.layers.len()],
            layer_of,
            segment_names,
            kinds,
            open: None,
            layers,
            trace,
            spans: Vec::new(),
        }
    }

    /// A `seg.begin id` at `pc`.
    pub fn begin_segment(&mut self, id: u32, pc: usize) {
        self.end_segment();
        let name = self
            .segment_names
            .get(&pc)
            .cloned()
            .unwrap_or_else(|| format!("segment{id}"));
        self.layers.segments.entry(id).or_default().name = name;
        self.open = Some(Open {
            id,
            start: f64::INFINITY,
            ..Open::default()
        });
    }

    /// A `seg.end` (or the end of the run): the segment's run is closed.
    pub fn end_segment(&mut self) {
        for layer in 0..self.current.len() {
            self.close(layer);
        }
        let Some(open) = self.open.take() else {
            return;
        };
        let totals = self.layers.segments.entry(open.id).or_default();
        totals.runs += 1;
        if open.start.is_finite() {
            totals.latency_ns += open.end - open.start;
        }
        totals.load_ns += length(open.load);
        totals.prefetch_ns += length(open.prefetch);
        totals.compute_ns += length(open.compute);
        totals.mvm_span_ns += length(open.mvm);
        for &layer in open.stages.keys() {
            if !totals.layers.contains(&layer) {
                totals.layers.push(layer);
            }
        }
        if self.trace {
            self.phases(&open);
        }
    }

    /// The weight load, fill, steady state and drain of a segment's run, as spans.
    fn phases(&mut self, open: &Open) {
        let track = Track::Phases(open.id);
        let mut push = |name, start: f64, end: f64| {
            if end > start {
                self.spans.push(Span {
                    track,
                    label: Label::Phase(name),
                    start,
                    end,
                });
            }
        };
        if let Some((s, e)) = open.load {
            push("weight load", s, e);
        }
        let stages: Vec<[f64; 4]> = open
            .stages
            .iter()
            .filter(|(&l, _)| self.layers.layers[l].mvm)
            .map(|(_, &t)| t)
            .collect();
        let (Some(first), Some(last), Some((s, e))) = (stages.first(), stages.last(), open.mvm)
        else {
            return;
        };
        if stages.len() < 2 {
            push("compute", s, e);
            return;
        }
        let fill_end = last[0].clamp(s, e);
        let drain_start = first[3].clamp(fill_end, e);
        push("fill", s, fill_end);
        push("steady state", fill_end, drain_start);
        push("drain", drain_start, e);
    }

    /// Instruction `pc` starts to execute.
    pub fn enter(&mut self, pc: usize) {
        let Some(layer) = self.layer_of.get(pc).copied().flatten() else {
            return;
        };
        let starts_layer = pc == 0 || self.layer_of.get(pc - 1).copied().flatten() != Some(layer);
        if starts_layer {
            self.close(layer);
        }
    }

    /// Closes the current execution of `layer`.
    fn close(&mut self, layer: usize) {
        let Some(instance) = self.current.get_mut(layer).and_then(Option::take) else {
            return;
        };
        let totals = &mut self.layers.layers[layer];
        totals.runs += 1;
        totals.busy_ns += instance.end - instance.start;
        totals.segment = self.open.as_ref().map(|o| o.id);
        if let Some(open) = &mut self.open {
            let t = open.stages.entry(layer).or_insert([
                instance.start,
                instance.end,
                instance.start,
                instance.end,
            ]);
            t[2] = instance.start;
            t[3] = instance.end;
        }
        if self.trace {
            self.spans.push(Span {
                track: Track::Layer(layer),
                label: Label::Layer(layer),
                start: instance.start,
                end: instance.end,
            });
        }
    }

    /// Instruction `pc` ran from `start` to `end`.
    pub fn executed(&mut self, pc: usize, start: f64, end: f64) {
        let kind = self.kinds.get(pc).copied().unwrap_or(Kind::Other);
        if let Some(layer) = self.layer_of.get(pc).copied().flatten() {
            let slot = &mut self.current[layer];
            *slot = Some(slot.map_or(Instance { start, end }, |i| Instance {
                start: i.start.min(start),
                end: i.end.max(end),
            }));
            self.layers.layers[layer].mvm |= kind == Kind::Mvm;
        }
        let Some(open) = &mut self.open else {
            return;
        };
        open.start = open.start.min(start);
        open.end = open.end.max(end);
        match kind {
            Kind::WLoad if open.compute.is_none() => open.load = interval(open.load, start, end),
            Kind::WLoad => open.prefetch = interval(open.prefetch, start, end),
            Kind::Dram => {}
            Kind::Mvm | Kind::Other => {
                open.compute = interval(open.compute, start, end);
                if kind == Kind::Mvm {
                    open.mvm = interval(open.mvm, start, end);
                }
            }
        }
    }

    /// DRAM busy with activations of the current segment for `ns`.
    pub fn activation(&mut self, ns: f64) {
        if let Some(open) = &self.open {
            self.layers
                .segments
                .entry(open.id)
                .or_default()
                .activation_ns += ns;
        }
    }

    /// The current segment loaded `bytes` of weights into `xbars`.
    pub fn weights(&mut self, bytes: u64) {
        if let Some(open) = &self.open {
            self.layers
                .segments
                .entry(open.id)
                .or_default()
                .weight_bytes += bytes;
        }
    }

    /// The current segment's `mvm` used crossbar `xbar`.
    pub fn crossbar(&mut self, xbar: u32) {
        if let Some(open) = &self.open {
            self.layers
                .segments
                .entry(open.id)
                .or_default()
                .crossbars
                .insert(xbar);
        }
    }

    /// A unit's busy span, kept for a trace.
    pub fn span(&mut self, track: Track, pc: usize, start: f64, end: f64) {
        if self.trace {
            self.spans.push(Span {
                track,
                label: Label::Instruction(pc),
                start,
                end,
            });
        }
    }

    /// The results, and the spans in start order.
    pub fn finish(mut self) -> (Layers, Vec<Span>) {
        self.end_segment();
        for layer in 0..self.current.len() {
            self.close(layer);
        }
        self.spans
            .sort_by(|a, b| a.start.total_cmp(&b.start).then(a.track.cmp(&b.track)));
        (self.layers, self.spans)
    }
}
