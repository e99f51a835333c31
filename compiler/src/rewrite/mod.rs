//! Phase `graph`: graph rewrites by equality saturation (egg).
//!
//! [`rewrite`] loads a `Func<GraphOp>` into an e-graph (one e-class per value, module `convert`),
//! runs the selected law-named rules of [`rules`] to saturation or to the node/iteration limits, and
//! extracts the cheapest equivalent function under the op-level cost model ([`extract`],
//! [`mod@crate::cost::op_cost`]). The result keeps only nodes the outputs need, keeps the original
//! names of surviving nodes, and names new nodes after what they came from (`conv1+bn1`).
//!
//! - [`language`]: the one `define_language!` ([`GraphLang`]), with attribute and constant leaves;
//! - [`analysis`]: per-class shape / constant / attribute facts and the side tables;
//! - [`rules`]: the rule table (name, law, conditions, patterns, appliers);
//! - `fold`: the tensor arithmetic of folding rules;
//! - `convert`: `Func<GraphOp>` to e-graph and back;
//! - [`extract`]: the `CostFunction` adapter and DAG-aware extraction.
//!
//! The output is deterministic: limits are counts (no wall-clock limit unless asked for), tables are
//! ordered, and extraction breaks ties by class and e-node order.

pub mod analysis;
mod convert;
pub mod extract;
mod fold;
pub mod language;
pub mod rules;

#[cfg(test)]
mod tests;

pub use analysis::{ClassData, GraphAnalysis, GraphEGraph};
pub use extract::{ExtractCost, GraphCost};
pub use language::{AttrId, GraphLang, InputId, TensorId};
pub use rules::RuleInfo;

use crate::cost::{graph_cost, OpCostModel};
use pim_dialects::{Func, GraphOp};
use std::time::Duration;

/// Why rewriting failed.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// A rule name that is not in the rule table.
    #[error("unknown rewrite rule `{name}`; valid rules: {valid}")]
    UnknownRule {
        /// The name given.
        name: String,
        /// Every valid name, comma-separated.
        valid: String,
    },
    /// The input function is malformed (operands out of range or used before definition, wrong
    /// operand count).
    #[error("node `{node}`: {message}")]
    InvalidGraph {
        /// The node (or port) name.
        node: String,
        /// What is wrong.
        message: String,
    },
    /// A node's declared shape is not the shape its op gives on its operands.
    #[error("node `{node}`: {message}; run shape inference (phase `onnx`) again before rewriting")]
    Shape {
        /// The node name.
        node: String,
        /// The shapes involved.
        message: String,
    },
    /// A bug in a rule or in extraction (please report, with the input IR).
    #[error("internal error in graph rewriting (please report with the input IR): {0}")]
    Internal(String),
}

/// Which rules to run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RuleSelection {
    /// Every rule of the table.
    #[default]
    All,
    /// Only these rules (by name).
    Only(Vec<String>),
}

impl RuleSelection {
    /// Only the named rules.
    pub fn only<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::Only(names.into_iter().map(Into::into).collect())
    }

    /// Parses a command-line list: `all`, or comma-separated rule names (`none` or empty selects
    /// no rule: the function is only deduplicated and cleaned of dead nodes).
    pub fn parse(list: &str) -> Result<Self, RewriteError> {
        let list = list.trim();
        if list == "all" {
            return Ok(Self::All);
        }
        if list.is_empty() || list == "none" {
            return Ok(Self::Only(Vec::new()));
        }
        let selection = Self::only(list.split(',').map(str::trim));
        selection.rules()?;
        Ok(selection)
    }

    /// The selected rules in table order; an error names the first unknown name.
    fn rules(&self) -> Result<Vec<&'static rules::Rule>, RewriteError> {
        match self {
            Self::All => Ok(rules::RULES.iter().collect()),
            Self::Only(names) => {
                if let Some(unknown) = names
                    .iter()
                    .find(|n| !rules::RULES.iter().any(|r| r.info.name == n.as_str()))
                {
                    return Err(RewriteError::UnknownRule {
                        name: unknown.clone(),
                        valid: rule_names().join(", "),
                    });
                }
                Ok(rules::RULES
                    .iter()
                    .filter(|r| names.iter().any(|n| n == r.info.name))
                    .collect())
            }
        }
    }
}

/// Limits of equality saturation. Counts, not time, so that the result is deterministic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most rewrite iterations (every rule matched and applied once per iteration).
    pub iterations: usize,
    /// Most e-nodes in the e-graph; saturation stops once exceeded.
    pub nodes: usize,
    /// Optional wall-clock limit. `None` (the default) keeps the output deterministic; with a limit,
    /// a slow machine may stop earlier and extract a different (still equivalent) graph.
    pub time: Option<Duration>,
}

