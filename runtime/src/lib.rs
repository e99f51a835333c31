//! `pim-runtime`: the PIM machine that pimc compiles for. It holds the tensor type shared with the
//! compiler, the reference kernels (the numerical meaning of every vector-unit and matrix operation),
//! and, as the back end lands, the target descriptions, the ISA, the `.pimbin` container and the simulator.
//! It depends on nothing MLIR.

pub mod container;
pub mod fuzz;
pub mod isa;
pub mod kernels;
pub mod sim;
pub mod target;
pub mod tensor;

pub use tensor::Tensor;
