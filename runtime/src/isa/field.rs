//! Field types of instructions: how each typed field is packed into bits, printed in assembly and
//! parsed back, plus the field metadata ([`FieldInfo`], [`FieldKind`]) the table publishes.
//!
//! Every field type implements [`FieldValue`]. Range checks live here and nowhere else: a value
//! that does not fit its field is an error on encode and on assembly, never truncated.

use std::fmt;
use std::str::FromStr;

/// What a field means; decides how it is printed (addresses in hex, the rest in decimal) and
/// documents the field in `docs/isa.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A crossbar id, chip-flat: `(tile * pes_per_tile + pe) * crossbars_per_pe + crossbar`.
    Crossbar,
    /// A memory operand: space, unit, base register and element address ([`MemRef`]).
    Memory,
    /// An element address or an address-sized immediate (printed in hex).
    Address,
    /// A number of elements.
    Length,
    /// A repeat count (vectors, blocks, groups, iterations).
    Count,
    /// Elements between consecutive blocks or vectors.
    Stride,
    /// A row or column position inside a crossbar.
    Position,
    /// A plain immediate number (bits, shifts, signed increments).
    Immediate,
    /// A value of a small enumeration.
    Enum,
    /// An address register `r0`..`r15`.
    Register,
    /// An index into the program's constants table, or an id (segment, event).
    Index,
}

impl FieldKind {
    /// The spelling used in `docs/isa.md`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Crossbar => "crossbar id",
            FieldKind::Memory => "memory operand",
            FieldKind::Address => "address",
            FieldKind::Length => "length",
            FieldKind::Count => "count",
            FieldKind::Stride => "stride",
            FieldKind::Position => "position",
            FieldKind::Immediate => "immediate",
            FieldKind::Enum => "enum",
            FieldKind::Register => "register",
            FieldKind::Index => "index / id",
        }
    }
}

/// One field of one instruction, as written in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// Field name (also its assembly keyword).
    pub name: &'static str,
    /// Bits the field occupies in the instruction word.
    pub width: u32,
    /// What the field means.
    pub kind: FieldKind,
    /// The Rust type of the field in [`Instruction`](super::Instruction).
    pub ty: &'static str,
    /// One-line description.
    pub doc: &'static str,
    /// The kind of value the field holds (its dynamic form, [`Field`](super::Field)).
    pub class: super::FieldClass,
}

/// Why a value cannot be encoded in its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    /// The value needs more bits than the field has.
    OutOfRange {
        /// The value, printed.
        value: String,
        /// The largest value that fits.
        max: String,
    },
    /// The value is not a legal value of the field (e.g. a DRAM operand with a unit).
    Invalid(String),
}

/// A type that can be an instruction field.
pub trait FieldValue: Sized {
    /// Smallest field width the type supports.
    const MIN_WIDTH: u32;
    /// Largest field width the type supports (at most 64).
    const MAX_WIDTH: u32;

    /// The value packed into the low `width` bits; an error if it does not fit.
    fn to_bits(&self, width: u32) -> Result<u64, FieldProblem>;

    /// The value from the low `width` bits of `bits` (higher bits are zero); an error (the
    /// reason) if the bits are not a legal value.
    fn from_bits(bits: u64, width: u32) -> Result<Self, String>;

    /// Appends the assembly form of the value.
    fn write_asm(&self, kind: FieldKind, out: &mut String);

    /// Parses the assembly form, checking that it fits `width` bits.
    fn parse_asm(text: &str, width: u32) -> Result<Self, String>;

    /// A legal value of the field chosen by `seed` (for property tests): zero, the maximum, or
    /// a value in between.
    #[cfg(test)]
    fn from_seed(seed: u64, width: u32) -> Self;
}

/// The largest unsigned value of `width` bits.
pub(crate) fn max_unsigned(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// Parses a decimal or `0x` hexadecimal unsigned number (`_` separators allowed).
pub(crate) fn parse_unsigned(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse::<u64>(),
    };
    parsed.map_err(|_| format!("`{}` is not a number (decimal or 0x hex)", text.trim()))
}

/// Picks zero, the maximum or something in between from a seed.
#[cfg(test)]
pub(crate) fn pick(seed: u64, max: u64) -> u64 {
    match seed % 4 {
        0 => 0,
        1 => max,
        _ if max == u64::MAX => seed >> 2,
        _ => (seed >> 2) % (max + 1),
    }
}

