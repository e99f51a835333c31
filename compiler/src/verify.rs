//! Semantic verification of typed IR read from text (`pimc-opt`), beyond what IRDL checks: every
//! op's result shape must be what its operands and attributes give, and attributes must hold values
//! the op understands. Passes can then rely on well-formed IR and never panic on hand-written input.

use crate::graph::semantics::infer_shape;
use crate::{Error, Result};
use pim_dialects::{Func, GraphOp, Node, PimOp};

fn invalid<O>(node: &Node<O>, message: impl Into<String>) -> Error {
    Error::Shape {
        node: node.name.clone(),
        message: message.into(),
    }
}

/// Checks every graph op's result shape against shape inference.
pub fn verify_graph(func: &Func<GraphOp>) -> Result<()> {
    for node in &func.nodes {
        let operands: Vec<&[usize]> = node.operands.iter().map(|&v| func.shape(v)).collect();
        let inferred = infer_shape(&node.op, &operands).map_err(|m| invalid(node, m))?;
        if inferred != func.shape(node.result) {
            return Err(invalid(
                node,
                format!(
                    "result type has shape {:?}, but the op gives {inferred:?}",
                    func.shape(node.result)
                ),
            ));
        }
    }
    Ok(())
}

/// Checks the layer-level ops: weight matrices match their `rows`/`cols`/`group`, kinds are known,
/// and vector-unit ops keep shapes where they must.
pub fn verify_pim(func: &Func<PimOp>) -> Result<()> {
    for node in &func.nodes {
        let shape = |index: usize| node.operands.get(index).map_or(&[][..], |&v| func.shape(v));
        match &node.op {
            PimOp::Mvm {
                kind,
                kernel,
                group,
                rows,
                cols,
                ..
            } => {
                let expected = [*group, *rows, *cols].map(|d| usize::try_from(d).unwrap_or(0));
                if shape(1) != expected || expected.contains(&0) {
                    return Err(invalid(
                        node,
                        format!(
                            "weight shape {:?} is not [group, rows, cols] = {expected:?}",
                            shape(1)
                        ),
                    ));
                }
                if !matches!(kind.as_str(), "conv" | "fc") || (kind == "conv") == kernel.is_empty()
                {
                    return Err(invalid(node, format!("kind `{kind}` with kernel {kernel:?}: expected conv with a kernel or fc without")));
                }
                if shape(2) != [expected[0] * expected[2]] {
                    return Err(invalid(
                        node,
                        format!("bias shape {:?} is not [group * cols]", shape(2)),
                    ));
                }
            }
            PimOp::Act { kind, .. } if !crate::functions::KINDS.contains(&kind.as_str()) => {
                return Err(invalid(node, format!("unknown activation `{kind}`")));
            }
            PimOp::Binary { kind }
                if !["add", "sub", "mul", "div", "max", "min"].contains(&kind.as_str()) =>
            {
                return Err(invalid(node, format!("unknown elementwise op `{kind}`")));
            }
            PimOp::Pool { kind, .. } if !["max", "avg"].contains(&kind.as_str()) => {
                return Err(invalid(node, format!("unknown pooling `{kind}`")));
            }
            PimOp::Act { .. } | PimOp::Softmax { .. } | PimOp::Lrn { .. }
                if shape(0) != func.shape(node.result) =>
            {
                return Err(invalid(
                    node,
                    "a vector-unit op must keep its operand's shape",
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
