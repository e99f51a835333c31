//! Stages and flows: the units the scheduler orders, segments and duplicates, and the activations
//! that move between them.
//!
//! **Stages.** A stage is a crossbar layer (or one column part of a layer larger than the chip)
//! with the vector layers of its epilogue (streamed behind the MVM on the vector unit), or, before
//! the first crossbar layer, vector layers alone. A schedule lists its stages explicitly
//! ([`StageSpec`]: the layers in order, the column part); [`StageSpec::group`] is the rule the
//! schedulers start from: in a given topological order of the layers, each crossbar layer opens a
//! stage (one per column part) and every vector layer joins the stage open before it.
//!
//! **Flows.** The dataflow DAG (`layers.rs`) becomes flows between stages: a producer stage (or a
//! network input), the consumer stages, the bytes per image at activation precision.
//!
//! **DRAM traffic.** The back end runs every layer out of DRAM (`docs/backend.md` §2): a layer
//! reads each activation operand from DRAM once per image (convolution bands keep the rows they
//! share in the staging buffer) and writes its result once; a layer cut into column parts reads
//! its whole input for every part and writes each part's columns; a ReLU fused into its stage's
//! crossbar layer ([`Stage::fused_activation`]) is applied in the buffer, so neither the crossbar
//! layer's write nor the ReLU's read happens. [`Program::traffic`] counts
//! exactly that, so the traffic of a segment is the sum of its stages', whatever the cuts, and
//! segmentation by dynamic programming stays exact.

use super::bands::whole_buffer;
use super::layers::{Dataflow, Layer, LayerId, MvmKind, Source};
use super::rings::Rings;
use super::tiling::{column_parts, fits, Granularity, LayerMapping, MatrixShape, Tiling};
use super::ProgramError;
use pim_runtime::target::Target;
use std::ops::Range;

/// A stage as a schedule lists it: its layers in execution order (the crossbar layer first, if
/// any) and, for a layer cut into column parts, which part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSpec {
    /// The layers, in order.
    pub layers: Vec<LayerId>,
    /// The column part of the crossbar layer (0-based).
    pub part: u64,
    /// Column parts of the crossbar layer (1 when it fits the chip or there is none).
    pub parts: u64,
}

impl StageSpec {
    /// The stages of `layers` taken in `order` (a topological order of all layer ids): every
    /// crossbar layer opens a stage per column part, every vector layer joins the stage open
    /// before it (the first stage when none is).
    pub fn group(
        layers: &[Layer],
        order: &[LayerId],
        target: &Target,
        granularity: Granularity,
    ) -> Result<Vec<StageSpec>, ProgramError> {
        let mut specs: Vec<StageSpec> = Vec::new();
        for &id in order {
            let layer = &layers[id];
            if let Some(mvm) = layer.mvm() {
                let parts = column_parts(&layer.name, mvm.shape, target, granularity)?.len() as u64;
                specs.extend((0..parts).map(|part| StageSpec {
                    layers: vec![id],
                    part,
                    parts,
                }));
            } else {
                match specs.last_mut() {
                    // A vector layer after a column part joins the layer's last part.
                    Some(last) => last.layers.push(id),
                    None => specs.push(StageSpec {
                        layers: vec![id],
                        part: 0,
                        parts: 1,
                    }),
                }
            }
        }
        Ok(specs)
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
    /// The part's output columns (per group) within the layer's.
    pub columns: Range<u64>,
    /// The weights of this part.
    pub shape: MatrixShape,
    /// Input vectors per image.
    pub vectors: u64,
    /// Its mapping on the target.
    pub mapping: LayerMapping,
    /// Its weight bytes in DRAM.
    pub weight_bytes: u64,
}

impl StageMvm {
    /// Results per output pixel (or input vector): every group's columns of the part.
    pub fn width(&self) -> u64 {
        self.shape.groups.max(1).saturating_mul(self.shape.cols)
    }

