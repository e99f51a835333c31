//! Tests of the `isa` dialect: the IRDL file and the README tables are generated from the ISA
//! table (`PIMC_BLESS=1` rewrites them), programs survive Program -> module -> text -> module ->
//! Program, and invalid IR is rejected by MLIR's verifier or by the reader.

use melior::Context;
use pim_dialects::{
    func::{parse_module, print_module},
    isa::{self, from_module, to_module},
    new_context, BuildOptions, Dialects,
};
use pim_runtime::{
    container::{
        Binding, ConstValue, Constant, DType, Direction, Lrn, Program, Symbol, SymbolKind,
        WeightBlob, Window,
    },
    isa::{assemble, Opcode},
    target::Target,
};
use std::path::PathBuf;

fn manifest_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn blessing() -> bool {
    std::env::var("PIMC_BLESS").is_ok_and(|v| v == "1")
}

/// Compares a generated file with its committed text, or rewrites it under `PIMC_BLESS=1`.
fn check_generated(rel: &str, expected: &str, actual: &str, write: impl FnOnce()) {
    if blessing() {
        write();
        return;
    }
    assert!(
        expected == actual,
        "{rel} is out of date with the ISA table; run `PIMC_BLESS=1 cargo test -p pim-dialects` \
         and review the diff.\n--- committed\n{expected}\n--- generated\n{actual}"
    );
}

#[test]
fn irdl_file_is_generated_from_the_isa_table() {
    let path = manifest_path("isa.irdl.mlir");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = isa::irdl_text();
    check_generated("dialects/isa.irdl.mlir", &committed, &generated, || {
        std::fs::write(&path, &generated).unwrap()
    });
}

