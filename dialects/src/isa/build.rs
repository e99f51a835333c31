//! [`Program`] -> `isa` module: the non-code ops at the top of the module, then `func.func @main`
//! holding the code, with symbol markers around their instruction ranges.

use super::attrs::{boolean, field, int, string, unsigned, unsupported};
use super::schema::{self, *};
use crate::attr::{f32_tensor_attribute, AttrValue};
use crate::{context::Diagnostics, BuildOptions, DialectError};
use melior::{
    ir::{
        attribute::{StringAttribute, TypeAttribute},
        block::BlockLike,
        operation::{OperationBuilder, OperationLike},
        r#type::FunctionType,
        Attribute, Block, Identifier, Location, Module, Operation, Region, RegionLike,
    },
    Context,
};
use pim_runtime::{
    container::{Binding, ConstValue, Constant, Program, Symbol, WeightBlob},
    isa::Instruction,
    target::Target,
};

/// Attributes of one op, by name.
type Attributes<'c> = Vec<(&'static str, Attribute<'c>)>;

/// Builds the ops of one module.
struct Builder<'c, 'd> {
    context: &'c Context,
    options: BuildOptions,
    diagnostics: &'d Diagnostics<'c>,
}

/// See [`super::to_module`].
pub(crate) fn to_module<'c>(
    context: &'c Context,
    program: &Program,
    options: BuildOptions,
) -> Result<Module<'c>, DialectError> {
    program
        .validate()
        .map_err(|e| unsupported("program", &e.to_string()))?;
    let diagnostics = Diagnostics::attach(context);
    let builder = Builder {
        context,
        options,
        diagnostics: &diagnostics,
    };
    let module = Module::new(Location::unknown(context));
    for op in builder.parts(program)? {
        module.body().append_operation(op);
    }
    module.body().append_operation(builder.code(program)?);
    if !module.as_operation().verify() {
        return Err(DialectError::Verify {
            context: " of the isa module".to_owned(),
            diagnostics: diagnostics.take(),
        });
    }
    Ok(module)
}

