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

/// Writes `text` to stdout. A reader that stops early (`pim-objdump x.pimbin | head`) is not an
/// error: the rest is dropped, as other Unix tools do.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
