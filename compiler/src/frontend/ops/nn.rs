//! Network layers: Conv (pads, auto_pad, strides, dilations, groups; 1-D and 2-D), Gemm, MatMul,
//! MaxPool/AveragePool (pads, auto_pad, ceil_mode, count_include_pad), global pools,
//! BatchNormalization and LRN.

use super::super::importer::{Entry, Importer, Issue, NodeContext, NodeResult};
use super::super::known::Known;
use pim_dialects::GraphOp;
use pim_runtime::Tensor;

/// Window attributes in ONNX form, with auto_pad resolved to explicit pads.
struct WindowAttributes {
    kernel: Vec<i64>,
    strides: Vec<i64>,
    pads: Vec<i64>,
    dilations: Vec<i64>,
}

/// Reads kernel/strides/pads/dilations/auto_pad for an input of `shape` (N, C, spatial...).
fn window_attributes(
    context: &NodeContext<'_>,
    shape: &[usize],
    kernel: Vec<i64>,
) -> NodeResult<WindowAttributes> {
    let spatial = shape.len().saturating_sub(2);
    if !(1..=2).contains(&spatial) || kernel.len() != spatial {
        return Err(Issue::Unsupported(format!(
            "only 1-D and 2-D windows are supported (input shape {shape:?}, kernel {kernel:?})"
        )));
    }
    let ones = vec![1; spatial];
    let strides = context
        .attributes
        .ints("strides")?
        .unwrap_or_else(|| ones.clone());
    let dilations = context.attributes.ints("dilations")?.unwrap_or(ones);
    if strides.len() != spatial || dilations.len() != spatial {
        return Err(format!(
            "strides {strides:?} / dilations {dilations:?} do not match {spatial} spatial axes"
        )
        .into());
    }
    if strides
        .iter()
        .chain(&dilations)
        .chain(&kernel)
        .any(|&v| v < 1)
    {
        return Err(format!(
            "kernel {kernel:?}, strides {strides:?} and dilations {dilations:?} must be positive"
        )
        .into());
    }
    let auto_pad = context.attributes.string("auto_pad", "NOTSET")?;
    let pads = match auto_pad.as_str() {
        "NOTSET" => context
            .attributes
            .ints("pads")?
            .unwrap_or_else(|| vec![0; 2 * spatial]),
        "VALID" => vec![0; 2 * spatial],
        "SAME_UPPER" | "SAME_LOWER" => same_pads(
            &shape[2..],
            &kernel,
            &strides,
            &dilations,
            auto_pad == "SAME_LOWER",
        ),
        other => {
            return Err(format!(
                "auto_pad `{other}` is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER"
            )
            .into())
        }
    };
    if pads.len() != 2 * spatial || pads.iter().any(|&p| p < 0) {
        return Err(format!(
            "pads {pads:?} must hold {} non-negative values",
            2 * spatial
        )
        .into());
    }
    Ok(WindowAttributes {
        kernel,
        strides,
        pads,
        dilations,
    })
}

/// The SAME_UPPER / SAME_LOWER pads: output size ceil(input / stride), extra padding at the end
/// (upper) or the beginning (lower).
fn same_pads(
    input: &[usize],
    kernel: &[i64],
    strides: &[i64],
    dilations: &[i64],
    lower: bool,
) -> Vec<i64> {
    let totals: Vec<i64> = (0..input.len())
        .map(|i| {
            let size = input[i] as i64;
            let out = (size + strides[i] - 1) / strides[i];
            ((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size).max(0)
        })
        .collect();
    let small: Vec<i64> = totals.iter().map(|t| t / 2).collect();
    let large: Vec<i64> = totals.iter().zip(&small).map(|(t, s)| t - s).collect();
    if lower {
        [large, small].concat()
    } else {
        [small, large].concat()
    }
}

/// ONNX Conv. A missing bias becomes zeros.
pub fn conv(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let w = importer.required(context, 1)?;
    let x_shape = importer.shape_of(&x);
    let w_shape = importer.shape_of(&w);
    let kernel = match context.attributes.ints("kernel_shape")? {
        Some(kernel) => kernel,
        None => w_shape.iter().skip(2).map(|&d| d as i64).collect(),
    };
    let window = window_attributes(context, &x_shape, kernel)?;
    let out_channels = w_shape.first().copied().unwrap_or(0);
    let bias = match importer.input(context, 2)? {
        Some(bias) => bias,
        None => Entry::Known(Known::F32(Tensor::zeros(vec![out_channels]))),
    };
    let op = GraphOp::Conv {
        strides: window.strides,
        pads: window.pads,
        dilations: window.dilations,
        group: context.attributes.int("group", 1)?,
    };
    Ok(vec![importer.emit(context, "", op, &[x, w, bias])?])
}

/// ONNX Gemm. A missing C becomes zeros of shape [N].
pub fn gemm(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let a = importer.required(context, 0)?;
    let b = importer.required(context, 1)?;
    let trans_b = context.attributes.int("transB", 0)?;
    let b_shape = importer.shape_of(&b);
    let columns = if trans_b != 0 {
        b_shape.first()
    } else {
        b_shape.get(1)
    }
    .copied()
    .unwrap_or(0);
    let c = match importer.input(context, 2)? {
        Some(c) => c,
        None => Entry::Known(Known::F32(Tensor::zeros(vec![columns]))),
    };
    let op = GraphOp::Gemm {
        alpha: context.attributes.float("alpha", 1.0)?,
        beta: context.attributes.float("beta", 1.0)?,
        trans_a: context.attributes.int("transA", 0)?,
        trans_b,
    };
    Ok(vec![importer.emit(context, "", op, &[a, b, c])?])
}

/// ONNX MatMul.
pub fn matmul(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let a = importer.required(context, 0)?;
    let b = importer.required(context, 1)?;
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::MatMul {},
        &[a, b],
    )?])
}

