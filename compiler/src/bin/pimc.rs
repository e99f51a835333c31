//! `pimc`: compiles an ONNX network for a PIM chip.
//!
//! ```text
//! pimc model.onnx -o model.pimbin          # the program for pim-run
//! pimc model.onnx                          # the pim-level IR on stdout
//! pimc model.onnx --compile-to=graph -o model.graph.mlir
//! pimc model.onnx --compile-to=graph --emit=onnx -o rewritten.onnx
//! pimc model.onnx --dump-compilation-phases-to=dumps/
//! pimc model.onnx --emit=report --target=unlimited-6x6 --batch 64 --report=report.json
//! pimc model.onnx -o model.pimbin --report model.json   # the program and its report, one run
//! pimc scheduled.mlir --emit=report                     # cost a (hand-edited) schedule
//! pimc explore sweeps/paper-modes.toml --out results/   # design-space exploration (docs/explore.md)
//! ```

use clap::Parser;
use pim_runtime::target::Target;
use pimc::cli::{exit_with, model_name, write_output, write_output_with, PrintFlags};
use pimc::cost::Report;
use pimc::explore::command::ExploreArgs;
use pimc::frontend::ImportOptions;
use pimc::passes::Ir;
use pimc::pipeline::{Compiler, Phase};
use pimc::program::Granularity;
use pimc::schedule::{Options, Pipeline, Scheduler, Segmentation};
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
    /// The cost report (schedule, latency, throughput, energy, area) as text.
    Report,
    /// The compiled program: a `.pimbin` for `pim-run` (docs/backend.md).
    Pimbin,
    /// The compiled program's listing as `pim-objdump --no-weights` prints it (header,
    /// bindings, symbols, constants, disassembly).
    Asm,
}

/// pimc: an ONNX compiler for compact crossbar processing-in-memory chips.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Args {
    /// The ONNX model, or MLIR text of any phase (`.mlir`, e.g. a dump or a hand-edited
    /// schedule), which compilation resumes from.
    #[arg(required_unless_present = "list_targets")]
    model: Option<PathBuf>,
    /// Output file (`-` for stdout).
    #[arg(short = 'o', long = "output", default_value = "-")]
    output: PathBuf,
    /// Value bound to a symbolic batch dimension (dimension 0 of the inputs).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    batch: u32,
    /// The last phase to run (default: pim for MLIR, scheduled for reports, isa for a .pimbin or
    /// asm).
    #[arg(long = "compile-to", value_enum)]
    compile_to: Option<Phase>,
    /// What to write (default: pimbin when the output file ends in .pimbin, else mlir).
    #[arg(long, value_enum)]
    emit: Option<Emit>,
    /// The chip: a preset name (see --list-targets) or a target TOML file.
    #[arg(long, default_value = "compact-4x4")]
    target: String,
    /// List the target presets and exit.
    #[arg(long = "list-targets")]
    list_targets: bool,
    /// Execution mode: layer, baseline, reuse (the weight-reuse pipeline), full, or auto (the
    /// cheapest that fits, by the cost model).
    #[arg(long, default_value = "auto", value_parser = parse_pipeline)]
    pipeline: PipelineChoice,
    /// Who plans the schedule: pimc, or the paper's method as published.
    #[arg(long, value_enum, default_value = "pimc")]
    scheduler: Scheduler,
    /// How stages are split into weight groups that fit the chip (default: the scheduler's,
    /// greedy for paper, optimal for pimc).
    #[arg(long, value_enum)]
    segmentation: Option<Segmentation>,
    /// Allocation unit: crossbars, or whole tiles as the paper's NeuroSim mapping (default: the
    /// scheduler's, tile for paper, crossbar for pimc).
    #[arg(long, value_enum)]
    granularity: Option<Granularity>,
    /// Also write the cost report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Write each phase's IR to DIR/<model>.<N>.<phase>.mlir.
    #[arg(long = "dump-compilation-phases-to", value_name = "DIR")]
    dump_dir: Option<PathBuf>,
    #[command(flatten)]
    print: PrintFlags,
}

