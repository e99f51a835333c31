//! `pimc`: compiles ONNX networks for compact crossbar processing-in-memory chips.
//!
//! Phases (see `DESIGN.md` §4 and [`pipeline`]):
//! 1. `onnx`  — [`frontend`] imports ONNX into the `graph` dialect: shapes static, batch bound,
//!    constant subgraphs folded;
//! 2. `graph` — [`rewrite`] runs equality saturation (egg) with law-named rules and extracts the
//!    cheapest equivalent graph;
//! 3. `pim`   — [`passes`] lower conv/gemm to crossbar MVM layers and the rest to vector-unit ops.
//!
//! Every phase's IR is a typed [`pim_dialects::Func`] that MLIR builds, verifies and prints.

pub mod backend;
pub mod cli;
pub mod cost;
pub mod error;
pub mod frontend;
pub mod functions;
pub mod graph;
pub mod passes;
pub mod pipeline;
pub mod rewrite;
pub mod verify;

pub use error::{Error, Result};
