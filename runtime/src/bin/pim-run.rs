//! `pim-run MODEL.pimbin --input NAME=FILE.npy ... (-o OUT.npy | --output-dir DIR) [--stats]`:
//! runs a compiled program on the functional simulator and writes its outputs as `.npy` files
//! (one output with `-o`, any number into a directory as `<name>.npy`, names sanitised).
//! `--stats` prints the executed instructions per cost class. Errors print
//! `pim-run: error: <message>` and exit with status 1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Parser};
use pim_runtime::container::Program;
use pim_runtime::sim::{output_file_names, read_npy, write_npy, Simulator};
use pim_runtime::Tensor;

/// Run a .pimbin on the functional simulator.
#[derive(Debug, Parser)]
#[command(name = "pim-run", version)]
#[command(group(ArgGroup::new("out").required(true).args(["output", "output_dir"])))]
struct Cli {
    /// The compiled program.
    model: PathBuf,
    /// An input tensor: the binding's name and a .npy file of f32 (repeat for every input).
    #[arg(long = "input", value_name = "NAME=FILE.npy")]
    inputs: Vec<String>,
    /// Write the program's only output to this .npy file.
    #[arg(short = 'o', long = "output", value_name = "OUT.npy")]
    output: Option<PathBuf>,
    /// Write every output into this directory as <name>.npy (created if missing).
    #[arg(long = "output-dir", value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Print the executed instructions per cost class.
    #[arg(long)]
    stats: bool,
}

/// `NAME=FILE.npy` as the name and the tensor read from the file.
fn parse_input(arg: &str) -> Result<(String, Tensor), String> {
    let (name, file) = arg
        .split_once('=')
        .filter(|(n, f)| !n.is_empty() && !f.is_empty())
        .ok_or_else(|| format!("--input `{arg}`: expected NAME=FILE.npy"))?;
    let tensor = read_npy(Path::new(file)).map_err(|e| e.to_string())?;
    Ok((name.to_string(), tensor))
}

/// Writes the outputs where the command line says.
fn write_outputs(cli: &Cli, outputs: &[(String, Tensor)]) -> Result<(), String> {
    if let Some(path) = &cli.output {
        return match outputs {
            [(_, tensor)] => write_npy(path, tensor).map_err(|e| e.to_string()),
            _ => Err(format!(
                "-o writes one output, but the program has {}; use --output-dir",
                match outputs.len() {
                    0 => "none".to_string(),
                    n => format!(
                        "{n} ({})",
                        outputs
                            .iter()
                            .map(|(name, _)| name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            )),
        };
    }
    let Some(dir) = &cli.output_dir else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    for ((_, tensor), file) in outputs.iter().zip(output_file_names(&names)) {
        write_npy(&dir.join(file), tensor).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn run(cli: &Cli) -> Result<Option<String>, String> {
    let model = cli.model.display();
    let bytes = std::fs::read(&cli.model).map_err(|e| format!("cannot read {model}: {e}"))?;
    let program = Program::read(&bytes).map_err(|e| format!("{model}: {e}"))?;
    let inputs = cli
        .inputs
        .iter()
        .map(|arg| parse_input(arg))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sim = Simulator::new(&program).map_err(|e| format!("{model}: {e}"))?;
    sim.set_inputs(&inputs)
        .map_err(|e| format!("{model}: {e}"))?;
    sim.execute().map_err(|e| format!("{model}: {e}"))?;
    let outputs = sim.outputs().map_err(|e| format!("{model}: {e}"))?;
    write_outputs(cli, &outputs)?;
    Ok(cli.stats.then(|| sim.stats().to_string()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(stats) => {
            if let Some(stats) = stats {
                print!("{stats}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("pim-run: error: {message}");
            ExitCode::FAILURE
        }
    }
}
