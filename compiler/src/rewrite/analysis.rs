//! The e-class analysis of graph rewriting ([`GraphAnalysis`]) and the side tables it owns.
//!
//! Every e-class carries ([`ClassData`]) its static shape (inferred by
//! [`crate::graph::semantics::infer_shape`], the same function the importer uses), whether it is a
//! constant and which tensor, and, for attribute leaves, which attributes. Rules read these facts in
//! their validity checks. Facts that depend on the whole graph (e.g. "has exactly one consumer")
//! cannot be known in an e-graph and no rule relies on them: a rewritten value keeps both forms,
//! and extraction weighs them with the DAG cost.
//!
//! The analysis also owns the side tables that leaves index: constant tensors ([`TensorId`],
//! deduplicated by content), op attributes ([`AttrId`], deduplicated by value), input shapes, and
//! the node names (a canonical e-node to the name of the node it came from).

use super::language::{AttrId, GraphLang, InputId, TensorId};
use egg::{Analysis, DidMerge, EGraph, Id, Language};
use pim_dialects::GraphOp;
use pim_runtime::Tensor;
use std::collections::{BTreeMap, HashMap};

/// The e-graph of graph rewriting.
pub type GraphEGraph = EGraph<GraphLang, GraphAnalysis>;

/// What is known about one e-class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassData {
    /// The static shape of the class's value (`None` for attribute leaves, or when shape inference
    /// rejected the class's first e-node, which [`GraphAnalysis::take_errors`] reports).
    pub shape: Option<Vec<usize>>,
    /// The tensor when the class is a constant.
    pub constant: Option<TensorId>,
    /// The attributes when the class is an attribute leaf.
    pub attrs: Option<AttrId>,
}

/// Where a node name came from: original names win over derived ones when e-nodes merge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct NodeName {
    /// 0 for a node of the input function, 1 for a node a rule created.
    pub rank: u8,
    /// The name.
    pub name: String,
}

/// The analysis: per-class facts ([`ClassData`]) and the side tables of leaves and names.
#[derive(Debug, Default)]
pub struct GraphAnalysis {
    tensors: Vec<Tensor>,
    tensor_index: HashMap<(Vec<usize>, u64), Vec<TensorId>>,
    /// Interned tensors by the address, length and shape of their data (every interned
    /// tensor's data stays alive in `tensors`, so an address is never reused).
    tensor_by_data: HashMap<(usize, usize, Vec<usize>), TensorId>,
    attrs: Vec<GraphOp>,
    attr_index: BTreeMap<String, AttrId>,
    pub(crate) input_shapes: Vec<Vec<usize>>,
    pub(crate) names: BTreeMap<GraphLang, NodeName>,
    pub(crate) memo: BTreeMap<(&'static str, Vec<Id>), Option<Vec<TensorId>>>,
    errors: Vec<String>,
}

fn content_hash(tensor: &Tensor) -> u64 {
    // FxHash's multiply-rotate step per element: SipHash over every weight of a large network
    // dominated compile time (VGG-19: 44% of all instructions). Four independent lanes let the
    // multiplications overlap; a splat hashes as its value.
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, v: &f32| (h.rotate_left(5) ^ u64::from(v.to_bits())).wrapping_mul(K);
    if let Some(value) = tensor.splat_value() {
        return step(tensor.len() as u64, &value);
    }
    let chunks = tensor.data().chunks_exact(4);
    let tail = chunks.remainder().iter().fold(0, step);
    let lanes = chunks.fold([0u64; 4], |h, c| {
        [
            step(h[0], &c[0]),
            step(h[1], &c[1]),
            step(h[2], &c[2]),
            step(h[3], &c[3]),
        ]
    });
    lanes
        .iter()
        .fold(tail, |h, &lane| (h.rotate_left(5) ^ lane).wrapping_mul(K))
}

/// The identity of a tensor's data: its address, length and shape.
fn data_key(tensor: &Tensor) -> (usize, usize, Vec<usize>) {
    (
        tensor.data().as_ptr() as usize,
        tensor.len(),
        tensor.shape().to_vec(),
    )
}

fn same_bits(a: &Tensor, b: &Tensor) -> bool {
    a.shape() == b.shape()
        && a.data()
            .iter()
            .zip(b.data())
            .all(|(x, y)| x.to_bits() == y.to_bits())
}

impl GraphAnalysis {
    /// Interns a constant tensor: equal tensors (bit for bit) get the same id.
    pub fn add_tensor(&mut self, tensor: Tensor) -> TensorId {
        // The same data again (a clone of an interned tensor shares it): no hashing.
        if let Some(&id) = self.tensor_by_data.get(&data_key(&tensor)) {
            return id;
        }
        let id = self.intern(tensor);
        // Keyed by the interned tensor's own data, which `tensors` keeps alive (the key of a
        // tensor dropped as a duplicate could be reused by another allocation).
        let key = data_key(&self.tensors[id.0]);
        self.tensor_by_data.insert(key, id);
        id
    }

