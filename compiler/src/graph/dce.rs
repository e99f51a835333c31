//! Dead-code elimination for any typed function: keeps the nodes the outputs depend on and renumbers
//! values densely (IRDL ops carry no side-effect information, so MLIR's own DCE cannot remove them).

use pim_dialects::{Func, ValueId};

/// Removes every node whose result does not reach an output, and compacts the value numbering.
pub fn eliminate_dead_code<O: Clone>(func: &Func<O>) -> Func<O> {
    let mut live = vec![false; func.shapes.len()];
    for port in &func.outputs {
        live[port.value] = true;
    }
    for node in func.nodes.iter().rev() {
        if live[node.result] {
            for &operand in &node.operands {
                live[operand] = true;
            }
        }
    }
    let mut renumbered: Vec<Option<ValueId>> = vec![None; func.shapes.len()];
    let mut result = Func::new(func.name.clone());
    for port in &func.inputs {
        renumbered[port.value] =
            Some(result.add_input(port.name.clone(), func.shape(port.value).to_vec()));
    }
    let map = |renumbered: &[Option<ValueId>], v: ValueId| renumbered[v].unwrap_or(v);
    for node in func.nodes.iter().filter(|n| live[n.result]) {
        let operands = node.operands.iter().map(|&v| map(&renumbered, v)).collect();
        let value = result.push(
            node.name.clone(),
            node.op.clone(),
            operands,
            func.shape(node.result).to_vec(),
        );
        renumbered[node.result] = Some(value);
    }
    result.outputs = func
        .outputs
        .iter()
        .map(|p| pim_dialects::Port {
            name: p.name.clone(),
            value: map(&renumbered, p.value),
        })
        .collect();
    result
}
