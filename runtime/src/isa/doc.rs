//! The generated reference part of `docs/isa.md`: opcode summary, one field table per
//! instruction (bit ranges included) and the enumerations, all rendered from the table so the
//! documentation cannot drift from the code (a test compares them; `PIMC_BLESS=1` rewrites).

use std::fmt::Write;

use super::{MvmMode, Opcode, Space, VOp, OPCODE_BITS, WORD_BITS};

/// Line that opens the generated part of `docs/isa.md`.
#[cfg(test)]
pub(crate) const BEGIN_MARKER: &str =
    "<!-- BEGIN GENERATED: isa reference (cargo test -p pim-runtime; PIMC_BLESS=1 rewrites) -->";
/// Line that closes the generated part of `docs/isa.md`.
#[cfg(test)]
pub(crate) const END_MARKER: &str = "<!-- END GENERATED: isa reference -->";

/// The reference as Markdown (without the markers).
pub fn reference_markdown() -> String {
    let mut out = String::new();
    summary(&mut out);
    for &op in Opcode::ALL {
        instruction(&mut out, op);
    }
    enums(&mut out);
    out
}

fn summary(out: &mut String) {
    out.push_str("### Opcode summary\n\n");
    out.push_str("| opcode | mnemonic | cost class | meaning |\n|---|---|---|---|\n");
    for &op in Opcode::ALL {
        let _ = writeln!(
            out,
            "| `{:#04x}` | `{}` | {} | {} |",
            op.byte(),
            op.mnemonic(),
            op.cost_class().as_str(),
            op.doc()
        );
    }
    out.push('\n');
}

fn instruction(out: &mut String, op: Opcode) {
    let _ = writeln!(
        out,
        "### `{}` — opcode `{:#04x}`, {}\n\n{}\n",
        op.mnemonic(),
        op.byte(),
        op.cost_class().as_str(),
        op.doc()
    );
    let mut at = OPCODE_BITS;
    if op.fields().is_empty() {
        out.push_str("No fields.\n");
    } else {
        out.push_str("| bits | field | type | kind | meaning |\n|---|---|---|---|---|\n");
        for f in op.fields() {
            let _ = writeln!(
                out,
                "| {}..{} | `{}` | `{}` | {} | {} |",
                at,
                at + f.width,
                f.name,
                f.ty,
                f.kind.as_str(),
                f.doc.trim()
            );
            at += f.width;
        }
    }
    let _ = writeln!(out, "\nReserved (zero): bits {at}..{WORD_BITS}.\n");
}

fn enums(out: &mut String) {
    out.push_str("### Enumerations\n\n`Space` (3 bits, in memory operands):\n\n");
    out.push_str("| value | name | meaning |\n|---|---|---|\n");
    for s in Space::ALL {
        let _ = writeln!(out, "| {} | `{}` | {} |", *s as u8, s.as_str(), s.doc());
    }
    out.push_str("\n`VOp` (5 bits, field `op` of `vop`):\n\n");
    out.push_str("| value | name | meaning |\n|---|---|---|\n");
    for v in VOp::ALL {
        let _ = writeln!(out, "| {} | `{}` | {} |", *v as u8, v.as_str(), v.doc());
    }
    out.push_str("\n`MvmMode` (1 bit, field `mode` of `mvm`):\n\n");
    out.push_str("| value | name | meaning |\n|---|---|---|\n");
    for m in MvmMode::ALL {
        let _ = writeln!(out, "| {} | `{}` | {} |", *m as u8, m.as_str(), m.doc());
    }
}
