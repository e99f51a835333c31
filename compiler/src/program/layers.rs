//! The network as the cost model sees it: an ordered list of [`Layer`]s (func order, which is
//! topological) and the dataflow DAG between them ([`Dataflow`], petgraph).
//!
//! Every `pim.mvm` is a **crossbar layer** ([`Mvm`]: kind, kernel, `[group, rows, cols]`, input
//! vectors per image). Every vector-unit op (`pim.act`, `pim.prelu`, `pim.binary`, `pim.pool`,
//! `pim.softmax`, `pim.lrn`) and every data move (`pim.concat`, `pim.transpose`, `pim.pad`) is a
//! **vector layer** of its own ([`VectorWork`]: element ops and moved elements per image).
//! `pim.reshape` is a free view and `pim.constant` holds weights; neither is a layer: a layer fed
//! through a reshape depends on the reshape's operand.
//!
//! Keeping vector work as separate entries keeps the list a faithful image of the IR; a stage
//! (`stages.rs`) holds a crossbar layer and the vector layers of its epilogue (streamed behind the
//! MVM), which is what a pipeline stage executes.
//!
//! All counts are **per image**: the IR is compiled for some batch ([`Images::ir`]) and every
//! element and vector count is divided by it; the schedule's batch is separate.
//! A ReLU that directly consumes an MVM's only use is marked `fused`: the calibrated accumulation
//! energy of crossbar layers already includes NeuroSim's ReLU (`docs/targets.md` §5.4), so it costs
//! no vector-unit time or energy.

use super::bands::ConvImage;
use super::images::Images;
use super::tiling::MatrixShape;
use super::work::{activation_ops, lrn_ops, pool_ops, reduce_ops, NORM_OPS, SOFTMAX_OPS};
use super::ProgramError;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use pim_dialects::{Func, PimOp};

/// Index of a layer in the list [`layers_of`] returns.
pub type LayerId = usize;

/// Where a layer's activation operand comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// A network input (function argument `port`) of `elements` per image.
    Input {
        /// Index of the function argument.
        port: usize,
        /// Elements per image.
        elements: u64,
    },
    /// The output of an earlier layer.
    Layer(LayerId),
}

/// Whether a crossbar layer is a convolution or a dense (fully connected) layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MvmKind {
    /// A convolution (im2col input vectors, one per output pixel).
    Conv,
    /// A dense layer (Gemm / MatMul): one input vector per row.
    Fc,
}

impl MvmKind {
    /// The name in the IR and reports: "conv" or "fc".
    pub fn name(self) -> &'static str {
        match self {
            MvmKind::Conv => "conv",
            MvmKind::Fc => "fc",
        }
    }
}

/// A crossbar layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mvm {
    /// Conv or fc.
    pub kind: MvmKind,
    /// Kernel size (conv; empty for fc).
    pub kernel: Vec<i64>,
    /// The weight matrices.
    pub shape: MatrixShape,
    /// Input vectors per image (output pixels of a conv, rows of an fc input).
    pub vectors: u64,
    /// A convolution's images, as the back end cuts them into bands ([`ConvImage`]).
    pub image: Option<ConvImage>,
}

impl Mvm {
    /// Multiply-accumulates per image.
    pub fn macs(&self) -> u64 {
        self.shape.weights().saturating_mul(self.vectors)
    }

    /// Kernel taps (1 for fc).
    pub fn taps(&self) -> u64 {
        self.kernel.iter().map(|&k| k.max(1) as u64).product()
    }
}

/// What a vector layer does, for grouping in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorClass {
    /// `pim.act`, `pim.prelu`.
    Activation,
    /// `pim.binary`.
    Elementwise,
    /// `pim.pool`.
    Pool,
    /// `pim.softmax`.
    Softmax,
    /// `pim.lrn`.
    Lrn,
    /// `pim.concat`, `pim.transpose`, `pim.pad`, `pim.slice`, `pim.expand`: data moves through
    /// the buffers.
    Move,
    /// `pim.reduce`.
    Reduce,
    /// `pim.norm`.
    Norm,
    /// `pim.matmul`: a product of two run-time matrices on the vector unit.
    MatMul,
}

