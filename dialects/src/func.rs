//! [`Func`]: the typed form of one `func.func` whose body is ops of one pimc dialect, and its
//! conversion to and from MLIR. Passes transform `Func`s; MLIR builds, verifies, prints and parses them.
//!
//! The MLIR form is `func.func @<name>(%arg: tensor<..xf32>, ...) -> (...)` with the discardable
//! attributes `pim.input_names` / `pim.output_names` (the network's port names); every op has one
//! result; an op's location is `loc("<node name>")`.

use crate::{
    attr::{shape_of, tensor_type, BuildOptions},
    context::Diagnostics,
    ops::DialectOp,
    schedule::{names, ScheduleOp},
    DialectError,
};
use melior::{
    ir::{
        attribute::{ArrayAttribute, StringAttribute, TypeAttribute},
        block::BlockLike,
        operation::{OperationBuilder, OperationLike, OperationPrintingFlags},
        r#type::FunctionType,
        Attribute, Block, Identifier, Location, Module, Region, RegionLike, Type, Value, ValueLike,
    },
    Context,
};
use std::collections::HashMap;

/// Index of an SSA value in [`Func::shapes`].
pub type ValueId = usize;

/// A named input or output of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// The network's name for it (ONNX value name).
    pub name: String,
    /// The value.
    pub value: ValueId,
}

/// One op with its operands and its single result.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<O> {
    /// The op and its attributes.
    pub op: O,
    /// Operand values.
    pub operands: Vec<ValueId>,
    /// The result value.
    pub result: ValueId,
    /// The node's name in the source network (its MLIR location).
    pub name: String,
}

/// A function: inputs, ops in a valid (topological) order, outputs, and the shape of every value;
/// in the scheduled phase also its schedule (`pim.schedule`, after the ops).
#[derive(Debug, Clone, PartialEq)]
pub struct Func<O> {
    /// Symbol name (`main`).
    pub name: String,
    /// Shape of every value, indexed by [`ValueId`].
    pub shapes: Vec<Vec<usize>>,
    /// Function arguments.
    pub inputs: Vec<Port>,
    /// Ops in order.
    pub nodes: Vec<Node<O>>,
    /// Returned values.
    pub outputs: Vec<Port>,
    /// The schedule (phase `scheduled` of the `pim` dialect only), built after the ops.
    pub schedule: Option<ScheduleOp>,
}

impl<O> Func<O> {
    /// An empty function called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            shapes: Vec::new(),
            inputs: Vec::new(),
            nodes: Vec::new(),
            outputs: Vec::new(),
            schedule: None,
        }
    }

    /// Creates a new value of the given shape.
    pub fn new_value(&mut self, shape: Vec<usize>) -> ValueId {
        self.shapes.push(shape);
        self.shapes.len() - 1
    }

    /// Adds an input port with a fresh value.
    pub fn add_input(&mut self, name: impl Into<String>, shape: Vec<usize>) -> ValueId {
        let value = self.new_value(shape);
        self.inputs.push(Port {
            name: name.into(),
            value,
        });
        value
    }

    /// Appends an op producing a fresh value of `shape`, returns that value.
    pub fn push(
        &mut self,
        name: impl Into<String>,
        op: O,
        operands: Vec<ValueId>,
        shape: Vec<usize>,
    ) -> ValueId {
        let result = self.new_value(shape);
        self.nodes.push(Node {
            op,
            operands,
            result,
            name: name.into(),
        });
        result
    }

    /// The shape of a value.
    pub fn shape(&self, value: ValueId) -> &[usize] {
        &self.shapes[value]
    }

    /// For every value, the index of the node that defines it (inputs have none).
    pub fn producers(&self) -> Vec<Option<usize>> {
        let mut producers = vec![None; self.shapes.len()];
        for (index, node) in self.nodes.iter().enumerate() {
            producers[node.result] = Some(index);
        }
        producers
    }
}

