//! Reading the decisions the tiled and scheduled phases record in the IR: every crossbar layer's
//! weight flows `pim.constant -> pim.tile -> pim.load_weights -> pim.mvm`, and the two views
//! carry the tiling (`pim.tile`) and, per column part, the segment, copies and first crossbar
//! (`pim.load_weights`). [`read`] turns them into the stages and segments that
//! `pim-duplicate-layers`, `pim-place-crossbars` and the back end work on, checking that they
//! agree with the target (so hand-edited IR cannot make the back end guess).

use crate::cost::layers::{layer_nodes, layers_of};
use crate::cost::mapping::Tiling;
use crate::cost::schedule::{Pipeline, Program, StageMvm};
use crate::cost::Granularity;
use pim_dialects::{Func, Node, PimOp, ValueId};
use pim_runtime::target::Target;
use std::ops::Range;

/// The schedule recorded in scheduled-phase IR.
#[derive(Debug, Clone)]
pub struct Scheduled {
    /// The IR's layers grouped into stages on the target (column parts included).
    pub program: Program,
    /// The node index of every layer of `program`.
    pub layer_nodes: Vec<usize>,
    /// The execution mode.
    pub pipeline: Pipeline,
    /// Times the segments run for the batch.
    pub runs: u64,
    /// Images per run.
    pub images: u64,
    /// The segments: ranges of stages, in order.
    pub segments: Vec<Range<usize>>,
    /// Copies of every stage's crossbar layer (1 without one).
    pub copies: Vec<u64>,
    /// First crossbar of every stage's copies (`None`: not placed, or no crossbar layer).
    pub first_crossbars: Vec<Option<u64>>,
    /// The `pim.load_weights` node and column part of every stage with a crossbar layer.
    pub loads: Vec<Option<(usize, usize)>>,
}

/// The pipeline mode named `name`.
pub fn pipeline_named(name: &str) -> Result<Pipeline, String> {
    [Pipeline::Layer, Pipeline::Baseline, Pipeline::Full]
        .into_iter()
        .find(|p| p.name() == name)
        .ok_or_else(|| format!("unknown pipeline `{name}` (layer, baseline or full)"))
}

/// The node producing `value`, if it is a node of the kind `wanted` accepts.
fn producer_of<'f>(
    func: &'f Func<PimOp>,
    producers: &[Option<usize>],
    value: ValueId,
    wanted: fn(&PimOp) -> bool,
) -> Option<(usize, &'f Node<PimOp>)> {
    let index = producers.get(value).copied().flatten()?;
    let node = &func.nodes[index];
    wanted(&node.op).then_some((index, node))
}

/// The `pim.tile` node of crossbar layer `mvm` (its weight, or the weight of its
/// `pim.load_weights`).
pub fn tile_of(
    func: &Func<PimOp>,
    producers: &[Option<usize>],
    mvm: &Node<PimOp>,
) -> Option<usize> {
    let weight = *mvm.operands.get(1)?;
    let is_tile = |op: &PimOp| matches!(op, PimOp::Tile { .. });
    let is_load = |op: &PimOp| matches!(op, PimOp::LoadWeights { .. });
    if let Some((index, _)) = producer_of(func, producers, weight, is_tile) {
        return Some(index);
    }
    let (_, load) = producer_of(func, producers, weight, is_load)?;
    producer_of(func, producers, *load.operands.first()?, is_tile).map(|(index, _)| index)
}

/// The `pim.load_weights` node of crossbar layer `mvm`.
pub fn load_of(
    func: &Func<PimOp>,
    producers: &[Option<usize>],
    mvm: &Node<PimOp>,
) -> Option<usize> {
    let is_load = |op: &PimOp| matches!(op, PimOp::LoadWeights { .. });
    producer_of(func, producers, *mvm.operands.get(1)?, is_load).map(|(index, _)| index)
}

/// Inserts `op` on `value` right before node `before`, returns its result (same shape).
pub fn insert_view(
    func: &mut Func<PimOp>,
    before: usize,
    name: String,
    op: PimOp,
    value: ValueId,
) -> ValueId {
    let result = func.new_value(func.shape(value).to_vec());
    func.nodes.insert(
        before,
        Node {
            op,
            operands: vec![value],
            result,
            name,
        },
    );
    result
}