impl FieldValue for u32 {
    const MIN_WIDTH: u32 = 1;
    const MAX_WIDTH: u32 = 32;

    fn to_bits(&self, width: u32) -> Result<u64, FieldProblem> {
        let max = max_unsigned(width);
        if u64::from(*self) > max {
            return Err(FieldProblem::OutOfRange {
                value: self.to_string(),
                max: max.to_string(),
            });
        }
        Ok(u64::from(*self))
    }

    fn from_bits(bits: u64, _width: u32) -> Result<Self, String> {
        u32::try_from(bits).map_err(|_| format!("{bits} does not fit 32 bits"))
    }

    fn write_asm(&self, kind: FieldKind, out: &mut String) {
        match kind {
            FieldKind::Address => out.push_str(&format!("{self:#x}")),
            FieldKind::Register => out.push_str(&format!("r{self}")),
            _ => out.push_str(&self.to_string()),
        }
    }

    fn parse_asm(text: &str, width: u32) -> Result<Self, String> {
        let t = text.trim();
        let v = parse_unsigned(t.strip_prefix('r').unwrap_or(t))?;
        let max = max_unsigned(width);
        if v > max {
            return Err(format!("{v} does not fit in {width} bits (max {max})"));
        }
        u32::try_from(v).map_err(|_| format!("{v} does not fit 32 bits"))
    }

    #[cfg(test)]
    fn from_seed(seed: u64, width: u32) -> Self {
        pick(seed, max_unsigned(width)) as u32
    }
}

impl FieldValue for i32 {
    const MIN_WIDTH: u32 = 32;
    const MAX_WIDTH: u32 = 32;

    fn to_bits(&self, _width: u32) -> Result<u64, FieldProblem> {
        Ok(u64::from(*self as u32))
    }

    fn from_bits(bits: u64, _width: u32) -> Result<Self, String> {
        u32::try_from(bits)
            .map(|b| b as i32)
            .map_err(|_| format!("{bits} does not fit 32 bits"))
    }

    fn write_asm(&self, _kind: FieldKind, out: &mut String) {
        out.push_str(&self.to_string());
    }

    fn parse_asm(text: &str, _width: u32) -> Result<Self, String> {
        let t = text.trim();
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let magnitude = i64::try_from(parse_unsigned(digits)?).unwrap_or(i64::MAX);
        let v = if negative { -magnitude } else { magnitude };
        i32::try_from(v).map_err(|_| {
            format!(
                "{t} does not fit a signed 32-bit immediate ({}..={})",
                i32::MIN,
                i32::MAX
            )
        })
    }

    #[cfg(test)]
    fn from_seed(seed: u64, _width: u32) -> Self {
        match seed % 4 {
            0 => 0,
            1 => i32::MIN,
            2 => i32::MAX,
            _ => (seed >> 2) as u32 as i32,
        }
    }
}

impl FieldValue for bool {
    const MIN_WIDTH: u32 = 1;
    const MAX_WIDTH: u32 = 1;

    fn to_bits(&self, _width: u32) -> Result<u64, FieldProblem> {
        Ok(u64::from(*self))
    }

    fn from_bits(bits: u64, _width: u32) -> Result<Self, String> {
        Ok(bits != 0)
    }

    fn write_asm(&self, _kind: FieldKind, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }

    fn parse_asm(text: &str, _width: u32) -> Result<Self, String> {
        match text.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(format!("`{other}` is not a boolean (true or false)")),
        }
    }

    #[cfg(test)]
    fn from_seed(seed: u64, _width: u32) -> Self {
        seed % 2 == 1
    }
}

