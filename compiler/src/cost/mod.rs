//! pimc's cost model. For now the op-level part ([`mod@op_cost`]): the analytic work of one graph-level
//! op on the target, which graph rewriting extracts with. The full model over scheduled programs
//! (segments, pipelines, DRAM traffic, energy, area; `DESIGN.md` §7) builds on these counts and
//! parametrises them from the target TOML.

pub mod op_cost;

pub use op_cost::{op_cost, CrossbarGeometry, OpCost, OpCostModel};

use pim_dialects::{Func, GraphOp};

/// The summed op-level work of every node of `func` (dead nodes included: run dead-code
/// elimination first to cost only what the outputs need).
pub fn graph_cost(func: &Func<GraphOp>, model: &OpCostModel) -> OpCost {
    func.nodes
        .iter()
        .map(|node| {
            let operands: Vec<&[usize]> = node
                .operands
                .iter()
                .map(|&v| func.shapes.get(v).map_or(&[][..], Vec::as_slice))
                .collect();
            let result = func.shapes.get(node.result).map_or(&[][..], Vec::as_slice);
            op_cost(&node.op, &operands, result, model)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_cost_sums_nodes() {
        let mut func = Func::new("main");
        let x = func.add_input("x", vec![1, 4, 2, 2]);
        let r = func.push("relu", GraphOp::Relu {}, vec![x], vec![1, 4, 2, 2]);
        let s = func.push("sigmoid", GraphOp::Sigmoid {}, vec![r], vec![1, 4, 2, 2]);
        func.outputs.push(pim_dialects::Port {
            name: "y".into(),
            value: s,
        });
        let cost = graph_cost(&func, &OpCostModel::default());
        assert_eq!(
            cost.vector_elements,
            16 + 16 * op_cost::TRANSCENDENTAL_OPS as u64
        );
    }
}
