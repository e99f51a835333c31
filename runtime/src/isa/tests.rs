//! Tests of the ISA: round trips (property tests), the pinned encoding of every opcode
//! (golden file `golden.txt`, `PIMC_BLESS=1` rewrites it), decoder/encoder/assembler errors,
//! the generated part of `docs/isa.md`, and the verifier.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use proptest::prelude::*;

use super::doc::{BEGIN_MARKER, END_MARKER};
use super::*;
use crate::target::Target;

fn manifest_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn blessing() -> bool {
    std::env::var("PIMC_BLESS").is_ok_and(|v| v == "1")
}

/// Compares `actual` with the file, or rewrites the file under `PIMC_BLESS=1`.
fn check_golden(rel: &str, actual: &str) {
    let path = manifest_path(rel);
    if blessing() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with PIMC_BLESS=1 to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} is out of date; run `PIMC_BLESS=1 cargo test -p pim-runtime` and review the diff.\n\
         --- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

fn arb_instruction() -> impl Strategy<Value = Instruction> {
    (
        0..Opcode::ALL.len(),
        proptest::collection::vec(any::<u64>(), 12),
    )
        .prop_map(|(i, seeds)| Instruction::from_seeds(Opcode::ALL[i], &seeds))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decode_inverts_encode(inst in arb_instruction()) {
        let word = inst.encode().unwrap();
        prop_assert_eq!(Instruction::decode(&word, 0).unwrap(), inst);
        prop_assert_eq!(Word::from_le_bytes(&word.to_le_bytes()), word);
    }

    #[test]
    fn assemble_inverts_disassemble(inst in arb_instruction()) {
        let line = inst.to_string();
        prop_assert_eq!(line.parse::<Instruction>(), Ok(inst), "line: {}", line);
    }

    #[test]
    fn programs_round_trip(code in proptest::collection::vec(arb_instruction(), 0..20)) {
        let bytes = encode_program(&code).unwrap();
        prop_assert_eq!(bytes.len(), code.len() * WORD_BYTES);
        prop_assert_eq!(decode_program(&bytes).unwrap(), code.clone());
        prop_assert_eq!(assemble(&disassemble(&code)).unwrap(), code);
    }

    #[test]
    fn word_bits_round_trip(lo in 0u32..192, width in 1u32..=64, value in any::<u64>()) {
        let mut w = Word::default();
        w.set_bits(lo, width, value);
        let masked = if width == 64 { value } else { value & ((1u64 << width) - 1) };
        prop_assert_eq!(w.bits(lo, width), masked);
        prop_assert_eq!(w.lowest_set_bit_from(lo + width), None);
    }
}

