//! Ops that compute constants: Constant, ConstantOfShape, Shape, Cast, and Gather and Slice,
//! which fold on known tensors and become `graph.slice` data moves on tensors computed at run
//! time (with constant indices, starts and ends).

use super::super::importer::{checked_elements, Entry, Importer, Issue, NodeContext, NodeResult};
use super::super::known::Known;
use onnx_protobuf::tensor_proto::DataType;
use pim_dialects::GraphOp;
use pim_runtime::Tensor;
use protobuf::Enum;

fn known_input(
    importer: &Importer,
    context: &NodeContext<'_>,
    index: usize,
    what: &str,
) -> NodeResult<Known> {
    importer.required_known(context, index, what)
}

/// ONNX Constant (`value`, or from opset 12 `value_float(s)` / `value_int(s)`).
pub fn constant(_: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let a = &context.attributes;
    let known = if let Some(tensor) = a.tensor("value")? {
        tensor
    } else if a.has("value_float") {
        Known::F32(Tensor::scalar(a.float("value_float", 0.0)?))
    } else if let Some(values) = a.floats("value_floats")? {
        Known::F32(
            Tensor::new(vec![values.len()], values)
                .ok_or_else(|| Issue::Invalid("bad value_floats".into()))?,
        )
    } else if a.has("value_int") {
        Known::i64s(Vec::new(), vec![a.int("value_int", 0)?])?
    } else if let Some(values) = a.ints("value_ints")? {
        Known::i64s(vec![values.len()], values)?
    } else {
        return Err(Issue::Unsupported(
            "only the value, value_float(s) and value_int(s) forms are supported (not sparse or string)".into(),
        ));
    };
    Ok(vec![Entry::Known(known)])
}

/// ONNX ConstantOfShape.
pub fn constant_of_shape(
    importer: &mut Importer,
    context: &NodeContext<'_>,
) -> NodeResult<Vec<Entry>> {
    let dims = known_input(importer, context, 0, "shape")?.to_i64s()?;
    let shape = dims
        .iter()
        .map(|&d| {
            usize::try_from(d)
                .map_err(|_| Issue::Invalid(format!("negative dimension in {dims:?}")))
        })
        .collect::<NodeResult<Vec<_>>>()?;
    let fill = context
        .attributes
        .tensor("value")?
        .unwrap_or(Known::F32(Tensor::scalar(0.0)));
    let len = checked_elements(&shape)?;
    let known = match fill {
        Known::F32(t) => Known::F32(Tensor::filled(shape, first(t.data())?)),
        Known::I64 { data, .. } => Known::i64s(shape, vec![first(&data)?; len])?,
    };
    Ok(vec![Entry::Known(known)])
}

fn first<T: Copy>(values: &[T]) -> NodeResult<T> {
    values
        .first()
        .copied()
        .ok_or_else(|| Issue::Invalid("the fill value is empty".into()))
}

/// ONNX Shape (with opset 15 start/end), always known since shapes are static.
pub fn shape(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let dims: Vec<i64> = importer.shape_of(&x).iter().map(|&d| d as i64).collect();
    let rank = dims.len() as i64;
    let clamp = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
    let start = clamp(context.attributes.int("start", 0)?);
    let end = clamp(context.attributes.int("end", rank)?);
    let selected = dims.get(start..end.max(start)).unwrap_or(&[]).to_vec();
    Ok(vec![Entry::Known(Known::i64s(
        vec![selected.len()],
        selected,
    )?)])
}

/// Picks elements of `source` by flat index into a result of `shape`.
fn pick(source: &Known, indices: &[usize], shape: Vec<usize>) -> NodeResult<Known> {
    Ok(match source {
        Known::F32(t) => Known::F32(
            Tensor::new(shape, indices.iter().map(|&i| t.data()[i]).collect())
                .ok_or_else(|| Issue::Invalid("shape mismatch".into()))?,
        ),
        Known::I64 { data, .. } => Known::i64s(shape, indices.iter().map(|&i| data[i]).collect())?,
    })
}

/// Row-major strides of a shape.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    strides
}

