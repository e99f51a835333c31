//! Extraction: choosing one e-node per needed e-class so that the resulting graph is cheapest under
//! the op-level cost model ([`mod@crate::cost::op_cost`]).
//!
//! [`GraphCost`] is the `egg::CostFunction` adapter over that model: the cost of an e-node is the
//! op's work (time on the target) computed from the shapes in the analysis, plus a node count as tie
//! breaker. egg's tree cost counts a shared subterm once per use, which misprices DAGs (a conv used
//! by two consumers would look twice as expensive), so extraction is in two steps:
//!
//! 1. **greedy bottom-up** ([`greedy`]): per class, the e-node of least tree cost (what
//!    `egg::Extractor` computes, here without its panics on cyclic or unextractable classes);
//! 2. **DAG refinement** ([`extract`]): with the **DAG cost** of a selection (every class reachable
//!    from the outputs counted once, [`dag_cost`]), a local search switches one class at a time to
//!    another of its e-nodes (re-choosing the classes that switch newly needs, so a new e-node can
//!    reuse what is already paid for) when that lowers the DAG cost, until no switch helps.
//!
//! This is a heuristic, not an optimal (ILP) extraction; it is exact on trees and finds the
//! sharing decisions the rules create (fold into a conv or keep a cheap op on a shared output).
//!
//! Everything iterates in class-id and e-node order, so extraction is deterministic; ties keep the
//! earlier choice.

use super::analysis::{graph_op_of, GraphEGraph};
use super::convert::post_order;
use super::language::GraphLang;
use super::RewriteError;
use crate::cost::{op_cost, OpCostModel};
use egg::{CostFunction, Id, Language};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The cost of an e-node or a selection: time on the target, then node count (prefers fewer ops
/// among equally fast graphs, e.g. without free `Identity`/`Reshape` nodes). Totally ordered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtractCost {
    /// Time units of the op-level cost model.
    pub time: f64,
    /// Number of nodes (constants included).
    pub nodes: u64,
}

impl ExtractCost {
    /// No cost (attribute leaves, inputs).
    pub const ZERO: Self = Self {
        time: 0.0,
        nodes: 0,
    };
    /// The cost of an e-node that cannot be extracted.
    pub const INFINITE: Self = Self {
        time: f64::INFINITY,
        nodes: u64::MAX,
    };

    /// Whether the cost is finite (the e-node can be extracted).
    pub fn is_finite(&self) -> bool {
        self.time.is_finite()
    }

    fn total_cmp(&self, other: &Self) -> Ordering {
        self.time
            .total_cmp(&other.time)
            .then(self.nodes.cmp(&other.nodes))
    }
}

impl PartialOrd for ExtractCost {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.total_cmp(other))
    }
}

impl std::ops::Add for ExtractCost {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self {
            time: self.time + other.time,
            nodes: self.nodes.saturating_add(other.nodes),
        }
    }
}

/// The `egg::CostFunction` adapter: per e-node, the op-level cost of the op it stands for, with the
/// shapes the analysis knows. Costs are computed once per canonical e-node at construction.
#[derive(Debug)]
pub struct GraphCost {
    node_costs: HashMap<GraphLang, ExtractCost>,
}

impl GraphCost {
    /// Prices every e-node of `egraph` (which must be rebuilt) under `model`.
    pub fn new(egraph: &GraphEGraph, model: &OpCostModel) -> Self {
        let mut node_costs = HashMap::new();
        for class in egraph.classes() {
            for node in &class.nodes {
                let cost = price(egraph, node, class.data.shape.as_deref(), model);
                node_costs.insert(node.clone().map_children(|id| egraph.find(id)), cost);
            }
        }
        Self { node_costs }
    }

    /// The cost of `node` alone (canonical children); [`ExtractCost::INFINITE`] if unknown.
    pub fn node_cost(&self, node: &GraphLang) -> ExtractCost {
        self.node_costs
            .get(node)
            .copied()
            .unwrap_or(ExtractCost::INFINITE)
    }
}

fn price(
    egraph: &GraphEGraph,
    node: &GraphLang,
    shape: Option<&[usize]>,
    model: &OpCostModel,
) -> ExtractCost {
    match node {
        GraphLang::Attrs(_) | GraphLang::Input(_) => ExtractCost::ZERO,
        GraphLang::Const(_) => ExtractCost {
            time: 0.0,
            nodes: 1,
        },
        op => {
            let (Ok(graph_op), Some(result)) = (graph_op_of(egraph, op), shape) else {
                return ExtractCost::INFINITE;
            };
            let (_, operands) = op.split_children();
            let Some(shapes) = operands
                .iter()
                .map(|&id| egraph[id].data.shape.as_deref())
                .collect::<Option<Vec<&[usize]>>>()
            else {
                return ExtractCost::INFINITE;
            };
            ExtractCost {
                time: op_cost(&graph_op, &shapes, result, model).time(model),
                nodes: 1,
            }
        }
    }
}

impl CostFunction<GraphLang> for GraphCost {
    type Cost = ExtractCost;

    /// Tree cost: the node's own cost plus its children's.
    fn cost<C>(&mut self, enode: &GraphLang, mut costs: C) -> ExtractCost
    where
        C: FnMut(Id) -> ExtractCost,
    {
        enode.fold(self.node_cost(enode), |sum, id| sum + costs(id))
    }
}