#[test]
fn readme_isa_tables_are_generated_from_the_isa_table() {
    let path = manifest_path("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = readme
        .split_once(isa::README_BEGIN)
        .expect("README.md lacks the isa BEGIN GENERATED marker");
    let (committed, tail) = rest
        .split_once(isa::README_END)
        .expect("README.md lacks the isa END GENERATED marker");
    let generated = format!("\n{}", isa::readme_markdown());
    check_generated("dialects/README.md", committed, &generated, || {
        let text = format!(
            "{head}{}{generated}{}{tail}",
            isa::README_BEGIN,
            isa::README_END
        );
        std::fs::write(&path, text).unwrap()
    });
}

/// Every pinned instruction of the runtime's golden file: at least one of each opcode.
fn every_instruction() -> String {
    include_str!("../../../runtime/src/isa/golden.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once("  ").map(|(_, asm)| format!("{asm}\n")))
        .collect()
}

fn window(include_pad: bool) -> Window {
    Window {
        in_h: 8,
        in_w: 8,
        channels: 3,
        cn: 3,
        kernel_h: 3,
        kernel_w: 3,
        stride_h: 1,
        stride_w: 1,
        dilation_h: 1,
        dilation_w: 1,
        pad_top: 1,
        pad_left: 1,
        pad_bottom: 1,
        pad_right: 1,
        row0: 9,
        include_pad,
        ..Window::default()
    }
}

fn symbol(name: &str, kind: SymbolKind, start: usize, end: usize) -> Symbol {
    Symbol {
        name: name.into(),
        kind,
        start,
        end,
    }
}

/// A program with every instruction, every kind of constant, nested / empty / trailing symbols
/// (not in start order), weights with a gap and overlapping blobs, and a target that is not a
/// preset (so its TOML is embedded).
fn sample() -> Program {
    let mut target = Target::preset("compact-4x4").unwrap();
    target.chip.name = "custom-chip".into();
    let mut p = Program::new(target);
    p.code = assemble(&every_instruction()).unwrap();
    let n = p.code.len();
    p.weights = (0..100).map(|i| (i as f32 * 0.37).sin() * 1e-3).collect();
    p.weights[7] = -0.0;
    p.weights[8] = f32::MIN_POSITIVE / 4.0;
    p.weights_dram_base = 0x4000_0000;
    let blob = |name: &str, offset, shape: &[u64]| WeightBlob {
        name: name.into(),
        offset,
        len: shape.iter().product(),
        shape: shape.to_vec(),
    };
    p.weight_blobs = vec![
        blob("fc.w", 10, &[4, 5]),
        blob("conv.w", 0, &[2, 1, 2, 2]),
        blob("fc.w.rows01", 10, &[10]),
        blob("scalar", 40, &[]),
        blob("empty", 41, &[0, 3]),
    ];
    p.bindings = vec![
        Binding {
            name: "x".into(),
            direction: Direction::Input,
            shape: vec![1, 3, 8, 8],
            dtype: DType::F32,
            dram_addr: 0x1000,
        },
        Binding {
            name: "y".into(),
            direction: Direction::Output,
            shape: vec![1, 10],
            dtype: DType::F32,
            dram_addr: 0x2000,
        },
    ];
    p.symbols = vec![
        symbol("conv", SymbolKind::Layer, 2, 6),
        symbol("seg0", SymbolKind::Segment, 0, n),
        symbol("empty", SymbolKind::Other, 6, 6),
        symbol("pool", SymbolKind::Layer, 6, 9),
        symbol("epilogue", SymbolKind::Other, n, n),
    ];
    let constant = |name: &str, value| Constant {
        name: name.into(),
        value,
    };
    p.constants = vec![
        constant("conv.window", ConstValue::Window(window(false))),
        constant("bias", ConstValue::Floats(vec![0.5, -1.25, f32::MAX])),
        constant("none", ConstValue::Floats(vec![])),
        constant("pool.window", ConstValue::Window(window(true))),
        constant(
            "lrn",
            ConstValue::Lrn(Lrn {
                size: 5,
                alpha: 1e-4,
                beta: 0.75,
                bias: 1.0,
            }),
        ),
    ];
    p.producer = "pim-dialects tests".into();
    p
}

/// Program -> module -> text -> module -> Program; returns the text.
fn round_trip(context: &Context, program: &Program) -> String {
    let module = to_module(context, program, BuildOptions::default()).unwrap();
    assert_eq!(&from_module(&module).unwrap(), program, "module -> Program");
    let text = print_module(&module, None, false);
    let reparsed = parse_module(context, &text, "isa.mlir").unwrap();
    assert_eq!(&from_module(&reparsed).unwrap(), program, "text -> Program");
    assert_eq!(
        print_module(&reparsed, None, false),
        text,
        "printing is stable"
    );
    text
}

#[test]
fn every_instruction_round_trips() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let program = sample();
    for &opcode in Opcode::ALL {
        assert!(
            program.code.iter().any(|i| i.opcode() == opcode),
            "the sample lacks {}",
            opcode.mnemonic()
        );
    }
    let text = round_trip(&context, &program);
    for expected in [
        "\"isa.seg_begin\"() {id = 2 : i64}",
        "dst = \"pe255[0x1ff]\"",
        "mode = \"window\"",
        "clear = true",
        "value = -3072 : i64",
        "\"isa.symbol\"() {id = 2 : i64, kind = \"other\", name = \"empty\"}",
        "\"isa.weight_data\"() {addr = 1073741832 : i64",
        "include_pad = true",
        "toml = \"[chip]",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
}

#[test]
fn a_preset_target_is_named_not_embedded() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let mut program = Program::new(Target::preset("isaac-rram").unwrap());
    program.code = assemble("halt").unwrap();
    let text = round_trip(&context, &program);
    assert!(
        text.contains("name = \"isaac-rram\", toml = \"\""),
        "{text}"
    );
}

/// The `pimc` binary next to this test's executable (`target/<profile>/pimc`), if built.
fn pimc() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("pimc");
    path.exists().then_some(path)
}

#[test]
fn a_compiled_lenet_round_trips() {
    let Some(pimc) = pimc() else {
        eprintln!("skipped: pimc is not built next to the tests (cargo build --release)");
        return;
    };
    let out = std::env::temp_dir().join(format!("pim-dialects-isa-{}.pimbin", std::process::id()));
    let status = std::process::Command::new(pimc)
        .arg(manifest_path("../test-models/nets/lenet.onnx"))
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "pimc failed on lenet.onnx");
    let program = Program::read(&std::fs::read(&out).unwrap()).unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(program.code.len() > 10 && !program.weights.is_empty());
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let text = round_trip(&context, &program);
    assert!(text.contains("\"isa.mvm\""), "{text}");
}

#[test]
fn elided_weights_cannot_be_read_back() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let options = BuildOptions {
        elide_above: Some(4),
    };
    let module = to_module(&context, &sample(), options).unwrap();
    let text = print_module(&module, None, false);
    assert!(text.contains("dense_resource<__elided__>"), "{text}");
    let reparsed = parse_module(&context, &text, "isa.mlir").unwrap();
    let error = from_module(&reparsed).unwrap_err().to_string();
    assert!(
        error.contains("elided") && error.contains("cannot be rebuilt"),
        "{error}"
    );
}