    /// Elements one input vector and its results stage (a fully connected layer's least band).
    pub fn vector_need(&self) -> u64 {
        let rows = self.shape.groups.max(1).saturating_mul(self.shape.rows);
        rows.saturating_add(self.width())
    }
}

/// A scheduling unit: a crossbar layer and its vector epilogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The crossbar layer's name (with the part, `name[k/n]`, when cut), or the first vector
    /// layer's.
    pub name: String,
    /// The crossbar layer, if any.
    pub mvm: Option<StageMvm>,
    /// The vector layers of its epilogue, in order.
    pub vector: Vec<LayerId>,
    /// The layers of its epilogue that run on the result of the layer before them in the buffer
    /// ([`followers`]).
    pub followers: Vec<LayerId>,
}

impl Stage {
    /// Its crossbar layer, if any.
    pub fn mvm_layer(&self) -> Option<LayerId> {
        self.mvm.as_ref().map(|m| m.layer)
    }

    /// The activation its crossbar layer's accumulation applies: its first vector layer when
    /// that is a fused ReLU ([`VectorWork::fused`](super::layers::VectorWork)) of the whole
    /// crossbar layer (not a column part), which is not a network output. The crossbar layer's
    /// result then never leaves the buffer: the back end applies the ReLU to each band and
    /// stores the ReLU's result instead.
    pub fn fused_activation(&self, layers: &[Layer]) -> Option<LayerId> {
        let m = self.mvm.as_ref().filter(|m| m.parts == 1)?;
        let first = *self.vector.first()?;
        let act = &layers[first];
        let fused = act.vector().is_some_and(|w| w.fused)
            && act.inputs == [Source::Layer(m.layer)]
            && !layers[m.layer].is_output;
        fused.then_some(first)
    }

    /// The pooling that follows its crossbar layer in the buffer, if any (the follower that is a
    /// pooling, `VectorWork::tiling_pool`), with its kernel.
    pub fn pool(&self, layers: &[Layer]) -> Option<(LayerId, (usize, usize))> {
        self.followers
            .iter()
            .find_map(|&f| Some((f, layers[f].vector()?.tiling_pool?)))
    }

    /// How many joins follow its crossbar layer in the buffer (each stages an operand of the
    /// result's size beside each band, [`ConvImage::joined`](super::bands::ConvImage::joined)).
    pub fn mvm_joins(&self, layers: &[Layer]) -> usize {
        self.banded_followers()
            .filter(|&id| joined(&layers[id]))
            .count()
    }

    /// The followers that run on each band of its crossbar layer: those directly after it (the
    /// others follow a vector layer, which runs after the bands).
    pub fn banded_followers(&self) -> impl Iterator<Item = LayerId> + '_ {
        self.vector
            .iter()
            .take_while(|id| self.followers.contains(id))
            .copied()
    }

    /// Whether layer `id` runs band by band: it is the crossbar layer or one of its
    /// [`Stage::banded_followers`].
    pub fn banded(&self, id: LayerId) -> bool {
        self.mvm_layer() == Some(id) || self.banded_followers().any(|f| f == id)
    }

    /// Weight bytes of its crossbar layer.
    pub fn weight_bytes(&self) -> u64 {
        self.mvm.as_ref().map_or(0, |m| m.weight_bytes)
    }

    /// Crossbars or tiles of one unit (0 without a crossbar layer).
    pub fn unit_footprint(&self) -> u64 {
        self.mvm.as_ref().map_or(0, |m| m.mapping.unit_footprint)
    }

    /// Whether layer `id`'s result stays in the buffer for the follower after it (it is never
    /// stored).
    pub fn keeps(&self, id: LayerId) -> bool {
        let mut ids = self.layers().skip_while(|&l| l != id).skip(1);
        ids.next()
            .is_some_and(|next| self.followers.contains(&next))
    }

    /// The stage's layers in order: the crossbar layer, then the epilogue.
    pub fn layers(&self) -> impl Iterator<Item = LayerId> + '_ {
        self.mvm
            .iter()
            .map(|m| m.layer)
            .chain(self.vector.iter().copied())
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
}

