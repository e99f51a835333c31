//! The import driver: binds graph inputs (with the batch dimension), registers initializers as known
//! values, imports nodes in order through the op table of [`super::ops`], folds every node whose
//! operands are all known, and materialises known values as `graph.constant` only where a runtime
//! op uses them.

use super::{attributes::Attributes, known::Known, model, ops};
use crate::graph::{semantics, Graph};
use crate::{Error, Result};
use onnx_protobuf::{tensor_proto::DataType, GraphProto, NodeProto, ValueInfoProto};
use pim_dialects::{GraphOp, Port, ValueId};
use protobuf::Enum;
use std::collections::HashMap;
use std::path::Path;

/// The largest tensor pimc accepts, in elements (2^30 f32 = 4 GiB): a corrupt or hostile model that
/// asks for more gets an error instead of exhausting memory.
pub const MAX_ELEMENTS: usize = 1 << 30;

/// The element count of `shape`, or an error when it overflows or exceeds [`MAX_ELEMENTS`].
pub fn checked_elements(shape: &[usize]) -> std::result::Result<usize, String> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or_else(|| {
            format!(
                "a tensor of shape {shape:?} is larger than pimc accepts ({MAX_ELEMENTS} elements)"
            )
        })
}

/// Options of the import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// The value bound to a symbolic batch dimension (dimension 0 of a graph input).
    pub batch: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { batch: 1 }
    }
}

/// What a name refers to during the import.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A runtime value of the function being built.
    Value(ValueId),
    /// A compile-time value.
    Known(Known),
    /// An output that pimc does not produce (e.g. Dropout's mask); using it is an error.
    Unavailable(String),
}

/// Why one node could not be imported.
#[derive(Debug)]
pub enum Issue {
    /// The node uses something pimc does not support.
    Unsupported(String),
    /// The node is malformed or its shapes do not fit.
    Invalid(String),
}

impl From<String> for Issue {
    fn from(message: String) -> Self {
        Self::Invalid(message)
    }
}

/// Result of importing one node.
pub type NodeResult<T> = std::result::Result<T, Issue>;

/// Reads and imports the ONNX file at `path`.
pub fn import_file(path: &Path, options: ImportOptions) -> Result<Graph> {
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: display.clone(),
        source,
    })?;
    import_bytes(&bytes, &display, options)
}

/// Imports an ONNX model from its bytes; `path` names it in messages.
pub fn import_bytes(bytes: &[u8], path: &str, options: ImportOptions) -> Result<Graph> {
    let mut model = model::decode(bytes, path)?;
    super::external::resolve(&mut model, path)?;
    let opset = model::default_opset(&model, path)?;
    let graph = model.graph.as_ref().ok_or_else(|| Error::Model {
        path: path.to_owned(),
        message: "the model has no graph".into(),
    })?;
    let mut importer = Importer {
        func: Graph::new("main"),
        env: HashMap::new(),
        constants: HashMap::new(),
        opset,
    };
    importer.bind_initializers(graph, path)?;
    importer.bind_inputs(graph, options)?;
    for (index, node) in graph.node.iter().enumerate() {
        importer.import_node(node, index)?;
    }
    importer.bind_outputs(graph, path)?;
    Ok(crate::graph::dce::eliminate_dead_code(&importer.func))
}

/// The state of one import.
pub struct Importer {
    func: Graph,
    env: HashMap<String, Entry>,
    constants: HashMap<String, ValueId>,
    opset: i64,
}

/// One node being imported: its proto, attributes, display name and the opset.
pub struct NodeContext<'a> {
    /// The node.
    pub node: &'a NodeProto,
    /// Its attributes.
    pub attributes: Attributes<'a>,
    /// A non-empty name for messages and locations.
    pub name: String,
    /// The model's default-domain opset.
    pub opset: i64,
}

impl Importer {
    fn bind_initializers(&mut self, graph: &GraphProto, path: &str) -> Result<()> {
        for tensor in &graph.initializer {
            let known = super::known::from_proto(tensor).map_err(|message| Error::Model {
                path: path.to_owned(),
                message: format!("initializer `{}`: {message}", tensor.name),
            })?;
            self.env.insert(tensor.name.clone(), Entry::Known(known));
        }
        Ok(())
    }

    /// Graph inputs that are not initializers become function arguments (old models list their
    /// initializers among the inputs too; those stay constants).
    fn bind_inputs(&mut self, graph: &GraphProto, options: ImportOptions) -> Result<()> {
        for input in &graph.input {
            if self.env.contains_key(&input.name) {
                continue;
            }
            let shape = input_shape(input, options.batch)?;
            let value = self.func.add_input(input.name.clone(), shape);
            self.env.insert(input.name.clone(), Entry::Value(value));
        }
        Ok(())
    }

