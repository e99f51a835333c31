//! Conversion between `Func<GraphOp>` and the e-graph: every value of the function becomes one
//! e-class (DAG sharing is preserved, and equal subterms are merged by hash-consing), and a chosen
//! e-node per reachable class becomes a function again, in a deterministic topological order,
//! with shapes from the analysis and node names from the name table.

use super::analysis::{canonicalize_names, GraphAnalysis, GraphEGraph};
use super::language::{has_attrs, GraphLang, InputId};
use super::RewriteError;
use egg::{Id, Language};
use pim_dialects::{DialectOp, Func, GraphOp, Port, ValueId};
use std::collections::{BTreeMap, BTreeSet};

/// A function loaded into an e-graph.
pub(crate) struct Loaded {
    /// The e-graph with one class per value.
    pub egraph: GraphEGraph,
    /// The class of each output port, in port order.
    pub roots: Vec<Id>,
}

fn invalid(node: &str, message: impl Into<String>) -> RewriteError {
    RewriteError::InvalidGraph {
        node: node.to_owned(),
        message: message.into(),
    }
}

/// Loads `func` into a fresh e-graph, checking that every node's declared shape is the one shape
/// inference gives.
pub(crate) fn load(func: &Func<GraphOp>) -> Result<Loaded, RewriteError> {
    let mut analysis = GraphAnalysis::default();
    let mut classes: Vec<Option<Id>> = vec![None; func.shapes.len()];
    for port in &func.inputs {
        let shape = func.shapes.get(port.value).ok_or_else(|| {
            invalid(
                &port.name,
                format!("input value {} has no shape", port.value),
            )
        })?;
        analysis.input_shapes.push(shape.clone());
    }
    let mut egraph = GraphEGraph::new(analysis);
    for (index, port) in func.inputs.iter().enumerate() {
        let node = GraphLang::Input(InputId(index));
        let id = egraph.add(node.clone());
        egraph.analysis.record_name(node, port.name.clone(), true);
        classes[port.value] = Some(id);
    }
    for node in &func.nodes {
        let declared = func.shapes.get(node.result).ok_or_else(|| {
            invalid(
                &node.name,
                format!("result value {} has no shape", node.result),
            )
        })?;
        if node.op.arity().0 != node.operands.len() {
            return Err(invalid(
                &node.name,
                format!(
                    "`{}` does not take {} operands",
                    node.op.op_name(),
                    node.operands.len()
                ),
            ));
        }
        let operands = node
            .operands
            .iter()
            .map(|&v| {
                classes.get(v).copied().flatten().ok_or_else(|| {
                    invalid(&node.name, format!("uses value {v} before it is defined"))
                })
            })
            .collect::<Result<Vec<Id>, _>>()?;
        let enode = match &node.op {
            GraphOp::Constant { value } => {
                GraphLang::Const(egraph.analysis.add_tensor(value.clone()))
            }
            op => {
                let attrs = if has_attrs(op) {
                    let leaf = GraphLang::Attrs(egraph.analysis.add_attrs(op.clone()));
                    Some(egraph.add(leaf))
                } else {
                    None
                };
                GraphLang::from_graph_op(op, attrs, &operands)
                    .map_err(|m| invalid(&node.name, m))?
            }
        };
        let id = egraph.add(enode.clone());
        let errors = egraph.analysis.take_errors();
        if !errors.is_empty() {
            return Err(RewriteError::Shape {
                node: node.name.clone(),
                message: errors.join("; "),
            });
        }
        if egraph[id].data.shape.as_ref() != Some(declared) {
            return Err(RewriteError::Shape {
                node: node.name.clone(),
                message: format!(
                    "declared shape {declared:?}, but `{}` on its operands gives {:?}",
                    node.op.op_name(),
                    egraph[id].data.shape
                ),
            });
        }
        egraph.analysis.record_name(enode, node.name.clone(), true);
        classes[node.result] = Some(id);
    }
    let roots = func
        .outputs
        .iter()
        .map(|port| {
            classes.get(port.value).copied().flatten().ok_or_else(|| {
                invalid(
                    &port.name,
                    format!("output value {} is never defined", port.value),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    egraph.rebuild();
    Ok(Loaded { egraph, roots })
}

/// Classes reachable from `roots` through the chosen nodes' operands, in post-order (operands
/// before users; roots and operands visited in order). Errors on a cycle or a class with no choice.
pub(crate) fn post_order(
    egraph: &GraphEGraph,
    choice: &BTreeMap<Id, GraphLang>,
    roots: &[Id],
) -> Result<Vec<Id>, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: BTreeMap<Id, Mark> = BTreeMap::new();
    let mut order = Vec::new();
    for &root in roots {
        let root = egraph.find(root);
        if marks.contains_key(&root) {
            continue;
        }
        // Iterative DFS: (class, next operand index).
        let mut stack: Vec<(Id, usize)> = vec![(root, 0)];
        marks.insert(root, Mark::Open);
        while let Some(&mut (class, ref mut next)) = stack.last_mut() {
            let node = choice
                .get(&class)
                .ok_or_else(|| format!("no e-node chosen for class {class}"))?;
            let (_, operands) = node.split_children();
            if let Some(&operand) = operands.get(*next) {
                *next += 1;
                let operand = egraph.find(operand);
                match marks.get(&operand) {
                    Some(Mark::Done) => {}
                    Some(Mark::Open) => {
                        return Err(format!(
                            "the chosen e-nodes form a cycle through class {operand}"
                        ))
                    }
                    None => {
                        marks.insert(operand, Mark::Open);
                        stack.push((operand, 0));
                    }
                }
            } else {
                marks.insert(class, Mark::Done);
                order.push(class);
                stack.pop();
            }
        }
    }
    Ok(order)
}

/// Builds the function that computes `roots` with the chosen e-node of every reachable class.
/// Ports keep `template`'s names; nodes keep the names recorded for their e-nodes.
pub(crate) fn extract_func(
    egraph: &mut GraphEGraph,
    choice: &BTreeMap<Id, GraphLang>,
    roots: &[Id],
    template: &Func<GraphOp>,
) -> Result<Func<GraphOp>, RewriteError> {
    canonicalize_names(egraph);
    let order = post_order(egraph, choice, roots).map_err(RewriteError::Internal)?;
    let mut func = Func::new(template.name.clone());
    let mut inputs = Vec::new();
    for port in &template.inputs {
        let shape = template.shapes.get(port.value).cloned().unwrap_or_default();
        inputs.push(func.add_input(port.name.clone(), shape));
    }
    let mut used_names: BTreeSet<String> = BTreeSet::new();
    let mut values: BTreeMap<Id, ValueId> = BTreeMap::new();
    for class in order {
        let node = choice
            .get(&class)
            .ok_or_else(|| RewriteError::Internal(format!("no e-node chosen for class {class}")))?;
        let value = match node {
            GraphLang::Input(InputId(i)) => *inputs
                .get(*i)
                .ok_or_else(|| RewriteError::Internal(format!("unknown input {i}")))?,
            GraphLang::Attrs(_) => {
                return Err(RewriteError::Internal(format!(
                    "attribute class {class} used as a value"
                )))
            }
            _ => {
                let shape =
                    egraph[class].data.shape.clone().ok_or_else(|| {
                        RewriteError::Internal(format!("class {class} has no shape"))
                    })?;
                let op = match node {
                    GraphLang::Const(t) => GraphOp::Constant {
                        value: egraph.analysis.tensor(*t).cloned().ok_or_else(|| {
                            RewriteError::Internal(format!("unknown constant {t}"))
                        })?,
                    },
                    _ => super::analysis::graph_op_of(egraph, node)
                        .map_err(RewriteError::Internal)?,
                };
                let (_, operand_classes) = node.split_children();
                let operands = operand_classes
                    .iter()
                    .map(|&c| {
                        values.get(&egraph.find(c)).copied().ok_or_else(|| {
                            RewriteError::Internal(format!(
                                "operand class {c} emitted after its user"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let canonical = node.clone().map_children(|id| egraph.find(id));
                let base = egraph
                    .analysis
                    .names
                    .get(&canonical)
                    .map(|n| n.name.clone())
                    .unwrap_or_else(|| format!("{}_{class}", op.mnemonic()));
                let name = unique_name(&mut used_names, base);
                func.push(name, op, operands, shape)
            }
        };
        values.insert(class, value);
    }
    func.outputs = template
        .outputs
        .iter()
        .zip(roots)
        .map(|(port, &root)| {
            values
                .get(&egraph.find(root))
                .map(|&value| Port {
                    name: port.name.clone(),
                    value,
                })
                .ok_or_else(|| {
                    RewriteError::Internal(format!("output `{}` was not emitted", port.name))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(func)
}

/// `base`, or `base#2`, `base#3`, ... if taken; records the result as taken.
fn unique_name(used: &mut BTreeSet<String>, base: String) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}#{n}");
        n += 1;
    }
    used.insert(name.clone());
    name
}
