//! Tests of the plots' arithmetic: the Pareto front, the Gantt chart's bars, axis ticks and ranges.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::chart::{range, spans_decades, tick};
use super::chips::pareto;
use super::gantt::bars;
use super::Row;
use serde_json::{json, Value};

fn row(index: usize, report: &Value) -> Row<'_> {
    Row {
        index,
        model: "m".into(),
        chip: "c".into(),
        batch: 1.0,
        pipeline: "reuse".into(),
        scheduler: "pimc".into(),
        report,
    }
}

fn report(fps: f64, energy: f64, area: f64) -> Value {
    json!({"throughput_fps": fps, "energy_pj": {"total": energy}, "area_mm2": area})
}

#[test]
fn the_pareto_front_keeps_the_non_dominated_points() {
    let reports = [
        report(10.0, 5.0, 30.0), // front: fastest
        report(5.0, 2.0, 30.0),  // front: least energy
        report(5.0, 5.0, 30.0),  // dominated by both
        report(4.0, 6.0, 10.0),  // front: smallest chip
    ];
    let rows: Vec<Row> = reports.iter().enumerate().map(|(i, r)| row(i, r)).collect();
    let refs: Vec<&Row> = rows.iter().collect();
    let front: Vec<usize> = pareto(&refs).iter().map(|r| r.index).collect();
    assert_eq!(front, [0, 1, 3]);
}

#[test]
fn gantt_bars_lay_segments_end_to_end() {
    let segments = [
        json!({"load_ns": 1000.0, "exposed_prefetch_ns": 0.0, "compute_ns": 4000.0,
               "latency_ns": 6000.0, "stage_times_ns": [1.0, 0.5]}),
        json!({"load_ns": 0.0, "exposed_prefetch_ns": 500.0, "compute_ns": 1000.0,
               "latency_ns": 1500.0, "stage_times_ns": [2.0]}),
    ];
    let b = bars(&segments);
    // Segment 0: load 1 us, busy 3 us (mean 0.75 of the slowest stage), bubbles 1 us, stall 1 us.
    assert_eq!(b[0], (0, 0, 0.0, 1.0));
    assert_eq!(b[1], (1, 0, 1.0, 4.0));
    assert_eq!(b[2], (2, 0, 4.0, 5.0));
    assert_eq!(b[3], (3, 0, 5.0, 6.0));
    // Segment 1 starts when segment 0 ends: exposed prefetch, then busy compute only.
    assert_eq!(b[4], (0, 1, 6.0, 6.5));
    assert_eq!(b[5], (1, 1, 6.5, 7.5));
    assert_eq!(b.len(), 6);
}

#[test]
fn axes_are_logarithmic_only_across_decades() {
    assert!(spans_decades(&range([1.0, 1024.0].into_iter(), true)));
    assert!(!spans_decades(&range([10.0, 30.0].into_iter(), true)));
    assert_eq!(tick(&100000.0), "1e5");
    assert_eq!(tick(&2.5), "2.5");
    assert_eq!(tick(&0.0), "0");
}
