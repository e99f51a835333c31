//! Errors of the simulator: [`SimError`] for everything a run can report, [`Fault`] for what
//! went wrong inside one instruction (wrapped in [`SimError::Execution`] with the instruction's
//! index and assembly text).

use thiserror::Error;

use crate::container::ContainerError;
use crate::kernels::KernelError;

/// Everything that can go wrong when running a program. No input (program, tensors, files) makes
/// the simulator panic; each problem is one of these, naming what to fix.
#[derive(Debug, Error)]
pub enum SimError {
    /// The program does not verify against its target and constants table
    /// ([`Program::verify`](crate::container::Program::verify)); it is not run.
    #[error(transparent)]
    Verify(ContainerError),
    /// An input binding was given no tensor.
    #[error("input `{name}` is missing: pass a tensor of shape {shape:?} (the program's inputs: {inputs})")]
    MissingInput {
        /// The binding's name.
        name: String,
        /// The binding's shape.
        shape: Vec<u64>,
        /// Every input binding, for the message.
        inputs: String,
    },
    /// A tensor was given for a name that is not an input binding.
    #[error("`{name}` is not an input of the program (its inputs: {inputs})")]
    UnknownInput {
        /// The name given.
        name: String,
        /// Every input binding, for the message.
        inputs: String,
    },
    /// The same input was given twice.
    #[error("input `{name}` is given twice")]
    DuplicateInput {
        /// The binding's name.
        name: String,
    },
    /// An input tensor does not have its binding's shape.
    #[error("input `{name}`: the program expects shape {expected:?}, the tensor given has shape {given:?}")]
    ShapeMismatch {
        /// The binding's name.
        name: String,
        /// The binding's shape.
        expected: Vec<u64>,
        /// The given tensor's shape.
        given: Vec<usize>,
    },
    /// An output binding's shape has more elements than this machine can address.
    #[error("output `{name}`: shape {shape:?} is too large for this machine")]
    OutputShape {
        /// The binding's name.
        name: String,
        /// Its shape.
        shape: Vec<u64>,
    },
    /// Instruction `index` could not execute.
    #[error("instruction {index} (`{asm}`): {fault}")]
    Execution {
        /// 0-based index of the instruction in the code.
        index: usize,
        /// The instruction in assembly syntax.
        asm: String,
        /// What went wrong.
        fault: Fault,
    },
    /// A `.npy` file that cannot be read or written.
    #[error("{path}: {message}")]
    Npy {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A `.npy` file whose element type is not 32-bit float.
    #[error("{path}: dtype `{dtype}` is not f32; convert the array with `.astype(numpy.float32)`")]
    NpyDType {
        /// The file.
        path: String,
        /// The file's dtype descriptor (numpy spelling, e.g. `<f8`).
        dtype: String,
    },
    /// Outputs that differ from their reference (see [`compare_outputs`](super::compare_outputs)).
    #[error("outputs differ from the reference: {detail}")]
    Mismatch {
        /// The first difference: output, element, values.
        detail: String,
    },
}

/// What went wrong while executing one instruction. Instructions check all their operands before
/// changing anything, so a faulting instruction leaves the machine as it was.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Fault {
    /// An operand reaches outside its memory (a buffer, or the 2^32-element DRAM).
    #[error(
        "{operand} = {mem} addresses elements {first:#x}..={last:#x}, beyond the \
         {capacity}-element {space}"
    )]
    OutOfBounds {
        /// The operand's field name (`src`, `dst`, `a`, ...).
        operand: &'static str,
        /// The operand as written.
        mem: String,
        /// First element address touched (after the base register).
        first: u64,
        /// Last element address touched.
        last: u64,
        /// Elements the memory holds.
        capacity: u64,
        /// The memory (e.g. `global buffer`, `buffer of tile 3`).
        space: String,
    },
    /// An operand names a buffer the target does not have.
    #[error("{operand} = {mem}: {reason}")]
    NoBuffer {
        /// The operand's field name.
        operand: &'static str,
        /// The operand as written.
        mem: String,
        /// Why the buffer does not exist.
        reason: String,
    },
    /// A write into the DRAM range of the weights section, which is read-only.
    #[error(
        "{operand} = {mem} writes elements {first:#x}..={last:#x}, inside the read-only \
         weights at {weights_start:#x}..{weights_end:#x}"
    )]
    WeightsReadOnly {
        /// The operand's field name.
        operand: &'static str,
        /// The operand as written.
        mem: String,
        /// First element address written.
        first: u64,
        /// Last element address written.
        last: u64,
        /// First element of the weights.
        weights_start: u64,
        /// One past the last element of the weights.
        weights_end: u64,
    },
    /// A crossbar id the target does not have.
    #[error("crossbar {xbar} does not exist (the target has {total})")]
    NoCrossbar {
        /// The crossbar id.
        xbar: u32,
        /// Crossbars on the target.
        total: u64,
    },
    /// An `mvm` on a crossbar that no `wload` has written.
    #[error("crossbar {xbar} was never loaded: a `wload` must write its weights before an `mvm` uses them")]
    UnloadedCrossbar {
        /// The crossbar id.
        xbar: u32,
    },
    /// A window-mode `mvm` asks for an output pixel the window does not have.
    #[error("output pixel {pixel} is past the window's {pixels} output pixels (out_h x out_w)")]
    PixelOutsideWindow {
        /// The pixel (`pix + v`).
        pixel: u64,
        /// Output pixels of the window.
        pixels: u64,
    },
    /// A `wait` on an event with no unconsumed `signal` before it: the machine would wait forever.
    #[error("deadlock: wait on event {event}, which no earlier `signal` has set (or whose signal an earlier `wait` consumed)")]
    Deadlock {
        /// The event id.
        event: u32,
    },
    /// A constants-table entry that is missing or of the wrong kind.
    #[error("constant {index}: {message}")]
    Constant {
        /// The entry's index.
        index: u32,
        /// What is wrong with it.
        message: String,
    },
    /// A pooling `vop` whose destination overlaps its source (pooling cannot run in place).
    #[error("pooling cannot run in place: dst = {dst} overlaps a = {a}")]
    PoolingInPlace {
        /// The destination operand.
        dst: String,
        /// The source operand.
        a: String,
    },
    /// A reference kernel rejected a vector operation's operands.
    #[error("vector unit: {0}")]
    Kernel(#[from] KernelError),
    /// An instruction that [`Program::verify`](crate::container::Program::verify) rejects
    /// (unbalanced loops, a weight block outside its crossbar, ...). The simulator verifies
    /// every program before running it, so this is a defensive check.
    #[error("{0}")]
    Malformed(String),
}
