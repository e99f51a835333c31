//! The typed contents of a `.pimbin`: [`Program`] and the records of its sections, their
//! consistency checks, and their conversion to and from the wire messages.

use super::wire;
use super::ContainerError;
use crate::isa::Instruction;
use crate::target::Target;

/// A compiled program: everything the runtime needs to run it.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The target it was compiled for (stored as canonical TOML, checked against its hash).
    pub target: Target,
    /// The instruction stream.
    pub code: Vec<Instruction>,
    /// All weights, f32, in the order the blobs index them. Mapped into DRAM at
    /// `weights_dram_base`.
    pub weights: Vec<f32>,
    /// Named blobs of `weights`.
    pub weight_blobs: Vec<WeightBlob>,
    /// DRAM element address of `weights[0]`.
    pub weights_dram_base: u64,
    /// Input and output tensors in DRAM.
    pub bindings: Vec<Binding>,
    /// Named instruction ranges (layers, segments).
    pub symbols: Vec<Symbol>,
    /// The constants table (`vop param`, `mvm win`).
    pub constants: Vec<Constant>,
    /// What produced the file (free text, e.g. `pimc 0.1.0`).
    pub producer: String,
}

impl Program {
    /// An empty program for `target` (no code, weights, bindings, symbols or constants).
    pub fn new(target: Target) -> Program {
        Program {
            target,
            code: Vec::new(),
            weights: Vec::new(),
            weight_blobs: Vec::new(),
            weights_dram_base: 0,
            bindings: Vec::new(),
            symbols: Vec::new(),
            constants: Vec::new(),
            producer: String::new(),
        }
    }

    /// The DRAM element range of the weights.
    pub fn weights_dram_range(&self) -> std::ops::Range<u64> {
        self.weights_dram_base
            ..self
                .weights_dram_base
                .saturating_add(self.weights.len() as u64)
    }

    /// Checks that the sections agree with each other: blobs inside the weights, shapes
    /// matching lengths, unique names, bindings inside the 32-bit DRAM space and clear of the
    /// weights, symbol ranges inside the code, window descriptors that describe windows.
    /// [`Program::write`](Program::write) and [`Program::read`](Program::read) call it.
    pub fn validate(&self) -> Result<(), ContainerError> {
        let invalid = |what: String, message: String| ContainerError::Invalid { what, message };
        let dram_end = 1u64 << 32;
        if self.weights_dram_range().end > dram_end {
            return Err(invalid(
                "weights".into(),
                format!(
                    "DRAM range {:?} exceeds the 2^32-element DRAM space",
                    self.weights_dram_range()
                ),
            ));
        }
        unique(self.weight_blobs.iter().map(|b| &b.name), "weight blob")?;
        unique(self.bindings.iter().map(|b| &b.name), "binding")?;
        for b in &self.weight_blobs {
            b.check(self.weights.len() as u64)
                .map_err(|m| invalid(format!("weight blob `{}`", b.name), m))?;
        }
        for b in &self.bindings {
            b.check(self.weights_dram_range())
                .map_err(|m| invalid(format!("binding `{}`", b.name), m))?;
        }
        disjoint_bindings(&self.bindings)?;
        for s in &self.symbols {
            s.check(self.code.len())
                .map_err(|m| invalid(format!("symbol `{}`", s.name), m))?;
        }
        for (i, c) in self.constants.iter().enumerate() {
            c.value
                .check()
                .map_err(|m| invalid(format!("constant {i} `{}`", c.name), m))?;
        }
        Ok(())
    }
}

/// Checks that no two bindings share DRAM (an input overwritten by an output, two outputs
/// aliasing each other).
fn disjoint_bindings(bindings: &[Binding]) -> Result<(), ContainerError> {
    let mut ranges: Vec<(std::ops::Range<u64>, &str)> = bindings
        .iter()
        .filter_map(|b| Some((b.range()?, b.name.as_str())))
        .filter(|(r, _)| !r.is_empty())
        .collect();
    ranges.sort_by_key(|(r, _)| (r.start, r.end));
    for pair in ranges.windows(2) {
        let ((a, a_name), (b, b_name)) = (&pair[0], &pair[1]);
        if b.start < a.end {
            return Err(ContainerError::Invalid {
                what: format!("binding `{b_name}`"),
                message: format!(
                    "DRAM range {:#x}..{:#x} overlaps binding `{a_name}` at {:#x}..{:#x}",
                    b.start, b.end, a.start, a.end
                ),
            });
        }
    }
    Ok(())
}

