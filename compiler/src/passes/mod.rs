//! The passes: one file per pass, named after its flag (`pim-<verb>-<noun>` in `<verb>_<noun>.rs`),
//! each a pure transform function; this module is their registry ([`PASSES`]) and runs them by flag
//! on an [`Ir`] (the typed IR of any level), verifying the result with MLIR after each pass.

pub mod eliminate_dead_code;
pub mod lower_to_layers;
pub mod rewrite_graph;

use crate::{Error, Result};
use melior::ir::{block::BlockLike, operation::OperationLike, Module, RegionLike};
use pim_dialects::{BuildOptions, DialectError, DialectOp, Func, GraphOp, PimOp};

/// The IR at any level.
#[derive(Debug, Clone, PartialEq)]
pub enum Ir {
    /// `graph` dialect (phases onnx and graph).
    Graph(Func<GraphOp>),
    /// `pim` dialect at layer level (phase pim).
    Pim(Func<PimOp>),
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
        }
    }

    /// Reads a module, choosing the level from the dialect of its ops.
    pub fn from_module(module: &Module<'_>) -> Result<Self, DialectError> {
        if module_uses_dialect(module, &format!("{}.", PimOp::DIALECT)) {
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
        }
    }

    /// The level's name, for messages.
    pub fn level(&self) -> &'static str {
        match self {
            Self::Graph(_) => "graph",
            Self::Pim(_) => "pim",
        }
    }
}

fn module_uses_dialect(module: &Module<'_>, prefix: &str) -> bool {
    let Some(func) = module.body().first_operation() else {
        return false;
    };
    let Some(block) = func.region(0).ok().and_then(|r| r.first_block()) else {
        return false;
    };
    let mut next = block.first_operation();
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
/// drives the graph rewrites' extraction).
#[derive(Debug, Clone)]
pub struct PassContext {
    /// The target chip.
    pub target: pim_runtime::target::Target,
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