/// DRAM activation traffic of one stage or segment, per image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Traffic {
    /// Fills: activations the segment reads from DRAM, bytes.
    pub read_bytes: u64,
    /// Spills and outputs: activations it writes to DRAM, bytes.
    pub write_bytes: u64,
    /// Transfers: the layers that read an operand from DRAM plus those that write their result
    /// there. Each waits for the DRAM latency, one after another (a layer reads what the layer
    /// before it wrote).
    pub transfers: u64,
    /// Elements copied out of the segment's ring buffers instead of read (`super::rings`).
    pub copied_in: u64,
    /// Elements copied into them instead of written.
    pub copied_out: u64,
}

impl Traffic {
    /// Bytes read and written per image.
    pub fn per_image(&self) -> u64 {
        self.read_bytes.saturating_add(self.write_bytes)
    }
}

impl std::ops::Add for Traffic {
    type Output = Traffic;

    fn add(self, other: Traffic) -> Traffic {
        Traffic {
            read_bytes: self.read_bytes.saturating_add(other.read_bytes),
            write_bytes: self.write_bytes.saturating_add(other.write_bytes),
            transfers: self.transfers.saturating_add(other.transfers),
            copied_in: self.copied_in.saturating_add(other.copied_in),
            copied_out: self.copied_out.saturating_add(other.copied_out),
        }
    }
}

/// The network prepared for scheduling on one target: layers, stages in schedule order, flows.
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
    /// The stages `specs` of `layers` mapped on `target` with `granularity`. Every layer must be
    /// in exactly one stage (a crossbar layer cut into column parts in one stage per part), a
    /// crossbar layer only first in its stage, and the stages in a topological order: an error
    /// names the layer that breaks a rule.
    pub fn new(
        layers: Vec<Layer>,
        specs: &[StageSpec],
        target: &Target,
        granularity: Granularity,
    ) -> Result<Self, ProgramError> {
        let stages_of = check_specs(&layers, specs)?;
        let stages = specs
            .iter()
            .map(|spec| stage(&layers, spec, target, granularity))
            .collect::<Result<Vec<_>, _>>()?;
        let flows = flows(&layers, &stages, &stages_of, target);
        Ok(Self {
            layers,
            stages,
            flows,
            granularity,
        })
    }

    /// The program of `layers` in function order, grouped by [`StageSpec::group`].
    pub fn in_order(
        layers: Vec<Layer>,
        target: &Target,
        granularity: Granularity,
    ) -> Result<Self, ProgramError> {
        let order: Vec<LayerId> = (0..layers.len()).collect();
        let specs = StageSpec::group(&layers, &order, target, granularity)?;
        Self::new(layers, &specs, target, granularity)
    }

    /// Crossbars or tiles of one unit of each stage in `range`, summed.
    pub fn footprint(&self, range: Range<usize>) -> u64 {
        self.stages[range].iter().map(Stage::unit_footprint).sum()
    }

    /// Checks that every stage fits on the chip at once, one copy each; the error names what the
    /// network needs and what the target has.
    pub fn check_fits(&self, target: &Target) -> Result<(), ProgramError> {
        fits(
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

    /// The DRAM activation traffic of the stages in `range`, per image, when the segment keeps
    /// `rings` on chip ([`Program::stage_traffic`] summed).
    pub fn traffic(&self, range: Range<usize>, target: &Target, rings: &Rings) -> Traffic {
        range.fold(Traffic::default(), |sum, s| {
            sum + self.stage_traffic(s, target, rings)
        })
    }

    /// The DRAM activation traffic of stage `s`, per image: every layer reads its activation
    /// operands and writes its result (a column part: the whole input, its columns of the
    /// result), except that a layer a follower ([`Stage::followers`]) follows writes nothing and
    /// the follower does not read it: it never leaves the buffer (a join reads its other
    /// operand, of the result's size). Results its segment keeps in `rings` are copied into and
    /// out of them instead ([`Traffic::copied_in`], [`Traffic::copied_out`]), with no DRAM
    /// latency.
    pub fn stage_traffic(&self, s: usize, target: &Target, rings: &Rings) -> Traffic {
        self.layer_traffic(s, target, rings)
            .fold(Traffic::default(), |sum, (_, traffic)| sum + traffic)
    }

    /// [`Program::stage_traffic`] layer by layer, in the stage's order.
    pub fn layer_traffic<'p>(
        &'p self,
        s: usize,
        target: &Target,
        rings: &'p Rings,
    ) -> impl Iterator<Item = (LayerId, Traffic)> + 'p {
        let bits = u64::from(target.precision.activation_bits);
        let bytes = move |elements: u64| elements.saturating_mul(bits).div_ceil(8);
        let stage = &self.stages[s];
        stage.layers().map(move |id| {
            let layer = &self.layers[id];
            let mut traffic = Traffic::default();
            let follower = stage.followers.contains(&id);
            let from_rings: u64 = layer
                .inputs
                .iter()
                .zip(&layer.input_reads)
                .filter(|(&source, _)| rings.feeds(source))
                .map(|(_, &read)| read)
                .sum();
            let read = match follower {
                true if joined(layer) => layer.output_elements,
                true => 0,
                false => layer.input_elements,
            };
            let read = read.saturating_sub(from_rings);
            traffic.copied_in += from_rings;
            if read > 0 {
                traffic.read_bytes += bytes(read);
                // A join's load waits for nothing its stage computes: it overlaps the MVM.
                traffic.transfers += u64::from(!follower);
            }
            if stage.keeps(id) {
                return (id, traffic);
            }
            let produced = produced_elements(id, layer, stage);
            if rings.holds(id) {
                traffic.copied_out += produced;
            } else {
                traffic.write_bytes += bytes(produced);
                traffic.transfers += 1;
            }
            (id, traffic)
        })
    }
}