/// One instruction per opcode (two for `mvm`), with distinctive field values.
fn samples() -> Vec<Instruction> {
    use Instruction as I;
    vec![
        I::Halt {},
        I::Loop { count: 64 },
        I::EndLoop {},
        I::SegBegin { id: 2 },
        I::SegEnd { id: 2 },
        I::RSet {
            reg: 1,
            value: 0x0012_3400,
        },
        I::RAdd {
            reg: 15,
            value: -3072,
        },
        I::Barrier {},
        I::Signal { event: 7 },
        I::Wait { event: 255 },
        I::Load {
            src: MemRef::dram(0x40).with_reg(1),
            dst: MemRef::global(0x100),
            len: 3072,
            count: 1,
            sstride: 0,
            dstride: 0,
        },
        I::Store {
            src: MemRef::tile(15, 0x20),
            dst: MemRef::dram(0x8000).with_reg(2),
            len: 64,
            count: 16,
            sstride: 64,
            dstride: 128,
        },
        I::Copy {
            src: MemRef::global(0),
            dst: MemRef::pe(255, 0x1ff),
            len: 1,
            count: 1024,
            sstride: 3,
            dstride: 1,
        },
        I::WLoad {
            xbar: 4095,
            src: MemRef::dram(0x0010_0000),
            stride: 128,
            row: 0,
            col: 0,
            rows: 128,
            cols: 16,
            clear: true,
            copies: 3,
            xstride: 72,
        },
        I::Mvm {
            xbar: 17,
            src: MemRef::global(0x400),
            dst: MemRef::global(0x8000),
            count: 1024,
            sstride: 0,
            dstride: 16,
            pix: 0,
            bits: 8,
            mode: MvmMode::Window,
            win: 3,
            accumulate: 1,
        },
        I::Mvm {
            xbar: 1_048_575,
            src: MemRef::tile(3, 0),
            dst: MemRef::tile(3, 0x80),
            count: 1,
            sstride: 128,
            dstride: 16,
            pix: 0,
            bits: 16,
            mode: MvmMode::Dense,
            win: 0,
            accumulate: 0,
        },
        I::Acc {
            src: MemRef::global(0x9000),
            dst: MemRef::global(0x8000),
            len: 16384,
            count: 1,
            sstride: 0,
            dstride: 0,
            shift: 4,
        },
        I::VecOp {
            op: VOp::MaxPool,
            dst: MemRef::global(0x1_0000),
            a: MemRef::global(0x8000),
            b: MemRef::dram(0),
            len: 65536,
            count: 1,
            param: 4,
        },
        I::VecOp {
            op: VOp::Add,
            dst: MemRef::tile(0, 0),
            a: MemRef::tile(0, 0),
            b: MemRef::tile(1, 0x40).with_reg(3),
            len: 64,
            count: 2,
            param: 0,
        },
        I::Guard {
            reg: 2,
            lo: 3,
            hi: 1027,
            len: 41,
        },
    ]
}

fn golden_text() -> String {
    let mut out = String::from(
        "# Pinned encodings: one instruction per line, `<64 hex digits, bytes in file order>  <assembly>`.\n\
         # Generated by isa::tests::golden_encodings; PIMC_BLESS=1 cargo test -p pim-runtime rewrites it.\n",
    );
    for inst in samples() {
        out.push_str(&format!("{}  {inst}\n", inst.encode().unwrap().to_hex()));
    }
    out
}

#[test]
fn golden_encodings() {
    let covered: std::collections::BTreeSet<Opcode> =
        samples().iter().map(Instruction::opcode).collect();
    for op in Opcode::ALL {
        assert!(
            covered.contains(op),
            "no golden sample for `{}`",
            op.mnemonic()
        );
    }
    check_golden("src/isa/golden.txt", &golden_text());
}

#[test]
fn golden_file_triples_agree() {
    // Each line of the golden file is self-consistent: its assembly encodes to its hex and its
    // hex decodes to its assembly.
    let text = std::fs::read_to_string(manifest_path("src/isa/golden.txt")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), samples().len());
    for line in lines {
        let (hex, asm) = line.split_once("  ").unwrap();
        let inst: Instruction = asm.parse().unwrap();
        assert_eq!(inst.encode().unwrap().to_hex(), hex, "{asm}");
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(decode_program(&bytes).unwrap(), vec![inst]);
        assert_eq!(inst.to_string(), asm);
    }
}

#[test]
fn table_is_consistent() {
    let mut bytes = std::collections::BTreeSet::new();
    let mut mnemonics = std::collections::BTreeSet::new();
    for &op in Opcode::ALL {
        assert!(bytes.insert(op.byte()), "duplicate opcode {:#x}", op.byte());
        assert!(
            mnemonics.insert(op.mnemonic()),
            "duplicate mnemonic {}",
            op.mnemonic()
        );
        assert_ne!(
            op.byte(),
            0,
            "opcode 0 is reserved so that a zero word is invalid"
        );
        assert_eq!(Opcode::from_byte(op.byte()), Some(op));
        assert_eq!(Opcode::from_mnemonic(op.mnemonic()), Some(op));
        assert!(!op.doc().is_empty());
        let used: u32 = OPCODE_BITS + op.fields().iter().map(|f| f.width).sum::<u32>();
        assert!(used <= WORD_BITS);
        let mut names = std::collections::BTreeSet::new();
        for f in op.fields() {
            assert!(
                names.insert(f.name),
                "{}: duplicate field {}",
                op.mnemonic(),
                f.name
            );
            assert!(
                !f.doc.trim().is_empty(),
                "{}.{} has no doc",
                op.mnemonic(),
                f.name
            );
        }
    }
}