/// The layers of `func` grouped into stages on `target`, and the node of every layer.
pub fn stages(
    func: &Func<PimOp>,
    target: &Target,
    granularity: Granularity,
) -> Result<(Program, Vec<usize>), String> {
    let layers = layers_of(func).map_err(|e| e.to_string())?;
    let program = Program::new(layers, target, granularity).map_err(|e| e.to_string())?;
    Ok((program, layer_nodes(func)))
}

/// The stages of `func` on `target`, checking that every crossbar layer's `pim.tile` is its
/// tiling on the target (hand-edited IR cannot make the back end tile differently).
pub fn tiled_program(
    func: &Func<PimOp>,
    target: &Target,
    granularity: Granularity,
) -> Result<(Program, Vec<usize>), String> {
    let (program, nodes) = stages(func, target, granularity)?;
    let producers = func.producers();
    for mvm in program.stages.iter().filter_map(|s| s.mvm.as_ref()) {
        let node = &func.nodes[nodes[mvm.layer]];
        let tile = tile_of(func, &producers, node).ok_or_else(|| {
            format!(
                "layer `{}`: its weight is not tiled (run pim-tile-weights)",
                node.name
            )
        })?;
        let expected = tile_op(&program, mvm, target, &node.name)?;
        if func.nodes[tile].op != expected {
            return Err(format!(
                "layer `{}`: {:?} is not its tiling on this target with {} granularity, {expected:?}",
                node.name,
                func.nodes[tile].op,
                granularity.name()
            ));
        }
    }
    Ok((program, nodes))
}

/// The `pim.tile` of the crossbar layer of stage mvm `mvm` (named `name`) on `target`: the
/// tiling of its whole matrix and its column parts.
pub fn tile_op(
    program: &Program,
    mvm: &StageMvm,
    target: &Target,
    name: &str,
) -> Result<PimOp, String> {
    let whole = program.layers[mvm.layer]
        .mvm()
        .map(|m| m.shape)
        .ok_or("internal error: a stage's layer is not a crossbar layer")?;
    let tiling = Tiling::new(whole, target);
    let attr = |v: u64| i64::try_from(v).map_err(|_| format!("layer `{name}`: {v} is too large"));
    Ok(PimOp::Tile {
        columns_per_weight: attr(tiling.columns_per_weight)?,
        row_tiles: attr(tiling.row_tiles)?,
        col_tiles: attr(tiling.col_tiles)?,
        groups_per_crossbar: attr(tiling.groups_per_crossbar)?,
        crossbars: attr(tiling.crossbars)?,
        parts: attr(mvm.parts)?,
    })
}

/// What one `pim.load_weights` records.
struct Load<'f> {
    segments: &'f [i64],
    copies: &'f [i64],
    first_crossbars: &'f [i64],
    pipeline: &'f str,
    runs: i64,
    images: i64,
}

fn load_attributes(node: &Node<PimOp>) -> Option<Load<'_>> {
    match &node.op {
        PimOp::LoadWeights {
            segments,
            copies,
            first_crossbars,
            pipeline,
            runs,
            images,
        } => Some(Load {
            segments,
            copies,
            first_crossbars,
            pipeline,
            runs: *runs,
            images: *images,
        }),
        _ => None,
    }
}