/// The layers of `stage`'s epilogue that run on the result of the layer before them in the
/// buffer, in its code (`docs/cost-model.md` §4), after the whole crossbar layer (not a column
/// part) or an in-place vector layer: an in-place op of that result alone (`VectorWork::follows`);
/// a **join**, a binary op of that result and another image, which the back end loads beside it
/// (`VectorWork::joins_onto`); and, ending the convolution's chain, a pooling whose windows tile
/// its image (`VectorWork::tiling_pool`) when bands of whole rows of its kernel's height fit the
/// `whole` staging buffer, no more of them than without it ([`pools_in_bands`]), then the
/// in-place ops that follow the pooling (on the pooled rows). The result of a layer a follower
/// follows never goes to DRAM, and a follower reads nothing but a join's other operand: the back
/// end applies it to each band or chunk of its operand and stores the last follower's result.
fn followers(stage: &Stage, layers: &[Layer], target: &Target) -> Vec<LayerId> {
    let whole_mvm = stage.mvm.as_ref().filter(|m| m.parts == 1).map(|m| m.layer);
    let mut previous = stage.mvm.as_ref().map(|m| m.layer);
    // Whether `previous` is the whole crossbar layer or a follower of it before a pooling, and
    // whether the chain has pooled.
    let (mut after_mvm, mut pooled) = (whole_mvm.is_some(), false);
    let mut followers: Vec<LayerId> = Vec::new();
    for &id in &stage.vector {
        let layer = &layers[id];
        let Some((work, p)) = layer.vector().zip(previous) else {
            previous = Some(id);
            continue;
        };
        let source = Source::Layer(p);
        let leads = Some(p) == whole_mvm
            || layers[p].vector().is_some_and(|w| w.in_place)
            || followers.last() == Some(&p);
        let unary = work.follows() && layer.inputs == [source];
        let join = !pooled && work.joins_onto(&layer.inputs, source).is_some();
        let joins = followers.iter().filter(|&&f| joined(&layers[f])).count();
        let pool = after_mvm
            && work.sole_reader
            && layer.inputs == [source]
            && work
                .tiling_pool
                .is_some_and(|kernel| pools_in_bands(stage, layers, (kernel, joins), target));
        let follows = (leads && (unary || join)) || pool;
        if follows {
            followers.push(id);
        }
        after_mvm &= follows && !pool;
        pooled = follows && (pooled || pool);
        previous = Some(id);
    }
    followers
}

