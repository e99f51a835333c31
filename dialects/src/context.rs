//! The MLIR context pimc works in: builtin, func, irdl and ub only (not `register_all_dialects`, so the
//! linker drops the rest of MLIR), with the pimc dialects loaded from their IRDL definition, and a
//! diagnostic collector that turns MLIR's messages into error text.

use crate::DialectError;
use melior::{
    dialect::DialectHandle,
    ir::{operation::OperationLike, Module},
    Context,
};
use std::{cell::RefCell, rc::Rc};

/// The IRDL definition of the graph and pim dialects (the file `dialects/pim.irdl.mlir`).
pub const IRDL_SOURCE: &str = include_str!("../pim.irdl.mlir");
/// The IRDL definition of the isa dialect (the file `dialects/isa.irdl.mlir`, generated from the
/// ISA table: [`crate::isa::irdl_text`]).
pub const ISA_IRDL_SOURCE: &str = include_str!("../isa.irdl.mlir");

/// Creates a single-threaded MLIR context with the builtin, func, irdl and ub dialects loaded.
/// Call [`Dialects::load`] next to make the pimc dialects known.
pub fn new_context() -> Context {
    let context = Context::new();
    context.enable_multi_threading(false);
    DialectHandle::func().load_dialect(&context);
    // SAFETY: the handle is a static descriptor exported by MLIR's C API.
    unsafe { DialectHandle::from_raw(mlir_sys::mlirGetDialectHandle__irdl__()) }
        .load_dialect(&context);
    // SAFETY: as above. The UB dialect gives the schedule's blocks their terminator.
    unsafe { DialectHandle::from_raw(mlir_sys::mlirGetDialectHandle__ub__()) }
        .load_dialect(&context);
    context
}

/// The loaded pimc dialects. MLIR needs the IRDL module alive as long as the context uses the dialects,
/// so keep this value next to the context.
pub struct Dialects<'c> {
    _definitions: [Module<'c>; 2],
}

impl<'c> Dialects<'c> {
    /// Parses the IRDL definitions (graph and pim, isa) and registers their dialects in `context`.
    pub fn load(context: &'c Context) -> Result<Self, DialectError> {
        Ok(Self {
            _definitions: [
                load_irdl(context, IRDL_SOURCE)?,
                load_irdl(context, ISA_IRDL_SOURCE)?,
            ],
        })
    }
}

/// Parses one IRDL file, verifies it and registers its dialects.
fn load_irdl<'c>(context: &'c Context, source: &str) -> Result<Module<'c>, DialectError> {
    let diagnostics = Diagnostics::attach(context);
    let definition =
        Module::parse(context, source).ok_or_else(|| DialectError::Irdl(diagnostics.take()))?;
    if !definition.as_operation().verify() {
        return Err(DialectError::Irdl(diagnostics.take()));
    }
    if !melior::utility::load_irdl_dialects(&definition) {
        return Err(DialectError::Irdl(diagnostics.take()));
    }
    Ok(definition)
}

/// Collects MLIR diagnostics (errors, warnings, notes with their locations) while it is alive, instead of
/// letting MLIR print them to stderr.
pub struct Diagnostics<'c> {
    context: &'c Context,
    id: melior::diagnostic::DiagnosticHandlerId,
    messages: Rc<RefCell<Vec<String>>>,
}

impl<'c> Diagnostics<'c> {
    /// Starts collecting diagnostics of `context`.
    pub fn attach(context: &'c Context) -> Self {
        let messages = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&messages);
        let id = context.attach_diagnostic_handler(move |diagnostic| {
            sink.borrow_mut()
                .push(format!("{}: {}", diagnostic.location(), diagnostic));
            for index in 0..diagnostic.note_count() {
                if let Ok(note) = diagnostic.note(index) {
                    sink.borrow_mut()
                        .push(format!("{}: note: {}", note.location(), note));
                }
            }
            true
        });
        Self {
            context,
            id,
            messages,
        }
    }

    /// The messages collected so far, one per line, and forgets them.
    pub fn take(&self) -> String {
        self.messages
            .borrow_mut()
            .drain(..)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Diagnostics<'_> {
    fn drop(&mut self) {
        self.context.detach_diagnostic_handler(self.id);
    }
}