/// Defines a field enumeration: its Rust enum, its assembly names and its [`FieldValue`] impl.
/// Encoded values are the discriminants; every other value of the field's bits is rejected by
/// the decoder.
macro_rules! field_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident : $width:literal {
            $( $(#[doc = $doc:literal])+ $variant:ident = $value:literal $asm:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum $name {
            $( $(#[doc = $doc])+ $variant = $value, )+
        }

        impl $name {
            /// Every value, in encoding order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The assembly names of [`Self::ALL`], in encoding order.
            pub const NAMES: &'static [&'static str] = &[$($asm),+];

            /// The assembly (and documentation) name.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $asm, )+ }
            }

            /// The value with this encoding, if any.
            pub fn from_code(code: u64) -> Option<$name> {
                match code { $( $value => Some($name::$variant), )+ _ => None }
            }

            /// The value's one-line description.
            pub fn doc(self) -> &'static str {
                match self { $( $name::$variant => concat!($($doc),+).trim(), )+ }
            }

            fn names() -> String {
                Self::NAMES.join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim() {
                    $( $asm => Ok($name::$variant), )+
                    other => Err(format!(
                        "`{other}` is not a {} (expected one of: {})",
                        stringify!($name),
                        $name::names()
                    )),
                }
            }
        }

        impl FieldValue for $name {
            const MIN_WIDTH: u32 = $width;
            const MAX_WIDTH: u32 = $width;

            fn to_bits(&self, _width: u32) -> Result<u64, FieldProblem> {
                Ok(*self as u64)
            }

            fn from_bits(bits: u64, _width: u32) -> Result<Self, String> {
                $name::from_code(bits).ok_or_else(|| format!(
                    "{bits} is not a {} (valid: {})",
                    stringify!($name),
                    $name::ALL
                        .iter()
                        .map(|v| format!("{}={}", *v as u8, v.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }

            fn write_asm(&self, _kind: FieldKind, out: &mut String) {
                out.push_str(self.as_str());
            }

            fn parse_asm(text: &str, _width: u32) -> Result<Self, String> {
                text.parse()
            }

            #[cfg(test)]
            fn from_seed(seed: u64, _width: u32) -> Self {
                $name::ALL[(seed % $name::ALL.len() as u64) as usize]
            }
        }
    };
}

field_enum! {
    /// A memory space. Addresses are element addresses (one element is one activation or
    /// weight of the target's precision; the functional simulator stores it as an `f32`).
    pub enum Space: 3 {
        /// Off-chip DRAM: one flat space, no unit. The weights section is mapped at the
        /// program's `weights_dram_base`.
        Dram = 0 "dram",
        /// The chip's global buffer (`buffers.global_bytes`), no unit.
        Global = 1 "global",
        /// The buffer of one tile; the unit is the tile id.
        Tile = 2 "tile",
        /// The buffer of one PE; the unit is the chip-flat PE id (`tile * pes_per_tile + pe`).
        Pe = 3 "pe",
    }
}

impl Space {
    /// Whether operands in this space name a unit (a tile or a PE).
    pub fn has_unit(self) -> bool {
        matches!(self, Space::Tile | Space::Pe)
    }

    /// Whether the space is on the chip.
    pub fn is_on_chip(self) -> bool {
        self != Space::Dram
    }
}

field_enum! {
    /// The operation of a `vop` (vector-unit) instruction. `a` and `b` are the operands, `p`
    /// the constants-table entry `param`; see `docs/isa.md` for the exact semantics.
    pub enum VOp: 5 {
        /// `max(a, 0)`.
        Relu = 0 "relu",
        /// `a` if `a >= 0` else `alpha * a`; `p` = floats `[alpha]`.
        LeakyRelu = 1 "leaky_relu",
        /// `a` if `a >= 0` else `alpha * (exp(a) - 1)`; `p` = floats `[alpha]`.
        Elu = 2 "elu",
        /// `min(max(a, lo), hi)`; `p` = floats `[lo, hi]`.
        Clip = 3 "clip",
        /// `1 / (1 + exp(-a))`.
        Sigmoid = 4 "sigmoid",
        /// `tanh(a)`.
        Tanh = 5 "tanh",
        /// `a` if `a >= 0` else `slope[i] * a`; `p` = floats, one slope per group element or one for all.
        Prelu = 6 "prelu",
        /// `a + b`.
        Add = 7 "add",
        /// `a - b`.
        Sub = 8 "sub",
        /// `a * b`.
        Mul = 9 "mul",
        /// `a / b`.
        Div = 10 "div",
        /// Max pooling of an HWC image; `p` = window.
        MaxPool = 11 "max_pool",
        /// Average pooling of an HWC image; `p` = window.
        AvgPool = 12 "avg_pool",
        /// Softmax over each group of `len` elements.
        Softmax = 13 "softmax",
        /// Log-softmax over each group of `len` elements.
        LogSoftmax = 14 "log_softmax",
        /// Local response normalisation across each group of `len` channels; `p` = lrn.
        Lrn = 15 "lrn",
        /// `a + bias[i]`; `p` = floats, one bias per group element or one for all.
        Bias = 16 "bias",
        /// `a * scale[i]`; `p` = floats, one scale per group element or one for all.
        Scale = 17 "scale",
        /// `exp(a)`.
        Exp = 18 "exp",
        /// `ln(a)`.
        Log = 19 "log",
        /// `|a|`.
        Abs = 20 "abs",
        /// `erf(a)`.
        Erf = 21 "erf",
        /// `ln(1 + exp(a))`.
        Softplus = 22 "softplus",
        /// `a^e`; `p` = floats `[e]`.
        Pow = 23 "pow",
        /// `max(a, b)`.
        Max = 24 "max",
        /// `min(a, b)`.
        Min = 25 "min",
        /// Each group of `len` shifted to mean 0 and scaled to variance 1: `(a - mean) / sqrt(var + eps)`; `p` = floats `[eps]`.
        Norm = 26 "norm",
        /// Matrix product on the vector unit: `a` (`count` rows of `len`) times the transpose of `b` (`n` rows of `len`), `count x n` results at `dst`; `p` = floats `[n]`.
        Matmul = 27 "matmul",
        /// Each group of `len` set to `p` (floats `[len]` or `[1]`), reading no operand: the
        /// accumulator that `mvm`s with `accumulate` then add into.
        Fill = 28 "fill",
    }
}

impl VOp {
    /// Whether the op reads its second operand `b`.
    pub fn is_binary(self) -> bool {
        matches!(
            self,
            VOp::Add | VOp::Sub | VOp::Mul | VOp::Div | VOp::Max | VOp::Min | VOp::Matmul
        )
    }

    /// Whether the op reads its first operand `a` (every op but `fill`).
    pub fn reads_a(self) -> bool {
        self != VOp::Fill
    }

    /// The elements of `b` and of `dst` of a `vop` over `count` groups of `len`, for the ops
    /// whose operands are not all `count x len` (`matmul`: `b` is `n x len`, `dst` `count x n`,
    /// `n` its parameter). `None` for the others (pooling has its own rule).
    pub fn matrix_extents(self, len: u32, count: u32, n: u32) -> Option<(u64, u64)> {
        (self == VOp::Matmul).then(|| {
            (
                u64::from(n) * u64::from(len),
                u64::from(count) * u64::from(n),
            )
        })
    }

    /// Whether the op works on image windows (its `param` is a window descriptor).
    pub fn is_windowed(self) -> bool {
        matches!(self, VOp::MaxPool | VOp::AvgPool)
    }
}

field_enum! {
    /// How an `mvm` forms its input vectors.
    pub enum MvmMode: 1 {
        /// Input vector `v` is the `ar` elements (the active block's rows) at `src + v * sstride`.
        Dense = 0 "dense",
        /// Input vector `v` is gathered (im2col) from the HWC image at `src`, for output pixel
        /// `pix + v`, by the window descriptor `win` of the constants table.
        Window = 1 "window",
    }
}

/// A memory operand: `space`, `unit` (tile or PE id; 0 for `dram` and `global`), base
/// register `reg` and element address `addr`. The effective address is `addr + r[reg]`
/// (`r0` is always 0). Assembly: `dram[0x100]`, `global[r2+0x40]`, `tile3[0x0]`, `pe17[0x80]`.
///
/// Packed in 55 bits, low to high: space (3), reg (4), unit (16), addr (32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemRef {
    /// The memory space.
    pub space: Space,
    /// Tile id (`tile`) or chip-flat PE id (`pe`); 0 otherwise.
    pub unit: u16,
    /// Base register, 0..=15 (0 = absolute).
    pub reg: u8,
    /// Element address (offset from the base register).
    pub addr: u32,
}

impl MemRef {
    /// Bits of a packed memory operand.
    pub const BITS: u32 = 55;

    /// A DRAM operand.
    pub fn dram(addr: u32) -> MemRef {
        MemRef {
            space: Space::Dram,
            unit: 0,
            reg: 0,
            addr,
        }
    }

    /// A global-buffer operand.
    pub fn global(addr: u32) -> MemRef {
        MemRef {
            space: Space::Global,
            unit: 0,
            reg: 0,
            addr,
        }
    }

    /// A tile-buffer operand.
    pub fn tile(tile: u16, addr: u32) -> MemRef {
        MemRef {
            space: Space::Tile,
            unit: tile,
            reg: 0,
            addr,
        }
    }

    /// A PE-buffer operand.
    pub fn pe(pe: u16, addr: u32) -> MemRef {
        MemRef {
            space: Space::Pe,
            unit: pe,
            reg: 0,
            addr,
        }
    }

    /// The same operand relative to base register `reg`.
    pub fn with_reg(self, reg: u8) -> MemRef {
        MemRef { reg, ..self }
    }

    /// Why the operand is not legal, if it is not.
    fn problem(&self) -> Option<String> {
        if self.reg > 15 {
            return Some(format!("register r{} does not exist (r0..r15)", self.reg));
        }
        if !self.space.has_unit() && self.unit != 0 {
            return Some(format!(
                "a {} operand has no unit, but unit {} was given",
                self.space, self.unit
            ));
        }
        None
    }
}

impl fmt::Display for MemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.space.as_str())?;
        if self.space.has_unit() {
            write!(f, "{}", self.unit)?;
        }
        if self.reg != 0 {
            write!(f, "[r{}+{:#x}]", self.reg, self.addr)
        } else {
            write!(f, "[{:#x}]", self.addr)
        }
    }
}