/// The work of a vector layer, per image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorWork {
    /// The op, e.g. `act.relu`, `pool.max`, `binary.add`, `concat`.
    pub op: String,
    /// Its class.
    pub class: VectorClass,
    /// Element ops on the vector unit (0 when fused).
    pub ops: u64,
    /// Elements moved through the buffers (data moves).
    pub moved: u64,
    /// A ReLU fused into the preceding crossbar layer's accumulation.
    pub fused: bool,
    /// Computed in the buffer chunk by chunk, in place of its first operand: a single-`vop`
    /// activation ([`SINGLE_VOP_ACTS`]), a PReLU or a binary op of an activation with a scalar or
    /// per-channel constant (add, sub, mul, div), or a binary op of two images of the result's
    /// shape.
    pub in_place: bool,
    /// Its only activation operand is the result (not a view) of a layer that nothing else reads
    /// and that is no network output.
    pub sole_reader: bool,
    /// For a binary op of two images of the result's shape: per operand, whether it is the
    /// result (not a view) of a layer that only this op reads, once, and that is no network
    /// output, while the other operand is a layer's result or a network input (not a view). The
    /// op can then be computed where that layer left the operand in the buffer, the other
    /// operand loaded beside it ([`VectorWork::joins_onto`]).
    pub joins: [bool; 2],
    /// The kernel (rows, columns) of a pooling whose windows tile its image: as large as their
    /// strides, no padding or dilation, rows and columns multiples of the kernel's. Each band of
    /// whole window rows pools on its own, so it can follow a convolution in the buffer.
    pub tiling_pool: Option<(usize, usize)>,
}

impl VectorWork {
    /// Whether it can be applied to its operand where the layer that produced it left it in the
    /// buffer ([`Stage::followers`](super::stages::Stage::followers)): an in-place op of one
    /// operand that only it reads.
    pub fn follows(&self) -> bool {
        self.in_place && self.sole_reader
    }

    /// The operand (0 or 1) that is `source` when this layer can be computed where the layer
    /// producing it left it in the buffer, with `inputs` its activation operands: a binary op of
    /// two images (a **join**, [`VectorWork::joins`]).
    pub fn joins_onto(&self, inputs: &[Source], source: Source) -> Option<usize> {
        (self.in_place && inputs.len() == 2)
            .then(|| (0..2).find(|&i| self.joins[i] && inputs[i] == source))
            .flatten()
    }
}

/// The activations that are one `vop` of their own, run in place on pixel chunks; the other
/// `pim.act` kinds run a `vop` sequence (`crate::functions`).
pub const SINGLE_VOP_ACTS: &[&str] = &["relu", "leaky_relu", "elu", "clip", "sigmoid", "tanh"];

/// What a layer computes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerOp {
    /// A crossbar layer.
    Mvm(Mvm),
    /// Vector-unit work or a data move.
    Vector(VectorWork),
}

/// One layer of the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The node's name in the IR.
    pub name: String,
    /// What it computes.
    pub op: LayerOp,
    /// Its activation operands (constants excluded), in operand order.
    pub inputs: Vec<Source>,
    /// Elements it reads of each of [`Layer::inputs`] per image (a convolution's operand: the
    /// pixels its windows read).
    pub input_reads: Vec<u64>,
    /// Activation elements it reads per image (`input_reads` summed).
    pub input_elements: u64,
    /// Elements it produces per image.
    pub output_elements: u64,
    /// Whether its result is a network output.
    pub is_output: bool,
}

impl Layer {
    /// The crossbar layer, if it is one.
    pub fn mvm(&self) -> Option<&Mvm> {
        match &self.op {
            LayerOp::Mvm(mvm) => Some(mvm),
            LayerOp::Vector(_) => None,
        }
    }

    /// The vector work, if it is a vector layer.
    pub fn vector(&self) -> Option<&VectorWork> {
        match &self.op {
            LayerOp::Vector(work) => Some(work),
            LayerOp::Mvm(_) => None,
        }
    }

    /// The kind for reports: `conv`, `fc` or the vector op.
    pub fn kind(&self) -> &str {
        match &self.op {
            LayerOp::Mvm(mvm) => mvm.kind.name(),
            LayerOp::Vector(work) => &work.op,
        }
    }
}

/// Whether a node of this op is a layer (has a cost and a place in the schedule): everything but
/// constants, reshapes (views) and the weight views of the tiled phase.
pub fn is_layer(op: &PimOp) -> bool {
    !matches!(
        op,
        PimOp::Constant { .. } | PimOp::Reshape { .. } | PimOp::Tile { .. }
    )
}

/// The sliding windows of a convolution or pooling: kernel, strides, leading pads, dilations,
/// and how many leading spatial dimensions the back end stages only the span of (a pooling
/// stages whole rows).
struct Windows<'a> {
    kernel: &'a [i64],
    strides: &'a [i64],
    pads: &'a [i64],
    dilations: &'a [i64],
    trimmed: usize,
}

