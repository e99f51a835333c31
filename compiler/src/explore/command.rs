//! The `pimc explore` command line: a sweep file and/or axis lists, `--set` overrides, the output
//! directory, `--shard i/n`, or `--merge DIR...` of shard outputs.

use super::output::Results;
use super::overrides::parse_set;
use super::shard::{merge, Shard};
use super::spec::{parse_batch, parse_each, parse_scheduler, Sweep};
use super::{plots, run};
use crate::schedule::Pipeline;
use crate::{Error, Result};
use pim_runtime::target::Target;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// pimc explore: sweeps models, chips, batches, modes and schedulers through the cost model.
#[derive(Debug, clap::Parser)]
#[command(name = "pimc explore", bin_name = "pimc explore", about, long_about = None)]
pub struct ExploreArgs {
    /// A sweep file (TOML; docs/explore.md). Axis options below replace its axes.
    pub sweep: Option<PathBuf>,
    /// ONNX models, comma-separated.
    #[arg(long = "model", value_delimiter = ',')]
    pub models: Vec<String>,
    /// Target presets or TOML files, comma-separated.
    #[arg(long = "target", value_delimiter = ',')]
    pub targets: Vec<String>,
    /// Batch sizes, comma-separated.
    #[arg(long = "batch", value_delimiter = ',')]
    pub batches: Vec<String>,
    /// Modes (layer, baseline, reuse, full, auto), comma-separated.
    #[arg(long = "pipeline", value_delimiter = ',')]
    pub pipelines: Vec<String>,
    /// Schedulers (paper, pimc), comma-separated.
    #[arg(long = "scheduler", value_delimiter = ',')]
    pub schedulers: Vec<String>,
    /// A target override axis `section.field=v1,v2,...` (any field of the target TOML); repeat
    /// for more axes.
    #[arg(long = "set", value_name = "KEY=VALUES")]
    pub set: Vec<String>,
    /// The point whose schedule is drawn as a Gantt chart.
    #[arg(long)]
    pub gantt: Option<usize>,
    /// Output directory (results.csv, results.json, chips/, plots/).
    #[arg(long)]
    pub out: PathBuf,
    /// Run only shard i of n (`i/n`, 0-based); merge the shards' outputs with --merge.
    #[arg(long, value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Merge these shard output directories into --out instead of running a sweep.
    #[arg(long, num_args = 1.., value_name = "DIR", conflicts_with_all = ["sweep", "shard"])]
    pub merge: Vec<PathBuf>,
}

/// Runs `pimc explore`.
pub fn main(args: ExploreArgs) -> Result<()> {
    let started = Instant::now();
    let results = if args.merge.is_empty() {
        run::run(&sweep(&args)?, args.shard)?
    } else {
        merge(&args.merge)?
    };
    results.write(&args.out)?;
    if results.shard.is_none() {
        let gantt = args
            .gantt
            .or(results.sweep["gantt"].as_u64().map(|g| g as usize));
        plots::write_all(&results, &args.out.join("plots"), gantt)?;
    }
    summarise(&results, started);
    Ok(())
}

/// The sweep: the file's (or the defaults), with the command line's axes replacing its own.
fn sweep(args: &ExploreArgs) -> Result<Sweep> {
    let mut sweep = match &args.sweep {
        Some(path) => Sweep::from_file(path)?,
        None => Sweep::default(),
    };
    let origin = "command line";
    if !args.models.is_empty() {
        sweep.models = from_here(&args.models, &sweep)?;
    }
    if !args.targets.is_empty() {
        sweep.targets = from_here(&args.targets, &sweep)?;
    }
    if !args.batches.is_empty() {
        sweep.batches = parse_each("--batch", &args.batches, origin, parse_batch)?;
    }
    if !args.pipelines.is_empty() {
        sweep.pipelines = parse_each(
            "--pipeline",
            &args.pipelines,
            origin,
            Pipeline::parse_choice,
        )?;
    }
    if !args.schedulers.is_empty() {
        sweep.schedulers = parse_each("--scheduler", &args.schedulers, origin, parse_scheduler)?;
    }
    for axis in parse_each("--set", &args.set, origin, parse_set)? {
        sweep.set.retain(|a| a.key != axis.key);
        sweep.set.push(axis);
    }
    if args.gantt.is_some() {
        sweep.gantt = args.gantt;
    }
    sweep.check(origin)?;
    Ok(sweep)
}

/// Command-line paths, relative to the current directory, made to resolve from the sweep's base
/// directory (absolute when a sweep file sets another base; presets stay names).
fn from_here(items: &[String], sweep: &Sweep) -> Result<Vec<String>> {
    if sweep.base_dir == Path::new(".") {
        return Ok(items.to_vec());
    }
    let here = std::env::current_dir().map_err(|source| Error::Io {
        path: ".".into(),
        source,
    })?;
    Ok(items
        .iter()
        .map(|item| {
            let preset = Target::preset_names().contains(&item.as_str());
            if preset || Path::new(item).is_absolute() {
                item.clone()
            } else {
                here.join(item).display().to_string()
            }
        })
        .collect())
}

/// One line on stdout: points, errors, time and rate.
fn summarise(results: &Results, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    let points = results.points.len();
    let errors = results
        .points
        .iter()
        .filter(|p| p.get("error").is_some())
        .count();
    let rate = if seconds > 0.0 {
        points as f64 / seconds
    } else {
        0.0
    };
    println!(
        "pimc explore: {points} points ({errors} not schedulable) in {seconds:.2} s, {rate:.1} points/s"
    );
}
