//! The protobuf messages of the structured parts of a `.pimbin` (header, section table, weight
//! index, bindings, symbols, constants), written by hand with `prost` derives (there is no
//! `protoc`). Their `.proto` equivalent is in `docs/isa.md`. Enumerations are plain integers
//! here and are checked when converted to the typed [`Program`](super::Program).

/// The file header: everything needed to find and check the sections.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Header {
    /// `[chip] name` of the embedded target.
    #[prost(string, tag = "1")]
    pub target_name: String,
    /// `Target::hash()` of the embedded target.
    #[prost(fixed64, tag = "2")]
    pub target_hash: u64,
    /// Bytes per instruction word.
    #[prost(uint32, tag = "3")]
    pub word_bytes: u32,
    /// DRAM element address at which the weights section is mapped.
    #[prost(uint64, tag = "4")]
    pub weights_dram_base: u64,
    /// The section table.
    #[prost(message, repeated, tag = "5")]
    pub sections: Vec<SectionEntry>,
    /// What wrote the file (free text).
    #[prost(string, tag = "6")]
    pub producer: String,
}

/// One entry of the section table; `offset` is relative to the start of the data area.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SectionEntry {
    /// Section kind (`SectionKind` code).
    #[prost(uint32, tag = "1")]
    pub kind: u32,
    /// Byte offset from the start of the data area.
    #[prost(uint64, tag = "2")]
    pub offset: u64,
    /// Byte length.
    #[prost(uint64, tag = "3")]
    pub length: u64,
}

/// The weights section's index.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct WeightIndex {
    /// Named blobs.
    #[prost(message, repeated, tag = "1")]
    pub blobs: Vec<WeightBlobMsg>,
}

/// One named weight blob.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct WeightBlobMsg {
    /// Name (e.g. the ONNX initializer).
    #[prost(string, tag = "1")]
    pub name: String,
    /// First element, counted from the start of the weights section.
    #[prost(uint64, tag = "2")]
    pub offset: u64,
    /// Elements.
    #[prost(uint64, tag = "3")]
    pub length: u64,
    /// Shape (row-major).
    #[prost(uint64, repeated, tag = "4")]
    pub shape: Vec<u64>,
}

/// The bindings section.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Bindings {
    /// Inputs and outputs.
    #[prost(message, repeated, tag = "1")]
    pub bindings: Vec<BindingMsg>,
}

/// One input or output tensor in DRAM.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct BindingMsg {
    /// Tensor name (the ONNX graph input or output).
    #[prost(string, tag = "1")]
    pub name: String,
    /// 1 = input, 2 = output.
    #[prost(uint32, tag = "2")]
    pub direction: u32,
    /// Shape (row-major).
    #[prost(uint64, repeated, tag = "3")]
    pub shape: Vec<u64>,
    /// 1 = f32.
    #[prost(uint32, tag = "4")]
    pub dtype: u32,
    /// DRAM element address of element 0.
    #[prost(uint64, tag = "5")]
    pub dram_addr: u64,
}

/// The symbols section.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Symbols {
    /// Named instruction ranges.
    #[prost(message, repeated, tag = "1")]
    pub symbols: Vec<SymbolMsg>,
}

/// A named range of instructions.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SymbolMsg {
    /// Name (layer or segment).
    #[prost(string, tag = "1")]
    pub name: String,
    /// 1 = segment, 2 = layer, 3 = other.
    #[prost(uint32, tag = "2")]
    pub kind: u32,
    /// First instruction index.
    #[prost(uint64, tag = "3")]
    pub start: u64,
    /// One past the last instruction index.
    #[prost(uint64, tag = "4")]
    pub end: u64,
}

/// The constants section.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Constants {
    /// Entries, indexed by `vop param` and `mvm win`.
    #[prost(message, repeated, tag = "1")]
    pub constants: Vec<ConstantMsg>,
}

/// One constants-table entry.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ConstantMsg {
    /// Name, for listings.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The value.
    #[prost(oneof = "ConstValueMsg", tags = "2, 3, 4")]
    pub value: Option<ConstValueMsg>,
}

/// The value of a constants-table entry.
#[derive(Clone, PartialEq, prost::Oneof)]
pub(crate) enum ConstValueMsg {
    /// Scalars or a per-element vector.
    #[prost(message, tag = "2")]
    Floats(FloatsMsg),
    /// A window descriptor.
    #[prost(message, tag = "3")]
    Window(super::program::Window),
    /// LRN parameters.
    #[prost(message, tag = "4")]
    Lrn(super::program::Lrn),
}

/// Floats.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct FloatsMsg {
    /// The values.
    #[prost(float, repeated, tag = "1")]
    pub values: Vec<f32>,
}
