//! Resize (opsets 10-21) and Upsample (7-9), `nearest` and `linear` modes, as data moves and
//! crossbar layers: per resized axis, each output position reads input position(s) given by the
//! coordinate transformation. Nearest is a gather along the axis (an integer upscaling: a
//! reshape, a broadcast and a reshape; else slices and concats); linear is a product with a
//! constant interpolation matrix `[in, out]` (two taps per column) along the axis: a crossbar
//! layer (`MatMul`), the axis moved last and back by transposes.

use super::super::importer::{Entry, Importer, Issue, NodeContext, NodeResult};
use super::super::known::Known;
use pim_dialects::GraphOp;
use pim_runtime::Tensor;

/// How an output coordinate maps to an input one along an axis.
struct Axis {
    input: usize,
    output: usize,
    scale: f64,
}

/// ONNX Upsample (opset 7-9): `asymmetric` coordinates.
pub fn upsample(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let scales = if context.opset < 9 {
        context
            .attributes
            .floats("scales")?
            .ok_or_else(|| Issue::Invalid("the required attribute `scales` is missing".into()))?
    } else {
        importer
            .required_known(context, 1, "scales")?
            .to_f32()?
            .data()
            .to_vec()
    };
    resize_with(importer, context, Some(scales), None, "asymmetric")
}

/// ONNX Resize.
pub fn resize(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let (scale_index, size_index) = if context.opset < 11 {
        (1, usize::MAX)
    } else {
        (2, 3)
    };
    let scales = importer
        .optional_known(context, scale_index, "scales")?
        .map(|k| k.to_f32().map(|t| t.data().to_vec()))
        .transpose()?
        .filter(|s| !s.is_empty());
    let sizes = importer
        .optional_known(context, size_index, "sizes")?
        .map(|k| k.to_i64s())
        .transpose()?
        .filter(|s| !s.is_empty());
    let default = if context.opset < 11 {
        "asymmetric"
    } else {
        "half_pixel"
    };
    let transform = context
        .attributes
        .string("coordinate_transformation_mode", default)?;
    if context.attributes.int("antialias", 0)? != 0 || context.attributes.has("axes") {
        return Err(Issue::Unsupported(
            "Resize with antialias or axes (opset 18) is not supported".into(),
        ));
    }
    let policy = context
        .attributes
        .string("keep_aspect_ratio_policy", "stretch")?;
    if policy != "stretch" {
        return Err(Issue::Unsupported(format!(
            "keep_aspect_ratio_policy `{policy}` is not supported (only stretch)"
        )));
    }
    resize_with(importer, context, scales, sizes, &transform)
}

fn resize_with(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    scales: Option<Vec<f32>>,
    sizes: Option<Vec<i64>>,
    transform: &str,
) -> NodeResult<Vec<Entry>> {
    let mut x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    let axes = axes(&shape, scales.as_deref(), sizes.as_deref())?;
    let mode = context.attributes.string("mode", "nearest")?;
    // Before opset 11 (Upsample, Resize-10) nearest rounds down.
    let rounding = if context.opset < 11 {
        "floor"
    } else {
        "round_prefer_floor"
    };
    let nearest_mode = context.attributes.string("nearest_mode", rounding)?;
    for (a, axis) in axes.iter().enumerate() {
        if axis.input == axis.output && (axis.scale - 1.0).abs() < 1e-12 {
            continue;
        }
        let coords = (0..axis.output)
            .map(|o| coordinate(transform, o, axis))
            .collect::<NodeResult<Vec<f64>>>()?;
        let current = importer.shape_of(&x);
        x = match mode.as_str() {
            "nearest" => {
                let picks = coords
                    .iter()
                    .map(|&c| nearest(&nearest_mode, c, axis.input))
                    .collect::<NodeResult<Vec<i64>>>()?;
                super::tensor::gather_axis(importer, context, x, &current, a, &picks)?
            }
            "linear" => interpolate(importer, context, x, &current, a, &coords)?,
            other => {
                return Err(Issue::Unsupported(format!(
                    "mode `{other}` is not supported (nearest and linear are)"
                )))
            }
        };
    }
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Identity {},
        &[x],
    )?])
}

