//! The images a program processes and how they map onto the IR (`docs/backend.md` §2). This is the
//! one rule for "how many images, and what is one image of a value": the layer list divides its
//! counts by [`Images::ir`], `pim-segment-layers` records [`Images::count`] as the schedule's batch,
//! and the back end lays out its bindings from both.
//!
//! Three cases:
//! - the IR's batch `B` (dimension 0 of every input, output and layer result) is the batch of every
//!   tensor: the program processes `B` images, image `i` being slice `i` of dimension 0 (a symbolic
//!   batch bound by `--batch`, or a model exported with a fixed batch);
//! - the IR has batch 1 and `--batch N` asks for more: the program runs the model once per image,
//!   `N` times; every binding is the `N` single-image tensors concatenated along dimension 0
//!   (`[1, C, H, W]` becomes `[N, C, H, W]`);
//! - dimension 0 is not a batch (single-op models whose inputs differ in dimension 0, squeezes):
//!   the whole IR is one image.
//!
//! Any other combination (a batch fixed at `B > 1` and `--batch N` with `N` not 1 or `B`) is an
//! error.

use super::layers::is_layer;
use super::ProgramError;
use pim_dialects::{Func, PimOp};

/// Images of a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Images {
    /// Images the program processes (the schedule's batch).
    pub count: u64,
    /// Images in the IR: dimension 0 of every tensor when it is a batch, else 1 (one image is the
    /// whole IR). A value's elements per image are its elements divided by this.
    pub ir: u64,
}

impl Images {
    /// Images in the IR of `func` ([`Images::ir`]).
    pub fn ir_images(func: &Func<PimOp>) -> u64 {
        let batch = first_dimension(func);
        if batch > 1 && batch_is_dimension_0(func, batch) {
            batch as u64
        } else {
            1
        }
    }

    /// The images of `func` run with `--batch requested` (0 or 1: the IR's own batch).
    pub fn of(func: &Func<PimOp>, requested: u64) -> Result<Images, ProgramError> {
        let ir = Self::ir_images(func);
        // `--batch` naming the IR's own dimension 0 changes nothing (a model with fixed shapes).
        if requested <= 1 || requested == ir || requested == first_dimension(func) as u64 {
            return Ok(Images { count: ir, ir });
        }
        let inputs_single = func
            .inputs
            .iter()
            .all(|port| func.shape(port.value).first() == Some(&1));
        if ir == 1 && inputs_single {
            return Ok(Images {
                count: requested,
                ir: 1,
            });
        }
        let message = if ir > 1 {
            format!(
                "the model's batch is fixed at {ir} (dimension 0 of its inputs); --batch \
                 {requested} cannot be applied: compile it with --batch 1 or --batch {ir}, or \
                 export it with a symbolic batch dimension"
            )
        } else {
            format!(
                "the model's dimension 0 is not a batch (its inputs, outputs and layers do not \
                 all share it), so the model is one image; --batch {requested} cannot be \
                 applied: compile it with --batch 1, or export it with a batch dimension"
            )
        };
        Err(ProgramError::InvalidSchedule(message))
    }

    /// Times the program runs the IR (1 unless a batch-1 IR is run for several images).
    pub fn repeats(self) -> u64 {
        self.count / self.ir.max(1)
    }
}

/// Dimension 0 of the first input (1 without inputs).
fn first_dimension(func: &Func<PimOp>) -> usize {
    func.inputs
        .first()
        .and_then(|port| func.shapes.get(port.value))
        .and_then(|shape| shape.first())
        .map_or(1, |&d| d.max(1))
}

/// Whether every input, output and layer result has dimension 0 equal to `batch`.
fn batch_is_dimension_0(func: &Func<PimOp>, batch: usize) -> bool {
    let values = func.inputs.iter().chain(&func.outputs).map(|p| p.value);
    let results = func
        .nodes
        .iter()
        .filter(|n| is_layer(&n.op))
        .map(|n| n.result);
    values
        .chain(results)
        .all(|v| func.shape(v).first() == Some(&batch))
}
