//! The schedule of a scheduled-phase function: the ops `pim.schedule`, `pim.segment`, `pim.stage`
//! and `pim.layer` (`dialects/pim.irdl.mlir`), and their typed form [`ScheduleOp`].
//!
//! A scheduled function ends (before `func.return`) with one `pim.schedule` op that says when each
//! weight is on chip and how the batch flows: its region holds the segments in execution order,
//! each segment's region its stages in order, each stage's region one `pim.layer` per layer it
//! runs (the layer's result value, so MLIR checks every reference):
//!
//! ```text
//! "pim.schedule"() ({
//!   "pim.segment"() ({
//!     "pim.stage"() ({
//!       "pim.layer"(%5) : (tensor<1x6x28x28xf32>) -> ()
//!       "pim.layer"(%6) : (tensor<1x6x28x28xf32>) -> ()
//!       ub.unreachable
//!     }) {copies = 4 : i64, copy_stride = 16 : i64, first_crossbar = 0 : i64, load = "segment", part = 0 : i64, parts = 1 : i64} : () -> ()
//!     ub.unreachable
//!   }) : () -> ()
//!   ub.unreachable
//! }) {batch = 16 : i64, granularity = "crossbar", images = 16 : i64, pipeline = "reuse", runs = 1 : i64, scheduler = "pimc"} : () -> ()
//! ```
//!
//! The regions are a declaration, never executed. MLIR requires every block to end in a
//! terminator and IRDL cannot declare one, so each block ends in `ub.unreachable` (the UB
//! dialect's terminator: "control never reaches here", which is true of a declaration).

use crate::attr::{AttrValue, BuildOptions};
use crate::func::{build_error, ValueId};
use crate::{context::Diagnostics, DialectError};
use melior::ir::{
    block::BlockLike,
    operation::{OperationBuilder, OperationLike, OperationRef},
    Attribute, Block, Identifier, Location, Region, RegionLike, Value, ValueLike,
};
use melior::Context;
use std::collections::HashMap;

/// The op names, written once.
pub mod names {
    /// The schedule of the function.
    pub const SCHEDULE: &str = "pim.schedule";
    /// A segment: stages whose weights are on chip together.
    pub const SEGMENT: &str = "pim.segment";
    /// A stage: a crossbar layer (or column part) and its vector epilogue.
    pub const STAGE: &str = "pim.stage";
    /// One layer of a stage.
    pub const LAYER: &str = "pim.layer";
    /// The terminator of the declaration's blocks.
    pub const END: &str = "ub.unreachable";
}

/// Each schedule op's mnemonic, operand count and attribute names, as in the IRDL file (a test
/// checks that the two agree).
pub const CATALOG: [(&str, usize, &[&str]); 4] = [
    (
        "schedule",
        0,
        &[
            "pipeline",
            "scheduler",
            "granularity",
            "batch",
            "runs",
            "images",
        ],
    ),
    ("segment", 0, &[]),
    (
        "stage",
        0,
        &[
            "copies",
            "copy_stride",
            "first_crossbar",
            "load",
            "part",
            "parts",
        ],
    ),
    ("layer", 1, &[]),
];

/// `pim.schedule`: the whole function's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleOp {
    /// Execution mode: `layer`, `baseline`, `reuse` or `full`.
    pub pipeline: String,
    /// Who planned it: `paper` or `pimc` (kept when the schedule is edited by hand).
    pub scheduler: String,
    /// Allocation granularity: `crossbar` or `tile`.
    pub granularity: String,
    /// Images of the batch.
    pub batch: i64,
    /// Times the segments run for the batch.
    pub runs: i64,
    /// Images per run.
    pub images: i64,
    /// The segments, in execution order.
    pub segments: Vec<SegmentOp>,
}

/// `pim.segment`: stages whose weights are on chip together.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SegmentOp {
    /// The stages, in order.
    pub stages: Vec<StageOp>,
}

/// `pim.stage`: a crossbar layer (or one column part of it) and its vector epilogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageOp {
    /// The layers' result values, in execution order (the crossbar layer first).
    pub layers: Vec<ValueId>,
    /// Column part of the crossbar layer (0-based).
    pub part: i64,
    /// Column parts of the crossbar layer (1 when it fits the chip or the stage has none).
    pub parts: i64,
    /// Copies of the crossbar layer's weights.
    pub copies: i64,
    /// First crossbar of the copies (-1: not placed yet).
    pub first_crossbar: i64,
    /// Crossbars from one copy's first crossbar to the next's (-1: not placed yet).
    pub copy_stride: i64,
    /// When the weights are written: `segment` (at the segment's start) or `prefetch` (during
    /// the previous segment's drain).
    pub load: String,
}