/// Whether `stage`'s whole convolution with `joins` joins after it, pooled by `kernel` in the
/// buffer, has a band of whole rows that fits the whole staging buffer ([`whole_buffer`]), and
/// the bands it takes there beyond those without the pooling cost less (a load's and a store's
/// DRAM latency each, `docs/cost-model.md` §7) than streaming the convolution's result to DRAM
/// and back, which the pooling saves.
fn pools_in_bands(
    stage: &Stage,
    layers: &[Layer],
    (kernel, joins): ((usize, usize), usize),
    target: &Target,
) -> bool {
    let Some(m) = &stage.mvm else {
        return false;
    };
    let Some(image) = layers[m.layer].mvm().and_then(|l| l.image) else {
        return false;
    };
    let width = m.width() as usize;
    let whole = whole_buffer(target);
    let image = image.joined(joins);
    let pooled = image.pooled(kernel);
    if pooled.band(width, whole).is_none() {
        return false;
    }
    let extra = pooled
        .bands(width, whole)
        .saturating_sub(image.bands(width, whole));
    let bits = u64::from(target.precision.activation_bits);
    let result_bytes = layers[m.layer].output_elements.saturating_mul(bits) as f64 / 8.0;
    let dram = &target.dram;
    extra as f64 * 2.0 * dram.latency_ns <= 2.0 * result_bytes / dram.bandwidth_gb_s
}

/// Whether `layer` is a join (a binary op of two images) rather than an op of one operand.
fn joined(layer: &Layer) -> bool {
    layer.inputs.len() == 2
}

/// Checks the stage specs against the layers; returns the stages of each layer.
fn check_specs(layers: &[Layer], specs: &[StageSpec]) -> Result<Vec<Vec<usize>>, ProgramError> {
    let invalid = |message: String| Err(ProgramError::InvalidSchedule(message));
    let mut stages_of: Vec<Vec<usize>> = vec![Vec::new(); layers.len()];
    // Parts of each crossbar layer seen so far: a consumer may only come after the last.
    for (s, spec) in specs.iter().enumerate() {
        for (position, &id) in spec.layers.iter().enumerate() {
            let Some(layer) = layers.get(id) else {
                return invalid(format!(
                    "stage {s} names layer {id}, the network has {}",
                    layers.len()
                ));
            };
            if layer.mvm().is_some() && position > 0 {
                return invalid(format!(
                    "stage {s}: crossbar layer `{}` must be the first layer of its stage",
                    layer.name
                ));
            }
            if position == 0 && layer.mvm().is_none() && spec.parts != 1 {
                return invalid(format!(
                    "stage {s}: `{}` has column parts but no crossbar layer",
                    layer.name
                ));
            }
            for source in &layer.inputs {
                if let Source::Layer(producer) = *source {
                    let done = stages_of[producer].len() as u64
                        == parts_of(&layers[producer], specs, &stages_of[producer]);
                    if stages_of[producer].is_empty() || !done {
                        return invalid(format!(
                            "stage {s}: layer `{}` reads `{}`, which no earlier stage computes (completely)",
                            layer.name, layers[producer].name
                        ));
                    }
                }
            }
            if stages_of[id].contains(&s) {
                return invalid(format!("stage {s} lists layer `{}` twice", layer.name));
            }
            stages_of[id].push(s);
        }
    }
    for (id, stages) in stages_of.iter().enumerate() {
        let expected = parts_of(&layers[id], specs, stages);
        if stages.is_empty() || stages.len() as u64 != expected {
            return invalid(format!(
                "layer `{}` is in {} stages, it must be in {}",
                layers[id].name,
                stages.len(),
                expected.max(1)
            ));
        }
    }
    Ok(stages_of)
}

