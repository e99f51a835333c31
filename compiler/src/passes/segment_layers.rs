//! `pim-segment-layers` (phase `scheduled`): splits the layers, in order, into segments (weight
//! groups) that fit the chip and fixes the pipeline mode and the batch (DESIGN.md §1): every
//! tiled weight gets a `pim.load_weights` view saying, per column part, in which segment its
//! crossbars are written, with one copy each and no crossbar placed yet (`pim-duplicate-layers`
//! and `pim-place-crossbars` fill those in). The segmentation is the cost model's
//! ([`crate::cost::schedule::schedule`]), so the program runs the schedule the report costs.
//!
//! ```text
//! %t = "pim.tile"(%w) {...}
//! %y = "pim.mvm"(%x, %t, %b) {...}
//! // after, --pipeline=baseline at batch 64 (segment 1 of the network):
//! %l = "pim.load_weights"(%t) {segments = array<i64: 1>, copies = array<i64: 1>,
//!        first_crossbars = array<i64: -1>, pipeline = "baseline", runs = 1, images = 64}
//! %y = "pim.mvm"(%x, %l, %b) {...}
//! ```

use super::scheduled::{insert_view, load_of, tile_of, tiled_program};
use super::{run_on_layers, Ir, PassContext};
use crate::cost::layers::ir_batch;
use crate::cost::schedule::{schedule, ScheduleOptions};
use crate::Result;
use pim_dialects::{Func, PimOp};
use pim_runtime::target::Target;

/// The pass flag.
pub const FLAG: &str = "pim-segment-layers";

/// Runs the pass (options `pipeline=`, `segmentation=`, `granularity=`, `batch=`; defaults: the
/// compiler's).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(
        FLAG,
        ir,
        options,
        cx,
        &["pipeline", "segmentation", "granularity", "batch"],
        |f, o| segment_layers(f, &cx.target, o),
    )
}

/// Schedules tiled IR and records the segments in `pim.load_weights` views.
pub fn segment_layers(
    func: &Func<PimOp>,
    target: &Target,
    options: &ScheduleOptions,
) -> std::result::Result<Func<PimOp>, String> {
    let (program, nodes) = tiled_program(func, target, options.granularity)?;
    let options = ScheduleOptions {
        batch: images(func, options.batch)?,
        ..*options
    };
    let sched = schedule(&program, target, &options).map_err(|e| e.to_string())?;
    let producers = func.producers();
    let mut segments_of_layer: Vec<Vec<i64>> = vec![Vec::new(); program.layers.len()];
    for (id, segment) in sched.segments.iter().enumerate() {
        for stage in &program.stages[segment.stages.clone()] {
            if let Some(mvm) = &stage.mvm {
                segments_of_layer[mvm.layer].push(id as i64);
            }
        }
    }
    let mut out = func.clone();
    for (layer, segments) in segments_of_layer.iter().enumerate().rev() {
        let index = nodes[layer];
        let node = &func.nodes[index];
        if segments.is_empty() {
            continue;
        }
        if load_of(func, &producers, node).is_some() {
            return Err(format!(
                "layer `{}` is already scheduled (its weight comes from a pim.load_weights)",
                node.name
            ));
        }
        if tile_of(func, &producers, node).is_none() {
            return Err(format!("layer `{}`: its weight is not tiled", node.name));
        }
        let op = PimOp::LoadWeights {
            segments: segments.clone(),
            copies: vec![1; segments.len()],
            first_crossbars: vec![-1; segments.len()],
            pipeline: sched.pipeline.name().to_owned(),
            runs: i64::try_from(sched.runs).map_err(|_| "too many runs")?,
            images: i64::try_from(sched.images_per_run).map_err(|_| "too many images")?,
        };
        let weight = node.operands[1];
        let loaded = insert_view(&mut out, index, format!("{}.load", node.name), op, weight);
        out.nodes[index + 1].operands[1] = loaded;
    }
    Ok(out)
}

/// The images of the batch: the IR's batch (dimension 0 of the inputs) when it is above 1 (a
/// symbolic batch bound at import), else `batch` (a fixed-batch-1 network run on `batch`
/// images, one after another).
fn images(func: &Func<PimOp>, batch: u64) -> std::result::Result<u64, String> {
    let ir = ir_batch(func);
    match (ir, batch) {
        (1, b) => Ok(b),
        (n, b) if b == 1 || b == n => Ok(n),
        (n, b) => Err(format!(
            "batch {b} asked for, but the IR's batch (dimension 0 of its inputs) is {n}"
        )),
    }
}
