//! The SVG plots of a sweep's results (plotters, SVG backend only), written to `DIR/plots/`:
//!
//! - `throughput-<model>.svg`, `energy-<model>.svg`, `dram-share-<model>.svg`: images/s, energy
//!   per image and DRAM's share of the energy against batch, one line per chip, mode and
//!   scheduler ([`batch`]);
//! - `breakdown-<model>.svg`: the energy per image by component for every mode at the smallest
//!   and largest batch ([`breakdown`]);
//! - `area-efficiency.svg` and `pareto-<model>.svg`: TOPS/mm^2 against chip area, and throughput
//!   against energy per image with the Pareto front over throughput, energy and area ([`chips`]);
//! - `gantt-point-<N>.svg`: one point's segments over time: weight loads, busy and idle
//!   (bubble) compute, DRAM stalls ([`gantt`]).
//!
//! Plots read only the results (so merged shards plot the same); points that met an error are
//! left out.

mod batch;
mod breakdown;
mod chart;
mod chips;
mod gantt;
#[cfg(test)]
mod tests;

use super::output::Results;
use crate::{Error, Result};
use serde_json::Value;
use std::path::Path;

/// A costed point, as the plots see it.
pub struct Row<'a> {
    /// The point's index.
    pub index: usize,
    /// The model's name (file stem).
    pub model: String,
    /// The chip's label.
    pub chip: String,
    /// Images per batch.
    pub batch: f64,
    /// Mode as asked (`auto` included).
    pub pipeline: String,
    /// Scheduler.
    pub scheduler: String,
    /// The full report.
    pub report: &'a Value,
}

impl Row<'_> {
    /// A number of the report by path (`energy_pj.total`), 0 when absent.
    pub fn number(&self, path: &str) -> f64 {
        path.split('.')
            .fold(self.report, |v, key| &v[key])
            .as_f64()
            .unwrap_or(0.0)
    }

    /// Energy per image, pJ.
    pub fn energy_per_image(&self) -> f64 {
        self.number("energy_pj.total") / self.batch.max(1.0)
    }

    /// The series a point belongs to in plots against batch: chip, mode, scheduler.
    pub fn series(&self) -> String {
        format!("{} {} {}", self.chip, self.pipeline, self.scheduler)
    }
}

/// The costed points of `results`, in point order.
pub fn rows(results: &Results) -> Vec<Row<'_>> {
    results
        .points
        .iter()
        .filter_map(|p| {
            let point = &p["point"];
            let report = p.get("report")?;
            let chip = point["chip"].as_u64()? as usize;
            Some(Row {
                index: point["index"].as_u64()? as usize,
                model: report["model"].as_str()?.to_owned(),
                chip: results.chips.get(chip)?["label"].as_str()?.to_owned(),
                batch: point["batch"].as_f64()?,
                pipeline: point["pipeline"].as_str()?.to_owned(),
                scheduler: point["scheduler"].as_str()?.to_owned(),
                report,
            })
        })
        .collect()
}

/// The models of `rows`, in first-appearance order.
pub fn models(rows: &[Row]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        if !names.contains(&r.model) {
            names.push(r.model.clone());
        }
    }
    names
}

/// Writes every plot into `dir`; `gantt` picks the point of the Gantt chart (default: the first
/// `reuse` point at the sweep's largest batch, else the first costed point).
pub fn write_all(results: &Results, dir: &Path, gantt: Option<usize>) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let rows = rows(results);
    for model in models(&rows) {
        let of_model: Vec<&Row> = rows.iter().filter(|r| r.model == model).collect();
        batch::write(&of_model, &model, dir)?;
        breakdown::write(&of_model, &model, dir)?;
        chips::write_pareto(&of_model, &model, dir)?;
    }
    chips::write_area_efficiency(&rows, dir)?;
    if let Some(row) = gantt_row(&rows, gantt) {
        gantt::write(row, dir)?;
    }
    Ok(())
}

fn gantt_row<'a, 'r>(rows: &'a [Row<'r>], chosen: Option<usize>) -> Option<&'a Row<'r>> {
    if let Some(index) = chosen {
        return rows.iter().find(|r| r.index == index);
    }
    let largest = rows.iter().map(|r| r.batch).fold(0.0, f64::max);
    rows.iter()
        .find(|r| r.pipeline == "reuse" && r.batch == largest)
        .or(rows.first())
}

/// A file name part from free text: letters, digits, `-` and `_` kept, the rest `_`.
pub fn file_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