impl<'c> Builder<'c, '_> {
    /// A dialect op without operands or results.
    fn op(&self, name: &str, attributes: Attributes<'c>) -> Result<Operation<'c>, DialectError> {
        let full = format!("{DIALECT}.{name}");
        let named: Vec<_> = attributes
            .into_iter()
            .map(|(n, a)| (Identifier::new(self.context, n), a))
            .collect();
        OperationBuilder::new(&full, Location::unknown(self.context))
            .add_attributes(&named)
            .build()
            .map_err(|e| self.build_error(&full, e))
    }

    fn build_error(&self, op: &str, error: melior::Error) -> DialectError {
        crate::func::build_error(op, self.diagnostics, error)
    }

    fn tensor(
        &self,
        shape: &[u64],
        data: &[f32],
        what: &str,
    ) -> Result<Attribute<'c>, DialectError> {
        let shape = shape
            .iter()
            .map(|&d| usize::try_from(d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| unsupported(what, "a dimension does not fit this machine"))?;
        if shape.iter().product::<usize>() != data.len() {
            return Err(unsupported(what, "its shape does not match its data"));
        }
        Ok(f32_tensor_attribute(
            self.context,
            &shape,
            data,
            self.options,
        ))
    }

    /// Every op before the code: target, program, weights, bindings, constants.
    fn parts(&self, program: &Program) -> Result<Vec<Operation<'c>>, DialectError> {
        let mut ops = vec![self.target(&program.target)?, self.program(program)?];
        for blob in &program.weight_blobs {
            ops.push(self.weight(program, blob)?);
        }
        for (start, end) in unnamed_weights(program) {
            ops.push(self.weight_data(program, start, end)?);
        }
        for binding in &program.bindings {
            ops.push(self.binding(binding)?);
        }
        for (index, constant) in program.constants.iter().enumerate() {
            ops.push(self.constant(index, constant)?);
        }
        Ok(ops)
    }

    fn target(&self, target: &Target) -> Result<Operation<'c>, DialectError> {
        let name = &target.chip.name;
        let is_preset = Target::preset(name).is_ok_and(|preset| preset == *target);
        let toml = if is_preset {
            String::new()
        } else {
            target.to_toml_string()
        };
        let c = self.context;
        self.op(
            TARGET,
            vec![
                ("name", string(c, name)),
                ("hash", string(c, &target.hash_hex())),
                ("toml", string(c, &toml)),
            ],
        )
    }

    fn program(&self, program: &Program) -> Result<Operation<'c>, DialectError> {
        let c = self.context;
        self.op(
            PROGRAM,
            vec![
                ("producer", string(c, &program.producer)),
                (
                    "weights_base",
                    unsigned(c, program.weights_dram_base, "weights_base")?,
                ),
            ],
        )
    }

    fn weight(&self, program: &Program, blob: &WeightBlob) -> Result<Operation<'c>, DialectError> {
        let what = format!("weight blob `{}`", blob.name);
        let data = weight_slice(program, blob.offset, blob.offset + blob.len, &what)?;
        let c = self.context;
        self.op(
            WEIGHT,
            vec![
                ("name", string(c, &blob.name)),
                (
                    "addr",
                    unsigned(c, program.weights_dram_base + blob.offset, &what)?,
                ),
                ("value", self.tensor(&blob.shape, data, &what)?),
            ],
        )
    }

    fn weight_data(
        &self,
        program: &Program,
        start: u64,
        end: u64,
    ) -> Result<Operation<'c>, DialectError> {
        let what = format!("weights {start}..{end}");
        let data = weight_slice(program, start, end, &what)?;
        self.op(
            WEIGHT_DATA,
            vec![
                (
                    "addr",
                    unsigned(self.context, program.weights_dram_base + start, &what)?,
                ),
                ("value", self.tensor(&[end - start], data, &what)?),
            ],
        )
    }

    fn binding(&self, binding: &Binding) -> Result<Operation<'c>, DialectError> {
        let what = format!("binding `{}`", binding.name);
        let shape = binding
            .shape
            .iter()
            .map(|&d| i64::try_from(d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| unsupported(&what, "a dimension does not fit i64"))?;
        let c = self.context;
        let direction = name_of(DIRECTIONS, DIRECTION_NAMES, &binding.direction);
        let dtype = name_of(DTYPES, DTYPE_NAMES, &binding.dtype);
        self.op(
            BINDING,
            vec![
                ("name", string(c, &binding.name)),
                ("direction", string(c, direction)),
                ("shape", shape.to_attribute(c, self.options)),
                ("dtype", string(c, dtype)),
                ("addr", unsigned(c, binding.dram_addr, &what)?),
            ],
        )
    }

    fn constant(&self, index: usize, constant: &Constant) -> Result<Operation<'c>, DialectError> {
        let c = self.context;
        let what = format!("constant {index} `{}`", constant.name);
        let mut attributes = vec![
            ("index", unsigned(c, index as u64, &what)?),
            ("name", string(c, &constant.name)),
        ];
        let name = match &constant.value {
            ConstValue::Floats(values) => {
                let value = self.tensor(&[values.len() as u64], values, &what)?;
                attributes.push(("value", value));
                CONST_FLOATS
            }
            ConstValue::Window(window) => {
                let mut window = *window;
                for (field, access) in schema::WINDOW_FIELDS {
                    attributes.push((field, int(c, i64::from(*access(&mut window)))));
                }
                attributes.push((INCLUDE_PAD, boolean(c, window.include_pad)));
                CONST_WINDOW
            }
            ConstValue::Lrn(lrn) => {
                attributes.push(("size", int(c, i64::from(lrn.size))));
                for (field, value) in [("alpha", lrn.alpha), ("beta", lrn.beta), ("bias", lrn.bias)]
                {
                    attributes.push((field, value.to_attribute(c, self.options)));
                }
                CONST_LRN
            }
        };
        self.op(name, attributes)
    }

    /// `func.func @main` with one op per instruction and the symbol markers.
    fn code(&self, program: &Program) -> Result<Operation<'c>, DialectError> {
        let block = Block::new(&[]);
        let markers = markers(program);
        for (index, at) in markers.iter().enumerate() {
            for marker in at {
                block.append_operation(self.marker(*marker)?);
            }
            if let Some(inst) = program.code.get(index) {
                block.append_operation(self.instruction(inst)?);
            }
        }
        let unknown = Location::unknown(self.context);
        let ret = OperationBuilder::new("func.return", unknown)
            .build()
            .map_err(|e| self.build_error("func.return", e))?;
        block.append_operation(ret);
        let region = Region::new();
        region.append_block(block);
        let c = self.context;
        let signature = FunctionType::new(c, &[], &[]);
        OperationBuilder::new("func.func", unknown)
            .add_attributes(&[
                (
                    Identifier::new(c, "sym_name"),
                    StringAttribute::new(c, "main").into(),
                ),
                (
                    Identifier::new(c, "function_type"),
                    TypeAttribute::new(signature.into()).into(),
                ),
            ])
            .add_regions([region])
            .build()
            .map_err(|e| self.build_error("func.func", e))
    }

    fn instruction(&self, inst: &Instruction) -> Result<Operation<'c>, DialectError> {
        let attributes = inst
            .field_values()
            .iter()
            .map(|(name, value)| (*name, field(self.context, value)))
            .collect();
        self.op(&instruction_op(inst.opcode()), attributes)
    }

    fn marker(&self, marker: Marker<'_>) -> Result<Operation<'c>, DialectError> {
        let c = self.context;
        match marker {
            Marker::Begin(id, symbol) => {
                let kind = name_of(SYMBOL_KINDS, SYMBOL_KIND_NAMES, &symbol.kind);
                self.op(
                    SYMBOL,
                    vec![
                        ("id", unsigned(c, id as u64, "symbol")?),
                        ("name", string(c, &symbol.name)),
                        ("kind", string(c, kind)),
                    ],
                )
            }
            Marker::End(id) => self.op(SYMBOL_END, vec![("id", unsigned(c, id as u64, "symbol")?)]),
        }
    }
}

