//! The compilation pipeline: one commented function per phase, each a list of passes with the reason
//! each is there. [`Compiler`] runs them, verifies the IR with MLIR after every pass, prints IR
//! before/after passes on request (`--mlir-print-ir-*`) and dumps each phase to a directory.

use crate::frontend::{self, ImportOptions};
use crate::passes::{self, Ir};
use crate::{Error, Result};
use pim_dialects::{func::print_module, BuildOptions, Dialects};
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
}

impl Phase {
    /// Every phase in order.
    pub const ALL: [Phase; 3] = [Phase::Onnx, Phase::Graph, Phase::Pim];

    /// The phase's name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Onnx => "onnx",
            Phase::Graph => "graph",
            Phase::Pim => "pim",
        }
    }

    /// The passes that lead from the previous phase to this one, each with why it is there.
    pub fn passes(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Phase::Onnx => &[],
            Phase::Graph => graph_phase(),
            Phase::Pim => pim_phase(),
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
            passes: passes::PassContext { target },
            _dialects: Dialects::load(context)?,
            print,
            dump_dir: None,
            model_stem: "model".into(),
        })
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

    /// Imports an ONNX model (phase `onnx`) and runs the phases up to `last`.
    pub fn compile_file(&self, model: &Path, options: ImportOptions, last: Phase) -> Result<Ir> {
        let mut ir = Ir::Graph(frontend::import_file(model, options)?);
        self.verify_and_dump(&ir, Phase::Onnx)?;
        for phase in Phase::ALL
            .into_iter()
            .filter(|&p| p > Phase::Onnx && p <= last)
        {
            for (flag, options) in phase.passes() {
                ir = self.run_pass(ir, flag, options)?;
            }
            self.verify_and_dump(&ir, phase)?;
        }
        Ok(ir)
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
        let text = self.print(&result).map_err(|e| match e {
            Error::Dialect(pim_dialects::DialectError::Verify { diagnostics, .. }) => {
                Error::Dialect(pim_dialects::DialectError::Verify {
                    context: format!(" after {flag}"),
                    diagnostics,
                })
            }
            other => other,
        })?;
        if self.print.after_all || self.print.after.iter().any(|p| p == flag) {
            eprintln!("// -----// IR Dump After {flag} //----- //\n{text}");
        }
        Ok(result)
    }
}
