//! The energy breakdown per mode: on the model's first chip, for every mode and scheduler at the
//! smallest and largest batch of the sweep, a horizontal bar of the energy per image split by component (DRAM,
//! crossbar writes, compute, buffers, interconnect, vector unit, leakage) as shares, with the
//! total in the bar's label.

use super::chart::{boxed_legend, category, color, plot_error, SIZE};
use super::{file_part, Row};
use crate::Result;
use plotters::prelude::*;
use std::path::Path;

/// The energy components of a report (the keys of `energy_pj` but `total`), in key order.
fn components(row: &Row) -> Vec<String> {
    row.report["energy_pj"]
        .as_object()
        .map(|o| o.keys().filter(|k| *k != "total").cloned().collect())
        .unwrap_or_default()
}

/// Writes `breakdown-<model>.svg`.
pub fn write(rows: &[&Row], model: &str, dir: &Path) -> Result<()> {
    let path = dir.join(format!("breakdown-{}.svg", file_part(model)));
    let fail = plot_error(&path);
    let bars = chosen(rows);
    let labels: Vec<String> = bars
        .iter()
        .map(|r| {
            format!(
                "{} {} b={} ({:.3} uJ/image)",
                r.pipeline,
                r.scheduler,
                r.batch,
                r.energy_per_image() / 1e6
            )
        })
        .collect();
    let height = (200 + 30 * bars.len() as u32).max(400);
    let root = SVGBackend::new(&path, (SIZE.0 + 120, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
    let n = bars.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{model} on {}: energy per image by component",
                bars.first().map(|r| r.chip.as_str()).unwrap_or_default()
            ),
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(300)
        .build_cartesian_2d(0.0..100.0, -0.5..(n - 0.5))
        .map_err(|e| fail(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc("share of the energy per image (%)")
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .y_labels(bars.len().max(1))
        .y_label_formatter(&|y| category(*y, &labels))
        .disable_y_mesh()
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    let components = bars.first().map(|r| components(r)).unwrap_or_default();
    for (c, component) in components.iter().enumerate() {
        let key = format!("energy_pj.{component}");
        let rects = bars.iter().enumerate().map(|(i, r)| {
            let total = r.number("energy_pj.total").max(f64::MIN_POSITIVE);
            let before: f64 = components[..c]
                .iter()
                .map(|k| r.number(&format!("energy_pj.{k}")))
                .sum();
            let (x0, x1) = (
                100.0 * before / total,
                100.0 * (before + r.number(&key)) / total,
            );
            let y = i as f64;
            Rectangle::new([(x0, y - 0.35), (x1, y + 0.35)], color(c).filled())
        });
        let fill = color(c);
        chart
            .draw_series(rects)
            .map_err(|e| fail(e.to_string()))?
            .label(component.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], fill.filled()));
    }
    boxed_legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(&fail)?;
    root.present().map_err(|e| fail(e.to_string()))
}

/// The points drawn: the first chip's, each mode and scheduler at the smallest and the largest
/// batch.
fn chosen<'a, 'r>(rows: &[&'a Row<'r>]) -> Vec<&'a Row<'r>> {
    let batches = rows.iter().map(|r| r.batch);
    let smallest = batches.clone().fold(f64::INFINITY, f64::min);
    let largest = batches.fold(0.0, f64::max);
    let chip = rows.first().map(|r| r.chip.as_str()).unwrap_or_default();
    rows.iter()
        .copied()
        .filter(|r| r.chip == chip && (r.batch == smallest || r.batch == largest))
        .collect()
}
