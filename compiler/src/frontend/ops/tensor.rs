//! Layout ops: Concat, Flatten, Reshape (0 and -1 in the target), Transpose, Squeeze/Unsqueeze
//! (attribute form before opset 13, input form from 13), Pad (constant, reflect and edge modes;
//! attribute form before opset 11, input form from 11), Split, Expand, Tile, DepthToSpace,
//! SpaceToDepth, Dropout and Identity (both imported as `graph.identity`).

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
    if !matches!(mode.as_str(), "constant" | "reflect" | "edge") {
        return Err(Issue::Unsupported(format!(
            "mode `{mode}` is not supported; constant, reflect and edge padding are"
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
    if mode != "constant" {
        return border_pad(importer, context, x, &pads, mode == "reflect");
    }
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Pad { pads, value },
        &[x],
    )?])
}

/// Reflect or edge padding as data moves: along each padded axis, the operand concatenated
/// with its border slices (edge: the first / last slice repeated; reflect: the slices next to
/// the border, mirrored).
fn border_pad(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    mut x: Entry,
    pads: &[i64],
    reflect: bool,
) -> NodeResult<Vec<Entry>> {
    let rank = pads.len() / 2;
    for axis in 0..rank {
        let (begin, end) = (pads[axis], pads[rank + axis]);
        if begin < 0 || end < 0 {
            return Err(Issue::Unsupported(
                "negative pads (crops) in reflect or edge mode are not supported".into(),
            ));
        }
        let shape = importer.shape_of(&x);
        let n = shape[axis] as i64;
        let index = |i: i64| -> i64 {
            match (reflect, i) {
                (false, _) => i.clamp(0, n - 1),
                (true, i) if i < 0 => -i,
                (true, i) if i >= n => 2 * (n - 1) - i,
                (true, i) => i,
            }
        };
        if reflect && (begin >= n || end >= n) {
            return Err(format!(
                "reflect pads {pads:?} must be smaller than axis {axis} of {shape:?}"
            )
            .into());
        }
        let picks: Vec<i64> = (-begin..0)
            .chain(0..n)
            .chain(n..n + end)
            .map(index)
            .collect();
        if picks.len() as i64 == n {
            continue;
        }
        x = gather_axis(importer, context, x, &shape, axis, &picks)?;
    }
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Identity {},
        &[x],
    )?])
}

