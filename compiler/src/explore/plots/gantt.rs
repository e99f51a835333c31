//! The schedule of one point as a Gantt chart: one row per segment, in order along the batch's
//! time line; each segment's weight loads (with the exposed part of its prefetch), its compute
//! split into busy time and bubbles (the idle share of its stages: 1 - mean stage time / slowest
//! stage time), and any time it waits for DRAM activation transfers beyond its compute.

use super::chart::{boxed_legend, category, color, plot_error, tick, SIZE};
use super::Row;
use crate::Result;
use plotters::prelude::*;
use serde_json::Value;
use std::path::Path;

/// One bar: kind (legend index), row, start and end, µs.
pub(super) type Bar = (usize, usize, f64, f64);

/// The bar kinds, in legend order.
const KINDS: [&str; 4] = [
    "weight load",
    "compute (busy)",
    "bubbles (idle stages)",
    "DRAM stall",
];

/// Writes `gantt-point-<N>.svg`.
pub fn write(row: &Row, dir: &Path) -> Result<()> {
    let path = dir.join(format!("gantt-point-{}.svg", row.index));
    let fail = plot_error(&path);
    let segments = row.report["segments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let bars = bars(&segments);
    let end = bars.iter().map(|b| b.3).fold(0.0, f64::max).max(1e-6);
    let n = segments.len().max(1);
    let rows: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let height = SIZE.1.max(120 + 22 * n as u32);
    let root = SVGBackend::new(&path, (SIZE.0, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
    let title = format!(
        "Point #{}: {} on {}, batch {}, {} / {} scheduler: segments over time",
        row.index,
        row.model,
        row.chip,
        row.batch,
        row.report["pipeline"].as_str().unwrap_or_default(),
        row.scheduler
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 16))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..end * 1.02, (n as f64 - 0.5)..-0.5)
        .map_err(|e| fail(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc("time from the batch's start (us)")
        .y_desc("segment")
        .x_label_formatter(&tick)
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .y_labels(n.min(40))
        .y_label_formatter(&|y| category(*y, &rows))
        .disable_y_mesh()
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    for (kind, name) in KINDS.iter().enumerate() {
        let c = color(kind);
        let rects = bars
            .iter()
            .filter(|b| b.0 == kind)
            .map(|&(_, row, x0, x1)| {
                let y = row as f64;
                Rectangle::new([(x0, y - 0.4), (x1, y + 0.4)], c.filled())
            });
        chart
            .draw_series(rects)
            .map_err(|e| fail(e.to_string()))?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
    }
    boxed_legend(&mut chart, SeriesLabelPosition::LowerRight).map_err(&fail)?;
    root.present().map_err(|e| fail(e.to_string()))
}

/// The bars of the segments laid end to end (µs).
pub(super) fn bars(segments: &[Value]) -> Vec<Bar> {
    let us = |s: &Value, key: &str| s[key].as_f64().unwrap_or(0.0) / 1e3;
    let mut bars = Vec::new();
    let mut start = 0.0;
    for (row, s) in segments.iter().enumerate() {
        let load = us(s, "load_ns") + us(s, "exposed_prefetch_ns");
        let compute = us(s, "compute_ns");
        let busy = compute * busy_fraction(s);
        let stall = (us(s, "latency_ns") - load - compute).max(0.0);
        let mut at = start;
        for (kind, length) in [(0, load), (1, busy), (2, compute - busy), (3, stall)] {
            if length > 0.0 {
                bars.push((kind, row, at, at + length));
                at += length;
            }
        }
        start += us(s, "latency_ns").max(at - start);
    }
    bars
}

/// The busy share of a segment's compute: mean stage time over the slowest stage's.
fn busy_fraction(segment: &Value) -> f64 {
    let times: Vec<f64> = segment["stage_times_ns"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    let slowest = times.iter().copied().fold(0.0, f64::max);
    if times.is_empty() || slowest <= 0.0 {
        return 1.0;
    }
    times.iter().sum::<f64>() / times.len() as f64 / slowest
}
