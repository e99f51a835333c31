//! Tests of the `.pimbin` container: round trip and determinism on a hand-built program, one
//! test per error class (each corrupting the bytes of a real written program), a property test
//! that no corruption panics the reader, and the objdump listing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use prost::Message;

use super::format::file_crc;
use super::*;
use crate::isa::{assemble, Instruction, MemRef, WORD_BYTES};
use crate::target::Target;

/// conv 3x3 (3 -> 16 channels, pad 1) on an 8x8 image, bias, relu, 2x2 max pool, then a
/// 256 -> 10 fully connected layer split over two crossbars (row blocks) and accumulated.
const CODE: &str = "\
seg.begin id=0
wload xbar=0, src=dram[0x0], stride=16, row=0, col=0, rows=27, cols=16, clear=true, copies=1, xstride=0
wload xbar=1, src=dram[0x1c0], stride=10, row=0, col=0, rows=128, cols=10, clear=true, copies=1, xstride=0
wload xbar=2, src=dram[0x6c0], stride=10, row=0, col=0, rows=128, cols=10, clear=true, copies=1, xstride=0
load src=dram[0x10000], dst=global[0x0], len=1, count=64, sstride=1, dstride=3   ; NCHW -> HWC
load src=dram[0x10040], dst=global[0x1], len=1, count=64, sstride=1, dstride=3
load src=dram[0x10080], dst=global[0x2], len=1, count=64, sstride=1, dstride=3
mvm xbar=0, src=global[0x0], dst=global[0x100], count=64, sstride=0, dstride=16, pix=0, bits=8, mode=window, win=0, accumulate=0
vop op=bias, dst=global[0x100], a=global[0x100], b=dram[0x0], len=16, count=64, param=1
vop op=relu, dst=global[0x100], a=global[0x100], b=dram[0x0], len=1024, count=1, param=0
vop op=max_pool, dst=global[0x500], a=global[0x100], b=dram[0x0], len=1024, count=1, param=2
mvm xbar=1, src=global[0x500], dst=global[0x600], count=1, sstride=128, dstride=10, pix=0, bits=8, mode=dense, win=0, accumulate=0
mvm xbar=2, src=global[0x580], dst=global[0x610], count=1, sstride=128, dstride=10, pix=0, bits=8, mode=dense, win=0, accumulate=0
acc src=global[0x610], dst=global[0x600], len=10, count=1, sstride=0, dstride=0, shift=0
vop op=bias, dst=global[0x600], a=global[0x600], b=dram[0x0], len=10, count=1, param=3
store src=global[0x600], dst=dram[0x20000], len=10, count=1, sstride=0, dstride=0
seg.end id=0
halt
";

fn window(in_hw: u32, channels: u32, k: u32, s: u32, pad: u32) -> Window {
    Window {
        in_h: in_hw,
        in_w: in_hw,
        channels,
        c0: 0,
        cn: channels,
        kernel_h: k,
        kernel_w: k,
        stride_h: s,
        stride_w: s,
        dilation_h: 1,
        dilation_w: 1,
        pad_top: pad,
        pad_left: pad,
        pad_bottom: pad,
        pad_right: pad,
        row0: 0,
        include_pad: false,
    }
}

fn blob(name: &str, offset: u64, shape: &[u64]) -> WeightBlob {
    WeightBlob {
        name: name.into(),
        offset,
        len: shape.iter().product(),
        shape: shape.to_vec(),
    }
}