/// The slices `picks` (in order) of `x` along `axis`, concatenated (runs of consecutive
/// indices as one slice; an index repeated `r` times in a row at every position, an integer
/// nearest upscaling, as a broadcast).
pub(super) fn gather_axis(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    x: Entry,
    shape: &[usize],
    axis: usize,
    picks: &[i64],
) -> NodeResult<Entry> {
    let n = shape[axis];
    let repeat = picks.len() / n.max(1);
    let repeated = (0..n as i64).flat_map(|i| std::iter::repeat_n(i, repeat));
    if repeat > 1 && picks.len() == n * repeat && picks.iter().copied().eq(repeated) {
        let mut spread = shape[..=axis].to_vec();
        spread.push(1);
        spread.extend(&shape[axis + 1..]);
        let mut wide = spread.clone();
        wide[axis + 1] = repeat;
        let mut back = shape.to_vec();
        back[axis] = n * repeat;
        let suffix = |what: &str| format!("/axis{axis}.{what}");
        let x = importer.emit(
            context,
            &suffix("spread"),
            GraphOp::Reshape {
                shape: dims(&spread),
            },
            &[x],
        )?;
        let x = broadcast_to(importer, context, &suffix("repeat"), x, &wide)?;
        return importer.emit(
            context,
            &suffix("merge"),
            GraphOp::Reshape { shape: dims(&back) },
            &[x],
        );
    }
    let mut result: Option<Entry> = None;
    let mut k = 0;
    while k < picks.len() {
        // The longest run of consecutive indices from k.
        let mut end = k + 1;
        while end < picks.len() && picks[end] == picks[end - 1] + 1 {
            end += 1;
        }
        let ranges: Vec<Vec<usize>> = (0..shape.len())
            .map(|a| {
                if a == axis {
                    (picks[k] as usize..picks[end - 1] as usize + 1).collect()
                } else {
                    (0..shape[a]).collect()
                }
            })
            .collect();
        let suffix = format!("/axis{axis}.slice{k}");
        let piece = importer.emit(
            context,
            &suffix,
            super::constants::strided_slice(&ranges)?,
            std::slice::from_ref(&x),
        )?;
        result = Some(match result {
            None => piece,
            Some(so_far) => importer.emit(
                context,
                &format!("/axis{axis}.concat{k}"),
                GraphOp::Concat { axis: axis as i64 },
                &[so_far, piece],
            )?,
        });
        k = end;
    }
    result.ok_or_else(|| Issue::Invalid("an empty axis".into()))
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

/// ONNX Split: each output a slice along `axis` (sizes from the `split` attribute before opset
/// 13, the `split` input from 13, else equal parts: `num_outputs` from opset 18).
pub fn split(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    let axis = super::axis(context.attributes.int("axis", 0)?, shape.len())?;
    let listed = if context.opset < 13 {
        context.attributes.ints("split")?
    } else {
        importer
            .optional_known(context, 1, "split")?
            .map(|k| k.to_i64s())
            .transpose()?
    };
    let extent = shape[axis];
    let parts = match listed {
        Some(sizes) => sizes
            .iter()
            .map(|&s| usize::try_from(s).map_err(|_| format!("split size {s}")))
            .collect::<Result<Vec<_>, _>>()?,
        None => {
            let n = context.node.output.len().max(1);
            let each = extent.div_ceil(n);
            (0..n)
                .map(|i| each.min(extent.saturating_sub(i * each)))
                .collect()
        }
    };
    if parts.iter().sum::<usize>() != extent {
        return Err(
            format!("split sizes {parts:?} do not add up to axis {axis} of {shape:?}").into(),
        );
    }
    let mut outputs = Vec::new();
    let mut start = 0;
    for (k, &size) in parts.iter().enumerate() {
        let ranges: Vec<Vec<usize>> = (0..shape.len())
            .map(|a| {
                if a == axis {
                    (start..start + size).collect()
                } else {
                    (0..shape[a]).collect()
                }
            })
            .collect();
        let op = super::constants::strided_slice(&ranges)?;
        outputs.push(importer.emit(context, &format!("/{k}"), op, std::slice::from_ref(&x))?);
        start += size;
    }
    Ok(outputs)
}

/// ONNX Expand: the input broadcast to the broadcast of its shape and the (constant) `shape`.
pub fn expand(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let target = importer.required_known(context, 1, "shape")?.to_i64s()?;
    let target = target
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("shape {target:?} holds {d}")))
        .collect::<Result<Vec<_>, _>>()?;
    let shape = pim_runtime::kernels::broadcast_shapes(&importer.shape_of(&x), &target)
        .map_err(|e| e.to_string())?;
    Ok(vec![broadcast_to(importer, context, "", x, &shape)?])
}

/// `x` broadcast to `shape` (the identity when it has that shape already).
fn broadcast_to(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    suffix: &str,
    x: Entry,
    shape: &[usize],
) -> NodeResult<Entry> {
    let op = if importer.shape_of(&x) == shape {
        GraphOp::Identity {}
    } else {
        GraphOp::Expand { shape: dims(shape) }
    };
    importer.emit(context, suffix, op, &[x])
}