/// A symbol boundary in the code: the symbol's index in the symbols section.
#[derive(Debug, Clone, Copy)]
enum Marker<'p> {
    Begin(usize, &'p Symbol),
    End(usize),
}

/// The markers before each instruction (and after the last): at each place, the ends of the
/// symbols ending there (innermost first), then the starts (an empty symbol ends right away).
/// [`Program::validate`] has checked that the ranges lie inside the code.
fn markers(program: &Program) -> Vec<Vec<Marker<'_>>> {
    let mut at = vec![Vec::new(); program.code.len() + 1];
    let mut put = |place: usize, marker| {
        if let Some(markers) = at.get_mut(place) {
            markers.push(marker);
        }
    };
    for (id, symbol) in program.symbols.iter().enumerate().rev() {
        if symbol.start < symbol.end {
            put(symbol.end, Marker::End(id));
        }
    }
    for (id, symbol) in program.symbols.iter().enumerate() {
        put(symbol.start, Marker::Begin(id, symbol));
        if symbol.start == symbol.end {
            put(symbol.end, Marker::End(id));
        }
    }
    at
}

/// The ranges of the weights that no blob covers, in order.
fn unnamed_weights(program: &Program) -> Vec<(u64, u64)> {
    let mut blobs: Vec<(u64, u64)> = program
        .weight_blobs
        .iter()
        .map(|b| (b.offset, b.offset + b.len))
        .collect();
    blobs.sort_unstable();
    let mut gaps = Vec::new();
    let mut covered = 0;
    for (start, end) in blobs.into_iter().chain([(program.weights.len() as u64, 0)]) {
        if start > covered {
            gaps.push((covered, start));
        }
        covered = covered.max(end);
    }
    gaps
}

fn weight_slice<'p>(
    program: &'p Program,
    start: u64,
    end: u64,
    what: &str,
) -> Result<&'p [f32], DialectError> {
    usize::try_from(start)
        .ok()
        .zip(usize::try_from(end).ok())
        .and_then(|(s, e)| program.weights.get(s..e))
        .ok_or_else(|| unsupported(what, "lies outside the weights"))
}