/// The windows of a windowed layer (a convolution or a pooling), if it is one.
fn windows_of(op: &PimOp) -> Option<Windows<'_>> {
    match op {
        PimOp::Mvm {
            kind,
            kernel,
            strides,
            pads,
            dilations,
            ..
        } if kind == "conv" => Some(Windows {
            kernel,
            strides,
            pads,
            dilations,
            trimmed: kernel.len(),
        }),
        PimOp::Pool {
            kernel,
            strides,
            pads,
            dilations,
            ..
        } => Some(Windows {
            kernel,
            strides,
            pads,
            dilations,
            trimmed: 1,
        }),
        _ => None,
    }
}

impl Windows<'_> {
    /// Elements of an operand of `elements` per image and `shape` (`[N, C, spatial...]`) that the
    /// windows of an `output`-shaped result read: along each trimmed spatial dimension, the input
    /// from its first row to the last that the last output's window reaches (a stride larger
    /// than the kernel's extent can leave trailing rows unread; the back end stages exactly this
    /// span), along the others all of it.
    fn read(&self, elements: u64, shape: &[usize], output: &[usize]) -> u64 {
        let (spatial, outputs) = (
            shape.get(2..).unwrap_or(&[]),
            output.get(2..).unwrap_or(&[]),
        );
        let dims = spatial.len();
        let complete = [self.kernel, self.strides, self.dilations]
            .iter()
            .all(|v| v.len() == dims)
            && outputs.len() == dims
            && self.pads.len() >= dims;
        if !complete {
            return elements;
        }
        let mut read = elements;
        for (d, &input) in spatial.iter().enumerate().take(self.trimmed) {
            let span = (self.kernel[d] - 1) * self.dilations[d] + 1;
            let last = (outputs[d] as i64 - 1) * self.strides[d] - self.pads[d] + span;
            if input > 0 {
                read = read / input as u64 * last.clamp(1, input as i64) as u64;
            }
        }
        read
    }
}

/// The kernel of `node` if it is a pooling whose windows tile its NCHW image
/// ([`VectorWork::tiling_pool`]).
fn tiling_pool(func: &Func<PimOp>, node: &pim_dialects::Node<PimOp>) -> Option<(usize, usize)> {
    let PimOp::Pool {
        kernel,
        strides,
        pads,
        dilations,
        ..
    } = &node.op
    else {
        return None;
    };
    let &[_, _, h, w] = func.shape(*node.operands.first()?) else {
        return None;
    };
    let (&[kh, kw], &[sh, sw]) = (kernel.as_slice(), strides.as_slice()) else {
        return None;
    };
    let exact = |k: i64, s: i64, n: usize| k > 0 && k == s && n.is_multiple_of(k as usize);
    let plain = pads.iter().all(|&p| p == 0) && dilations.iter().all(|&d| d == 1);
    (plain && exact(kh, sh, h) && exact(kw, sw, w)).then_some((kh as usize, kw as usize))
}

/// The index in `func.nodes` of every layer [`layers_of`] returns, in order.
pub fn layer_nodes(func: &Func<PimOp>) -> Vec<usize> {
    (0..func.nodes.len())
        .filter(|&i| is_layer(&func.nodes[i].op))
        .collect()
}

/// The layers of `func`, per image of the IR's batch ([`Images::ir`]).
pub fn layers_of(func: &Func<PimOp>) -> Result<Vec<Layer>, ProgramError> {
    layers_of_batch(func, Images::ir_images(func))
}

/// The network of a layer-level function: its layers, the IR node of each, and the layer that
/// produces each value.
#[derive(Debug, Clone)]
pub struct Network {
    /// The layers, in function order.
    pub layers: Vec<Layer>,
    /// The node index in `func.nodes` of each layer.
    pub nodes: Vec<usize>,
    /// The layer producing each value (`None` for inputs, constants and views).
    pub layer_of_value: Vec<Option<LayerId>>,
}

impl Network {
    /// The network of `func`.
    pub fn of(func: &Func<PimOp>) -> Result<Self, ProgramError> {
        let layers = layers_of(func)?;
        let nodes = layer_nodes(func);
        let mut layer_of_value = vec![None; func.shapes.len()];
        for (id, &node) in nodes.iter().enumerate() {
            if let Some(slot) = layer_of_value.get_mut(func.nodes[node].result) {
                *slot = Some(id);
            }
        }
        Ok(Self {
            layers,
            nodes,
            layer_of_value,
        })
    }

    /// The value each layer produces.
    pub fn value_of(&self, func: &Func<PimOp>, layer: LayerId) -> pim_dialects::ValueId {
        func.nodes[self.nodes[layer]].result
    }
}

