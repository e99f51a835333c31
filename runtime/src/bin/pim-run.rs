//! `pim-run MODEL.pimbin --input NAME=FILE.npy ... (-o OUT.npy | --output-dir DIR) [--stats]`:
//! runs a compiled program on the functional simulator and writes its outputs as `.npy` files
//! (one output with `-o`, any number into a directory as `<name>.npy`, names sanitised).
//! `--stats` prints the executed instructions per cost class.
//! `pim-run MODEL.pimbin --timing [--report T.json] [--trace TRACE.json]` runs it in time
//! instead (inputs optional: timing does not depend on data) and prints the timing report, with
//! the cost report's keys in `--report` and a Chrome trace in `--trace` (`docs/runtime.md` §9).
//! Errors print `pim-run: error: <message>` and exit with status 1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::time::{Duration, Instant};

use clap::{ArgGroup, CommandFactory, Parser};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pim_runtime::container::{Program, ReadFileError};
use pim_runtime::sim::timing::{chrome_trace, simulate_with, Options, TimingReport};
use pim_runtime::sim::{output_file_names, read_npy, write_npy, Simulator};
use pim_runtime::Tensor;

/// Run a .pimbin on the functional simulator.
#[derive(Debug, Parser)]
#[command(name = "pim-run", version)]
#[command(group(ArgGroup::new("out").args(["output", "output_dir"])))]
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
    /// Run the program in time on its target and print the timing report (inputs optional).
    #[arg(long)]
    timing: bool,
    /// With --timing: write the timing report as JSON (the cost report's keys) to this file.
    #[arg(long, value_name = "FILE.json", requires = "timing")]
    report: Option<PathBuf>,
    /// With --timing: write a Chrome trace (Perfetto, chrome://tracing) to this file.
    #[arg(long, value_name = "FILE.json", requires = "timing")]
    trace: Option<PathBuf>,
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

/// A spinner with the instructions executed, shown on stderr once a run has taken a second
/// (and only when stderr is a terminal: indicatif hides it otherwise).
struct Progress {
    start: Instant,
    bar: Option<ProgressBar>,
    what: &'static str,
}

impl Progress {
    fn new(what: &'static str) -> Progress {
        Progress {
            start: Instant::now(),
            bar: None,
            what,
        }
    }

    fn update(&mut self, executed: u64) {
        if self.bar.is_none() && self.start.elapsed() >= Duration::from_secs(1) {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} {prefix}: {human_pos} instructions, {elapsed}",
            );
            if let Ok(style) = style {
                bar.set_style(style);
            }
            bar.set_prefix(self.what);
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(executed);
        }
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Writes `text` to `path`.
fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The program run in time: the report printed, and written where the command line says.
fn run_timed(cli: &Cli, program: &Program) -> Result<String, String> {
    let model = cli.model.display();
    let options = Options {
        trace: cli.trace.is_some(),
        ..Options::default()
    };
    let mut bar = Progress::new("timing");
    let timed = simulate_with(program, &options, &mut |n| bar.update(n))
        .map_err(|e| format!("{model}: {e}"))?;
    bar.finish();
    let name = cli
        .model
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let report = TimingReport::new(program, &name, &timed);
    if let Some(path) = &cli.report {
        write_file(path, &report.to_json())?;
    }
    if let Some(path) = &cli.trace {
        write_file(path, &chrome_trace(program, &timed))?;
    }
    Ok(report.to_text())
}

fn run(cli: &Cli) -> Result<Option<String>, String> {
    let model = cli.model.display();
    let program = Program::read_file(&cli.model).map_err(|e| match e {
        ReadFileError::Io(e) => format!("cannot read {model}: {e}"),
        ReadFileError::Container(e) => format!("{model}: {e}"),
    })?;
    let functional = cli.output.is_some() || cli.output_dir.is_some();
    let timing = if cli.timing {
        Some(run_timed(cli, &program)?)
    } else {
        None
    };
    if !functional {
        return Ok(timing);
    }
    let inputs = cli
        .inputs
        .iter()
        .map(|arg| parse_input(arg))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sim = Simulator::new(&program).map_err(|e| format!("{model}: {e}"))?;
    sim.set_inputs(&inputs)
        .map_err(|e| format!("{model}: {e}"))?;
    let mut bar = Progress::new("running");
    sim.execute_with(&mut |n| bar.update(n))
        .map_err(|e| format!("{model}: {e}"))?;
    bar.finish();
    let outputs = sim.outputs().map_err(|e| format!("{model}: {e}"))?;
    write_outputs(cli, &outputs)?;
    let stats = cli.stats.then(|| sim.stats().to_string());
    Ok(match (timing, stats) {
        (Some(t), Some(s)) => Some(t + &s),
        (t, s) => t.or(s),
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // This thread joins rayon's pool (of one thread per core): a run of `mvm`s then shares its
    // products with the other threads and computes its part here, instead of waking all of them
    // and sleeping until they finish (two thread switches per run). If a pool exists already,
    // runs only go slower.
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
    if !cli.timing && cli.output.is_none() && cli.output_dir.is_none() {
        Cli::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "one of -o OUT.npy or --output-dir DIR is required (or --timing)",
            )
            .exit();
    }
    match run(&cli) {
        Ok(stats) => match pim_runtime::write_stdout(&stats.unwrap_or_default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("pim-run: error: writing the statistics: {e}");
                ExitCode::FAILURE
            }
        },
        Err(message) => {
            eprintln!("pim-run: error: {message}");
            ExitCode::FAILURE
        }
    }
}
