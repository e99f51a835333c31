//! Sequencing: which instruction runs next. `loop count` runs its body (up to the matching
//! `endloop`) `count` times, skipping it when `count` is 0; loops nest; `guard reg, lo, hi, len`
//! skips the next `len` instructions unless `lo <= r[reg] < hi`; `halt` stops the run.
//! Everything else falls through to the next instruction.

use rustc_hash::FxHashMap as HashMap;

use super::Fault;
use crate::isa::Instruction;

/// What runs after an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// The instruction at this index.
    At(usize),
    /// Nothing: the program has halted.
    Halt,
}

/// An open loop: the index of its body's first instruction and the iterations still to run
/// after the current one.
#[derive(Debug, Clone, Copy)]
struct Frame {
    body: usize,
    remaining: u32,
}

/// The loop stack and the loop/endloop pairing of a program.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sequencer {
    /// `loop` index -> matching `endloop` index.
    ends: HashMap<usize, usize>,
    frames: Vec<Frame>,
}

impl Sequencer {
    /// Pairs every `loop` of `code` with its `endloop`; an unpaired one is an error at its index.
    pub fn new(code: &[Instruction]) -> Result<Sequencer, (usize, Fault)> {
        let mut open = Vec::new();
        let mut ends = HashMap::default();
        for (index, inst) in code.iter().enumerate() {
            match inst {
                Instruction::Loop { .. } => open.push(index),
                Instruction::EndLoop {} => {
                    let start = open.pop().ok_or_else(|| {
                        (
                            index,
                            Fault::Malformed("endloop without an open loop".into()),
                        )
                    })?;
                    ends.insert(start, index);
                }
                _ => {}
            }
        }
        if let Some(&index) = open.last() {
            return Err((index, Fault::Malformed("loop without endloop".into())));
        }
        Ok(Sequencer {
            ends,
            frames: Vec::new(),
        })
    }

    /// The instruction after `inst` at index `pc`; `register` reads an address register.
    pub fn next(
        &mut self,
        pc: usize,
        inst: &Instruction,
        register: impl Fn(u32) -> u32,
    ) -> Result<Next, Fault> {
        match *inst {
            Instruction::Halt {} => Ok(Next::Halt),
            Instruction::Guard { reg, lo, hi, len } => {
                let value = register(reg);
                let skip = if (lo..hi).contains(&value) {
                    0
                } else {
                    len as usize
                };
                Ok(Next::At(pc + 1 + skip))
            }
            Instruction::Loop { count: 0 } => self.end_of(pc).map(|end| Next::At(end + 1)),
            Instruction::Loop { count } => {
                self.frames.push(Frame {
                    body: pc + 1,
                    remaining: count - 1,
                });
                Ok(Next::At(pc + 1))
            }
            Instruction::EndLoop {} => self.end_of_body(pc),
            _ => Ok(Next::At(pc + 1)),
        }
    }

    /// The `endloop` of the `loop` at `pc`.
    fn end_of(&self, pc: usize) -> Result<usize, Fault> {
        self.ends
            .get(&pc)
            .copied()
            .ok_or_else(|| Fault::Malformed("loop without endloop".into()))
    }

    /// At the `endloop` at `pc`: back to the body, or past the loop after its last iteration.
    fn end_of_body(&mut self, pc: usize) -> Result<Next, Fault> {
        let frame = self
            .frames
            .last_mut()
            .ok_or_else(|| Fault::Malformed("endloop without an open loop".into()))?;
        if frame.remaining == 0 {
            self.frames.pop();
            return Ok(Next::At(pc + 1));
        }
        frame.remaining -= 1;
        Ok(Next::At(frame.body))
    }
}