/// Where a value comes from while walking the function.
#[derive(Debug, Clone, Copy)]
enum Origin {
    Source(Source),
    Constant,
}

/// The layers of `func`, dividing every count by `batch` images.
pub fn layers_of_batch(func: &Func<PimOp>, batch: u64) -> Result<Vec<Layer>, ProgramError> {
    let mut walk = Walk::new(func, batch.max(1));
    for port_index in 0..func.inputs.len() {
        walk.input(port_index)?;
    }
    for node in &func.nodes {
        walk.node(node)?;
    }
    for port in &func.outputs {
        if let Some(Some(Origin::Source(Source::Layer(id)))) = walk.origins.get(port.value) {
            if let Some(layer) = walk.layers.get_mut(*id) {
                layer.is_output = true;
            }
        }
    }
    Ok(walk.layers)
}

/// The state of [`layers_of_batch`]'s walk over the function.
struct Walk<'f> {
    func: &'f Func<PimOp>,
    batch: u64,
    origins: Vec<Option<Origin>>,
    /// Uses of each value by nodes and outputs.
    uses: Vec<usize>,
    /// Whether each value is the result of a `pim.mvm`.
    mvm_results: Vec<bool>,
    /// Whether each value is the result of a layer (not a view of one).
    layer_results: Vec<bool>,
    layers: Vec<Layer>,
}

impl<'f> Walk<'f> {
    fn new(func: &'f Func<PimOp>, batch: u64) -> Self {
        let mut uses = vec![0; func.shapes.len()];
        let used = func.nodes.iter().flat_map(|n| n.operands.iter());
        for &value in used.chain(func.outputs.iter().map(|p| &p.value)) {
            if let Some(count) = uses.get_mut(value) {
                *count += 1;
            }
        }
        Self {
            func,
            batch,
            origins: vec![None; func.shapes.len()],
            uses,
            mvm_results: vec![false; func.shapes.len()],
            layer_results: vec![false; func.shapes.len()],
            layers: Vec::new(),
        }
    }

    fn input(&mut self, port_index: usize) -> Result<(), ProgramError> {
        let port = &self.func.inputs[port_index];
        let elements = self.per_image(&port.name, "elements", port.value)?;
        self.set(
            port.value,
            Origin::Source(Source::Input {
                port: port_index,
                elements,
            }),
        );
        Ok(())
    }

    fn set(&mut self, value: usize, origin: Origin) {
        if let Some(slot) = self.origins.get_mut(value) {
            *slot = Some(origin);
        }
    }

    /// Elements of `value` per image.
    fn per_image(&self, node: &str, what: &'static str, value: usize) -> Result<u64, ProgramError> {
        let count = self
            .func
            .shapes
            .get(value)
            .map_or(0, |s| s.iter().map(|&d| d as u64).product::<u64>());
        self.divide(node, what, count)
    }

    fn divide(&self, node: &str, what: &'static str, count: u64) -> Result<u64, ProgramError> {
        if !count.is_multiple_of(self.batch) {
            return Err(ProgramError::NotPerImage {
                node: node.to_owned(),
                what,
                count,
                batch: self.batch,
            });
        }
        Ok(count / self.batch)
    }

    fn origin(&self, node: &str, value: usize) -> Result<Origin, ProgramError> {
        self.origins
            .get(value)
            .copied()
            .flatten()
            .ok_or_else(|| ProgramError::NotTopological {
                node: node.to_owned(),
                value,
            })
    }

    fn node(&mut self, node: &pim_dialects::Node<PimOp>) -> Result<(), ProgramError> {
        let origins = node
            .operands
            .iter()
            .map(|&v| self.origin(&node.name, v))
            .collect::<Result<Vec<_>, _>>()?;
        let op = match &node.op {
            PimOp::Constant { .. } => {
                self.set(node.result, Origin::Constant);
                return Ok(());
            }
            PimOp::Reshape { .. } | PimOp::Tile { .. } => {
                let origin = origins.first().copied().unwrap_or(Origin::Constant);
                self.set(node.result, origin);
                return Ok(());
            }
            PimOp::Mvm { .. } => LayerOp::Mvm(self.mvm(node)?),
            other => LayerOp::Vector(self.vector(node, other)?),
        };
        let inputs: Vec<Source> = origins
            .iter()
            .filter_map(|o| match o {
                Origin::Source(source) => Some(*source),
                Origin::Constant => None,
            })
            .collect();
        let input_reads = node
            .operands
            .iter()
            .zip(&origins)
            .enumerate()
            .filter(|(_, (_, o))| matches!(o, Origin::Source(_)))
            .map(|(i, (&v, _))| {
                let elements = self.per_image(&node.name, "operand elements", v)?;
                Ok(match (i, windows_of(&node.op)) {
                    (0, Some(windows)) => {
                        windows.read(elements, self.func.shape(v), self.func.shape(node.result))
                    }
                    _ => elements,
                })
            })
            .collect::<Result<Vec<u64>, _>>()?;
        let id = self.layers.len();
        self.layers.push(Layer {
            name: node.name.clone(),
            op,
            inputs,
            input_elements: input_reads.iter().sum(),
            input_reads,
            output_elements: self.per_image(&node.name, "result elements", node.result)?,
            is_output: false,
        });
        self.set(node.result, Origin::Source(Source::Layer(id)));
        if let Some(flag) = self.layer_results.get_mut(node.result) {
            *flag = true;
        }
        if matches!(node.op, PimOp::Mvm { .. }) {
            if let Some(flag) = self.mvm_results.get_mut(node.result) {
                *flag = true;
            }
        }
        Ok(())
    }

