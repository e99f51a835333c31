//! Fault injection: proof that the simulator (and a test built on it) notices a wrong program.
//!
//! [`mutants`] turns a correct program into variants with one plausible compiler bug each:
//!
//! - **drop a `wload`** (replaced by a `barrier`, so indices, loops and symbols stay valid);
//! - **retarget an `mvm`** to another crossbar: one the program loads with different weights, or
//!   else one it never loads;
//! - **swap an `acc`'s source and destination** (and their strides): the partial sum lands in
//!   the wrong region;
//! - **change a `vop`'s op** to one with compatible parameters that computes something else
//!   (`relu` -> `tanh`, `add` <-> `sub`, `max_pool` <-> `avg_pool`, `bias` <-> `scale`, ...);
//! - **drop an `radd`** (replaced by a `barrier`): a loop's images no longer move on, so they
//!   read and write the wrong image's data.
//!
//! [`inject_faults`] runs the original (which must match the reference outputs) and every
//! mutant, and reports for each whether it was detected: its run fails, or its outputs differ
//! from the reference. A surviving mutant means the instruction has no effect on the outputs
//! (dead code, a redundant reload) or the test inputs cannot tell the difference.

use std::collections::BTreeMap;
use std::fmt;

use super::{compare_outputs, SimError, Simulator, Tolerance};
use crate::container::Program;
use crate::isa::{Instruction, MemRef, VOp};
use crate::Tensor;

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    /// The `wload` at `index` (into crossbar `xbar`) removed.
    DropWload {
        /// Instruction index.
        index: usize,
        /// The crossbar it loaded.
        xbar: u32,
    },
    /// The `mvm` at `index` reads crossbar `to` instead of `from`.
    RetargetMvm {
        /// Instruction index.
        index: usize,
        /// The original crossbar.
        from: u32,
        /// The crossbar used instead.
        to: u32,
    },
    /// The `acc` at `index` with `src` and `dst` (and their strides) swapped.
    SwapAcc {
        /// Instruction index.
        index: usize,
    },
    /// The `vop` at `index` computes `to` instead of `from`.
    ChangeVop {
        /// Instruction index.
        index: usize,
        /// The original op.
        from: VOp,
        /// The op used instead.
        to: VOp,
    },
    /// The `radd` at `index` (of register `reg`) removed.
    DropRadd {
        /// Instruction index.
        index: usize,
        /// Its register.
        reg: u32,
    },
}

impl fmt::Display for Mutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Mutation::DropWload { index, xbar } => {
                write!(f, "instruction {index}: wload into crossbar {xbar} dropped")
            }
            Mutation::RetargetMvm { index, from, to } => {
                write!(
                    f,
                    "instruction {index}: mvm on crossbar {to} instead of {from}"
                )
            }
            Mutation::SwapAcc { index } => {
                write!(f, "instruction {index}: acc with src and dst swapped")
            }
            Mutation::ChangeVop { index, from, to } => {
                write!(f, "instruction {index}: vop {to} instead of {from}")
            }
            Mutation::DropRadd { index, reg } => {
                write!(f, "instruction {index}: radd of r{reg} dropped")
            }
        }
    }
}

/// A program with one injected fault.
#[derive(Debug, Clone)]
pub struct Mutant {
    /// The fault.
    pub mutation: Mutation,
    /// The faulty program.
    pub program: Program,
}

/// Every single-fault variant of `program` (one per `wload`, `acc`, `vop` and `radd`, one per `mvm`
/// that has another crossbar to use), in instruction order.
pub fn mutants(program: &Program) -> Vec<Mutant> {
    let mut contents = Contents::new();
    program
        .code
        .iter()
        .enumerate()
        .filter_map(|(index, inst)| {
            contents.record(inst);
            let (mutation, replacement) = mutate(program, &contents, index, inst)?;
            let mut faulty = program.clone();
            if let Some(slot) = faulty.code.get_mut(index) {
                *slot = replacement;
            }
            Some(Mutant {
                mutation,
                program: faulty,
            })
        })
        .collect()
}

/// The operands of one `wload`.
type Write = (MemRef, u32, u32, u32, u32, u32, bool);

/// What every crossbar holds at a point of the code: the `wload`s written into it since its last
/// clearing one, in program order (the program order of a looped program, which reloads the same
/// weights per iteration).
struct Contents(BTreeMap<u32, Vec<Write>>);

impl Contents {
    fn new() -> Self {
        Self(BTreeMap::new())
    }

    /// Takes `inst` into account.
    fn record(&mut self, inst: &Instruction) {
        if let Instruction::WLoad {
            xbar,
            src,
            stride,
            row,
            col,
            rows,
            cols,
            clear,
            copies,
            xstride,
        } = *inst
        {
            for x in crate::isa::wload_crossbars(xbar, copies, xstride) {
                let writes = self.0.entry(x).or_default();
                if clear {
                    writes.clear();
                }
                writes.push((src, stride, row, col, rows, cols, clear));
            }
        }
    }
}