fn unique<'a>(names: impl Iterator<Item = &'a String>, what: &str) -> Result<(), ContainerError> {
    let mut seen = std::collections::BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(ContainerError::Invalid {
                what: format!("{what} `{n}`"),
                message: "the name is used twice".into(),
            });
        }
    }
    Ok(())
}

/// Elements of a shape (1 for a scalar); `None` on overflow.
fn elements(shape: &[u64]) -> Option<u64> {
    shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
}

/// A named range of the weights section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightBlob {
    /// Name (e.g. `conv1.weight`, or a per-crossbar tile of it).
    pub name: String,
    /// First element, from the start of the weights.
    pub offset: u64,
    /// Elements.
    pub len: u64,
    /// Shape; its element count equals `len`.
    pub shape: Vec<u64>,
}

impl WeightBlob {
    fn check(&self, weights: u64) -> Result<(), String> {
        if elements(&self.shape) != Some(self.len) {
            return Err(format!(
                "shape {:?} does not have {} elements",
                self.shape, self.len
            ));
        }
        match self.offset.checked_add(self.len) {
            Some(end) if end <= weights => Ok(()),
            _ => Err(format!(
                "elements {}..+{} exceed the {weights} weights",
                self.offset, self.len
            )),
        }
    }
}

/// Whether a binding is read or written by the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Written by the host before the run.
    Input,
    /// Read by the host after the run.
    Output,
}

/// Element type of a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// 32-bit float.
    F32,
}

impl DType {
    /// The name used in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            DType::F32 => "f32",
        }
    }
}

/// An input or output tensor of the program, in DRAM, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The ONNX graph input or output name.
    pub name: String,
    /// Input or output.
    pub direction: Direction,
    /// Shape, batch included.
    pub shape: Vec<u64>,
    /// Element type.
    pub dtype: DType,
    /// DRAM element address of element 0.
    pub dram_addr: u64,
}

/// The most elements a binding may have (2^30, 4 GiB of f32: the compiler's tensor limit), so
/// that a crafted file cannot make `pim-run` allocate an absurd tensor.
pub const MAX_BINDING_ELEMENTS: u64 = 1 << 30;

impl Binding {
    /// Its DRAM range (elements), if its shape does not overflow.
    fn range(&self) -> Option<std::ops::Range<u64>> {
        let n = elements(&self.shape)?;
        Some(self.dram_addr..self.dram_addr.checked_add(n)?)
    }

    fn check(&self, weights: std::ops::Range<u64>) -> Result<(), String> {
        let n = elements(&self.shape).ok_or_else(|| format!("shape {:?} overflows", self.shape))?;
        if n > MAX_BINDING_ELEMENTS {
            return Err(format!(
                "shape {:?} has {n} elements, more than the {MAX_BINDING_ELEMENTS} a binding may have",
                self.shape
            ));
        }
        let end = self
            .dram_addr
            .checked_add(n)
            .filter(|&e| e <= 1u64 << 32)
            .ok_or_else(|| {
                format!(
                    "DRAM range {:#x}..+{n} exceeds the 2^32-element DRAM space",
                    self.dram_addr
                )
            })?;
        if n > 0 && self.dram_addr < weights.end && weights.start < end {
            return Err(format!(
                "DRAM range {:#x}..{end:#x} overlaps the weights at {:#x}..{:#x}",
                self.dram_addr, weights.start, weights.end
            ));
        }
        Ok(())
    }
}

/// What a symbol names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// A segment (weight group).
    Segment,
    /// A network layer.
    Layer,
    /// Anything else (prologue, epilogue, ...).
    Other,
}

impl SymbolKind {
    /// The name used in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            SymbolKind::Segment => "segment",
            SymbolKind::Layer => "layer",
            SymbolKind::Other => "other",
        }
    }
}

