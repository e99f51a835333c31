//! The byte layout of a `.pimbin` and its reader and writer.
//!
//! ```text
//! 0   8  magic      89 50 49 4d 0d 0a 1a 0a   ("\x89PIM\r\n\x1a\n")
//! 8   4  version    u32 LE (1)
//! 12  4  crc32      CRC-32 (IEEE) of the whole file with these 4 bytes taken as zero
//! 16  8  file_len   u64 LE, total bytes
//! 24  4  header_len u32 LE
//! 28  4  reserved   0
//! 32     header     protobuf `Header` (target name and hash, word size, section table, ...)
//!        padding    zeros up to a multiple of 32: the data area starts here
//!        sections   at the offsets of the section table (relative to the data area, each
//!                   32-byte aligned, zero padding between them)
//! ```

use prost::Message;
use std::io::Write;

use super::program::{bindings_from, constants_from, symbols_from, weight_blobs_from};
use super::{wire, ContainerError, Program};
use crate::isa::{decode_program, IsaError, WORD_BYTES};
use crate::target::Target;

/// The first 8 bytes of every `.pimbin`.
pub const MAGIC: [u8; 8] = [0x89, b'P', b'I', b'M', b'\r', b'\n', 0x1a, b'\n'];
/// The format version this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes of the fixed prefix before the header.
pub const PREFIX_BYTES: usize = 32;
/// Alignment of the data area and of every section.
pub const SECTION_ALIGN: usize = 32;

/// The sections of a `.pimbin`, each present exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionKind {
    /// The target description, canonical TOML text.
    Target,
    /// The instruction words.
    Code,
    /// The weights, raw little-endian f32.
    Weights,
    /// Named blobs of the weights (protobuf `WeightIndex`).
    WeightIndex,
    /// Input and output bindings (protobuf `Bindings`).
    Bindings,
    /// Named instruction ranges (protobuf `Symbols`).
    Symbols,
    /// The constants table (protobuf `Constants`).
    Constants,
}

impl SectionKind {
    /// Every kind, in file order.
    pub const ALL: [SectionKind; 7] = [
        SectionKind::Target,
        SectionKind::Code,
        SectionKind::Weights,
        SectionKind::WeightIndex,
        SectionKind::Bindings,
        SectionKind::Symbols,
        SectionKind::Constants,
    ];

    /// The code in the section table (1-based position in [`SectionKind::ALL`]).
    pub fn code(self) -> u32 {
        match self {
            SectionKind::Target => 1,
            SectionKind::Code => 2,
            SectionKind::Weights => 3,
            SectionKind::WeightIndex => 4,
            SectionKind::Bindings => 5,
            SectionKind::Symbols => 6,
            SectionKind::Constants => 7,
        }
    }

    /// The kind with this code, if any.
    pub fn from_code(code: u32) -> Option<SectionKind> {
        SectionKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The name used in listings and errors.
    pub fn as_str(self) -> &'static str {
        match self {
            SectionKind::Target => "target",
            SectionKind::Code => "code",
            SectionKind::Weights => "weights",
            SectionKind::WeightIndex => "weight-index",
            SectionKind::Bindings => "bindings",
            SectionKind::Symbols => "symbols",
            SectionKind::Constants => "constants",
        }
    }
}

/// Where one section lies in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionInfo {
    /// Which section.
    pub kind: SectionKind,
    /// Absolute byte offset in the file.
    pub offset: u64,
    /// Bytes.
    pub length: u64,
}

/// What the file itself says, beyond the [`Program`]: for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// Format version.
    pub version: u32,
    /// The stored (and verified) CRC-32.
    pub checksum: u32,
    /// Total bytes.
    pub file_len: u64,
    /// Bytes of the protobuf header.
    pub header_len: u64,
    /// The target hash recorded in the header (equal to the embedded target's).
    pub target_hash: u64,
    /// The sections, in file order.
    pub sections: Vec<SectionInfo>,
}