impl Default for Limits {
    /// 32 iterations, 200 000 e-nodes, no wall-clock limit. The rules only shrink or reorder the
    /// graph, so real networks saturate in a handful of iterations well below these.
    fn default() -> Self {
        Self {
            iterations: 32,
            nodes: 200_000,
            time: None,
        }
    }
}

/// What rewriting did.
#[derive(Debug, Clone, PartialEq)]
pub struct RewriteReport {
    /// Iterations run.
    pub iterations: usize,
    /// Why saturation stopped: `saturated`, `iteration limit`, `node limit`, `time limit`.
    pub stop_reason: String,
    /// E-nodes in the final e-graph.
    pub egraph_nodes: usize,
    /// E-classes in the final e-graph.
    pub egraph_classes: usize,
    /// Per selected rule (table order), how many times it added an equality.
    pub applied: Vec<(&'static str, usize)>,
    /// Nodes before (including dead nodes) and after.
    pub nodes_before: usize,
    /// Nodes of the result.
    pub nodes_after: usize,
    /// Op-level cost (time units) of the input function, dead nodes included.
    pub cost_before: f64,
    /// Op-level cost of the result.
    pub cost_after: f64,
}

/// Every rule name, in table order.
pub fn rule_names() -> Vec<&'static str> {
    rules::RULES.iter().map(|r| r.info.name).collect()
}

/// Every rule's name, law and conditions, in table order (for docs and `--help`).
pub fn rule_table() -> Vec<RuleInfo> {
    rules::RULES.iter().map(|r| r.info).collect()
}

/// Rewrites `func` with the selected rules under the default cost model (compact-4x4).
pub fn rewrite(
    func: &Func<GraphOp>,
    selection: &RuleSelection,
    limits: &Limits,
) -> Result<(Func<GraphOp>, RewriteReport), RewriteError> {
    rewrite_with_model(func, selection, limits, &OpCostModel::default())
}

/// Rewrites `func` with the selected rules, extracting under `model`.
pub fn rewrite_with_model(
    func: &Func<GraphOp>,
    selection: &RuleSelection,
    limits: &Limits,
    model: &OpCostModel,
) -> Result<(Func<GraphOp>, RewriteReport), RewriteError> {
    let selected = selection.rules()?;
    let rewrites = rules::build(&selected)?;
    let loaded = convert::load(func)?;
    let runner = egg::Runner::<GraphLang, GraphAnalysis, ()>::new(GraphAnalysis::default())
        .with_egraph(loaded.egraph)
        .with_iter_limit(limits.iterations)
        .with_node_limit(limits.nodes)
        .with_time_limit(limits.time.unwrap_or(Duration::MAX))
        .with_hook(|runner| {
            analysis::canonicalize_names(&mut runner.egraph);
            Ok(())
        })
        .run(&rewrites);
    let stop_reason = match &runner.stop_reason {
        Some(egg::StopReason::Saturated) | None => "saturated".to_owned(),
        Some(egg::StopReason::IterationLimit(_)) => "iteration limit".to_owned(),
        Some(egg::StopReason::NodeLimit(_)) => "node limit".to_owned(),
        Some(egg::StopReason::TimeLimit(_)) => "time limit".to_owned(),
        Some(egg::StopReason::Other(message)) => message.clone(),
    };
    let mut applied: Vec<(&'static str, usize)> =
        selected.iter().map(|r| (r.info.name, 0)).collect();
    for iteration in &runner.iterations {
        for (name, count) in &iteration.applied {
            let base = name.as_str().split('/').next().unwrap_or_default();
            if let Some(entry) = applied.iter_mut().find(|(n, _)| *n == base) {
                entry.1 += count;
            }
        }
    }
    let iterations = runner.iterations.len();
    let mut egraph = runner.egraph;
    egraph.rebuild();
    let errors = egraph.analysis.take_errors();
    if !errors.is_empty() {
        return Err(RewriteError::Internal(errors.join("; ")));
    }
    let (choice, _) = extract::extract(&egraph, &loaded.roots, model)?;
    let result = convert::extract_func(&mut egraph, &choice, &loaded.roots, func)?;
    let report = RewriteReport {
        iterations,
        stop_reason,
        egraph_nodes: egraph.total_number_of_nodes(),
        egraph_classes: egraph.number_of_classes(),
        applied,
        nodes_before: func.nodes.len(),
        nodes_after: result.nodes.len(),
        cost_before: graph_cost(func, model).time(model),
        cost_after: graph_cost(&result, model).time(model),
    };
    Ok((result, report))
}