    fn intern(&mut self, tensor: Tensor) -> TensorId {
        let key = (tensor.shape().to_vec(), content_hash(&tensor));
        let bucket = self.tensor_index.entry(key).or_default();
        if let Some(&id) = bucket
            .iter()
            .find(|id| same_bits(&self.tensors[id.0], &tensor))
        {
            return id;
        }
        let id = TensorId(self.tensors.len());
        self.tensors.push(tensor);
        bucket.push(id);
        id
    }

    /// A constant tensor by id.
    pub fn tensor(&self, id: TensorId) -> Option<&Tensor> {
        self.tensors.get(id.0)
    }

    /// Interns an op's attributes: equal attributes get the same id.
    pub fn add_attrs(&mut self, op: GraphOp) -> AttrId {
        let key = format!("{op:?}");
        if let Some(&id) = self.attr_index.get(&key) {
            return id;
        }
        let id = AttrId(self.attrs.len());
        self.attrs.push(op);
        self.attr_index.insert(key, id);
        id
    }

    /// Attributes by id.
    pub fn attrs(&self, id: AttrId) -> Option<&GraphOp> {
        self.attrs.get(id.0)
    }

    /// Records the name of the node an e-node stands for (the first name recorded for an e-node of
    /// the input wins, then the first derived one).
    pub(crate) fn record_name(&mut self, node: GraphLang, name: String, original: bool) {
        let candidate = NodeName {
            rank: u8::from(!original),
            name,
        };
        match self.names.get(&node) {
            Some(existing) if existing.rank <= candidate.rank => {}
            _ => {
                self.names.insert(node, candidate);
            }
        }
    }

    /// Errors found while making class data (shape inference failures, conflicting merges).
    pub fn take_errors(&mut self) -> Vec<String> {
        std::mem::take(&mut self.errors)
    }
}

/// Re-keys the name table by canonical e-nodes after unions (run between iterations and before
/// extraction). Where two names now key one e-node, the original one wins, then the smaller.
pub(crate) fn canonicalize_names(egraph: &mut GraphEGraph) {
    let old = std::mem::take(&mut egraph.analysis.names);
    let mut names: BTreeMap<GraphLang, NodeName> = BTreeMap::new();
    for (node, name) in old {
        let canonical = node.map_children(|id| egraph.find(id));
        match names.get(&canonical) {
            Some(existing) if *existing <= name => {}
            _ => {
                names.insert(canonical, name);
            }
        }
    }
    egraph.analysis.names = names;
}

/// The [`GraphOp`] an op e-node stands for (an error for leaves or a malformed node).
pub fn graph_op_of(egraph: &GraphEGraph, node: &GraphLang) -> Result<GraphOp, String> {
    let (attrs, _) = node.split_children();
    let op = match attrs {
        Some(id) => {
            let attr_id = egraph[id]
                .data
                .attrs
                .ok_or_else(|| format!("`{node}` has a non-attribute first child"))?;
            Some(
                egraph
                    .analysis
                    .attrs(attr_id)
                    .ok_or_else(|| format!("unknown attributes {attr_id}"))?,
            )
        }
        None => None,
    };
    node.to_graph_op(op)
}

/// The shape of an op e-node's result from its operand classes' shapes.
pub fn infer_node_shape(egraph: &GraphEGraph, node: &GraphLang) -> Result<Vec<usize>, String> {
    let op = graph_op_of(egraph, node)?;
    let (_, operands) = node.split_children();
    let shapes = operands
        .iter()
        .map(|&id| {
            egraph[id]
                .data
                .shape
                .as_deref()
                .ok_or_else(|| format!("`{node}` has an operand without a shape"))
        })
        .collect::<Result<Vec<&[usize]>, String>>()?;
    crate::graph::semantics::infer_shape(&op, &shapes)
}

impl Analysis<GraphLang> for GraphAnalysis {
    type Data = ClassData;

