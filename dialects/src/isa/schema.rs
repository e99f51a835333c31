//! The ops of the `isa` dialect as data: one [`OpDef`] per instruction of the ISA table (derived
//! from its field metadata) and one per non-code part of a program (written here). The IRDL file
//! and the README's op table are generated from these definitions, and the builder and reader
//! use the same names.

use pim_runtime::container::{DType, Direction, SymbolKind, Window};
use pim_runtime::isa::{FieldClass, Opcode};

/// Dialect name.
pub(crate) const DIALECT: &str = "isa";

/// Target op: name, hash and TOML (empty: the preset of that name).
pub(crate) const TARGET: &str = "target";
/// Program op: producer and the DRAM base of the weights.
pub(crate) const PROGRAM: &str = "program";
/// A named weight blob with its values.
pub(crate) const WEIGHT: &str = "weight";
/// Weights that no blob names.
pub(crate) const WEIGHT_DATA: &str = "weight_data";
/// An input or output binding.
pub(crate) const BINDING: &str = "binding";
/// A constants-table entry of floats.
pub(crate) const CONST_FLOATS: &str = "const_floats";
/// A constants-table entry holding a window.
pub(crate) const CONST_WINDOW: &str = "const_window";
/// A constants-table entry holding LRN parameters.
pub(crate) const CONST_LRN: &str = "const_lrn";
/// Start of a symbol's instruction range.
pub(crate) const SYMBOL: &str = "symbol";
/// End of a symbol's instruction range.
pub(crate) const SYMBOL_END: &str = "symbol_end";

/// The kind of an attribute: how it is built, constrained in IRDL and documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An `i64` integer.
    Int,
    /// An `i1` integer (`true` / `false`).
    Bool,
    /// An `f32` float.
    Float,
    /// A string.
    Str,
    /// A memory operand: a string in the assembly syntax (`tile3[r2+0x40]`).
    Mem,
    /// `array<i64: ...>`.
    Ints,
    /// Dense f32 elements (or `dense_resource<__elided__>`).
    Tensor,
    /// One of the listed strings; the label names the set in the docs.
    OneOf(&'static str, &'static [&'static str]),
}

impl Kind {
    /// The kind of attribute that holds an instruction field of `class`.
    fn of_field(class: FieldClass, ty: &'static str) -> Kind {
        match class {
            FieldClass::Unsigned | FieldClass::Signed => Kind::Int,
            FieldClass::Bool => Kind::Bool,
            FieldClass::Enum(names) => Kind::OneOf(ty, names),
            FieldClass::Memory => Kind::Mem,
        }
    }
}

/// One op of the dialect.
#[derive(Debug, Clone)]
pub(crate) struct OpDef {
    /// Op name without the dialect prefix.
    pub name: String,
    /// One-line description.
    pub doc: &'static str,
    /// Attributes (all required), in documentation order.
    pub attributes: Vec<(&'static str, Kind)>,
}

/// The op name of an instruction without the dialect prefix: its mnemonic, `.` -> `_`.
pub(crate) fn instruction_op(opcode: Opcode) -> String {
    opcode.mnemonic().replace('.', "_")
}

/// The op of every instruction, in table order.
pub(crate) fn instruction_ops() -> Vec<OpDef> {
    Opcode::ALL
        .iter()
        .map(|&opcode| OpDef {
            name: instruction_op(opcode),
            doc: opcode.doc(),
            attributes: opcode
                .fields()
                .iter()
                .map(|f| (f.name, Kind::of_field(f.class, f.ty)))
                .collect(),
        })
        .collect()
}

/// Binding directions and their attribute spellings.
pub(crate) const DIRECTIONS: &[Direction] = &[Direction::Input, Direction::Output];
/// Spellings of [`DIRECTIONS`].
pub(crate) const DIRECTION_NAMES: &[&str] = &["input", "output"];
/// Binding element types.
pub(crate) const DTYPES: &[DType] = &[DType::F32];
/// Spellings of [`DTYPES`].
pub(crate) const DTYPE_NAMES: &[&str] = &["f32"];
/// Symbol kinds.
pub(crate) const SYMBOL_KINDS: &[SymbolKind] =
    &[SymbolKind::Segment, SymbolKind::Layer, SymbolKind::Other];
/// Spellings of [`SYMBOL_KINDS`].
pub(crate) const SYMBOL_KIND_NAMES: &[&str] = &["segment", "layer", "other"];

/// The spelling of `value` among `values` / `names`.
pub(crate) fn name_of<T: PartialEq>(
    values: &[T],
    names: &[&'static str],
    value: &T,
) -> &'static str {
    values
        .iter()
        .position(|v| v == value)
        .and_then(|i| names.get(i).copied())
        .unwrap_or("?")
}

/// The value spelled `name` among `values` / `names`.
pub(crate) fn value_of<T: Copy>(values: &[T], names: &[&str], name: &str) -> Option<T> {
    names
        .iter()
        .position(|n| *n == name)
        .and_then(|i| values.get(i).copied())
}

/// Access to one integer field of a [`Window`].
pub(crate) type WindowField = fn(&mut Window) -> &mut u32;

/// The integer fields of a [`Window`], by attribute name (`include_pad` is the one flag).
pub(crate) const WINDOW_FIELDS: [(&str, WindowField); 16] = [
    ("in_h", |w| &mut w.in_h),
    ("in_w", |w| &mut w.in_w),
    ("channels", |w| &mut w.channels),
    ("c0", |w| &mut w.c0),
    ("cn", |w| &mut w.cn),
    ("kernel_h", |w| &mut w.kernel_h),
    ("kernel_w", |w| &mut w.kernel_w),
    ("stride_h", |w| &mut w.stride_h),
    ("stride_w", |w| &mut w.stride_w),
    ("dilation_h", |w| &mut w.dilation_h),
    ("dilation_w", |w| &mut w.dilation_w),
    ("pad_top", |w| &mut w.pad_top),
    ("pad_left", |w| &mut w.pad_left),
    ("pad_bottom", |w| &mut w.pad_bottom),
    ("pad_right", |w| &mut w.pad_right),
    ("row0", |w| &mut w.row0),
];

/// The window flag's attribute name.
pub(crate) const INCLUDE_PAD: &str = "include_pad";

fn def(name: &str, doc: &'static str, attributes: &[(&'static str, Kind)]) -> OpDef {
    OpDef {
        name: name.to_string(),
        doc,
        attributes: attributes.to_vec(),
    }
}

