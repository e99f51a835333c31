//! The functional simulator: runs a `.pimbin` [`Program`] instruction by instruction on a model
//! of its target and returns its outputs. It is the back end's acceptance test: a compiled
//! program is right when the simulator's outputs match the reference kernels (or onnxruntime)
//! up to float reassociation.
//!
//! The machine ([`Machine`]) holds DRAM (the weights section at `weights_dram_base`, the inputs at
//! their bindings), the global, tile and PE buffers sized from the target, the crossbars (each
//! holding the weights `wload` wrote and its active block), the address registers, the loop stack
//! and the events. Instructions run one after another in program order (`docs/isa.md` §3); every
//! `mvm` computes only from its crossbar's contents, in f32. Anything wrong — an out-of-bounds
//! access, an `mvm` on a crossbar never loaded, a `wait` that would deadlock, a bad input — is a
//! [`SimError`], never a panic. `docs/runtime.md` describes every instruction's execution.
//!
//! ```
//! use pim_runtime::container::{Binding, DType, Direction, Program};
//! use pim_runtime::isa::assemble;
//! use pim_runtime::sim::Simulator;
//! use pim_runtime::target::Target;
//! use pim_runtime::Tensor;
//!
//! // y = relu(x) for 4 elements.
//! let mut p = Program::new(Target::preset("compact-4x4")?);
//! p.code = assemble(
//!     "load src=dram[0x100], dst=global[0x0], len=4, count=1, sstride=0, dstride=0
//!      vop op=relu, dst=global[0x0], a=global[0x0], b=dram[0x0], len=4, count=1, param=0
//!      store src=global[0x0], dst=dram[0x200], len=4, count=1, sstride=0, dstride=0
//!      halt",
//! )?;
//! let binding = |name: &str, direction, dram_addr| Binding {
//!     name: name.into(), direction, shape: vec![4], dtype: DType::F32, dram_addr,
//! };
//! p.bindings = vec![binding("x", Direction::Input, 0x100), binding("y", Direction::Output, 0x200)];
//! let x = Tensor::new(vec![4], vec![-1.0, 2.0, -3.0, 4.0]).unwrap();
//! let outputs = Simulator::run(&p, &[("x", x)])?;
//! assert_eq!(outputs[0].1.data(), &[0.0, 2.0, 0.0, 4.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bindings;
mod compare;
pub(crate) mod control;
mod crossbar;
mod error;
mod faults;
pub(crate) mod machine;
pub(crate) mod memory;
mod npy;
mod stats;
#[cfg(test)]
pub(crate) mod tests;
pub mod timing;
mod vector;
pub(crate) mod window;

pub use compare::{compare_outputs, Tolerance};
pub use crossbar::Crossbar;
pub use error::{Fault, SimError};
pub use faults::{inject_faults, mutants, FaultReport, Mutant, Mutation, Outcome};
pub use machine::Machine;
pub use memory::DRAM_ELEMENTS;
pub use npy::{npy_bytes, output_file_names, parse_npy, read_npy, write_npy};
pub use stats::{Stats, Work, COST_CLASSES};

use crate::container::Program;
use crate::isa::Instruction;
use crate::Tensor;
use control::{Next, Sequencer};

/// Instructions one run may execute at most by default (functional or timed): a bound on the
/// work a malformed program can ask for (nested loops of 2^32 iterations), far above any
/// compiled network (VGG-8 at batch 256 in `reuse` mode executes about 1.7 x 10^7).
pub const MAX_EXECUTED: u64 = 1 << 30;

/// Consecutive `mvm`s the functional simulator considers together at most (their products are
/// computed on every core when none reads what another writes).
const MVM_RUN: u64 = 64;

/// How often (in executed instructions) a run reports its progress.
pub const PROGRESS_EVERY: u64 = 1 << 14;

/// A program loaded onto a machine: bind inputs, execute, read outputs and statistics.
/// [`Simulator::run`] does all of it in one call.
#[derive(Debug, Clone)]
pub struct Simulator<'p> {
    program: &'p Program,
    machine: Machine<'p>,
    stats: Stats,
    limit: u64,
}

