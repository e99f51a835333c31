//! The passes: one file per pass, named after its flag (`pim-<verb>-<noun>` in `<verb>_<noun>.rs`),
//! each a pure transform function; this module is their registry ([`PASSES`]) and runs them by flag
//! on an [`Ir`] (the typed IR of any level), verifying the result with MLIR after each pass.

pub mod duplicate_layers;
pub mod eliminate_dead_code;
pub mod lower_to_isa;
pub mod lower_to_layers;
pub mod place_crossbars;
pub mod prefetch_weights;
pub mod rewrite_graph;
pub mod segment_layers;
pub mod tile_weights;

use crate::schedule::Options;
use crate::{Error, Result};
use clap::ValueEnum;
use melior::ir::{block::BlockLike, operation::OperationLike, Module, OperationRef, RegionLike};
use pim_dialects::{BuildOptions, DialectError, DialectOp, Func, GraphOp, PimOp};
use pim_runtime::container::Program;

/// The IR at any level.
#[derive(Debug, Clone, PartialEq)]
pub enum Ir {
    /// `graph` dialect (phases onnx and graph).
    Graph(Func<GraphOp>),
    /// `pim` dialect at layer level (phases pim, tiled and scheduled).
    Pim(Func<PimOp>),
    /// The machine's instructions, weights and bindings (phase isa; the `isa` dialect).
    Isa(Box<Program>),
}

impl Ir {
    /// Builds and verifies the MLIR module of this IR.
    pub fn to_module<'c>(
        &self,
        context: &'c melior::Context,
        options: BuildOptions,
    ) -> Result<Module<'c>, DialectError> {
        match self {
            Self::Graph(f) => f.to_module(context, options),
            Self::Pim(f) => f.to_module(context, options),
            Self::Isa(p) => pim_dialects::isa::to_module(context, p, options),
        }
    }

    /// Reads a module, choosing the level from the dialect of its ops.
    pub fn from_module(module: &Module<'_>) -> Result<Self, DialectError> {
        if module_has_top_level_op(module, "isa.") {
            pim_dialects::isa::from_module(module).map(|p| Self::Isa(Box::new(p)))
        } else if module_uses_dialect(module, &format!("{}.", PimOp::DIALECT)) {
            Func::from_module(module).map(Self::Pim)
        } else {
            Func::from_module(module).map(Self::Graph)
        }
    }

    /// Semantic verification beyond IRDL (see [`crate::verify`]).
    pub fn verify(&self) -> Result<()> {
        match self {
            Self::Graph(f) => crate::verify::verify_graph(f),
            Self::Pim(f) => crate::verify::verify_pim(f),
            Self::Isa(p) => p.verify().map_err(|e| Error::Usage(e.to_string())),
        }
    }

    /// The level's name, for messages.
    pub fn level(&self) -> &'static str {
        match self {
            Self::Graph(_) => "graph",
            Self::Pim(_) => "pim",
            Self::Isa(_) => "isa",
        }
    }
}

/// Whether an op directly in the module's body (the `isa` level keeps its weights, bindings and
/// target there) has a name starting with `prefix`.
fn module_has_top_level_op(module: &Module<'_>, prefix: &str) -> bool {
    any_op_named(module.body().first_operation(), prefix)
}

/// Whether an op of the function (the module's first op) has a name starting with `prefix`.
fn module_uses_dialect(module: &Module<'_>, prefix: &str) -> bool {
    let Some(func) = module.body().first_operation() else {
        return false;
    };
    let Some(block) = func.region(0).ok().and_then(|r| r.first_block()) else {
        return false;
    };
    any_op_named(block.first_operation(), prefix)
}

/// Whether `first` or an op after it in its block has a name starting with `prefix`.
fn any_op_named(first: Option<OperationRef<'_, '_>>, prefix: &str) -> bool {
    let mut next = first;
    while let Some(op) = next {
        if op
            .name()
            .as_string_ref()
            .as_str()
            .is_ok_and(|n| n.starts_with(prefix))
        {
            return true;
        }
        next = op.next_in_block();
    }
    false
}

/// What every pass may consult besides the IR: the chip being compiled for (its cost model
/// drives the graph rewrites' extraction) and the schedule the command line asks for (the
/// defaults of the tiling and scheduling passes' options).
#[derive(Debug, Clone)]
pub struct PassContext {
    /// The target chip.
    pub target: pim_runtime::target::Target,
    /// Batch, pipeline mode, scheduler, segmentation and granularity.
    pub schedule: Options,
}

/// Runs a layer-level transform as pass `flag`: its schedule options (the keys in `allowed`)
/// parsed, pim-level IR required, a transform error reported as the pass's.
pub fn run_on_layers(
    flag: &str,
    ir: Ir,
    options: &str,
    cx: &PassContext,
    allowed: &[&str],
    transform: impl FnOnce(&Func<PimOp>, &Options) -> std::result::Result<Func<PimOp>, String>,
) -> Result<Ir> {
    let options = schedule_options(flag, options, cx, allowed)?;
    match ir {
        Ir::Pim(f) => transform(&f, &options)
            .map(Ir::Pim)
            .map_err(|m| pass_error(flag, m)),
        other => Err(wrong_level(flag, &other, "pim")),
    }
}

