//! Plots across chips: area efficiency (the best TOPS/mm^2 of each chip over modes and
//! schedulers at the sweep's largest batch, against its area, one series per model) and, per
//! model, every point's throughput against its energy per image with the Pareto front over
//! throughput (higher), energy per image (lower) and chip area (smaller) marked by area.

use super::chart::{draw_auto, draw_series, range, Labels, Series};
use super::{file_part, models, Row};
use crate::Result;
use plotters::coord::combinators::IntoLogRange;
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

/// Writes `pareto-<model>.svg`: every point, and the front's points as one series per chip area
/// whose legend lists their point numbers.
pub fn write_pareto(rows: &[&Row], model: &str, dir: &Path) -> Result<()> {
    let front = pareto(rows);
    let xy = |r: &Row| (r.number("throughput_fps"), r.energy_per_image() / 1e6);
    let xs = range(rows.iter().map(|r| xy(r).0), true);
    let ys = range(rows.iter().map(|r| xy(r).1), true);
    let mut series = vec![Series {
        name: "every point".into(),
        points: rows.iter().map(|r| xy(r)).collect(),
    }];
    let mut areas: Vec<f64> = front.iter().map(|r| r.number("area_mm2")).collect();
    areas.sort_by(f64::total_cmp);
    areas.dedup();
    for area in areas {
        let on_front: Vec<&Row> = front
            .iter()
            .copied()
            .filter(|r| r.number("area_mm2") == area)
            .collect();
        let numbers: Vec<String> = on_front.iter().map(|r| format!("#{}", r.index)).collect();
        series.push(Series {
            name: format!("front, {area:.2} mm^2: {}", numbers.join(" ")),
            points: on_front.iter().map(|r| xy(r)).collect(),
        });
    }
    let title = format!(
        "{model}: Pareto front over throughput, energy, area ({} of {} points)",
        front.len(),
        rows.len()
    );
    let labels = Labels {
        title: &title,
        x: "throughput (images/s, log)",
        y: "energy per image (uJ, log)",
    };
    let path = dir.join(format!("pareto-{}.svg", file_part(model)));
    draw_series(
        &path,
        &labels,
        xs.log_scale(),
        ys.log_scale(),
        &mut series,
        false,
    )
}