impl FromStr for MemRef {
    type Err = String;

    fn from_str(s: &str) -> Result<MemRef, String> {
        let t = s.trim();
        let bad = || {
            format!(
                "`{t}` is not a memory operand (expected e.g. dram[0x100], global[r2+0x40], \
                 tile3[0x0], pe17[0x80])"
            )
        };
        let (head, rest) = t.split_once('[').ok_or_else(bad)?;
        let inner = rest.strip_suffix(']').ok_or_else(bad)?;
        let split = head
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(head.len());
        let space: Space = head[..split].parse()?;
        let unit_text = &head[split..];
        let unit = match (space.has_unit(), unit_text.is_empty()) {
            (true, false) => u16::try_from(parse_unsigned(unit_text)?)
                .map_err(|_| format!("unit {unit_text} in `{t}` does not fit 16 bits"))?,
            (true, true) => {
                return Err(format!(
                    "`{t}`: a {space} operand needs a unit id, e.g. {space}3[0x0]"
                ))
            }
            (false, false) => return Err(format!("`{t}`: a {space} operand has no unit id")),
            (false, true) => 0,
        };
        let (reg, addr_text) = match inner.split_once('+') {
            Some((r, a)) => {
                let r = r.trim();
                let n = r.strip_prefix('r').ok_or_else(bad)?;
                let reg = parse_unsigned(n)?;
                if reg > 15 {
                    return Err(format!("register {r} does not exist (r0..r15)"));
                }
                (reg as u8, a)
            }
            None => (0, inner),
        };
        let addr = parse_unsigned(addr_text)?;
        let addr = u32::try_from(addr)
            .map_err(|_| format!("address {addr:#x} in `{t}` does not fit 32 bits"))?;
        Ok(MemRef {
            space,
            unit,
            reg,
            addr,
        })
    }
}