/// A named range of instructions `start..end` (indices into the code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Name (layer or segment).
    pub name: String,
    /// What it names.
    pub kind: SymbolKind,
    /// First instruction.
    pub start: usize,
    /// One past the last instruction.
    pub end: usize,
}

impl Symbol {
    fn check(&self, code: usize) -> Result<(), String> {
        if self.start <= self.end && self.end <= code {
            Ok(())
        } else {
            Err(format!(
                "instructions {}..{} are not a range inside the {code} instructions",
                self.start, self.end
            ))
        }
    }
}

/// One entry of the constants table.
#[derive(Debug, Clone, PartialEq)]
pub struct Constant {
    /// Name, for listings (e.g. `conv1.bias`, `pool1.window`).
    pub name: String,
    /// The value.
    pub value: ConstValue,
}

/// The value of a constants-table entry.
#[derive(Debug, Clone, PartialEq)]
pub enum ConstValue {
    /// Scalars (`leaky_relu` alpha, `clip` bounds) or a per-element vector (`bias`, `scale`,
    /// `prelu`).
    Floats(Vec<f32>),
    /// An image window: im2col gathering for `mvm` in window mode, pooling for `vop`.
    Window(Window),
    /// LRN parameters.
    Lrn(Lrn),
}

impl ConstValue {
    fn check(&self) -> Result<(), String> {
        match self {
            ConstValue::Floats(_) => Ok(()),
            ConstValue::Window(w) => w.check(),
            ConstValue::Lrn(l) if l.size == 0 => Err("LRN size is 0".into()),
            ConstValue::Lrn(_) => Ok(()),
        }
    }

    /// The kind's name, for listings and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            ConstValue::Floats(_) => "floats",
            ConstValue::Window(_) => "window",
            ConstValue::Lrn(_) => "lrn",
        }
    }
}

/// An image window over an HWC image (`channels` values per pixel, row-major pixels): the
/// geometry of a convolution's im2col vectors or of a pooling. Only channels `c0..c0 + cn` are
/// used (groups, channel slices). The im2col vector of an output pixel lists, for each tap
/// `(ky, kx)` in row-major order, the `cn` channels; element `row0` of it goes to crossbar row 0.
/// It is also its own wire form in the constants section (prost message; derives Debug/Default).
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct Window {
    /// Image height.
    #[prost(uint32, tag = "1")]
    pub in_h: u32,
    /// Image width.
    #[prost(uint32, tag = "2")]
    pub in_w: u32,
    /// Channels per pixel in the image (the pixel stride).
    #[prost(uint32, tag = "3")]
    pub channels: u32,
    /// First channel used.
    #[prost(uint32, tag = "4")]
    pub c0: u32,
    /// Channels used.
    #[prost(uint32, tag = "5")]
    pub cn: u32,
    /// Kernel height.
    #[prost(uint32, tag = "6")]
    pub kernel_h: u32,
    /// Kernel width.
    #[prost(uint32, tag = "7")]
    pub kernel_w: u32,
    /// Vertical stride.
    #[prost(uint32, tag = "8")]
    pub stride_h: u32,
    /// Horizontal stride.
    #[prost(uint32, tag = "9")]
    pub stride_w: u32,
    /// Vertical dilation (1 = dense).
    #[prost(uint32, tag = "10")]
    pub dilation_h: u32,
    /// Horizontal dilation.
    #[prost(uint32, tag = "11")]
    pub dilation_w: u32,
    /// Zero rows above (for max pooling: -inf).
    #[prost(uint32, tag = "12")]
    pub pad_top: u32,
    /// Zero columns left.
    #[prost(uint32, tag = "13")]
    pub pad_left: u32,
    /// Zero rows below (ONNX `ceil_mode` becomes extra bottom/right padding).
    #[prost(uint32, tag = "14")]
    pub pad_bottom: u32,
    /// Zero columns right.
    #[prost(uint32, tag = "15")]
    pub pad_right: u32,
    /// First element of the im2col vector that crossbar row 0 receives (row blocks of a
    /// weight matrix taller than a crossbar); 0 for pooling.
    #[prost(uint32, tag = "16")]
    pub row0: u32,
    /// Average pooling divides by the full window (true) or by the taps inside the image.
    #[prost(bool, tag = "17")]
    pub include_pad: bool,
}

