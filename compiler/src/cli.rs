//! Command-line plumbing shared by `pimc` and `pimc-opt`: MLIR-style IR printing flags, writing
//! output to a file or stdout, and turning errors into a message and exit code 1.

use crate::pipeline::PrintOptions;
use crate::{Error, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// MLIR's IR printing flags, as in `mlir-opt`.
#[derive(Debug, Clone, clap::Args)]
pub struct PrintFlags {
    /// Print the IR after every pass (to stderr).
    #[arg(long = "mlir-print-ir-after-all")]
    pub after_all: bool,
    /// Print the IR before every pass (to stderr).
    #[arg(long = "mlir-print-ir-before-all")]
    pub before_all: bool,
    /// Print the IR after the named pass (to stderr); may be repeated.
    #[arg(long = "mlir-print-ir-after", value_name = "PASS")]
    pub after: Vec<String>,
    /// Elide dense constants with more elements than this (printed as dense_resource<__elided__>).
    #[arg(
        long = "mlir-elide-elementsattrs-if-larger",
        value_name = "N",
        default_value_t = 16
    )]
    pub elide_above: usize,
    /// Print full constants, even large ones.
    #[arg(long = "mlir-print-full-constants", conflicts_with = "elide_above")]
    pub full_constants: bool,
    /// Print op locations (the network's node names).
    #[arg(long = "mlir-print-debuginfo")]
    pub debug_info: bool,
}

impl PrintFlags {
    /// The pipeline's printing options.
    pub fn options(&self) -> PrintOptions {
        PrintOptions {
            before_all: self.before_all,
            after_all: self.after_all,
            after: self.after.clone(),
            elide_above: (!self.full_constants).then_some(self.elide_above),
            debug_info: self.debug_info,
        }
    }
}

/// Writes `bytes` to `path`, or to stdout when the path is `-`.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    write_output_with(path, |out, name| {
        out.write_all(bytes).map_err(|source| Error::Io {
            path: name.to_owned(),
            source,
        })
    })
}

/// Bytes buffered before a write to an output file (a `.pimbin` is mostly weights, streamed in
/// 64 KB chunks).
const OUTPUT_BUFFER: usize = 1 << 20;

/// Writes to `path` (`-`: stdout) what `write` writes, buffered and flushed. `write` gets the
/// writer and the output's name for its errors.
pub fn write_output_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write, &str) -> Result<()>,
) -> Result<()> {
    let name = if path == Path::new("-") {
        "<stdout>".to_owned()
    } else {
        path.display().to_string()
    };
    let io_error = |source| Error::Io {
        path: name.clone(),
        source,
    };
    if path == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        write(&mut stdout, &name)?;
        return stdout.flush().map_err(io_error);
    }
    let file = std::fs::File::create(path).map_err(io_error)?;
    let mut file = std::io::BufWriter::with_capacity(OUTPUT_BUFFER, file);
    write(&mut file, &name)?;
    file.flush().map_err(io_error)
}

/// Runs a tool's main function: errors print as `<tool>: error: ...` and exit with code 1.
pub fn exit_with(tool: &str, result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{tool}: error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The model's name in reports: the file name without its extension.
pub fn model_name(model: &Path) -> String {
    model
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned())
}