fn sample() -> Program {
    let mut p = Program::new(Target::preset("compact-4x4").unwrap());
    p.code = assemble(CODE).unwrap();
    p.weights = (0..3018).map(|i| (i as f32 * 0.37).sin()).collect();
    p.weight_blobs = vec![
        blob("conv.weight", 0, &[27, 16]),
        blob("conv.bias", 432, &[16]),
        blob("fc.weight", 448, &[256, 10]),
        blob("fc.bias", 3008, &[10]),
    ];
    p.bindings = vec![
        Binding {
            name: "x".into(),
            direction: Direction::Input,
            shape: vec![1, 3, 8, 8],
            dtype: DType::F32,
            dram_addr: 0x10000,
        },
        Binding {
            name: "y".into(),
            direction: Direction::Output,
            shape: vec![1, 10],
            dtype: DType::F32,
            dram_addr: 0x20000,
        },
    ];
    let sym = |name: &str, kind, start, end| Symbol {
        name: name.into(),
        kind,
        start,
        end,
    };
    p.symbols = vec![
        sym("seg0", SymbolKind::Segment, 0, 18),
        sym("conv", SymbolKind::Layer, 4, 10),
        sym("pool", SymbolKind::Layer, 10, 11),
        sym("fc", SymbolKind::Layer, 11, 16),
    ];
    p.constants = vec![
        Constant {
            name: "conv.window".into(),
            value: ConstValue::Window(window(8, 3, 3, 1, 1)),
        },
        Constant {
            name: "conv.bias".into(),
            value: ConstValue::Floats(p.weights[432..448].to_vec()),
        },
        Constant {
            name: "pool.window".into(),
            value: ConstValue::Window(window(8, 16, 2, 2, 0)),
        },
        Constant {
            name: "fc.bias".into(),
            value: ConstValue::Floats(p.weights[3008..3018].to_vec()),
        },
    ];
    p.producer = "pim-runtime tests".into();
    p
}

#[test]
fn round_trip_and_determinism() {
    let p = sample();
    p.verify().unwrap();
    let bytes = p.write().unwrap();
    assert_eq!(&bytes[..8], &MAGIC);
    let (back, info) = Program::read_with_info(&bytes).unwrap();
    assert_eq!(back, p);
    assert_eq!(
        p.write().unwrap(),
        bytes,
        "writing twice gives the same bytes"
    );
    assert_eq!(
        back.write().unwrap(),
        bytes,
        "read then write gives the same bytes"
    );
    assert_eq!(info.version, FORMAT_VERSION);
    assert_eq!(info.file_len, bytes.len() as u64);
    assert_eq!(info.target_hash, p.target.hash());
    let kinds: Vec<SectionKind> = info.sections.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, SectionKind::ALL.to_vec());
    let code = info.sections[1];
    assert_eq!(code.length, (p.code.len() * WORD_BYTES) as u64);
    assert_eq!(code.offset % SECTION_ALIGN as u64, 0);
    assert_eq!(
        Program::read(&Program::new(p.target.clone()).write().unwrap())
            .unwrap()
            .code,
        vec![]
    );
}

/// Weights over several of the writer's chunks stream into the file in order and read back
/// equal; a writer that fails is an I/O error, not a panic, and one that stops partway through
/// the weights too.
#[test]
fn weights_stream_in_chunks_and_a_failing_writer_is_an_error() {
    let mut p = sample();
    p.weights.extend((0..40_000).map(|i| i as f32 * 0.25));
    let bytes = p.write().unwrap();
    assert_eq!(Program::read(&bytes).unwrap(), p);
    let mut full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap();
    assert!(matches!(p.write_to(&mut full), Err(ContainerError::Io(_))));
    let mut short = [0u8; 4096];
    let mut cursor = std::io::Cursor::new(&mut short[..]);
    assert!(matches!(
        p.write_to(&mut cursor),
        Err(ContainerError::Io(_))
    ));
}

// ----- helpers that corrupt a real file and keep it otherwise consistent -----------------

/// The header and the section payloads (by kind code) of a valid file.
fn parts(bytes: &[u8]) -> (wire::Header, Vec<(u32, Vec<u8>)>) {
    let (_, info) = Program::read_with_info(bytes).unwrap();
    let header = wire::Header::decode(&bytes[32..32 + info.header_len as usize]).unwrap();
    let payloads = info
        .sections
        .iter()
        .map(|s| {
            (
                s.kind.code(),
                bytes[s.offset as usize..(s.offset + s.length) as usize].to_vec(),
            )
        })
        .collect();
    (header, payloads)
}

