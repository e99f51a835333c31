//! `pim-rewrite-graph`: equality saturation over the graph with the law-named rules of
//! [`crate::rewrite`], then extraction of the cheapest equivalent graph under the target's op cost
//! model.
//! Option `rules=a,b,...` restricts the rules (each rule's lit test uses it); `rules=none` only
//! deduplicates and removes dead nodes.
//!
//! ```text
//! %c = "graph.conv"(%x, %w, %b) ...
//! %y = "graph.batch_norm"(%c, %s, %t, %m, %v) {epsilon = 1.0e-05 : f32} ...
//! // becomes one conv with folded weights and bias:
//! %y = "graph.conv"(%x, %w2, %b2) ...
//! ```

use super::{pass_error, wrong_level, Ir, PassContext};
use crate::cost::OpCostModel;
use crate::rewrite::{self, RuleSelection};
use crate::Result;

/// The pass flag.
pub const FLAG: &str = "pim-rewrite-graph";

/// Runs the pass with its options (`rules=name,name`; none: all rules).
pub fn run(ir: Ir, options: &str, context: &PassContext) -> Result<Ir> {
    let Ir::Graph(graph) = ir else {
        return Err(wrong_level(FLAG, &ir, "graph"));
    };
    let selection = match options.strip_prefix("rules=") {
        Some(list) => RuleSelection::parse(list).map_err(|e| pass_error(FLAG, e.to_string()))?,
        None if options.is_empty() => RuleSelection::All,
        None => {
            return Err(pass_error(
                FLAG,
                format!("unknown option `{options}`; expected rules=all|none|name,name,..."),
            ))
        }
    };
    let model = OpCostModel::from_target(&context.target);
    let (rewritten, _report) =
        rewrite::rewrite_with_model(&graph, &selection, &rewrite::Limits::default(), &model)
            .map_err(|e| pass_error(FLAG, e.to_string()))?;
    Ok(Ir::Graph(rewritten))
}
