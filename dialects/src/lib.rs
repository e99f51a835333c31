//! `pim-dialects`: the pimc MLIR dialects, defined in IRDL (`dialects/pim.irdl.mlir`), and the
//! only place that knows their op and attribute names.
//!
//! - [`context`] creates an MLIR context with just the dialects pimc uses and loads the IRDL file;
//! - [`ops`] holds one typed Rust enum per dialect ([`GraphOp`], [`PimOp`]), generated from a table by
//!   the [`dialect!`] macro: mnemonic, operand arity and attributes of every op;
//! - [`func`] is the typed form of a function body ([`Func`]), and converts it to and from MLIR
//!   modules (built with melior, checked by MLIR's verifier, printed and parsed by MLIR);
//! - [`schedule`] is the scheduled phase's schedule (`pim.schedule`, `pim.segment`, `pim.stage`,
//!   `pim.layer`), which a [`Func`] holds after its ops;
//! - [`isa`] is the `isa` dialect (`dialects/isa.irdl.mlir`, generated from the ISA table) and the
//!   lossless conversion between a compiled program and its module.
//!
//! A test checks the Rust tables against the IRDL file as MLIR parsed it, so the two cannot drift.

pub mod attr;
pub mod context;
pub mod func;
pub mod isa;
pub mod ops;
pub mod schedule;

pub use attr::{AttrValue, BuildOptions};
pub use context::{new_context, Diagnostics, Dialects};
pub use func::{Func, Node, Port, ValueId};
pub use ops::{graph::GraphOp, pim::PimOp, Arity, DialectOp, OpInfo};
pub use schedule::{ScheduleOp, SegmentOp, StageOp};

/// Errors of this crate: MLIR rejected something, or MLIR holds something the typed view cannot read.
#[derive(Debug, thiserror::Error)]
pub enum DialectError {
    /// MLIR's parser rejected text.
    #[error("{origin}: MLIR could not parse the input:\n{diagnostics}")]
    Parse {
        /// Where the text came from (a file name or `<stdin>`).
        origin: String,
        /// MLIR's diagnostics, one per line.
        diagnostics: String,
    },
    /// MLIR's verifier rejected a module.
    #[error("MLIR verification failed{context}:\n{diagnostics}")]
    Verify {
        /// What was being verified (e.g. " after pim-fold-batchnorm").
        context: String,
        /// MLIR's diagnostics, one per line.
        diagnostics: String,
    },
    /// The IRDL file did not load.
    #[error("the IRDL dialect file did not load: {0}")]
    Irdl(String),
    /// An op, attribute or type that the typed view does not understand.
    #[error("{location}: {message}")]
    Unsupported {
        /// The op's location (its name in the source network) or its op name.
        location: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// Building an op failed inside MLIR.
    #[error("MLIR could not build `{op}`: {message}")]
    Build {
        /// The op name.
        op: String,
        /// MLIR's message.
        message: String,
    },
}
