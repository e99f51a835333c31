//! The `.pimbin` container: a compiled program, its weights and everything the runtime needs
//! to run it, in one checksummed file.
//!
//! A file is a fixed 32-byte prefix (magic, format version, CRC-32, length, header length), a
//! protobuf header (target name and hash, word size, DRAM base of the weights, section table)
//! and seven sections: the target (canonical TOML, so the runtime needs nothing else), the code
//! (256-bit instruction words), the weights (raw little-endian f32), and protobuf sections for
//! the weight index, the input/output bindings, the symbols (named instruction ranges) and the
//! constants table of vector ops and windows. `docs/isa.md` gives the layout byte by byte.
//!
//! ```
//! use pim_runtime::container::Program;
//! use pim_runtime::isa::Instruction;
//! use pim_runtime::target::Target;
//! let mut p = Program::new(Target::preset("compact-4x4")?);
//! p.code.push(Instruction::Halt {});
//! let bytes = p.write()?;
//! assert_eq!(Program::read(&bytes)?, p);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod file;
mod format;
mod listing;
mod program;
#[cfg(test)]
mod tests;
mod wire;

pub use error::ContainerError;
pub use file::ReadFileError;
pub use format::{
    FileInfo, SectionInfo, SectionKind, FORMAT_VERSION, MAGIC, PREFIX_BYTES, SECTION_ALIGN,
};
pub use listing::{render_listing, ListingOptions};
pub use program::{
    Binding, ConstValue, Constant, DType, Direction, Lrn, Program, Symbol, SymbolKind, WeightBlob,
    Window,
};

use crate::isa::{self, Instruction, IsaError, MvmMode, VOp};

impl Program {
    /// Checks the code beyond the container format: [`isa::verify`] against the embedded
    /// target, and every `mvm win` and `vop param` against the constants table (the right kind
    /// of entry, the right number of floats, a pooling window matching `len`).
    pub fn verify(&self) -> Result<(), ContainerError> {
        isa::verify(&self.code, &self.target).map_err(ContainerError::Verify)?;
        for (index, inst) in self.code.iter().enumerate() {
            self.check_constant_ref(inst).map_err(|message| {
                ContainerError::Verify(IsaError::AtInstruction {
                    index,
                    mnemonic: inst.mnemonic(),
                    message,
                })
            })?;
        }
        Ok(())
    }

    fn constant(&self, index: u32) -> Result<&ConstValue, String> {
        self.constants
            .get(index as usize)
            .map(|c| &c.value)
            .ok_or_else(|| {
                format!(
                    "constant {index} does not exist (the table has {})",
                    self.constants.len()
                )
            })
    }

    fn check_constant_ref(&self, inst: &Instruction) -> Result<(), String> {
        match *inst {
            Instruction::Mvm {
                mode: MvmMode::Window,
                win,
                ..
            } => match self.constant(win)? {
                ConstValue::Window(_) => Ok(()),
                other => Err(format!(
                    "win = {win} is a {} constant, not a window",
                    other.kind()
                )),
            },
            Instruction::VecOp { op, param, len, .. } => check_param(op, param, len, self),
            _ => Ok(()),
        }
    }
}

fn check_param(op: VOp, param: u32, len: u32, p: &Program) -> Result<(), String> {
    let floats = |ok: &dyn Fn(usize) -> bool, want: &str| match p.constant(param)? {
        ConstValue::Floats(v) if ok(v.len()) => Ok(()),
        ConstValue::Floats(v) => Err(format!(
            "{op} wants {want} in constant {param}, which has {}",
            v.len()
        )),
        other => Err(format!(
            "{op} wants floats in constant {param}, which is a {}",
            other.kind()
        )),
    };
    match op {
        VOp::LeakyRelu | VOp::Elu | VOp::Pow | VOp::Norm => floats(&|n| n == 1, "1 float"),
        VOp::Matmul => match p.constant(param)? {
            ConstValue::Floats(v) if matches!(v.as_slice(), [n] if n.fract() == 0.0 && *n >= 1.0 && *n < 16_777_216.0) => {
                Ok(())
            }
            _ => Err(format!(
                "matmul wants floats [n] (the rows of b, a positive integer) in constant {param}"
            )),
        },
        VOp::Clip => floats(&|n| n == 2, "2 floats (lo, hi)"),
        VOp::Prelu | VOp::Bias | VOp::Scale | VOp::Fill => {
            floats(&|n| n == 1 || n == len as usize, "1 or len floats")
        }
        VOp::MaxPool | VOp::AvgPool => match p.constant(param)? {
            ConstValue::Window(w)
                if u64::from(w.in_h) * u64::from(w.in_w) * u64::from(w.channels)
                    == u64::from(len) =>
            {
                Ok(())
            }
            ConstValue::Window(_) => Err(format!(
                "{op}: len {len} is not the window's image size (in_h x in_w x channels)"
            )),
            other => Err(format!(
                "{op} wants a window in constant {param}, which is a {}",
                other.kind()
            )),
        },
        VOp::Lrn => match p.constant(param)? {
            ConstValue::Lrn(_) => Ok(()),
            other => Err(format!(
                "lrn wants lrn parameters in constant {param}, which is a {}",
                other.kind()
            )),
        },
        _ => Ok(()),
    }
}
