//! Plots against batch, per model: throughput (images/s), energy per image (µJ) and DRAM's share
//! of the energy (%), one line per chip, mode and scheduler.

use super::chart::{draw_auto, Labels, Series};
use super::{file_part, Row};
use crate::Result;
use std::path::Path;

/// Writes `throughput-`, `energy-` and `dram-share-<model>.svg`.
pub fn write(rows: &[&Row], model: &str, dir: &Path) -> Result<()> {
    let name = file_part(model);
    let mut throughput = series(rows, |r| r.number("throughput_fps"));
    let title = format!("{model}: throughput against batch");
    let labels = Labels {
        title: &title,
        x: "batch (images)",
        y: "throughput (images/s)",
    };
    draw_auto(
        &dir.join(format!("throughput-{name}.svg")),
        &labels,
        &mut throughput,
        true,
    )?;
    let mut energy = series(rows, |r| r.energy_per_image() / 1e6);
    let title = format!("{model}: energy per image against batch");
    let labels = Labels {
        title: &title,
        x: "batch (images)",
        y: "energy per image (uJ)",
    };
    draw_auto(
        &dir.join(format!("energy-{name}.svg")),
        &labels,
        &mut energy,
        true,
    )?;
    let mut share = series(rows, |r| {
        100.0 * r.number("energy_pj.dram") / r.number("energy_pj.total").max(f64::MIN_POSITIVE)
    });
    let title = format!("{model}: DRAM share of the energy against batch");
    let labels = Labels {
        title: &title,
        x: "batch (images)",
        y: "DRAM energy share (%)",
    };
    draw_auto(
        &dir.join(format!("dram-share-{name}.svg")),
        &labels,
        &mut share,
        true,
    )
}

/// One series per chip, mode and scheduler: (batch, value) in batch order.
fn series(rows: &[&Row], value: impl Fn(&Row) -> f64) -> Vec<Series> {
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