fn pool_input(
    importer: &Importer,
    context: &NodeContext<'_>,
) -> NodeResult<(Entry, Vec<usize>, WindowAttributes)> {
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    let kernel = context.attributes.required_ints("kernel_shape")?;
    let window = window_attributes(context, &shape, kernel)?;
    Ok((x, shape, window))
}

/// ONNX MaxPool (the Indices output is not supported).
pub fn max_pool(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let (x, _, window) = pool_input(importer, context)?;
    if context.attributes.int("storage_order", 0)? != 0 {
        return Err(Issue::Unsupported(
            "storage_order = 1 (column-major indices) is not supported".into(),
        ));
    }
    let op = GraphOp::MaxPool {
        kernel: window.kernel,
        strides: window.strides,
        pads: window.pads,
        dilations: window.dilations,
        ceil_mode: context.attributes.int("ceil_mode", 0)?,
    };
    Ok(vec![importer.emit(context, "", op, &[x])?])
}

/// ONNX AveragePool.
pub fn average_pool(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let (x, _, window) = pool_input(importer, context)?;
    if window.dilations.iter().any(|&d| d != 1) {
        return Err(Issue::Unsupported(
            "AveragePool with dilations is not supported".into(),
        ));
    }
    let op = GraphOp::AveragePool {
        kernel: window.kernel,
        strides: window.strides,
        pads: window.pads,
        ceil_mode: context.attributes.int("ceil_mode", 0)?,
        count_include_pad: context.attributes.int("count_include_pad", 0)?,
    };
    Ok(vec![importer.emit(context, "", op, &[x])?])
}

/// ONNX GlobalAveragePool.
pub fn global_average_pool(
    importer: &mut Importer,
    context: &NodeContext<'_>,
) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::GlobalAveragePool {},
        &[x],
    )?])
}

/// ONNX GlobalMaxPool.
pub fn global_max_pool(
    importer: &mut Importer,
    context: &NodeContext<'_>,
) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::GlobalMaxPool {},
        &[x],
    )?])
}

/// ONNX BatchNormalization in inference mode (training outputs are not supported).
pub fn batch_norm(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    if context.attributes.int("spatial", 1)? != 1 {
        return Err(Issue::Unsupported(
            "spatial = 0 (per-activation statistics) is not supported".into(),
        ));
    }
    if context.attributes.int("training_mode", 0)? != 0 {
        return Err(Issue::Unsupported(
            "training_mode = 1 is not supported; export the model for inference".into(),
        ));
    }
    let operands = (0..5)
        .map(|i| importer.required(context, i))
        .collect::<NodeResult<Vec<_>>>()?;
    let op = GraphOp::BatchNorm {
        epsilon: context.attributes.float("epsilon", 1e-5)?,
    };
    Ok(vec![importer.emit(context, "", op, &operands)?])
}

