//! The back end (first slice): from the layer-level IR (`Func<PimOp>`), a target and the cost
//! model's schedule to a `.pimbin` program ([`pim_runtime::container::Program`]) that the
//! functional simulator runs. `docs/backend.md` describes the layouts and what is supported.
//!
//! In short: every activation lives in DRAM between layers (network inputs and outputs in their
//! bindings, row-major NCHW as ONNX; everything else in scratch, HWC per image); each layer of
//! each image loads its operands into the global buffer, computes there (`mvm` per crossbar,
//! `acc` for row tiles, `vop` for bias and vector ops) and stores its result back. Segments come
//! from [`crate::cost::schedule`]: a segment's crossbars are all written (`wload`) at its start,
//! then its layers run for every image of the run.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let func: pim_dialects::Func<pim_dialects::PimOp> = pim_dialects::Func::new("main");
//! let target = pim_runtime::target::Target::preset("compact-4x4")?;
//! let bytes = pimc::backend::emit(&func, &target, &pimc::cost::ScheduleOptions::default())?;
//! # let _ = bytes; Ok(()) }
//! ```

mod codegen;
#[cfg(test)]
mod tests;

use crate::cost::ScheduleOptions;
use crate::{Error, Result};
use pim_dialects::{Func, PimOp};
use pim_runtime::container::Program;
use pim_runtime::target::Target;

/// Compiles `func` for `target` and returns the `.pimbin` bytes (verified with
/// [`Program::verify`] before writing). The batch is the IR's (dimension 0 of the inputs);
/// `options` chooses the pipeline mode, segmentation and granularity of the schedule.
pub fn emit(func: &Func<PimOp>, target: &Target, options: &ScheduleOptions) -> Result<Vec<u8>> {
    let program = compile(func, target, options)?;
    program
        .write()
        .map_err(|e| backend_error(format!("writing the program: {e}")))
}

/// Compiles `func` for `target` into a verified [`Program`].
pub fn compile(func: &Func<PimOp>, target: &Target, options: &ScheduleOptions) -> Result<Program> {
    let program = codegen::generate(func, target, options).map_err(backend_error)?;
    program
        .verify()
        .map_err(|e| backend_error(format!("the generated program does not verify: {e}")))?;
    Ok(program)
}

fn backend_error(message: String) -> Error {
    Error::Usage(message)
}