impl ScheduleOp {
    /// Appends the op to `block`; `values` maps value ids to MLIR values.
    pub(crate) fn build<'c>(
        &self,
        context: &'c Context,
        block: &Block<'c>,
        values: &[Option<Value<'c, '_>>],
    ) -> Result<(), DialectError> {
        let segments = self
            .segments
            .iter()
            .map(|segment| {
                let stages = segment
                    .stages
                    .iter()
                    .map(|stage| {
                        let layers = stage
                            .layers
                            .iter()
                            .map(|&id| {
                                let value = values.get(id).copied().flatten().ok_or_else(|| {
                                    DialectError::Unsupported {
                                        location: names::LAYER.into(),
                                        message: format!("value {id} is not defined"),
                                    }
                                })?;
                                op(context, names::LAYER, &[value], &[], Vec::new())
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        let attributes = [
                            ("copies", int(context, stage.copies)),
                            ("copy_stride", int(context, stage.copy_stride)),
                            ("first_crossbar", int(context, stage.first_crossbar)),
                            ("load", string(context, &stage.load)),
                            ("part", int(context, stage.part)),
                            ("parts", int(context, stage.parts)),
                        ];
                        op(context, names::STAGE, &[], &attributes, layers)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                op(context, names::SEGMENT, &[], &[], stages)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let attributes = [
            ("batch", int(context, self.batch)),
            ("granularity", string(context, &self.granularity)),
            ("images", int(context, self.images)),
            ("pipeline", string(context, &self.pipeline)),
            ("runs", int(context, self.runs)),
            ("scheduler", string(context, &self.scheduler)),
        ];
        block.append_operation(op(context, names::SCHEDULE, &[], &attributes, segments)?);
        Ok(())
    }

    /// Reads a `pim.schedule` op; `ids` maps MLIR values to value ids.
    pub(crate) fn read(
        operation: &OperationRef<'_, '_>,
        ids: &HashMap<usize, ValueId>,
    ) -> Result<Self, DialectError> {
        let segments = children(operation, names::SEGMENT)?
            .iter()
            .map(|segment| {
                let stages = children(segment, names::STAGE)?
                    .iter()
                    .map(|stage| read_stage(stage, ids))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(SegmentOp { stages })
            })
            .collect::<Result<Vec<_>, DialectError>>()?;
        Ok(Self {
            pipeline: attribute(operation, "pipeline")?,
            scheduler: attribute(operation, "scheduler")?,
            granularity: attribute(operation, "granularity")?,
            batch: attribute(operation, "batch")?,
            runs: attribute(operation, "runs")?,
            images: attribute(operation, "images")?,
            segments,
        })
    }
}

fn read_stage(
    stage: &OperationRef<'_, '_>,
    ids: &HashMap<usize, ValueId>,
) -> Result<StageOp, DialectError> {
    let layers = children(stage, names::LAYER)?
        .iter()
        .map(|layer| {
            let value = layer
                .operand(0)
                .map_err(|_| unsupported(names::LAYER, "has no operand"))?;
            ids.get(&(value.to_raw().ptr as usize))
                .copied()
                .ok_or_else(|| unsupported(names::LAYER, "names a value outside the function"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StageOp {
        layers,
        part: attribute(stage, "part")?,
        parts: attribute(stage, "parts")?,
        copies: attribute(stage, "copies")?,
        first_crossbar: attribute(stage, "first_crossbar")?,
        copy_stride: attribute(stage, "copy_stride")?,
        load: attribute(stage, "load")?,
    })
}

/// The ops of `parent`'s single region named `child`, in order (the terminator excluded); any
/// other op is an error.
fn children<'c, 'a>(
    parent: &OperationRef<'c, 'a>,
    child: &str,
) -> Result<Vec<OperationRef<'c, 'a>>, DialectError> {
    let parent_name = name_of(parent);
    let region = parent
        .region(0)
        .map_err(|_| unsupported(&parent_name, "has no region"))?;
    let mut ops = Vec::new();
    let mut next = region.first_block().and_then(|b| b.first_operation());
    while let Some(operation) = next {
        next = operation.next_in_block();
        match name_of(&operation).as_str() {
            names::END => {}
            name if name == child => ops.push(operation),
            other => {
                return Err(unsupported(
                    &parent_name,
                    &format!("holds `{other}`; only `{child}` ops belong there"),
                ))
            }
        }
    }
    Ok(ops)
}

fn name_of(operation: &OperationRef<'_, '_>) -> String {
    operation
        .name()
        .as_string_ref()
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn attribute<T: AttrValue>(
    operation: &OperationRef<'_, '_>,
    name: &str,
) -> Result<T, DialectError> {
    let op_name = name_of(operation);
    let value = operation
        .attribute(name)
        .map_err(|_| unsupported(&op_name, &format!("missing attribute `{name}`")))?;
    T::from_attribute(value).map_err(|m| unsupported(&op_name, &format!("`{name}`: {m}")))
}

fn unsupported(location: &str, message: &str) -> DialectError {
    DialectError::Unsupported {
        location: location.to_owned(),
        message: message.to_owned(),
    }
}

fn int(context: &Context, value: i64) -> Attribute<'_> {
    value.to_attribute(context, BuildOptions::default())
}

fn string<'c>(context: &'c Context, value: &str) -> Attribute<'c> {
    value
        .to_owned()
        .to_attribute(context, BuildOptions::default())
}

/// Builds op `name` with `operands`, `attributes` and, when `body` is not empty or the op has a
/// region, one region whose block holds `body` and the terminator.
fn op<'c>(
    context: &'c Context,
    name: &str,
    operands: &[Value<'c, '_>],
    attributes: &[(&str, Attribute<'c>)],
    body: Vec<melior::ir::Operation<'c>>,
) -> Result<melior::ir::Operation<'c>, DialectError> {
    let diagnostics = Diagnostics::attach(context);
    let location = Location::unknown(context);
    let named: Vec<_> = attributes
        .iter()
        .map(|(n, a)| (Identifier::new(context, n), *a))
        .collect();
    let mut builder = OperationBuilder::new(name, location)
        .add_operands(operands)
        .add_attributes(&named);
    if name != names::LAYER {
        let block = Block::new(&[]);
        for operation in body {
            block.append_operation(operation);
        }
        let end = OperationBuilder::new(names::END, location)
            .build()
            .map_err(|e| build_error(names::END, &diagnostics, e))?;
        block.append_operation(end);
        let region = Region::new();
        region.append_block(block);
        builder = builder.add_regions([region]);
    }
    builder
        .build()
        .map_err(|e| build_error(name, &diagnostics, e))
}