impl FieldValue for MemRef {
    const MIN_WIDTH: u32 = MemRef::BITS;
    const MAX_WIDTH: u32 = MemRef::BITS;

    fn to_bits(&self, _width: u32) -> Result<u64, FieldProblem> {
        if let Some(problem) = self.problem() {
            return Err(FieldProblem::Invalid(problem));
        }
        Ok(self.space as u64
            | u64::from(self.reg) << 3
            | u64::from(self.unit) << 7
            | u64::from(self.addr) << 23)
    }

    fn from_bits(bits: u64, width: u32) -> Result<Self, String> {
        let space = Space::from_bits(bits & 0x7, width)?;
        let m = MemRef {
            space,
            reg: ((bits >> 3) & 0xf) as u8,
            unit: ((bits >> 7) & 0xffff) as u16,
            addr: ((bits >> 23) & 0xffff_ffff) as u32,
        };
        match m.problem() {
            Some(problem) => Err(problem),
            None => Ok(m),
        }
    }

    fn write_asm(&self, _kind: FieldKind, out: &mut String) {
        out.push_str(&self.to_string());
    }

    fn parse_asm(text: &str, _width: u32) -> Result<Self, String> {
        text.parse()
    }

    #[cfg(test)]
    fn from_seed(seed: u64, width: u32) -> Self {
        let space = Space::from_seed(seed, width);
        let unit = if space.has_unit() {
            pick(seed >> 3, 0xffff) as u16
        } else {
            0
        };
        MemRef {
            space,
            unit,
            reg: pick(seed >> 7, 15) as u8,
            addr: pick(seed >> 13, u64::from(u32::MAX)) as u32,
        }
    }
}
