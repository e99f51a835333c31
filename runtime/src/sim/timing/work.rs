//! What one instruction touches and how much work it does, resolved against the address
//! registers: the element ranges it reads and writes (for the scoreboard), and the amounts the
//! cost formulas of `docs/isa.md` §10 multiply (elements, vector-unit element ops). Strided
//! accesses are given by their bounding interval.

use super::scoreboard::{Access, MemoryId};
use crate::container::{ConstValue, Constant};
use crate::isa::{Instruction, MemRef, MvmMode, Space, VOp};
use crate::sim::machine::{matmul_rows, window_at};
use crate::sim::window::image_len;
use crate::sim::Fault;

/// The scoreboard's code for a crossbar's weights (not a memory space of the ISA).
const WEIGHTS: u8 = u8::MAX;

/// Vector-unit element ops per element of a transcendental op (exp-based: `docs/cost-model.md`
/// §2).
pub const TRANSCENDENTAL_OPS: u64 = 4;
/// Element ops per element of softmax and log-softmax (exp, sum, divide or log).
pub const SOFTMAX_OPS: u64 = 3;
/// Element ops per element of `norm`: two passes over the group, then the normalisation.
pub const NORM_OPS: u64 = 6;

/// The scoreboard's id of DRAM (one flat space, unit 0).
pub(super) const DRAM: MemoryId = (0, 0);

/// The memory an operand addresses, and its effective element address.
pub(super) fn resolve(mem: MemRef, registers: &[u32; 16]) -> (MemoryId, u64) {
    let base = registers
        .get(usize::from(mem.reg))
        .copied()
        .unwrap_or(0)
        .wrapping_add(mem.addr);
    let space = match mem.space {
        Space::Dram => 0,
        Space::Global => 1,
        Space::Tile => 2,
        Space::Pe => 3,
    };
    ((space, u32::from(mem.unit)), u64::from(base))
}

/// `count` blocks of `len` elements `stride` apart at `mem`: their bounding interval.
pub(super) fn strided(
    mem: MemRef,
    registers: &[u32; 16],
    len: u32,
    count: u32,
    stride: u32,
    write: bool,
) -> Access {
    let (memory, start) = resolve(mem, registers);
    let extent = if len == 0 || count == 0 {
        0
    } else {
        u64::from(count - 1) * u64::from(stride) + u64::from(len)
    };
    Access {
        memory,
        start,
        end: start.saturating_add(extent),
        len: u64::from(len),
        count: u64::from(count),
        stride: u64::from(stride),
        write,
        accumulate: false,
    }
}

/// The weights of crossbar `xbar`, as the scoreboard sees them.
pub(super) fn weights(xbar: u32, write: bool) -> Access {
    Access::interval((WEIGHTS, xbar), 0, 1, write)
}

/// The elements a window-mode `mvm` reads: one HWC image of its window.
pub(super) fn window_image(constants: &[Constant], win: u32) -> Result<u64, Fault> {
    window_at(constants, win).map(image_len)
}

/// The elements one `mvm` input vector reads in dense mode, or the image in window mode.
pub(super) fn mvm_source_len(
    constants: &[Constant],
    mode: MvmMode,
    win: u32,
    count: u32,
    sstride: u32,
    rows: u32,
) -> Result<(u32, u32, u32), Fault> {
    match mode {
        MvmMode::Dense => Ok((rows, count, sstride)),
        MvmMode::Window => {
            let len = window_image(constants, win)?;
            Ok((u32::try_from(len).unwrap_or(u32::MAX), 1, 0))
        }
    }
}

/// The shape of a `vop`'s operands and result: elements read from `a`, from `b`, written to
/// `dst`, and the vector-unit element ops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct VopWork {
    pub a: u64,
    pub b: u64,
    pub dst: u64,
    pub ops: u64,
}

/// The work of `vop op` over `count` groups of `len` with parameter entry `param`.
pub(super) fn vop_work(
    op: VOp,
    len: u32,
    count: u32,
    param: u32,
    constants: &[Constant],
) -> Result<VopWork, Fault> {
    let (len, count) = (u64::from(len), u64::from(count));
    let elements = len.saturating_mul(count);
    let same = |ops: u64, b: u64| VopWork {
        a: elements,
        b,
        dst: elements,
        ops: elements.saturating_mul(ops),
    };
    Ok(match op {
        VOp::MaxPool | VOp::AvgPool => {
            let w = window_at(constants, param)?;
            let outputs = count
                .saturating_mul(w.out_pixels())
                .saturating_mul(u64::from(w.cn));
            let taps = u64::from(w.kernel_h).saturating_mul(u64::from(w.kernel_w));
            let per_output = if op == VOp::MaxPool {
                taps.saturating_sub(1)
            } else {
                taps
            };
            VopWork {
                a: elements,
                b: 0,
                dst: outputs,
                ops: outputs.saturating_mul(per_output),
            }
        }
        VOp::Matmul => {
            let n = u64::from(matmul_rows(constants, param));
            let outputs = count.saturating_mul(n);
            VopWork {
                a: elements,
                b: n.saturating_mul(len),
                dst: outputs,
                ops: outputs.saturating_mul(len.saturating_mul(2)),
            }
        }
        VOp::Add | VOp::Sub | VOp::Mul | VOp::Div | VOp::Max | VOp::Min => same(1, elements),
        VOp::Softmax | VOp::LogSoftmax => same(SOFTMAX_OPS, 0),
        VOp::Norm => same(NORM_OPS, 0),
        VOp::Fill => VopWork { a: 0, ..same(1, 0) },
        VOp::Lrn => same(lrn_size(constants, param).saturating_add(3), 0),
        op => same(unary_ops(op), 0),
    })
}

/// Element ops per element of a one-operand `vop`.
pub fn unary_ops(op: VOp) -> u64 {
    match op {
        VOp::Elu
        | VOp::Sigmoid
        | VOp::Tanh
        | VOp::Exp
        | VOp::Log
        | VOp::Erf
        | VOp::Softplus
        | VOp::Pow => TRANSCENDENTAL_OPS,
        _ => 1,
    }
}

/// The size of the LRN entry `param` (1 when it is not one: verification rejects that).
fn lrn_size(constants: &[Constant], param: u32) -> u64 {
    match constants.get(param as usize).map(|c| &c.value) {
        Some(ConstValue::Lrn(l)) => u64::from(l.size),
        _ => 1,
    }
}

/// Whether `inst` is one the timing model charges nothing for (sequencing, markers, fences).
pub(super) fn is_control(inst: &Instruction) -> bool {
    matches!(
        inst,
        Instruction::Halt {}
            | Instruction::Loop { .. }
            | Instruction::EndLoop {}
            | Instruction::SegBegin { .. }
            | Instruction::SegEnd { .. }
            | Instruction::RSet { .. }
            | Instruction::RAdd { .. }
            | Instruction::Guard { .. }
            | Instruction::Barrier {}
            | Instruction::Signal { .. }
            | Instruction::Wait { .. }
    )
}
