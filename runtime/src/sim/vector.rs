//! The vector unit: every non-pooling `vop` evaluated with the reference kernels on the `count x
//! len` groups of its operands (pooling is in `window.rs`). Parameters come from the constants
//! table: scalars for `leaky_relu`/`elu`/`clip`, one value per group element (or one for all) for
//! `prelu`/`bias`/`scale`, LRN parameters for `lrn`; `matmul` reads an `n x len` `b` and writes
//! `count x n` results.

use super::window::tensor;
use super::Fault;
use crate::container::ConstValue;
use crate::isa::VOp;
use crate::kernels::{self, BinaryOp, UnaryOp};
use crate::Tensor;

/// The operands of one non-pooling `vop`: `count` groups of `len` elements of `a` (and `b` for
/// the binary ops), and its constants-table entry.
pub(crate) struct Groups<'a> {
    /// Elements per group.
    pub len: usize,
    /// Groups.
    pub count: usize,
    /// First operand, `count * len` elements.
    pub a: Vec<f32>,
    /// Second operand (binary ops), `count * len` elements; empty otherwise.
    pub b: Vec<f32>,
    /// The entry `param` points to, if it exists.
    pub param: Option<(u32, &'a ConstValue)>,
}

impl Groups<'_> {
    /// The operand `data` as a `[count, len]` tensor.
    fn matrix(&self, data: Vec<f32>, what: &str) -> Result<Tensor, Fault> {
        tensor(vec![self.count, self.len], data, what)
    }

    /// The floats of the parameter entry.
    fn floats(&self) -> Result<&[f32], Fault> {
        match self.param {
            Some((_, ConstValue::Floats(v))) => Ok(v),
            Some((index, other)) => {
                Err(constant(index, format!("is {}, not floats", other.kind())))
            }
            None => Err(Fault::Malformed(
                "the op's param is not in the constants table".into(),
            )),
        }
    }

    /// Parameter float `i`.
    fn scalar(&self, i: usize) -> Result<f32, Fault> {
        let floats = self.floats()?;
        floats.get(i).copied().ok_or_else(|| {
            constant(
                self.index(),
                format!("has {} floats, the op reads float {i}", floats.len()),
            )
        })
    }

    /// The per-element parameter: `len` floats or one for all, as a tensor that broadcasts
    /// over `[count, len]`.
    fn per_element(&self) -> Result<Tensor, Fault> {
        let floats = self.floats()?.to_vec();
        if floats.len() != 1 && floats.len() != self.len {
            return Err(constant(
                self.index(),
                format!(
                    "has {} floats, expected 1 or len = {}",
                    floats.len(),
                    self.len
                ),
            ));
        }
        tensor(vec![floats.len()], floats, "per-element parameter")
    }

    fn index(&self) -> u32 {
        self.param.map_or(0, |(i, _)| i)
    }
}

fn constant(index: u32, message: String) -> Fault {
    Fault::Constant { index, message }
}

/// The activation function of `op`, with its parameters.
fn unary_op(op: VOp, g: &Groups) -> Result<Option<UnaryOp>, Fault> {
    Ok(Some(match op {
        VOp::Relu => UnaryOp::Relu,
        VOp::LeakyRelu => UnaryOp::LeakyRelu {
            alpha: g.scalar(0)?,
        },
        VOp::Elu => UnaryOp::Elu {
            alpha: g.scalar(0)?,
        },
        VOp::Clip => UnaryOp::Clip {
            min: g.scalar(0)?,
            max: g.scalar(1)?,
        },
        VOp::Sigmoid => UnaryOp::Sigmoid,
        VOp::Tanh => UnaryOp::Tanh,
        VOp::Exp => UnaryOp::Exp,
        VOp::Log => UnaryOp::Log,
        VOp::Abs => UnaryOp::Abs,
        VOp::Erf => UnaryOp::Erf,
        VOp::Softplus => UnaryOp::Softplus,
        VOp::Pow => UnaryOp::Pow {
            exponent: g.scalar(0)?,
        },
        _ => return Ok(None),
    }))
}