impl<O: DialectOp> Func<O> {
    /// Builds the MLIR module holding this function, and verifies it with MLIR's verifier.
    pub fn to_module<'c>(
        &self,
        context: &'c Context,
        options: BuildOptions,
    ) -> Result<Module<'c>, DialectError> {
        let diagnostics = Diagnostics::attach(context);
        let unknown = Location::unknown(context);
        let module = Module::new(unknown);
        let types: Vec<Type<'c>> = self
            .shapes
            .iter()
            .map(|s| tensor_type(context, s))
            .collect();
        let block = Block::new(
            &self
                .inputs
                .iter()
                .map(|p| (types[p.value], unknown))
                .collect::<Vec<_>>(),
        );
        self.build_body(context, &block, &types, options)?;
        let region = Region::new();
        region.append_block(block);
        let signature = FunctionType::new(
            context,
            &self
                .inputs
                .iter()
                .map(|p| types[p.value])
                .collect::<Vec<_>>(),
            &self
                .outputs
                .iter()
                .map(|p| types[p.value])
                .collect::<Vec<_>>(),
        );
        let func = OperationBuilder::new("func.func", unknown)
            .add_attributes(&[
                named(
                    context,
                    "sym_name",
                    StringAttribute::new(context, &self.name).into(),
                ),
                named(
                    context,
                    "function_type",
                    TypeAttribute::new(signature.into()).into(),
                ),
                named(context, "pim.input_names", names(context, &self.inputs)),
                named(context, "pim.output_names", names(context, &self.outputs)),
            ])
            .add_regions([region])
            .build()
            .map_err(|e| build_error("func.func", &diagnostics, e))?;
        module.body().append_operation(func);
        if !module.as_operation().verify() {
            return Err(DialectError::Verify {
                context: String::new(),
                diagnostics: diagnostics.take(),
            });
        }
        Ok(module)
    }

    fn build_body<'c>(
        &self,
        context: &'c Context,
        block: &Block<'c>,
        types: &[Type<'c>],
        options: BuildOptions,
    ) -> Result<(), DialectError> {
        let diagnostics = Diagnostics::attach(context);
        let mut values: Vec<Option<Value<'c, '_>>> = vec![None; self.shapes.len()];
        for (index, port) in self.inputs.iter().enumerate() {
            values[port.value] = block.argument(index).ok().map(Into::into);
        }
        for node in &self.nodes {
            let operands = node
                .operands
                .iter()
                .map(|&id| lookup(&values, id, &node.name))
                .collect::<Result<Vec<_>, _>>()?;
            let attributes: Vec<_> = node
                .op
                .attributes(context, options)
                .into_iter()
                .map(|(name, attribute)| named(context, name, attribute))
                .collect();
            let location = Location::name(context, &node.name, Location::unknown(context));
            let op_name = node.op.op_name();
            let operation = OperationBuilder::new(&op_name, location)
                .add_operands(&operands)
                .add_results(&[types[node.result]])
                .add_attributes(&attributes)
                .build()
                .map_err(|e| build_error(&op_name, &diagnostics, e))?;
            let operation = block.append_operation(operation);
            values[node.result] = operation.result(0).ok().map(Into::into);
        }
        if let Some(schedule) = &self.schedule {
            if O::DIALECT != "pim" {
                return Err(unsupported(
                    names::SCHEDULE,
                    &format!("a schedule belongs to the pim dialect, not {}", O::DIALECT),
                ));
            }
            schedule.build(context, block, &values)?;
        }
        let returned = self
            .outputs
            .iter()
            .map(|p| lookup(&values, p.value, "func.return"))
            .collect::<Result<Vec<_>, _>>()?;
        let ret = OperationBuilder::new("func.return", Location::unknown(context))
            .add_operands(&returned)
            .build()
            .map_err(|e| build_error("func.return", &diagnostics, e))?;
        block.append_operation(ret);
        Ok(())
    }

    /// Reads the single `func.func` of a module whose body uses only this dialect.
    pub fn from_module(module: &Module<'_>) -> Result<Self, DialectError> {
        let body = module.body();
        let func = body
            .first_operation()
            .ok_or_else(|| unsupported("module", "is empty"))?;
        if func.name().as_string_ref().as_str().ok() != Some("func.func") {
            return Err(unsupported("module", "must hold one func.func"));
        }
        let name = StringAttribute::try_from(attribute(&func, "sym_name")?)
            .map(|s| s.value().to_owned())
            .map_err(|_| unsupported("func.func", "sym_name is not a string"))?;
        let mut result = Func::new(name);
        let region = func
            .region(0)
            .map_err(|e| unsupported("func.func", &e.to_string()))?;
        let block = region
            .first_block()
            .ok_or_else(|| unsupported("func.func", "has no body"))?;
        let mut ids: HashMap<usize, ValueId> = HashMap::new();
        let input_names = read_names(&func, "pim.input_names", block.argument_count())?;
        for (index, name) in input_names.into_iter().enumerate() {
            let argument = block
                .argument(index)
                .map_err(|e| unsupported("func.func", &e.to_string()))?;
            let shape = shape_of(argument.r#type()).map_err(|m| unsupported(&name, &m))?;
            let value = result.add_input(name, shape);
            ids.insert(key(argument.into()), value);
        }
        let mut next = block.first_operation();
        while let Some(operation) = next {
            next = operation.next_in_block();
            let op_name = operation
                .name()
                .as_string_ref()
                .as_str()
                .unwrap_or("")
                .to_owned();
            let operand_ids = operation
                .operands()
                .map(|v| {
                    ids.get(&key(v)).copied().ok_or_else(|| {
                        unsupported(&op_name, "uses a value defined outside the function")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if op_name == names::SCHEDULE && O::DIALECT == "pim" {
                result.schedule = Some(ScheduleOp::read(&operation, &ids)?);
                continue;
            }
            if op_name == "func.return" {
                let output_names = read_names(&func, "pim.output_names", operand_ids.len())?;
                result.outputs = output_names
                    .into_iter()
                    .zip(operand_ids)
                    .map(|(name, value)| Port { name, value })
                    .collect();
                break;
            }
            // Without a name location, the op name and its position keep node names unique
            // (the back end names weight blobs and symbols after them).
            let node_name = location_name(operation.location())
                .unwrap_or_else(|| format!("{op_name}#{}", result.nodes.len()));
            let mnemonic = op_name
                .strip_prefix(O::DIALECT)
                .and_then(|m| m.strip_prefix('.'))
                .ok_or_else(|| {
                    unsupported(
                        &node_name,
                        &format!("`{op_name}` is not an op of the {} dialect", O::DIALECT),
                    )
                })?;
            let op = O::from_parts(mnemonic, &|name| attribute(&operation, name))
                .map_err(|e| relocate(e, &node_name))?;
            let value = operation
                .result(0)
                .map_err(|_| unsupported(&node_name, "has no result"))?;
            let shape = shape_of(value.r#type()).map_err(|m| unsupported(&node_name, &m))?;
            let id = result.push(node_name, op, operand_ids, shape);
            ids.insert(key(value.into()), id);
        }
        Ok(result)
    }
}

/// Prints a module as MLIR text; dense constants with more than `elide_above` elements print as
/// `dense_resource<__elided__>` (still parseable), `None` keeps all data.
pub fn print_module(module: &Module<'_>, elide_above: Option<usize>, debug_info: bool) -> String {
    let mut flags = OperationPrintingFlags::new().enable_debug_info(debug_info, false);
    if let Some(limit) = elide_above {
        flags = flags.elide_large_elements_attributes(limit);
    }
    let text = module
        .as_operation()
        .to_string_with_flags(flags)
        .unwrap_or_else(|_| module.as_operation().to_string());
    unify_elided_keys(&text)
}

/// Constants built elided ([`BuildOptions::elide_above`]) are resources whose keys MLIR uniquifies
/// (`__elided___1`, ...); they print as `__elided__`, exactly as MLIR's own elision prints them.
fn unify_elided_keys(text: &str) -> String {
    const KEY: &str = "dense_resource<__elided__";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        let (head, tail) = rest.split_at(at + KEY.len());
        out.push_str(head);
        rest = tail
            .strip_prefix('_')
            .map_or(tail, |t| t.trim_start_matches(|c: char| c.is_ascii_digit()));
    }
    out.push_str(rest);
    out
}

/// Parses MLIR text with MLIR's parser and verifies it, collecting MLIR's diagnostics on failure.
pub fn parse_module<'c>(
    context: &'c Context,
    text: &str,
    origin: &str,
) -> Result<Module<'c>, DialectError> {
    let diagnostics = Diagnostics::attach(context);
    let module = Module::parse(context, text).ok_or_else(|| DialectError::Parse {
        origin: origin.to_owned(),
        diagnostics: diagnostics.take(),
    })?;
    if !module.as_operation().verify() {
        return Err(DialectError::Verify {
            context: format!(" of {origin}"),
            diagnostics: diagnostics.take(),
        });
    }
    Ok(module)
}

fn lookup<'c, 'a>(
    values: &[Option<Value<'c, 'a>>],
    id: ValueId,
    user: &str,
) -> Result<Value<'c, 'a>, DialectError> {
    values
        .get(id)
        .copied()
        .flatten()
        .ok_or_else(|| DialectError::Unsupported {
            location: user.to_owned(),
            message: format!("uses value {id} before it is defined"),
        })
}

fn key(value: Value<'_, '_>) -> usize {
    value.to_raw().ptr as usize
}

fn named<'c>(
    context: &'c Context,
    name: &str,
    attribute: Attribute<'c>,
) -> (Identifier<'c>, Attribute<'c>) {
    (Identifier::new(context, name), attribute)
}

fn names<'c>(context: &'c Context, ports: &[Port]) -> Attribute<'c> {
    let items: Vec<Attribute<'c>> = ports
        .iter()
        .map(|p| StringAttribute::new(context, &p.name).into())
        .collect();
    ArrayAttribute::new(context, &items).into()
}

