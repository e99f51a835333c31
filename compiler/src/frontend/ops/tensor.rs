//! Layout ops: Concat, Flatten, Reshape (0 and -1 in the target), Transpose, Squeeze/Unsqueeze
//! (attribute form before opset 13, input form from 13), Pad (constant mode; attribute form before
//! opset 11, input form from 11), Dropout and Identity (both imported as `graph.identity`).

use super::super::importer::{Entry, Importer, Issue, NodeContext, NodeResult};
use pim_dialects::GraphOp;

fn dims(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&d| d as i64).collect()
}

/// ONNX Concat: a left-to-right chain of two-operand concats (see `graph.concat`).
pub fn concat(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let count = context.node.input.len();
    let mut result = importer.required(context, 0)?;
    let rank = importer.shape_of(&result).len();
    let axis = super::axis(context.attributes.int("axis", 1)?, rank)? as i64;
    for index in 1..count {
        let next = importer.required(context, index)?;
        let suffix = if index + 1 == count {
            String::new()
        } else {
            format!("/concat{index}")
        };
        result = importer.emit(context, &suffix, GraphOp::Concat { axis }, &[result, next])?;
    }
    Ok(vec![result])
}

/// ONNX Flatten (kept as `graph.flatten`; the graph rewrites canonicalise it to a reshape).
pub fn flatten(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let axis = context.attributes.int("axis", 1)?;
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Flatten { axis },
        &[x],
    )?])
}

/// ONNX Reshape: the target shape must be constant; 0 copies the input dimension (unless
/// allowzero = 1) and one -1 is inferred.
pub fn reshape(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let target = if context.opset < 5 {
        context.attributes.required_ints("shape")?
    } else {
        importer.required_known(context, 1, "shape")?.to_i64s()?
    };
    let allow_zero = context.attributes.int("allowzero", 0)? != 0;
    let shape = resolve_reshape(&importer.shape_of(&x), &target, allow_zero)?;
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Reshape { shape },
        &[x],
    )?])
}

/// Resolves ONNX Reshape's special values 0 and -1 against the input shape.
pub fn resolve_reshape(input: &[usize], target: &[i64], allow_zero: bool) -> NodeResult<Vec<i64>> {
    let mut shape: Vec<i64> = target
        .iter()
        .enumerate()
        .map(|(i, &d)| match d {
            0 if !allow_zero => input.get(i).map(|&v| v as i64).ok_or_else(|| {
                format!("shape {target:?}: 0 at {i} has no input dimension to copy")
            }),
            d if d >= -1 => Ok(d),
            d => Err(format!("shape {target:?} holds {d}")),
        })
        .collect::<Result<_, _>>()?;
    let total: i64 = input.iter().product::<usize>() as i64;
    let unknown: Vec<usize> = shape
        .iter()
        .enumerate()
        .filter(|(_, &d)| d == -1)
        .map(|(i, _)| i)
        .collect();
    let known: i64 = shape.iter().filter(|&&d| d != -1).product();
    match unknown.as_slice() {
        [] => {}
        [index] if known > 0 && total % known == 0 => shape[*index] = total / known,
        _ => {
            return Err(format!(
                "cannot infer -1 in shape {target:?} for an input of shape {input:?}"
            )
            .into())
        }
    }
    if shape.iter().product::<i64>() != total {
        return Err(format!("cannot reshape {input:?} ({total} elements) to {shape:?}").into());
    }
    Ok(shape)
}

/// ONNX Transpose (default: reverse the dimensions).
pub fn transpose(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let rank = importer.shape_of(&x).len() as i64;
    let perm = context
        .attributes
        .ints("perm")?
        .unwrap_or_else(|| (0..rank).rev().collect());
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Transpose { perm },
        &[x],
    )?])
}

/// The `axes` of Squeeze/Unsqueeze: an attribute before opset 13, an optional input from 13.
fn axes(importer: &Importer, context: &NodeContext<'_>) -> NodeResult<Option<Vec<i64>>> {
    if context.opset < 13 {
        Ok(context.attributes.ints("axes")?)
    } else {
        Ok(importer
            .optional_known(context, 1, "axes")?
            .map(|k| k.to_i64s())
            .transpose()?)
    }
}

