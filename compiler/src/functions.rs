//! The elementwise functions of `graph.unary` and `pim.act` (exp, log, sqrt, erf, GELU,
//! HardSwish, SiLU, ...): one table says, for each kind, how the vector unit computes it as a
//! sequence of `vop`s on a chunk of elements (`a`) and one scratch region (`b`). The back end
//! emits that sequence, the cost model counts its element ops, and graph-level evaluation
//! (constant folding, the in-repo reference) runs it on the reference kernels, so the three
//! cannot disagree. The activations with graph ops of their own (`relu`, `sigmoid`, ...) are
//! one-step entries of the same table.

use pim_runtime::isa::VOp;
use pim_runtime::kernels::{self, BinaryOp, UnaryOp};
use pim_runtime::Tensor;

/// A region of one chunk: the operand/result (`A`) or the scratch copy (`B`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// The activation, loaded from and stored back to DRAM.
    A,
    /// Scratch of the same size.
    B,
}

/// One `vop` of a function's sequence: `dst = op(src[, B])` with its parameter floats.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The vector-unit op.
    pub op: VOp,
    /// Where the result goes.
    pub dst: Reg,
    /// The first operand.
    pub src: Reg,
    /// Its parameter (scalars; empty for none).
    pub param: Vec<f32>,
}

fn step(op: VOp, dst: Reg, src: Reg, param: &[f32]) -> Step {
    Step {
        op,
        dst,
        src,
        param: param.to_vec(),
    }
}

/// `dst = dst op B`: the binary ops of a sequence always combine `A` with `B`.
fn combine(op: VOp, dst: Reg) -> Step {
    step(op, dst, Reg::A, &[])
}

/// Every `pim.act` kind, for messages and checks.
pub const KINDS: &[&str] = &[
    "relu",
    "leaky_relu",
    "elu",
    "clip",
    "sigmoid",
    "tanh",
    "exp",
    "log",
    "sqrt",
    "abs",
    "neg",
    "reciprocal",
    "erf",
    "pow",
    "softplus",
    "softsign",
    "gelu",
    "hard_sigmoid",
    "hard_swish",
    "selu",
    "mish",
    "silu",
];

/// The `vop` sequence of function `kind` with parameters `alpha`, `beta`; `None` for an
/// unknown kind. Binary steps read `A` and `B`.
pub fn steps(kind: &str, alpha: f32, beta: f32) -> Option<Vec<Step>> {
    use Reg::{A, B};
    let one = |op: VOp, param: &[f32]| vec![step(op, A, A, param)];
    Some(match kind {
        "relu" => one(VOp::Relu, &[]),
        "leaky_relu" => one(VOp::LeakyRelu, &[alpha]),
        "elu" => one(VOp::Elu, &[alpha]),
        "clip" => one(VOp::Clip, &[alpha, beta]),
        "sigmoid" => one(VOp::Sigmoid, &[]),
        "tanh" => one(VOp::Tanh, &[]),
        "exp" => one(VOp::Exp, &[]),
        "log" => one(VOp::Log, &[]),
        "sqrt" => one(VOp::Pow, &[0.5]),
        "abs" => one(VOp::Abs, &[]),
        "neg" => one(VOp::Scale, &[-1.0]),
        "reciprocal" => one(VOp::Pow, &[-1.0]),
        "erf" => one(VOp::Erf, &[]),
        "pow" => one(VOp::Pow, &[alpha]),
        "softplus" => one(VOp::Softplus, &[]),
        // x / (1 + |x|)
        "softsign" => vec![
            step(VOp::Abs, B, A, &[]),
            step(VOp::Bias, B, B, &[1.0]),
            combine(VOp::Div, A),
        ],
        // 0.5 x (1 + erf(x / sqrt 2))
        "gelu" if alpha == 0.0 => vec![
            step(VOp::Scale, B, A, &[std::f32::consts::FRAC_1_SQRT_2]),
            step(VOp::Erf, B, B, &[]),
            step(VOp::Bias, B, B, &[1.0]),
            combine(VOp::Mul, A),
            step(VOp::Scale, A, A, &[0.5]),
        ],
        // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
        "gelu" => vec![
            step(VOp::Pow, B, A, &[3.0]),
            step(VOp::Scale, B, B, &[0.044715]),
            combine(VOp::Add, B),
            step(VOp::Scale, B, B, &[(2.0 / std::f32::consts::PI).sqrt()]),
            step(VOp::Tanh, B, B, &[]),
            step(VOp::Bias, B, B, &[1.0]),
            combine(VOp::Mul, A),
            step(VOp::Scale, A, A, &[0.5]),
        ],
        // max(0, min(1, alpha x + beta))
        "hard_sigmoid" => vec![
            step(VOp::Scale, A, A, &[alpha]),
            step(VOp::Bias, A, A, &[beta]),
            step(VOp::Clip, A, A, &[0.0, 1.0]),
        ],
        // x * hard_sigmoid(x; 1/6, 1/2)
        "hard_swish" => vec![
            step(VOp::Scale, B, A, &[1.0 / 6.0]),
            step(VOp::Bias, B, B, &[0.5]),
            step(VOp::Clip, B, B, &[0.0, 1.0]),
            combine(VOp::Mul, A),
        ],
        // gamma * elu(x; alpha)
        "selu" => vec![
            step(VOp::Elu, A, A, &[alpha]),
            step(VOp::Scale, A, A, &[beta]),
        ],
        // x * tanh(softplus(x))
        "mish" => vec![
            step(VOp::Softplus, B, A, &[]),
            step(VOp::Tanh, B, B, &[]),
            combine(VOp::Mul, A),
        ],
        // x * sigmoid(x)
        "silu" => vec![step(VOp::Sigmoid, B, A, &[]), combine(VOp::Mul, A)],
        _ => return None,
    })
}