    fn mvm(&self, node: &pim_dialects::Node<PimOp>) -> Result<Mvm, ProgramError> {
        let PimOp::Mvm {
            kind,
            kernel,
            group,
            rows,
            cols,
            vectors,
            ..
        } = &node.op
        else {
            return Err(invalid(&node.name, "not a pim.mvm"));
        };
        let kind = match kind.as_str() {
            "conv" => MvmKind::Conv,
            "fc" => MvmKind::Fc,
            other => return Err(invalid(&node.name, &format!("unknown kind `{other}`"))),
        };
        let positive = |name: &str, v: i64| {
            u64::try_from(v)
                .ok()
                .filter(|&v| v > 0)
                .ok_or_else(|| invalid(&node.name, &format!("`{name}` = {v} must be positive")))
        };
        let shape = MatrixShape {
            groups: positive("group", *group)?,
            rows: positive("rows", *rows)?,
            cols: positive("cols", *cols)?,
        };
        let vectors = self.divide(&node.name, "input vectors", positive("vectors", *vectors)?)?;
        Ok(Mvm {
            kind,
            kernel: kernel.clone(),
            shape,
            vectors,
            image: ConvImage::of(self.func, node),
        })
    }

    fn vector(
        &self,
        node: &pim_dialects::Node<PimOp>,
        op: &PimOp,
    ) -> Result<VectorWork, ProgramError> {
        let out = self.per_image(&node.name, "result elements", node.result)?;
        let work = |op: String, class, per_element: u64| VectorWork {
            op,
            class,
            ops: out.saturating_mul(per_element),
            moved: 0,
            fused: false,
            in_place: self.in_place(node),
            sole_reader: self.sole_reader(node),
            joins: self.joins(node),
            tiling_pool: tiling_pool(self.func, node),
        };
        let moved = |op: &str| VectorWork {
            op: op.to_owned(),
            class: VectorClass::Move,
            ops: 0,
            moved: out,
            fused: false,
            in_place: false,
            sole_reader: false,
            joins: [false; 2],
            tiling_pool: None,
        };
        Ok(match op {
            PimOp::Act { kind, .. } if self.fuses(node, kind) => VectorWork {
                fused: true,
                ..work(format!("act.{kind}"), VectorClass::Activation, 0)
            },
            PimOp::Act { kind, .. } => work(
                format!("act.{kind}"),
                VectorClass::Activation,
                activation_ops(kind),
            ),
            PimOp::PRelu {} => work("prelu".into(), VectorClass::Activation, 1),
            PimOp::Binary { kind } => work(format!("binary.{kind}"), VectorClass::Elementwise, 1),
            PimOp::Pool { kind, kernel, .. } => {
                let taps = kernel.iter().map(|&k| k.max(1) as u64).product::<u64>();
                let per_output = pool_ops(kind == "max", taps);
                work(format!("pool.{kind}"), VectorClass::Pool, per_output)
            }
            PimOp::Softmax { log, .. } => {
                let name = if *log != 0 { "log_softmax" } else { "softmax" };
                work(name.into(), VectorClass::Softmax, SOFTMAX_OPS as u64)
            }
            PimOp::Lrn { size, .. } => work("lrn".into(), VectorClass::Lrn, lrn_ops(*size)),
            PimOp::Concat { .. } => moved("concat"),
            PimOp::Transpose { .. } => moved("transpose"),
            PimOp::Pad { .. } => moved("pad"),
            PimOp::Slice { .. } => moved("slice"),
            PimOp::Expand { .. } => moved("expand"),
            PimOp::Reduce { kind, .. } => {
                let read = self.operand_elements(node, 0)?;
                VectorWork {
                    ops: read.saturating_mul(reduce_ops(kind)),
                    ..work(format!("reduce.{kind}"), VectorClass::Reduce, 0)
                }
            }
            PimOp::Norm { .. } => work("norm".into(), VectorClass::Norm, NORM_OPS as u64),
            PimOp::MatMul {} => {
                // Every output element is a dot product of the shared dimension: a multiply
                // and an add per term, plus the gather of both operands through the buffers.
                let k = node
                    .operands
                    .first()
                    .and_then(|&v| self.func.shapes.get(v))
                    .and_then(|s| s.last())
                    .map_or(1, |&k| k as u64);
                VectorWork {
                    moved: self.operand_elements(node, 0)? + self.operand_elements(node, 1)?,
                    ..work("matmul".into(), VectorClass::MatMul, 2 * k)
                }
            }
            PimOp::Constant { .. }
            | PimOp::Reshape { .. }
            | PimOp::Tile { .. }
            | PimOp::Mvm { .. } => return Err(invalid(&node.name, "not a vector-unit op")),
        })
    }