/// The schedule options of a pass: the context's, overridden by the pass's `key=value` options
/// (only the keys in `allowed`: `pipeline` (a mode or `auto`), `scheduler`, `segmentation`,
/// `granularity`, `batch`).
pub fn schedule_options(
    flag: &str,
    options: &str,
    cx: &PassContext,
    allowed: &[&str],
) -> Result<Options> {
    let mut result = cx.schedule;
    for pair in options.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !allowed.contains(&key) {
            let known = if allowed.is_empty() {
                "it takes none".to_owned()
            } else {
                format!("options: {}", allowed.join(", "))
            };
            return Err(pass_error(flag, format!("unknown option `{key}`; {known}")));
        }
        let bad = |e: String| pass_error(flag, format!("option `{key}`: {e}"));
        match key {
            "pipeline" if value == "auto" => result.pipeline = None,
            "pipeline" => result.pipeline = Some(ValueEnum::from_str(value, false).map_err(bad)?),
            "scheduler" => result.scheduler = ValueEnum::from_str(value, false).map_err(bad)?,
            "segmentation" => {
                result.segmentation = Some(ValueEnum::from_str(value, false).map_err(bad)?)
            }
            "granularity" => {
                result.granularity = Some(ValueEnum::from_str(value, false).map_err(bad)?)
            }
            _ => {
                result.batch = value
                    .parse()
                    .ok()
                    .filter(|&b| b > 0)
                    .ok_or_else(|| bad(format!("`{value}` is not a positive integer")))?;
            }
        }
    }
    Ok(result)
}

/// A registered pass.
pub struct PassInfo {
    /// Its command-line flag.
    pub flag: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Runs it with its options (`key=value` pairs, comma-separated).
    pub run: fn(Ir, &str, &PassContext) -> Result<Ir>,
}

/// Every pass, in pipeline order.
pub const PASSES: &[PassInfo] = &[
    PassInfo {
        flag: rewrite_graph::FLAG,
        summary: "rewrite the graph by equality saturation with the law-named rules (option rules=a,b,...)",
        run: rewrite_graph::run,
    },
    PassInfo {
        flag: lower_to_layers::FLAG,
        summary: "lower graph ops to crossbar MVM layers and vector-unit ops (graph -> pim)",
        run: |ir, options, _| {
            no_options(lower_to_layers::FLAG, options)?;
            match ir {
                Ir::Graph(f) => lower_to_layers::lower_to_layers(&f)
                    .map(Ir::Pim)
                    .map_err(|message| pass_error(lower_to_layers::FLAG, message)),
                other => Err(wrong_level(lower_to_layers::FLAG, &other, "graph")),
            }
        },
    },
    PassInfo {
        flag: eliminate_dead_code::FLAG,
        summary: "remove ops whose results reach no output",
        run: eliminate_dead_code::run,
    },
    PassInfo {
        flag: tile_weights::FLAG,
        summary: "cut weight matrices into crossbar blocks: a pim.tile view per crossbar layer (options scheduler=, granularity=)",
        run: tile_weights::run,
    },
    PassInfo {
        flag: segment_layers::FLAG,
        summary: "order the layers into stages and split them into segments that fit the chip; writes pim.schedule (options pipeline=layer|baseline|reuse|full|auto, scheduler=paper|pimc, segmentation=greedy|optimal, granularity=, batch=)",
        run: segment_layers::run,
    },
    PassInfo {
        flag: duplicate_layers::FLAG,
        summary: "duplicate bottleneck layers into a segment's spare crossbars (the schedule's mode and scheduler decide how)",
        run: duplicate_layers::run,
    },
    PassInfo {
        flag: place_crossbars::FLAG,
        summary: "give every stage's copies their physical crossbars",
        run: place_crossbars::run,
    },
    PassInfo {
        flag: prefetch_weights::FLAG,
        summary: "load a stage's weights during the previous segment's drain when its crossbars are free then (pimc scheduler, pipelined modes)",
        run: prefetch_weights::run,
    },
    PassInfo {
        flag: lower_to_isa::FLAG,
        summary: "lower scheduled layers to instructions on physical units (pim -> isa)",
        run: lower_to_isa::run,
    },
];

/// The pass with this flag.
pub fn find(flag: &str) -> Result<&'static PassInfo> {
    PASSES.iter().find(|p| p.flag == flag).ok_or_else(|| {
        let known: Vec<&str> = PASSES.iter().map(|p| p.flag).collect();
        Error::Usage(format!(
            "unknown pass `{flag}`; passes: {}",
            known.join(", ")
        ))
    })
}

/// The error of a pass.
pub fn pass_error(flag: &str, message: impl Into<String>) -> Error {
    Error::Pass {
        pass: flag.to_owned(),
        message: message.into(),
    }
}

/// The error of a pass given IR of a level it does not work on.
pub fn wrong_level(flag: &str, ir: &Ir, expected: &str) -> Error {
    pass_error(
        flag,
        format!("expects {expected}-level IR, got {}-level IR", ir.level()),
    )
}

/// Rejects options for a pass that takes none.
pub fn no_options(flag: &str, options: &str) -> Result<()> {
    if options.is_empty() {
        Ok(())
    } else {
        Err(pass_error(
            flag,
            format!("takes no options, got `{options}`"),
        ))
    }
}