fn run(args: Args) -> Result<()> {
    if args.list_targets {
        return write_output(&PathBuf::from("-"), list_targets()?.as_bytes());
    }
    let model = args
        .model
        .clone()
        .ok_or_else(|| Error::Usage("no model given".into()))?;
    let target = Target::load(&args.target)?;
    let context = pim_dialects::new_context();
    let mut compiler = Compiler::new(&context, target.clone(), args.print.options())?;
    compiler.set_schedule(schedule_options(&args));
    if let Some(dir) = &args.dump_dir {
        compiler.dump_phases_to(dir, &model)?;
    }
    let options = ImportOptions {
        batch: args.batch as usize,
    };
    let emit = emitted(&args);
    let last = args.compile_to.unwrap_or(match emit {
        Emit::Pimbin | Emit::Asm => Phase::Isa,
        Emit::Report => Phase::Scheduled,
        _ => Phase::Pim,
    });
    let wants_report = emit == Emit::Report || args.report.is_some();
    let (input, from) = compiler.load(&model, options)?;
    if wants_report && (from > Phase::Scheduled || last < Phase::Scheduled) {
        return Err(Error::Usage(format!(
            "the cost report is computed from the scheduled phase; the compilation goes from {} \
             to {} (use --compile-to=scheduled or later, and an input before isa)",
            from.name(),
            last.name()
        )));
    }
    let name = model_name(&model);
    let mut report: Option<Report> = None;
    let ir = compiler.compile(input, from, last, |phase, ir| {
        if let (true, Phase::Scheduled, Ir::Pim(func)) = (wants_report, phase, ir) {
            let scheduled = pimc::schedule::ir::read(func, &target)?;
            report = Some(pimc::cost::report(&scheduled, &name, &target));
        }
        Ok(())
    })?;
    if let (Some(path), Some(report)) = (&args.report, &report) {
        write_output(path, report.to_json().as_bytes())?;
    }
    let bytes = match (emit, &ir) {
        (Emit::Mlir, ir) => compiler.print(ir)?.into_bytes(),
        (Emit::Report, _) => report.map(|r| r.to_text()).unwrap_or_default().into_bytes(),
        (Emit::Onnx, Ir::Graph(graph)) => pimc::frontend::export::to_onnx(graph)?,
        (Emit::Pimbin, Ir::Isa(program)) => {
            return write_output_with(&args.output, |out, name| {
                pimc::backend::write_to(program, out, name)
            })
        }
        (Emit::Asm, Ir::Isa(program)) => pimc::backend::listing(program)?.into_bytes(),
        (Emit::Pimbin | Emit::Asm, _) => {
            return Err(Error::Usage(format!(
                "--emit=pimbin and --emit=asm need the isa phase (--compile-to=isa), got phase {}",
                last.name()
            )))
        }
        (Emit::Onnx, other) => {
            return Err(Error::Usage(format!(
                "--emit=onnx needs graph-level IR (--compile-to=onnx or graph), got {}-level IR",
                other.level()
            )))
        }
    };
    write_output(&args.output, &bytes)
}

/// `--pipeline`: a mode or `auto`.
#[derive(Debug, Clone, Copy)]
struct PipelineChoice(Option<Pipeline>);

fn parse_pipeline(value: &str) -> std::result::Result<PipelineChoice, String> {
    Pipeline::parse_choice(value).map(PipelineChoice)
}

/// What to write: `--emit`, else a `.pimbin` output file means the program, else MLIR text.
fn emitted(args: &Args) -> Emit {
    args.emit.unwrap_or_else(|| {
        if args.output.extension().is_some_and(|e| e == "pimbin") {
            Emit::Pimbin
        } else {
            Emit::Mlir
        }
    })
}

/// The schedule options of the command line.
fn schedule_options(args: &Args) -> Options {
    Options {
        batch: u64::from(args.batch),
        pipeline: args.pipeline.0,
        scheduler: args.scheduler,
        segmentation: args.segmentation,
        granularity: args.granularity,
    }
}

/// One line per preset: name, chip summary.
fn list_targets() -> Result<String> {
    Target::preset_names()
        .iter()
        .map(|name| {
            let target = Target::preset(name).map_err(|e| Error::Usage(e.to_string()))?;
            Ok(format!(
                "{name:<16} {} crossbars of {}x{}, {:.2} mm^2: {}\n",
                target.total_crossbars(),
                target.crossbar.rows,
                target.crossbar.cols,
                target.area_total_mm2(),
                target.chip.description
            ))
        })
        .collect()
}

fn main() -> ExitCode {
    // `pimc explore ...` is design-space exploration (a model file named `explore` is `./explore`).
    if std::env::args_os().nth(1).is_some_and(|a| a == "explore") {
        let args = ExploreArgs::parse_from(std::env::args_os().skip(1));
        return exit_with("pimc explore", pimc::explore::command::main(args));
    }
    exit_with("pimc", run(Args::parse()))
}