    /// Elements per image of operand `index` of `node`.
    fn operand_elements(
        &self,
        node: &pim_dialects::Node<PimOp>,
        index: usize,
    ) -> Result<u64, ProgramError> {
        let value = node
            .operands
            .get(index)
            .copied()
            .ok_or_else(|| invalid(&node.name, "a missing operand"))?;
        self.per_image(&node.name, "operand elements", value)
    }

    /// Whether `node` runs in place of its first operand ([`VectorWork::in_place`]), as the back
    /// end emits it.
    fn in_place(&self, node: &pim_dialects::Node<PimOp>) -> bool {
        let result = self.func.shape(node.result);
        let activation = |v: usize| self.is_activation(v);
        // A constant the back end takes as a `bias` / `scale` / slope parameter.
        let parameter = |v: usize| {
            let k = self.func.shape(v);
            let numel: usize = k.iter().product();
            let channels = result.get(1).copied().unwrap_or(0);
            let per_channel = result.len() == 4
                && numel == channels
                && k.len() >= 3
                && k[k.len() - 3] == channels
                && k.iter().filter(|&&d| d != 1).count() <= 1;
            matches!(self.origins.get(v), Some(Some(Origin::Constant)))
                && (numel == 1 || per_channel)
        };
        let shaped = |v: usize| activation(v) && self.func.shape(v) == result;
        match (&node.op, node.operands.as_slice()) {
            (PimOp::Act { kind, .. }, [_]) => SINGLE_VOP_ACTS.contains(&kind.as_str()),
            (PimOp::PRelu {}, &[x, slope]) => shaped(x) && parameter(slope),
            (PimOp::Binary { kind }, &[x, k]) if parameter(k) => {
                matches!(kind.as_str(), "add" | "sub" | "mul" | "div") && shaped(x)
            }
            (PimOp::Binary { .. }, &[x, y]) => result.len() == 4 && shaped(x) && shaped(y),
            _ => false,
        }
    }

    /// Whether `node`'s only activation operand is its first, the result of a layer that only
    /// `node` reads ([`VectorWork::sole_reader`]).
    fn sole_reader(&self, node: &pim_dialects::Node<PimOp>) -> bool {
        let activations = node
            .operands
            .iter()
            .filter(|&&v| self.is_activation(v))
            .count();
        node.operands.first().is_some_and(|&operand| {
            activations == 1
                && self.layer_results.get(operand) == Some(&true)
                && self.uses.get(operand) == Some(&1)
        })
    }

    /// Per operand of a binary op of two activations, whether it is a layer's result that only
    /// `node` reads, once, and no network output, while the other is a layer's result or a
    /// network input, not a view ([`VectorWork::joins`]).
    fn joins(&self, node: &pim_dialects::Node<PimOp>) -> [bool; 2] {
        let PimOp::Binary { .. } = node.op else {
            return [false; 2];
        };
        let &[x, y] = node.operands.as_slice() else {
            return [false; 2];
        };
        let result = |v: usize| self.layer_results.get(v) == Some(&true);
        let stored = |v: usize| result(v) || self.func.inputs.iter().any(|p| p.value == v);
        let sole = |v: usize| result(v) && self.uses.get(v) == Some(&1);
        [sole(x) && stored(y), sole(y) && stored(x)]
    }

    /// Whether `value` is an activation (a network input or a layer's result, or a view of one).
    fn is_activation(&self, value: usize) -> bool {
        matches!(self.origins.get(value), Some(Some(Origin::Source(_))))
    }