    fn bind_outputs(&mut self, graph: &GraphProto, path: &str) -> Result<()> {
        for output in &graph.output {
            let entry = self
                .env
                .get(&output.name)
                .cloned()
                .ok_or_else(|| Error::Model {
                    path: path.to_owned(),
                    message: format!("graph output `{}` is not produced by any node", output.name),
                })?;
            let value = self
                .value_of(&entry, &output.name)
                .map_err(|message| Error::Model {
                    path: path.to_owned(),
                    message: format!("graph output `{}`: {message}", output.name),
                })?;
            self.func.outputs.push(Port {
                name: output.name.clone(),
                value,
            });
        }
        Ok(())
    }

    fn import_node(&mut self, node: &NodeProto, index: usize) -> Result<()> {
        let name = if node.name.is_empty() {
            format!("{}_{index}", node.op_type)
        } else {
            node.name.clone()
        };
        let context = NodeContext {
            node,
            attributes: Attributes::new(node),
            name,
            opset: self.opset,
        };
        let opset = self.opset;
        let unsupported = |message: String| Error::Unsupported {
            node: context.name.clone(),
            op: node.op_type.clone(),
            opset,
            message,
        };
        if !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return Err(unsupported(format!(
                "domain `{}` is not supported; pimc imports the default ONNX domain: {}",
                node.domain,
                ops::supported_ops().join(", ")
            )));
        }
        let import = ops::importer(&node.op_type).ok_or_else(|| {
            unsupported(format!(
                "this op is not supported; supported ops: {}",
                ops::supported_ops().join(", ")
            ))
        })?;
        let outputs = import(self, &context).map_err(|issue| match issue {
            Issue::Unsupported(message) => unsupported(message),
            Issue::Invalid(message) => Error::Shape {
                node: context.name.clone(),
                message: format!("{}: {message}", node.op_type),
            },
        })?;
        for (index, output) in node.output.iter().enumerate() {
            if output.is_empty() {
                continue;
            }
            let entry = outputs.get(index).cloned().unwrap_or_else(|| {
                Entry::Unavailable(format!(
                    "output {index} of {} node `{}` is not supported",
                    node.op_type, context.name
                ))
            });
            self.env.insert(output.clone(), entry);
        }
        Ok(())
    }

    /// The entry of input `index` of the node, `None` when absent or given as the empty name.
    pub fn input(&self, context: &NodeContext<'_>, index: usize) -> NodeResult<Option<Entry>> {
        match context.node.input.get(index) {
            None => Ok(None),
            Some(name) if name.is_empty() => Ok(None),
            Some(name) => match self.env.get(name) {
                Some(Entry::Unavailable(reason)) => Err(Issue::Unsupported(format!("uses `{name}`: {reason}"))),
                Some(entry) => Ok(Some(entry.clone())),
                None => Err(Issue::Invalid(format!(
                    "input `{name}` is not defined before this node (a missing initializer or graph input?)"
                ))),
            },
        }
    }

    /// The entry of a required input.
    pub fn required(&self, context: &NodeContext<'_>, index: usize) -> NodeResult<Entry> {
        self.input(context, index)?
            .ok_or_else(|| Issue::Invalid(format!("the required input {index} is missing")))
    }

    /// A required input that must be known at compile time (e.g. a shape or an axes list).
    pub fn required_known(
        &self,
        context: &NodeContext<'_>,
        index: usize,
        what: &str,
    ) -> NodeResult<Known> {
        match self.required(context, index)? {
            Entry::Known(known) => Ok(known),
            _ => Err(Issue::Unsupported(format!(
                "input {index} ({what}) is computed at run time; pimc needs it constant (static shapes)"
            ))),
        }
    }

    /// An optional input that must be known when present.
    pub fn optional_known(
        &self,
        context: &NodeContext<'_>,
        index: usize,
        what: &str,
    ) -> NodeResult<Option<Known>> {
        match self.input(context, index)? {
            None => Ok(None),
            Some(_) => self.required_known(context, index, what).map(Some),
        }
    }

    /// The static shape of an entry.
    pub fn shape_of(&self, entry: &Entry) -> Vec<usize> {
        match entry {
            Entry::Value(v) => self.func.shape(*v).to_vec(),
            Entry::Known(k) => k.shape().to_vec(),
            Entry::Unavailable(_) => Vec::new(),
        }
    }

    /// The function value of an entry, materialising a known value as a `graph.constant`.
    fn value_of(&mut self, entry: &Entry, name: &str) -> std::result::Result<ValueId, String> {
        match entry {
            Entry::Value(v) => Ok(*v),
            Entry::Unavailable(reason) => Err(reason.clone()),
            Entry::Known(known) => {
                let tensor = known.to_f32()?;
                let key = format!("{name}:{:?}:{:p}", tensor.shape(), tensor.data().as_ptr());
                if let Some(&value) = self.constants.get(&key) {
                    return Ok(value);
                }
                let shape = tensor.shape().to_vec();
                let value =
                    self.func
                        .push(name, GraphOp::Constant { value: tensor }, Vec::new(), shape);
                self.constants.insert(key, value);
                Ok(value)
            }
        }
    }

    /// Emits `op` on `operands`: folded to a known value when every operand is known, else appended
    /// to the function with its inferred shape. `suffix` distinguishes several ops of one node.
    pub fn emit(
        &mut self,
        context: &NodeContext<'_>,
        suffix: &str,
        op: GraphOp,
        operands: &[Entry],
    ) -> NodeResult<Entry> {
        let known: Vec<&Known> = operands
            .iter()
            .filter_map(|e| match e {
                Entry::Known(k) => Some(k),
                _ => None,
            })
            .collect();
        if known.len() == operands.len() {
            return Ok(Entry::Known(fold(&op, &known)?));
        }
        let name = format!("{}{suffix}", context.name);
        let values = operands
            .iter()
            .enumerate()
            .map(|(i, e)| self.value_of(e, &format!("{name}.operand{i}")))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let shapes: Vec<&[usize]> = values.iter().map(|&v| self.func.shape(v)).collect();
        let shape = semantics::infer_shape(&op, &shapes)?;
        checked_elements(&shape)?;
        Ok(Entry::Value(self.func.push(name, op, values, shape)))
    }
}