/// A file from a header and payloads: the section table is laid out anew, then `edit` may
/// change the header before it is written; lengths and checksum are made right.
fn build(
    mut header: wire::Header,
    payloads: &[(u32, Vec<u8>)],
    edit: impl FnOnce(&mut wire::Header),
) -> Vec<u8> {
    let mut data = Vec::new();
    header.sections.clear();
    for (kind, bytes) in payloads {
        data.resize(data.len().div_ceil(32) * 32, 0);
        header.sections.push(wire::SectionEntry {
            kind: *kind,
            offset: data.len() as u64,
            length: bytes.len() as u64,
        });
        data.extend_from_slice(bytes);
    }
    edit(&mut header);
    let head = header.encode_to_vec();
    let start = (32 + head.len()).div_ceil(32) * 32;
    let mut out = vec![0u8; start];
    out[..8].copy_from_slice(&MAGIC);
    out[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    out[24..28].copy_from_slice(&(head.len() as u32).to_le_bytes());
    out[32..32 + head.len()].copy_from_slice(&head);
    out.extend_from_slice(&data);
    let len = out.len() as u64;
    out[16..24].copy_from_slice(&len.to_le_bytes());
    fix_crc(&mut out);
    out
}

fn fix_crc(bytes: &mut [u8]) {
    let crc = file_crc(bytes);
    bytes[12..16].copy_from_slice(&crc.to_le_bytes());
}

/// The file with the payload of section `kind` replaced.
fn with_section(kind: SectionKind, f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let (header, mut payloads) = parts(&sample().write().unwrap());
    let slot = payloads
        .iter_mut()
        .find(|(k, _)| *k == kind.code())
        .unwrap();
    f(&mut slot.1);
    build(header, &payloads, |_| {})
}

/// The file with its header edited.
fn with_header(f: impl FnOnce(&mut wire::Header)) -> Vec<u8> {
    let (header, payloads) = parts(&sample().write().unwrap());
    build(header, &payloads, f)
}

fn read_err(bytes: &[u8]) -> ContainerError {
    Program::read(bytes).unwrap_err()
}

#[test]
fn rebuilding_an_unchanged_file_gives_the_same_bytes() {
    let bytes = sample().write().unwrap();
    let (header, payloads) = parts(&bytes);
    assert_eq!(build(header, &payloads, |_| {}), bytes);
}

// ----- one test per error class ----------------------------------------------------------

#[test]
fn wrong_magic() {
    let mut bytes = sample().write().unwrap();
    bytes[1] = b'X';
    let err = read_err(&bytes);
    assert!(matches!(err, ContainerError::BadMagic { .. }), "{err:?}");
    assert!(err.to_string().starts_with("not a .pimbin file"), "{err}");
    assert!(matches!(read_err(&[]), ContainerError::BadMagic { .. }));
    assert!(matches!(
        read_err(b"{\"json\": 1}"),
        ContainerError::BadMagic { .. }
    ));
}

#[test]
fn unsupported_version() {
    let mut bytes = sample().write().unwrap();
    bytes[8] = 2;
    let err = read_err(&bytes);
    assert!(
        matches!(
            err,
            ContainerError::UnsupportedVersion {
                found: 2,
                supported: 1
            }
        ),
        "{err:?}"
    );
}

#[test]
fn truncated_file() {
    let bytes = sample().write().unwrap();
    let err = read_err(&bytes[..bytes.len() - 10]);
    assert!(
        matches!(err, ContainerError::Truncated { expected, actual, .. } if expected == bytes.len() as u64 && actual + 10 == expected),
        "{err:?}"
    );
    let err = read_err(&bytes[..20]);
    assert!(
        matches!(
            err,
            ContainerError::Truncated {
                expected: 32,
                actual: 20,
                ..
            }
        ),
        "{err:?}"
    );
    let err = read_err(&bytes[..5]);
    assert!(
        matches!(err, ContainerError::Truncated { actual: 5, .. }),
        "{err:?}"
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        read_err(&longer),
        ContainerError::TrailingBytes { extra: 1, .. }
    ));
}