/// ONNX LRN.
pub fn lrn(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let size = context.attributes.int("size", 0)?;
    if size < 1 {
        return Err("the required attribute `size` must be a positive integer"
            .to_owned()
            .into());
    }
    let op = GraphOp::Lrn {
        size,
        alpha: context.attributes.float("alpha", 1e-4)?,
        beta: context.attributes.float("beta", 0.75)?,
        bias: context.attributes.float("bias", 1.0)?,
    };
    Ok(vec![importer.emit(context, "", op, &[x])?])
}

/// ONNX ConvTranspose as a convolution on crossbars: the input with `stride - 1` zeros between
/// its elements along each spatial axis (a reshape that adds a unit axis after each, a pad of
/// those axes, a reshape back), padded by `dilation * (kernel - 1)` minus the transposed pads
/// (plus `output_padding` at the end; negative pads crop), convolved with stride 1 by the
/// kernel flipped and its input/output channels swapped within each group.
pub fn conv_transpose(
    importer: &mut Importer,
    context: &NodeContext<'_>,
) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let x_shape = importer.shape_of(&x);
    let weight = importer.required_known(context, 1, "weight")?.to_f32()?;
    let spatial = x_shape.len().saturating_sub(2);
    let w_shape = weight.shape().to_vec();
    let kernel: Vec<i64> = w_shape.iter().skip(2).map(|&d| d as i64).collect();
    if !(1..=2).contains(&spatial) || kernel.len() != spatial {
        return Err(Issue::Unsupported(format!(
            "only 1-D and 2-D transposed convolutions are supported (input {x_shape:?}, weight {w_shape:?})"
        )));
    }
    let group = usize::try_from(context.attributes.int("group", 1)?).unwrap_or(0);
    let cin = x_shape[1];
    if group == 0 || !cin.is_multiple_of(group) || w_shape[0] != cin {
        return Err(format!(
            "weight {w_shape:?} does not fit {cin} input channels in {group} groups"
        )
        .into());
    }
    let a = &context.attributes;
    let ones = vec![1; spatial];
    let strides = a.ints("strides")?.unwrap_or_else(|| ones.clone());
    let dilations = a.ints("dilations")?.unwrap_or_else(|| ones.clone());
    let output_padding = a
        .ints("output_padding")?
        .unwrap_or_else(|| vec![0; spatial]);
    if strides.len() != spatial
        || dilations.len() != spatial
        || output_padding.len() != spatial
        || strides.iter().chain(&dilations).any(|&v| v < 1)
    {
        return Err(format!("strides {strides:?}, dilations {dilations:?}, output_padding {output_padding:?} must be positive (padding non-negative), one per spatial axis").into());
    }
    let pads = transposed_pads(
        context,
        &x_shape[2..],
        &kernel,
        &strides,
        &dilations,
        &output_padding,
    )?;
    let mut y = zero_insert(importer, context, x, &x_shape, &strides)?;
    let inner: Vec<i64> = (0..spatial)
        .map(|i| (x_shape[2 + i] as i64 - 1) * strides[i] + 1)
        .collect();
    let grown = (x_shape[2..].iter().zip(&strides)).map(|(&n, &s)| n as i64 * s);
    let mut around = vec![0i64; 2 * (spatial + 2)];
    for (i, total) in grown.enumerate() {
        let reach = dilations[i] * (kernel[i] - 1);
        around[2 + i] = reach - pads[i];
        around[spatial + 4 + i] =
            reach - pads[spatial + i] + output_padding[i] - (total - inner[i]);
    }
    y = importer.emit(
        context,
        "/pad",
        GraphOp::Pad {
            pads: around,
            value: 0.0,
        },
        &[y],
    )?;
    let flipped = Entry::Known(Known::F32(flip_transposed(&weight, group)?));
    let cout = w_shape[1] * group;
    let bias = match importer.input(context, 2)? {
        Some(bias) => bias,
        None => Entry::Known(Known::F32(Tensor::zeros(vec![cout]))),
    };
    let op = GraphOp::Conv {
        strides: ones.clone(),
        pads: vec![0; 2 * spatial],
        dilations,
        group: group as i64,
    };
    Ok(vec![importer.emit(context, "", op, &[y, flipped, bias])?])
}