/// ONNX Gather with constant indices: folded on a known tensor; on a tensor computed at run
/// time (the class token of a vision transformer, `x[:, 0]`) the selected slices as
/// `graph.slice`s (one per maximal evenly spaced run of indices, concatenated), reshaped to
/// the result's shape.
pub fn gather(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let input = importer.required(context, 0)?;
    let indices = known_input(importer, context, 1, "indices")?;
    let shape = importer.shape_of(&input);
    let axis = super::axis(context.attributes.int("axis", 0)?, shape.len())?;
    let extent = shape[axis] as i64;
    let picks = indices
        .to_i64s()?
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + extent } else { i };
            usize::try_from(j)
                .ok()
                .filter(|&j| (j as i64) < extent)
                .ok_or_else(|| {
                    Issue::Invalid(format!("index {i} out of range for axis of size {extent}"))
                })
        })
        .collect::<NodeResult<Vec<_>>>()?;
    let data = match input {
        Entry::Known(data) => data,
        runtime => {
            return gather_slices(
                importer,
                context,
                runtime,
                &shape,
                axis,
                &picks,
                indices.shape(),
            )
        }
    };
    let (outer, inner) = (
        shape[..axis].iter().product::<usize>(),
        shape[axis + 1..].iter().product::<usize>(),
    );
    let size = shape[axis];
    let picks = &picks;
    let flat: Vec<usize> = (0..outer)
        .flat_map(|o| {
            picks
                .iter()
                .flat_map(move |&p| (0..inner).map(move |i| (o * size + p) * inner + i))
        })
        .collect();
    let out_shape = [&shape[..axis], indices.shape(), &shape[axis + 1..]].concat();
    Ok(vec![Entry::Known(pick(&data, &flat, out_shape)?)])
}

/// Gather of run-time data: runs of evenly spaced indices as slices, concatenated along
/// `axis`, reshaped to the result's shape.
fn gather_slices(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    input: Entry,
    shape: &[usize],
    axis: usize,
    picks: &[usize],
    indices_shape: &[usize],
) -> NodeResult<Vec<Entry>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    for &p in picks {
        match runs.last_mut() {
            Some(run) if run.len() == 1 && p > run[0] => run.push(p),
            Some(run) if run.len() > 1 && p == run[run.len() - 1] + (run[1] - run[0]) => {
                run.push(p)
            }
            _ => runs.push(vec![p]),
        }
    }
    let mut result: Option<Entry> = None;
    for (k, run) in runs.iter().enumerate() {
        let ranges: Vec<Vec<usize>> = (0..shape.len())
            .map(|a| {
                if a == axis {
                    run.clone()
                } else {
                    (0..shape[a]).collect()
                }
            })
            .collect();
        let piece = importer.emit(
            context,
            &format!("/slice{k}"),
            strided_slice(&ranges)?,
            std::slice::from_ref(&input),
        )?;
        result = Some(match result {
            None => piece,
            Some(so_far) => importer.emit(
                context,
                &format!("/concat{k}"),
                GraphOp::Concat { axis: axis as i64 },
                &[so_far, piece],
            )?,
        });
    }
    let result = result.ok_or_else(|| Issue::Invalid("Gather with no indices".into()))?;
    let out_shape = [&shape[..axis], indices_shape, &shape[axis + 1..]].concat();
    let dims = out_shape.iter().map(|&d| d as i64).collect();
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Reshape { shape: dims },
        &[result],
    )?])
}

/// ONNX Slice (attributes before opset 10, inputs from 10): folded on a known tensor, a
/// `graph.slice` (positive steps) of a tensor computed at run time.
pub fn slice(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let input = importer.required(context, 0)?;
    let shape = importer.shape_of(&input);
    let (starts, ends, axes, steps) = if context.opset < 10 {
        let a = &context.attributes;
        (
            a.required_ints("starts")?,
            a.required_ints("ends")?,
            a.ints("axes")?,
            None,
        )
    } else {
        let list = |i, what| -> NodeResult<Option<Vec<i64>>> {
            Ok(importer
                .optional_known(context, i, what)?
                .map(|k| k.to_i64s())
                .transpose()?)
        };
        (
            known_input(importer, context, 1, "starts")?.to_i64s()?,
            known_input(importer, context, 2, "ends")?.to_i64s()?,
            list(3, "axes")?,
            list(4, "steps")?,
        )
    };
    let axes = axes.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = steps.unwrap_or_else(|| vec![1; starts.len()]);
    let mut ranges: Vec<Vec<usize>> = shape.iter().map(|&d| (0..d).collect()).collect();
    for (k, &a) in axes.iter().enumerate() {
        let a = super::axis(a, shape.len())?;
        let (start, end, step) = (starts.get(k), ends.get(k), steps.get(k));
        let (Some(&start), Some(&end), Some(&step)) = (start, end, step) else {
            return Err(Issue::Invalid(
                "starts, ends, axes and steps differ in length".into(),
            ));
        };
        ranges[a] = slice_range(shape[a] as i64, start, end, step)?;
    }
    let data = match input {
        Entry::Known(data) => data,
        runtime => {
            let op = strided_slice(&ranges)?;
            return Ok(vec![importer.emit(context, "", op, &[runtime])?]);
        }
    };
    let out_shape: Vec<usize> = ranges.iter().map(Vec::len).collect();
    let stride = strides(&shape);
    let mut flat = vec![0usize];
    for (axis, range) in ranges.iter().enumerate() {
        let step = stride[axis];
        flat = flat
            .iter()
            .flat_map(|&base| range.iter().map(move |&i| base + i * step))
            .collect();
    }
    Ok(vec![Entry::Known(pick(&data, &flat, out_shape)?)])
}

