//! The compilation pipeline: one commented function per phase, each a list of passes with the reason
//! each is there. [`Compiler`] runs them, verifies the IR with MLIR after every pass, prints IR
//! before/after passes on request (`--mlir-print-ir-*`) and dumps each phase to a directory.
//!
//! One exception: the `isa` level (a whole program, tens of thousands of instruction ops) is
//! built as an MLIR module — and so verified against the `isa` dialect — only when it is
//! printed or dumped; otherwise `pim-lower-to-isa`'s own check, `Program::verify` (the ISA
//! verifier: every field in range, every operand inside its memory, loops balanced, constants
//! referenced correctly), stands for it. Building the module would double the compile time of a
//! large network (zoo ResNet-50: 0.5 s of about 1 s).

use crate::cost::Report;
use crate::frontend::{self, ImportOptions};
use crate::passes::{self, Ir};
use crate::schedule::{ir::Scheduled, Options};
use crate::{Error, Result};
use pim_dialects::{func::print_module, BuildOptions, Dialects, Func, GraphOp, PimOp};
use pim_runtime::target::Target;
use std::path::{Path, PathBuf};

/// A named point in the pipeline; `--compile-to` stops after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Phase {
    /// ONNX imported into the `graph` dialect.
    Onnx,
    /// Graph rewrites done.
    Graph,
    /// Layer level: crossbar MVM layers and vector-unit ops.
    Pim,
    /// Weight matrices cut into crossbar blocks (`pim.tile`).
    Tiled,
    /// The schedule (`pim.schedule`): stage order, segments, pipeline mode, batch, duplication,
    /// crossbar placement and weight prefetch.
    Scheduled,
    /// Instructions on physical units, with weights, bindings and symbols (the `isa` dialect):
    /// the `.pimbin` program.
    Isa,
}

impl Phase {
    /// Every phase in order.
    pub const ALL: [Phase; 6] = [
        Phase::Onnx,
        Phase::Graph,
        Phase::Pim,
        Phase::Tiled,
        Phase::Scheduled,
        Phase::Isa,
    ];

    /// The phase IR `ir` is at: graph-level IR resumes before the graph rewrites, pim-level IR is
    /// `scheduled` with a schedule, `tiled` with `pim.tile` views, else `pim`.
    pub fn of(ir: &Ir) -> Phase {
        match ir {
            Ir::Graph(_) => Phase::Onnx,
            Ir::Pim(f) if f.schedule.is_some() => Phase::Scheduled,
            Ir::Pim(f) if f.nodes.iter().any(|n| matches!(n.op, PimOp::Tile { .. })) => {
                Phase::Tiled
            }
            Ir::Pim(_) => Phase::Pim,
            Ir::Isa(_) => Phase::Isa,
        }
    }

    /// The phase's name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Onnx => "onnx",
            Phase::Graph => "graph",
            Phase::Pim => "pim",
            Phase::Tiled => "tiled",
            Phase::Scheduled => "scheduled",
            Phase::Isa => "isa",
        }
    }

    /// The passes that lead from the previous phase to this one, each with why it is there.
    pub fn passes(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Phase::Onnx => &[],
            Phase::Graph => graph_phase(),
            Phase::Pim => pim_phase(),
            Phase::Tiled => tiled_phase(),
            Phase::Scheduled => scheduled_phase(),
            Phase::Isa => isa_phase(),
        }
    }
}

/// Phase `graph`: simplify the imported network before it is mapped to hardware.
fn graph_phase() -> &'static [(&'static str, &'static str)] {
    &[
        // Fold batch norms and per-channel scales into conv/gemm weights, drop identities,
        // canonicalise reshapes, move ReLUs after max-pools: less crossbar and vector-unit work.
        (passes::rewrite_graph::FLAG, ""),
        // The rewrite can leave constants (e.g. the unfolded batch-norm parameters) unused.
        (passes::eliminate_dead_code::FLAG, ""),
    ]
}

/// Phase `pim`: give every op its hardware meaning.
fn pim_phase() -> &'static [(&'static str, &'static str)] {
    &[
        // Conv/gemm/matmul become crossbar layers with weight matrices; the rest vector-unit ops.
        (passes::lower_to_layers::FLAG, ""),
    ]
}

/// Phase `tiled`: decide how each weight matrix occupies crossbars.
fn tiled_phase() -> &'static [(&'static str, &'static str)] {
    &[
        // Bit slices, row tiles (partial sums), column tiles, group packing and the column
        // parts of layers larger than the chip: what every later decision counts in.
        (passes::tile_weights::FLAG, ""),
    ]
}