/// `n` rounded up to a multiple of [`SECTION_ALIGN`].
pub(crate) fn align(n: usize) -> usize {
    n.div_ceil(SECTION_ALIGN) * SECTION_ALIGN
}

/// CRC-32 of `bytes` with the checksum field (bytes 12..16) taken as zero.
pub(crate) fn file_crc(bytes: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&bytes[..12]);
    h.update(&[0u8; 4]);
    h.update(&bytes[16..]);
    h.finalize()
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn le_u64(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

// ----- writing ----------------------------------------------------------------------------

impl Program {
    /// The `.pimbin` bytes. Deterministic: the same program always gives the same bytes. Fails
    /// only if the program is inconsistent ([`Program::validate`]) or an instruction field does
    /// not fit its width; a file that `write` produces always reads back equal.
    pub fn write(&self) -> Result<Vec<u8>, ContainerError> {
        let mut out = Vec::new();
        self.write_to(&mut out)?;
        Ok(out)
    }

    /// [`Program::write`] to `out`, streaming: the file is never held in memory (the weights are
    /// most of it). Its bytes are produced twice, first into the checksum, then into `out` with
    /// the checksum in place; the weights go in chunks, the rest in a few small writes (buffer
    /// `out` when each write costs a system call).
    pub fn write_to<W: Write + ?Sized>(&self, out: &mut W) -> Result<(), ContainerError> {
        self.validate()?;
        let payloads = self.payloads()?;
        let header = self.header(&payloads);
        let mut crc = crc32fast::Hasher::new();
        emit_file(&header, &payloads, 0, &mut |bytes| {
            crc.update(bytes);
            Ok(())
        })?;
        emit_file(&header, &payloads, crc.finalize(), &mut |bytes| {
            out.write_all(bytes)
        })?;
        Ok(out.flush()?)
    }

    /// The payload of every section, in file order.
    fn payloads(&self) -> Result<Vec<(SectionKind, Payload<'_>)>, ContainerError> {
        let mut code = Vec::with_capacity(self.code.len() * WORD_BYTES);
        for (index, inst) in self.code.iter().enumerate() {
            let word = inst
                .encode()
                .map_err(|source| ContainerError::Instruction { index, source })?;
            code.extend_from_slice(&word.to_le_bytes());
        }
        let bytes = Payload::Bytes;
        Ok(vec![
            (
                SectionKind::Target,
                bytes(self.target.to_toml_string().into_bytes()),
            ),
            (SectionKind::Code, bytes(code)),
            (SectionKind::Weights, Payload::Floats(&self.weights)),
            (
                SectionKind::WeightIndex,
                bytes(self.weight_index_msg().encode_to_vec()),
            ),
            (
                SectionKind::Bindings,
                bytes(self.bindings_msg().encode_to_vec()),
            ),
            (
                SectionKind::Symbols,
                bytes(self.symbols_msg().encode_to_vec()),
            ),
            (
                SectionKind::Constants,
                bytes(self.constants_msg().encode_to_vec()),
            ),
        ])
    }
}

/// The encoded header of a file holding `payloads`, and the bytes of its data area.
struct Header {
    bytes: Vec<u8>,
    data_len: usize,
}

impl Program {
    /// The header of this program's file with `payloads` (the section table: each section
    /// aligned, in order).
    fn header(&self, payloads: &[(SectionKind, Payload<'_>)]) -> Header {
        let mut sections = Vec::with_capacity(payloads.len());
        let mut data_len = 0usize;
        for (kind, payload) in payloads {
            data_len = align(data_len);
            sections.push(wire::SectionEntry {
                kind: kind.code(),
                offset: data_len as u64,
                length: payload.len() as u64,
            });
            data_len += payload.len();
        }
        let bytes = wire::Header {
            target_name: self.target.chip.name.clone(),
            target_hash: self.target.hash(),
            word_bytes: WORD_BYTES as u32,
            weights_dram_base: self.weights_dram_base,
            sections,
            producer: self.producer.clone(),
        }
        .encode_to_vec();
        Header { bytes, data_len }
    }
}

/// Feeds the bytes of the whole file, in order, to `sink`, with `checksum` in its field (0: the
/// bytes the checksum is taken over, [`file_crc`]).
fn emit_file(
    header: &Header,
    payloads: &[(SectionKind, Payload<'_>)],
    checksum: u32,
    sink: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let Header {
        bytes: header,
        data_len,
    } = header;
    let data_start = align(PREFIX_BYTES + header.len());
    let mut prefix = [0u8; PREFIX_BYTES];
    prefix[..8].copy_from_slice(&MAGIC);
    prefix[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    prefix[12..16].copy_from_slice(&checksum.to_le_bytes());
    prefix[16..24].copy_from_slice(&((data_start + data_len) as u64).to_le_bytes());
    prefix[24..28].copy_from_slice(&(header.len() as u32).to_le_bytes());
    sink(&prefix)?;
    sink(header)?;
    let zeros = [0u8; SECTION_ALIGN];
    sink(&zeros[..data_start - PREFIX_BYTES - header.len()])?;
    let mut at = 0usize;
    for (_, payload) in payloads {
        sink(&zeros[..align(at) - at])?;
        at = align(at);
        payload.emit(sink)?;
        at += payload.len();
    }
    Ok(())
}

/// Weights converted to bytes at a time when a file is written.
const FLOAT_CHUNK: usize = 1 << 14;

/// A section's contents as written: encoded bytes, or the weights, whose little-endian bytes go
/// straight into the file (they are most of it: no second copy).
enum Payload<'a> {
    Bytes(Vec<u8>),
    Floats(&'a [f32]),
}

impl Payload<'_> {
    fn len(&self) -> usize {
        match self {
            Payload::Bytes(bytes) => bytes.len(),
            Payload::Floats(floats) => floats.len() * 4,
        }
    }

    /// Feeds the contents to `sink` (exactly [`Payload::len`] bytes), the weights in chunks.
    fn emit(&self, sink: &mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()> {
        match self {
            Payload::Bytes(bytes) => sink(bytes),
            Payload::Floats(floats) => {
                let mut chunk = Vec::with_capacity(FLOAT_CHUNK * 4);
                for values in floats.chunks(FLOAT_CHUNK) {
                    chunk.clear();
                    chunk.extend(values.iter().flat_map(|v| v.to_le_bytes()));
                    sink(&chunk)?;
                }
                Ok(())
            }
        }
    }
}

// ----- reading ----------------------------------------------------------------------------

impl Program {
    /// Reads a `.pimbin`. Every malformed input is a [`ContainerError`], checked in this order:
    /// magic, prefix length, version, file length, checksum, reserved field, header, section
    /// table, target (text, validity, hash), code, weights, structured sections, consistency.
    pub fn read(bytes: &[u8]) -> Result<Program, ContainerError> {
        Program::read_with_info(bytes).map(|(program, _)| program)
    }

    /// [`Program::read`], also returning what the file says about itself.
    pub fn read_with_info(bytes: &[u8]) -> Result<(Program, FileInfo), ContainerError> {
        read_parts(bytes, None)
    }
}

/// What [`Program::read_file`](Program::read_file) did while reading a file: the CRC-32 of
/// the whole file and the weights section (bytes `range`) decoded; the bytes it passes hold
/// everything else (the weights' bytes are left zero, never read).
pub(crate) struct Streamed {
    /// CRC-32 of the file, as [`file_crc`] computes it.
    pub crc: u32,
    /// The file's bytes of the weights section.
    pub range: std::ops::Range<u64>,
    /// Their values.
    pub weights: Vec<f32>,
}

/// [`Program::read_with_info`] on `bytes`, or on a file's bytes whose checksum and weights were
/// computed while reading it.
pub(crate) fn read_parts(
    bytes: &[u8],
    streamed: Option<Streamed>,
) -> Result<(Program, FileInfo), ContainerError> {
    let prefix = check_prefix(bytes, streamed.as_ref().map(|s| s.crc))?;
    let header = read_header(bytes, &prefix)?;
    let sections = section_table(&header, &prefix)?;
    let slice = |kind: SectionKind| -> &[u8] {
        let s = sections[kind.code() as usize - 1];
        &bytes[s.offset as usize..(s.offset + s.length) as usize]
    };
    let target = read_target(slice(SectionKind::Target), header.target_hash)?;
    let code = read_code(slice(SectionKind::Code))?;
    let weights = match streamed {
        Some(s) => streamed_weights(s, &sections[SectionKind::Weights.code() as usize - 1])?,
        None => read_weights(slice(SectionKind::Weights))?,
    };
    let program = Program {
        target,
        code,
        weights,
        weight_blobs: weight_blobs_from(proto(
            slice(SectionKind::WeightIndex),
            "weight-index section",
        )?),
        weights_dram_base: header.weights_dram_base,
        bindings: bindings_from(proto(slice(SectionKind::Bindings), "bindings section")?)?,
        symbols: symbols_from(proto(slice(SectionKind::Symbols), "symbols section")?)?,
        constants: constants_from(proto(slice(SectionKind::Constants), "constants section")?)?,
        producer: header.producer.clone(),
    };
    program.validate()?;
    let info = FileInfo {
        version: prefix.version,
        checksum: prefix.crc,
        file_len: prefix.file_len,
        header_len: prefix.header_len,
        target_hash: header.target_hash,
        sections: sections.to_vec(),
    };
    Ok((program, info))
}

/// The weights decoded while reading the file, if they are those of the weights section.
fn streamed_weights(s: Streamed, section: &SectionInfo) -> Result<Vec<f32>, ContainerError> {
    if s.range != (section.offset..section.offset + section.length) {
        return Err(ContainerError::Invalid {
            what: "weights".into(),
            message: "the section is not where the file's reader decoded it".into(),
        });
    }
    if !section.length.is_multiple_of(4) {
        return Err(ContainerError::WeightsLength {
            len: section.length,
        });
    }
    Ok(s.weights)
}

/// The checked fixed prefix.
struct Prefix {
    version: u32,
    crc: u32,
    file_len: u64,
    header_len: u64,
}

/// The checked prefix; `crc` is the file's checksum when already computed.
fn check_prefix(bytes: &[u8], crc: Option<u32>) -> Result<Prefix, ContainerError> {
    let (version, file_len) = check_magic_and_length(bytes)?;
    let (stored, computed) = (le_u32(bytes, 12), crc.unwrap_or_else(|| file_crc(bytes)));
    if stored != computed {
        return Err(ContainerError::ChecksumMismatch { stored, computed });
    }
    let reserved = le_u32(bytes, 28);
    if reserved != 0 {
        return Err(ContainerError::ReservedPrefix { value: reserved });
    }
    Ok(Prefix {
        version,
        crc: stored,
        file_len,
        header_len: u64::from(le_u32(bytes, 24)),
    })
}

/// Magic, prefix length, version and file length: the version and the length.
fn check_magic_and_length(bytes: &[u8]) -> Result<(u32, u64), ContainerError> {
    let head = &bytes[..bytes.len().min(MAGIC.len())];
    if head.is_empty() || head != &MAGIC[..head.len()] {
        return Err(ContainerError::BadMagic {
            found: head.to_vec(),
            expected: MAGIC,
        });
    }
    let actual = bytes.len() as u64;
    if bytes.len() < PREFIX_BYTES {
        return Err(ContainerError::Truncated {
            what: "the fixed prefix",
            expected: PREFIX_BYTES as u64,
            actual,
        });
    }
    let version = le_u32(bytes, 8);
    if version != FORMAT_VERSION {
        return Err(ContainerError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let file_len = le_u64(bytes, 16);
    if actual < file_len {
        return Err(ContainerError::Truncated {
            what: "the file (length from its prefix)",
            expected: file_len,
            actual,
        });
    }
    if actual > file_len {
        return Err(ContainerError::TrailingBytes {
            expected: file_len,
            extra: actual - file_len,
        });
    }
    Ok((version, file_len))
}

fn read_header(bytes: &[u8], prefix: &Prefix) -> Result<wire::Header, ContainerError> {
    let start = PREFIX_BYTES as u64;
    if start + prefix.header_len > prefix.file_len {
        return Err(ContainerError::SectionOutOfBounds {
            section: "header",
            offset: start,
            length: prefix.header_len,
            file_len: prefix.file_len,
        });
    }
    let header: wire::Header = proto(
        &bytes[PREFIX_BYTES..(start + prefix.header_len) as usize],
        "header",
    )?;
    if header.word_bytes as usize != WORD_BYTES {
        return Err(ContainerError::WordSize {
            found: header.word_bytes,
            expected: WORD_BYTES,
        });
    }
    Ok(header)
}

/// The sections indexed by `code - 1`, with absolute offsets, each checked to lie in the file.
fn section_table(
    header: &wire::Header,
    prefix: &Prefix,
) -> Result<[SectionInfo; 7], ContainerError> {
    let data_start = align(PREFIX_BYTES + prefix.header_len as usize) as u64;
    let mut found: [Option<SectionInfo>; 7] = [None; 7];
    for entry in &header.sections {
        let kind = SectionKind::from_code(entry.kind)
            .ok_or(ContainerError::UnknownSection { kind: entry.kind })?;
        let slot = &mut found[kind.code() as usize - 1];
        if slot.is_some() {
            return Err(ContainerError::DuplicateSection {
                section: kind.as_str(),
            });
        }
        let offset = data_start.checked_add(entry.offset);
        let end = offset.and_then(|o| o.checked_add(entry.length));
        match (offset, end) {
            (Some(offset), Some(end)) if end <= prefix.file_len => {
                *slot = Some(SectionInfo {
                    kind,
                    offset,
                    length: entry.length,
                })
            }
            _ => {
                return Err(ContainerError::SectionOutOfBounds {
                    section: kind.as_str(),
                    offset: data_start.saturating_add(entry.offset),
                    length: entry.length,
                    file_len: prefix.file_len,
                })
            }
        }
    }
    let mut out = [SectionInfo {
        kind: SectionKind::Target,
        offset: 0,
        length: 0,
    }; 7];
    for (i, kind) in SectionKind::ALL.into_iter().enumerate() {
        out[i] = found[i].ok_or(ContainerError::MissingSection {
            section: kind.as_str(),
        })?;
    }
    Ok(out)
}

fn proto<M: Message + Default>(bytes: &[u8], what: &'static str) -> Result<M, ContainerError> {
    M::decode(bytes).map_err(|source| ContainerError::Proto { what, source })
}

fn read_target(bytes: &[u8], header_hash: u64) -> Result<Target, ContainerError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ContainerError::TargetNotUtf8)?;
    let target = Target::from_toml_str(text, ".pimbin target section")?;
    let embedded = target.hash();
    if embedded != header_hash {
        return Err(ContainerError::TargetHashMismatch {
            header: header_hash,
            embedded,
        });
    }
    Ok(target)
}

fn read_code(bytes: &[u8]) -> Result<Vec<crate::isa::Instruction>, ContainerError> {
    if !bytes.len().is_multiple_of(WORD_BYTES) {
        return Err(ContainerError::CodeLength {
            len: bytes.len() as u64,
            word: WORD_BYTES,
        });
    }
    decode_program(bytes).map_err(|source| {
        let index = match &source {
            IsaError::UnknownOpcode { offset, .. }
            | IsaError::ReservedBits { offset, .. }
            | IsaError::BadField { offset, .. } => offset / WORD_BYTES,
            _ => 0,
        };
        ContainerError::Instruction { index, source }
    })
}

fn read_weights(bytes: &[u8]) -> Result<Vec<f32>, ContainerError> {
    if !bytes.len().is_multiple_of(4) {
        return Err(ContainerError::WeightsLength {
            len: bytes.len() as u64,
        });
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}
