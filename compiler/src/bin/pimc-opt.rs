//! `pimc-opt`: parses MLIR text in the pimc dialects, runs the named passes in command-line order,
//! and prints the result, like `mlir-opt`.
//!
//! ```text
//! pimc-opt input.mlir --pim-rewrite-graph=rules=fold-bn-into-conv --pim-lower-to-layers
//! pimc-opt --split-input-file cases.mlir --pim-eliminate-dead-code
//! ```

use clap::{Arg, ArgAction, ArgMatches, Args as _, Command, FromArgMatches};
use pim_runtime::target::Target;
use pimc::cli::{exit_with, write_output, PrintFlags};
use pimc::passes::{Ir, PASSES};
use pimc::pipeline::Compiler;
use pimc::{Error, Result};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// The marker `--split-input-file` splits on, as in mlir-opt.
const SPLIT_MARKER: &str = "// -----";

fn command() -> Command {
    let mut command = Command::new("pimc-opt")
        .version(env!("CARGO_PKG_VERSION"))
        .arg(
            Arg::new("input")
                .default_value("-")
                .help("The MLIR file (`-` for stdin)"),
        )
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .default_value("-")
                .help("Output file (`-` for stdout)"),
        )
        .arg(
            Arg::new("target")
                .long("target")
                .default_value("compact-4x4")
                .help("The chip whose cost model passes use: a preset name or a target TOML file"),
        )
        .arg(
            Arg::new("split-input-file")
                .long("split-input-file")
                .action(ArgAction::SetTrue)
                .help("Process each `// -----`-separated chunk separately"),
        );
    for pass in PASSES {
        command = command.arg(
            Arg::new(pass.flag)
                .long(pass.flag)
                .help(pass.summary)
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("")
                .value_name("OPTIONS")
                .action(ArgAction::Append),
        );
    }
    PrintFlags::augment_args(command)
        .about("Runs pimc passes on MLIR text in the pimc dialects, like mlir-opt")
}

/// The requested passes with their options, in command-line order.
fn pipeline(matches: &ArgMatches) -> Vec<(&'static str, String)> {
    let mut passes: Vec<(usize, &'static str, String)> = PASSES
        .iter()
        .flat_map(|pass| {
            let indices = matches.indices_of(pass.flag).into_iter().flatten();
            let values = matches.get_many::<String>(pass.flag).into_iter().flatten();
            indices
                .zip(values)
                .map(|(index, options)| (index, pass.flag, options.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    passes.sort_by_key(|(index, _, _)| *index);
    passes
        .into_iter()
        .map(|(_, flag, options)| (flag, options))
        .collect()
}

fn read_input(path: &str) -> Result<String> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| Error::Io {
                path: "<stdin>".into(),
                source,
            })?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

fn process(
    compiler: &Compiler<'_>,
    context: &melior::Context,
    text: &str,
    origin: &str,
    passes: &[(&str, String)],
) -> Result<String> {
    let module = pim_dialects::func::parse_module(context, text, origin)?;
    let mut ir = Ir::from_module(&module)?;
    ir.verify()?;
    for (flag, options) in passes {
        ir = compiler.run_pass(ir, flag, options)?;
    }
    compiler.print(&ir)
}

fn run(matches: ArgMatches) -> Result<()> {
    let print = PrintFlags::from_arg_matches(&matches).map_err(|e| Error::Usage(e.to_string()))?;
    let input = matches
        .get_one::<String>("input")
        .cloned()
        .unwrap_or_else(|| "-".into());
    let output = PathBuf::from(
        matches
            .get_one::<String>("output")
            .cloned()
            .unwrap_or_else(|| "-".into()),
    );
    let passes = pipeline(&matches);
    let context = pim_dialects::new_context();
    let target_name = matches
        .get_one::<String>("target")
        .cloned()
        .unwrap_or_else(|| "compact-4x4".into());
    let target = Target::load(&target_name)?;
    let compiler = Compiler::new(&context, target, print.options())?;
    let text = read_input(&input)?;
    let chunks: Vec<&str> = if matches.get_flag("split-input-file") {
        text.split(SPLIT_MARKER).collect()
    } else {
        vec![&text]
    };
    let mut outputs = Vec::new();
    let mut failed = false;
    for chunk in chunks {
        match process(&compiler, &context, chunk, &input, &passes) {
            Ok(result) => outputs.push(result),
            Err(error) => {
                eprintln!("pimc-opt: error: {error}");
                failed = true;
            }
        }
    }
    write_output(
        &output,
        outputs.join(&format!("{SPLIT_MARKER}\n")).as_bytes(),
    )?;
    if failed {
        return Err(Error::Usage("some inputs failed (see above)".into()));
    }
    Ok(())
}

fn main() -> ExitCode {
    exit_with("pimc-opt", run(command().get_matches()))
}
