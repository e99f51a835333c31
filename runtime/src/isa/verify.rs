//! Target-aware well-formedness of a program, beyond what the encoding can say: balanced loops
//! and segments, operands in the spaces each instruction allows, unit and crossbar ids that
//! exist on the target, weight blocks inside their crossbar, and on-chip operands (with no base
//! register) inside their buffer. The compiler runs it on what it emits; the simulator on what
//! it loads.

use super::{Instruction, IsaError, MemRef, MvmMode, Space, VOp};
use crate::target::Target;

/// Deepest loop nesting the controller supports.
pub const MAX_LOOP_DEPTH: usize = 8;

/// Checks `code` against `target`; the first problem is returned with its instruction index.
pub fn verify(code: &[Instruction], target: &Target) -> Result<(), IsaError> {
    let limits = Limits::new(target);
    let mut nesting = Nesting::default();
    for (index, inst) in code.iter().enumerate() {
        let fail = |message: String| IsaError::AtInstruction {
            index,
            mnemonic: inst.mnemonic(),
            message,
        };
        nesting.step(index, inst).map_err(fail)?;
        check(inst, &limits).map_err(fail)?;
    }
    nesting
        .finish(code)
        .map_err(|message| IsaError::AtInstruction {
            index: code.len().saturating_sub(1),
            mnemonic: code.last().map_or("<none>", Instruction::mnemonic),
            message,
        })
}

/// Open loops, segment and guarded ranges, in program order.
#[derive(Default)]
struct Nesting {
    loops: usize,
    segment: Option<u32>,
    /// Open guards: the index right after the guarded range and the loop depth at the guard.
    guards: Vec<(usize, usize)>,
}

impl Nesting {
    fn step(&mut self, index: usize, inst: &Instruction) -> Result<(), String> {
        while let Some(&(end, depth)) = self.guards.last() {
            if end != index {
                break;
            }
            if self.loops != depth {
                return Err("a guarded range ends inside a loop it did not open".to_string());
            }
            self.guards.pop();
        }
        let guarded = self.guards.last().copied();
        match *inst {
            Instruction::EndLoop {} if guarded.is_some_and(|(_, depth)| self.loops <= depth) => {
                Err("endloop closes a loop opened before its guard".to_string())
            }
            Instruction::SegBegin { .. } | Instruction::SegEnd { .. } if guarded.is_some() => {
                Err("segment markers cannot be guarded".to_string())
            }
            Instruction::Guard { len, .. } => {
                let end = index + 1 + len as usize;
                if guarded.is_some_and(|(outer, _)| end > outer) {
                    return Err("a guarded range extends past the range of its guard".to_string());
                }
                self.guards.push((end, self.loops));
                Ok(())
            }
            _ => self.step_unguarded(inst),
        }
    }

    fn step_unguarded(&mut self, inst: &Instruction) -> Result<(), String> {
        match *inst {
            Instruction::Loop { .. } if self.loops == MAX_LOOP_DEPTH => {
                Err(format!("loops nest deeper than {MAX_LOOP_DEPTH} levels"))
            }
            Instruction::Loop { .. } => {
                self.loops += 1;
                Ok(())
            }
            Instruction::EndLoop {} if self.loops == 0 => {
                Err("endloop without an open loop".to_string())
            }
            Instruction::EndLoop {} => {
                self.loops -= 1;
                Ok(())
            }
            Instruction::SegBegin { id } => match self.segment.replace(id) {
                Some(open) => Err(format!("segment {id} begins inside segment {open}")),
                None => Ok(()),
            },
            Instruction::SegEnd { id } => match self.segment.take() {
                Some(open) if open == id => Ok(()),
                Some(open) => Err(format!("seg.end {id} closes segment {open}")),
                None => Err(format!("seg.end {id} without seg.begin")),
            },
            _ => Ok(()),
        }
    }

