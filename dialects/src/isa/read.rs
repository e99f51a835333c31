//! `isa` module -> [`Program`]: reads the non-code ops and the code function back, checks what
//! the IRDL definition cannot (one target, constant indices in order, balanced symbol markers,
//! fields that fit their encoding, no elided weights) and validates the result.

use super::attrs::{unsupported, View};
use super::schema::*;
use crate::DialectError;
use melior::ir::{
    block::BlockLike,
    operation::{OperationLike, OperationRef},
    Module, RegionLike,
};
use pim_runtime::{
    container::{Binding, ConstValue, Constant, Lrn, Program, Symbol, WeightBlob, Window},
    isa::{Instruction, Opcode},
    target::Target,
    Tensor,
};
use std::collections::{BTreeMap, HashMap};

/// The ops the reader knows: full op name -> the instruction (if it is one) and attribute names.
type Known = HashMap<String, (Option<Opcode>, Vec<&'static str>)>;

fn known_ops() -> Known {
    let instructions = Opcode::ALL.iter().zip(instruction_ops());
    let instructions = instructions.map(|(&opcode, def)| (Some(opcode), def));
    let parts = program_ops().into_iter().map(|def| (None, def));
    instructions
        .chain(parts)
        .map(|(opcode, def)| {
            let names = def.attributes.iter().map(|(n, _)| *n).collect();
            (format!("{DIALECT}.{}", def.name), (opcode, names))
        })
        .collect()
}

/// A weight op: a blob (named) or unnamed data, at a DRAM address.
struct Weights {
    name: Option<String>,
    addr: u64,
    value: Tensor,
}

/// The parts read so far.
#[derive(Default)]
struct Reader {
    known: Known,
    target: Option<Target>,
    header: Option<(String, u64)>,
    weights: Vec<Weights>,
    bindings: Vec<Binding>,
    constants: Vec<Constant>,
    code: Option<(Vec<Instruction>, Vec<Symbol>)>,
}

/// See [`super::from_module`].
pub(crate) fn from_module(module: &Module<'_>) -> Result<Program, DialectError> {
    let mut reader = Reader {
        known: known_ops(),
        ..Reader::default()
    };
    let mut next = module.body().first_operation();
    while let Some(op) = next {
        next = op.next_in_block();
        reader.top_level(op)?;
    }
    reader.finish()
}

fn op_name(op: &OperationRef<'_, '_>) -> String {
    op.name().as_string_ref().as_str().unwrap_or("").to_owned()
}

fn once<T>(slot: &mut Option<T>, value: T, what: &str) -> Result<(), DialectError> {
    match slot.replace(value) {
        None => Ok(()),
        Some(_) => Err(unsupported(what, "appears twice in the module")),
    }
}

impl Reader {
    /// A view of `op` after checking that it is a known op with only its own attributes.
    fn view<'c, 'a>(
        &self,
        op: OperationRef<'c, 'a>,
        location: String,
    ) -> Result<(View<'c, 'a>, Option<Opcode>), DialectError> {
        let name = op_name(&op);
        let (opcode, names) = self.known.get(&name).ok_or_else(|| {
            unsupported(
                &location,
                &format!("`{name}` is not an op of the {DIALECT} dialect"),
            )
        })?;
        let view = View::new(op, location);
        view.only(names)?;
        Ok((view, *opcode))
    }

    fn top_level(&mut self, op: OperationRef<'_, '_>) -> Result<(), DialectError> {
        let name = op_name(&op);
        if name == "func.func" {
            let code = self.code(op)?;
            return once(&mut self.code, code, "the code function (func.func)");
        }
        let (view, opcode) = self.view(op, format!("`{name}`"))?;
        let part = name.strip_prefix(DIALECT).and_then(|n| n.strip_prefix('.'));
        match part {
            Some(TARGET) => once(&mut self.target, read_target(&view)?, "isa.target"),
            Some(PROGRAM) => {
                let header = (view.string("producer")?, view.unsigned("weights_base")?);
                once(&mut self.header, header, "isa.program")
            }
            Some(WEIGHT) => read_weights(&view, true).map(|w| self.weights.push(w)),
            Some(WEIGHT_DATA) => read_weights(&view, false).map(|w| self.weights.push(w)),
            Some(BINDING) => read_binding(&view).map(|b| self.bindings.push(b)),
            Some(kind @ (CONST_FLOATS | CONST_WINDOW | CONST_LRN)) => self.constant(&view, kind),
            _ if opcode.is_some() => Err(view.error("an instruction outside the code function")),
            _ => Err(view.error("belongs inside the code function")),
        }
    }

    /// Reads a constants-table entry; `kind` is its op name without the dialect prefix.
    fn constant(&mut self, view: &View<'_, '_>, kind: &str) -> Result<(), DialectError> {
        let index: usize = view.unsigned("index")?;
        if index != self.constants.len() {
            return Err(view.error(&format!(
                "index {index} is out of order: constants must come in index order, \
                 and the next one is {}",
                self.constants.len()
            )));
        }
        let value = match kind {
            CONST_FLOATS => ConstValue::Floats(view.tensor("value")?.data().to_vec()),
            CONST_WINDOW => ConstValue::Window(read_window(view)?),
            _ => ConstValue::Lrn(Lrn {
                size: view.unsigned("size")?,
                alpha: view.get("alpha")?,
                beta: view.get("beta")?,
                bias: view.get("bias")?,
            }),
        };
        self.constants.push(Constant {
            name: view.string("name")?,
            value,
        });
        Ok(())
    }

    /// The instructions and symbols of the code function.
    fn code(
        &self,
        func: OperationRef<'_, '_>,
    ) -> Result<(Vec<Instruction>, Vec<Symbol>), DialectError> {
        let region = func
            .region(0)
            .map_err(|e| unsupported("func.func", &e.to_string()))?;
        let block = region
            .first_block()
            .ok_or_else(|| unsupported("func.func", "has no body"))?;
        let mut code = Vec::new();
        let mut symbols = Symbols::default();
        let mut next = block.first_operation();
        while let Some(op) = next {
            next = op.next_in_block();
            if op_name(&op) == "func.return" {
                break;
            }
            let name = op_name(&op);
            let location = format!("instruction {} (`{name}`)", code.len());
            let (view, opcode) = self.view(op, location)?;
            match opcode {
                Some(opcode) => code.push(read_instruction(&view, opcode)?),
                None if name.ends_with(SYMBOL_END) => symbols.end(&view, code.len())?,
                None if name.ends_with(SYMBOL) => symbols.begin(&view, code.len())?,
                None => return Err(view.error("belongs at the top of the module, not in the code")),
            }
        }
        Ok((code, symbols.finish()?))
    }

    fn finish(self) -> Result<Program, DialectError> {
        let target = self
            .target
            .ok_or_else(|| unsupported("module", "has no isa.target op"))?;
        let (producer, base) = self
            .header
            .ok_or_else(|| unsupported("module", "has no isa.program op"))?;
        let (code, symbols) = self
            .code
            .ok_or_else(|| unsupported("module", "has no code function (func.func)"))?;
        let (weights, weight_blobs) = assemble_weights(self.weights, base)?;
        let program = Program {
            target,
            code,
            weights,
            weight_blobs,
            weights_dram_base: base,
            bindings: self.bindings,
            symbols,
            constants: self.constants,
            producer,
        };
        program
            .validate()
            .map_err(|e| unsupported("program", &e.to_string()))?;
        Ok(program)
    }
}

fn read_target(view: &View<'_, '_>) -> Result<Target, DialectError> {
    let name = view.string("name")?;
    let hash = view.string("hash")?;
    let toml = view.string("toml")?;
    let target = if toml.is_empty() {
        Target::preset(&name)
    } else {
        Target::from_toml_str(&toml, "isa.target")
    }
    .map_err(|e| view.error(&e.to_string()))?;
    if target.chip.name != name || target.hash_hex() != hash {
        return Err(view.error(&format!(
            "the target is `{}` with hash {}, not `{name}` with hash {hash}{}",
            target.chip.name,
            target.hash_hex(),
            if toml.is_empty() {
                " (the preset has changed: give its TOML in `toml`)"
            } else {
                ""
            }
        )));
    }
    Ok(target)
}

fn read_weights(view: &View<'_, '_>, named: bool) -> Result<Weights, DialectError> {
    let name = if named {
        Some(view.string("name")?)
    } else {
        None
    };
    Ok(Weights {
        name,
        addr: view.unsigned("addr")?,
        value: view.tensor("value")?,
    })
}

/// The weights section and its blobs from the weight ops, each placed at `addr - base`.
fn assemble_weights(
    ops: Vec<Weights>,
    base: u64,
) -> Result<(Vec<f32>, Vec<WeightBlob>), DialectError> {
    let mut weights: Vec<f32> = Vec::new();
    let mut written: Vec<bool> = Vec::new();
    let mut blobs = Vec::new();
    for op in ops {
        let what = op.name.as_deref().map_or_else(
            || format!("isa.weight_data at {:#x}", op.addr),
            |n| format!("isa.weight `{n}`"),
        );
        let offset = op
            .addr
            .checked_sub(base)
            .and_then(|o| usize::try_from(o).ok())
            .ok_or_else(|| unsupported(&what, "lies below the weights' base address"))?;
        let end = offset + op.value.len();
        if weights.len() < end {
            weights.resize(end, 0.0);
            written.resize(end, false);
        }
        for (i, &v) in (offset..end).zip(op.value.data()) {
            if written[i] && weights[i].to_bits() != v.to_bits() {
                return Err(unsupported(
                    &what,
                    &format!("disagrees with earlier weight ops at element {i}"),
                ));
            }
            weights[i] = v;
            written[i] = true;
        }
        if let Some(name) = op.name {
            blobs.push(WeightBlob {
                name,
                offset: offset as u64,
                len: op.value.len() as u64,
                shape: op.value.shape().iter().map(|&d| d as u64).collect(),
            });
        }
    }
    Ok((weights, blobs))
}

fn read_binding(view: &View<'_, '_>) -> Result<Binding, DialectError> {
    let shape: Vec<i64> = view.get("shape")?;
    Ok(Binding {
        name: view.string("name")?,
        direction: view.one_of("direction", DIRECTIONS, DIRECTION_NAMES)?,
        shape: shape
            .into_iter()
            .map(u64::try_from)
            .collect::<Result<_, _>>()
            .map_err(|_| view.error("attribute `shape` has a negative dimension"))?,
        dtype: view.one_of("dtype", DTYPES, DTYPE_NAMES)?,
        dram_addr: view.unsigned("addr")?,
    })
}

fn read_window(view: &View<'_, '_>) -> Result<Window, DialectError> {
    let mut window = Window::default();
    for (field, access) in WINDOW_FIELDS {
        *access(&mut window) = view.unsigned(field)?;
    }
    window.include_pad = view.boolean(INCLUDE_PAD)?;
    Ok(window)
}

fn read_instruction(view: &View<'_, '_>, opcode: Opcode) -> Result<Instruction, DialectError> {
    Instruction::from_field_values(opcode, &mut |name, class| view.field(name, class))
        .map_err(|m| view.error(&m))
}

/// The symbol markers of the code: begun symbols by id, and which are still open.
#[derive(Default)]
struct Symbols {
    by_id: BTreeMap<usize, (Symbol, bool)>,
}

impl Symbols {
    /// Reads an `isa.symbol_end` before instruction `place`.
    fn end(&mut self, view: &View<'_, '_>, place: usize) -> Result<(), DialectError> {
        let id: usize = view.unsigned("id")?;
        match self.by_id.get_mut(&id) {
            Some((symbol, open @ true)) => {
                symbol.end = place;
                *open = false;
                Ok(())
            }
            Some(_) => Err(view.error(&format!("symbol {id} ends twice"))),
            None => Err(view.error(&format!("symbol {id} ends before it begins"))),
        }
    }

    /// Reads an `isa.symbol` before instruction `place`.
    fn begin(&mut self, view: &View<'_, '_>, place: usize) -> Result<(), DialectError> {
        let id: usize = view.unsigned("id")?;
        let symbol = Symbol {
            name: view.string("name")?,
            kind: view.one_of("kind", SYMBOL_KINDS, SYMBOL_KIND_NAMES)?,
            start: place,
            end: place,
        };
        if self.by_id.insert(id, (symbol, true)).is_some() {
            return Err(view.error(&format!("symbol {id} begins twice")));
        }
        Ok(())
    }

    /// The symbols in id order; every id from 0 up must have begun and ended.
    fn finish(self) -> Result<Vec<Symbol>, DialectError> {
        self.by_id
            .into_iter()
            .enumerate()
            .map(|(index, (id, (symbol, open)))| match (id == index, open) {
                (true, false) => Ok(symbol),
                (true, true) => Err(unsupported(
                    "isa.symbol",
                    &format!("symbol {id} `{}` never ends", symbol.name),
                )),
                (false, _) => Err(unsupported(
                    "isa.symbol",
                    &format!("symbol ids must be 0, 1, 2, ...: {index} is missing"),
                )),
            })
            .collect()
    }
}