    /// A ReLU fuses into the accumulation of the MVM whose only use it is.
    fn fuses(&self, node: &pim_dialects::Node<PimOp>, kind: &str) -> bool {
        node.operands.first().is_some_and(|&operand| {
            kind == "relu"
                && self.mvm_results.get(operand) == Some(&true)
                && self.uses.get(operand) == Some(&1)
        })
    }
}

fn invalid(layer: &str, message: &str) -> ProgramError {
    ProgramError::InvalidLayer {
        layer: layer.to_owned(),
        message: message.to_owned(),
    }
}

/// A node of the dataflow graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// A network input (function argument index).
    Input(usize),
    /// A layer.
    Layer(LayerId),
}

/// The dataflow DAG: an edge from a producer (network input or layer) to every layer that reads
/// it, weighted by the elements per image that flow. Residual connections are edges that skip
/// layers; the scheduler uses them to find the activations live across segment boundaries.
#[derive(Debug, Clone)]
pub struct Dataflow {
    /// The graph.
    pub graph: DiGraph<Endpoint, u64>,
    /// Node of each layer, by [`LayerId`].
    pub layer_nodes: Vec<NodeIndex>,
    /// Node of each used network input, with its function-argument index.
    pub input_nodes: Vec<(usize, NodeIndex)>,
}

impl Dataflow {
    /// The DAG of `layers`.
    pub fn new(layers: &[Layer]) -> Self {
        let mut graph = DiGraph::new();
        let mut input_nodes: Vec<(usize, NodeIndex)> = Vec::new();
        let layer_nodes: Vec<NodeIndex> = (0..layers.len())
            .map(|id| graph.add_node(Endpoint::Layer(id)))
            .collect();
        for (id, layer) in layers.iter().enumerate() {
            for source in &layer.inputs {
                let (from, elements) = match *source {
                    Source::Layer(producer) => {
                        (layer_nodes[producer], layers[producer].output_elements)
                    }
                    Source::Input { port, elements } => {
                        let node = match input_nodes.iter().find(|(p, _)| *p == port) {
                            Some(&(_, node)) => node,
                            None => {
                                let node = graph.add_node(Endpoint::Input(port));
                                input_nodes.push((port, node));
                                node
                            }
                        };
                        (node, elements)
                    }
                };
                if graph.find_edge(from, layer_nodes[id]).is_none() {
                    graph.add_edge(from, layer_nodes[id], elements);
                }
            }
        }
        Self {
            graph,
            layer_nodes,
            input_nodes,
        }
    }

