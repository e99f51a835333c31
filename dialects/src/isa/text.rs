//! Generated text of the `isa` dialect: its IRDL definition (`dialects/isa.irdl.mlir`) and the
//! op tables of `dialects/README.md`, both rendered from [`schema`](super::schema) and so from the
//! ISA table. Tests compare the committed files with this text (`PIMC_BLESS=1` rewrites them).

use super::schema::{instruction_ops, program_ops, Kind, OpDef, DIALECT};
use std::fmt::Write;

/// Line that opens the generated part of `dialects/README.md`.
pub const README_BEGIN: &str =
    "<!-- BEGIN GENERATED: isa ops (cargo test -p pim-dialects; PIMC_BLESS=1 rewrites) -->";
/// Line that closes the generated part of `dialects/README.md`.
pub const README_END: &str = "<!-- END GENERATED: isa ops -->";

const IRDL_HEADER: &str = "\
// GENERATED from the ISA table (runtime/src/isa/table.rs) by dialects/src/isa/text.rs: do not edit.
// `cargo test -p pim-dialects` checks it; PIMC_BLESS=1 rewrites it.
// The isa dialect (phase isa): one op per instruction of the ISA (op name = mnemonic, `.` -> `_`;
// one attribute per field), plus the ops of a program's non-code parts. Ops print in generic form
// only; all listed attributes are required. dialects/README.md documents the dialect.
";

/// The IRDL definition of the `isa` dialect (the text of `dialects/isa.irdl.mlir`).
pub fn irdl_text() -> String {
    let mut out = String::from(IRDL_HEADER);
    let _ = writeln!(out, "irdl.dialect @{DIALECT} {{");
    out.push_str("  // ----- instructions (runtime/src/isa/table.rs) -----\n");
    instruction_ops()
        .iter()
        .for_each(|op| irdl_op(&mut out, op));
    out.push_str("  // ----- the program's non-code parts -----\n");
    program_ops().iter().for_each(|op| irdl_op(&mut out, op));
    out.push_str("}\n");
    out
}

fn irdl_op(out: &mut String, op: &OpDef) {
    let _ = writeln!(out, "  // {}", op.doc);
    let _ = writeln!(out, "  irdl.operation @{} {{", op.name);
    for (name, kind) in &op.attributes {
        irdl_constraint(out, name, *kind);
    }
    if !op.attributes.is_empty() {
        let list: Vec<String> = op
            .attributes
            .iter()
            .map(|(name, _)| format!("\"{name}\" = %{name}"))
            .collect();
        let _ = writeln!(out, "    irdl.attributes {{{}}}", list.join(", "));
    }
    out.push_str("  }\n");
}

/// Defines the constraint variable `%<name>` for an attribute of `kind`.
fn irdl_constraint(out: &mut String, name: &str, kind: Kind) {
    let base = |out: &mut String, var: &str, base: &str| {
        let _ = writeln!(out, "    %{var} = irdl.base \"{base}\"");
    };
    let alternatives: Vec<(String, String)> = match kind {
        Kind::Int => return base(out, name, "#builtin.integer"),
        Kind::Float => return base(out, name, "#builtin.float"),
        Kind::Str | Kind::Mem => return base(out, name, "#builtin.string"),
        Kind::Ints => return base(out, name, "#builtin.dense_array"),
        Kind::Bool => ["true", "false"]
            .iter()
            .map(|v| (v.to_string(), format!("irdl.is {v}")))
            .collect(),
        Kind::Tensor => [
            ("dense", "#builtin.dense_int_or_fp_elements"),
            ("resource", "#builtin.dense_resource_elements"),
        ]
        .iter()
        .map(|(v, b)| (v.to_string(), format!("irdl.base \"{b}\"")))
        .collect(),
        Kind::OneOf(_, names) => names
            .iter()
            .map(|v| (v.to_string(), format!("irdl.is \"{v}\"")))
            .collect(),
    };
    for (suffix, constraint) in &alternatives {
        let _ = writeln!(out, "    %{name}_{suffix} = {constraint}");
    }
    let vars: Vec<String> = alternatives
        .iter()
        .map(|(suffix, _)| format!("%{name}_{suffix}"))
        .collect();
    let _ = writeln!(out, "    %{name} = irdl.any_of({})", vars.join(", "));
}

/// The generated part of the README's `isa` section (without the markers): the instruction
/// ops, the non-code ops and the enumerations.
pub fn readme_markdown() -> String {
    let mut out = String::from("Instructions (one op per row of the ISA table):\n\n");
    readme_table(&mut out, &instruction_ops());
    out.push_str("\nThe program's non-code parts:\n\n");
    readme_table(&mut out, &program_ops());
    out.push_str("\nEnumerations (string attributes):\n\n");
    let mut seen: Vec<&str> = Vec::new();
    for op in instruction_ops().iter().chain(program_ops().iter()) {
        for (_, kind) in &op.attributes {
            if let Kind::OneOf(label, names) = kind {
                if !seen.contains(label) {
                    seen.push(label);
                    let _ = writeln!(out, "- `{label}`: {}", quoted(names));
                }
            }
        }
    }
    out
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`\"{n}\"`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn readme_table(out: &mut String, ops: &[OpDef]) {
    out.push_str("| op | attributes | meaning |\n|---|---|---|\n");
    for op in ops {
        let attributes: Vec<String> = op
            .attributes
            .iter()
            .map(|(name, kind)| format!("`{name}`: {}", kind_name(*kind)))
            .collect();
        let attributes = if attributes.is_empty() {
            "—".to_string()
        } else {
            attributes.join(", ")
        };
        let _ = writeln!(
            out,
            "| `{DIALECT}.{}` | {attributes} | {} |",
            op.name, op.doc
        );
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Int => "int",
        Kind::Bool => "bool",
        Kind::Float => "float",
        Kind::Str => "str",
        Kind::Mem => "mem",
        Kind::Ints => "ints",
        Kind::Tensor => "tensor",
        Kind::OneOf(label, _) => label,
    }
}
