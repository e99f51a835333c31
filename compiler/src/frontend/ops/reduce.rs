//! Reductions (ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2, ReduceSumSquare: `axes`
//! as an attribute before opset 18 (13 for ReduceSum), as an input from then on) and the
//! normalisations (LayerNormalization, InstanceNormalization, GroupNormalization), imported as
//! `graph.norm` followed by their scale and bias as `graph.mul` / `graph.add`, which the graph
//! rewrites fold into the next layer's weights where they can.

use super::super::importer::{Entry, Importer, Issue, NodeContext, NodeResult};
use super::super::known::Known;
use pim_dialects::GraphOp;

/// The opset from which `axes` is an input of each reduction.
fn axes_input_from(op_type: &str) -> i64 {
    if op_type == "ReduceSum" {
        13
    } else {
        18
    }
}

/// The reduced axes, sorted and non-negative; `None` when the node is an identity
/// (`noop_with_empty_axes` with no axes).
fn reduced_axes(
    importer: &Importer,
    context: &NodeContext<'_>,
    rank: usize,
) -> NodeResult<Option<Vec<i64>>> {
    let listed = if context.opset >= axes_input_from(&context.node.op_type) {
        importer
            .optional_known(context, 1, "axes")?
            .map(|k| k.to_i64s())
            .transpose()?
    } else {
        context.attributes.ints("axes")?
    };
    let listed = listed.unwrap_or_default();
    if listed.is_empty() {
        if context.attributes.int("noop_with_empty_axes", 0)? != 0 {
            return Ok(None);
        }
        return Ok(Some((0..rank as i64).collect()));
    }
    let mut axes = listed
        .iter()
        .map(|&a| super::axis(a, rank).map(|a| a as i64))
        .collect::<NodeResult<Vec<_>>>()?;
    axes.sort_unstable();
    axes.dedup();
    Ok(Some(axes))
}

/// Imports a reduction of `kind`.
fn reduce(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    kind: &str,
) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let rank = importer.shape_of(&x).len();
    let Some(axes) = reduced_axes(importer, context, rank)? else {
        return Ok(vec![importer.emit(
            context,
            "",
            GraphOp::Identity {},
            &[x],
        )?]);
    };
    let op = GraphOp::Reduce {
        kind: kind.into(),
        axes,
        keepdims: context.attributes.int("keepdims", 1)?,
    };
    Ok(vec![importer.emit(context, "", op, &[x])?])
}

/// ONNX ReduceMean.
pub fn reduce_mean(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    reduce(i, c, "mean")
}

/// ONNX ReduceSum.
pub fn reduce_sum(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    reduce(i, c, "sum")
}

/// ONNX ReduceMax.
pub fn reduce_max(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    reduce(i, c, "max")
}

/// ONNX ReduceMin.
pub fn reduce_min(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    reduce(i, c, "min")
}

/// ONNX ReduceL2.
pub fn reduce_l2(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    reduce(i, c, "l2")
}

/// ONNX ReduceSumSquare.
pub fn reduce_sum_square(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    reduce(i, c, "sum_square")
}

/// Refuses the optional statistics outputs of a normalisation.
fn single_output(context: &NodeContext<'_>) -> NodeResult<()> {
    if context.node.output.iter().skip(1).any(|o| !o.is_empty()) {
        return Err(Issue::Unsupported(
            "the Mean and InvStdDev outputs (training statistics) are not supported".into(),
        ));
    }
    Ok(())
}

/// `x * scale + bias` (either optional), with `scale` and `bias` reshaped to `shape`.
fn affine(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    mut x: Entry,
    scale: Option<Entry>,
    bias: Option<Entry>,
    shape: &[usize],
) -> NodeResult<Entry> {
    let reshape = |importer: &mut Importer, e: Entry, suffix: &str| -> NodeResult<Entry> {
        let dims = shape.iter().map(|&d| d as i64).collect();
        importer.emit(context, suffix, GraphOp::Reshape { shape: dims }, &[e])
    };
    let last_suffix = if bias.is_some() { "/scale" } else { "" };
    if let Some(scale) = scale {
        let scale = reshape(importer, scale, "/scale_shape")?;
        x = importer.emit(context, last_suffix, GraphOp::Mul {}, &[x, scale])?;
    }
    if let Some(bias) = bias {
        let bias = reshape(importer, bias, "/bias_shape")?;
        x = importer.emit(context, "", GraphOp::Add {}, &[x, bias])?;
    }
    Ok(x)
}

