//! Reading a `.pimbin` from a file. The weights section, most of the file (VGG-19's is 600 MB),
//! is read in chunks on every core, each decoded to f32 and checksummed while in the cache (the
//! chunks' checksums combined in order), instead of being read whole into memory and then
//! copied into a second vector of the same size. Everything else is read into a buffer of the
//! file's length whose weights bytes stay untouched (for a large file, fresh zero pages that the
//! system never backs) and checked exactly as [`Program::read`] checks it.
//!
//! A file this reader cannot take apart (a prefix or header that does not decode, a weights
//! section outside the file, a file that changes while read) or that fails any check is read
//! again whole by [`Program::read`], so its error is the same one.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use prost::Message;
use rayon::prelude::*;

use super::format::{align, read_parts, Streamed};
use super::{wire, ContainerError, Program, SectionKind, PREFIX_BYTES};

/// Bytes of the weights section read at a time (then decoded while still in the cache).
const CHUNK: usize = 1 << 20;

/// Why [`Program::read_file`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadFileError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// Its contents are not a valid `.pimbin`.
    #[error(transparent)]
    Container(#[from] ContainerError),
}

impl Program {
    /// Reads the `.pimbin` at `path`: [`Program::read`] on its bytes, the same program and the
    /// same errors, with the weights decoded while the file is read.
    pub fn read_file(path: &Path) -> Result<Program, ReadFileError> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        match read_streaming(path, &mut file, len) {
            Ok(Some(program)) => Ok(program),
            _ => Ok(Program::read(&std::fs::read(path)?)?),
        }
    }
}

/// The program in `file` (`len` bytes, at `path`), or `None` when it must be read the ordinary
/// way.
pub(super) fn read_streaming(
    path: &Path,
    file: &mut File,
    len: u64,
) -> io::Result<Option<Program>> {
    let Ok(size) = usize::try_from(len) else {
        return Ok(None);
    };
    if size < PREFIX_BYTES {
        return Ok(None);
    }
    // The weights' bytes of this buffer are never written or read (they stay zero).
    let mut bytes = vec![0u8; size];
    file.read_exact(&mut bytes[..PREFIX_BYTES])?;
    let Some((header_end, range)) = weights_range(file, &mut bytes)? else {
        return Ok(None);
    };
    let (start, end) = (range.start as usize, range.end as usize);
    file.read_exact(&mut bytes[header_end..start])?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(&bytes[..12]);
    crc.update(&[0u8; 4]);
    crc.update(&bytes[16..start]);
    let (weights, weights_crc) = read_weights(path, range.start, end - start)?;
    crc.combine(&weights_crc);
    file.seek(SeekFrom::Start(range.end))?;
    file.read_exact(&mut bytes[end..])?;
    crc.update(&bytes[end..]);
    if file.read(&mut [0u8; 1])? != 0 {
        return Ok(None);
    }
    let streamed = Streamed {
        crc: crc.finalize(),
        range,
        weights,
    };
    Ok(read_parts(&bytes, Some(streamed))
        .ok()
        .map(|(program, _)| program))
}

/// The end of the header and the bytes of the weights section, found from the prefix (already
/// in `bytes`) and the header (read here into `bytes` after it), if the weights are whole f32 values after the header, inside
/// the file and shared with no other section.
fn weights_range(
    file: &mut File,
    bytes: &mut [u8],
) -> io::Result<Option<(usize, std::ops::Range<u64>)>> {
    let mut header_len = [0u8; 4];
    header_len.copy_from_slice(&bytes[24..28]);
    let header_end = PREFIX_BYTES as u64 + u64::from(u32::from_le_bytes(header_len));
    if header_end > bytes.len() as u64 {
        return Ok(None);
    }
    let header_end = header_end as usize;
    file.read_exact(&mut bytes[PREFIX_BYTES..header_end])?;
    let Ok(header) = wire::Header::decode(&bytes[PREFIX_BYTES..header_end]) else {
        return Ok(None);
    };
    let data_start = align(header_end) as u64;
    let Some(entry) = header
        .sections
        .iter()
        .find(|s| s.kind == SectionKind::Weights.code())
    else {
        return Ok(None);
    };
    let range = |e: &wire::SectionEntry| {
        let start = data_start.checked_add(e.offset)?;
        Some(start..start.checked_add(e.length)?)
    };
    let Some(weights) = range(entry) else {
        return Ok(None);
    };
    let apart = header
        .sections
        .iter()
        .filter(|e| !std::ptr::eq(*e, entry))
        .all(|e| {
            range(e)
                .is_some_and(|r| r.is_empty() || r.end <= weights.start || r.start >= weights.end)
        });
    let fits = weights.start >= header_end as u64 && weights.end <= bytes.len() as u64;
    Ok((apart && fits && entry.length.is_multiple_of(4)).then_some((header_end, weights)))
}

/// The `len` bytes (a multiple of 4) of the file at `path` from byte `start` as little-endian
/// f32, and their CRC-32: read in chunks on every core, each thread through its own handle and
/// buffer.
fn read_weights(path: &Path, start: u64, len: usize) -> io::Result<(Vec<f32>, crc32fast::Hasher)> {
    let mut weights = vec![0.0f32; len / 4];
    let open = || -> io::Result<(File, Vec<u8>)> { Ok((File::open(path)?, vec![0u8; CHUNK])) };
    let chunks: Vec<io::Result<crc32fast::Hasher>> = weights
        .par_chunks_mut(CHUNK / 4)
        .enumerate()
        .map_init(open, |reader, (k, out)| {
            let (file, buffer) = reader
                .as_mut()
                .map_err(|e| io::Error::new(e.kind(), e.to_string()))?;
            read_chunk(file, start + (k * CHUNK) as u64, out, buffer)
        })
        .collect();
    let mut crc = crc32fast::Hasher::new();
    for chunk in chunks {
        crc.combine(&chunk?);
    }
    Ok((weights, crc))
}

/// `out.len()` little-endian f32 read from `file` at byte `at` through `buffer` (at least 4
/// bytes per value), and the CRC-32 of their bytes.
fn read_chunk(
    file: &mut File,
    at: u64,
    out: &mut [f32],
    buffer: &mut [u8],
) -> io::Result<crc32fast::Hasher> {
    let bytes = buffer
        .get_mut(..out.len() * 4)
        .ok_or_else(|| io::Error::other("weights chunk larger than its buffer"))?;
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(bytes)?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(bytes);
    for (w, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *w = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    Ok(crc)
}