/// The pads of a transposed convolution (all begins, then all ends): from `output_shape` or
/// `auto_pad` when given, else the `pads` attribute.
fn transposed_pads(
    context: &NodeContext<'_>,
    input: &[usize],
    kernel: &[i64],
    strides: &[i64],
    dilations: &[i64],
    output_padding: &[i64],
) -> NodeResult<Vec<i64>> {
    let a = &context.attributes;
    let spatial = input.len();
    let auto_pad = a.string("auto_pad", "NOTSET")?;
    let full = |i: usize| {
        strides[i] * (input[i] as i64 - 1) + output_padding[i] + (kernel[i] - 1) * dilations[i] + 1
    };
    let wanted: Option<Vec<i64>> = match (a.ints("output_shape")?, auto_pad.as_str()) {
        (Some(shape), _) => Some(shape.iter().rev().take(spatial).rev().copied().collect()),
        (None, "SAME_UPPER" | "SAME_LOWER") => {
            Some((0..spatial).map(|i| input[i] as i64 * strides[i]).collect())
        }
        (None, "NOTSET" | "VALID") => None,
        (None, other) => {
            return Err(format!(
                "auto_pad `{other}` is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER"
            )
            .into())
        }
    };
    let Some(wanted) = wanted else {
        let pads = if auto_pad == "VALID" {
            None
        } else {
            a.ints("pads")?
        };
        let pads = pads.unwrap_or_else(|| vec![0; 2 * spatial]);
        if pads.len() != 2 * spatial || pads.iter().any(|&p| p < 0) {
            return Err(format!(
                "pads {pads:?} must hold {} non-negative values",
                2 * spatial
            )
            .into());
        }
        return Ok(pads);
    };
    let mut pads = vec![0; 2 * spatial];
    for i in 0..spatial {
        let total = full(i) - wanted.get(i).copied().unwrap_or(0);
        if total < 0 {
            return Err(format!(
                "output_shape {wanted:?} is larger than the transposed convolution gives"
            )
            .into());
        }
        let (begin, end) = if auto_pad == "SAME_UPPER" {
            (total / 2, total - total / 2)
        } else {
            (total - total / 2, total / 2)
        };
        pads[i] = begin;
        pads[spatial + i] = end;
    }
    Ok(pads)
}

/// `x` with `stride - 1` zeros after every element along each spatial axis (the trailing zeros
/// included: the caller's pad crops them).
fn zero_insert(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    x: Entry,
    shape: &[usize],
    strides: &[i64],
) -> NodeResult<Entry> {
    if strides.iter().all(|&s| s == 1) {
        return Ok(x);
    }
    let dims = |v: &[usize]| v.iter().map(|&d| d as i64).collect::<Vec<_>>();
    let mut spread = shape[..2].to_vec();
    let mut back = shape[..2].to_vec();
    for (i, &n) in shape[2..].iter().enumerate() {
        spread.extend([n, 1]);
        back.push(n * strides[i] as usize);
    }
    let x = importer.emit(
        context,
        "/spread",
        GraphOp::Reshape {
            shape: dims(&spread),
        },
        &[x],
    )?;
    let rank = spread.len();
    let mut pads = vec![0i64; 2 * rank];
    for (i, &s) in strides.iter().enumerate() {
        pads[rank + 3 + 2 * i] = s - 1;
    }
    let x = importer.emit(context, "/zeros", GraphOp::Pad { pads, value: 0.0 }, &[x])?;
    importer.emit(
        context,
        "/interleave",
        GraphOp::Reshape { shape: dims(&back) },
        &[x],
    )
}

/// A ConvTranspose weight `[Cin, Cout/g, k...]` as the conv weight `[Cout, Cin/g, k...]` of
/// the equivalent convolution: channels swapped within each group, the kernel flipped.
fn flip_transposed(weight: &Tensor, group: usize) -> NodeResult<Tensor> {
    let shape = weight.shape();
    let (cin, cout_g) = (shape[0], shape[1]);
    let taps: usize = shape[2..].iter().product();
    let cin_g = cin / group;
    let mut data = vec![0f32; weight.len()];
    for g in 0..group {
        for i in 0..cin_g {
            for o in 0..cout_g {
                for t in 0..taps {
                    let src = ((g * cin_g + i) * cout_g + o) * taps + t;
                    let dst = ((g * cout_g + o) * cin_g + i) * taps + (taps - 1 - t);
                    data[dst] = weight.data()[src];
                }
            }
        }
    }
    let out_shape = [vec![cout_g * group, cin_g], shape[2..].to_vec()].concat();
    Tensor::new(out_shape, data).ok_or_else(|| Issue::Invalid("bad ConvTranspose weight".into()))
}