impl Window {
    /// Output height.
    pub fn out_h(&self) -> u64 {
        out_dim(
            self.in_h,
            self.pad_top,
            self.pad_bottom,
            self.kernel_h,
            self.dilation_h,
            self.stride_h,
        )
    }

    /// Output width.
    pub fn out_w(&self) -> u64 {
        out_dim(
            self.in_w,
            self.pad_left,
            self.pad_right,
            self.kernel_w,
            self.dilation_w,
            self.stride_w,
        )
    }

    /// Output pixels.
    pub fn out_pixels(&self) -> u64 {
        self.out_h() * self.out_w()
    }

    /// Length of a full im2col vector: kernel_h x kernel_w x cn.
    pub fn vector_len(&self) -> u64 {
        u64::from(self.kernel_h) * u64::from(self.kernel_w) * u64::from(self.cn)
    }

    fn check(&self) -> Result<(), String> {
        let dims = [
            ("in_h", self.in_h),
            ("in_w", self.in_w),
            ("cn", self.cn),
            ("kernel_h", self.kernel_h),
            ("kernel_w", self.kernel_w),
            ("stride_h", self.stride_h),
            ("stride_w", self.stride_w),
            ("dilation_h", self.dilation_h),
            ("dilation_w", self.dilation_w),
        ];
        if let Some((name, _)) = dims.iter().find(|(_, v)| *v == 0) {
            return Err(format!("window field {name} is 0"));
        }
        if u64::from(self.c0) + u64::from(self.cn) > u64::from(self.channels) {
            return Err(format!(
                "channels {}..{} exceed the image's {}",
                self.c0,
                u64::from(self.c0) + u64::from(self.cn),
                self.channels
            ));
        }
        if self.out_pixels() == 0 {
            return Err("the window does not fit the padded image (no output pixel)".into());
        }
        if u64::from(self.row0) >= self.vector_len() {
            return Err(format!(
                "row0 {} is past the {}-element im2col vector",
                self.row0,
                self.vector_len()
            ));
        }
        Ok(())
    }
}

/// `(in + pads - dilation * (kernel - 1) - 1) / stride + 1`, or 0 when the window does not fit.
fn out_dim(input: u32, pad_a: u32, pad_b: u32, kernel: u32, dilation: u32, stride: u32) -> u64 {
    let padded = u64::from(input) + u64::from(pad_a) + u64::from(pad_b);
    let span = u64::from(dilation) * u64::from(kernel.saturating_sub(1)) + 1;
    if stride == 0 || padded < span {
        return 0;
    }
    (padded - span) / u64::from(stride) + 1
}

/// LRN parameters (ONNX `LRN`): `y = x / (bias + alpha / size * sum of x^2 over size channels)^beta`.
/// It is also its own wire form in the constants section (prost message).
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Lrn {
    /// Channels summed over (odd).
    #[prost(uint32, tag = "1")]
    pub size: u32,
    /// Scale.
    #[prost(float, tag = "2")]
    pub alpha: f32,
    /// Exponent.
    #[prost(float, tag = "3")]
    pub beta: f32,
    /// Offset.
    #[prost(float, tag = "4")]
    pub bias: f32,
}

// ----- conversion to the wire -------------------------------------------------------------

impl Program {
    pub(crate) fn weight_index_msg(&self) -> wire::WeightIndex {
        wire::WeightIndex {
            blobs: self
                .weight_blobs
                .iter()
                .map(|b| wire::WeightBlobMsg {
                    name: b.name.clone(),
                    offset: b.offset,
                    length: b.len,
                    shape: b.shape.clone(),
                })
                .collect(),
        }
    }