#[test]
fn cost_classes() {
    use CostClass as C;
    let expect = [
        ("load", C::DramRead),
        ("store", C::DramWrite),
        ("copy", C::Move),
        ("wload", C::CrossbarWrite),
        ("mvm", C::Mvm),
        ("acc", C::Accumulate),
        ("vop", C::Vector),
        ("barrier", C::Sync),
        ("signal", C::Sync),
        ("wait", C::Sync),
        ("loop", C::Control),
        ("halt", C::Control),
    ];
    for (mnemonic, class) in expect {
        assert_eq!(
            Opcode::from_mnemonic(mnemonic).unwrap().cost_class(),
            class,
            "{mnemonic}"
        );
    }
    assert_eq!(samples()[0].cost_class(), C::Control);
}

// ----- errors ---------------------------------------------------------------------------

#[test]
fn out_of_range_fields_are_errors_not_truncated() {
    let mut inst = samples()[15];
    if let Instruction::Mvm { xbar, .. } = &mut inst {
        *xbar = 1 << 20;
    }
    let err = inst.encode().unwrap_err();
    assert!(
        matches!(
            err,
            IsaError::FieldOutOfRange {
                mnemonic: "mvm",
                field: "xbar",
                width: 20,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("max 1048575"), "{err}");

    let wload = Instruction::WLoad {
        xbar: 0,
        src: MemRef::dram(0),
        stride: 0,
        row: 1024,
        col: 0,
        rows: 1,
        cols: 1,
        clear: false,
        copies: 1,
        xstride: 0,
    };
    assert!(matches!(
        wload.encode(),
        Err(IsaError::FieldOutOfRange {
            field: "row",
            width: 10,
            ..
        })
    ));
    let err = encode_program(&[Instruction::Halt {}, wload]).unwrap_err();
    assert!(
        matches!(err, IsaError::AtInstruction { index: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn invalid_memory_operands_are_errors() {
    let mut m = MemRef::dram(0);
    m.unit = 3;
    let load = Instruction::Load {
        src: m,
        dst: MemRef::global(0),
        len: 1,
        count: 1,
        sstride: 0,
        dstride: 0,
    };
    let err = load.encode().unwrap_err();
    assert!(
        matches!(err, IsaError::InvalidField { field: "src", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("has no unit"), "{err}");
    let load = Instruction::Load {
        src: MemRef::dram(0).with_reg(16),
        dst: MemRef::global(0),
        len: 1,
        count: 1,
        sstride: 0,
        dstride: 0,
    };
    assert!(matches!(
        load.encode(),
        Err(IsaError::InvalidField { field: "src", .. })
    ));
}

fn word_of(inst: &Instruction) -> [u8; WORD_BYTES] {
    inst.encode().unwrap().to_le_bytes()
}

#[test]
fn unknown_opcodes_are_errors_with_offsets() {
    let mut bytes = encode_program(&samples()[..3]).unwrap();
    bytes[2 * WORD_BYTES] = 0xee;
    let err = decode_program(&bytes).unwrap_err();
    assert_eq!(
        err,
        IsaError::UnknownOpcode {
            offset: 64,
            opcode: 0xee
        }
    );
    assert!(
        err.to_string()
            .starts_with("byte 0x40: unknown opcode 0xee"),
        "{err}"
    );
    let zero = [0u8; WORD_BYTES];
    assert!(matches!(
        decode_program(&zero),
        Err(IsaError::UnknownOpcode {
            offset: 0,
            opcode: 0
        })
    ));
}

#[test]
fn reserved_bits_are_errors() {
    let mut bytes = word_of(&Instruction::Halt {});
    bytes[25] = 0x01; // bit 200
    let err = decode_program(&bytes).unwrap_err();
    assert_eq!(
        err,
        IsaError::ReservedBits {
            offset: 0,
            mnemonic: "halt",
            bit: 200,
            first: 8
        }
    );

    let vop = samples()[17];
    let first = OPCODE_BITS + vop.opcode().fields().iter().map(|f| f.width).sum::<u32>();
    let mut bytes = encode_program(&[Instruction::Barrier {}, vop]).unwrap();
    bytes[2 * WORD_BYTES - 1] |= 0x80; // bit 255 of the second word
    let err = decode_program(&bytes).unwrap_err();
    assert_eq!(
        err,
        IsaError::ReservedBits {
            offset: 32,
            mnemonic: "vop",
            bit: 255,
            first
        }
    );
}

#[test]
fn bad_field_values_are_errors() {
    // The `op` field of vop is bits 8..13: 31 is no VOp.
    let mut bytes = word_of(&samples()[17]);
    bytes[1] |= 0x1f;
    let err = decode_program(&bytes).unwrap_err();
    assert!(
        matches!(
            err,
            IsaError::BadField {
                offset: 0,
                mnemonic: "vop",
                field: "op",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("31 is not a VOp"), "{err}");

    // The `src` memory operand of load starts at bit 8: space 7 does not exist.
    let mut bytes = word_of(&samples()[10]);
    bytes[1] |= 0x07;
    let err = decode_program(&bytes).unwrap_err();
    assert!(
        matches!(err, IsaError::BadField { field: "src", .. }),
        "{err:?}"
    );

    // A dram operand with a unit: unit bits start at bit 8 + 7.
    let mut bytes = word_of(&samples()[10]);
    bytes[2] |= 0x80;
    let err = decode_program(&bytes).unwrap_err();
    assert!(err.to_string().contains("has no unit"), "{err}");
}

#[test]
fn truncated_streams_are_errors() {
    let bytes = encode_program(&samples()[..2]).unwrap();
    let err = decode_program(&bytes[..WORD_BYTES + 5]).unwrap_err();
    assert_eq!(
        err,
        IsaError::Truncated {
            len: 37,
            offset: 32,
            word: 32
        }
    );
    assert_eq!(decode_program(&[]).unwrap(), vec![]);
}

#[test]
fn assembler_errors_name_line_and_field() {
    let cases = [
        ("frob x=1", "unknown mnemonic `frob`"),
        ("loop", "loop: missing field `count`"),
        (
            "loop count=1, times=2",
            "loop: unknown field `times` (its fields are: count)",
        ),
        (
            "loop count=1, count=2",
            "loop: field `count` is given twice",
        ),
        ("loop count=x", "loop: field `count`: `x` is not a number"),
        (
            "seg.begin id=65536",
            "seg.begin: field `id`: 65536 does not fit in 16 bits (max 65535)",
        ),
        ("halt now", "halt: `now` is not `field=value`"),
        ("signal event=1, bogus=2", "signal: unknown field `bogus`"),
        (
            "barrier x=1",
            "barrier: unknown field `x` (its fields are: none)",
        ),
        ("vop op=gelu", "vop: field `op`: `gelu` is not a VOp"),
        (
            "rset reg=r16, value=0",
            "rset: field `reg`: 16 does not fit in 4 bits",
        ),
        (
            "radd reg=r1, value=4294967296",
            "does not fit a signed 32-bit immediate",
        ),
    ];
    for (line, want) in cases {
        let err = assemble(&format!("halt\n\n; comment\n{line}\n")).unwrap_err();
        let IsaError::Asm { line: n, message } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*n, 4, "{line}");
        assert!(
            message.contains(want),
            "{line}: got `{message}`, want `{want}`"
        );
    }
    let mem_cases = [
        ("dram3[0x0]", "has no unit id"),
        ("tile[0x0]", "needs a unit id"),
        ("hbm[0x0]", "is not a Space"),
        ("global[r16+0x0]", "register r16 does not exist"),
        ("global[0x100000000]", "does not fit 32 bits"),
        ("global 0x0", "is not a memory operand"),
    ];
    for (text, want) in mem_cases {
        let err = text.parse::<MemRef>().unwrap_err();
        assert!(err.contains(want), "{text}: got `{err}`");
    }
}

#[test]
fn assembly_syntax_details() {
    let code = assemble("  LOOP_IS_CASE_SENSITIVE_SO_USE_lowercase ; no\n");
    assert!(code.is_err());
    let code = assemble(
        "# a program\nrset reg=3, value=0x10   # comment\nradd value=-16, reg=r3\n\
         load dstride=0, sstride=0, count=1, len=0x10, dst=pe2[r3+0x8], src=dram[r1+16]\nhalt ; done\n",
    )
    .unwrap();
    assert_eq!(code.len(), 4);
    assert_eq!(code[1], Instruction::RAdd { reg: 3, value: -16 });
    assert_eq!(code[0].to_string(), "rset reg=r3, value=0x10");
    assert_eq!(
        code[2].to_string(),
        "load src=dram[r1+0x10], dst=pe2[r3+0x8], len=16, count=1, sstride=0, dstride=0"
    );
}

// ----- docs -----------------------------------------------------------------------------

#[test]
fn docs_isa_md_is_generated_from_the_table() {
    let path = manifest_path("../docs/isa.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let begin = text
        .find(BEGIN_MARKER)
        .expect("docs/isa.md has the BEGIN GENERATED marker");
    let end = text
        .find(END_MARKER)
        .expect("docs/isa.md has the END GENERATED marker");
    let inner_start = begin + BEGIN_MARKER.len();
    let generated = format!("\n\n{}\n", reference_markdown());
    if blessing() {
        let new = format!("{}{}{}", &text[..inner_start], generated, &text[end..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert!(
        text[inner_start..end] == generated,
        "docs/isa.md's generated reference is out of date: run `PIMC_BLESS=1 cargo test -p pim-runtime`"
    );
    for op in Opcode::ALL {
        assert!(
            text.contains(&format!("`{}`", op.mnemonic())),
            "docs/isa.md lacks {}",
            op.mnemonic()
        );
    }
    // The hand-written part explains every vector op too.
    let prose = &text[..begin];
    for v in VOp::ALL {
        assert!(
            prose.contains(&format!("`{}`", v.as_str())),
            "docs/isa.md prose lacks VOp {}",
            v.as_str()
        );
    }
}

// ----- verify ---------------------------------------------------------------------------

fn compact() -> Target {
    Target::preset("compact-4x4").unwrap()
}

const GOOD: &str = "\
seg.begin id=0
wload xbar=0, src=dram[0x0], stride=16, row=0, col=0, rows=27, cols=16, clear=true, copies=1, xstride=0
rset reg=r1, value=0x100000
loop count=4
load src=dram[r1+0x0], dst=global[0x0], len=3072, count=1, sstride=0, dstride=0
mvm xbar=0, src=global[0x0], dst=global[0x1000], count=1024, sstride=0, dstride=16, pix=0, bits=8, mode=window, win=0, accumulate=0
vop op=relu, dst=global[0x1000], a=global[0x1000], b=dram[0x0], len=16384, count=1, param=0
store src=global[0x1000], dst=dram[r1+0x4000], len=16384, count=1, sstride=0, dstride=0
radd reg=r1, value=3072
endloop
seg.end id=0
halt
";

#[test]
fn verify_accepts_a_well_formed_program() {
    verify(&assemble(GOOD).unwrap(), &compact()).unwrap();
}

/// Guards that break the structure, and broadcast wloads that do not fit: (text of GOOD,
/// replacement, error).
const GUARD_CASES: &[(&str, &str, &str)] = &[
    (
        "copies=1, xstride=0",
        "copies=0, xstride=0",
        "at least one copy",
    ),
    (
        "copies=1, xstride=0",
        "copies=2, xstride=0",
        "non-zero xstride",
    ),
    (
        "copies=1, xstride=0",
        "copies=3, xstride=2048",
        "crossbar 4096 does not exist",
    ),
    (
        "loop count=4\n",
        "guard reg=r1, lo=0, hi=1, len=2\nloop count=4\n",
        "ends inside a loop it did not open",
    ),
    (
        "endloop\n",
        "guard reg=r1, lo=0, hi=1, len=1\nendloop\n",
        "endloop closes a loop opened before its guard",
    ),
    (
        "seg.end id=0\n",
        "guard reg=r1, lo=0, hi=1, len=1\nseg.end id=0\n",
        "segment markers cannot be guarded",
    ),
    (
        "seg.end id=0\nhalt",
        "seg.end id=0\nguard reg=r1, lo=0, hi=1, len=1\nhalt",
        "halt cannot be guarded",
    ),
];

#[test]
fn verify_rejects_each_problem() {
    let cases: &[(&str, &str, &str)] = &[
        ("halt\n", "", "does not end with halt"),
        ("endloop id", "endloop", "endloop without an open loop"),
        (
            "seg.end id=0\nhalt",
            "seg.end id=1\nhalt",
            "seg.end 1 closes segment 0",
        ),
        (
            "dst=global[0x0], len=3072",
            "dst=dram[0x0], len=3072",
            "must be on chip",
        ),
        (
            "src=dram[r1+0x0], dst=global",
            "src=tile0[0x0], dst=global",
            "must be in dram",
        ),
        (
            "wload xbar=0,",
            "wload xbar=4096,",
            "crossbar 4096 does not exist",
        ),
        (
            "rows=27, cols=16",
            "rows=27, cols=17",
            "exceed the crossbar's 16",
        ),
        (
            "row=0, col=0, rows=27",
            "row=100, col=0, rows=29",
            "exceed the crossbar's 128 rows",
        ),
        ("bits=8", "bits=9", "apply 1..=8 input bits"),
        (
            "sstride=0, dstride=16, pix=0",
            "sstride=4, dstride=16, pix=0",
            "window mode takes no sstride",
        ),
        ("reg=r1, value=3072", "reg=r0, value=3072", "r0 is always 0"),
        (
            "len=16384, count=1, param=0",
            "len=131073, count=1, param=0",
            "beyond the 131072-element global buffer",
        ),
        (
            "src=global[0x1000], dst=dram[r1",
            "src=tile16[0x0], dst=dram[r1",
            "the target has 16 tile units",
        ),
    ];
    for (from, to, want) in cases.iter().chain(GUARD_CASES) {
        let text = if from.contains("endloop id") {
            GOOD.replacen("loop count=4\n", "", 1)
        } else if to.is_empty() {
            GOOD.replacen(from, to, 1)
        } else {
            assert!(GOOD.contains(from), "{from}");
            GOOD.replacen(from, to, 1)
        };
        let err = verify(&assemble(&text).unwrap(), &compact()).unwrap_err();
        assert!(
            err.to_string().contains(want),
            "{from} -> {to}: got `{err}`, want `{want}`"
        );
    }
    let deep = format!(
        "{}{}halt\n",
        "loop count=1\n".repeat(9),
        "endloop\n".repeat(9)
    );
    let err = verify(&assemble(&deep).unwrap(), &compact()).unwrap_err();
    assert!(
        matches!(err, IsaError::AtInstruction { index: 8, .. }),
        "{err}"
    );
}
