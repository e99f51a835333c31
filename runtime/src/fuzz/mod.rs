//! A mutation fuzzer for everything the runtime reads: `.pimbin` files (decoder, validation,
//! verification, then the functional and the timing simulator on the program), `.npy` input
//! files, and the inputs `pim-run` binds (names, shapes, sizes). Seeds are valid inputs; each
//! run mutates one (bit flips, interesting values, insertions, deletions, truncation, splices),
//! re-seals `.pimbin` files half of the time (length and checksum fixed, so that mutations reach
//! past the checksum), and feeds it to the target. A **finding** is a panic; errors are the
//! expected outcome of bad input. Runs are bounded: simulation stops after
//! [`FUZZ_INSTRUCTIONS`] instructions. The compiler's example `fuzz` adds the ONNX loader and
//! drives a campaign; `scripts/fuzz.sh` runs a long one, CI a short seeded slice
//! (`docs/runtime.md` §11).

mod mutate;
#[cfg(test)]
mod tests;

pub use mutate::{seal_pimbin, Mutator, Rng};

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::container::{Direction, Program};
use crate::sim::timing::{simulate, Options};
use crate::sim::{parse_npy, Simulator};
use crate::Tensor;

/// Instructions a fuzzed program may execute (functional and timed, each).
pub const FUZZ_INSTRUCTIONS: u64 = 200_000;

/// Elements a fuzzed program's bindings may hold in all before the simulators are skipped
/// (they would allocate that much; the container allows 2^30 per binding).
pub const FUZZ_ELEMENTS: u64 = 1 << 22;

/// What a fuzzed input reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Depth {
    /// Rejected by the parser or decoder.
    Rejected,
    /// Parsed, rejected later (validation, verification, binding).
    Invalid,
    /// Ran (to an error or to the end).
    Ran,
}

/// The outcome of one input: how deep it got, or the panic it caused.
pub type Outcome = Result<Depth, String>;

/// Runs `f`, turning a panic into its message.
pub fn guarded(f: impl FnOnce() -> Depth) -> Outcome {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into())
    })
}

/// A `.pimbin` file through the decoder, the verifier and both simulators (zero inputs).
pub fn check_pimbin(bytes: &[u8]) -> Outcome {
    guarded(|| {
        let Ok(program) = Program::read(bytes) else {
            return Depth::Rejected;
        };
        run_program(&program, &zero_inputs(&program))
    })
}

/// Zero tensors for every input binding of `program` (none if they are too large to fuzz).
pub fn zero_inputs(program: &Program) -> Vec<(String, Tensor)> {
    program
        .bindings
        .iter()
        .filter(|b| b.direction == Direction::Input)
        .filter_map(|b| {
            let shape: Vec<usize> = b.shape.iter().map(|&d| d as usize).collect();
            let n = b.shape.iter().product::<u64>();
            let tensor = Tensor::new(shape, vec![0.0; usize::try_from(n).ok()?])?;
            Some((b.name.clone(), tensor))
        })
        .collect()
}

/// `program` bound to `inputs` and run functionally and in time, each within
/// [`FUZZ_INSTRUCTIONS`].
pub fn run_program(program: &Program, inputs: &[(String, Tensor)]) -> Depth {
    let elements: u64 = program
        .bindings
        .iter()
        .map(|b| b.shape.iter().product::<u64>())
        .sum();
    let Ok(mut sim) = Simulator::new(program) else {
        return Depth::Invalid;
    };
    if elements > FUZZ_ELEMENTS || sim.set_inputs(inputs).is_err() {
        return Depth::Invalid;
    }
    sim.set_limit(FUZZ_INSTRUCTIONS);
    if sim.execute().is_ok() {
        let _ = sim.outputs();
    }
    let options = Options {
        trace: true,
        max_executed: FUZZ_INSTRUCTIONS,
    };
    if let Ok(timed) = simulate(program, &options) {
        let _ = crate::sim::timing::chrome_trace(program, &timed);
        let _ = crate::sim::timing::TimingReport::new(program, "fuzz", &timed).to_json();
    }
    Depth::Ran
}

/// A `.npy` file through the parser, then bound as every input of `program` (wrong names,
/// shapes and sizes are what the mutations make of it).
pub fn check_npy(bytes: &[u8], program: &Program) -> Outcome {
    guarded(|| {
        let Ok(tensor) = parse_npy(bytes, "fuzz.npy") else {
            return Depth::Rejected;
        };
        let inputs: Vec<(String, Tensor)> = program
            .bindings
            .iter()
            .filter(|b| b.direction == Direction::Input)
            .map(|b| (b.name.clone(), tensor.clone()))
            .collect();
        run_program(program, &inputs)
    })
}

/// Random input sets for `program`: names right, wrong, missing or repeated; shapes right or
/// perturbed (dimensions dropped, added, changed).
pub fn check_inputs(program: &Program, rng: &mut Rng) -> Outcome {
    let mut inputs = zero_inputs(program);
    match rng.below(5) {
        0 => {
            inputs.pop();
        }
        1 => {
            if let Some(first) = inputs.first().cloned() {
                inputs.push(first);
            }
        }
        2 => {
            if let Some(first) = inputs.first_mut() {
                first.0.push('_');
            }
        }
        3 => {
            if let Some(first) = inputs.first_mut() {
                let mut shape = first.1.shape().to_vec();
                match rng.below(3) {
                    0 => {
                        shape.pop();
                    }
                    1 => shape.push(1 + rng.below(3) as usize),
                    _ => {
                        if let Some(d) = shape.first_mut() {
                            *d = 1 + rng.below(4) as usize;
                        }
                    }
                }
                let n = shape.iter().product();
                if let Some(t) = Tensor::new(shape, vec![0.5; n]) {
                    first.1 = t;
                }
            }
        }
        _ => {}
    }
    guarded(|| run_program(program, &inputs))
}