/// Phase `scheduled`: decide when each weight is on chip and where. Every pass writes its
/// decisions into the function's `pim.schedule` and reads the earlier ones from it; the report and
/// the back end read the result.
fn scheduled_phase() -> &'static [(&'static str, &'static str)] {
    &[
        // The stage order, weight groups that fit the chip, the pipeline mode (the cheapest that
        // fits under `auto`) and the batch.
        (passes::segment_layers::FLAG, ""),
        // Spare crossbars of a segment go to its bottleneck layers.
        (passes::duplicate_layers::FLAG, ""),
        // Physical crossbar ids, now that every copy is known.
        (passes::place_crossbars::FLAG, ""),
        // Weights whose crossbars are free during the previous segment's drain load then.
        (passes::prefetch_weights::FLAG, ""),
    ]
}

/// Phase `isa`: say everything the machine does.
fn isa_phase() -> &'static [(&'static str, &'static str)] {
    &[
        // Weight loads, moves, MVMs on the placed crossbars, partial sums and vector-unit ops
        // with buffer addresses: the program pim-run executes.
        (passes::lower_to_isa::FLAG, ""),
    ]
}

/// Runs the passes of phases `tiled` and `scheduled` on layer-level IR without printing or MLIR
/// verification: what the back end needs, for callers that hold a `Func` rather than a
/// [`Compiler`] (tests, benchmarks, design-space exploration).
pub fn schedule_layers(func: Func<PimOp>, cx: &passes::PassContext) -> Result<Func<PimOp>> {
    let ir = run_phases(Ir::Pim(func), &[Phase::Tiled, Phase::Scheduled], cx)?;
    match ir {
        Ir::Pim(func) => Ok(func),
        other => Err(passes::wrong_level("schedule_layers", &other, "pim")),
    }
}

/// Runs the passes of phases `graph` and `pim` on imported IR without printing or MLIR
/// verification: the layer-level IR that [`plan`] schedules (design-space exploration imports
/// and rewrites a model once and plans it many times).
pub fn lower_graph(graph: Func<GraphOp>, cx: &passes::PassContext) -> Result<Func<PimOp>> {
    let ir = run_phases(Ir::Graph(graph), &[Phase::Graph, Phase::Pim], cx)?;
    match ir {
        Ir::Pim(func) => Ok(func),
        other => Err(passes::wrong_level("lower_graph", &other, "pim")),
    }
}

/// Runs the passes of `phases`, in order, on `ir`.
fn run_phases(mut ir: Ir, phases: &[Phase], cx: &passes::PassContext) -> Result<Ir> {
    for phase in phases {
        for (flag, options) in phase.passes() {
            ir = (passes::find(flag)?.run)(ir, options, cx)?;
        }
    }
    Ok(ir)
}

/// [`schedule_layers`] with `options` on `target`, and the schedule read back.
pub fn plan(
    func: Func<PimOp>,
    target: &Target,
    options: Options,
) -> Result<(Func<PimOp>, Scheduled)> {
    let cx = passes::PassContext {
        target: target.clone(),
        schedule: options,
    };
    let scheduled = schedule_layers(func, &cx)?;
    let read = crate::schedule::ir::read(&scheduled, target)?;
    Ok((scheduled, read))
}

/// The cost report of layer-level IR (phase `pim`) scheduled with `options` on `target`.
pub fn report_layers(
    func: Func<PimOp>,
    model_name: &str,
    target: &Target,
    options: Options,
) -> Result<Report> {
    let (_, scheduled) = plan(func, target, options)?;
    Ok(crate::cost::report(&scheduled, model_name, target))
}

/// Where to print IR around passes (MLIR's `--mlir-print-ir-*` flags).
#[derive(Debug, Clone, Default)]
pub struct PrintOptions {
    /// Print before every pass.
    pub before_all: bool,
    /// Print after every pass.
    pub after_all: bool,
    /// Print after these passes.
    pub after: Vec<String>,
    /// Elide dense constants with more elements than this (`None`: print all).
    pub elide_above: Option<usize>,
    /// Print locations (node names).
    pub debug_info: bool,
}

/// Runs passes on IR with verification and printing; holds the MLIR context.
pub struct Compiler<'c> {
    context: &'c melior::Context,
    passes: passes::PassContext,
    _dialects: Dialects<'c>,
    print: PrintOptions,
    dump_dir: Option<PathBuf>,
    model_stem: String,
}

impl<'c> Compiler<'c> {
    /// A compiler for `target` in `context` with the pimc dialects loaded.
    pub fn new(
        context: &'c melior::Context,
        target: pim_runtime::target::Target,
        print: PrintOptions,
    ) -> Result<Self> {
        Ok(Self {
            context,
            passes: passes::PassContext {
                target,
                schedule: crate::schedule::Options::default(),
            },
            _dialects: Dialects::load(context)?,
            print,
            dump_dir: None,
            model_stem: "model".into(),
        })
    }

