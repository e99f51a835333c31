//! The program description: what the scheduler schedules and the evaluator costs, built from a
//! layer-level function (`Func<PimOp>`, phases `pim` to `scheduled`) and a target. It depends only
//! on the IR and the target; the planner (the scheduled-phase passes) and the evaluator
//! ([`crate::cost`]) depend on it, never the reverse (`DESIGN.md` §10).
//!
//! - [`layers`]: the network as an ordered list of crossbar and vector layers, per image, and its
//!   dataflow DAG ([`Network`] bundles them with the IR nodes they come from);
//! - [`tiling`]: the one tiling rule (bit slicing, row and column tiles, group packing, column
//!   parts), the paper's tile-granularity rule, copies and how they share tiles;
//! - [`stages`]: stages (a crossbar layer or column part with its vector epilogue, the units of
//!   scheduling) and the flows of activations between them;
//! - [`rings`]: the results a pipelined segment keeps in the global buffer between its stages;
//! - [`images`]: how many images a program processes and how they map onto the IR's batch;
//! - [`work`]: element operations of vector-unit ops.

pub mod bands;
mod error;
pub mod images;
pub mod layers;
pub mod rings;
pub mod stages;
pub mod tiling;
pub mod work;

pub use error::ProgramError;
pub use images::Images;
pub use layers::{Layer, LayerId, Network};
pub use stages::{Program, Stage, StageSpec};
pub use tiling::{Granularity, MatrixShape, Tiling};