/// Element ops of one `vop` per element (an op being one compare/add/multiply of the vector
/// unit): the runtime's count, which its timing simulator charges (4 for the transcendental
/// ones, exp-based: `docs/cost-model.md` §2; 1 otherwise).
pub fn vop_ops(op: VOp) -> u64 {
    pim_runtime::sim::timing::unary_ops(op)
}

/// Element ops per element of function `kind` (1 for an unknown kind).
pub fn ops_per_element(kind: &str) -> u64 {
    steps(kind, 0.0, 1.0).map_or(1, |s| s.iter().map(|s| vop_ops(s.op)).sum())
}

/// Whether the sequence of `kind` uses the scratch region `B`.
pub fn needs_scratch(steps: &[Step]) -> bool {
    steps.iter().any(|s| s.dst == Reg::B)
}

/// The unary function of a one-operand `vop` (with its parameter).
fn unary_of(op: VOp, p: &[f32]) -> Option<UnaryOp> {
    let at = |i: usize| p.get(i).copied().unwrap_or(0.0);
    Some(match op {
        VOp::Relu => UnaryOp::Relu,
        VOp::LeakyRelu => UnaryOp::LeakyRelu { alpha: at(0) },
        VOp::Elu => UnaryOp::Elu { alpha: at(0) },
        VOp::Clip => UnaryOp::Clip {
            min: at(0),
            max: at(1),
        },
        VOp::Sigmoid => UnaryOp::Sigmoid,
        VOp::Tanh => UnaryOp::Tanh,
        VOp::Exp => UnaryOp::Exp,
        VOp::Log => UnaryOp::Log,
        VOp::Abs => UnaryOp::Abs,
        VOp::Erf => UnaryOp::Erf,
        VOp::Softplus => UnaryOp::Softplus,
        VOp::Pow => UnaryOp::Pow { exponent: at(0) },
        _ => return None,
    })
}

/// Function `kind` applied to every element of `x`, by running its sequence on the reference
/// kernels (the vector unit's arithmetic).
pub fn evaluate(kind: &str, alpha: f32, beta: f32, x: &Tensor) -> Result<Tensor, String> {
    let sequence =
        steps(kind, alpha, beta).ok_or_else(|| format!("unknown elementwise function `{kind}`"))?;
    let (mut a, mut b) = (x.clone(), x.clone());
    for s in &sequence {
        let src = if s.src == Reg::A { &a } else { &b };
        let at = |i: usize| s.param.get(i).copied().unwrap_or(0.0);
        let value = if let Some(f) = unary_of(s.op, &s.param) {
            kernels::unary(f, src)
        } else {
            let binary = |op, rhs: &Tensor| kernels::binary(op, src, rhs);
            match s.op {
                VOp::Scale => binary(BinaryOp::Mul, &Tensor::scalar(at(0))),
                VOp::Bias => binary(BinaryOp::Add, &Tensor::scalar(at(0))),
                VOp::Add => binary(BinaryOp::Add, &b),
                VOp::Mul => binary(BinaryOp::Mul, &b),
                VOp::Div => binary(BinaryOp::Div, &b),
                other => return Err(format!("`{other}` in the sequence of `{kind}`")),
            }
            .map_err(|e| e.to_string())?
        };
        match s.dst {
            Reg::A => a = value,
            Reg::B => b = value,
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(kind: &str, alpha: f32, beta: f32, x: f32) -> f32 {
        evaluate(kind, alpha, beta, &Tensor::scalar(x))
            .map(|t| t.data()[0])
            .unwrap_or(f32::NAN)
    }

    #[test]
    fn sequences_compute_the_onnx_functions() {
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-6 * (1.0 + b.abs());
        for x in [-3.0f32, -0.7, 0.0, 0.4, 2.5] {
            let sig = 1.0 / (1.0 + (-x).exp());
            let sp = (1.0 + x.exp()).ln();
            assert!(close(at("silu", 0.0, 0.0, x), x * sig));
            assert!(close(at("softsign", 0.0, 0.0, x), x / (1.0 + x.abs())));
            assert!(close(at("mish", 0.0, 0.0, x), x * sp.tanh()));
            let hs = (x / 6.0 + 0.5).clamp(0.0, 1.0);
            assert!(close(at("hard_swish", 0.0, 0.0, x), x * hs));
            assert!(close(
                at("hard_sigmoid", 0.2, 0.5, x),
                (0.2 * x + 0.5).clamp(0.0, 1.0)
            ));
            let gelu = 0.5 * x * (1.0 + libm_erf(x / 2f32.sqrt()));
            assert!(close(at("gelu", 0.0, 0.0, x), gelu), "{x}");
            assert!(close(at("sqrt", 0.0, 0.0, x.abs()), x.abs().sqrt()));
            assert!(close(
                at("reciprocal", 0.0, 0.0, x + 10.0),
                1.0 / (x + 10.0)
            ));
        }
        assert!(evaluate("swish", 0.0, 0.0, &Tensor::scalar(1.0)).is_err());
        assert_eq!(ops_per_element("relu"), 1);
        assert_eq!(ops_per_element("silu"), 5);
    }

    fn libm_erf(x: f32) -> f32 {
        kernels::unary(UnaryOp::Erf, &Tensor::scalar(x)).data()[0]
    }
}