/// Folds `op` on known operands: integers stay integers where that has a meaning, everything else
/// is evaluated in f32 by the reference kernels.
fn fold(op: &GraphOp, operands: &[&Known]) -> std::result::Result<Known, String> {
    let shapes: Vec<&[usize]> = operands.iter().map(|k| k.shape()).collect();
    checked_elements(&semantics::infer_shape(op, &shapes)?)?;
    if let Some(folded) = super::known::fold_integers(op, operands) {
        return folded;
    }
    let tensors = operands
        .iter()
        .map(|k| k.to_f32())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let refs: Vec<_> = tensors.iter().collect();
    semantics::evaluate_op(op, &refs).map(Known::F32)
}

/// The static shape of a graph input, binding a symbolic dimension 0 to `batch`.
fn input_shape(input: &ValueInfoProto, batch: usize) -> Result<Vec<usize>> {
    let dynamic = |message: String| Error::DynamicShape {
        input: input.name.clone(),
        message,
    };
    let Some(onnx_protobuf::type_proto::Value::TensorType(tensor)) = input.type_.value.as_ref()
    else {
        return Err(dynamic(
            "is not a tensor; pimc compiles networks whose inputs are f32 tensors".into(),
        ));
    };
    if DataType::from_i32(tensor.elem_type) != Some(DataType::FLOAT) {
        let name = DataType::from_i32(tensor.elem_type)
            .map_or_else(|| tensor.elem_type.to_string(), |t| format!("{t:?}"));
        return Err(dynamic(format!(
            "has element type {name}; pimc compiles networks whose inputs are float32"
        )));
    }
    let Some(shape) = tensor.shape.as_ref() else {
        return Err(dynamic(
            "has no shape; pimc needs static input shapes".into(),
        ));
    };
    let dims = shape
        .dim
        .iter()
        .enumerate()
        .map(|(axis, dim)| {
            if dim.has_dim_value() && dim.dim_value() > 0 {
                return usize::try_from(dim.dim_value()).map_err(|_| dynamic(format!("dimension {axis} is too large")));
            }
            let label = if dim.has_dim_param() { format!(" (`{}`)", dim.dim_param()) } else { String::new() };
            if axis == 0 {
                Ok(batch)
            } else {
                Err(dynamic(format!(
                    "dimension {axis}{label} is dynamic; pimc needs static shapes: only dimension 0 (the batch) \
                     may be symbolic, bound by --batch"
                )))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    checked_elements(&dims).map_err(dynamic)?;
    Ok(dims)
}
