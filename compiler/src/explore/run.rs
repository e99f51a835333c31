//! Running a sweep: chips built and checked, points enumerated (this shard's), layer-level IR
//! prepared, then every point planned and costed in parallel on all cores (rayon), with a
//! progress bar on stderr when stdout is a terminal. A point that cannot be scheduled (e.g.
//! `full` on a network larger than the chip) is recorded with its error; the others still run.

use super::output::{chip_json, Results};
use super::overrides::{chips, Chip};
use super::points::{describe, points, Point};
use super::prepare::Prepared;
use super::shard::Shard;
use super::spec::Sweep;
use crate::cli::model_name;
use crate::pipeline::report_layers;
use crate::schedule::Options;
use crate::{Error, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::io::IsTerminal;

/// Runs `sweep` (or its `shard`) and returns the results in point order.
pub fn run(sweep: &Sweep, shard: Option<Shard>) -> Result<Results> {
    let chips = chips(sweep)?;
    let all = points(sweep, &chips);
    if let Some(gantt) = sweep.gantt.filter(|&g| g >= all.len()) {
        return Err(Error::Sweep {
            origin: "sweep".into(),
            message: format!(
                "`gantt`: point {gantt} does not exist (the sweep has {} points)",
                all.len()
            ),
        });
    }
    let mine: Vec<Point> = all
        .iter()
        .copied()
        .filter(|p| shard.is_none_or(|s| s.contains(p.index)))
        .collect();
    let bar = progress_bar(mine.len());
    bar.set_message("importing and rewriting the models");
    let prepared = Prepared::new(sweep, &chips, &mine)?;
    bar.set_message("points");
    let results: Vec<Value> = mine
        .par_iter()
        .map(|p| {
            let result = evaluate(p, sweep, &chips, &prepared);
            bar.inc(1);
            result
        })
        .collect::<Result<_>>()?;
    bar.finish_and_clear();
    Ok(Results {
        sweep: sweep.to_json(),
        total: all.len(),
        shard: shard.map(|s| format!("{}/{}", s.index, s.count)),
        chips: chips.iter().map(chip_json).collect(),
        points: results,
    })
}

/// One point: its coordinates and report, or the scheduling error it met.
fn evaluate(point: &Point, sweep: &Sweep, chips: &[Chip], prepared: &Prepared) -> Result<Value> {
    let coordinates = describe(point, sweep, chips);
    let options = Options {
        batch: point.batch,
        pipeline: point.pipeline,
        scheduler: point.scheduler,
        granularity: None,
        segmentation: None,
    };
    let name = model_name(&sweep.model_path(point.model));
    let layers = prepared.layers(point)?.clone();
    Ok(
        match report_layers(layers, &name, &chips[point.chip].target, options) {
            Ok(report) => json!({ "point": coordinates, "report": report }),
            Err(error) => json!({ "point": coordinates, "error": error.to_string() }),
        },
    )
}

/// A bar counting points on stderr when stdout is a terminal, else a hidden one.
fn progress_bar(points: usize) -> ProgressBar {
    if !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar =
        ProgressBar::with_draw_target(Some(points as u64), ProgressDrawTarget::stderr_with_hz(5));
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}, {per_sec}, eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}