/// The stages a layer listed in `stages` must be in: a crossbar layer one per column part (as its
/// first stage says), a vector layer one.
fn parts_of(layer: &Layer, specs: &[StageSpec], stages: &[usize]) -> u64 {
    match (layer.mvm(), stages.first()) {
        (Some(_), Some(&s)) => specs[s].parts.max(1),
        _ => 1,
    }
}

/// The stage of `spec`, mapped on `target`.
fn stage(
    layers: &[Layer],
    spec: &StageSpec,
    target: &Target,
    granularity: Granularity,
) -> Result<Stage, ProgramError> {
    let Some(&first) = spec.layers.first() else {
        return Err(ProgramError::InvalidSchedule(
            "a stage without layers".into(),
        ));
    };
    let layer = &layers[first];
    let Some(mvm) = layer.mvm() else {
        let stage = Stage {
            name: layer.name.clone(),
            mvm: None,
            vector: spec.layers.clone(),
            followers: Vec::new(),
        };
        return Ok(Stage {
            followers: followers(&stage, layers, target),
            ..stage
        });
    };
    let parts = column_parts(&layer.name, mvm.shape, target, granularity)?;
    let Some((columns, shape)) = parts.get(spec.part as usize).cloned() else {
        return Err(ProgramError::InvalidSchedule(format!(
            "layer `{}`: part {} of {}, its tiling on this target has {} parts",
            layer.name,
            spec.part + 1,
            spec.parts,
            parts.len()
        )));
    };
    if parts.len() as u64 != spec.parts {
        return Err(ProgramError::InvalidSchedule(format!(
            "layer `{}` is cut into {} column parts, its tiling on this target has {}",
            layer.name,
            spec.parts,
            parts.len()
        )));
    }
    let tiling = Tiling::new(shape, target);
    let dense = mvm.kind == MvmKind::Fc;
    let count = spec.parts;
    let stage = Stage {
        name: if count > 1 {
            format!("{}[{}/{count}]", layer.name, spec.part + 1)
        } else {
            layer.name.clone()
        },
        mvm: Some(StageMvm {
            layer: first,
            kind: mvm.kind,
            part: spec.part,
            parts: count,
            columns,
            shape,
            vectors: mvm.vectors,
            mapping: LayerMapping::new(tiling, granularity, target, mvm.vectors, dense),
            weight_bytes: weight_bytes(target, shape.weights()),
        }),
        vector: spec.layers[1..].to_vec(),
        followers: Vec::new(),
    };
    Ok(Stage {
        followers: followers(&stage, layers, target),
        ..stage
    })
}

/// Bytes of `weights` weights in DRAM at the target's weight precision.
pub fn weight_bytes(target: &Target, weights: u64) -> u64 {
    weights
        .saturating_mul(u64::from(target.precision.weight_bits))
        .div_ceil(8)
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
                bytes: bytes(produced_elements(id, layer, &stages[producer])),
                output: layer.is_output,
            });
        }
    }
    flows
}

/// Elements per image of layer `id`'s output that `stage` produces: all of them, or a column
/// part's share when the layer is the stage's column part.
fn produced_elements(id: LayerId, layer: &Layer, stage: &Stage) -> u64 {
    let part = stage
        .mvm
        .as_ref()
        .filter(|m| m.parts > 1 && m.layer == id)
        .map(|m| m.shape.cols);
    match (part, layer.mvm()) {
        (Some(cols), Some(whole)) => layer
            .output_elements
            .saturating_mul(cols)
            .div_ceil(whole.shape.cols.max(1)),
        _ => layer.output_elements,
    }
}