/// Reads the schedule of scheduled-phase IR. `batch` is the images of the batch, used when the
/// network has no crossbar layer (then it is one segment run once).
pub fn read(
    func: &Func<PimOp>,
    target: &Target,
    granularity: Granularity,
    batch: u64,
) -> Result<Scheduled, String> {
    let (program, nodes) = tiled_program(func, target, granularity)?;
    let producers = func.producers();
    let count = program.stages.len();
    let mut scheduled = Scheduled {
        layer_nodes: nodes,
        pipeline: Pipeline::Full,
        runs: 1,
        images: batch,
        segments: Vec::new(),
        copies: vec![1; count],
        first_crossbars: vec![None; count],
        loads: vec![None; count],
        program,
    };
    let mut segment_of = vec![0usize; count];
    let mut header: Option<(String, i64, i64)> = None;
    for (s, stage) in scheduled.program.stages.iter().enumerate() {
        let Some(mvm) = &stage.mvm else {
            segment_of[s] = if s == 0 { 0 } else { segment_of[s - 1] };
            continue;
        };
        let node = &func.nodes[scheduled.layer_nodes[mvm.layer]];
        let index = load_of(func, &producers, node).ok_or_else(|| {
            format!("layer `{}`: its weight is not loaded by a pim.load_weights (run pim-segment-layers)", node.name)
        })?;
        let load = load_attributes(&func.nodes[index]).ok_or("not a pim.load_weights")?;
        let part = mvm.part as usize;
        let parts = mvm.parts as usize;
        let at = |values: &[i64], what: &str| {
            if values.len() != parts {
                return Err(format!(
                    "layer `{}`: pim.load_weights has {} {what} for {parts} column parts",
                    node.name,
                    values.len()
                ));
            }
            Ok(values[part])
        };
        let segment = at(load.segments, "segments")?;
        let copies = at(load.copies, "copies")?;
        let first = at(load.first_crossbars, "first crossbars")?;
        segment_of[s] = usize::try_from(segment)
            .map_err(|_| format!("layer `{}`: segment {segment} is negative", node.name))?;
        scheduled.copies[s] = u64::try_from(copies)
            .ok()
            .filter(|&c| c > 0)
            .ok_or_else(|| format!("layer `{}`: {copies} copies; at least 1", node.name))?;
        scheduled.first_crossbars[s] = u64::try_from(first).ok();
        scheduled.loads[s] = Some((index, part));
        let this = (load.pipeline.to_owned(), load.runs, load.images);
        match &header {
            Some(h) if *h != this => {
                return Err(format!(
                    "layer `{}`: pim.load_weights says pipeline {}, {} runs of {} images; an earlier one {}, {} of {}",
                    node.name, this.0, this.1, this.2, h.0, h.1, h.2
                ))
            }
            _ => header = Some(this),
        }
    }
    if let Some((pipeline, runs, images)) = header {
        scheduled.pipeline = pipeline_named(&pipeline)?;
        let positive = |v: i64, what: &str| {
            u64::try_from(v)
                .ok()
                .filter(|&v| v > 0)
                .ok_or_else(|| format!("pim.load_weights: {what} = {v} must be positive"))
        };
        scheduled.runs = positive(runs, "runs")?;
        scheduled.images = positive(images, "images")?;
    }
    scheduled.segments = contiguous_segments(&segment_of)?;
    Ok(scheduled)
}

/// The stage ranges of segments 0, 1, 2, ... given each stage's segment; segments must follow
/// layer order without gaps.
fn contiguous_segments(segment_of: &[usize]) -> Result<Vec<Range<usize>>, String> {
    let mut segments: Vec<Range<usize>> = Vec::new();
    for (s, &segment) in segment_of.iter().enumerate() {
        let open = segments.len();
        match segments.last_mut() {
            Some(last) if segment + 1 == open => last.end = s + 1,
            _ if segment == open => segments.push(s..s + 1),
            _ => {
                let due = match open {
                    0 => "0".to_owned(),
                    n => format!("{} or {n}", n - 1),
                };
                return Err(format!(
                    "stage {s} is in segment {segment}, not {due}: segments must be numbered 0, 1, ... in layer order"
                ));
            }
        }
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::contiguous_segments;

    #[test]
    fn segments_follow_layer_order() {
        assert_eq!(
            contiguous_segments(&[0, 0, 1, 2, 2]).unwrap(),
            vec![0..2, 2..3, 3..5]
        );
        assert!(contiguous_segments(&[0, 2]).is_err());
        assert!(contiguous_segments(&[0, 1, 0]).is_err());
        assert!(contiguous_segments(&[1]).is_err());
        assert!(contiguous_segments(&[]).unwrap().is_empty());
    }
}
