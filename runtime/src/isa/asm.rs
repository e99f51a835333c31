//! The assembly syntax: one instruction per line, `mnemonic field=value, field=value, ...`.
//!
//! The disassembler ([`Instruction`]'s `Display`) prints every field, in table order. The
//! assembler accepts the fields in any order but wants each exactly once; numbers are decimal or
//! `0x` hex, registers `r3` (or `3`), booleans `true`/`false`, enums by name, memory operands as
//! `dram[0x100]`, `global[r2+0x40]`, `tile3[0x0]`, `pe17[0x80]`. `;` and `#` start a comment;
//! blank lines are ignored.

use std::str::FromStr;

use super::field::{FieldKind, FieldValue};
use super::{Instruction, IsaError, Opcode};

/// Builds one line of assembly.
pub(crate) struct AsmWriter {
    out: String,
    first: bool,
}

impl AsmWriter {
    /// A line starting with the mnemonic.
    pub(crate) fn new(mnemonic: &str) -> AsmWriter {
        AsmWriter {
            out: mnemonic.to_string(),
            first: true,
        }
    }

    /// Appends `name=value`.
    pub(crate) fn field<T: FieldValue>(&mut self, name: &str, value: &T, kind: FieldKind) {
        self.out.push_str(if self.first { " " } else { ", " });
        self.first = false;
        self.out.push_str(name);
        self.out.push('=');
        value.write_asm(kind, &mut self.out);
    }

    /// The line.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// The `field=value` pairs of one line, consumed field by field.
pub(crate) struct AsmArgs<'a> {
    mnemonic: &'static str,
    pairs: Vec<(&'a str, &'a str, bool)>,
}

impl<'a> AsmArgs<'a> {
    /// Splits `a=1, b=2`; duplicate or malformed pairs are errors.
    fn parse(mnemonic: &'static str, text: &'a str) -> Result<AsmArgs<'a>, String> {
        let mut pairs: Vec<(&str, &str, bool)> = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| format!("{mnemonic}: `{item}` is not `field=value`"))?;
            let name = name.trim();
            if pairs.iter().any(|(n, _, _)| *n == name) {
                return Err(format!("{mnemonic}: field `{name}` is given twice"));
            }
            pairs.push((name, value.trim(), false));
        }
        Ok(AsmArgs { mnemonic, pairs })
    }

    /// Parses field `name` of `width` bits.
    pub(crate) fn take<T: FieldValue>(&mut self, name: &str, width: u32) -> Result<T, String> {
        let mnemonic = self.mnemonic;
        let pair = self
            .pairs
            .iter_mut()
            .find(|(n, _, _)| *n == name)
            .ok_or_else(|| format!("{mnemonic}: missing field `{name}`"))?;
        pair.2 = true;
        T::parse_asm(pair.1, width).map_err(|e| format!("{mnemonic}: field `{name}`: {e}"))
    }

    /// Errors on a field the instruction does not have.
    fn finish(self, opcode: Opcode) -> Result<(), String> {
        match self.pairs.iter().find(|(_, _, used)| !used) {
            None => Ok(()),
            Some((name, _, _)) => {
                let known: Vec<&str> = opcode.fields().iter().map(|f| f.name).collect();
                Err(format!(
                    "{}: unknown field `{name}` (its fields are: {})",
                    self.mnemonic,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            }
        }
    }
}

/// Drops a `;` or `#` comment.
fn strip_comment(line: &str) -> &str {
    line.find([';', '#']).map_or(line, |i| &line[..i]).trim()
}

impl FromStr for Instruction {
    type Err = String;

    /// Parses one line of assembly (a comment is allowed, an empty line is not).
    fn from_str(line: &str) -> Result<Instruction, String> {
        let text = strip_comment(line);
        let (mnemonic, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        if mnemonic.is_empty() {
            return Err("empty line: expected an instruction".to_string());
        }
        let opcode = Opcode::from_mnemonic(mnemonic)
            .ok_or_else(|| format!("unknown mnemonic `{mnemonic}` (docs/isa.md lists them)"))?;
        let mut args = AsmArgs::parse(opcode.mnemonic(), rest)?;
        let inst = Instruction::parse_fields(opcode, &mut args)?;
        args.finish(opcode)?;
        Ok(inst)
    }
}

/// Assembles a program: one instruction per non-blank line. Errors name the line.
pub fn assemble(text: &str) -> Result<Vec<Instruction>, IsaError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if strip_comment(line).is_empty() {
            continue;
        }
        let inst = line.parse().map_err(|message| IsaError::Asm {
            line: i + 1,
            message,
        })?;
        out.push(inst);
    }
    Ok(out)
}

/// Disassembles a program: one line per instruction, each ending in a newline.
pub fn disassemble(code: &[Instruction]) -> String {
    code.iter().map(|i| format!("{i}\n")).collect()
}