/// The `graph.slice` selecting `ranges` (the indices kept along each axis), which must be
/// ascending arithmetic progressions.
pub(super) fn strided_slice(ranges: &[Vec<usize>]) -> NodeResult<GraphOp> {
    let (mut starts, mut sizes, mut steps) = (Vec::new(), Vec::new(), Vec::new());
    for range in ranges {
        let step =
            match range.as_slice() {
                [a, b, ..] if b > a => b - a,
                [_, _, ..] => return Err(Issue::Unsupported(
                    "a slice of run-time data with a negative step (a reversal) is not supported"
                        .into(),
                )),
                _ => 1,
            };
        if range.windows(2).any(|w| w[1] != w[0] + step) {
            return Err(Issue::Invalid(format!(
                "indices {range:?} are not evenly spaced"
            )));
        }
        starts.push(range.first().copied().unwrap_or(0) as i64);
        sizes.push(range.len() as i64);
        steps.push(step as i64);
    }
    Ok(GraphOp::Slice {
        starts,
        sizes,
        steps,
    })
}

/// The indices a slice selects along one axis, with ONNX clamping rules.
fn slice_range(extent: i64, start: i64, end: i64, step: i64) -> NodeResult<Vec<usize>> {
    if step == 0 {
        return Err(Issue::Invalid("slice step 0".into()));
    }
    let resolve = |v: i64| if v < 0 { v + extent } else { v };
    let (start, end) = (
        resolve(start),
        resolve(end.clamp(i64::MIN / 2, i64::MAX / 2)),
    );
    let indices: Vec<usize> = if step > 0 {
        let (s, e) = (start.clamp(0, extent), end.clamp(0, extent));
        (s..e).step_by(step as usize).map(|i| i as usize).collect()
    } else {
        let (s, e) = (start.clamp(-1, extent - 1), end.clamp(-1, extent - 1));
        let mut out = Vec::new();
        let mut i = s;
        while i > e {
            out.push(i as usize);
            i += step;
        }
        out
    };
    Ok(indices)
}

/// ONNX Cast: on known values to float32 or an integer type; on runtime values only to float32.
pub fn cast(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let to = DataType::from_i32(context.attributes.int("to", 0)? as i32);
    let input = importer.required(context, 0)?;
    let integer = matches!(
        to,
        Some(DataType::INT64 | DataType::INT32 | DataType::INT8 | DataType::UINT8 | DataType::BOOL)
    );
    match (input, to) {
        (Entry::Known(k), Some(DataType::FLOAT)) => Ok(vec![Entry::Known(Known::F32(k.to_f32()?))]),
        (Entry::Known(k @ Known::I64 { .. }), _) if integer => Ok(vec![Entry::Known(k)]),
        (Entry::Known(Known::F32(t)), _) if integer => {
            let data = t.data().iter().map(|&v| v.trunc() as i64).collect();
            Ok(vec![Entry::Known(Known::i64s(t.shape().to_vec(), data)?)])
        }
        (value @ Entry::Value(_), Some(DataType::FLOAT)) => {
            Ok(vec![importer.emit(context, "", pim_dialects::GraphOp::Identity {}, &[value])?])
        }
        _ => Err(Issue::Unsupported(format!(
            "Cast to {to:?} of a value computed at run time is not supported (pimc computes in float32)"
        ))),
    }
}