/// The input and output size and scale of every axis.
fn axes(shape: &[usize], scales: Option<&[f32]>, sizes: Option<&[i64]>) -> NodeResult<Vec<Axis>> {
    let rank = shape.len();
    match (scales, sizes) {
        (_, Some(sizes)) if sizes.len() == rank => Ok(shape
            .iter()
            .zip(sizes)
            .map(|(&n, &s)| Axis {
                input: n,
                output: s.max(0) as usize,
                scale: s as f64 / n.max(1) as f64,
            })
            .collect()),
        (Some(scales), None) if scales.len() == rank => Ok(shape
            .iter()
            .zip(scales)
            .map(|(&n, &s)| Axis {
                input: n,
                output: (n as f64 * f64::from(s)).floor() as usize,
                scale: f64::from(s),
            })
            .collect()),
        _ => {
            Err(format!("Resize needs scales or sizes with one value per axis of {shape:?}").into())
        }
    }
}

/// The input coordinate of output position `o` (ONNX `coordinate_transformation_mode`).
fn coordinate(transform: &str, o: usize, axis: &Axis) -> NodeResult<f64> {
    let (x, s) = (o as f64, axis.scale);
    Ok(match transform {
        "half_pixel" => (x + 0.5) / s - 0.5,
        "pytorch_half_pixel" if axis.output > 1 => (x + 0.5) / s - 0.5,
        "pytorch_half_pixel" => 0.0,
        "align_corners" if axis.output > 1 => {
            x * (axis.input as f64 - 1.0) / (axis.output as f64 - 1.0)
        }
        "align_corners" => 0.0,
        "asymmetric" => x / s,
        "tf_half_pixel_for_nn" => (x + 0.5) / s,
        other => {
            return Err(Issue::Unsupported(format!(
                "coordinate_transformation_mode `{other}` is not supported"
            )))
        }
    })
}

/// The input index nearest to coordinate `c` (ONNX `nearest_mode`), clamped to the axis.
fn nearest(mode: &str, c: f64, input: usize) -> NodeResult<i64> {
    let index = match mode {
        "round_prefer_floor" if c.fract() == 0.5 => c.floor(),
        "round_prefer_ceil" if c.fract() == 0.5 => c.ceil(),
        "round_prefer_floor" | "round_prefer_ceil" => c.round(),
        "floor" => c.floor(),
        "ceil" => c.ceil(),
        other => {
            return Err(Issue::Unsupported(format!(
                "nearest_mode `{other}` is not supported"
            )))
        }
    };
    Ok((index as i64).clamp(0, input as i64 - 1))
}

/// Linear interpolation along axis `a`: the axis moved last, a product with the `[in, out]`
/// interpolation matrix (a crossbar layer), moved back.
fn interpolate(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    x: Entry,
    shape: &[usize],
    a: usize,
    coords: &[f64],
) -> NodeResult<Entry> {
    let rank = shape.len();
    let n = shape[a];
    let mut matrix = vec![0f32; n * coords.len()];
    for (o, &c) in coords.iter().enumerate() {
        let c = c.clamp(0.0, n as f64 - 1.0);
        let i0 = c.floor() as usize;
        let i1 = (i0 + 1).min(n - 1);
        let w1 = (c - i0 as f64) as f32;
        matrix[i0 * coords.len() + o] += 1.0 - w1;
        matrix[i1 * coords.len() + o] += w1;
    }
    let m = Tensor::new(vec![n, coords.len()], matrix)
        .ok_or_else(|| Issue::Invalid("bad interpolation matrix".into()))?;
    let mut perm: Vec<i64> = (0..rank as i64).collect();
    perm.swap(a, rank - 1);
    let last = a + 1 == rank;
    let moved = if last {
        x
    } else {
        let op = GraphOp::Transpose { perm: perm.clone() };
        importer.emit(context, &format!("/axis{a}.last"), op, &[x])?
    };
    let matrix = Entry::Known(Known::F32(m));
    let y = importer.emit(
        context,
        &format!("/axis{a}.interpolate"),
        GraphOp::MatMul {},
        &[moved, matrix],
    )?;
    if last {
        return Ok(y);
    }
    importer.emit(
        context,
        &format!("/axis{a}.back"),
        GraphOp::Transpose { perm },
        &[y],
    )
}
