//! The instruction table: the single source of the ISA.
//!
//! Each instruction is written once: its description, opcode byte, variant name, mnemonic,
//! cost class, and its fields (name, Rust type, bit width, kind, description) in encoding
//! order. `isa_table!` (in `macros.rs`) generates from it the [`Opcode`] and [`Instruction`]
//! enums, the encoder and decoder, the disassembler and assembler, [`Opcode::cost_class`] and
//! the field metadata that `docs/isa.md` is checked against. To add an instruction, add an
//! entry here, run the tests with `PIMC_BLESS=1` and describe its semantics in `docs/isa.md`.
//!
//! Widths used throughout: crossbar id 20 bits, memory operand 55 bits ([`MemRef`]: space 3,
//! base register 4, unit 16, element address 32), lengths, counts and strides 24 bits,
//! constants-table indices 16 bits.

use super::asm::{AsmArgs, AsmWriter};
use super::field::{FieldInfo, FieldKind, FieldValue, MemRef, MvmMode, VOp};
use super::word::{Word, WordReader, WordWriter, OPCODE_BITS, WORD_BITS};
use super::{CostClass, IsaError};

isa_table! {
    // ----- control ----------------------------------------------------------------------
    /// Stop: the program has finished once every issued instruction has completed.
    0x01 => Halt "halt" Control {}
    /// Run the instructions up to the matching `endloop` `count` times (0 = skip them).
    0x02 => Loop "loop" Control {
        /// Iterations of the loop body.
        count: u32 [32, Count],
    }
    /// End of the innermost open loop body.
    0x03 => EndLoop "endloop" Control {}
    /// Start of segment `id`: a weight group loaded once per batch (marker for reports).
    0x04 => SegBegin "seg.begin" Control {
        /// Segment id, as in the symbols section.
        id: u32 [16, Index],
    }
    /// End of segment `id` (marker for reports).
    0x05 => SegEnd "seg.end" Control {
        /// Segment id, as in the symbols section.
        id: u32 [16, Index],
    }
    /// Set address register `reg` to `value`.
    0x06 => RSet "rset" Control {
        /// Register r1..r15 (r0 is always 0).
        reg: u32 [4, Register],
        /// New value (an element address).
        value: u32 [32, Address],
    }
    /// Add the signed `value` to address register `reg` (wrapping at 32 bits).
    0x07 => RAdd "radd" Control {
        /// Register r1..r15 (r0 is always 0).
        reg: u32 [4, Register],
        /// Signed increment.
        value: i32 [32, Immediate],
    }

    /// Run the next `len` instructions only if `lo <= r[reg] < hi` (unsigned); else skip them.
    /// A software pipeline guards each stage's code with the range of steps it is active in.
    0x0b => Guard "guard" Control {
        /// Register r1..r15 holding the step (r0 is always 0).
        reg: u32 [4, Register],
        /// First value that runs the guarded instructions.
        lo: u32 [32, Immediate],
        /// First value above `lo` that skips them.
        hi: u32 [32, Immediate],
        /// Instructions guarded (those right after this one).
        len: u32 [24, Length],
    }

    // ----- synchronisation --------------------------------------------------------------
    /// Full fence: nothing after it starts before everything before it has completed.
    0x08 => Barrier "barrier" Sync {}
    /// Set event `event` once every instruction issued before this one has completed.
    0x09 => Signal "signal" Sync {
        /// Event id.
        event: u32 [8, Index],
    }
    /// Issue nothing after this until event `event` is set, then clear it.
    0x0a => Wait "wait" Sync {
        /// Event id.
        event: u32 [8, Index],
    }

    // ----- data movement ----------------------------------------------------------------
    /// Copy `count` blocks of `len` elements from DRAM to an on-chip buffer.
    0x10 => Load "load" DramRead {
        /// Source (DRAM) of block 0.
        src: MemRef [55, Memory],
        /// Destination (on chip) of block 0.
        dst: MemRef [55, Memory],
        /// Elements per block.
        len: u32 [24, Length],
        /// Blocks.
        count: u32 [24, Count],
        /// Elements from one source block to the next.
        sstride: u32 [24, Stride],
        /// Elements from one destination block to the next.
        dstride: u32 [24, Stride],
    }
    /// Copy `count` blocks of `len` elements from an on-chip buffer to DRAM.
    0x11 => Store "store" DramWrite {
        /// Source (on chip) of block 0.
        src: MemRef [55, Memory],
        /// Destination (DRAM) of block 0.
        dst: MemRef [55, Memory],
        /// Elements per block.
        len: u32 [24, Length],
        /// Blocks.
        count: u32 [24, Count],
        /// Elements from one source block to the next.
        sstride: u32 [24, Stride],
        /// Elements from one destination block to the next.
        dstride: u32 [24, Stride],
    }
    /// Copy `count` blocks of `len` elements between on-chip buffers (over the interconnect);
    /// each block is read whole before it is written, so it may overlap its destination.
    0x12 => Copy "copy" Move {
        /// Source (on chip) of block 0.
        src: MemRef [55, Memory],
        /// Destination (on chip) of block 0.
        dst: MemRef [55, Memory],
        /// Elements per block.
        len: u32 [24, Length],
        /// Blocks.
        count: u32 [24, Count],
        /// Elements from one source block to the next.
        sstride: u32 [24, Stride],
        /// Elements from one destination block to the next.
        dstride: u32 [24, Stride],
    }

    // ----- crossbars --------------------------------------------------------------------
    /// Write a `rows` x `cols` block of weights from DRAM into crossbar `xbar` at (`row`, `col`),
    /// and into `copies - 1` more crossbars `xstride` apart (one DRAM read, broadcast).
    0x20 => WLoad "wload" CrossbarWrite {
        /// Crossbar id.
        xbar: u32 [20, Crossbar],
        /// DRAM address of weight (0, 0) of the block (row-major).
        src: MemRef [55, Memory],
        /// Elements from one block row to the next in DRAM.
        stride: u32 [24, Stride],
        /// First crossbar row written.
        row: u32 [10, Position],
        /// First weight column written (a weight spans weight_bits / bits_per_cell cells).
        col: u32 [10, Position],
        /// Rows written.
        rows: u32 [11, Length],
        /// Weight columns written.
        cols: u32 [11, Length],
        /// Zero the whole crossbar first (and reset its active block).
        clear: bool [1, Enum],
        /// Crossbars written with the block (duplicated layers): at least 1.
        copies: u32 [20, Count],
        /// Crossbar ids from one copy to the next.
        xstride: u32 [20, Count],
    }
    /// Multiply `count` input vectors by the active block of crossbar `xbar`; write the products
    /// to `dst`, or add them to it (`accumulate`: the row tiles of a layer summing into one
    /// output, in any order).
    0x21 => Mvm "mvm" Mvm {
        /// Crossbar id.
        xbar: u32 [20, Crossbar],
        /// Input vector 0 (dense) or the input image (window); on chip.
        src: MemRef [55, Memory],
        /// Output vector 0; on chip.
        dst: MemRef [55, Memory],
        /// Input vectors.
        count: u32 [24, Count],
        /// Elements from one input vector to the next (dense mode; 0 in window mode).
        sstride: u32 [24, Stride],
        /// Elements from one output vector to the next.
        dstride: u32 [24, Stride],
        /// First output pixel (window mode; 0 in dense mode).
        pix: u32 [20, Count],
        /// Input bits applied (bit-serially, input_bits_per_cycle at a time).
        bits: u32 [5, Immediate],
        /// How input vectors are formed.
        mode: MvmMode [1, Enum],
        /// Window descriptor in the constants table (window mode; 0 in dense mode).
        win: u32 [16, Index],
        /// 1: add the products to `dst`; 0: write them.
        accumulate: u32 [1, Immediate],
    }
    /// Partial-sum accumulation: `dst += src * 2^shift` over `count` blocks of `len` elements.
    0x22 => Acc "acc" Accumulate {
        /// Partial sums to add (block 0); on chip.
        src: MemRef [55, Memory],
        /// Accumulator region (block 0); on chip.
        dst: MemRef [55, Memory],
        /// Elements per block.
        len: u32 [24, Length],
        /// Blocks.
        count: u32 [24, Count],
        /// Elements from one source block to the next.
        sstride: u32 [24, Stride],
        /// Elements from one destination block to the next.
        dstride: u32 [24, Stride],
        /// Left shift of `src` (weight bit slices on separate crossbars).
        shift: u32 [5, Immediate],
    }

    // ----- vector unit ------------------------------------------------------------------
    /// Vector-unit operation `op` on `count` groups of `len` elements: `dst = op(a, b, param)`.
    0x30 => VecOp "vop" Vector {
        /// The operation.
        op: VOp [5, Enum],
        /// Result (group 0); on chip.
        dst: MemRef [55, Memory],
        /// First operand (group 0); on chip.
        a: MemRef [55, Memory],
        /// Second operand (group 0) of add/sub/mul/div; on chip; dram[0x0] otherwise.
        b: MemRef [55, Memory],
        /// Elements per group (pooling: elements of one input image).
        len: u32 [24, Length],
        /// Groups.
        count: u32 [24, Count],
        /// Constants-table entry of the op's parameters (0 if it has none).
        param: u32 [16, Index],
    }
}