    /// The layers that read `node`'s output, in ascending order.
    pub fn consumers(&self, node: NodeIndex) -> Vec<LayerId> {
        let mut ids: Vec<LayerId> = self
            .graph
            .neighbors_directed(node, Direction::Outgoing)
            .filter_map(|n| match self.graph[n] {
                Endpoint::Layer(id) => Some(id),
                Endpoint::Input(_) => None,
            })
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Whether the graph is acyclic (always, for a function in topological order).
    pub fn is_acyclic(&self) -> bool {
        !petgraph::algo::is_cyclic_directed(&self.graph)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pim_runtime::Tensor;

    fn mvm(kind: &str, group: i64, rows: i64, cols: i64, vectors: i64) -> PimOp {
        PimOp::Mvm {
            kind: kind.into(),
            kernel: if kind == "conv" { vec![3, 3] } else { vec![] },
            strides: vec![],
            pads: vec![],
            dilations: vec![],
            group,
            rows,
            cols,
            vectors,
        }
    }

    fn constant(func: &mut Func<PimOp>, shape: Vec<usize>) -> usize {
        func.push(
            "w",
            PimOp::Constant {
                value: Tensor::zeros(vec![1]),
            },
            vec![],
            shape,
        )
    }

    /// x -> conv -> relu -> pool -> conv -> add(residual from pool) -> reshape -> fc, batch 2.
    fn residual() -> Func<PimOp> {
        let mut f = Func::new("main");
        let x = f.add_input("x", vec![2, 3, 8, 8]);
        let w = constant(&mut f, vec![1, 27, 4]);
        let c1 = f.push(
            "c1",
            mvm("conv", 1, 27, 4, 128),
            vec![x, w, w],
            vec![2, 4, 8, 8],
        );
        let act = |kind: &str| PimOp::Act {
            kind: kind.into(),
            alpha: 0.0,
            beta: 0.0,
        };
        let r1 = f.push("r1", act("relu"), vec![c1], vec![2, 4, 8, 8]);
        let pool = PimOp::Pool {
            kind: "max".into(),
            kernel: vec![2, 2],
            strides: vec![2, 2],
            pads: vec![0; 4],
            dilations: vec![1, 1],
            ceil_mode: 0,
            count_include_pad: 0,
        };
        let p = f.push("p", pool, vec![r1], vec![2, 4, 4, 4]);
        let c2 = f.push(
            "c2",
            mvm("conv", 1, 36, 4, 32),
            vec![p, w, w],
            vec![2, 4, 4, 4],
        );
        let s = f.push(
            "add",
            PimOp::Binary { kind: "add".into() },
            vec![c2, p],
            vec![2, 4, 4, 4],
        );
        let flat = f.push(
            "flat",
            PimOp::Reshape { shape: vec![2, 64] },
            vec![s],
            vec![2, 64],
        );
        let fc = f.push("fc", mvm("fc", 1, 64, 10, 2), vec![flat, w, w], vec![2, 10]);
        let sig = f.push("sig", act("sigmoid"), vec![fc], vec![2, 10]);
        f.outputs.push(pim_dialects::Port {
            name: "y".into(),
            value: sig,
        });
        f
    }

    #[test]
    fn layers_are_per_image_with_sources() {
        let f = residual();
        assert_eq!(Images::ir_images(&f), 2);
        let layers = layers_of(&f).unwrap();
        let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["c1", "r1", "p", "c2", "add", "fc", "sig"]);
        let c1 = layers[0].mvm().unwrap();
        assert_eq!((c1.vectors, c1.shape.rows, c1.shape.cols), (64, 27, 4));
        assert_eq!(c1.macs(), 27 * 4 * 64);
        assert_eq!(
            layers[0].inputs,
            [Source::Input {
                port: 0,
                elements: 192
            }]
        );
        // The ReLU fuses into c1; the sigmoid is 4 ops per element; the pool 3 per output.
        let work = |i: usize| layers[i].vector().unwrap().clone();
        assert!(work(1).fused && work(1).ops == 0);
        assert_eq!(work(2).ops, 64 * 3);
        assert_eq!(work(6).ops, 10 * 4);
        assert!(!work(6).fused);
        // The ReLU and the sigmoid run in place of the result they alone read, so they can
        // follow their producer in the buffer; the add of two images runs in place but reads
        // two; the pool does not run in place.
        assert!(work(1).follows() && work(6).follows());
        assert!(work(4).in_place && !work(4).sole_reader);
        // The add can join onto c2, which only it reads, not onto the pool, which c2 reads too.
        assert_eq!(work(4).joins, [true, false]);
        let add = &layers[4];
        assert_eq!(work(4).joins_onto(&add.inputs, Source::Layer(3)), Some(0));
        assert_eq!(work(4).joins_onto(&add.inputs, Source::Layer(2)), None);
        assert!(!work(2).in_place && work(2).sole_reader);
        // The fc reads the add through the reshape.
        assert_eq!(layers[5].inputs, [Source::Layer(4)]);
        assert_eq!(layers[4].inputs, [Source::Layer(3), Source::Layer(2)]);
        assert_eq!(layers[4].input_elements, 128);
        assert!(layers[6].is_output && !layers[5].is_output);
    }

    #[test]
    fn dataflow_has_the_residual_edge() {
        let layers = layers_of(&residual()).unwrap();
        let flow = Dataflow::new(&layers);
        assert!(flow.is_acyclic());
        assert_eq!(flow.consumers(flow.layer_nodes[2]), [3, 4]);
        assert_eq!(flow.input_nodes.len(), 1);
        assert_eq!(flow.consumers(flow.input_nodes[0].1), [0]);
        assert_eq!(flow.graph.edge_count(), 8);
    }

    #[test]
    fn bad_layers_are_refused_by_name() {
        let mut f = residual();
        if let PimOp::Mvm { rows, .. } = &mut f.nodes[1].op {
            *rows = 0;
        }
        let error = layers_of(&f).unwrap_err().to_string();
        assert!(
            error.contains("layer `c1`") && error.contains("rows"),
            "{error}"
        );
        let mut f = residual();
        if let PimOp::Mvm { vectors, .. } = &mut f.nodes[1].op {
            *vectors = 127;
        }
        let error = layers_of_batch(&f, 2).unwrap_err().to_string();
        assert!(
            error.contains("c1") && error.contains("batch (2)"),
            "{error}"
        );
        let mut f = residual();
        f.nodes.swap(1, 2);
        assert!(matches!(
            layers_of(&f),
            Err(ProgramError::NotTopological { .. })
        ));
    }
}
