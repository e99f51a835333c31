//! Whole-function evaluation of a `Func<GraphOp>` on the reference kernels: the in-repo reference that
//! rewrites and lowering are checked against (onnxruntime checks the importer itself).

use super::{semantics::evaluate_op, Graph};
use crate::{Error, Result};
use pim_runtime::Tensor;

/// Runs `func` on `inputs` (one tensor per input port, in order) and returns its outputs.
pub fn evaluate(func: &Graph, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
    if inputs.len() != func.inputs.len() {
        return Err(Error::Usage(format!(
            "`{}` takes {} inputs, {} given",
            func.name,
            func.inputs.len(),
            inputs.len()
        )));
    }
    let mut values: Vec<Option<Tensor>> = vec![None; func.shapes.len()];
    for (port, tensor) in func.inputs.iter().zip(inputs) {
        if tensor.shape() != func.shape(port.value) {
            return Err(Error::Shape {
                node: port.name.clone(),
                message: format!(
                    "input has shape {:?}, expected {:?}",
                    tensor.shape(),
                    func.shape(port.value)
                ),
            });
        }
        values[port.value] = Some(tensor.clone());
    }
    for node in &func.nodes {
        let operands = node
            .operands
            .iter()
            .map(|&v| values[v].as_ref())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::Shape {
                node: node.name.clone(),
                message: "uses a value before it is computed".into(),
            })?;
        let result = evaluate_op(&node.op, &operands).map_err(|message| Error::Shape {
            node: node.name.clone(),
            message,
        })?;
        values[node.result] = Some(result);
    }
    func.outputs
        .iter()
        .map(|port| {
            values[port.value].clone().ok_or_else(|| Error::Shape {
                node: port.name.clone(),
                message: "output is never computed".into(),
            })
        })
        .collect()
}
