//! The graph-level IR, `Func<GraphOp>` (phases `onnx` and `graph`): per-op shape inference and
//! evaluation on the runtime's reference kernels ([`semantics`]), whole-function evaluation
//! ([`eval`]), and dead-code elimination ([`dce`]).

pub mod dce;
pub mod eval;
pub mod semantics;

pub use pim_dialects::{Func, GraphOp};

/// A function at graph level.
pub type Graph = Func<GraphOp>;
