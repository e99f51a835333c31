//! Values known at compile time: initializers, `Constant` outputs and everything folded from them.
//! Shape arithmetic needs integers, so a known value is either f32 (a [`Tensor`]) or i64.

use onnx_protobuf::{tensor_proto::DataType, TensorProto};
use pim_dialects::GraphOp;
use pim_runtime::Tensor;
use protobuf::Enum;

/// A compile-time value.
#[derive(Debug, Clone, PartialEq)]
pub enum Known {
    /// A float tensor (weights, biases, folded float subgraphs).
    F32(Tensor),
    /// An integer tensor (shapes, indices, axes).
    I64 {
        /// Dimensions.
        shape: Vec<usize>,
        /// Row-major elements.
        data: Vec<i64>,
    },
}

impl Known {
    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        match self {
            Self::F32(t) => t.shape(),
            Self::I64 { shape, .. } => shape,
        }
    }

    /// The elements as i64 (floats must be integral).
    pub fn to_i64s(&self) -> Result<Vec<i64>, String> {
        match self {
            Self::I64 { data, .. } => Ok(data.clone()),
            Self::F32(t) => t
                .data()
                .iter()
                .map(|&v| {
                    if v.fract() == 0.0 && v.is_finite() {
                        Ok(v as i64)
                    } else {
                        Err(format!("expected integers, got {v}"))
                    }
                })
                .collect(),
        }
    }

    /// The value as an f32 tensor (integers convert exactly below 2^24, else an error).
    pub fn to_f32(&self) -> Result<Tensor, String> {
        match self {
            Self::F32(t) => Ok(t.clone()),
            Self::I64 { shape, data } => {
                let values = data
                    .iter()
                    .map(|&v| {
                        if v.unsigned_abs() <= 1 << 24 {
                            Ok(v as f32)
                        } else {
                            Err(format!("integer {v} is not exactly representable as f32"))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Tensor::new(shape.clone(), values).ok_or_else(|| "shape mismatch".into())
            }
        }
    }

    /// Builds an integer value, checking the element count.
    pub fn i64s(shape: Vec<usize>, data: Vec<i64>) -> Result<Self, String> {
        if shape.iter().product::<usize>() == data.len() {
            Ok(Self::I64 { shape, data })
        } else {
            Err(format!(
                "{} elements do not fill shape {shape:?}",
                data.len()
            ))
        }
    }

    /// The same elements under another shape.
    pub fn reshaped(&self, shape: Vec<usize>) -> Result<Self, String> {
        match self {
            Self::F32(t) => t
                .reshaped(shape.clone())
                .map(Self::F32)
                .ok_or_else(|| format!("cannot reshape {:?} to {shape:?}", t.shape())),
            Self::I64 { data, .. } => Self::i64s(shape, data.clone()),
        }
    }
}

/// Decodes an ONNX tensor (initializer or attribute) into a known value.
pub fn from_proto(tensor: &TensorProto) -> Result<Known, String> {
    if !tensor.external_data.is_empty() {
        return Err(format!(
            "tensor `{}` stores its data in an external file, which only initializers and \
             `Constant` values may do",
            tensor.name
        ));
    }
    let shape = tensor
        .dims
        .iter()
        .map(|&d| {
            usize::try_from(d)
                .map_err(|_| format!("tensor `{}` has a negative dimension {d}", tensor.name))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let count: usize = shape.iter().product();
    let raw = &tensor.raw_data;
    let data_type = DataType::from_i32(tensor.data_type);
    let known = match data_type {
        Some(DataType::FLOAT) => {
            let data = if raw.is_empty() {
                tensor.float_data.clone()
            } else {
                little_endian(raw, f32::from_le_bytes)?
            };
            Tensor::new(shape.clone(), data).map(Known::F32)
        }
        Some(DataType::INT64) => {
            let data = if raw.is_empty() {
                tensor.int64_data.clone()
            } else {
                little_endian(raw, i64::from_le_bytes)?
            };
            Known::i64s(shape.clone(), data).ok()
        }
        Some(DataType::INT32) => {
            let data = if raw.is_empty() {
                tensor.int32_data.iter().map(|&v| i64::from(v)).collect()
            } else {
                little_endian(raw, i32::from_le_bytes)?
                    .into_iter()
                    .map(i64::from)
                    .collect()
            };
            Known::i64s(shape.clone(), data).ok()
        }
        Some(DataType::BOOL) | Some(DataType::UINT8) | Some(DataType::INT8) => {
            let data = if raw.is_empty() {
                tensor.int32_data.iter().map(|&v| i64::from(v)).collect()
            } else if data_type == Some(DataType::INT8) {
                raw.iter().map(|&b| i64::from(b as i8)).collect()
            } else {
                raw.iter().map(|&b| i64::from(b)).collect()
            };
            Known::i64s(shape.clone(), data).ok()
        }
        other => {
            let name = other.map_or_else(
                || format!("type {}", tensor.data_type),
                |t| format!("{t:?}"),
            );
            return Err(format!(
                "tensor `{}` has element type {name}; pimc reads float32, int64, int32, int8, uint8 and bool tensors",
                tensor.name
            ));
        }
    };
    known.ok_or_else(|| {
        format!(
            "tensor `{}`: data does not fill its shape {shape:?} ({count} elements)",
            tensor.name
        )
    })
}

fn little_endian<T, const N: usize>(
    raw: &[u8],
    convert: fn([u8; N]) -> T,
) -> Result<Vec<T>, String> {
    if !raw.len().is_multiple_of(N) {
        return Err(format!(
            "raw data of {} bytes is not a whole number of {N}-byte elements",
            raw.len()
        ));
    }
    Ok(raw
        .chunks_exact(N)
        .map(|chunk| {
            let mut bytes = [0u8; N];
            bytes.copy_from_slice(chunk);
            convert(bytes)
        })
        .collect())
}

/// Folds `op` on integer operands, keeping integers: data movement (reshape, flatten, identity,
/// concat, transpose) and the four arithmetic ops with broadcasting (division truncates, as ONNX
/// integer Div). `None` when the op has no integer meaning here (the caller folds in f32).
pub fn fold_integers(op: &GraphOp, operands: &[&Known]) -> Option<Result<Known, String>> {
    if !operands.iter().any(|k| matches!(k, Known::I64 { .. })) {
        return None;
    }
    let integers = || {
        operands
            .iter()
            .map(|k| k.to_i64s())
            .collect::<Result<Vec<_>, _>>()
    };
    match op {
        GraphOp::Reshape { .. }
        | GraphOp::Flatten { .. }
        | GraphOp::Identity {}
        | GraphOp::Concat { .. }
        | GraphOp::Transpose { .. } => {
            Some(integers().and_then(|data| move_elements(op, operands, &data.concat())))
        }
        GraphOp::Add {} | GraphOp::Sub {} | GraphOp::Mul {} | GraphOp::Div {} => {
            Some(integers().and_then(|data| integer_arithmetic(op, operands, &data)))
        }
        _ => None,
    }
}

/// Index tensors `offset..offset + len` shaped like each operand (exact in f32 below 2^24).
fn index_tensors(operands: &[&Known]) -> Result<Vec<Tensor>, String> {
    let mut offset = 0usize;
    operands
        .iter()
        .map(|k| {
            let len: usize = k.shape().iter().product();
            if offset + len > 1 << 24 {
                return Err("integer tensor too large to fold".to_owned());
            }
            let data = (offset..offset + len).map(|i| i as f32).collect();
            offset += len;
            Tensor::new(k.shape().to_vec(), data).ok_or_else(|| "shape mismatch".to_owned())
        })
        .collect()
}

/// Runs a data-movement op on element indices, then picks the integer elements they name.
fn move_elements(op: &GraphOp, operands: &[&Known], data: &[i64]) -> Result<Known, String> {
    let indices = index_tensors(operands)?;
    let refs: Vec<&Tensor> = indices.iter().collect();
    let moved = crate::graph::semantics::evaluate_op(op, &refs)?;
    let values = moved.data().iter().map(|&i| data[i as usize]).collect();
    Known::i64s(moved.shape().to_vec(), values)
}

/// Broadcasting integer arithmetic: broadcasts element indices through the f32 kernel, then
/// combines the integers they name.
fn integer_arithmetic(
    op: &GraphOp,
    operands: &[&Known],
    data: &[Vec<i64>],
) -> Result<Known, String> {
    let [lhs, rhs] = operands else {
        return Err("arithmetic needs two operands".into());
    };
    let indices = index_tensors(&[lhs, rhs])?;
    let zeros_like = |k: &Known| Tensor::zeros(k.shape().to_vec());
    let spread = |t: &Tensor, other: &Tensor| {
        pim_runtime::kernels::binary(pim_runtime::kernels::BinaryOp::Add, t, other)
            .map_err(|e| e.to_string())
    };
    let left = spread(&indices[0], &zeros_like(rhs))?;
    let right = spread(&zeros_like(lhs), &indices[1])?;
    let offset = data[0].len();
    let values = left
        .data()
        .iter()
        .zip(right.data())
        .map(|(&a, &b)| {
            let (a, b) = (data[0][a as usize], data[1][b as usize - offset]);
            match op {
                GraphOp::Add {} => a.checked_add(b),
                GraphOp::Sub {} => a.checked_sub(b),
                GraphOp::Mul {} => a.checked_mul(b),
                _ => a.checked_div(b),
            }
            .ok_or_else(|| format!("integer overflow or division by zero folding {a} and {b}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Known::i64s(left.shape().to_vec(), values)
}