    pub(crate) fn bindings_msg(&self) -> wire::Bindings {
        wire::Bindings {
            bindings: self
                .bindings
                .iter()
                .map(|b| wire::BindingMsg {
                    name: b.name.clone(),
                    direction: match b.direction {
                        Direction::Input => 1,
                        Direction::Output => 2,
                    },
                    shape: b.shape.clone(),
                    dtype: match b.dtype {
                        DType::F32 => 1,
                    },
                    dram_addr: b.dram_addr,
                })
                .collect(),
        }
    }

    pub(crate) fn symbols_msg(&self) -> wire::Symbols {
        wire::Symbols {
            symbols: self
                .symbols
                .iter()
                .map(|s| wire::SymbolMsg {
                    name: s.name.clone(),
                    kind: match s.kind {
                        SymbolKind::Segment => 1,
                        SymbolKind::Layer => 2,
                        SymbolKind::Other => 3,
                    },
                    start: s.start as u64,
                    end: s.end as u64,
                })
                .collect(),
        }
    }

    pub(crate) fn constants_msg(&self) -> wire::Constants {
        wire::Constants {
            constants: self.constants.iter().map(constant_msg).collect(),
        }
    }
}

fn constant_msg(c: &Constant) -> wire::ConstantMsg {
    let value = match &c.value {
        ConstValue::Floats(v) => wire::ConstValueMsg::Floats(wire::FloatsMsg { values: v.clone() }),
        ConstValue::Window(w) => wire::ConstValueMsg::Window(*w),
        ConstValue::Lrn(l) => wire::ConstValueMsg::Lrn(*l),
    };
    wire::ConstantMsg {
        name: c.name.clone(),
        value: Some(value),
    }
}

// ----- conversion from the wire -----------------------------------------------------------

fn bad_enum(what: &'static str, value: u32) -> ContainerError {
    ContainerError::BadEnum { what, value }
}

pub(crate) fn weight_blobs_from(msg: wire::WeightIndex) -> Vec<WeightBlob> {
    msg.blobs
        .into_iter()
        .map(|b| WeightBlob {
            name: b.name,
            offset: b.offset,
            len: b.length,
            shape: b.shape,
        })
        .collect()
}

pub(crate) fn bindings_from(msg: wire::Bindings) -> Result<Vec<Binding>, ContainerError> {
    msg.bindings
        .into_iter()
        .map(|b| {
            Ok(Binding {
                direction: match b.direction {
                    1 => Direction::Input,
                    2 => Direction::Output,
                    v => return Err(bad_enum("binding direction", v)),
                },
                dtype: match b.dtype {
                    1 => DType::F32,
                    v => return Err(bad_enum("binding dtype", v)),
                },
                name: b.name,
                shape: b.shape,
                dram_addr: b.dram_addr,
            })
        })
        .collect()
}

pub(crate) fn symbols_from(msg: wire::Symbols) -> Result<Vec<Symbol>, ContainerError> {
    msg.symbols
        .into_iter()
        .map(|s| {
            let index = |v: u64| {
                usize::try_from(v).map_err(|_| ContainerError::Invalid {
                    what: format!("symbol `{}`", s.name),
                    message: format!("instruction index {v} does not fit this machine"),
                })
            };
            Ok(Symbol {
                kind: match s.kind {
                    1 => SymbolKind::Segment,
                    2 => SymbolKind::Layer,
                    3 => SymbolKind::Other,
                    v => return Err(bad_enum("symbol kind", v)),
                },
                start: index(s.start)?,
                end: index(s.end)?,
                name: s.name,
            })
        })
        .collect()
}

pub(crate) fn constants_from(msg: wire::Constants) -> Result<Vec<Constant>, ContainerError> {
    msg.constants
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let value = match c.value {
                Some(wire::ConstValueMsg::Floats(f)) => ConstValue::Floats(f.values),
                Some(wire::ConstValueMsg::Window(w)) => ConstValue::Window(w),
                Some(wire::ConstValueMsg::Lrn(l)) => ConstValue::Lrn(l),
                None => {
                    return Err(ContainerError::Invalid {
                        what: format!("constant {i} `{}`", c.name),
                        message: "it has no value".into(),
                    })
                }
            };
            Ok(Constant {
                name: c.name,
                value,
            })
        })
        .collect()
}
