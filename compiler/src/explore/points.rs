//! The points of a sweep: the product of its axes in one fixed order (model, chip, batch, mode,
//! scheduler; the last fastest), numbered from 0. The number is a point's identity across shards
//! and outputs.

use super::overrides::Chip;
use super::spec::Sweep;
use crate::schedule::{Pipeline, Scheduler};

/// One point of the sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// Its number in the whole sweep.
    pub index: usize,
    /// Index into the sweep's models.
    pub model: usize,
    /// Index into the sweep's chips ([`super::overrides::chips`]).
    pub chip: usize,
    /// Images per batch.
    pub batch: u64,
    /// The mode (`None`: auto).
    pub pipeline: Option<Pipeline>,
    /// Who plans.
    pub scheduler: Scheduler,
}

/// Every point of `sweep` over `chips`, in order.
pub fn points(sweep: &Sweep, chips: &[Chip]) -> Vec<Point> {
    let mut points = Vec::new();
    for model in 0..sweep.models.len() {
        for chip in 0..chips.len() {
            for &batch in &sweep.batches {
                for &pipeline in &sweep.pipelines {
                    for &scheduler in &sweep.schedulers {
                        points.push(Point {
                            index: points.len(),
                            model,
                            chip,
                            batch,
                            pipeline,
                            scheduler,
                        });
                    }
                }
            }
        }
    }
    points
}

/// The point's coordinates as JSON: model, chip (index into the output's chips), target, overrides, batch, mode, scheduler.
pub fn describe(point: &Point, sweep: &Sweep, chips: &[Chip]) -> serde_json::Value {
    let chip = &chips[point.chip];
    let set: serde_json::Map<String, serde_json::Value> = chip
        .settings
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(v)))
        .collect();
    serde_json::json!({
        "index": point.index,
        "model": sweep.models[point.model],
        "chip": point.chip,
        "target": chip.base,
        "set": set,
        "batch": point.batch,
        "pipeline": Pipeline::choice_name(point.pipeline),
        "scheduler": point.scheduler.name(),
    })
}
