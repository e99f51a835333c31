//! Errors of encoding, decoding, assembling and verifying instructions.

use thiserror::Error;

/// Everything that can go wrong with an instruction or an instruction stream. Decoder errors
/// carry the byte offset of the word in the stream; assembler errors the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IsaError {
    /// A field value needs more bits than its field has (encode; never truncated).
    #[error(
        "{mnemonic}: field `{field}` = {value} does not fit in {width} bits (max {max}); \
         split the operation or use a base register"
    )]
    FieldOutOfRange {
        /// The instruction.
        mnemonic: &'static str,
        /// The field.
        field: &'static str,
        /// The value, printed.
        value: String,
        /// The field width in bits.
        width: u32,
        /// The largest value that fits.
        max: String,
    },
    /// A field value that is not legal at all (e.g. a DRAM operand with a unit id).
    #[error("{mnemonic}: field `{field}`: {reason}")]
    InvalidField {
        /// The instruction.
        mnemonic: &'static str,
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The opcode byte of a word is not in the table.
    #[error(
        "byte {offset:#x}: unknown opcode {opcode:#04x}; the stream is corrupt or from a \
         newer ISA (docs/isa.md lists the opcodes)"
    )]
    UnknownOpcode {
        /// Byte offset of the word in the stream.
        offset: usize,
        /// The opcode byte.
        opcode: u8,
    },
    /// A bit above the last field of the instruction is set.
    #[error(
        "byte {offset:#x}: {mnemonic}: reserved bit {bit} is set (bits {first}..256 must be \
         zero); the stream is corrupt or from a newer ISA"
    )]
    ReservedBits {
        /// Byte offset of the word in the stream.
        offset: usize,
        /// The instruction.
        mnemonic: &'static str,
        /// The lowest reserved bit that is set.
        bit: u32,
        /// The first reserved bit of this instruction.
        first: u32,
    },
    /// A field's bits are not a legal value (an enum value out of range, a DRAM operand with a
    /// unit id).
    #[error("byte {offset:#x}: {mnemonic}: field `{field}`: {reason}")]
    BadField {
        /// Byte offset of the word in the stream.
        offset: usize,
        /// The instruction.
        mnemonic: &'static str,
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The stream ends inside a word.
    #[error(
        "instruction stream of {len} bytes is not a whole number of {word}-byte words: \
         the last word, at byte {offset:#x}, is truncated"
    )]
    Truncated {
        /// Length of the stream in bytes.
        len: usize,
        /// Byte offset of the incomplete word.
        offset: usize,
        /// Bytes per word.
        word: usize,
    },
    /// Assembly text that does not parse.
    #[error("line {line}: {message}")]
    Asm {
        /// 1-based line number.
        line: usize,
        /// What is wrong, naming the instruction and field.
        message: String,
    },
    /// Instruction `index` of a program cannot be encoded, or is not well formed for its target
    /// (see [`verify`](super::verify)).
    #[error("instruction {index} ({mnemonic}): {message}")]
    AtInstruction {
        /// 0-based index of the instruction.
        index: usize,
        /// The instruction.
        mnemonic: &'static str,
        /// What is wrong.
        message: String,
    },
}
