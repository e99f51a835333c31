//! [`GraphLang`]: the `graph` dialect as an egg language.
//!
//! Every op of [`GraphOp`] is one e-node kind whose children are its operands, preceded by one
//! **attribute leaf** child when the op has attributes (`(conv ?attrs ?x ?w ?b)`). Attribute leaves
//! ([`AttrId`]) and constant leaves ([`TensorId`]) index side tables held by the analysis
//! ([`super::analysis::GraphAnalysis`]), so e-nodes stay small and hashable and tensors never enter
//! the e-graph; function inputs are leaves too ([`InputId`], the port index). Two ops with equal
//! attributes share one attribute leaf, so hash-consing still merges equal ops.

use egg::{define_language, Id};
use pim_dialects::GraphOp;
use std::{fmt, str::FromStr};

macro_rules! leaf_id {
    ($(#[$meta:meta])* $name:ident = $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub usize);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.strip_prefix($prefix)
                    .and_then(|n| n.parse().ok())
                    .map(Self)
                    .ok_or_else(|| format!(concat!("not a ", $prefix, " leaf: {}"), s))
            }
        }
    };
}

leaf_id!(
    /// Index of a constant tensor in the analysis's tensor table (prints as `tensor3`).
    TensorId = "tensor"
);
leaf_id!(
    /// Index of an op's attributes in the analysis's attribute table (prints as `attrs3`).
    AttrId = "attrs"
);
leaf_id!(
    /// Index of a function input port (prints as `input0`).
    InputId = "input"
);

define_language! {
    /// The `graph` dialect as an egg language. Ops with attributes take their attribute leaf as the
    /// first child: `conv`, `gemm`, `leaky_relu`, `elu`, `clip`, `softmax`, `log_softmax`,
    /// `max_pool`, `average_pool`, `batch_norm`, `lrn`, `concat`, `flatten`, `reshape`, `transpose`,
    /// `pad`. Leaves: `Const` (a constant tensor), `Attrs` (op attributes), `Input` (a function
    /// argument). Variants mirror [`GraphOp`]'s and are named like them.
    ///
    /// The variant order is the derived `Ord`, which egg uses to order an e-class's e-nodes and
    /// extraction uses to break exact cost ties: canonical forms come first (`reshape` before
    /// `flatten`).
    #[allow(missing_docs)]
    pub enum GraphLang {
        "conv" = Conv([Id; 4]),
        "gemm" = Gemm([Id; 4]),
        "matmul" = MatMul([Id; 2]),
        // A fused elementwise function is the canonical form of the ops it replaces (it wins
        // exact cost ties: `fuse-erf-gelu`, `fuse-silu`).
        "unary" = Unary([Id; 2]),
        "add" = Add([Id; 2]),
        "sub" = Sub([Id; 2]),
        "mul" = Mul([Id; 2]),
        "div" = Div([Id; 2]),
        "relu" = Relu(Id),
        "leaky_relu" = LeakyRelu([Id; 2]),
        "prelu" = PRelu([Id; 2]),
        "elu" = Elu([Id; 2]),
        "clip" = Clip([Id; 2]),
        "sigmoid" = Sigmoid(Id),
        "tanh" = Tanh(Id),
        "softmax" = Softmax([Id; 2]),
        "log_softmax" = LogSoftmax([Id; 2]),
        "max_pool" = MaxPool([Id; 2]),
        "average_pool" = AveragePool([Id; 2]),
        "global_average_pool" = GlobalAveragePool(Id),
        "global_max_pool" = GlobalMaxPool(Id),
        "batch_norm" = BatchNorm([Id; 6]),
        "lrn" = Lrn([Id; 2]),
        "concat" = Concat([Id; 3]),
        "reshape" = Reshape([Id; 2]),
        "flatten" = Flatten([Id; 2]),
        "transpose" = Transpose([Id; 2]),
        "pad" = Pad([Id; 2]),
        "identity" = Identity(Id),
        "max" = Max([Id; 2]),
        "min" = Min([Id; 2]),
        "reduce" = Reduce([Id; 2]),
        "norm" = Norm([Id; 2]),
        "slice" = Slice([Id; 2]),
        "expand" = Expand([Id; 2]),
        Const(TensorId),
        Attrs(AttrId),
        Input(InputId),
    }
}

/// Whether `op` is represented with an attribute leaf (it has attributes).
pub fn has_attrs(op: &GraphOp) -> bool {
    !matches!(
        op,
        GraphOp::Constant { .. }
            | GraphOp::MatMul {}
            | GraphOp::Add {}
            | GraphOp::Sub {}
            | GraphOp::Mul {}
            | GraphOp::Div {}
            | GraphOp::Relu {}
            | GraphOp::PRelu {}
            | GraphOp::Sigmoid {}
            | GraphOp::Tanh {}
            | GraphOp::GlobalAveragePool {}
            | GraphOp::GlobalMaxPool {}
            | GraphOp::Identity {}
            | GraphOp::Max {}
            | GraphOp::Min {}
    )
}

