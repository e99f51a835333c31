//! Plots against batch, per model: throughput (images/s), energy per image (µJ) and DRAM's share
//! of the energy (%), one line per chip, mode and scheduler.

use super::chart::{draw_auto, Labels, Series};
use super::{file_part, Row};
use crate::Result;
use std::path::Path;

/// A plot against batch: file prefix, title, y label, and the value of a point.
type Plot = (&'static str, &'static str, &'static str, fn(&Row) -> f64);

/// The plots against batch.
const PLOTS: [Plot; 3] = [
    ("throughput", "throughput", "throughput (images/s)", |r| {
        r.number("throughput_fps")
    }),
    ("energy", "energy per image", "energy per image (uJ)", |r| {
        r.energy_per_image() / 1e6
    }),
    (
        "dram-share",
        "DRAM share of the energy",
        "DRAM energy share (%)",
        |r| 100.0 * r.number("energy_pj.dram") / r.number("energy_pj.total").max(f64::MIN_POSITIVE),
    ),
];

/// Writes `throughput-`, `energy-` and `dram-share-<model>.svg`.
pub fn write(rows: &[&Row], model: &str, dir: &Path) -> Result<()> {
    for (file, what, y, value) in PLOTS {
        let title = format!("{model}: {what} against batch");
        let labels = Labels {
            title: &title,
            x: "batch (images)",
            y,
        };
        let path = dir.join(format!("{file}-{}.svg", file_part(model)));
        draw_auto(&path, &labels, &mut series(rows, value), true)?;
    }
    Ok(())
}

/// One series per chip, mode and scheduler: (batch, value) in batch order.
fn series(rows: &[&Row], value: fn(&Row) -> f64) -> Vec<Series> {
    let mut all: Vec<Series> = Vec::new();
    for r in rows {
        let name = r.series();
        let point = (r.batch, value(r));
        match all.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push(point),
            None => all.push(Series {
                name,
                points: vec![point],
            }),
        }
    }
    for s in &mut all {
        s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    all
}