/// The fault injected at instruction `index`, if it is of a mutated kind.
fn mutate(
    program: &Program,
    contents: &Contents,
    index: usize,
    inst: &Instruction,
) -> Option<(Mutation, Instruction)> {
    let mut faulty = *inst;
    let mutation = match &mut faulty {
        Instruction::WLoad { xbar, .. } => {
            let mutation = Mutation::DropWload { index, xbar: *xbar };
            return Some((mutation, Instruction::Barrier {}));
        }
        Instruction::RAdd { reg, .. } => {
            let mutation = Mutation::DropRadd { index, reg: *reg };
            return Some((mutation, Instruction::Barrier {}));
        }
        Instruction::Mvm { xbar, .. } => {
            let from = *xbar;
            *xbar = other_crossbar(program, contents, from)?;
            Mutation::RetargetMvm {
                index,
                from,
                to: *xbar,
            }
        }
        Instruction::Acc {
            src,
            dst,
            sstride,
            dstride,
            ..
        } => {
            std::mem::swap(src, dst);
            std::mem::swap(sstride, dstride);
            Mutation::SwapAcc { index }
        }
        Instruction::VecOp { op, .. } => {
            let from = *op;
            *op = replacement(from);
            Mutation::ChangeVop {
                index,
                from,
                to: *op,
            }
        }
        _ => return None,
    };
    Some((mutation, faulty))
}

/// A crossbar other than `xbar` whose weights differ from `xbar`'s at this point of the code:
/// the lowest-numbered one loaded differently, else the lowest-numbered one never loaded.
fn other_crossbar(program: &Program, contents: &Contents, xbar: u32) -> Option<u32> {
    let own = contents.0.get(&xbar);
    let loaded_differently = contents
        .0
        .iter()
        .find(|(&x, writes)| x != xbar && Some(*writes) != own)
        .map(|(&x, _)| x);
    let total = u32::try_from(program.target.total_crossbars()).unwrap_or(u32::MAX);
    loaded_differently.or_else(|| (0..total).find(|x| *x != xbar && !contents.0.contains_key(x)))
}

/// An op with the same kind of parameters that computes something else.
fn replacement(op: VOp) -> VOp {
    match op {
        VOp::Relu
        | VOp::LeakyRelu
        | VOp::Elu
        | VOp::Clip
        | VOp::Sigmoid
        | VOp::Prelu
        | VOp::Exp
        | VOp::Log
        | VOp::Abs
        | VOp::Softplus
        | VOp::Pow => VOp::Tanh,
        VOp::Erf => VOp::Sigmoid,
        VOp::Norm => VOp::Relu,
        VOp::Max => VOp::Min,
        VOp::Min => VOp::Max,
        VOp::Matmul => VOp::Matmul,
        VOp::Lrn => VOp::Relu,
        VOp::Tanh => VOp::Sigmoid,
        VOp::Add => VOp::Sub,
        VOp::Sub => VOp::Add,
        VOp::Mul => VOp::Div,
        VOp::Div => VOp::Mul,
        VOp::MaxPool => VOp::AvgPool,
        VOp::AvgPool => VOp::MaxPool,
        VOp::Softmax => VOp::LogSoftmax,
        VOp::LogSoftmax => VOp::Softmax,
        VOp::Bias => VOp::Scale,
        VOp::Scale => VOp::Bias,
        VOp::Fill => VOp::Bias,
    }
}

/// What happened to one mutant.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Its run failed (detected): the error message.
    Fails(String),
    /// Its outputs differ from the reference (detected): the first difference.
    Differs(String),
    /// Its outputs match the reference: the fault went unnoticed.
    Survives,
}

impl Outcome {
    /// Whether the fault was noticed.
    pub fn detected(&self) -> bool {
        !matches!(self, Outcome::Survives)
    }
}

/// The outcome of every mutant of a program.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultReport {
    /// Each mutation and what happened to it, in instruction order.
    pub results: Vec<(Mutation, Outcome)>,
}

impl FaultReport {
    /// The mutations that went unnoticed.
    pub fn survivors(&self) -> Vec<Mutation> {
        self.results
            .iter()
            .filter(|(_, o)| !o.detected())
            .map(|(m, _)| *m)
            .collect()
    }
}

impl fmt::Display for FaultReport {
    /// One line per mutant: the mutation and its outcome.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (mutation, outcome) in &self.results {
            match outcome {
                Outcome::Fails(e) => writeln!(f, "detected (fails):   {mutation}: {e}")?,
                Outcome::Differs(d) => writeln!(f, "detected (differs): {mutation}: {d}")?,
                Outcome::Survives => writeln!(f, "SURVIVES:           {mutation}")?,
            }
        }
        Ok(())
    }
}

/// Runs `program` on `inputs`, checks its outputs against `expected` within `tol` (an error if
/// they differ or the run fails), then runs every [`mutants`] variant and reports which were
/// detected.
pub fn inject_faults<S: AsRef<str>, T: AsRef<str>>(
    program: &Program,
    inputs: &[(S, Tensor)],
    expected: &[(T, Tensor)],
    tol: Tolerance,
) -> Result<FaultReport, SimError> {
    let outputs = Simulator::run(program, inputs)?;
    compare_outputs(&outputs, expected, tol)?;
    let results = mutants(program)
        .into_iter()
        .map(|m| {
            let outcome = match Simulator::run(&m.program, inputs) {
                Err(e) => Outcome::Fails(e.to_string()),
                Ok(out) => match compare_outputs(&out, expected, tol) {
                    Err(e) => Outcome::Differs(e.to_string()),
                    Ok(()) => Outcome::Survives,
                },
            };
            (m.mutation, outcome)
        })
        .collect();
    Ok(FaultReport { results })
}
