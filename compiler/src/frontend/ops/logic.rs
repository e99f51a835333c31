//! Ops that exporters write to build constants (attention masks, shifted-window masks, padding
//! arithmetic): Equal, Not, Where, ScatterND, Mod and Range. pimc folds them when every input is known at compile time; on a
//! tensor computed at run time they are refused (the vector unit has no comparisons), except
//! `Where` with a known condition that selects a whole operand.

use super::super::importer::{Entry, Importer, Issue, NodeContext, NodeResult};
use super::super::known::Known;
use pim_runtime::kernels;
use pim_runtime::Tensor;

/// Every input of the node, which must all be known.
fn known_inputs(importer: &Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Known>> {
    (0..context.node.input.len())
        .map(|i| {
            importer.required_known(context, i, "a value this op computes on").map_err(|_| {
                Issue::Unsupported(format!(
                    "{} of a tensor computed at run time is not supported: the vector unit has no comparisons or scatters; pimc folds it only when its inputs are constants",
                    context.node.op_type
                ))
            })
        })
        .collect()
}

/// The values of known tensors as f64, broadcast to their common shape.
fn broadcast(values: &[Known]) -> NodeResult<(Vec<usize>, Vec<Vec<f64>>)> {
    let mut shape: Vec<usize> = Vec::new();
    for v in values {
        shape = kernels::broadcast_shapes(&shape, v.shape()).map_err(|e| e.to_string())?;
    }
    let zeros = Tensor::zeros(shape.clone());
    let mut out = Vec::new();
    for v in values {
        let len: usize = v.shape().iter().product();
        if len > 1 << 24 {
            return Err("a constant too large to fold".to_owned().into());
        }
        let index = Tensor::new(v.shape().to_vec(), (0..len).map(|i| i as f32).collect())
            .ok_or_else(|| Issue::Invalid("shape mismatch".into()))?;
        let spread =
            kernels::binary(kernels::BinaryOp::Add, &zeros, &index).map_err(|e| e.to_string())?;
        let data = numbers(v)?;
        out.push(spread.data().iter().map(|&i| data[i as usize]).collect());
    }
    Ok((shape, out))
}

/// The elements of a known tensor as f64.
fn numbers(value: &Known) -> NodeResult<Vec<f64>> {
    Ok(match value {
        Known::F32(t) => t.data().iter().map(|&v| f64::from(v)).collect(),
        Known::I64 { data, .. } => data.iter().map(|&v| v as f64).collect(),
    })
}

/// A known tensor of `shape` from f64 values: integers when `integer`, else f32.
fn known(shape: Vec<usize>, values: Vec<f64>, integer: bool) -> NodeResult<Known> {
    if integer {
        return Ok(Known::i64s(
            shape,
            values.iter().map(|&v| v as i64).collect(),
        )?);
    }
    Tensor::new(shape, values.iter().map(|&v| v as f32).collect())
        .map(Known::F32)
        .ok_or_else(|| Issue::Invalid("shape mismatch".into()))
}

/// ONNX Equal (folded): 1 where the operands are equal.
pub fn equal(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let inputs = known_inputs(importer, context)?;
    let (shape, v) = broadcast(&inputs)?;
    let values = v[0]
        .iter()
        .zip(&v[1])
        .map(|(a, b)| f64::from(u8::from(a == b)))
        .collect();
    Ok(vec![Entry::Known(known(shape, values, true)?)])
}

/// ONNX Not (folded).
pub fn not(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let inputs = known_inputs(importer, context)?;
    let values = numbers(&inputs[0])?
        .iter()
        .map(|&v| f64::from(u8::from(v == 0.0)))
        .collect();
    Ok(vec![Entry::Known(known(
        inputs[0].shape().to_vec(),
        values,
        true,
    )?)])
}

/// ONNX Where: folded when every input is known; with a known condition that is all true or
/// all false, the operand it selects (broadcast to the result's shape).
pub fn where_(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let condition = importer.required_known(context, 0, "condition")?;
    let (x, y) = (
        importer.required(context, 1)?,
        importer.required(context, 2)?,
    );
    if let (Entry::Known(a), Entry::Known(b)) = (&x, &y) {
        let (shape, v) = broadcast(&[condition, a.clone(), b.clone()])?;
        let integer = matches!((a, b), (Known::I64 { .. }, Known::I64 { .. }));
        let values = (0..v[0].len())
            .map(|i| if v[0][i] != 0.0 { v[1][i] } else { v[2][i] })
            .collect();
        return Ok(vec![Entry::Known(known(shape, values, integer)?)]);
    }
    let flags = numbers(&condition)?;
    let chosen = if flags.iter().all(|&c| c != 0.0) {
        x
    } else if flags.iter().all(|&c| c == 0.0) {
        y
    } else {
        return Err(Issue::Unsupported(
            "Where of a tensor computed at run time with a condition that mixes true and false is not supported; the vector unit has no select".into(),
        ));
    };
    let mut shape = condition.shape().to_vec();
    for index in [1, 2] {
        let operand = importer.shape_of(&importer.required(context, index)?);
        shape = kernels::broadcast_shapes(&shape, &operand).map_err(|e| e.to_string())?;
    }
    let op = if importer.shape_of(&chosen) == shape {
        pim_dialects::GraphOp::Identity {}
    } else {
        pim_dialects::GraphOp::Expand {
            shape: shape.iter().map(|&d| d as i64).collect(),
        }
    };
    Ok(vec![importer.emit(context, "", op, &[chosen])?])
}

/// ONNX ScatterND (folded, reduction `none`): `data` with the slices `indices` names replaced
/// by `updates`.
pub fn scatter_nd(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    if context.attributes.string("reduction", "none")? != "none" {
        return Err(Issue::Unsupported(
            "ScatterND with a reduction is not supported".into(),
        ));
    }
    let inputs = known_inputs(importer, context)?;
    let shape = inputs[0].shape().to_vec();
    let mut data = numbers(&inputs[0])?;
    let index_shape = inputs[1].shape().to_vec();
    let indices = inputs[1].to_i64s()?;
    let updates = numbers(&inputs[2])?;
    let depth = index_shape.last().copied().unwrap_or(0);
    if depth > shape.len() {
        return Err(format!("indices of depth {depth} for data of rank {}", shape.len()).into());
    }
    let slice: usize = shape[depth..].iter().product();
    let strides: Vec<usize> = (0..depth)
        .map(|a| shape[a + 1..].iter().product())
        .collect();
    for (n, index) in indices.chunks(depth.max(1)).enumerate() {
        let mut offset = 0;
        for (a, &i) in index.iter().enumerate().take(depth) {
            let i = if i < 0 { i + shape[a] as i64 } else { i };
            if i < 0 || i >= shape[a] as i64 {
                return Err(format!("index {i} out of range for axis {a} of {shape:?}").into());
            }
            offset += i as usize * strides[a];
        }
        let source = updates
            .get(n * slice..(n + 1) * slice)
            .ok_or_else(|| Issue::Invalid("updates do not match indices".into()))?;
        data[offset..offset + slice].copy_from_slice(source);
    }
    let integer = matches!(inputs[0], Known::I64 { .. });
    Ok(vec![Entry::Known(known(shape, data, integer)?)])
}

/// ONNX Mod (folded): the remainder with the divisor's sign (`fmod = 0`, integers) or the
/// dividend's (`fmod = 1`, C's `fmod`).
pub fn modulo(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let inputs = known_inputs(importer, context)?;
    let fmod = context.attributes.int("fmod", 0)? != 0;
    let (shape, v) = broadcast(&inputs)?;
    let values = v[0]
        .iter()
        .zip(&v[1])
        .map(|(&a, &b)| {
            let r = a % b;
            if !fmod && r != 0.0 && (r < 0.0) != (b < 0.0) {
                r + b
            } else {
                r
            }
        })
        .collect();
    let integer = inputs.iter().all(|k| matches!(k, Known::I64 { .. }));
    Ok(vec![Entry::Known(known(shape, values, integer)?)])
}

/// ONNX Range (folded): `start, start + delta, ...` below `limit`.
pub fn range(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let inputs = known_inputs(importer, context)?;
    let scalar = |k: &Known| numbers(k).map(|v| v.first().copied().unwrap_or(0.0));
    let (start, limit, delta) = (
        scalar(&inputs[0])?,
        scalar(&inputs[1])?,
        scalar(&inputs[2])?,
    );
    if delta == 0.0 {
        return Err("Range with delta 0".to_owned().into());
    }
    let count = ((limit - start) / delta).ceil().max(0.0) as usize;
    if count > 1 << 24 {
        return Err(format!("Range of {count} elements is too large to fold").into());
    }
    let values = (0..count).map(|i| start + i as f64 * delta).collect();
    let integer = inputs.iter().all(|k| matches!(k, Known::I64 { .. }));
    Ok(vec![Entry::Known(known(vec![count], values, integer)?)])
}
