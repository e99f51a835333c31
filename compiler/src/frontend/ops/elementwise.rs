//! Elementwise ops: Add/Sub/Mul/Div (numpy broadcasting, and the opset < 7 `broadcast`/`axis` form),
//! Sum, Max, Min, the activations and the other elementwise functions (`graph.unary`: Exp, Log,
//! Sqrt, Erf, Gelu, HardSwish, Pow with a constant exponent, ...), Clip (attribute and input forms), Softmax/LogSoftmax (opset < 13
//! coerce-to-2-D and opset >= 13 single-axis semantics).

use super::super::importer::{Entry, Importer, Issue, NodeContext, NodeResult};
use super::super::known::Known;
use pim_dialects::GraphOp;

/// Imports a binary op, aligning the right operand at `axis` for the legacy broadcast form.
fn binary(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    op: GraphOp,
) -> NodeResult<Vec<Entry>> {
    let lhs = importer.required(context, 0)?;
    let mut rhs = importer.required(context, 1)?;
    if context.opset < 7
        && context.attributes.int("broadcast", 0)? == 1
        && context.attributes.has("axis")
    {
        let lhs_rank = importer.shape_of(&lhs).len();
        let rhs_shape = importer.shape_of(&rhs);
        let start = super::axis(context.attributes.int("axis", 0)?, lhs_rank)?;
        let trailing = lhs_rank.saturating_sub(start + rhs_shape.len());
        let aligned: Vec<i64> = rhs_shape
            .iter()
            .map(|&d| d as i64)
            .chain(std::iter::repeat_n(1, trailing))
            .collect();
        rhs = importer.emit(
            context,
            "/align",
            GraphOp::Reshape { shape: aligned },
            &[rhs],
        )?;
    }
    Ok(vec![importer.emit(context, "", op, &[lhs, rhs])?])
}

/// ONNX Add.
pub fn add(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    binary(i, c, GraphOp::Add {})
}

/// ONNX Sub.
pub fn sub(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    binary(i, c, GraphOp::Sub {})
}

/// ONNX Mul.
pub fn mul(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    binary(i, c, GraphOp::Mul {})
}

/// ONNX Div.
pub fn div(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    binary(i, c, GraphOp::Div {})
}

/// ONNX Sum: a chain of broadcasting adds.
pub fn sum(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    chain(importer, context, GraphOp::Add {})
}

fn unary(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    op: GraphOp,
) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    Ok(vec![importer.emit(context, "", op, &[x])?])
}

/// ONNX Relu.
pub fn relu(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    unary(i, c, GraphOp::Relu {})
}

/// ONNX Sigmoid.
pub fn sigmoid(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    unary(i, c, GraphOp::Sigmoid {})
}

/// ONNX Tanh.
pub fn tanh(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    unary(i, c, GraphOp::Tanh {})
}

/// ONNX LeakyRelu (alpha defaults to 0.01).
pub fn leaky_relu(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let alpha = c.attributes.float("alpha", 0.01)?;
    unary(i, c, GraphOp::LeakyRelu { alpha })
}

/// ONNX Elu (alpha defaults to 1).
pub fn elu(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let alpha = c.attributes.float("alpha", 1.0)?;
    unary(i, c, GraphOp::Elu { alpha })
}

/// ONNX PRelu. Before opset 7 a 1-D slope of one value per channel applies along axis 1 (it is
/// reshaped to `[C, 1, ...]` for the numpy broadcasting of later opsets).
pub fn prelu(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let mut slope = importer.required(context, 1)?;
    let (x_shape, s_shape) = (importer.shape_of(&x), importer.shape_of(&slope));
    if context.opset < 7
        && x_shape.len() > 2
        && s_shape.len() == 1
        && s_shape.first() == x_shape.get(1)
    {
        let per_channel: Vec<i64> = std::iter::once(s_shape[0] as i64)
            .chain(std::iter::repeat_n(1, x_shape.len() - 2))
            .collect();
        let op = GraphOp::Reshape { shape: per_channel };
        slope = importer.emit(context, "/slope", op, &[slope])?;
    }
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::PRelu {},
        &[x, slope],
    )?])
}

/// ONNX Clip: bounds are attributes before opset 11 and optional constant inputs from opset 11.
pub fn clip(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let (min, max) = if context.opset < 11 {
        (
            context.attributes.float("min", f32::NEG_INFINITY)?,
            context.attributes.float("max", f32::INFINITY)?,
        )
    } else {
        let bound = |index, what, default| -> NodeResult<f32> {
            match importer.optional_known(context, index, what)? {
                None => Ok(default),
                Some(known) => scalar(&known, what),
            }
        };
        (
            bound(1, "min", f32::NEG_INFINITY)?,
            bound(2, "max", f32::INFINITY)?,
        )
    };
    unary(importer, context, GraphOp::Clip { min, max })
}

fn scalar(known: &Known, what: &str) -> NodeResult<f32> {
    let tensor = known.to_f32()?;
    match tensor.data() {
        [value] => Ok(*value),
        _ => Err(format!("{what} must be a scalar, got shape {:?}", tensor.shape()).into()),
    }
}

/// ONNX Softmax.
pub fn softmax(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    softmax_like(i, c, |axis| GraphOp::Softmax { axis })
}

/// ONNX LogSoftmax.
pub fn log_softmax(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    softmax_like(i, c, |axis| GraphOp::LogSoftmax { axis })
}