fn read_names<'c: 'a, 'a>(
    func: &impl OperationLike<'c, 'a>,
    attribute_name: &str,
    count: usize,
) -> Result<Vec<String>, DialectError> {
    let default = |prefix: &str| (0..count).map(|i| format!("{prefix}{i}")).collect();
    let Ok(attribute) = func.attribute(attribute_name) else {
        let prefix = if attribute_name.contains("input") {
            "input"
        } else {
            "output"
        };
        return Ok(default(prefix));
    };
    let array = ArrayAttribute::try_from(attribute).map_err(|_| {
        unsupported(
            "func.func",
            &format!("{attribute_name} must be an array of strings"),
        )
    })?;
    let names = (0..array.len())
        .map(|i| {
            array
                .element(i)
                .ok()
                .and_then(|a| StringAttribute::try_from(a).ok())
                .map(|s| s.value().to_owned())
                .ok_or_else(|| {
                    unsupported(
                        "func.func",
                        &format!("{attribute_name} must be an array of strings"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if names.len() != count {
        return Err(unsupported(
            "func.func",
            &format!(
                "{attribute_name} has {} names for {count} values",
                names.len()
            ),
        ));
    }
    Ok(names)
}

fn attribute<'c: 'a, 'a>(
    operation: &impl OperationLike<'c, 'a>,
    name: &str,
) -> Result<Attribute<'c>, DialectError> {
    operation.attribute(name).map_err(|_| {
        unsupported(
            operation.name().as_string_ref().as_str().unwrap_or("op"),
            &format!("missing attribute `{name}`"),
        )
    })
}

fn location_name(location: Location<'_>) -> Option<String> {
    // SAFETY: queries on a valid location handle.
    unsafe {
        let raw = location.to_raw();
        if !mlir_sys::mlirLocationIsAName(raw) {
            return None;
        }
        let identifier = Identifier::from_raw(mlir_sys::mlirLocationNameGetName(raw));
        identifier.as_string_ref().as_str().ok().map(str::to_owned)
    }
}

fn unsupported(location: &str, message: &str) -> DialectError {
    DialectError::Unsupported {
        location: location.to_owned(),
        message: message.to_owned(),
    }
}

fn relocate(error: DialectError, node: &str) -> DialectError {
    match error {
        DialectError::Unsupported { location, message } => DialectError::Unsupported {
            location: node.to_owned(),
            message: format!("{location}: {message}"),
        },
        other => other,
    }
}

/// The error of building op `op`: MLIR's diagnostics if it gave any, else melior's error.
pub(crate) fn build_error(
    op: &str,
    diagnostics: &Diagnostics<'_>,
    error: melior::Error,
) -> DialectError {
    let collected = diagnostics.take();
    DialectError::Build {
        op: op.to_owned(),
        message: if collected.is_empty() {
            error.to_string()
        } else {
            collected
        },
    }
}