const HEADER: &str = r#"
  "isa.target"() {name = "compact-4x4", hash = "HASH", toml = ""} : () -> ()
  "isa.program"() {producer = "", weights_base = 0 : i64} : () -> ()
"#;

/// A module with the compact-4x4 header and `code` as the body of `@main`.
fn module_text(code: &str) -> String {
    let hash = Target::preset("compact-4x4").unwrap().hash_hex();
    format!(
        "{}\nfunc.func @main() {{\n{code}\n  return\n}}\n",
        HEADER.replace("HASH", &hash)
    )
}

#[test]
fn the_verifier_rejects_a_missing_field() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let text = module_text(r#""isa.loop"() : () -> ()"#);
    let error = parse_module(&context, &text, "input.mlir")
        .unwrap_err()
        .to_string();
    assert!(error.contains("attribute \"count\" is expected"), "{error}");
    let text = module_text(
        r#""isa.mvm"() {xbar = 0 : i64, src = "global[0x0]", dst = "global[0x0]", count = 1 : i64, sstride = 0 : i64, dstride = 0 : i64, pix = 0 : i64, bits = 8 : i64, mode = "sparse", win = 0 : i64, accumulate = 0 : i64} : () -> ()"#,
    );
    let error = parse_module(&context, &text, "input.mlir")
        .unwrap_err()
        .to_string();
    assert!(error.contains("does not satisfy the constraint"), "{error}");
}

/// The reader's error for a module that MLIR accepts.
fn read_error(code: &str) -> String {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let module = parse_module(&context, &module_text(code), "input.mlir").unwrap();
    from_module(&module).unwrap_err().to_string()
}

#[test]
fn the_reader_rejects_what_irdl_cannot_check() {
    let cases = [
        (
            r#""isa.loop"() {count = -1 : i64} : () -> ()"#,
            "instruction 0 (`isa.loop`): field `count`",
        ),
        (
            r#""isa.signal"() {event = 256 : i64} : () -> ()"#,
            "does not fit in 8 bits",
        ),
        (
            r#""isa.halt"() {extra = 1 : i64} : () -> ()"#,
            "unknown attribute `extra`",
        ),
        (
            r#""isa.load"() {src = "dram[0x0]", dst = "global3[0x0]", len = 1 : i64, count = 1 : i64, sstride = 0 : i64, dstride = 0 : i64} : () -> ()"#,
            "has no unit id",
        ),
        (
            r#""isa.symbol"() {id = 0 : i64, name = "a", kind = "layer"} : () -> ()"#,
            "never ends",
        ),
        (
            r#""isa.symbol_end"() {id = 0 : i64} : () -> ()"#,
            "ends before it begins",
        ),
        (
            r#""isa.symbol"() {id = 1 : i64, name = "a", kind = "layer"} : () -> ()
  "isa.symbol_end"() {id = 1 : i64} : () -> ()"#,
            "0 is missing",
        ),
        (
            r#""isa.binding"() {name = "x", direction = "input", shape = array<i64: 2>, dtype = "f32", addr = 0 : i64} : () -> ()"#,
            "belongs at the top of the module",
        ),
    ];
    for (code, expected) in cases {
        let error = read_error(code);
        assert!(error.contains(expected), "{code}\n=> {error}");
    }
}

#[test]
fn the_hand_written_lit_program_reads_and_verifies() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let path = manifest_path("../lit-tests/dialect/roundtrip-isa.mlir");
    let text = std::fs::read_to_string(&path).unwrap();
    let module = parse_module(&context, &text, "roundtrip-isa.mlir").unwrap();
    let program = from_module(&module).unwrap();
    program.verify().unwrap();
    assert_eq!(program.weights, [1.0, 2.0, 3.0, 4.0, 0.0, 0.0]);
    assert_eq!(program.symbols[1], symbol("fc", SymbolKind::Layer, 2, 7));
    round_trip(&context, &program);
}

#[test]
fn the_reader_rejects_instructions_outside_the_code() {
    let context = new_context();
    let _dialects = Dialects::load(&context).unwrap();
    let text = module_text("").replace("func.func", "\"isa.halt\"() : () -> ()\nfunc.func");
    let module = parse_module(&context, &text, "input.mlir").unwrap();
    let error = from_module(&module).unwrap_err().to_string();
    assert!(
        error.contains("an instruction outside the code function"),
        "{error}"
    );
}