    fn finish(&self, code: &[Instruction]) -> Result<(), String> {
        if !self.guards.is_empty() {
            return Err(
                "a guarded range runs past the end of the code (halt cannot be guarded)".into(),
            );
        }
        if self.loops > 0 {
            return Err(format!("{} loop(s) not closed by endloop", self.loops));
        }
        if let Some(open) = self.segment {
            return Err(format!("segment {open} is not ended by seg.end"));
        }
        match code.last() {
            Some(Instruction::Halt {}) => Ok(()),
            _ => Err("the program does not end with halt".to_string()),
        }
    }
}

/// The target quantities the checks need.
struct Limits {
    tiles: u64,
    pes: u64,
    crossbars: u64,
    rows: u64,
    cols: u64,
    cells_per_weight: u64,
    activation_bits: u32,
    global: u64,
    tile: u64,
    pe: u64,
}

impl Limits {
    fn new(t: &Target) -> Limits {
        let elements = |bytes: u64| t.buffer_elements(bytes);
        Limits {
            tiles: t.total_tiles(),
            pes: t.total_tiles().saturating_mul(t.pes_per_tile()),
            crossbars: t.total_crossbars(),
            rows: u64::from(t.crossbar.rows),
            cols: u64::from(t.crossbar.cols),
            cells_per_weight: u64::from(t.columns_per_weight().max(1)),
            activation_bits: t.precision.activation_bits,
            global: elements(t.buffers.global_bytes),
            tile: elements(t.buffers.tile_bytes),
            pe: elements(t.buffers.pe_bytes),
        }
    }

    /// Elements of the buffer of `space` (0 for DRAM, which is unbounded here).
    fn capacity(&self, space: Space) -> u64 {
        match space {
            Space::Dram => 0,
            Space::Global => self.global,
            Space::Tile => self.tile,
            Space::Pe => self.pe,
        }
    }
}

fn check(inst: &Instruction, l: &Limits) -> Result<(), String> {
    match *inst {
        Instruction::Load {
            src,
            dst,
            len,
            count,
            dstride,
            ..
        } => {
            dram(&src, "src")?;
            on_chip(&dst, "dst", l)?;
            extent(&dst, "dst", len, count, dstride, l)
        }
        Instruction::Store {
            src,
            dst,
            len,
            count,
            sstride,
            ..
        } => {
            on_chip(&src, "src", l)?;
            dram(&dst, "dst")?;
            extent(&src, "src", len, count, sstride, l)
        }
        Instruction::Copy {
            src,
            dst,
            len,
            count,
            sstride,
            dstride,
        }
        | Instruction::Acc {
            src,
            dst,
            len,
            count,
            sstride,
            dstride,
            ..
        } => {
            on_chip(&src, "src", l)?;
            on_chip(&dst, "dst", l)?;
            extent(&src, "src", len, count, sstride, l)?;
            extent(&dst, "dst", len, count, dstride, l)
        }
        Instruction::WLoad {
            xbar,
            src,
            row,
            col,
            rows,
            cols,
            copies,
            xstride,
            ..
        } => {
            if copies == 0 {
                return Err("a wload writes at least one copy (copies >= 1)".to_string());
            }
            let last = u64::from(xbar) + u64::from(copies - 1) * u64::from(xstride);
            if copies > 1 && xstride == 0 {
                return Err("copies of a wload need a non-zero xstride".to_string());
            }
            crossbar(xbar, l)?;
            crossbar(u32::try_from(last).unwrap_or(u32::MAX), l)?;
            dram(&src, "src")?;
            weight_block(row, col, rows, cols, l)
        }
        Instruction::Mvm { .. } => mvm(inst, l),
        Instruction::VecOp { .. } => vop(inst, l),
        Instruction::RSet { reg, .. } | Instruction::RAdd { reg, .. } if reg == 0 => {
            Err("r0 is always 0 and cannot be written".to_string())
        }
        _ => Ok(()),
    }
}

