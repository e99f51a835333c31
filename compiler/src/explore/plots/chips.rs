//! Plots across chips: area efficiency (the best TOPS/mm^2 of each chip over modes and
//! schedulers at the sweep's largest batch, against its area, one series per model) and, per
//! model, every point's throughput against its energy per image with the Pareto front over
//! throughput (higher), energy per image (lower) and chip area (smaller) marked.

use super::chart::{color, draw_auto, plot_error, range, tick, Labels, Series, SIZE};
use super::{file_part, models, Row};
use crate::Result;
use plotters::prelude::*;
use std::path::Path;

/// Writes `area-efficiency.svg`.
pub fn write_area_efficiency(rows: &[Row], dir: &Path) -> Result<()> {
    let largest = rows.iter().map(|r| r.batch).fold(0.0, f64::max);
    let mut series: Vec<Series> = models(rows)
        .into_iter()
        .map(|model| {
            let at_largest: Vec<&Row> = rows
                .iter()
                .filter(|r| r.model == model && r.batch == largest)
                .collect();
            let mut points: Vec<(f64, f64)> = Vec::new();
            for chip in at_largest.iter().map(|r| &r.chip) {
                let best = at_largest
                    .iter()
                    .filter(|r| &r.chip == chip)
                    .map(|r| (r.number("area_mm2"), r.number("tops_per_mm2")))
                    .fold((0.0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
                if !points.contains(&best) {
                    points.push(best);
                }
            }
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series {
                name: format!("{model} (batch {largest}, best mode)"),
                points,
            }
        })
        .collect();
    let labels = Labels {
        title: "Area efficiency across chips",
        x: "chip area (mm^2)",
        y: "TOPS per mm^2",
    };
    draw_auto(&dir.join("area-efficiency.svg"), &labels, &mut series, true)
}

/// Whether `a` is at least as good as `b` in throughput, energy and area, and better in one.
fn dominates(a: &Row, b: &Row) -> bool {
    let key = |r: &Row| {
        [
            -r.number("throughput_fps"),
            r.energy_per_image(),
            r.number("area_mm2"),
        ]
    };
    let (ka, kb) = (key(a), key(b));
    ka.iter().zip(&kb).all(|(x, y)| x <= y) && ka.iter().zip(&kb).any(|(x, y)| x < y)
}

/// The points no other point dominates.
pub fn pareto<'a, 'r>(rows: &[&'a Row<'r>]) -> Vec<&'a Row<'r>> {
    rows.iter()
        .copied()
        .filter(|r| !rows.iter().any(|o| dominates(o, r)))
        .collect()
}

/// Writes `pareto-<model>.svg`: all points grey, the front coloured by chip area and labelled
/// with their point numbers.
pub fn write_pareto(rows: &[&Row], model: &str, dir: &Path) -> Result<()> {
    let path = dir.join(format!("pareto-{}.svg", file_part(model)));
    let fail = plot_error(&path);
    let front = pareto(rows);
    let xy = |r: &Row| (r.number("throughput_fps"), r.energy_per_image() / 1e6);
    let xs = range(rows.iter().map(|r| xy(r).0), true);
    let ys = range(rows.iter().map(|r| xy(r).1), true);
    let root = SVGBackend::new(&path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
    let title = format!(
        "{model}: throughput vs energy per image; Pareto front over throughput, energy, area ({} of {} points)",
        front.len(),
        rows.len()
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(xs.log_scale(), ys.log_scale())
        .map_err(|e| fail(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc("throughput (images/s, log)")
        .y_desc("energy per image (uJ, log)")
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    chart
        .draw_series(
            rows.iter()
                .map(|r| Circle::new(xy(r), 3, RGBColor(190, 190, 190).filled())),
        )
        .map_err(|e| fail(e.to_string()))?
        .label("dominated point")
        .legend(|(x, y)| Circle::new((x + 8, y), 3, RGBColor(190, 190, 190).filled()));
    let mut areas: Vec<f64> = front.iter().map(|r| r.number("area_mm2")).collect();
    areas.sort_by(f64::total_cmp);
    areas.dedup();
    for (i, area) in areas.iter().enumerate() {
        let on_front = front.iter().filter(|r| r.number("area_mm2") == *area);
        let c = color(i);
        chart
            .draw_series(on_front.map(|r| {
                EmptyElement::at(xy(r))
                    + Circle::new((0, 0), 6, c.filled())
                    + Text::new(format!("#{}", r.index), (8, -8), ("sans-serif", 12))
            }))
            .map_err(|e| fail(e.to_string()))?
            .label(format!("front, {area:.2} mm^2"))
            .legend(move |(x, y)| Circle::new((x + 8, y), 6, c.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    root.present().map_err(|e| fail(e.to_string()))
}
