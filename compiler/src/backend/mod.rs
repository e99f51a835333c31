//! The back end: from scheduled IR (`Func<PimOp>` after phase `scheduled`: every weight viewed
//! through `pim.tile`, and its `pim.schedule`) and a target to a `.pimbin` program
//! ([`pim_runtime::container::Program`]) that the functional simulator runs. `docs/backend.md`
//! describes the layouts and what is supported.
//!
//! In short: every activation lives in DRAM between layers (network inputs and outputs in their
//! bindings, row-major NCHW as ONNX; everything else in scratch, HWC per image); each layer of
//! each image loads its operands into the staging buffer (the global buffer, or
//! a tile's on targets without one), computes there (`mvm` per crossbar,
//! `acc` for row tiles, `vop` for bias and vector ops) and stores its result back. Segments,
//! copies and crossbars come from the IR ([`crate::schedule::ir::read`]): a segment's
//! crossbars are all written (`wload`, every copy) at its start, then its layers run for every
//! image of the run, each copy of a duplicated layer taking its share of the output rows.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let func: pim_dialects::Func<pim_dialects::PimOp> = pim_dialects::Func::new("main");
//! let target = pim_runtime::target::Target::preset("compact-4x4")?;
//! let options = pimc::schedule::Options::default();
//! let cx = pimc::passes::PassContext { target: target.clone(), schedule: options };
//! let scheduled = pimc::pipeline::schedule_layers(func, &cx)?;
//! let bytes = pimc::backend::emit(&scheduled, &target)?;
//! # let _ = bytes; Ok(()) }
//! ```

#[cfg(test)]
mod agreement;
mod codegen;
#[cfg(test)]
mod tests;

use crate::{Error, Result};
use pim_dialects::{Func, PimOp};
use pim_runtime::container::{render_listing, ContainerError, ListingOptions, Program};
use pim_runtime::target::Target;

/// The `.pimbin` bytes of a compiled program.
pub fn write(program: &Program) -> Result<Vec<u8>> {
    program
        .write()
        .map_err(|e| backend_error(format!("writing the program: {e}")))
}

/// Writes the `.pimbin` of a compiled program to `out` (called `name` in I/O errors), streaming
/// ([`Program::write_to`]): byte for byte what [`write`] returns.
pub fn write_to(program: &Program, out: &mut dyn std::io::Write, name: &str) -> Result<()> {
    program.write_to(out).map_err(|e| match e {
        ContainerError::Io(source) => Error::Io {
            path: name.to_owned(),
            source,
        },
        other => backend_error(format!("writing the program: {other}")),
    })
}

/// The listing of a compiled program as `pim-objdump --no-weights` prints it.
pub fn listing(program: &Program) -> Result<String> {
    let bytes = write(program)?;
    let (program, info) = Program::read_with_info(&bytes)
        .map_err(|e| backend_error(format!("reading the program back: {e}")))?;
    let options = ListingOptions {
        no_weights: true,
        ..ListingOptions::default()
    };
    Ok(render_listing("-", &program, &info, options))
}

/// Compiles scheduled IR `func` (phase `scheduled`: its `pim.schedule` written by the passes of
/// [`crate::pipeline`], or by hand) for `target` and returns the `.pimbin` bytes (verified with
/// [`Program::verify`] before writing). Everything the program does comes from the schedule.
pub fn emit(func: &Func<PimOp>, target: &Target) -> Result<Vec<u8>> {
    write(&compile(func, target)?)
}

/// Compiles `func` for `target` into a verified [`Program`].
pub fn compile(func: &Func<PimOp>, target: &Target) -> Result<Program> {
    let program = codegen::generate(func, target).map_err(backend_error)?;
    program
        .verify()
        .map_err(|e| backend_error(format!("the generated program does not verify: {e}")))?;
    Ok(program)
}

fn backend_error(message: String) -> Error {
    Error::Usage(message)
}