/// Per class, the e-node of least tree cost under `cost` and that cost (classes with no finite
/// choice, e.g. only cyclic e-nodes, are absent).
pub fn greedy<CF>(egraph: &GraphEGraph, cost: &mut CF) -> BTreeMap<Id, (ExtractCost, GraphLang)>
where
    CF: CostFunction<GraphLang, Cost = ExtractCost>,
{
    let mut ids: Vec<Id> = egraph.classes().map(|c| c.id).collect();
    ids.sort();
    let mut best: BTreeMap<Id, (ExtractCost, GraphLang)> = BTreeMap::new();
    // Each pass settles at least one more class or lowers a cost; the bound is a safety net.
    for _ in 0..=ids.len() {
        let mut changed = false;
        for &id in &ids {
            for node in &egraph[id].nodes {
                let c = cost.cost(node, |child| {
                    best.get(&egraph.find(child))
                        .map_or(ExtractCost::INFINITE, |(c, _)| *c)
                });
                if !c.is_finite() {
                    continue;
                }
                // Exact ties go to the e-node first in `GraphLang` order, whatever order the
                // classes settled in.
                let better = best.get(&id).is_none_or(|(old, old_node)| {
                    c.total_cmp(old).then_with(|| node.cmp(old_node)) == Ordering::Less
                });
                if better {
                    best.insert(id, (c, node.clone()));
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    best
}

/// The DAG cost of a selection: the cost of every class reachable from `roots`, each counted once.
pub fn dag_cost(
    egraph: &GraphEGraph,
    choice: &BTreeMap<Id, GraphLang>,
    roots: &[Id],
    cost: &GraphCost,
) -> Result<ExtractCost, String> {
    let order = post_order(egraph, choice, roots)?;
    Ok(order
        .iter()
        .filter_map(|class| choice.get(class))
        .fold(ExtractCost::ZERO, |sum, node| sum + cost.node_cost(node)))
}

/// Most refinement passes over the selection (each pass tries every alternative e-node once).
const REFINEMENT_PASSES: usize = 8;

/// The alternatives to a class's current choice: its other e-nodes with a finite cost whose
/// operands all have a choice.
fn alternatives(
    egraph: &GraphEGraph,
    choice: &BTreeMap<Id, GraphLang>,
    cost: &GraphCost,
    class: Id,
) -> Vec<GraphLang> {
    egraph[class]
        .nodes
        .iter()
        .map(|n| n.clone().map_children(|c| egraph.find(c)))
        .filter(|n| choice.get(&class) != Some(n) && cost.node_cost(n).is_finite())
        .filter(|n| n.children().iter().all(|c| choice.contains_key(c)))
        .collect()
}

/// Switches `class` to `node` in a copy of `choice`, then re-chooses the classes that the switch
/// newly makes reachable (children first), each to its alternative that lowers the DAG cost, so
/// that a new e-node can use what the rest of the graph already pays for (e.g. a `Mul` on a conv
/// output that another consumer needs anyway instead of a second, folded conv). Returns the trial
/// selection and its DAG cost, or `None` if it is invalid (a cycle).
fn trial_switch(
    egraph: &GraphEGraph,
    choice: &BTreeMap<Id, GraphLang>,
    roots: &[Id],
    cost: &GraphCost,
    class: Id,
    node: GraphLang,
) -> Option<(BTreeMap<Id, GraphLang>, ExtractCost)> {
    let before: BTreeSet<Id> = post_order(egraph, choice, roots)
        .ok()?
        .into_iter()
        .collect();
    let mut trial = choice.clone();
    trial.insert(class, node);
    let mut trial_cost = dag_cost(egraph, &trial, roots, cost).ok()?;
    let newly: Vec<Id> = post_order(egraph, &trial, roots)
        .ok()?
        .into_iter()
        .filter(|c| !before.contains(c))
        .collect();
    for reached in newly {
        for alternative in alternatives(egraph, &trial, cost, reached) {
            let previous = trial.insert(reached, alternative);
            match dag_cost(egraph, &trial, roots, cost) {
                Ok(c) if c.total_cmp(&trial_cost) == Ordering::Less => trial_cost = c,
                _ => {
                    if let Some(previous) = previous {
                        trial.insert(reached, previous);
                    }
                }
            }
        }
    }
    Some((trial, trial_cost))
}

/// Chooses an e-node for every class the outputs need: greedy tree-cost choice, then DAG-cost local
/// search (a trial switch per alternative e-node of every needed class, taking strict
/// improvements). Returns the choice (canonical class to canonical e-node) and its DAG cost.
pub fn extract(
    egraph: &GraphEGraph,
    roots: &[Id],
    model: &OpCostModel,
) -> Result<(BTreeMap<Id, GraphLang>, ExtractCost), RewriteError> {
    let mut cost_fn = GraphCost::new(egraph, model);
    let mut choice: BTreeMap<Id, GraphLang> = greedy(egraph, &mut cost_fn)
        .into_iter()
        .map(|(id, (_, node))| (id, node.map_children(|c| egraph.find(c))))
        .collect();
    let roots: Vec<Id> = roots.iter().map(|&r| egraph.find(r)).collect();
    let mut best = dag_cost(egraph, &choice, &roots, &cost_fn).map_err(RewriteError::Internal)?;
    for _ in 0..REFINEMENT_PASSES {
        let mut improved = false;
        let order = post_order(egraph, &choice, &roots).map_err(RewriteError::Internal)?;
        for class in order {
            for node in alternatives(egraph, &choice, &cost_fn, class) {
                if let Some((trial, c)) =
                    trial_switch(egraph, &choice, &roots, &cost_fn, class, node)
                {
                    if c.total_cmp(&best) == Ordering::Less {
                        choice = trial;
                        best = c;
                        improved = true;
                    }
                }
            }
        }
        if !improved {
            break;
        }
    }
    Ok((choice, best))
}