fn array<const N: usize>(ids: &[Id], op: &str) -> Result<[Id; N], String> {
    ids.try_into()
        .map_err(|_| format!("{op} takes {N} children in the e-graph, got {}", ids.len()))
}

fn with_attrs<const N: usize>(
    attrs: Option<Id>,
    operands: &[Id],
    op: &str,
) -> Result<[Id; N], String> {
    let attrs = attrs.ok_or_else(|| format!("{op} needs an attribute leaf"))?;
    let ids: Vec<Id> = std::iter::once(attrs)
        .chain(operands.iter().copied())
        .collect();
    array(&ids, op)
}

fn single(operands: &[Id], op: &str) -> Result<Id, String> {
    array::<1>(operands, op).map(|[x]| x)
}

impl GraphLang {
    /// The e-node of a non-constant `op` with attribute leaf `attrs` (required exactly when
    /// [`has_attrs`]) and operand classes `operands`.
    pub fn from_graph_op(op: &GraphOp, attrs: Option<Id>, operands: &[Id]) -> Result<Self, String> {
        let name = pim_dialects::DialectOp::mnemonic(op);
        let node = match op {
            GraphOp::Constant { .. } => {
                return Err("constants are `Const` leaves, not op e-nodes".into())
            }
            GraphOp::Conv { .. } => Self::Conv(with_attrs(attrs, operands, name)?),
            GraphOp::Gemm { .. } => Self::Gemm(with_attrs(attrs, operands, name)?),
            GraphOp::MatMul {} => Self::MatMul(array(operands, name)?),
            GraphOp::Add {} => Self::Add(array(operands, name)?),
            GraphOp::Sub {} => Self::Sub(array(operands, name)?),
            GraphOp::Mul {} => Self::Mul(array(operands, name)?),
            GraphOp::Div {} => Self::Div(array(operands, name)?),
            GraphOp::Relu {} => Self::Relu(single(operands, name)?),
            GraphOp::LeakyRelu { .. } => Self::LeakyRelu(with_attrs(attrs, operands, name)?),
            GraphOp::PRelu {} => Self::PRelu(array(operands, name)?),
            GraphOp::Elu { .. } => Self::Elu(with_attrs(attrs, operands, name)?),
            GraphOp::Clip { .. } => Self::Clip(with_attrs(attrs, operands, name)?),
            GraphOp::Sigmoid {} => Self::Sigmoid(single(operands, name)?),
            GraphOp::Tanh {} => Self::Tanh(single(operands, name)?),
            GraphOp::Softmax { .. } => Self::Softmax(with_attrs(attrs, operands, name)?),
            GraphOp::LogSoftmax { .. } => Self::LogSoftmax(with_attrs(attrs, operands, name)?),
            GraphOp::MaxPool { .. } => Self::MaxPool(with_attrs(attrs, operands, name)?),
            GraphOp::AveragePool { .. } => Self::AveragePool(with_attrs(attrs, operands, name)?),
            GraphOp::GlobalAveragePool {} => Self::GlobalAveragePool(single(operands, name)?),
            GraphOp::GlobalMaxPool {} => Self::GlobalMaxPool(single(operands, name)?),
            GraphOp::BatchNorm { .. } => Self::BatchNorm(with_attrs(attrs, operands, name)?),
            GraphOp::Lrn { .. } => Self::Lrn(with_attrs(attrs, operands, name)?),
            GraphOp::Concat { .. } => Self::Concat(with_attrs(attrs, operands, name)?),
            GraphOp::Flatten { .. } => Self::Flatten(with_attrs(attrs, operands, name)?),
            GraphOp::Reshape { .. } => Self::Reshape(with_attrs(attrs, operands, name)?),
            GraphOp::Transpose { .. } => Self::Transpose(with_attrs(attrs, operands, name)?),
            GraphOp::Pad { .. } => Self::Pad(with_attrs(attrs, operands, name)?),
            GraphOp::Identity {} => Self::Identity(single(operands, name)?),
            GraphOp::Unary { .. } => Self::Unary(with_attrs(attrs, operands, name)?),
            GraphOp::Max {} => Self::Max(array(operands, name)?),
            GraphOp::Min {} => Self::Min(array(operands, name)?),
            GraphOp::Reduce { .. } => Self::Reduce(with_attrs(attrs, operands, name)?),
            GraphOp::Norm { .. } => Self::Norm(with_attrs(attrs, operands, name)?),
            GraphOp::Slice { .. } => Self::Slice(with_attrs(attrs, operands, name)?),
            GraphOp::Expand { .. } => Self::Expand(with_attrs(attrs, operands, name)?),
        };
        Ok(node)
    }