    fn make(egraph: &mut GraphEGraph, enode: &GraphLang, _id: Id) -> ClassData {
        let mut data = ClassData {
            shape: None,
            constant: None,
            attrs: None,
        };
        match enode {
            GraphLang::Const(t) => {
                data.shape = egraph.analysis.tensor(*t).map(|t| t.shape().to_vec());
                data.constant = Some(*t);
                if data.shape.is_none() {
                    egraph.analysis.errors.push(format!("unknown constant {t}"));
                }
            }
            GraphLang::Attrs(a) => data.attrs = Some(*a),
            GraphLang::Input(InputId(i)) => {
                data.shape = egraph.analysis.input_shapes.get(*i).cloned();
                if data.shape.is_none() {
                    egraph.analysis.errors.push(format!("unknown input {i}"));
                }
            }
            op => match infer_node_shape(egraph, op) {
                Ok(shape) => data.shape = Some(shape),
                Err(message) => egraph.analysis.errors.push(format!("`{op}`: {message}")),
            },
        }
        data
    }

    fn merge(&mut self, a: &mut ClassData, b: ClassData) -> DidMerge {
        let mut changed_a = false;
        let mut changed_b = false;
        match (&a.shape, b.shape) {
            (Some(x), Some(y)) if *x != y => {
                self.errors
                    .push(format!("merged values of shapes {x:?} and {y:?}"));
            }
            (Some(_), Some(_)) => {}
            (None, Some(y)) => {
                a.shape = Some(y);
                changed_a = true;
            }
            (Some(_), None) => changed_b = true,
            (None, None) => {}
        }
        match (a.constant, b.constant) {
            (Some(x), Some(y)) if y < x => {
                a.constant = Some(y);
                changed_a = true;
                changed_b = true;
            }
            (Some(x), Some(y)) if x != y => changed_b = true,
            (None, Some(y)) => {
                a.constant = Some(y);
                changed_a = true;
            }
            (Some(_), None) => changed_b = true,
            _ => {}
        }
        match (a.attrs, b.attrs) {
            (None, Some(y)) => {
                a.attrs = Some(y);
                changed_a = true;
            }
            (Some(_), None) => changed_b = true,
            (Some(x), Some(y)) if x != y => {
                self.errors
                    .push(format!("merged attribute leaves {x} and {y}"));
            }
            _ => {}
        }
        DidMerge(changed_a, changed_b)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn tensors_and_attributes_are_interned_by_value() {
        let mut analysis = GraphAnalysis::default();
        let a = analysis.add_tensor(Tensor::filled(vec![2], 1.0));
        let b = analysis.add_tensor(Tensor::filled(vec![2], 1.0));
        let c = analysis.add_tensor(Tensor::filled(vec![1, 2], 1.0));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let x = analysis.add_attrs(GraphOp::Flatten { axis: 1 });
        let y = analysis.add_attrs(GraphOp::Flatten { axis: 1 });
        let z = analysis.add_attrs(GraphOp::Flatten { axis: 0 });
        assert_eq!(x, y);
        assert_ne!(x, z);
    }

    /// Duplicates are dropped after interning; an allocation that reuses a dropped duplicate's
    /// address must still be interned by value (regression: ids were looked up by address).
    #[test]
    fn dropped_duplicates_do_not_alias_new_tensors() {
        let mut analysis = GraphAnalysis::default();
        for i in 0..200 {
            let data = vec![i as f32, 1.0, 2.0];
            let first = analysis.add_tensor(Tensor::new(vec![3], data.clone()).unwrap());
            let again = analysis.add_tensor(Tensor::new(vec![3], data.clone()).unwrap());
            assert_eq!(first, again);
            assert_eq!(analysis.tensor(first).unwrap().data(), &data[..]);
        }
        assert_eq!(analysis.tensors.len(), 200);
    }

    #[test]
    fn make_infers_shapes_and_marks_constants() {
        let mut analysis = GraphAnalysis::default();
        analysis.input_shapes.push(vec![1, 3, 4, 4]);
        let t = analysis.add_tensor(Tensor::zeros(vec![3, 1, 1]));
        let mut egraph = GraphEGraph::new(analysis);
        let x = egraph.add(GraphLang::Input(InputId(0)));
        let k = egraph.add(GraphLang::Const(t));
        let m = egraph.add(GraphLang::Mul([x, k]));
        assert_eq!(egraph[m].data.shape, Some(vec![1, 3, 4, 4]));
        assert_eq!(egraph[k].data.constant, Some(t));
        assert_eq!(egraph[m].data.constant, None);
        let bad = egraph.analysis.add_tensor(Tensor::zeros(vec![5]));
        let bad = egraph.add(GraphLang::Const(bad));
        egraph.add(GraphLang::Add([x, bad]));
        assert_eq!(egraph.analysis.take_errors().len(), 1);
    }
}