/// Before opset 13 the input is coerced to 2-D at `axis` (default 1) and normalised over the
/// second dimension; from opset 13 it is normalised along `axis` (default -1) alone.
fn softmax_like(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    make: fn(i64) -> GraphOp,
) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let shape = importer.shape_of(&x);
    if context.opset >= 13 {
        let axis = context.attributes.int("axis", -1)?;
        super::axis(axis, shape.len())?;
        return unary(importer, context, make(axis));
    }
    let axis = super::axis(context.attributes.int("axis", 1)?, shape.len())?;
    if axis + 1 == shape.len() {
        return unary(importer, context, make(-1));
    }
    let rows: usize = shape[..axis].iter().product();
    let cols: usize = shape[axis..].iter().product();
    let flat = importer.emit(
        context,
        "/flatten",
        GraphOp::Reshape {
            shape: vec![rows as i64, cols as i64],
        },
        &[x],
    )?;
    let normalized = importer.emit(context, "/normalize", make(1), &[flat])?;
    let back = shape.iter().map(|&d| d as i64).collect();
    Ok(vec![importer.emit(
        context,
        "",
        GraphOp::Reshape { shape: back },
        &[normalized],
    )?])
}

/// A `graph.unary` function of `kind`.
fn function(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    kind: &str,
    alpha: f32,
    beta: f32,
) -> NodeResult<Vec<Entry>> {
    let op = GraphOp::Unary {
        kind: kind.into(),
        alpha,
        beta,
    };
    unary(importer, context, op)
}

macro_rules! functions {
    ($($(#[$doc:meta])* $name:ident => $kind:literal),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
                function(i, c, $kind, 0.0, 0.0)
            }
        )*
    };
}

functions! {
    /// ONNX Exp.
    exp => "exp",
    /// ONNX Log.
    log => "log",
    /// ONNX Sqrt.
    sqrt => "sqrt",
    /// ONNX Abs.
    abs => "abs",
    /// ONNX Neg.
    neg => "neg",
    /// ONNX Reciprocal.
    reciprocal => "reciprocal",
    /// ONNX Erf.
    erf => "erf",
    /// ONNX Softplus.
    softplus => "softplus",
    /// ONNX Softsign.
    softsign => "softsign",
    /// ONNX HardSwish.
    hard_swish => "hard_swish",
    /// ONNX Mish.
    mish => "mish",
}

/// ONNX Gelu (opset 20): `approximate` = "none" (erf) or "tanh".
pub fn gelu(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let approximate = match context.attributes.string("approximate", "none")?.as_str() {
        "none" => 0.0,
        "tanh" => 1.0,
        other => {
            return Err(format!("approximate `{other}` is not one of none, tanh").into());
        }
    };
    function(importer, context, "gelu", approximate, 0.0)
}

/// ONNX HardSigmoid (alpha 0.2, beta 0.5 by default).
pub fn hard_sigmoid(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let alpha = context.attributes.float("alpha", 0.2)?;
    let beta = context.attributes.float("beta", 0.5)?;
    function(importer, context, "hard_sigmoid", alpha, beta)
}

/// ONNX Selu (alpha and gamma default to the self-normalising constants).
pub fn selu(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let alpha = context.attributes.float("alpha", 1.673_263_2)?;
    let gamma = context.attributes.float("gamma", 1.050_701)?;
    function(importer, context, "selu", alpha, gamma)
}

/// ONNX Pow with a constant scalar exponent (a run-time or per-element exponent is refused).
pub fn pow(importer: &mut Importer, context: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    let x = importer.required(context, 0)?;
    let y = importer.required(context, 1)?;
    let Entry::Known(k) = &y else {
        return Err(Issue::Unsupported(
            "Pow with an exponent computed at run time is not supported; the vector unit raises to a constant power".into(),
        ));
    };
    let values = k.to_f32()?;
    let exponent = match values.data().first() {
        Some(&e) if values.data().iter().all(|v| v.to_bits() == e.to_bits()) => e,
        _ => {
            return Err(Issue::Unsupported(
                "Pow with an exponent that varies per element is not supported; the vector unit raises to one constant power".into(),
            ))
        }
    };
    let shape = importer.shape_of(&x);
    let out_shape = pim_runtime::kernels::broadcast_shapes(&shape, &importer.shape_of(&y))
        .map_err(|e| e.to_string())?;
    if out_shape != shape {
        return Err(format!(
            "the exponent of shape {:?} would broadcast the base {shape:?}",
            importer.shape_of(&y)
        )
        .into());
    }
    let op = GraphOp::Unary {
        kind: "pow".into(),
        alpha: exponent,
        beta: 0.0,
    };
    Ok(vec![importer.emit(context, "", op, &[x])?])
}

/// A variadic op as a left-to-right chain of two-operand `op`s (one input: the identity).
fn chain(
    importer: &mut Importer,
    context: &NodeContext<'_>,
    op: GraphOp,
) -> NodeResult<Vec<Entry>> {
    let count = context.node.input.len();
    let mut total = importer.required(context, 0)?;
    if count == 1 {
        return Ok(vec![importer.emit(
            context,
            "",
            GraphOp::Identity {},
            &[total],
        )?]);
    }
    for index in 1..count {
        let next = importer.required(context, index)?;
        let suffix = if index + 1 == count {
            String::new()
        } else {
            format!("/{}{index}", pim_dialects::DialectOp::mnemonic(&op))
        };
        total = importer.emit(context, &suffix, op.clone(), &[total, next])?;
    }
    Ok(vec![total])
}

/// ONNX Max (variadic, broadcasting).
pub fn max(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    chain(i, c, GraphOp::Max {})
}

/// ONNX Min (variadic, broadcasting).
pub fn min(i: &mut Importer, c: &NodeContext<'_>) -> NodeResult<Vec<Entry>> {
    chain(i, c, GraphOp::Min {})
}
