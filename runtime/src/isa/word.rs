//! The 256-bit instruction word and the bit packing of fields into it.
//!
//! A word is stored as 32 little-endian bytes: bit `k` of the word is bit `k % 8` of byte
//! `k / 8`. The opcode is bits 0..8; the fields of the instruction follow from bit 8 upward in
//! table order; every bit above the last field is reserved and must be zero.

use super::field::{max_unsigned, FieldProblem, FieldValue};
use super::IsaError;

/// Bits of one instruction word.
pub const WORD_BITS: u32 = 256;
/// Bytes of one instruction word.
pub const WORD_BYTES: usize = 32;
/// Bits of the opcode (the low bits of every word).
pub const OPCODE_BITS: u32 = 8;

/// One encoded instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Word {
    limbs: [u64; 4],
}

impl Word {
    /// The word from its 32 little-endian bytes.
    pub fn from_le_bytes(bytes: &[u8; WORD_BYTES]) -> Word {
        let mut limbs = [0u64; 4];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *limb = u64::from_le_bytes(b);
        }
        Word { limbs }
    }

    /// The word as 32 little-endian bytes.
    pub fn to_le_bytes(&self) -> [u8; WORD_BYTES] {
        let mut out = [0u8; WORD_BYTES];
        for (chunk, limb) in out.chunks_exact_mut(8).zip(self.limbs) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        out
    }

    /// The word as 64 lowercase hex digits, bytes in file order.
    pub fn to_hex(&self) -> String {
        self.to_le_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Bits `lo..lo + width` (width <= 64, lo + width <= 256).
    pub fn bits(&self, lo: u32, width: u32) -> u64 {
        let idx = (lo / 64) as usize;
        let off = lo % 64;
        let mut v = self.limbs[idx] >> off;
        if off != 0 && off + width > 64 && idx + 1 < 4 {
            v |= self.limbs[idx + 1] << (64 - off);
        }
        v & max_unsigned(width)
    }

    /// Sets bits `lo..lo + width` to `value` (which must fit; higher bits are masked off).
    pub fn set_bits(&mut self, lo: u32, width: u32, value: u64) {
        let value = value & max_unsigned(width);
        let idx = (lo / 64) as usize;
        let off = lo % 64;
        let mask = max_unsigned(width);
        self.limbs[idx] = (self.limbs[idx] & !(mask << off)) | (value << off);
        if off != 0 && off + width > 64 && idx + 1 < 4 {
            let spill = 64 - off;
            self.limbs[idx + 1] = (self.limbs[idx + 1] & !(mask >> spill)) | (value >> spill);
        }
    }

    /// The lowest set bit at or above `lo`, if any.
    pub fn lowest_set_bit_from(&self, lo: u32) -> Option<u32> {
        (lo..WORD_BITS).find(|&bit| self.bits(bit, 1) == 1)
    }

    /// The opcode byte.
    pub fn opcode(&self) -> u8 {
        self.bits(0, OPCODE_BITS) as u8
    }
}

/// Packs fields into a word, in order, checking each against its width.
pub(crate) struct WordWriter {
    word: Word,
    at: u32,
    mnemonic: &'static str,
}

impl WordWriter {
    /// A word with the opcode set.
    pub(crate) fn new(opcode: u8, mnemonic: &'static str) -> WordWriter {
        let mut word = Word::default();
        word.set_bits(0, OPCODE_BITS, u64::from(opcode));
        WordWriter {
            word,
            at: OPCODE_BITS,
            mnemonic,
        }
    }

    /// Appends one field.
    pub(crate) fn put<T: FieldValue>(
        &mut self,
        field: &'static str,
        value: &T,
        width: u32,
    ) -> Result<(), IsaError> {
        let bits = value.to_bits(width).map_err(|problem| match problem {
            FieldProblem::OutOfRange { value, max } => IsaError::FieldOutOfRange {
                mnemonic: self.mnemonic,
                field,
                value,
                width,
                max,
            },
            FieldProblem::Invalid(reason) => IsaError::InvalidField {
                mnemonic: self.mnemonic,
                field,
                reason,
            },
        })?;
        self.word.set_bits(self.at, width, bits);
        self.at += width;
        Ok(())
    }

    /// The finished word.
    pub(crate) fn finish(self) -> Word {
        self.word
    }
}

/// Unpacks fields from a word, in order; errors carry the word's byte offset.
pub(crate) struct WordReader<'a> {
    word: &'a Word,
    at: u32,
    offset: usize,
    mnemonic: &'static str,
}

impl<'a> WordReader<'a> {
    /// A reader positioned after the opcode.
    pub(crate) fn new(word: &'a Word, offset: usize, mnemonic: &'static str) -> WordReader<'a> {
        WordReader {
            word,
            at: OPCODE_BITS,
            offset,
            mnemonic,
        }
    }

    /// The next field.
    pub(crate) fn take<T: FieldValue>(
        &mut self,
        field: &'static str,
        width: u32,
    ) -> Result<T, IsaError> {
        let bits = self.word.bits(self.at, width);
        self.at += width;
        T::from_bits(bits, width).map_err(|reason| IsaError::BadField {
            offset: self.offset,
            mnemonic: self.mnemonic,
            field,
            reason,
        })
    }

    /// Checks that every bit after the last field is zero.
    pub(crate) fn finish(self) -> Result<(), IsaError> {
        match self.word.lowest_set_bit_from(self.at) {
            None => Ok(()),
            Some(bit) => Err(IsaError::ReservedBits {
                offset: self.offset,
                mnemonic: self.mnemonic,
                bit,
                first: self.at,
            }),
        }
    }
}