/// The ops of the program's non-code parts.
pub(crate) fn program_ops() -> Vec<OpDef> {
    let mut window = vec![("index", Kind::Int), ("name", Kind::Str)];
    window.extend(WINDOW_FIELDS.iter().map(|(name, _)| (*name, Kind::Int)));
    window.push((INCLUDE_PAD, Kind::Bool));
    vec![
        def(
            TARGET,
            "The target: chip name, hash (16 hex digits) and canonical TOML (empty: the built-in preset of that name).",
            &[("name", Kind::Str), ("hash", Kind::Str), ("toml", Kind::Str)],
        ),
        def(
            PROGRAM,
            "The producer and the DRAM element address of the weights' first element.",
            &[("producer", Kind::Str), ("weights_base", Kind::Int)],
        ),
        def(
            WEIGHT,
            "A named weight blob at DRAM element address `addr`, its values shaped as the blob.",
            &[("name", Kind::Str), ("addr", Kind::Int), ("value", Kind::Tensor)],
        ),
        def(
            WEIGHT_DATA,
            "Weights at DRAM element address `addr` that no blob names.",
            &[("addr", Kind::Int), ("value", Kind::Tensor)],
        ),
        def(
            BINDING,
            "An input or output tensor in DRAM, row-major from element address `addr`.",
            &[
                ("name", Kind::Str),
                ("direction", Kind::OneOf("Direction", DIRECTION_NAMES)),
                ("shape", Kind::Ints),
                ("dtype", Kind::OneOf("DType", DTYPE_NAMES)),
                ("addr", Kind::Int),
            ],
        ),
        def(
            CONST_FLOATS,
            "Constants-table entry `index`: floats (vop parameters, biases, scales, slopes).",
            &[("index", Kind::Int), ("name", Kind::Str), ("value", Kind::Tensor)],
        ),
        OpDef {
            name: CONST_WINDOW.to_string(),
            doc: "Constants-table entry `index`: an image window (mvm window mode, pooling).",
            attributes: window,
        },
        def(
            CONST_LRN,
            "Constants-table entry `index`: LRN parameters.",
            &[
                ("index", Kind::Int),
                ("name", Kind::Str),
                ("size", Kind::Int),
                ("alpha", Kind::Float),
                ("beta", Kind::Float),
                ("bias", Kind::Float),
            ],
        ),
        def(
            SYMBOL,
            "In the code: symbol `id` (its place in the symbols section) starts before the next instruction.",
            &[
                ("id", Kind::Int),
                ("name", Kind::Str),
                ("kind", Kind::OneOf("SymbolKind", SYMBOL_KIND_NAMES)),
            ],
        ),
        def(
            SYMBOL_END,
            "In the code: symbol `id` ends before the next instruction.",
            &[("id", Kind::Int)],
        ),
    ]
}