    /// Splits an op e-node's children into its attribute leaf (if the op has attributes) and its
    /// operands. Leaves have neither.
    pub fn split_children(&self) -> (Option<Id>, &[Id]) {
        match self {
            Self::Conv(c) | Self::Gemm(c) => (Some(c[0]), &c[1..]),
            Self::BatchNorm(c) => (Some(c[0]), &c[1..]),
            Self::Concat(c) => (Some(c[0]), &c[1..]),
            Self::LeakyRelu(c)
            | Self::Elu(c)
            | Self::Clip(c)
            | Self::Softmax(c)
            | Self::LogSoftmax(c)
            | Self::MaxPool(c)
            | Self::AveragePool(c)
            | Self::Lrn(c)
            | Self::Flatten(c)
            | Self::Reshape(c)
            | Self::Transpose(c)
            | Self::Pad(c)
            | Self::Unary(c)
            | Self::Reduce(c)
            | Self::Norm(c)
            | Self::Slice(c)
            | Self::Expand(c) => (Some(c[0]), &c[1..]),
            Self::MatMul(c)
            | Self::Add(c)
            | Self::Sub(c)
            | Self::Mul(c)
            | Self::Div(c)
            | Self::PRelu(c)
            | Self::Max(c)
            | Self::Min(c) => (None, &c[..]),
            Self::Relu(x)
            | Self::Sigmoid(x)
            | Self::Tanh(x)
            | Self::GlobalAveragePool(x)
            | Self::GlobalMaxPool(x)
            | Self::Identity(x) => (None, std::slice::from_ref(x)),
            Self::Const(_) | Self::Attrs(_) | Self::Input(_) => (None, &[]),
        }
    }

    /// Whether this is a leaf (constant, attributes or input) rather than an op.
    pub fn is_leaf(&self) -> bool {
        matches!(self, Self::Const(_) | Self::Attrs(_) | Self::Input(_))
    }

    /// The [`GraphOp`] of a non-constant op e-node, given the op held by its attribute leaf (when it
    /// has one).
    pub fn to_graph_op(&self, attrs: Option<&GraphOp>) -> Result<GraphOp, String> {
        let unit = match self {
            Self::MatMul(_) => GraphOp::MatMul {},
            Self::Add(_) => GraphOp::Add {},
            Self::Sub(_) => GraphOp::Sub {},
            Self::Mul(_) => GraphOp::Mul {},
            Self::Div(_) => GraphOp::Div {},
            Self::Relu(_) => GraphOp::Relu {},
            Self::PRelu(_) => GraphOp::PRelu {},
            Self::Sigmoid(_) => GraphOp::Sigmoid {},
            Self::Tanh(_) => GraphOp::Tanh {},
            Self::GlobalAveragePool(_) => GraphOp::GlobalAveragePool {},
            Self::GlobalMaxPool(_) => GraphOp::GlobalMaxPool {},
            Self::Identity(_) => GraphOp::Identity {},
            Self::Max(_) => GraphOp::Max {},
            Self::Min(_) => GraphOp::Min {},
            Self::Const(_) | Self::Attrs(_) | Self::Input(_) => {
                return Err(format!("leaf `{self}` is not an op"));
            }
            _ => {
                let op = attrs.ok_or_else(|| format!("`{self}` has no attributes"))?;
                let mnemonic = pim_dialects::DialectOp::mnemonic(op);
                if mnemonic != self.to_string() {
                    return Err(format!("`{self}` carries attributes of `{mnemonic}`"));
                }
                return Ok(op.clone());
            }
        };
        Ok(unit)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use egg::RecExpr;
    use pim_dialects::DialectOp;

    #[test]
    fn leaves_print_and_parse() {
        assert_eq!(TensorId(3).to_string(), "tensor3");
        assert_eq!("attrs12".parse::<AttrId>(), Ok(AttrId(12)));
        assert!("relu".parse::<InputId>().is_err());
        let expr: Result<RecExpr<GraphLang>, _> =
            "(relu (conv attrs0 input0 tensor0 tensor1))".parse();
        assert!(expr.is_ok());
    }

    #[test]
    fn every_op_round_trips_through_an_enode() {
        let attrs = Some(Id::from(100));
        let ops = [
            GraphOp::Conv {
                strides: vec![],
                pads: vec![],
                dilations: vec![],
                group: 1,
            },
            GraphOp::Relu {},
            GraphOp::Add {},
            GraphOp::Concat { axis: 1 },
            GraphOp::BatchNorm { epsilon: 1e-5 },
            GraphOp::Identity {},
        ];
        for op in ops {
            let arity = op.arity().0;
            let operands: Vec<Id> = (0..arity).map(Id::from).collect();
            let with = has_attrs(&op).then_some(attrs).flatten();
            let node = GraphLang::from_graph_op(&op, with, &operands).expect("valid op");
            let (a, rest) = node.split_children();
            assert_eq!(a, with);
            assert_eq!(rest, &operands[..]);
            assert_eq!(node.to_graph_op(Some(&op)).expect("same op"), op);
            assert_eq!(node.to_string(), op.mnemonic());
        }
        let conv = GraphLang::Conv([0.into(), 1.into(), 2.into(), 3.into()]);
        assert!(conv
            .to_graph_op(Some(&GraphOp::Flatten { axis: 1 }))
            .is_err());
        assert!(GraphLang::from_graph_op(&GraphOp::Relu {}, None, &[]).is_err());
    }
}
