//! The text listing of a `.pimbin` that `pim-objdump` prints: header, sections, bindings,
//! symbols, weight blobs, constants and the disassembly with instruction indices, byte offsets
//! and symbol labels.

use std::fmt::Write;

use super::{ConstValue, FileInfo, Program, Window};
use crate::isa::WORD_BYTES;

/// What to include in a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListingOptions {
    /// Only the file header and the section table.
    pub headers_only: bool,
    /// Leave out the weight-blob index.
    pub no_weights: bool,
}

/// The listing of `program` read from the file `name`, as `pim-objdump` prints it.
pub fn render_listing(
    name: &str,
    program: &Program,
    info: &FileInfo,
    options: ListingOptions,
) -> String {
    let mut out = String::new();
    header(&mut out, name, program, info);
    if options.headers_only {
        return out;
    }
    bindings(&mut out, program);
    symbols(&mut out, program);
    if !options.no_weights {
        weights(&mut out, program);
    }
    constants(&mut out, program);
    disassembly(&mut out, program);
    out
}

fn header(out: &mut String, name: &str, p: &Program, info: &FileInfo) {
    let _ = writeln!(
        out,
        "{name}: pimbin format version {}, {} bytes, crc32 {:#010x} (verified)",
        info.version, info.file_len, info.checksum
    );
    let _ = writeln!(
        out,
        "target:   {} (hash {:016x}, matches the embedded target)",
        p.target.chip.name, info.target_hash
    );
    if !p.producer.is_empty() {
        let _ = writeln!(out, "producer: {}", p.producer);
    }
    let _ = writeln!(
        out,
        "code:     {} instructions of {WORD_BYTES} bytes",
        p.code.len()
    );
    let range = p.weights_dram_range();
    let _ = writeln!(
        out,
        "weights:  {} f32 at dram {:#x}..{:#x}",
        p.weights.len(),
        range.start,
        range.end
    );
    let _ = writeln!(
        out,
        "\nSections:\n  {:<14}{:>12}{:>12}",
        "section", "offset", "bytes"
    );
    let _ = writeln!(
        out,
        "  {:<14}{:>12}{:>12}",
        "header", "0x20", info.header_len
    );
    for s in &info.sections {
        let _ = writeln!(
            out,
            "  {:<14}{:>12}{:>12}",
            s.kind.as_str(),
            format!("{:#x}", s.offset),
            s.length
        );
    }
}

fn dims(shape: &[u64]) -> String {
    shape
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("x")
}

fn bindings(out: &mut String, p: &Program) {
    out.push_str("\nBindings:\n");
    if p.bindings.is_empty() {
        out.push_str("  (none)\n");
    }
    for b in &p.bindings {
        let n = b.shape.iter().fold(1u64, |a, &d| a.saturating_mul(d));
        let dir = match b.direction {
            super::Direction::Input => "input",
            super::Direction::Output => "output",
        };
        let _ = writeln!(
            out,
            "  {dir:<7}{:<16} {}[{}]  dram {:#x}..{:#x}",
            b.name,
            b.dtype.as_str(),
            dims(&b.shape),
            b.dram_addr,
            b.dram_addr.saturating_add(n)
        );
    }
}

fn symbols(out: &mut String, p: &Program) {
    out.push_str("\nSymbols:\n");
    if p.symbols.is_empty() {
        out.push_str("  (none)\n");
    }
    for s in &p.symbols {
        let _ = writeln!(
            out,
            "  {:<8}{:<24} {}..{}",
            s.kind.as_str(),
            s.name,
            s.start,
            s.end
        );
    }
}

fn weights(out: &mut String, p: &Program) {
    out.push_str("\nWeight blobs:\n");
    if p.weight_blobs.is_empty() {
        out.push_str("  (none)\n");
    }
    for b in &p.weight_blobs {
        let _ = writeln!(
            out,
            "  {:<24} dram {:#x}  {} f32  [{}]",
            b.name,
            p.weights_dram_base.saturating_add(b.offset),
            b.len,
            dims(&b.shape)
        );
    }
}

fn constants(out: &mut String, p: &Program) {
    out.push_str("\nConstants:\n");
    if p.constants.is_empty() {
        out.push_str("  (none)\n");
    }
    for (i, c) in p.constants.iter().enumerate() {
        let _ = writeln!(out, "  {i:<4}{:<24} {}", c.name, describe(&c.value));
    }
}

/// One line describing a constants-table value.
fn describe(v: &ConstValue) -> String {
    match v {
        ConstValue::Floats(f) => {
            let shown: Vec<String> = f.iter().take(8).map(|x| format!("{x}")).collect();
            let more = if f.len() > 8 { ", ..." } else { "" };
            format!("floats[{}] {}{more}", f.len(), shown.join(", "))
        }
        ConstValue::Window(w) => describe_window(w),
        ConstValue::Lrn(l) => format!(
            "lrn size {} alpha {} beta {} bias {}",
            l.size, l.alpha, l.beta, l.bias
        ),
    }
}

fn describe_window(w: &Window) -> String {
    format!(
        "window {}x{}x{} ch {}..{} k {}x{} s {}x{} d {}x{} pad {},{},{},{} row0 {}{} -> {}x{}",
        w.in_h,
        w.in_w,
        w.channels,
        w.c0,
        u64::from(w.c0) + u64::from(w.cn),
        w.kernel_h,
        w.kernel_w,
        w.stride_h,
        w.stride_w,
        w.dilation_h,
        w.dilation_w,
        w.pad_top,
        w.pad_left,
        w.pad_bottom,
        w.pad_right,
        w.row0,
        if w.include_pad { " include_pad" } else { "" },
        w.out_h(),
        w.out_w()
    )
}

fn disassembly(out: &mut String, p: &Program) {
    out.push_str("\nDisassembly:\n");
    let mut labels: Vec<(usize, usize, &str, &str)> = p
        .symbols
        .iter()
        .enumerate()
        .map(|(i, s)| (s.start, i, s.kind.as_str(), s.name.as_str()))
        .collect();
    labels.sort();
    let mut next = labels.iter().peekable();
    for (i, inst) in p.code.iter().enumerate() {
        while let Some((_, _, kind, name)) = next.next_if(|l| l.0 <= i) {
            let _ = writeln!(out, "<{kind} {name}>:");
        }
        let _ = writeln!(out, "{i:>6}  {:#07x}  {inst}", i * WORD_BYTES);
    }
    for (_, _, kind, name) in next {
        let _ = writeln!(out, "<{kind} {name}>: (empty, at the end)");
    }
}