/// ONNX Einsum of two operands (attention as `bhid,bhjd->bhij`): each operand transposed to
/// `[batch..., kept..., contracted...]` / `[batch..., contracted..., kept...]`, reshaped to
/// 3-D, a MatMul (crossbar layer or vector unit, as MatMul), reshaped and transposed to the
/// output's letters. Ellipses, repeated letters and letters summed out of one operand alone are
/// refused.
pub fn einsum(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let equation: String = context
        .attributes
        .string("equation", "")?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let unsupported = |why: &str| {
        Issue::Unsupported(format!(
            "Einsum `{equation}`: {why}; pimc imports two-operand products without ellipses"
        ))
    };
    let (inputs, output) = equation
        .split_once("->")
        .ok_or_else(|| unsupported("no explicit output"))?;
    let terms: Vec<Vec<char>> = inputs.split(',').map(|t| t.chars().collect()).collect();
    let out: Vec<char> = output.chars().collect();
    let [a_letters, b_letters] = terms.as_slice() else {
        return Err(unsupported("not two operands"));
    };
    let all = [a_letters.as_slice(), b_letters, &out].concat();
    if all.iter().any(|c| !c.is_ascii_alphabetic())
        || [a_letters, b_letters, &out]
            .iter()
            .any(|t| (1..t.len()).any(|i| t[..i].contains(&t[i])))
    {
        return Err(unsupported("an ellipsis or a repeated letter"));
    }
    let in_both = |c: &char| a_letters.contains(c) && b_letters.contains(c);
    let batch: Vec<char> = out.iter().copied().filter(in_both).collect();
    let contracted: Vec<char> = a_letters
        .iter()
        .copied()
        .filter(|c| in_both(c) && !out.contains(c))
        .collect();
    let a_kept: Vec<char> = a_letters.iter().copied().filter(|c| !in_both(c)).collect();
    let b_kept: Vec<char> = b_letters.iter().copied().filter(|c| !in_both(c)).collect();
    if a_kept.iter().chain(&b_kept).any(|c| !out.contains(c)) {
        return Err(unsupported("a letter summed out of one operand alone"));
    }
    let (a, b) = (
        importer.required(context, 0)?,
        importer.required(context, 1)?,
    );
    let (a_shape, b_shape) = (importer.shape_of(&a), importer.shape_of(&b));
    let size = |c: char| -> usize {
        a_letters
            .iter()
            .position(|&l| l == c)
            .map(|i| a_shape[i])
            .or_else(|| b_letters.iter().position(|&l| l == c).map(|i| b_shape[i]))
            .unwrap_or(1)
    };
    let product = |letters: &[char]| letters.iter().map(|&c| size(c)).product::<usize>();
    let arrange = |importer: &mut Importer,
                   x: Entry,
                   letters: &[char],
                   order: Vec<char>,
                   tag: &str|
     -> NodeResult<Entry> {
        let perm: Vec<i64> = order
            .iter()
            .filter_map(|c| letters.iter().position(|l| l == c))
            .map(|i| i as i64)
            .collect();
        let x = importer.emit(
            context,
            &format!("/{tag}.order"),
            GraphOp::Transpose { perm },
            &[x],
        )?;
        Ok(x)
    };
    let (nb, nm, nk, nn) = (
        product(&batch),
        product(&a_kept),
        product(&contracted),
        product(&b_kept),
    );
    let a = arrange(
        importer,
        a,
        a_letters,
        [batch.clone(), a_kept.clone(), contracted.clone()].concat(),
        "a",
    )?;
    let a = importer.emit(
        context,
        "/a.matrix",
        GraphOp::Reshape {
            shape: vec![nb as i64, nm as i64, nk as i64],
        },
        &[a],
    )?;
    let b = arrange(
        importer,
        b,
        b_letters,
        [batch.clone(), contracted.clone(), b_kept.clone()].concat(),
        "b",
    )?;
    let b = importer.emit(
        context,
        "/b.matrix",
        GraphOp::Reshape {
            shape: vec![nb as i64, nk as i64, nn as i64],
        },
        &[b],
    )?;
    let y = importer.emit(context, "/product", GraphOp::MatMul {}, &[a, b])?;
    let natural = [batch, a_kept, b_kept].concat();
    let dims = natural.iter().map(|&c| size(c) as i64).collect();
    let y = importer.emit(context, "/unfold", GraphOp::Reshape { shape: dims }, &[y])?;
    let perm: Vec<i64> = out
        .iter()
        .filter_map(|c| natural.iter().position(|l| l == c))
        .map(|i| i as i64)
        .collect();
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Transpose { perm },
        &[y],
    )?])
}