impl<'p> Simulator<'p> {
    /// Checks `program` ([`Program::validate`], [`Program::verify`]) and builds its machine:
    /// the weights in DRAM, everything else zero, no crossbar loaded.
    pub fn new(program: &'p Program) -> Result<Simulator<'p>, SimError> {
        program.validate().map_err(SimError::Verify)?;
        program.verify().map_err(SimError::Verify)?;
        Ok(Simulator {
            program,
            machine: Machine::new(program),
            stats: Stats::default(),
            limit: MAX_EXECUTED,
        })
    }

    /// Stops [`execute`](Simulator::execute) with an error after `limit` executed instructions
    /// (default [`MAX_EXECUTED`]).
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// Runs `program` on `inputs` (`(binding name, tensor)`, each input exactly once) and
    /// returns its outputs, `(binding name, tensor)` in binding order.
    pub fn run<S: AsRef<str>>(
        program: &Program,
        inputs: &[(S, Tensor)],
    ) -> Result<Vec<(String, Tensor)>, SimError> {
        let mut sim = Simulator::new(program)?;
        sim.set_inputs(inputs)?;
        sim.execute()?;
        sim.outputs()
    }

    /// Writes `inputs` into DRAM at their bindings, after checking that every input binding is
    /// given exactly once, with its shape, and nothing else is.
    pub fn set_inputs<S: AsRef<str>>(&mut self, inputs: &[(S, Tensor)]) -> Result<(), SimError> {
        bindings::write_inputs(&mut self.machine, self.program, inputs)
    }

    /// Executes the code from instruction 0 until `halt`, with registers and events reset and
    /// the statistics restarted (memories and crossbars keep their contents).
    pub fn execute(&mut self) -> Result<(), SimError> {
        self.execute_with(&mut |_| {})
    }

    /// [`execute`](Simulator::execute), calling `progress` with the instructions executed so far
    /// every [`PROGRESS_EVERY`] instructions (for a progress bar).
    pub fn execute_with(&mut self, progress: &mut dyn FnMut(u64)) -> Result<(), SimError> {
        let code = &self.program.code;
        let at = |index: usize, fault| SimError::Execution {
            index,
            asm: code.get(index).map(ToString::to_string).unwrap_or_default(),
            fault,
        };
        let mut sequencer = Sequencer::new(code).map_err(|(i, f)| at(i, f))?;
        self.machine.reset_control();
        self.stats = Stats::default();
        let mut pc = 0;
        let mut executed = 0u64;
        while pc < code.len() {
            if executed >= self.limit {
                return Err(at(pc, Fault::Malformed(limit_message(self.limit))));
            }
            let room = (self.limit - executed).min(MVM_RUN) as usize;
            let (done, result) = self.run_at(pc, room);
            for inst in &code[pc..pc + done + usize::from(result.is_err())] {
                executed += 1;
                if executed.is_multiple_of(PROGRESS_EVERY) {
                    progress(executed);
                }
                self.record(inst);
            }
            result.map_err(|f| at(pc + done, f))?;
            let last = pc + done - 1;
            let machine = &self.machine;
            let register = |reg: u32| machine.register(reg as usize).unwrap_or(0);
            match sequencer
                .next(last, &code[last], register)
                .map_err(|f| at(last, f))?
            {
                Next::At(next) => pc = next,
                Next::Halt => break,
            }
        }
        Ok(())
    }

    /// Executes the instruction at `pc`, or the run of `mvm`s (at most `room`) starting there
    /// ([`Machine::mvms`]): the instructions completed, and the fault of the next one.
    fn run_at(&mut self, pc: usize, room: usize) -> (usize, Result<(), Fault>) {
        let (code, constants) = (&self.program.code, &self.program.constants);
        let inst = &code[pc];
        if !is_mvm(inst) {
            return match self.machine.step(inst, constants) {
                Ok(()) => (1, Ok(())),
                Err(f) => (0, Err(f)),
            };
        }
        let run = code[pc..].iter().take(room).take_while(|i| is_mvm(i));
        self.machine.mvms(&code[pc..pc + run.count()], constants)
    }

    /// Counts an executed instruction (an `mvm` with its crossbar's active rows).
    fn record(&mut self, inst: &Instruction) {
        let active_rows = match inst {
            Instruction::Mvm { xbar, .. } => {
                self.machine.crossbar(*xbar).map_or(0, |c| c.active().0)
            }
            _ => 0,
        };
        self.stats.record(inst, active_rows, &self.program.target);
    }

    /// The output tensors, read from DRAM at their bindings, in binding order.
    pub fn outputs(&self) -> Result<Vec<(String, Tensor)>, SimError> {
        bindings::read_outputs(&self.machine, self.program)
    }

    /// Instructions executed by the last [`execute`](Simulator::execute), per cost class.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The machine state (memories, crossbars, registers), e.g. to inspect buffers after a run.
    pub fn machine(&self) -> &Machine<'p> {
        &self.machine
    }
}

/// The error of a run stopped after `limit` instructions.
pub(crate) fn limit_message(limit: u64) -> String {
    format!("more than {limit} instructions executed: the run stops here")
}

/// Whether `inst` is an `mvm`.
fn is_mvm(inst: &Instruction) -> bool {
    matches!(inst, Instruction::Mvm { .. })
}
