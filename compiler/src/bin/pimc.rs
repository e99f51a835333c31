//! `pimc`: compiles an ONNX network for a PIM chip.
//!
//! ```text
//! pimc model.onnx                          # the pim-level IR on stdout
//! pimc model.onnx --compile-to=graph -o model.graph.mlir
//! pimc model.onnx --compile-to=graph --emit=onnx -o rewritten.onnx
//! pimc model.onnx --dump-compilation-phases-to=dumps/
//! ```

use clap::Parser;
use pimc::cli::{exit_with, write_output, PrintFlags};
use pimc::frontend::ImportOptions;
use pimc::passes::Ir;
use pimc::pipeline::{Compiler, Phase};
use pimc::{Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Emit {
    /// MLIR text of the last phase.
    Mlir,
    /// An ONNX model of the graph-level IR (phases onnx and graph), e.g. to check it with onnxruntime.
    Onnx,
}

/// pimc: an ONNX compiler for compact crossbar processing-in-memory chips.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// Output file (`-` for stdout).
    #[arg(short = 'o', long = "output", default_value = "-")]
    output: PathBuf,
    /// Value bound to a symbolic batch dimension (dimension 0 of the inputs).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    batch: u32,
    /// The last phase to run.
    #[arg(long = "compile-to", value_enum, default_value = "pim")]
    compile_to: Phase,
    /// What to write.
    #[arg(long, value_enum, default_value = "mlir")]
    emit: Emit,
    /// Write each phase's IR to DIR/<model>.<N>.<phase>.mlir.
    #[arg(long = "dump-compilation-phases-to", value_name = "DIR")]
    dump_dir: Option<PathBuf>,
    #[command(flatten)]
    print: PrintFlags,
}

fn run(args: Args) -> Result<()> {
    let context = pim_dialects::new_context();
    let mut compiler = Compiler::new(&context, args.print.options())?;
    if let Some(dir) = &args.dump_dir {
        compiler.dump_phases_to(dir, &args.model)?;
    }
    let options = ImportOptions {
        batch: args.batch as usize,
    };
    let ir = compiler.compile_file(&args.model, options, args.compile_to)?;
    let bytes = match (args.emit, &ir) {
        (Emit::Mlir, ir) => compiler.print(ir)?.into_bytes(),
        (Emit::Onnx, Ir::Graph(graph)) => pimc::frontend::export::to_onnx(graph)?,
        (Emit::Onnx, other) => {
            return Err(Error::Usage(format!(
                "--emit=onnx needs graph-level IR (--compile-to=onnx or graph), got {}-level IR",
                other.level()
            )))
        }
    };
    write_output(&args.output, &bytes)
}

fn main() -> ExitCode {
    exit_with("pimc", run(Args::parse()))
}
