//! Errors of reading and writing `.pimbin` files.

use thiserror::Error;

use crate::isa::IsaError;
use crate::target::TargetError;

/// Everything that can be wrong with a `.pimbin` file or a [`Program`](super::Program).
/// Reading never panics: every malformed input is one of these.
#[derive(Debug, Error)]
pub enum ContainerError {
    /// The file does not start with the `.pimbin` magic bytes.
    #[error("not a .pimbin file: it starts with {found:02x?}, expected {expected:02x?}")]
    BadMagic {
        /// The first bytes of the file.
        found: Vec<u8>,
        /// The magic bytes.
        expected: [u8; 8],
    },
    /// A format version this runtime does not read.
    #[error(
        "unsupported .pimbin format version {found} (this runtime reads version {supported}); \
         recompile the model with a matching pimc"
    )]
    UnsupportedVersion {
        /// The file's version.
        found: u32,
        /// The version this code reads and writes.
        supported: u32,
    },
    /// The file is shorter than its prefix says (or than the prefix itself).
    #[error("truncated .pimbin: {what} needs {expected} bytes, the file has {actual}")]
    Truncated {
        /// What did not fit.
        what: &'static str,
        /// Bytes needed.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// Bytes after the end recorded in the prefix.
    #[error("{extra} unexpected bytes after the end of the .pimbin ({expected} bytes)")]
    TrailingBytes {
        /// The recorded length.
        expected: u64,
        /// Bytes beyond it.
        extra: u64,
    },
    /// The reserved prefix field is not zero.
    #[error("the reserved field of the .pimbin prefix is {value:#x}, not 0; the file is corrupt or from a newer format")]
    ReservedPrefix {
        /// Its value.
        value: u32,
    },
    /// The CRC-32 of the file does not match the stored one.
    #[error("checksum mismatch: stored crc32 {stored:#010x}, computed {computed:#010x}; the file is corrupt")]
    ChecksumMismatch {
        /// The checksum in the prefix.
        stored: u32,
        /// The checksum of the bytes.
        computed: u32,
    },
    /// A protobuf part does not decode.
    #[error("malformed {what}: {source}")]
    Proto {
        /// Which part.
        what: &'static str,
        /// The decoder's error.
        source: prost::DecodeError,
    },
    /// The header's instruction word size differs from this ISA's.
    #[error("the file's instructions are {found}-byte words; this ISA uses {expected}-byte words")]
    WordSize {
        /// The file's word size.
        found: u32,
        /// This ISA's word size.
        expected: usize,
    },
    /// A section (or the header) reaches past the end of the file.
    #[error("{section} section at offset {offset} with {length} bytes reaches past the end of the {file_len}-byte file")]
    SectionOutOfBounds {
        /// Which section.
        section: &'static str,
        /// Its absolute byte offset.
        offset: u64,
        /// Its length.
        length: u64,
        /// The file's length.
        file_len: u64,
    },
    /// A section kind this version does not know.
    #[error("unknown section kind {kind} in the section table")]
    UnknownSection {
        /// The kind code.
        kind: u32,
    },
    /// A section appears twice in the section table.
    #[error("the {section} section appears twice in the section table")]
    DuplicateSection {
        /// Which section.
        section: &'static str,
    },
    /// A required section is missing.
    #[error("the {section} section is missing")]
    MissingSection {
        /// Which section.
        section: &'static str,
    },
    /// The target section is not UTF-8.
    #[error("the target section is not UTF-8 text")]
    TargetNotUtf8,
    /// The embedded target does not parse or validate.
    #[error("embedded target: {0}")]
    Target(#[from] TargetError),
    /// The header's target hash is not the hash of the embedded target.
    #[error(
        "target hash mismatch: the header says {header:016x}, the embedded target hashes to \
         {embedded:016x}; the file is corrupt or was edited"
    )]
    TargetHashMismatch {
        /// Hash recorded in the header.
        header: u64,
        /// Hash of the embedded target text.
        embedded: u64,
    },
    /// The code section is not a whole number of instruction words.
    #[error(
        "the code section has {len} bytes, not a multiple of the {word}-byte instruction word"
    )]
    CodeLength {
        /// Bytes of the code section.
        len: u64,
        /// Bytes per word.
        word: usize,
    },
    /// The weights section is not a whole number of f32 values.
    #[error("the weights section has {len} bytes, not a multiple of 4 (f32)")]
    WeightsLength {
        /// Bytes of the weights section.
        len: u64,
    },
    /// An instruction does not decode (read) or encode (write).
    #[error("instruction {index}: {source}")]
    Instruction {
        /// 0-based instruction index.
        index: usize,
        /// What is wrong with it.
        source: IsaError,
    },
    /// An enumeration field of a structured section has an unknown value.
    #[error("unknown {what} value {value}")]
    BadEnum {
        /// Which field.
        what: &'static str,
        /// Its value.
        value: u32,
    },
    /// The program does not verify against its target or constants table (see
    /// [`Program::verify`](super::Program::verify)).
    #[error("the program does not verify: {0}")]
    Verify(IsaError),
    /// Sections that decode but disagree with each other (see
    /// [`Program::validate`](super::Program::validate)).
    #[error("{what}: {message}")]
    Invalid {
        /// The item (blob, binding, symbol, constant) at fault.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// Writing the file failed.
    #[error("writing the program: {0}")]
    Io(#[from] std::io::Error),
}