    /// Sets the schedule the tiling and scheduling passes use by default (batch, pipeline mode,
    /// scheduler, segmentation, granularity).
    pub fn set_schedule(&mut self, options: crate::schedule::Options) {
        self.passes.schedule = options;
    }

    /// Writes `<stem>.<N>.<phase>.mlir` into `dir` after each phase.
    pub fn dump_phases_to(&mut self, dir: &Path, model: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
        self.dump_dir = Some(dir.to_owned());
        self.model_stem = model
            .file_stem()
            .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
        Ok(())
    }

    /// The MLIR text of `ir` (verified), with this compiler's printing options. Constants that the
    /// printer would elide are not copied into MLIR at all.
    pub fn print(&self, ir: &Ir) -> Result<String> {
        let module = ir.to_module(
            self.context,
            BuildOptions {
                elide_above: self.print.elide_above,
            },
        )?;
        Ok(print_module(&module, None, self.print.debug_info))
    }

    /// Reads a model: an ONNX file (imported: phase `onnx`) or MLIR text of any phase (`.mlir`,
    /// parsed and verified). Returns the IR and its phase.
    pub fn load(&self, model: &Path, options: ImportOptions) -> Result<(Ir, Phase)> {
        if model.extension().is_some_and(|e| e == "mlir") {
            let text = std::fs::read_to_string(model).map_err(|source| Error::Io {
                path: model.display().to_string(),
                source,
            })?;
            let origin = model.display().to_string();
            let module = pim_dialects::func::parse_module(self.context, &text, &origin)?;
            let ir = Ir::from_module(&module)?;
            ir.verify()?;
            let phase = Phase::of(&ir);
            return Ok((ir, phase));
        }
        let ir = Ir::Graph(frontend::import_file(model, options)?);
        self.verify_and_dump(&ir, Phase::Onnx)?;
        Ok((ir, Phase::Onnx))
    }

    /// Runs the phases after `from` (the phase `ir` is at) up to `last`, calling `observe` with
    /// the IR of `from` and of every phase reached.
    pub fn compile(
        &self,
        mut ir: Ir,
        from: Phase,
        last: Phase,
        mut observe: impl FnMut(Phase, &Ir) -> Result<()>,
    ) -> Result<Ir> {
        observe(from, &ir)?;
        for phase in Phase::ALL.into_iter().filter(|&p| p > from && p <= last) {
            for (flag, options) in phase.passes() {
                ir = self.run_pass(ir, flag, options)?;
            }
            self.verify_and_dump(&ir, phase)?;
            observe(phase, &ir)?;
        }
        Ok(ir)
    }

    /// Imports an ONNX model (phase `onnx`) and runs the phases up to `last`.
    pub fn compile_file(&self, model: &Path, options: ImportOptions, last: Phase) -> Result<Ir> {
        let (ir, from) = self.load(model, options)?;
        self.compile(ir, from, last, |_, _| Ok(()))
    }

    /// Writes the phase's dump if asked. The IR was verified by the pass that produced it (the
    /// import, which is no pass, is verified here).
    fn verify_and_dump(&self, ir: &Ir, phase: Phase) -> Result<()> {
        if self.dump_dir.is_none() && phase != Phase::Onnx {
            return Ok(());
        }
        let text = self.print(ir)?;
        if let Some(dir) = &self.dump_dir {
            let index = Phase::ALL.iter().position(|&p| p == phase).unwrap_or(0);
            let path = dir.join(format!("{}.{index}.{}.mlir", self.model_stem, phase.name()));
            std::fs::write(&path, text).map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })?;
        }
        Ok(())
    }

    /// Runs one pass by flag, printing around it as requested and verifying its result with MLIR.
    pub fn run_pass(&self, ir: Ir, flag: &str, options: &str) -> Result<Ir> {
        let pass = passes::find(flag)?;
        if self.print.before_all {
            eprintln!(
                "// -----// IR Dump Before {flag} //----- //\n{}",
                self.print(&ir)?
            );
        }
        let result = (pass.run)(ir, options, &self.passes)?;
        let printed = self.print.after_all || self.print.after.iter().any(|p| p == flag);
        if matches!(result, Ir::Isa(_)) && !printed {
            // Verified by `Program::verify` in the pass (see the module doc).
            return Ok(result);
        }
        let module = result
            .to_module(
                self.context,
                BuildOptions {
                    elide_above: self.print.elide_above,
                },
            )
            .map_err(|e| match e {
                pim_dialects::DialectError::Verify { diagnostics, .. } => {
                    Error::Dialect(pim_dialects::DialectError::Verify {
                        context: format!(" after {flag}"),
                        diagnostics,
                    })
                }
                other => Error::Dialect(other),
            })?;
        if printed {
            let text = print_module(&module, None, self.print.debug_info);
            eprintln!("// -----// IR Dump After {flag} //----- //\n{text}");
        }
        Ok(result)
    }
}
