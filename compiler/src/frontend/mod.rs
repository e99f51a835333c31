//! The ONNX frontend (phase `onnx`): reads an ONNX model (onnx-protobuf), binds the symbolic batch
//! dimension, folds constant subgraphs (Shape/Gather/Slice/Cast chains, ConstantOfShape, constant
//! arithmetic) and emits `graph` dialect ops with static shapes.
//!
//! - [`model`] decodes the file and checks the opset;
//! - [`external`] reads tensor data kept in files next to the model;
//! - [`known`] is the value of a folded constant (f32 or i64);
//! - [`attributes`] reads node attributes with ONNX defaults;
//! - [`importer`] walks the graph and dispatches to the op importers in [`ops`];
//! - [`export`] writes a `graph` function back to ONNX, so onnxruntime can check import and rewrites.

pub mod attributes;
pub mod export;
pub mod external;
pub mod importer;
pub mod known;
pub mod model;
pub mod ops;
#[cfg(test)]
mod tests;

pub use importer::{import_bytes, import_file, ImportOptions};

/// The ONNX opsets (default domain) pimc imports.
pub const OPSETS: std::ops::RangeInclusive<i64> = 6..=21;
