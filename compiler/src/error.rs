//! The compiler's error type: every failure a user can cause (bad ONNX, unsupported ops, dynamic
//! shapes, bad flags, IR that does not verify) with a message that says what and where.

use pim_dialects::DialectError;

/// Any error of the compiler.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The ONNX file could not be read or decoded.
    #[error("{path}: {message}")]
    Model {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// A node uses an op, opset or attribute pimc does not support.
    #[error("node `{node}` ({op}, opset {opset}): {message}")]
    Unsupported {
        /// The node name.
        node: String,
        /// The ONNX op type.
        op: String,
        /// The default-domain opset of the model.
        opset: i64,
        /// What is not supported and what to do.
        message: String,
    },
    /// A graph input has a dynamic dimension other than a batch dimension bound by `--batch`.
    #[error("input `{input}`: {message}")]
    DynamicShape {
        /// The input name.
        input: String,
        /// Which dimension and what to do.
        message: String,
    },
    /// Shapes or operands that do not fit an op.
    #[error("node `{node}`: {message}")]
    Shape {
        /// The node name.
        node: String,
        /// What mismatched.
        message: String,
    },
    /// A pass failed.
    #[error("pass {pass}: {message}")]
    Pass {
        /// The pass flag.
        pass: String,
        /// What went wrong.
        message: String,
    },
    /// A design-space sweep (file or command line) that names no valid set of points.
    #[error("{origin}: {message}")]
    Sweep {
        /// The sweep file, or `command line`.
        origin: String,
        /// Which key and value are wrong, and what is expected.
        message: String,
    },
    /// A command-line usage error.
    #[error("{0}")]
    Usage(String),
    /// Mapping, scheduling or costing failed (e.g. `full` on a network that does not fit), or a
    /// schedule is invalid.
    #[error(transparent)]
    Program(#[from] crate::program::ProgramError),
    /// The target description is unusable.
    #[error("--target: {0}")]
    Target(#[from] pim_runtime::target::TargetError),
    /// MLIR parsing, verification or reading failed.
    #[error(transparent)]
    Dialect(#[from] DialectError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Result with the compiler's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