fn mvm(inst: &Instruction, l: &Limits) -> Result<(), String> {
    let Instruction::Mvm {
        xbar,
        src,
        dst,
        sstride,
        pix,
        bits,
        mode,
        win,
        ..
    } = *inst
    else {
        return Ok(());
    };
    crossbar(xbar, l)?;
    on_chip(&src, "src", l)?;
    on_chip(&dst, "dst", l)?;
    if bits == 0 || bits > l.activation_bits {
        return Err(format!(
            "bits = {bits}: apply 1..={} input bits (the target's activation_bits)",
            l.activation_bits
        ));
    }
    match mode {
        MvmMode::Dense if pix != 0 || win != 0 => {
            Err("dense mode takes no pix or win (set them to 0)".to_string())
        }
        MvmMode::Window if sstride != 0 => {
            Err("window mode takes no sstride (set it to 0)".to_string())
        }
        _ => Ok(()),
    }
}

fn vop(inst: &Instruction, l: &Limits) -> Result<(), String> {
    let Instruction::VecOp {
        op,
        dst,
        a,
        b,
        len,
        count,
        ..
    } = *inst
    else {
        return Ok(());
    };
    on_chip(&dst, "dst", l)?;
    on_chip(&a, "a", l)?;
    // `matmul`'s `b` and `dst` extents depend on its parameter: the simulator checks them.
    let plain = !op.is_windowed() && op != VOp::Matmul;
    if op.is_binary() {
        on_chip(&b, "b", l)?;
        if plain {
            extent(&b, "b", len, count, len, l)?;
        }
    }
    if !op.is_windowed() {
        extent(&a, "a", len, count, len, l)?;
    }
    if plain {
        extent(&dst, "dst", len, count, len, l)?;
    }
    Ok(())
}

fn dram(m: &MemRef, name: &str) -> Result<(), String> {
    if m.space == Space::Dram {
        Ok(())
    } else {
        Err(format!("{name} = {m} must be in dram"))
    }
}

fn on_chip(m: &MemRef, name: &str, l: &Limits) -> Result<(), String> {
    let units = match m.space {
        Space::Dram => return Err(format!("{name} = {m} must be on chip (global, tile or pe)")),
        Space::Global if l.global == 0 => {
            return Err(format!("{name} = {m}: the target has no global buffer"))
        }
        Space::Global => 1,
        Space::Tile => l.tiles,
        Space::Pe => l.pes,
    };
    if u64::from(m.unit) >= units {
        return Err(format!(
            "{name} = {m}: the target has {units} {} units",
            m.space
        ));
    }
    Ok(())
}

/// `count` blocks of `len` elements `stride` apart must lie inside the buffer (when the
/// address is absolute, i.e. uses no base register).
fn extent(
    m: &MemRef,
    name: &str,
    len: u32,
    count: u32,
    stride: u32,
    l: &Limits,
) -> Result<(), String> {
    if m.reg != 0 || m.space == Space::Dram || len == 0 || count == 0 {
        return Ok(());
    }
    let end = u64::from(m.addr) + u64::from(count - 1) * u64::from(stride) + u64::from(len);
    let capacity = l.capacity(m.space);
    if end > capacity {
        return Err(format!(
            "{name} = {m} extends to element {end}, beyond the {capacity}-element {} buffer",
            m.space
        ));
    }
    Ok(())
}

fn crossbar(xbar: u32, l: &Limits) -> Result<(), String> {
    if u64::from(xbar) < l.crossbars {
        Ok(())
    } else {
        Err(format!(
            "crossbar {xbar} does not exist (the target has {})",
            l.crossbars
        ))
    }
}

fn weight_block(row: u32, col: u32, rows: u32, cols: u32, l: &Limits) -> Result<(), String> {
    let (row, col, rows, cols) = (
        u64::from(row),
        u64::from(col),
        u64::from(rows),
        u64::from(cols),
    );
    if rows == 0 || cols == 0 {
        return Err("an empty weight block (rows or cols is 0)".to_string());
    }
    if row + rows > l.rows {
        return Err(format!(
            "rows {row}..{} exceed the crossbar's {} rows",
            row + rows,
            l.rows
        ));
    }
    let weight_cols = l.cols / l.cells_per_weight;
    if col + cols > weight_cols {
        return Err(format!(
            "weight columns {col}..{} exceed the crossbar's {weight_cols} (cols / cells per weight)",
            col + cols
        ));
    }
    Ok(())
}