/// ONNX LayerNormalization: normalised over `axis..rank`, then `* Scale + B`.
pub fn layer_norm(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    single_output(context)?;
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    let axis = super::axis(context.attributes.int("axis", -1)?, shape.len())?;
    let axes: Vec<i64> = (axis as i64..shape.len() as i64).collect();
    let epsilon = context.attributes.float("epsilon", 1e-5)?;
    let normed = importer.emit(context, "/norm", GraphOp::Norm { axes, epsilon }, &[x])?;
    let scale = importer.required(context, 1)?;
    let bias = importer.input(context, 2)?;
    let y = affine(importer, context, normed, Some(scale), bias, &shape[axis..])?;
    Ok(vec![y])
}

/// The shape `[C, 1, ...]` of a per-channel parameter of an `[N, C, spatial...]` input.
fn per_channel(shape: &[usize]) -> Vec<usize> {
    std::iter::once(shape.get(1).copied().unwrap_or(1))
        .chain(std::iter::repeat_n(1, shape.len().saturating_sub(2)))
        .collect()
}

/// ONNX InstanceNormalization: each channel of each image normalised over its spatial axes,
/// then the per-channel `scale` and `B`.
pub fn instance_norm(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    if shape.len() < 3 {
        return Err(format!("input of shape {shape:?} has no spatial axes").into());
    }
    let axes: Vec<i64> = (2..shape.len() as i64).collect();
    let epsilon = context.attributes.float("epsilon", 1e-5)?;
    let normed = importer.emit(context, "/norm", GraphOp::Norm { axes, epsilon }, &[x])?;
    let scale = importer.required(context, 1)?;
    let bias = importer.required(context, 2)?;
    let y = affine(
        importer,
        context,
        normed,
        Some(scale),
        Some(bias),
        &per_channel(&shape),
    )?;
    Ok(vec![y])
}

/// ONNX GroupNormalization: the channels of each image in `num_groups` groups, each normalised
/// over its channels and spatial axes (a reshape to `[N, G, rest]`), then the scale and bias:
/// per group (repeated over its channels) before opset 21, per channel from 21.
pub fn group_norm(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    let groups = usize::try_from(context.attributes.int("num_groups", 0)?).unwrap_or(0);
    let channels = shape.get(1).copied().unwrap_or(0);
    if shape.len() < 3 || groups == 0 || channels % groups != 0 {
        return Err(format!(
            "num_groups = {groups} must be positive and divide the {channels} channels of an input of rank >= 3 (shape {shape:?})"
        )
        .into());
    }
    let rest: usize = shape[1..].iter().product::<usize>() / groups;
    let grouped = importer.emit(
        context,
        "/groups",
        GraphOp::Reshape {
            shape: vec![shape[0] as i64, groups as i64, rest as i64],
        },
        &[x],
    )?;
    let epsilon = context.attributes.float("epsilon", 1e-5)?;
    let normed = importer.emit(
        context,
        "/norm",
        GraphOp::Norm {
            axes: vec![2],
            epsilon,
        },
        &[grouped],
    )?;
    let dims = shape.iter().map(|&d| d as i64).collect();
    let back = importer.emit(
        context,
        "/ungroup",
        GraphOp::Reshape { shape: dims },
        &[normed],
    )?;
    let per_group = context.opset < 21;
    let mut params = Vec::new();
    for index in [1, 2] {
        let known = importer.required_known(context, index, "scale or bias")?;
        params.push(Entry::Known(channel_values(
            known, groups, channels, per_group,
        )?));
    }
    let bias = params.pop();
    let scale = params.pop();
    let y = affine(importer, context, back, scale, bias, &per_channel(&shape))?;
    Ok(vec![y])
}

/// A GroupNormalization parameter as one value per channel.
fn channel_values(
    known: Known,
    groups: usize,
    channels: usize,
    per_group: bool,
) -> NodeResult<Known> {
    let tensor = known.to_f32()?;
    let expected = if per_group { groups } else { channels };
    if tensor.len() != expected {
        return Err(format!(
            "scale/bias of {} values, expected {expected} (one per {})",
            tensor.len(),
            if per_group {
                "group before opset 21"
            } else {
                "channel"
            }
        )
        .into());
    }
    if !per_group {
        return Ok(Known::F32(tensor));
    }
    let each = channels / groups;
    let data = tensor
        .data()
        .iter()
        .flat_map(|&v| std::iter::repeat_n(v, each))
        .collect();
    pim_runtime::Tensor::new(vec![channels], data)
        .map(Known::F32)
        .ok_or_else(|| Issue::Invalid("bad group parameters".into()))
}
