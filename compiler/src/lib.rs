//! `pimc`: compiles ONNX networks for compact crossbar processing-in-memory chips.
//!
//! Phases (see `DESIGN.md` §4 and [`pipeline`]):
//! 1. `onnx`  — [`frontend`] imports ONNX into the `graph` dialect: shapes static, batch bound,
//!    constant subgraphs folded;
//! 2. `graph` — [`rewrite`] runs equality saturation (egg) with law-named rules and extracts the
//!    cheapest equivalent graph;
//! 3. `pim`   — [`passes`] lower conv/gemm to crossbar MVM layers and the rest to vector-unit ops;
//! 4. `tiled` — every weight matrix cut into crossbar blocks ([`program::tiling`]);
//! 5. `scheduled` — the [`schedule`]: stage order, segments, mode, batch, copies, placement,
//!    prefetch, planned by the scheduled-phase passes over the [`program`] description and costed
//!    by the evaluator ([`cost`]);
//! 6. `isa` — the [`backend`] lowers the schedule to the machine's instructions (`.pimbin`).
//!
//! Every phase's IR is a typed [`pim_dialects::Func`] that MLIR builds, verifies and prints.
//! Dependencies point one way (`DESIGN.md` §10): [`program`] (what is scheduled) <- [`cost`]
//! (the evaluator) <- [`passes`] (the planner); [`schedule`] is read and written only through
//! [`schedule::ir`]; the back end reads the schedule and never imports from [`passes`].

pub mod backend;
pub mod cli;
pub mod cost;
pub mod error;
pub mod explore;
pub mod frontend;
pub mod functions;
pub mod graph;
pub mod passes;
pub mod pipeline;
pub mod program;
pub mod rewrite;
pub mod schedule;
pub mod verify;

pub use error::{Error, Result};