#[test]
fn checksum_mismatch() {
    let mut bytes = sample().write().unwrap();
    let last = bytes.len() - 40;
    bytes[last] ^= 0x10;
    let err = read_err(&bytes);
    assert!(
        matches!(err, ContainerError::ChecksumMismatch { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("the file is corrupt"), "{err}");
}

#[test]
fn reserved_prefix_field() {
    let mut bytes = sample().write().unwrap();
    bytes[28] = 1;
    fix_crc(&mut bytes);
    assert!(matches!(
        read_err(&bytes),
        ContainerError::ReservedPrefix { value: 1 }
    ));
}

#[test]
fn header_out_of_bounds_or_malformed() {
    let mut bytes = sample().write().unwrap();
    bytes[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
    fix_crc(&mut bytes);
    let err = read_err(&bytes);
    assert!(
        matches!(
            err,
            ContainerError::SectionOutOfBounds {
                section: "header",
                ..
            }
        ),
        "{err:?}"
    );

    let mut bytes = sample().write().unwrap();
    bytes[32] = 0xff; // an invalid protobuf tag
    fix_crc(&mut bytes);
    let err = read_err(&bytes);
    assert!(
        matches!(err, ContainerError::Proto { what: "header", .. }),
        "{err:?}"
    );
}

#[test]
fn section_out_of_bounds() {
    let bytes = with_header(|h| h.sections[2].length += 1_000_000);
    let err = read_err(&bytes);
    assert!(
        matches!(
            err,
            ContainerError::SectionOutOfBounds {
                section: "weights",
                ..
            }
        ),
        "{err:?}"
    );
    let bytes = with_header(|h| h.sections[5].offset = u64::MAX - 3);
    let err = read_err(&bytes);
    assert!(
        matches!(
            err,
            ContainerError::SectionOutOfBounds {
                section: "symbols",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn section_table_errors() {
    let err = read_err(&with_header(|h| h.sections[3].kind = 42));
    assert!(
        matches!(err, ContainerError::UnknownSection { kind: 42 }),
        "{err:?}"
    );
    let err = read_err(&with_header(|h| h.sections[3].kind = 1));
    assert!(
        matches!(err, ContainerError::DuplicateSection { section: "target" }),
        "{err:?}"
    );
    let err = read_err(&with_header(|h| {
        h.sections.remove(6);
    }));
    assert!(
        matches!(
            err,
            ContainerError::MissingSection {
                section: "constants"
            }
        ),
        "{err:?}"
    );
    let err = read_err(&with_header(|h| h.word_bytes = 16));
    assert!(
        matches!(
            err,
            ContainerError::WordSize {
                found: 16,
                expected: 32
            }
        ),
        "{err:?}"
    );
}

#[test]
fn target_hash_not_matching_the_embedded_target() {
    // Change one value of the embedded target: it still parses, but no longer has the hash
    // recorded in the header.
    let bytes = with_section(SectionKind::Target, |text| {
        let s = String::from_utf8(text.clone()).unwrap();
        *text = s
            .replacen("clock_ghz = 1.0", "clock_ghz = 1.5", 1)
            .into_bytes();
        assert_ne!(text.as_slice(), s.as_bytes());
    });
    let err = read_err(&bytes);
    assert!(
        matches!(err, ContainerError::TargetHashMismatch { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("target hash mismatch"), "{err}");

    let err = read_err(&with_header(|h| h.target_hash ^= 1));
    assert!(
        matches!(err, ContainerError::TargetHashMismatch { .. }),
        "{err:?}"
    );
}

#[test]
fn embedded_target_errors() {
    let err = read_err(&with_section(SectionKind::Target, |t| t[3] = 0xff));
    assert!(matches!(err, ContainerError::TargetNotUtf8), "{err:?}");
    let err = read_err(&with_section(SectionKind::Target, |t| {
        t.extend_from_slice(b"\nbogus = 1\n")
    }));
    assert!(matches!(err, ContainerError::Target(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("embedded target: .pimbin target section"),
        "{err}"
    );
}

#[test]
fn code_length_not_a_multiple_of_the_word() {
    let err = read_err(&with_section(SectionKind::Code, |c| {
        c.pop();
    }));
    assert!(
        matches!(err, ContainerError::CodeLength { word: 32, .. }),
        "{err:?}"
    );
}

#[test]
fn undecodable_instruction_has_its_index() {
    let err = read_err(&with_section(SectionKind::Code, |c| {
        c[3 * WORD_BYTES] = 0xee
    }));
    assert!(
        matches!(
            err,
            ContainerError::Instruction {
                index: 3,
                source: crate::isa::IsaError::UnknownOpcode { .. }
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("instruction 3: byte 0x60: unknown opcode 0xee"),
        "{err}"
    );
    let err = read_err(&with_section(SectionKind::Code, |c| {
        c[6 * WORD_BYTES + 31] = 0x80
    }));
    assert!(
        matches!(err, ContainerError::Instruction { index: 6, .. }),
        "{err:?}"
    );
}

#[test]
fn weights_length_not_a_multiple_of_four() {
    let err = read_err(&with_section(SectionKind::Weights, |w| {
        w.pop();
    }));
    assert!(
        matches!(err, ContainerError::WeightsLength { .. }),
        "{err:?}"
    );
}

#[test]
fn malformed_structured_sections() {
    let err = read_err(&with_section(SectionKind::Bindings, |b| b[0] = 0xff));
    assert!(
        matches!(
            err,
            ContainerError::Proto {
                what: "bindings section",
                ..
            }
        ),
        "{err:?}"
    );
    let err = read_err(&with_section(SectionKind::Bindings, |b| {
        let mut m = wire::Bindings::decode(b.as_slice()).unwrap();
        m.bindings[0].direction = 9;
        *b = m.encode_to_vec();
    }));
    assert!(
        matches!(
            err,
            ContainerError::BadEnum {
                what: "binding direction",
                value: 9
            }
        ),
        "{err:?}"
    );
    let err = read_err(&with_section(SectionKind::Symbols, |b| {
        let mut m = wire::Symbols::decode(b.as_slice()).unwrap();
        m.symbols[1].end = 999;
        *b = m.encode_to_vec();
    }));
    assert!(
        matches!(&err, ContainerError::Invalid { what, .. } if what == "symbol `conv`"),
        "{err:?}"
    );
    let err = read_err(&with_section(SectionKind::Constants, |b| {
        let mut m = wire::Constants::decode(b.as_slice()).unwrap();
        m.constants[0].value = None;
        *b = m.encode_to_vec();
    }));
    assert!(err.to_string().contains("has no value"), "{err}");
}

#[test]
fn write_rejects_inconsistent_programs() {
    let mut p = sample();
    p.code[1] = Instruction::WLoad {
        xbar: 1 << 20,
        src: MemRef::dram(0),
        stride: 16,
        row: 0,
        col: 0,
        rows: 27,
        cols: 16,
        clear: true,
        copies: 1,
        xstride: 0,
    };
    assert!(matches!(
        p.write(),
        Err(ContainerError::Instruction { index: 1, .. })
    ));

    type Edit = Box<dyn Fn(&mut Program)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|p| p.weight_blobs[3].offset = 3009),
            "exceed the 3018 weights",
        ),
        (
            Box::new(|p| p.weight_blobs[0].shape = vec![27, 15]),
            "does not have 432 elements",
        ),
        (
            Box::new(|p| p.weight_blobs[1].name = "conv.weight".into()),
            "the name is used twice",
        ),
        (
            Box::new(|p| p.bindings[0].dram_addr = 100),
            "overlaps the weights",
        ),
        (
            Box::new(|p| p.bindings[1].dram_addr = u64::from(u32::MAX)),
            "exceeds the 2^32-element DRAM space",
        ),
        (
            Box::new(|p| p.bindings[1].dram_addr = p.bindings[0].dram_addr + 1),
            "overlaps binding",
        ),
        (
            Box::new(|p| p.bindings[1].shape = vec![1 << 16, 1 << 15]),
            "more than the 1073741824 a binding may have",
        ),
        (
            Box::new(|p| p.symbols[0].end = 19),
            "not a range inside the 18 instructions",
        ),
        (
            Box::new(|p| {
                if let ConstValue::Window(w) = &mut p.constants[0].value {
                    w.cn = 4;
                }
            }),
            "channels 0..4 exceed the image's 3",
        ),
        (
            Box::new(|p| {
                if let ConstValue::Window(w) = &mut p.constants[2].value {
                    w.kernel_h = 9;
                }
            }),
            "does not fit the padded image",
        ),
    ];
    for (edit, want) in cases {
        let mut p = sample();
        edit(&mut p);
        let err = p.write().unwrap_err();
        assert!(err.to_string().contains(want), "got `{err}`, want `{want}`");
    }
}

#[test]
fn verify_checks_constant_references() {
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "mode=window, win=0",
            "mode=window, win=1",
            "win = 1 is a floats constant, not a window",
        ),
        (
            "len=16, count=64, param=1",
            "len=16, count=64, param=2",
            "bias wants floats in constant 2",
        ),
        (
            "len=10, count=1, param=3",
            "len=10, count=1, param=1",
            "bias wants 1 or len floats in constant 1, which has 16",
        ),
        (
            "len=1024, count=1, param=2",
            "len=1000, count=1, param=2",
            "is not the window's image size",
        ),
        (
            "len=1024, count=1, param=2",
            "len=1024, count=1, param=7",
            "constant 7 does not exist",
        ),
        (
            "bits=8, mode=dense",
            "bits=0, mode=dense",
            "apply 1..=8 input bits",
        ),
    ];
    for (from, to, want) in cases {
        let mut p = sample();
        assert!(CODE.contains(from), "{from}");
        p.code = assemble(&CODE.replacen(from, to, 1)).unwrap();
        let err = p.verify().unwrap_err();
        assert!(
            err.to_string().contains(want),
            "{to}: got `{err}`, want `{want}`"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever bytes change (with the checksum fixed so that the deeper parsers see them), and
    /// wherever the file is cut, reading returns a value or an error and never panics.
    #[test]
    fn corrupt_files_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        fix in any::<bool>(),
    ) {
        let bytes = sample().write().unwrap();
        let mut corrupt = bytes.clone();
        for (at, value) in flips {
            let i = 16 + at.index(corrupt.len() - 16); // keep the magic and version
            corrupt[i] = value;
        }
        if fix {
            fix_crc(&mut corrupt);
        }
        let _ = Program::read(&corrupt);
        let _ = Program::read(&bytes[..cut.index(bytes.len())]);
        prop_assert!(file_agrees(&corrupt));
    }
}

// ----- reading from a file ----------------------------------------------------------------

/// `f` on the path of a scratch file holding `bytes`.
fn with_file<T>(bytes: &[u8], f: impl FnOnce(&std::path::Path) -> T) -> T {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("pimbin-read-{}-{n}.pimbin", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let result = f(&path);
    std::fs::remove_file(&path).unwrap();
    result
}

/// `Program::read_file` on `bytes` written to a scratch file, as `Program::read`'s result
/// prints (the program, or the error's message).
fn read_via_file(bytes: &[u8]) -> Result<Program, String> {
    with_file(bytes, |path| {
        Program::read_file(path).map_err(|e| e.to_string())
    })
}

/// Whether the file reader decodes `bytes` itself (rather than reading them whole again).
fn streams(bytes: &[u8]) -> bool {
    with_file(bytes, |path| {
        let mut file = std::fs::File::open(path).unwrap();
        super::file::read_streaming(path, &mut file, bytes.len() as u64)
            .unwrap()
            .is_some()
    })
}

/// Whether reading `bytes` from a file gives what `Program::read` gives, compared as written
/// (a corrupted weight may be a NaN, which no program equals).
fn file_agrees(bytes: &[u8]) -> bool {
    let written =
        |read: Result<Program, String>| read.map(|p| p.write().map_err(|e| e.to_string()));
    written(read_via_file(bytes)) == written(Program::read(bytes).map_err(|e| e.to_string()))
}

#[test]
fn reading_a_file_gives_the_program_or_error_of_its_bytes() {
    // Weights of several chunks, the last one partial.
    let mut large = sample();
    large.weights = (0..700_001).map(|k| k as f32 * 0.5 - 3.0).collect();
    large.weights_dram_base = 1 << 24;
    assert!(streams(&large.write().unwrap()));
    assert_eq!(read_via_file(&large.write().unwrap()).unwrap(), large);
    let bytes = sample().write().unwrap();
    assert_eq!(read_via_file(&bytes).unwrap(), sample());
    let mut bad_crc = bytes.clone();
    let last = bad_crc.len() - 1;
    bad_crc[last] ^= 1;
    let mut trailing = bytes.clone();
    trailing.push(0);
    let odd_weights = with_section(SectionKind::Weights, |w| w.push(0));
    let (header, payloads) = parts(&bytes);
    // The code section laid over the weights: only the whole file's bytes decode it right.
    let overlapping = build(header, &payloads, |h| {
        let weights = h.sections[2].clone();
        h.sections[1].offset = weights.offset;
    });
    for file in [
        bad_crc,
        trailing,
        odd_weights,
        overlapping.clone(),
        bytes[..bytes.len() / 2].to_vec(),
        bytes[..20].to_vec(),
        Vec::new(),
    ] {
        assert!(file_agrees(&file));
    }
    assert!(!streams(&overlapping));
}

// ----- listing ----------------------------------------------------------------------------

#[test]
fn listing_shows_header_bindings_symbols_and_disassembly() {
    let p = sample();
    let bytes = p.write().unwrap();
    let (p, info) = Program::read_with_info(&bytes).unwrap();
    let text = render_listing("net.pimbin", &p, &info, ListingOptions::default());
    let expect = [
        format!("net.pimbin: pimbin format version 1, {} bytes, crc32 {:#010x} (verified)", bytes.len(), info.checksum),
        format!("target:   compact-4x4 (hash {}, matches the embedded target)", p.target.hash_hex()),
        "producer: pim-runtime tests".to_string(),
        "code:     18 instructions of 32 bytes".to_string(),
        "weights:  3018 f32 at dram 0x0..0xbca".to_string(),
        "  input  x                f32[1x3x8x8]  dram 0x10000..0x100c0".to_string(),
        "  output y                f32[1x10]  dram 0x20000..0x2000a".to_string(),
        "  layer   conv                     4..10".to_string(),
        "  fc.weight                dram 0x1c0  2560 f32  [256x10]".to_string(),
        "  0   conv.window              window 8x8x3 ch 0..3 k 3x3 s 1x1 d 1x1 pad 1,1,1,1 row0 0 -> 8x8".to_string(),
        "<segment seg0>:".to_string(),
        "<layer conv>:\n     4  0x00080  load src=dram[0x10000], dst=global[0x0], len=1, count=64, sstride=1, dstride=3".to_string(),
        "    17  0x00220  halt".to_string(),
    ];
    for line in &expect {
        assert!(
            text.contains(line.as_str()),
            "listing lacks `{line}`:\n{text}"
        );
    }
    for kind in SectionKind::ALL {
        assert!(
            text.contains(&format!("  {:<14}", kind.as_str())),
            "no {} section line",
            kind.as_str()
        );
    }

    let headers = render_listing(
        "net.pimbin",
        &p,
        &info,
        ListingOptions {
            headers_only: true,
            no_weights: false,
        },
    );
    assert!(
        headers.contains("Sections:")
            && !headers.contains("Disassembly:")
            && !headers.contains("Bindings:")
    );
    let lean = render_listing(
        "net.pimbin",
        &p,
        &info,
        ListingOptions {
            headers_only: false,
            no_weights: true,
        },
    );
    assert!(!lean.contains("Weight blobs:") && lean.contains("Disassembly:"));
}
