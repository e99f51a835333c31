//! The images a program processes and how they map onto the IR (`docs/backend.md` §2).
//!
//! Three cases:
//! - the IR's batch `B` (dimension 0 of the inputs, [`crate::cost::layers::ir_batch`]) is the
//!   batch of every tensor: the program processes `B` images, image `i` being slice `i` of
//!   dimension 0 (a symbolic batch bound by `--batch`, or a model exported with a fixed batch);
//! - the IR has batch 1 and `--batch N` asks for more: the program runs the model once per
//!   image, `N` times; every binding is the `N` single-image tensors concatenated along
//!   dimension 0 (`[1, C, H, W]` becomes `[N, C, H, W]`);
//! - dimension 0 is not a batch (single-op models whose inputs differ in dimension 0, squeezes):
//!   the whole IR is one image.
//!
//! Any other combination (a batch fixed at `B > 1` and `--batch N` with `N` not 1 or `B`) is
//! an error.

use super::R;
use crate::cost::layers::{ir_batch, is_layer};
use pim_dialects::{Func, PimOp};

/// Images of a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Images {
    /// Images the program processes.
    pub(super) count: usize,
    /// Images in the IR: dimension 0 of every tensor when it is a batch, else 1 (one image is
    /// the whole IR). A value's elements per image are its elements divided by this.
    pub(super) ir: usize,
}

impl Images {
    /// The images of `func` run with `--batch requested`.
    pub(super) fn of(func: &Func<PimOp>, requested: u64) -> R<Images> {
        let batch = ir_batch(func) as usize;
        let requested = usize::try_from(requested).map_err(|_| "--batch exceeds usize")?;
        let ir = if batch > 1 && batch_is_dimension_0(func, batch) {
            batch
        } else {
            1
        };
        if requested <= 1 || requested == batch {
            return Ok(Images { count: ir, ir });
        }
        let inputs_single = func
            .inputs
            .iter()
            .all(|port| func.shape(port.value).first() == Some(&1));
        if batch == 1 && inputs_single {
            return Ok(Images {
                count: requested,
                ir: 1,
            });
        }
        Err(format!(
            "the model's batch is fixed at {batch} (dimension 0 of its first input); --batch \
             {requested} cannot be applied: compile it with --batch 1 or --batch {batch}, or \
             export it with a symbolic batch dimension"
        ))
    }

    /// Times the program runs the IR (1 unless a batch-1 IR is run for several images).
    pub(super) fn repeats(self) -> usize {
        self.count / self.ir.max(1)
    }

    /// The shape of a binding whose IR tensor has shape `shape`: dimension 0 scaled by the
    /// repeats.
    pub(super) fn binding_shape(self, shape: &[usize]) -> R<Vec<u64>> {
        let mut out: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
        match out.first_mut() {
            Some(d0) => *d0 *= self.repeats() as u64,
            None if self.repeats() > 1 => {
                return Err("a scalar binding cannot be repeated for several images".into())
            }
            None => {}
        }
        Ok(out)
    }

    /// How the schedule's `runs x per_run` images map onto the program's: the schedule's when
    /// they agree, else every image in one run (or, when the schedule runs one image at a time,
    /// one run per image).
    pub(super) fn partition(self, runs: u64, per_run: u64) -> R<(u64, u64)> {
        let count = self.count as u64;
        if runs.saturating_mul(per_run) == count {
            Ok((runs, per_run))
        } else if runs == 1 {
            Ok((1, count))
        } else if per_run == 1 {
            Ok((count, 1))
        } else {
            Err(format!(
                "the schedule runs {runs} x {per_run} images, the program has {count}"
            ))
        }
    }
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