/// The arithmetic of a binary `op`.
fn binary_op(op: VOp) -> Option<BinaryOp> {
    match op {
        VOp::Add => Some(BinaryOp::Add),
        VOp::Sub => Some(BinaryOp::Sub),
        VOp::Mul => Some(BinaryOp::Mul),
        VOp::Div => Some(BinaryOp::Div),
        VOp::Max => Some(BinaryOp::Max),
        VOp::Min => Some(BinaryOp::Min),
        _ => None,
    }
}

/// Evaluates the non-pooling `op` on `g`; returns the `count * len` results.
pub(crate) fn evaluate(op: VOp, mut g: Groups) -> Result<Vec<f32>, Fault> {
    let (mut a, b) = (std::mem::take(&mut g.a), std::mem::take(&mut g.b));
    // The activations and same-shape arithmetic element by element in place, with the kernels'
    // scalar arithmetic (`apply`): what `kernels::unary` / `kernels::binary` compute, without
    // their copies.
    // The commonest ops get a loop of their own (the op a constant: vectorised).
    if let Some(f) = unary_op(op, &g)? {
        match f {
            UnaryOp::Relu => a.iter_mut().for_each(|x| *x = UnaryOp::Relu.apply(*x)),
            f => a.iter_mut().for_each(|x| *x = f.apply(*x)),
        }
        return Ok(a);
    }
    match binary_op(op) {
        Some(f) if a.len() == b.len() && a.len() == g.len * g.count => {
            let pairs = a.iter_mut().zip(&b);
            match f {
                BinaryOp::Add => pairs.for_each(|(x, &y)| *x = BinaryOp::Add.apply(*x, y)),
                f => pairs.for_each(|(x, &y)| *x = f.apply(*x, y)),
            }
            return Ok(a);
        }
        _ => {}
    }
    let x = g.matrix(a, "operand a")?;
    if op == VOp::Matmul {
        return matmul(&x, b, &g);
    }
    if let Some(f) = binary_op(op) {
        let b = g.matrix(b, "operand b")?;
        return Ok(kernels::binary(f, &x, &b)?.data().to_vec());
    }
    let y = match op {
        VOp::Prelu => kernels::prelu(&x, &g.per_element()?)?,
        VOp::Bias => kernels::binary(BinaryOp::Add, &x, &g.per_element()?)?,
        VOp::Scale => kernels::binary(BinaryOp::Mul, &x, &g.per_element()?)?,
        // `fill` reads no operand: `x` is zeros.
        VOp::Fill => kernels::binary(BinaryOp::Add, &x, &g.per_element()?)?,
        VOp::Softmax => kernels::softmax(&x, -1)?,
        VOp::LogSoftmax => kernels::log_softmax(&x, -1)?,
        VOp::Lrn => lrn(&x, &g)?,
        VOp::Norm => kernels::normalize(&x, &[1], g.scalar(0)?)?,
        _ => return Err(Fault::Malformed(format!("{op} is not an element-wise op"))),
    };
    Ok(y.data().to_vec())
}

/// `x` (`count x len`) times the transpose of `b` (`n x len`, `n` the parameter).
fn matmul(x: &Tensor, b: Vec<f32>, g: &Groups) -> Result<Vec<f32>, Fault> {
    let n = g.scalar(0)? as usize;
    let b = tensor(vec![n, g.len], b, "operand b")?;
    let bt = kernels::transpose(&b, &[1, 0])?;
    Ok(kernels::matmul(x, &bt)?.data().to_vec())
}

/// ONNX LRN across each group of `len` channels.
fn lrn(x: &Tensor, g: &Groups) -> Result<Tensor, Fault> {
    match g.param {
        Some((_, ConstValue::Lrn(p))) => {
            Ok(kernels::lrn(x, p.size as usize, p.alpha, p.beta, p.bias)?)
        }
        Some((index, other)) => Err(constant(index, format!("is {}, not lrn", other.kind()))),
        None => Err(Fault::Malformed(
            "lrn's param is not in the constants table".into(),
        )),
    }
}