/// ONNX Tile: `x` with a unit axis before each axis, broadcast to the repeats there, and the
/// pairs merged.
pub fn tile(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    let repeats = importer.required_known(context, 1, "repeats")?.to_i64s()?;
    if repeats.len() != shape.len() || repeats.iter().any(|&r| r < 0) {
        return Err(format!(
            "repeats {repeats:?} must be one non-negative count per axis of {shape:?}"
        )
        .into());
    }
    let pairs = |first: &dyn Fn(usize) -> usize| -> Vec<usize> {
        shape
            .iter()
            .enumerate()
            .flat_map(|(a, &d)| [first(a), d])
            .collect()
    };
    let spread = pairs(&|_| 1);
    let tiled = pairs(&|a| repeats[a] as usize);
    let result: Vec<usize> = shape
        .iter()
        .zip(&repeats)
        .map(|(&d, &r)| d * r as usize)
        .collect();
    let x = importer.emit(
        context,
        "/spread",
        GraphOp::Reshape {
            shape: dims(&spread),
        },
        &[x],
    )?;
    let x = broadcast_to(importer, context, "/repeat", x, &tiled)?;
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Reshape {
            shape: dims(&result),
        },
        &[x],
    )?])
}

/// `x` reshaped to `first`, transposed by `perm`, reshaped to `last` (the ONNX definitions of
/// DepthToSpace and SpaceToDepth).
fn shuffle(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    x: Entry,
    first: Vec<usize>,
    perm: Vec<i64>,
    last: Vec<usize>,
) -> NodeResult<Vec<Entry>> {
    let x = importer.emit(
        context,
        "/split",
        GraphOp::Reshape {
            shape: dims(&first),
        },
        &[x],
    )?;
    let x = importer.emit(context, "/permute", GraphOp::Transpose { perm }, &[x])?;
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Reshape { shape: dims(&last) },
        &[x],
    )?])
}

/// The `[N, C, H, W]` input of DepthToSpace / SpaceToDepth and its `blocksize`.
fn blocks(
    importer: &Importer,
    context: &NodeContext<'_>,
) -> NodeResult<(Entry, [usize; 4], usize)> {
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    let b = usize::try_from(context.attributes.int("blocksize", 0)?).unwrap_or(0);
    let &[n, c, h, w] = shape.as_slice() else {
        return Err(format!("input of shape {shape:?} is not [N, C, H, W]").into());
    };
    if b == 0 {
        return Err("the required attribute `blocksize` must be positive"
            .to_owned()
            .into());
    }
    Ok((x, [n, c, h, w], b))
}

/// ONNX DepthToSpace (modes DCR and CRD).
pub fn depth_to_space(
    importer: &mut Importer,
    context: &NodeContext<'_>,
) -> NodeResult<Vec<Entry>> {
    let (x, [n, c, h, w], b) = blocks(importer, context)?;
    if c % (b * b) != 0 {
        return Err(format!("{c} channels are not a multiple of blocksize^2 = {}", b * b).into());
    }
    let last = vec![n, c / (b * b), h * b, w * b];
    match context.attributes.string("mode", "DCR")?.as_str() {
        "DCR" => shuffle(
            importer,
            context,
            x,
            vec![n, b, b, c / (b * b), h, w],
            vec![0, 3, 4, 1, 5, 2],
            last,
        ),
        "CRD" => shuffle(
            importer,
            context,
            x,
            vec![n, c / (b * b), b, b, h, w],
            vec![0, 1, 4, 2, 5, 3],
            last,
        ),
        other => Err(format!("mode `{other}` is not DCR or CRD").into()),
    }
}

/// ONNX SpaceToDepth.
pub fn space_to_depth(
    importer: &mut Importer,
    context: &NodeContext<'_>,
) -> NodeResult<Vec<Entry>> {
    let (x, [n, c, h, w], b) = blocks(importer, context)?;
    if h % b != 0 || w % b != 0 {
        return Err(format!("height {h} and width {w} must be multiples of blocksize {b}").into());
    }
    let first = vec![n, c, h / b, b, w / b, b];
    shuffle(
        importer,
        context,
        x,
        first,
        vec![0, 3, 5, 1, 2, 4],
        vec![n, c * b * b, h / b, w / b],
    )
}
