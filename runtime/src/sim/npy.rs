//! `.npy` files for `pim-run`: reading f32 input tensors (C or Fortran order, either byte
//! order), writing output tensors (C order, little-endian f32), and the file names outputs get in
//! an output directory.

use std::path::Path;

use npyz::{DType, NpyFile, Order, TypeChar, WriterBuilder};

use super::SimError;
use crate::kernels::transpose;
use crate::Tensor;

/// Reads an f32 tensor from the `.npy` file at `path`.
pub fn read_npy(path: &Path) -> Result<Tensor, SimError> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| npy_error(&origin, format!("cannot read: {e}")))?;
    parse_npy(&bytes, &origin)
}

/// Parses `.npy` bytes into an f32 tensor; `origin` (a path) names the file in errors. Any other
/// dtype is [`SimError::NpyDType`].
pub fn parse_npy(bytes: &[u8], origin: &str) -> Result<Tensor, SimError> {
    let file =
        NpyFile::new(bytes).map_err(|e| npy_error(origin, format!("not a .npy file: {e}")))?;
    let dtype = file.dtype();
    if !is_f32(&dtype) {
        return Err(SimError::NpyDType {
            path: origin.into(),
            dtype: match &dtype {
                DType::Plain(t) => t.to_string(),
                other => other.descr(),
            },
        });
    }
    let shape = file
        .shape()
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<Result<Vec<usize>, _>>()
        .map_err(|_| npy_error(origin, "the shape does not fit this machine".into()))?;
    if file.len().saturating_mul(4) > bytes.len() as u64 {
        return Err(npy_error(
            origin,
            format!(
                "the shape {:?} needs more data than the file has",
                file.shape()
            ),
        ));
    }
    let order = file.order();
    let data: Vec<f32> = file
        .into_vec()
        .map_err(|e| npy_error(origin, format!("cannot read the data: {e}")))?;
    from_order(shape, data, order).ok_or_else(|| {
        npy_error(
            origin,
            "the data does not have as many elements as the shape says".into(),
        )
    })
}

/// Whether `dtype` is a 32-bit float of either byte order.
fn is_f32(dtype: &DType) -> bool {
    matches!(dtype, DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 4)
}

/// A row-major tensor from data stored in `order`.
fn from_order(shape: Vec<usize>, data: Vec<f32>, order: Order) -> Option<Tensor> {
    match order {
        Order::C => Tensor::new(shape, data),
        Order::Fortran => {
            let reversed: Vec<usize> = shape.iter().rev().copied().collect();
            let perm: Vec<usize> = (0..shape.len()).rev().collect();
            transpose(&Tensor::new(reversed, data)?, &perm).ok()
        }
    }
}

/// The `.npy` bytes of `tensor` (C order, little-endian f32).
pub fn npy_bytes(tensor: &Tensor) -> Result<Vec<u8>, SimError> {
    let shape: Vec<u64> = tensor.shape().iter().map(|&d| d as u64).collect();
    let mut out = Vec::new();
    let fail = |e: std::io::Error| npy_error("<memory>", e.to_string());
    let mut writer = npyz::WriteOptions::<f32>::new()
        .default_dtype()
        .shape(&shape)
        .writer(&mut out)
        .begin_nd()
        .map_err(fail)?;
    writer.extend(tensor.data().iter().copied()).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
}

/// Writes `tensor` to the `.npy` file at `path`.
pub fn write_npy(path: &Path, tensor: &Tensor) -> Result<(), SimError> {
    let bytes = npy_bytes(tensor)?;
    std::fs::write(path, bytes)
        .map_err(|e| npy_error(&path.display().to_string(), format!("cannot write: {e}")))
}

/// File names `<name>.npy` for outputs written into a directory: characters other than ASCII
/// letters, digits, `-`, `_` and `.` become `_`, a name that is empty or starts with a `.` gets a
/// leading `_`, and names that collide after this get `_2`, `_3`, ... appended.
pub fn output_file_names<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let stem = sanitize(name.as_ref());
        let mut candidate = stem.clone();
        let mut n = 2;
        while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
            candidate = format!("{stem}_{n}");
            n += 1;
        }
        taken.push(candidate);
    }
    taken.into_iter().map(|stem| stem + ".npy").collect()
}

/// `name` with unsafe characters replaced (see [`output_file_names`]).
fn sanitize(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
            _ => '_',
        })
        .collect();
    if safe.is_empty() || safe.starts_with('.') {
        format!("_{safe}")
    } else {
        safe
    }
}

fn npy_error(path: &str, message: String) -> SimError {
    SimError::Npy {
        path: path.into(),
        message,
    }
}