/// ONNX Squeeze, imported as a reshape.
pub fn squeeze(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    let remove = match axes(importer, context)? {
        None => shape
            .iter()
            .enumerate()
            .filter(|(_, &d)| d == 1)
            .map(|(i, _)| i)
            .collect(),
        Some(list) => list
            .iter()
            .map(|&a| super::axis(a, shape.len()))
            .collect::<NodeResult<Vec<_>>>()?,
    };
    if let Some(&bad) = remove.iter().find(|&&a| shape[a] != 1) {
        return Err(format!(
            "cannot squeeze axis {bad} of size {} (shape {shape:?})",
            shape[bad]
        )
        .into());
    }
    let kept: Vec<usize> = shape
        .iter()
        .enumerate()
        .filter(|(i, _)| !remove.contains(i))
        .map(|(_, &d)| d)
        .collect();
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Reshape { shape: dims(&kept) },
        &[x],
    )?])
}

/// ONNX Unsqueeze, imported as a reshape.
pub fn unsqueeze(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    let list =
        axes(importer, context)?.ok_or_else(|| Issue::Invalid("Unsqueeze needs axes".into()))?;
    let rank = shape.len() + list.len();
    let mut inserted = list
        .iter()
        .map(|&a| super::axis(a, rank))
        .collect::<NodeResult<Vec<_>>>()?;
    inserted.sort_unstable();
    let mut source = shape.iter();
    let result: Vec<usize> = (0..rank)
        .map(|i| {
            if inserted.contains(&i) {
                1
            } else {
                source.next().copied().unwrap_or(1)
            }
        })
        .collect();
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Reshape {
            shape: dims(&result),
        },
        &[x],
    )?])
}

/// ONNX Pad in constant mode.
pub fn pad(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let rank = importer.shape_of(&x).len();
    let mode = context.attributes.string("mode", "constant")?;
    if mode != "constant" {
        return Err(Issue::Unsupported(format!(
            "mode `{mode}` is not supported; only constant padding is"
        )));
    }
    let (pads, value) = if context.opset < 11 {
        let pads = context
            .attributes
            .ints("pads")?
            .or(context.attributes.ints("paddings")?);
        (
            pads.ok_or_else(|| Issue::Invalid("the required attribute `pads` is missing".into()))?,
            context.attributes.float("value", 0.0)?,
        )
    } else {
        let pads = importer.required_known(context, 1, "pads")?.to_i64s()?;
        let value = match importer.optional_known(context, 2, "constant_value")? {
            None => 0.0,
            Some(k) => *k
                .to_f32()?
                .data()
                .first()
                .ok_or_else(|| Issue::Invalid("empty constant_value".into()))?,
        };
        let axes = importer
            .optional_known(context, 3, "axes")?
            .map(|k| k.to_i64s())
            .transpose()?;
        (expand_pads(&pads, axes.as_deref(), rank)?, value)
    };
    if pads.len() != 2 * rank {
        return Err(format!("pads {pads:?} must hold 2 x rank = {} values", 2 * rank).into());
    }
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Pad { pads, value },
        &[x],
    )?])
}

/// Expands pads given for a subset of axes (opset 18 `axes` input) to all axes.
fn expand_pads(pads: &[i64], axes: Option<&[i64]>, rank: usize) -> NodeResult<Vec<i64>> {
    let Some(axes) = axes else {
        return Ok(pads.to_vec());
    };
    if pads.len() != 2 * axes.len() {
        return Err(format!("pads {pads:?} do not match axes {axes:?}").into());
    }
    let mut full = vec![0; 2 * rank];
    for (i, &a) in axes.iter().enumerate() {
        let a = super::axis(a, rank)?;
        full[a] = pads[i];
        full[rank + a] = pads[axes.len() + i];
    }
    Ok(full)
}

/// ONNX Dropout in inference: the identity (the mask output is not supported).
pub fn dropout(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    if let Some(mode) = importer.optional_known(context, 2, "training_mode")? {
        if mode.to_i64s()?.iter().any(|&v| v != 0) {
            return Err(Issue::Unsupported(
                "training_mode = true is not supported".into(),
            ));
        }
    }
    identity(importer, context)
}

/// ONNX Identity.
pub fn identity(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Identity {},
        &[x],
    )?])
}
