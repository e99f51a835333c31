//! The instruction set of the PIM machine.
//!
//! One table (`table.rs`) defines every instruction once; [`Opcode`], [`Instruction`], the
//! encoder ([`Instruction::encode`]), the decoder ([`Instruction::decode`]), the disassembler
//! (`Display`), the assembler (`FromStr`, [`assemble`]) and [`Opcode::cost_class`] are generated
//! from it. `docs/isa.md` is the reference: execution model, memory spaces, every instruction
//! and field, the encoding and the assembly syntax.
//!
//! In short: instructions are 256-bit little-endian words (opcode in the low byte, fields
//! packed upward, unused high bits reserved and zero). One stream is issued in order; its
//! *meaning* is sequential (the functional simulator runs it one instruction after another),
//! while the timing model overlaps instructions on different units as far as their data
//! dependencies allow, with `barrier` / `signal` / `wait` as explicit fences. Addresses are
//! element addresses in four spaces: `dram`, `global`, `tile<N>` and `pe<N>` buffers.
//!
//! ```
//! use pim_runtime::isa::{assemble, Instruction, MemRef};
//! let code = assemble("load src=dram[0x0], dst=global[0x0], len=1024, count=1, sstride=0, dstride=0\nhalt")?;
//! let word = code[0].encode()?;
//! assert_eq!(Instruction::decode(&word, 0)?, code[0]);
//! assert!(matches!(code[0], Instruction::Load { src, .. } if src == MemRef::dram(0)));
//! # Ok::<(), pim_runtime::isa::IsaError>(())
//! ```

#[macro_use]
mod macros;
mod asm;
mod doc;
mod error;
mod field;
mod table;
#[cfg(test)]
mod tests;
mod value;
mod verify;
mod word;

use rayon::prelude::*;

pub use asm::{assemble, disassemble};
pub use doc::reference_markdown;
pub use error::IsaError;
pub use field::{FieldInfo, FieldKind, MemRef, MvmMode, Space, VOp};
pub use table::{Instruction, Opcode};
pub use value::{Field, FieldClass};
pub use verify::{verify, MAX_LOOP_DEPTH};
pub use word::{Word, OPCODE_BITS, WORD_BITS, WORD_BYTES};

/// What an instruction costs: the cost model and the timing simulator charge every instruction
/// of a class with the same formula (`docs/isa.md` gives them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CostClass {
    /// A DRAM read into the chip (DRAM energy and bandwidth, buffer write).
    DramRead,
    /// A DRAM write from the chip (buffer read, DRAM energy and bandwidth).
    DramWrite,
    /// Writing weights into a crossbar (includes reading them from DRAM).
    CrossbarWrite,
    /// Crossbar activations: input delivery, array reads, ADC, shift-and-add.
    Mvm,
    /// Partial-sum adder trees.
    Accumulate,
    /// Vector-unit element operations.
    Vector,
    /// On-chip transfer over the interconnect.
    Move,
    /// Synchronisation (no work; constrains timing).
    Sync,
    /// Sequencing (loops, registers, markers): free.
    Control,
}

impl CostClass {
    /// The name used in docs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CostClass::DramRead => "DramRead",
            CostClass::DramWrite => "DramWrite",
            CostClass::CrossbarWrite => "CrossbarWrite",
            CostClass::Mvm => "Mvm",
            CostClass::Accumulate => "Accumulate",
            CostClass::Vector => "Vector",
            CostClass::Move => "Move",
            CostClass::Sync => "Sync",
            CostClass::Control => "Control",
        }
    }
}

impl Instruction {
    /// The instruction's cost class.
    pub fn cost_class(&self) -> CostClass {
        self.opcode().cost_class()
    }

    /// The mnemonic.
    pub fn mnemonic(&self) -> &'static str {
        self.opcode().mnemonic()
    }
}

/// The crossbars a `wload` writes: `copies` of them from `xbar`, `xstride` apart (ids past
/// 2^32 are left out: the verifier refuses them against the target first).
pub fn wload_crossbars(xbar: u32, copies: u32, xstride: u32) -> impl Iterator<Item = u32> + Clone {
    (0..copies).filter_map(move |k| xbar.checked_add(k.checked_mul(xstride)?))
}

/// Encodes a program into its little-endian word stream. An error names the instruction.
pub fn encode_program(code: &[Instruction]) -> Result<Vec<u8>, IsaError> {
    let mut out = Vec::with_capacity(code.len() * WORD_BYTES);
    for (index, inst) in code.iter().enumerate() {
        let word = inst.encode().map_err(|e| IsaError::AtInstruction {
            index,
            mnemonic: inst.mnemonic(),
            message: e.to_string(),
        })?;
        out.extend_from_slice(&word.to_le_bytes());
    }
    Ok(out)
}

/// Decodes a word stream. Errors carry the byte offset of the offending word (instruction index
/// = offset / [`WORD_BYTES`]). Large streams are decoded on every core; the error is always the
/// first word's that does not decode.
pub fn decode_program(bytes: &[u8]) -> Result<Vec<Instruction>, IsaError> {
    let whole = bytes.len() - bytes.len() % WORD_BYTES;
    if whole != bytes.len() {
        return Err(IsaError::Truncated {
            len: bytes.len(),
            offset: whole,
            word: WORD_BYTES,
        });
    }
    let decode = |(i, chunk): (usize, &[u8])| {
        let mut b = [0u8; WORD_BYTES];
        b.copy_from_slice(chunk);
        Instruction::decode(&Word::from_le_bytes(&b), i * WORD_BYTES)
    };
    let words = bytes.chunks_exact(WORD_BYTES).enumerate();
    if bytes.len() < PARALLEL_DECODE {
        return words.map(decode).collect();
    }
    let parallel = bytes.par_chunks_exact(WORD_BYTES).enumerate().map(decode);
    // Which error a parallel collect keeps is not defined: the first one comes from one pass.
    parallel
        .collect::<Result<_, _>>()
        .or_else(|_| words.map(decode).collect())
}

/// Bytes of code from which [`decode_program`] decodes on every core.
const PARALLEL_DECODE: usize = 1 << 20;
