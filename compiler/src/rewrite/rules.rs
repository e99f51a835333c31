//! The rewrite rules, as a law-named table (`RULES`; [`super::rule_table`] lists it): each rule has
//! a kebab-case name (its flag and test name), the one-line law it applies, its validity conditions,
//! and one or more `(pattern, applier)` pairs. Appliers are plain functions over a `Cx` (the match);
//! they check the conditions on the analysis facts, compute folded constants (added to the
//! analysis's tensor table), add the right-hand side, and return its class, which the
//! `RuleApplier` unions with the match.
//!
//! Every rule is an equality that holds for every consumer of the matched value, so no rule needs
//! to know how many consumers a value has: the e-graph keeps both forms, and extraction picks one
//! with the DAG-aware cost (a conv shared by two users is not duplicated just to fold a BN).
//! Every node a rule adds is shape-checked (`Cx::op`) against the value it must equal.

use super::analysis::{infer_node_shape, GraphAnalysis, GraphEGraph, NodeName};
use super::fold;
use super::language::{GraphLang, TensorId};
use super::RewriteError;
use egg::{Applier, Id, Language, PatternAst, Rewrite, Subst, Symbol, Var};
use pim_dialects::GraphOp;
use pim_runtime::kernels::{self, BinaryOp};
use pim_runtime::Tensor;

/// The description of one rule, for `--help`, docs and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// Kebab-case name: the rule's flag and test name.
    pub name: &'static str,
    /// The law, in one line.
    pub law: &'static str,
    /// When the rule applies (what the analysis checks).
    pub conditions: &'static str,
}

/// An applier function: checks conditions, builds the right-hand side, returns its class.
type ApplyFn = fn(&mut Cx<'_>) -> Option<Id>;

/// One rule of the table.
pub(crate) struct Rule {
    /// Name, law and conditions.
    pub info: RuleInfo,
    /// Searcher patterns, each with its applier.
    patterns: &'static [(&'static str, ApplyFn)],
}

/// Every rule, in the order they are documented and reported.
pub(crate) static RULES: &[Rule] = &[
    Rule {
        info: RuleInfo {
            name: "fold-bn-into-conv",
            law: "BatchNormalization(Conv(x, W, b), s, t, m, v) = Conv(x, W * s/sqrt(v+eps) per output channel, (b - m) * s/sqrt(v+eps) + t)",
            conditions: "W, b, s, t, m, v constant; s, t, m, v of shape [Cout]; folded values finite",
        },
        patterns: &[("(batch_norm ?ba (conv ?ca ?x ?w ?b) ?s ?t ?m ?v)", fold_bn_into_conv)],
    },
    Rule {
        info: RuleInfo {
            name: "fold-bn-into-gemm",
            law: "BatchNormalization(Gemm(A, B, C; alpha, beta), s, t, m, v) = Gemm(A, B * k per column, beta*C*k + t - m*k; alpha, 1) with k = s/sqrt(v+eps)",
            conditions: "Gemm output [M, N] (BN over its columns); B, C, s, t, m, v constant; s, t, m, v of shape [N]",
        },
        patterns: &[("(batch_norm ?ba (gemm ?ga ?a ?bm ?c) ?s ?t ?m ?v)", fold_bn_into_gemm)],
    },
    Rule {
        info: RuleInfo {
            name: "fold-mul-into-conv",
            law: "Conv(x, W, b) * k = Conv(x, W * k per output channel, b * k)",
            conditions: "W, b, k constant; k broadcasts per output channel ([Cout,1,1], [1,Cout,1,1], scalar) without changing the shape",
        },
        patterns: &[
            ("(mul (conv ?ca ?x ?w ?b) ?k)", fold_mul_into_conv),
            ("(mul ?k (conv ?ca ?x ?w ?b))", fold_mul_into_conv),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "fold-add-into-conv",
            law: "Conv(x, W, b) + k = Conv(x, W, b + k)",
            conditions: "b, k constant; k broadcasts per output channel ([Cout,1,1], [1,Cout,1,1], scalar) without changing the shape",
        },
        patterns: &[
            ("(add (conv ?ca ?x ?w ?b) ?k)", fold_add_into_conv),
            ("(add ?k (conv ?ca ?x ?w ?b))", fold_add_into_conv),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "fold-mul-into-gemm",
            law: "Gemm(A, B, C; alpha, beta) * k = Gemm(A, B * k per column, C * k; alpha, beta)",
            conditions: "B, C, k constant; Gemm output [M, N]; k of shape [N], [1, N] or scalar",
        },
        patterns: &[
            ("(mul (gemm ?ga ?a ?bm ?c) ?k)", fold_mul_into_gemm),
            ("(mul ?k (gemm ?ga ?a ?bm ?c))", fold_mul_into_gemm),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "fold-add-into-gemm",
            law: "Gemm(A, B, C; alpha, beta) + k = Gemm(A, B, beta*C + k; alpha, 1)",
            conditions: "C, k constant; Gemm output [M, N]; k of shape [N], [1, N] or scalar",
        },
        patterns: &[
            ("(add (gemm ?ga ?a ?bm ?c) ?k)", fold_add_into_gemm),
            ("(add ?k (gemm ?ga ?a ?bm ?c))", fold_add_into_gemm),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "fold-scalar-mul-into-gemm",
            law: "Gemm(A, B, C; alpha, beta) * s = Gemm(A, B, C; alpha*s, beta*s)",
            conditions: "s a constant with one element that does not change the Gemm's shape",
        },
        patterns: &[
            ("(mul (gemm ?ga ?a ?bm ?c) ?k)", fold_scalar_mul_into_gemm),
            ("(mul ?k (gemm ?ga ?a ?bm ?c))", fold_scalar_mul_into_gemm),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "fold-add-into-matmul",
            law: "MatMul(A, B) + C = Gemm(A, B, C; 1, 1)",
            conditions: "A and B of rank 2, B and C constant, C broadcasts to [M, N] without changing the shape",
        },
        patterns: &[
            ("(add (matmul ?a ?bm) ?c)", fold_add_into_matmul),
            ("(add ?c (matmul ?a ?bm))", fold_add_into_matmul),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "fold-affine-into-matmul",
            law: "MatMul(x * k + c, W) = MatMul(x, diag(k) W) + c W and MatMul(x * k, W) = MatMul(x, diag(k) W): a normalisation's scale and bias folded into the next layer's weights",
            conditions: "W a constant [K, N]; k and c constants of K values along the last axis (or scalars) that do not change x's shape; folded values finite",
        },
        patterns: &[
            ("(matmul (add (mul ?x ?k) ?c) ?w)", fold_affine_into_matmul),
            ("(matmul (mul ?x ?k) ?w)", fold_affine_into_matmul),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "fold-batchnorm-standalone",
            law: "BatchNormalization(x, s, t, m, v) = x * k + (t - m*k) with k = s/sqrt(v+eps) of shape [C, 1, ...]",
            conditions: "s, t, m, v constant of shape [C] with C = x's axis 1, x of rank >= 2",
        },
        patterns: &[("(batch_norm ?ba ?x ?s ?t ?m ?v)", fold_batchnorm_standalone)],
    },
    Rule {
        info: RuleInfo {
            name: "merge-constant-muls",
            law: "(x * a) * b = x * (a * b)",
            conditions: "a, b constant; a * b has no more elements than a or b (no constant grows)",
        },
        patterns: &[
            ("(mul (mul ?x ?a) ?b)", merge_constant_muls),
            ("(mul ?b (mul ?x ?a))", merge_constant_muls),
            ("(mul (mul ?a ?x) ?b)", merge_constant_muls),
            ("(mul ?b (mul ?a ?x))", merge_constant_muls),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "merge-constant-adds",
            law: "(x + a) + b = x + (a + b)",
            conditions: "a, b constant; a + b has no more elements than a or b (no constant grows)",
        },
        patterns: &[
            ("(add (add ?x ?a) ?b)", merge_constant_adds),
            ("(add ?b (add ?x ?a))", merge_constant_adds),
            ("(add (add ?a ?x) ?b)", merge_constant_adds),
            ("(add ?b (add ?a ?x))", merge_constant_adds),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "distribute-mul-over-constant-add",
            law: "(x + a) * b = x * b + a * b",
            conditions: "a, b constant; a * b has no more elements than a or b; lets chains of per-channel affine maps (BN, Mul, Add) merge into one Mul and one Add",
        },
        patterns: &[
            ("(mul (add ?x ?a) ?b)", distribute_mul_over_constant_add),
            ("(mul ?b (add ?x ?a))", distribute_mul_over_constant_add),
            ("(mul (add ?a ?x) ?b)", distribute_mul_over_constant_add),
            ("(mul ?b (add ?a ?x))", distribute_mul_over_constant_add),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "drop-identity",
            law: "Identity(x) = x",
            conditions: "always",
        },
        patterns: &[("(identity ?x)", drop_identity)],
    },
    Rule {
        info: RuleInfo {
            name: "flatten-as-reshape",
            law: "Flatten(x, axis) = Reshape(x, [prod(dims before axis), prod(dims from axis)])",
            conditions: "always (shapes are static)",
        },
        patterns: &[("(flatten ?a ?x)", flatten_as_reshape)],
    },
    Rule {
        info: RuleInfo {
            name: "reduce-as-global-pool",
            law: "ReduceMean(x, spatial axes) = GlobalAveragePool(x) and ReduceMax(x, spatial axes) = GlobalMaxPool(x), reshaped without the axes when keepdims = 0",
            conditions: "x of rank >= 3; the axes are exactly 2..rank (what torch's default exporter writes for adaptive average pooling to 1x1)",
        },
        patterns: &[("(reduce ?a ?x)", reduce_as_global_pool)],
    },
    Rule {
        info: RuleInfo {
            name: "fuse-erf-gelu",
            law: "x * (1 + Erf(x / sqrt 2)) * 0.5 = Gelu(x) (in the orders and with the Div or the Mul by 1/sqrt 2 that exporters write before opset 20)",
            conditions: "the constants are scalars: sqrt 2 (or 1/sqrt 2), 1 and 0.5, within 1e-6; both uses of x are the same value",
        },
        patterns: &[
            ("(mul (mul ?x (add (unary ?e (div ?x ?s)) ?one)) ?half)", fuse_erf_gelu),
            ("(mul (mul ?x (add (unary ?e (mul ?x ?s)) ?one)) ?half)", fuse_erf_gelu),
            ("(mul (mul ?x ?half) (add (unary ?e (div ?x ?s)) ?one))", fuse_erf_gelu),
            ("(mul (mul ?x ?half) (add (unary ?e (mul ?x ?s)) ?one))", fuse_erf_gelu),
            ("(mul ?x (mul (add (unary ?e (div ?x ?s)) ?one) ?half))", fuse_erf_gelu),
            ("(mul ?x (mul (add (unary ?e (mul ?x ?s)) ?one) ?half))", fuse_erf_gelu),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "fuse-silu",
            law: "x * Sigmoid(x) = SiLU(x) (torch exports SiLU / Swish as Sigmoid then Mul)",
            conditions: "both uses of x are the same value",
        },
        patterns: &[
            ("(mul ?x (sigmoid ?x))", fuse_silu),
            ("(mul (sigmoid ?x) ?x)", fuse_silu),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "merge-reshapes",
            law: "Reshape(Reshape(x, s1), s2) = Reshape(x, s2)",
            conditions: "always (row-major reshapes compose)",
        },
        patterns: &[("(reshape ?a2 (reshape ?a1 ?x))", merge_reshapes)],
    },
    Rule {
        info: RuleInfo {
            name: "drop-noop-reshape",
            law: "Reshape(x, shape(x)) = x",
            conditions: "the target shape equals x's shape",
        },
        patterns: &[("(reshape ?a ?x)", drop_noop_reshape)],
    },
    Rule {
        info: RuleInfo {
            name: "merge-transposes",
            law: "Transpose(Transpose(x, p1), p2) = Transpose(x, q) with q[i] = p1[p2[i]]",
            conditions: "both perms are permutations of x's axes",
        },
        patterns: &[("(transpose ?p2 (transpose ?p1 ?x))", merge_transposes)],
    },
    Rule {
        info: RuleInfo {
            name: "drop-noop-transpose",
            law: "Transpose(x, identity permutation) = x",
            conditions: "the permutation is the identity",
        },
        patterns: &[("(transpose ?p ?x)", drop_noop_transpose)],
    },
    Rule {
        info: RuleInfo {
            name: "relu-commutes-with-maxpool",
            law: "MaxPool(Relu(x)) = Relu(MaxPool(x)), GlobalMaxPool(Relu(x)) = Relu(GlobalMaxPool(x))",
            conditions: "dilations all 1, so every window covers at least one input element (max-pool padding is -inf, and ReLU is monotone)",
        },
        patterns: &[
            ("(max_pool ?p (relu ?x))", maxpool_of_relu),
            ("(relu (max_pool ?p ?x))", relu_of_maxpool),
            ("(global_max_pool (relu ?x))", global_maxpool_of_relu),
            ("(relu (global_max_pool ?x))", relu_of_global_maxpool),
        ],
    },
    Rule {
        info: RuleInfo {
            name: "fold-pad-into-conv",
            law: "Conv(Pad(x, p, 0), W, b; pads) = Conv(x, W, b; pads + p's spatial pads)",
            conditions: "constant-0 Pad, non-negative pads, no padding of the batch and channel axes",
        },
        patterns: &[("(conv ?ca (pad ?pa ?x) ?w ?b)", fold_pad_into_conv)],
    },
    Rule {
        info: RuleInfo {
            name: "absorb-relu-into-clip",
            law: "Clip(Relu(x), lo, hi) = Clip(x, lo, hi) and Relu(Clip(x, lo, hi)) = Clip(x, lo, hi)",
            conditions: "lo >= 0 (and lo <= hi for Relu after Clip)",
        },
        patterns: &[("(clip ?a (relu ?x))", clip_of_relu), ("(relu (clip ?a ?x))", relu_of_clip)],
    },
    Rule {
        info: RuleInfo {
            name: "drop-double-relu",
            law: "Relu(Relu(x)) = Relu(x)",
            conditions: "always",
        },
        patterns: &[("(relu (relu ?x))", drop_double_relu)],
    },
];

/// The egg rewrites of `rules`, named `<rule>` and `<rule>/<n>` for further patterns.
pub(crate) fn build(
    rules: &[&'static Rule],
) -> Result<Vec<Rewrite<GraphLang, GraphAnalysis>>, RewriteError> {
    let mut rewrites = Vec::new();
    for rule in rules {
        for (index, (pattern, apply)) in rule.patterns.iter().enumerate() {
            let searcher: egg::Pattern<GraphLang> = pattern.parse().map_err(|e| {
                RewriteError::Internal(format!("rule {}: pattern {pattern}: {e}", rule.info.name))
            })?;
            let name = if index == 0 {
                rule.info.name.to_owned()
            } else {
                format!("{}/{index}", rule.info.name)
            };
            let applier = RuleApplier {
                rule: rule.info.name,
                apply: *apply,
            };
            rewrites.push(
                Rewrite::new(name.as_str(), searcher, applier)
                    .map_err(|e| RewriteError::Internal(format!("rule {name}: {e}")))?,
            );
        }
    }
    Ok(rewrites)
}

/// Runs a rule's applier function on each match and unions the result with the matched class.
struct RuleApplier {
    rule: &'static str,
    apply: ApplyFn,
}

impl Applier<GraphLang, GraphAnalysis> for RuleApplier {
    fn apply_one(
        &self,
        egraph: &mut GraphEGraph,
        eclass: Id,
        subst: &Subst,
        _searcher_ast: Option<&PatternAst<GraphLang>>,
        _rule_name: Symbol,
    ) -> Vec<Id> {
        let root = egraph.find(eclass);
        let result = (self.apply)(&mut Cx {
            eg: egraph,
            subst,
            root,
            rule: self.rule,
        });
        match result {
            Some(id) if egraph.union(root, id) => vec![root],
            _ => Vec::new(),
        }
    }
}

/// One match of a rule: the e-graph, the substitution, the matched (root) class, and helpers.
pub(crate) struct Cx<'a> {
    eg: &'a mut GraphEGraph,
    subst: &'a Subst,
    root: Id,
    rule: &'static str,
}

impl Cx<'_> {
    /// The canonical class bound to pattern variables `names`.
    fn vars<const N: usize>(&self, names: [&str; N]) -> Option<[Id; N]> {
        let mut ids = [Id::from(0); N];
        for (slot, name) in ids.iter_mut().zip(names) {
            let var: Var = name.parse().ok()?;
            *slot = self.eg.find(*self.subst.get(var)?);
        }
        Some(ids)
    }

    /// The class holding `node`, if it is in the e-graph.
    fn lookup(&self, node: &GraphLang) -> Option<Id> {
        self.eg.lookup(node.clone())
    }

    /// A class's static shape.
    fn shape(&self, id: Id) -> Option<Vec<usize>> {
        self.eg[id].data.shape.clone()
    }

    /// The matched class's static shape.
    fn root_shape(&self) -> Option<Vec<usize>> {
        self.shape(self.root)
    }

    /// A class's constant tensor (a cheap `Arc` clone).
    fn constant(&self, id: Id) -> Option<Tensor> {
        let t = self.eg[id].data.constant?;
        self.eg.analysis.tensor(t).cloned()
    }

    /// An attribute class's op.
    fn attrs(&self, id: Id) -> Option<GraphOp> {
        let a = self.eg[id].data.attrs?;
        self.eg.analysis.attrs(a).cloned()
    }

    /// The name of the node `node` stands for; else its class's name; else its op name.
    fn name(&self, node: &GraphLang) -> String {
        let canonical = node.clone().map_children(|id| self.eg.find(id));
        if let Some(name) = self.eg.analysis.names.get(&canonical) {
            return name.name.clone();
        }
        self.lookup(node)
            .and_then(|id| self.class_name(id))
            .unwrap_or_else(|| node.to_string())
    }

    /// The preferred name among a class's e-nodes (an original node's first, then the smallest).
    fn class_name(&self, id: Id) -> Option<String> {
        self.eg[id]
            .nodes
            .iter()
            .filter_map(|n| {
                let canonical = n.clone().map_children(|c| self.eg.find(c));
                self.eg.analysis.names.get(&canonical)
            })
            .min()
            .map(|n: &NodeName| n.name.clone())
    }

    /// The matched class's name.
    fn root_name(&self) -> String {
        self.class_name(self.root)
            .unwrap_or_else(|| self.rule.to_owned())
    }

    /// Folded tensors for this rule on the classes `key`, computed once (rules re-match every
    /// iteration) and interned in the tensor table.
    fn memo(
        &mut self,
        key: Vec<Id>,
        compute: impl FnOnce() -> Option<Vec<Tensor>>,
    ) -> Option<Vec<TensorId>> {
        let key = (self.rule, key);
        if let Some(known) = self.eg.analysis.memo.get(&key) {
            return known.clone();
        }
        let ids = compute().map(|tensors| {
            tensors
                .into_iter()
                .map(|t| self.eg.analysis.add_tensor(t))
                .collect::<Vec<_>>()
        });
        self.eg.analysis.memo.insert(key, ids.clone());
        ids
    }

    /// Adds a constant leaf named `name`.
    fn constant_node(&mut self, tensor: TensorId, name: String) -> Id {
        let node = GraphLang::Const(tensor);
        let id = self.eg.add(node.clone());
        self.eg.analysis.record_name(node, name, false);
        id
    }

    /// Adds an attribute leaf.
    fn attrs_node(&mut self, op: GraphOp) -> Id {
        let a = self.eg.analysis.add_attrs(op);
        self.eg.add(GraphLang::Attrs(a))
    }

    /// Adds op e-node `node` named `name` if shape inference accepts it and, when `expected` is
    /// given, gives exactly that shape.
    fn op(&mut self, node: GraphLang, name: String, expected: Option<&[usize]>) -> Option<Id> {
        let node = node.map_children(|id| self.eg.find(id));
        let shape = infer_node_shape(self.eg, &node).ok()?;
        if expected.is_some_and(|e| e != shape.as_slice()) {
            return None;
        }
        let id = self.eg.add(node.clone());
        self.eg.analysis.record_name(node, name, false);
        Some(id)
    }
}

// --- conv / gemm folds -----------------------------------------------------------------------

fn fold_bn_into_conv(cx: &mut Cx<'_>) -> Option<Id> {
    let [ba, ca, x, w, b, s, t, m, v] =
        cx.vars(["?ba", "?ca", "?x", "?w", "?b", "?s", "?t", "?m", "?v"])?;
    let GraphOp::BatchNorm { epsilon } = cx.attrs(ba)? else {
        return None;
    };
    let conv_node = GraphLang::Conv([ca, x, w, b]);
    let conv = cx.lookup(&conv_node)?;
    let out = cx.shape(conv)?;
    let (wt, bt) = (cx.constant(w)?, cx.constant(b)?);
    let (st, tt, mt, vt) = (
        cx.constant(s)?,
        cx.constant(t)?,
        cx.constant(m)?,
        cx.constant(v)?,
    );
    let cout = *wt.shape().first()?;
    if out.get(1) != Some(&cout) || bt.shape() != [cout] {
        return None;
    }
    let folded = cx.memo(vec![w, b, s, t, m, v, ba], || {
        let (k, _) = fold::batch_norm_factors(&st, &tt, &mt, &vt, epsilon, cout)?;
        let weight = fold::scale_rows(&wt, &k)?;
        let bias: Vec<f32> = (0..cout)
            .map(|o| (bt.data()[o] - mt.data()[o]) * k[o] + tt.data()[o])
            .collect();
        fold::finite(&bias).then_some(())?;
        Some(vec![weight, Tensor::new(vec![cout], bias)?])
    })?;
    let name = format!("{}+{}", cx.name(&conv_node), cx.root_name());
    let [weight, bias] = folded[..] else {
        return None;
    };
    let weight = cx.constant_node(weight, format!("{name}.weight"));
    let bias = cx.constant_node(bias, format!("{name}.bias"));
    cx.op(GraphLang::Conv([ca, x, weight, bias]), name, Some(&out))
}

/// The facts of a matched `gemm ?ga ?a ?bm ?c` with constant B and C and output `[M, N]`.
struct GemmMatch {
    node: GraphLang,
    alpha: f32,
    beta: f32,
    trans_b: bool,
    b: Tensor,
    c: Tensor,
    out: Vec<usize>,
}

fn match_gemm(cx: &Cx<'_>) -> Option<GemmMatch> {
    let [ga, a, bm, c] = cx.vars(["?ga", "?a", "?bm", "?c"])?;
    let GraphOp::Gemm {
        alpha,
        beta,
        trans_b,
        ..
    } = cx.attrs(ga)?
    else {
        return None;
    };
    let node = GraphLang::Gemm([ga, a, bm, c]);
    let out = cx.shape(cx.lookup(&node)?)?;
    if out.len() != 2 {
        return None;
    }
    Some(GemmMatch {
        node,
        alpha,
        beta,
        trans_b: trans_b != 0,
        b: cx.constant(bm)?,
        c: cx.constant(c)?,
        out,
    })
}

/// Adds a Gemm like `g.node` with new attributes, B and C (`None` keeps the old operand).
fn rebuild_gemm(
    cx: &mut Cx<'_>,
    g: &GemmMatch,
    attrs: Option<GraphOp>,
    b: Option<TensorId>,
    c: Option<TensorId>,
) -> Option<Id> {
    let GraphLang::Gemm([ga, a, bm, cm]) = g.node else {
        return None;
    };
    let name = format!("{}+{}", cx.name(&g.node), cx.root_name());
    let ga = attrs.map_or(ga, |op| cx.attrs_node(op));
    let bm = b.map_or(bm, |t| cx.constant_node(t, format!("{name}.weight")));
    let cm = c.map_or(cm, |t| cx.constant_node(t, format!("{name}.bias")));
    cx.op(GraphLang::Gemm([ga, a, bm, cm]), name, Some(&g.out))
}

fn gemm_attrs(cx: &Cx<'_>, g: &GemmMatch, alpha: f32, beta: f32) -> Option<GraphOp> {
    let GraphLang::Gemm([ga, ..]) = g.node else {
        return None;
    };
    match cx.attrs(ga)? {
        GraphOp::Gemm {
            trans_a, trans_b, ..
        } => Some(GraphOp::Gemm {
            alpha,
            beta,
            trans_a,
            trans_b,
        }),
        _ => None,
    }
}

fn fold_bn_into_gemm(cx: &mut Cx<'_>) -> Option<Id> {
    let [ba, ga, bm, c, s, t, m, v] =
        cx.vars(["?ba", "?ga", "?bm", "?c", "?s", "?t", "?m", "?v"])?;
    let GraphOp::BatchNorm { epsilon } = cx.attrs(ba)? else {
        return None;
    };
    let g = match_gemm(cx)?;
    let (st, tt, mt, vt) = (
        cx.constant(s)?,
        cx.constant(t)?,
        cx.constant(m)?,
        cx.constant(v)?,
    );
    let n = g.out[1];
    let (b_t, c_t, beta, trans_b) = (g.b.clone(), g.c.clone(), g.beta, g.trans_b);
    let folded = cx.memo(vec![ga, bm, c, s, t, m, v, ba], || {
        let (k, shift) = fold::batch_norm_factors(&st, &tt, &mt, &vt, epsilon, n)?;
        let b2 = fold::scale_columns(&b_t, &k, trans_b)?;
        let c2 = fold::per_column(&c_t, n, |x, j| {
            let bc = if beta == 0.0 { 0.0 } else { beta * x };
            bc * k[j] + shift[j]
        })?;
        Some(vec![b2, c2])
    })?;
    let [b2, c2] = folded[..] else { return None };
    let attrs = gemm_attrs(cx, &g, g.alpha, 1.0)?;
    rebuild_gemm(cx, &g, Some(attrs), Some(b2), Some(c2))
}

fn fold_mul_into_conv(cx: &mut Cx<'_>) -> Option<Id> {
    fold_channel_into_conv(cx, true)
}

fn fold_add_into_conv(cx: &mut Cx<'_>) -> Option<Id> {
    fold_channel_into_conv(cx, false)
}

/// `Conv(x, W, b) * k` (`multiply`) or `Conv(x, W, b) + k` with per-output-channel `k`.
fn fold_channel_into_conv(cx: &mut Cx<'_>, multiply: bool) -> Option<Id> {
    let [ca, x, w, b, k] = cx.vars(["?ca", "?x", "?w", "?b", "?k"])?;
    let conv_node = GraphLang::Conv([ca, x, w, b]);
    let out = cx.shape(cx.lookup(&conv_node)?)?;
    if cx.root_shape()? != out || out.len() < 3 {
        return None;
    }
    let (wt, bt, kt) = (cx.constant(w)?, cx.constant(b)?, cx.constant(k)?);
    let cout = out[1];
    if bt.shape() != [cout] {
        return None;
    }
    let folded = cx.memo(vec![w, b, k], || {
        let kv = fold::channel_vector(&kt, &out, 1)?;
        let bias: Vec<f32> = bt
            .data()
            .iter()
            .zip(&kv)
            .map(|(&b, &k)| if multiply { b * k } else { b + k })
            .collect();
        fold::finite(&bias).then_some(())?;
        let bias = Tensor::new(vec![cout], bias)?;
        if multiply {
            Some(vec![fold::scale_rows(&wt, &kv)?, bias])
        } else {
            Some(vec![bias])
        }
    })?;
    let name = format!("{}+{}", cx.name(&conv_node), cx.root_name());
    let (weight, bias) = match folded[..] {
        [weight, bias] => (cx.constant_node(weight, format!("{name}.weight")), bias),
        [bias] => (w, bias),
        _ => return None,
    };
    let bias = cx.constant_node(bias, format!("{name}.bias"));
    cx.op(GraphLang::Conv([ca, x, weight, bias]), name, Some(&out))
}

fn fold_mul_into_gemm(cx: &mut Cx<'_>) -> Option<Id> {
    let [ga, bm, c, k] = cx.vars(["?ga", "?bm", "?c", "?k"])?;
    let g = match_gemm(cx)?;
    if cx.root_shape()? != g.out {
        return None;
    }
    let kt = cx.constant(k)?;
    let (b_t, c_t, out, trans_b) = (g.b.clone(), g.c.clone(), g.out.clone(), g.trans_b);
    let folded = cx.memo(vec![ga, bm, c, k], || {
        let kv = fold::channel_vector(&kt, &out, 1)?;
        let b2 = fold::scale_columns(&b_t, &kv, trans_b)?;
        let c2 = fold::per_column(&c_t, out[1], |x, j| x * kv[j])?;
        Some(vec![b2, c2])
    })?;
    let [b2, c2] = folded[..] else { return None };
    rebuild_gemm(cx, &g, None, Some(b2), Some(c2))
}

fn fold_add_into_gemm(cx: &mut Cx<'_>) -> Option<Id> {
    let [ga, c, k] = cx.vars(["?ga", "?c", "?k"])?;
    let g = match_gemm(cx)?;
    if cx.root_shape()? != g.out {
        return None;
    }
    let kt = cx.constant(k)?;
    let (c_t, out, beta) = (g.c.clone(), g.out.clone(), g.beta);
    let folded = cx.memo(vec![ga, c, k], || {
        let kv = fold::channel_vector(&kt, &out, 1)?;
        let c2 = fold::per_column(&c_t, out[1], |x, j| {
            let bc = if beta == 0.0 { 0.0 } else { beta * x };
            bc + kv[j]
        })?;
        Some(vec![c2])
    })?;
    let [c2] = folded[..] else { return None };
    let attrs = gemm_attrs(cx, &g, g.alpha, 1.0)?;
    rebuild_gemm(cx, &g, Some(attrs), None, Some(c2))
}

fn fold_scalar_mul_into_gemm(cx: &mut Cx<'_>) -> Option<Id> {
    let [k] = cx.vars(["?k"])?;
    let g = match_gemm(cx)?;
    let kt = cx.constant(k)?;
    if kt.len() != 1 || cx.root_shape()? != g.out {
        return None;
    }
    let s = kt.data()[0];
    let (alpha, beta) = (g.alpha * s, g.beta * s);
    if !alpha.is_finite() || !beta.is_finite() {
        return None;
    }
    let attrs = gemm_attrs(cx, &g, alpha, beta)?;
    rebuild_gemm(cx, &g, Some(attrs), None, None)
}

fn fold_add_into_matmul(cx: &mut Cx<'_>) -> Option<Id> {
    let [a, bm, c] = cx.vars(["?a", "?bm", "?c"])?;
    let matmul = GraphLang::MatMul([a, bm]);
    let out = cx.shape(cx.lookup(&matmul)?)?;
    let (bt, ct) = (cx.constant(bm)?, cx.constant(c)?);
    if cx.shape(a)?.len() != 2
        || bt.shape().len() != 2
        || ct.shape().len() > 2
        || cx.root_shape()? != out
    {
        return None;
    }
    let name = format!("{}+{}", cx.name(&matmul), cx.root_name());
    let attrs = cx.attrs_node(GraphOp::Gemm {
        alpha: 1.0,
        beta: 1.0,
        trans_a: 0,
        trans_b: 0,
    });
    cx.op(GraphLang::Gemm([attrs, a, bm, c]), name, Some(&out))
}

/// The `n` values of a constant that varies along the last axis only (a scalar: repeated).
fn last_axis_values(t: &Tensor, n: usize) -> Option<Vec<f32>> {
    match t.shape().split_last() {
        _ if t.len() == 1 => Some(vec![t.data()[0]; n]),
        Some((&last, lead)) if last == n && lead.iter().all(|&d| d == 1) => Some(t.data().to_vec()),
        _ => None,
    }
}

fn fold_affine_into_matmul(cx: &mut Cx<'_>) -> Option<Id> {
    let [x, k, w] = cx.vars(["?x", "?k", "?w"])?;
    let c = cx.vars(["?c"]).map(|[c]| c);
    let (x_shape, wt, kt) = (cx.shape(x)?, cx.constant(w)?, cx.constant(k)?);
    let &[rows, cols] = wt.shape() else {
        return None;
    };
    let ct = match c {
        Some(c) => Some(cx.constant(c)?),
        None => None,
    };
    // k and c must not broadcast x to a higher rank.
    let ranks_kept = std::iter::once(&kt)
        .chain(&ct)
        .all(|t| t.shape().len() <= x_shape.len());
    if x_shape.last() != Some(&rows) || !ranks_kept {
        return None;
    }
    let mut key = vec![x, k, w];
    key.extend(c);
    let folded = cx.memo(key, || {
        let kv = last_axis_values(&kt, rows)?;
        let w2 = fold::scale_rows(&wt, &kv)?;
        let Some(ct) = &ct else {
            return Some(vec![w2]);
        };
        let cv = last_axis_values(ct, rows)?;
        let shift: Vec<f32> = (0..cols)
            .map(|j| (0..rows).map(|i| cv[i] * wt.data()[i * cols + j]).sum())
            .collect();
        fold::finite(&shift).then_some(())?;
        Some(vec![w2, Tensor::new(vec![cols], shift)?])
    })?;
    let name = cx.root_name();
    let weight = cx.constant_node(folded[0], format!("{name}.weight"));
    let out = cx.root_shape()?;
    let product = cx.op(GraphLang::MatMul([x, weight]), name.clone(), Some(&out))?;
    let Some(&shift) = folded.get(1) else {
        return Some(product);
    };
    let shift = cx.constant_node(shift, format!("{name}.shift"));
    cx.op(
        GraphLang::Add([product, shift]),
        format!("{name}.bias"),
        Some(&out),
    )
}

fn fold_batchnorm_standalone(cx: &mut Cx<'_>) -> Option<Id> {
    let [ba, x, s, t, m, v] = cx.vars(["?ba", "?x", "?s", "?t", "?m", "?v"])?;
    let GraphOp::BatchNorm { epsilon } = cx.attrs(ba)? else {
        return None;
    };
    let shape = cx.shape(x)?;
    let channels = *shape.get(1)?;
    let (st, tt, mt, vt) = (
        cx.constant(s)?,
        cx.constant(t)?,
        cx.constant(m)?,
        cx.constant(v)?,
    );
    let mut factor_shape = vec![1; shape.len() - 1];
    factor_shape[0] = channels;
    let folded = cx.memo(vec![x, s, t, m, v, ba], || {
        let (k, shift) = fold::batch_norm_factors(&st, &tt, &mt, &vt, epsilon, channels)?;
        Some(vec![
            Tensor::new(factor_shape.clone(), k)?,
            Tensor::new(factor_shape.clone(), shift)?,
        ])
    })?;
    let [k, shift] = folded[..] else { return None };
    let name = cx.root_name();
    let k = cx.constant_node(k, format!("{name}.scale"));
    let shift = cx.constant_node(shift, format!("{name}.shift"));
    let scaled = cx.op(GraphLang::Mul([x, k]), format!("{name}.mul"), Some(&shape))?;
    cx.op(GraphLang::Add([scaled, shift]), name, Some(&shape))
}

// --- constant arithmetic ---------------------------------------------------------------------

/// `a op b` for constant classes `a`, `b` when the result is no larger than either operand.
fn combine_constants(cx: &mut Cx<'_>, a: Id, b: Id, op: BinaryOp, name: &str) -> Option<Id> {
    let (at, bt) = (cx.constant(a)?, cx.constant(b)?);
    let folded = cx.memo(vec![a, b], || {
        let combined = kernels::binary(op, &at, &bt).ok()?;
        let fits = combined.len() <= at.len().max(bt.len()) && fold::finite(combined.data());
        fits.then(|| vec![combined])
    })?;
    let [combined] = folded[..] else { return None };
    Some(cx.constant_node(combined, name.to_owned()))
}

fn merge_constant_muls(cx: &mut Cx<'_>) -> Option<Id> {
    merge_constants(cx, BinaryOp::Mul)
}

fn merge_constant_adds(cx: &mut Cx<'_>) -> Option<Id> {
    merge_constants(cx, BinaryOp::Add)
}

/// `(x op a) op b = x op (a op b)` for an associative and commutative `op`.
fn merge_constants(cx: &mut Cx<'_>, op: BinaryOp) -> Option<Id> {
    let [x, a, b] = cx.vars(["?x", "?a", "?b"])?;
    let name = cx.root_name();
    let combined = combine_constants(cx, a, b, op, &format!("{name}.constant"))?;
    let node = match op {
        BinaryOp::Mul => GraphLang::Mul([x, combined]),
        BinaryOp::Add => GraphLang::Add([x, combined]),
        BinaryOp::Sub | BinaryOp::Div | BinaryOp::Max | BinaryOp::Min => return None,
    };
    let shape = cx.root_shape()?;
    cx.op(node, name, Some(&shape))
}

fn distribute_mul_over_constant_add(cx: &mut Cx<'_>) -> Option<Id> {
    let [x, a, b] = cx.vars(["?x", "?a", "?b"])?;
    let mul_name = cx.root_name();
    let add_name = cx.name(&GraphLang::Add([x, a]));
    let ab = combine_constants(cx, a, b, BinaryOp::Mul, &format!("{add_name}.constant"))?;
    let scaled = cx.op(GraphLang::Mul([x, b]), mul_name, None)?;
    let shape = cx.root_shape()?;
    cx.op(GraphLang::Add([scaled, ab]), add_name, Some(&shape))
}

// --- structural rules ------------------------------------------------------------------------

fn drop_identity(cx: &mut Cx<'_>) -> Option<Id> {
    let [x] = cx.vars(["?x"])?;
    Some(x)
}

/// `Reshape(x, root shape)`, named after the matched node.
fn reshape_to_root(cx: &mut Cx<'_>, x: Id) -> Option<Id> {
    let shape = cx.root_shape()?;
    let target = shape
        .iter()
        .map(|&d| i64::try_from(d).ok())
        .collect::<Option<Vec<_>>>()?;
    let attrs = cx.attrs_node(GraphOp::Reshape { shape: target });
    let name = cx.root_name();
    cx.op(GraphLang::Reshape([attrs, x]), name, Some(&shape))
}

fn flatten_as_reshape(cx: &mut Cx<'_>) -> Option<Id> {
    let [x] = cx.vars(["?x"])?;
    reshape_to_root(cx, x)
}

fn reduce_as_global_pool(cx: &mut Cx<'_>) -> Option<Id> {
    let [a, x] = cx.vars(["?a", "?x"])?;
    let GraphOp::Reduce {
        kind,
        axes,
        keepdims,
    } = cx.attrs(a)?
    else {
        return None;
    };
    let rank = cx.shape(x)?.len() as i64;
    if rank < 3 || axes != (2..rank).collect::<Vec<_>>() {
        return None;
    }
    let pool = match kind.as_str() {
        "mean" => GraphLang::GlobalAveragePool(x),
        "max" => GraphLang::GlobalMaxPool(x),
        _ => return None,
    };
    let name = cx.root_name();
    if keepdims != 0 {
        let shape = cx.root_shape()?;
        return cx.op(pool, name, Some(&shape));
    }
    let pooled = cx.op(pool, format!("{name}.pool"), None)?;
    reshape_to_root(cx, pooled)
}

/// The value of a one-element constant class.
fn scalar(cx: &Cx<'_>, id: Id) -> Option<f32> {
    match cx.constant(id)?.data() {
        [v] => Some(*v),
        _ => None,
    }
}

fn fuse_erf_gelu(cx: &mut Cx<'_>) -> Option<Id> {
    let [x, e, s, one, half] = cx.vars(["?x", "?e", "?s", "?one", "?half"])?;
    let GraphOp::Unary { kind, .. } = cx.attrs(e)? else {
        return None;
    };
    let close = |v: f32, want: f32| (v - want).abs() <= 1e-6 * want.abs().max(1.0);
    let scale = scalar(cx, s)?;
    let divides = close(scale, std::f32::consts::SQRT_2);
    let multiplies = close(scale, std::f32::consts::FRAC_1_SQRT_2);
    if kind != "erf" || !(divides || multiplies) || !close(scalar(cx, one)?, 1.0) {
        return None;
    }
    if !close(scalar(cx, half)?, 0.5) {
        return None;
    }
    unary_of_root(cx, x, "gelu", 0.0)
}

fn fuse_silu(cx: &mut Cx<'_>) -> Option<Id> {
    let [x] = cx.vars(["?x"])?;
    unary_of_root(cx, x, "silu", 0.0)
}

/// `graph.unary` of `kind` on `x`, named and shaped as the matched root.
fn unary_of_root(cx: &mut Cx<'_>, x: Id, kind: &str, alpha: f32) -> Option<Id> {
    let attrs = cx.attrs_node(GraphOp::Unary {
        kind: kind.into(),
        alpha,
        beta: 0.0,
    });
    let name = cx.root_name();
    let shape = cx.root_shape()?;
    cx.op(GraphLang::Unary([attrs, x]), name, Some(&shape))
}

fn merge_reshapes(cx: &mut Cx<'_>) -> Option<Id> {
    let [x] = cx.vars(["?x"])?;
    reshape_to_root(cx, x)
}

fn drop_noop_reshape(cx: &mut Cx<'_>) -> Option<Id> {
    let [x] = cx.vars(["?x"])?;
    (cx.shape(x)? == cx.root_shape()?).then_some(x)
}

/// An ONNX `perm` resolved against `rank` (empty reverses the axes); `None` unless a permutation.
fn permutation(op: &GraphOp, rank: usize) -> Option<Vec<usize>> {
    let GraphOp::Transpose { perm } = op else {
        return None;
    };
    let perm: Vec<usize> = if perm.is_empty() {
        (0..rank).rev().collect()
    } else {
        perm.iter()
            .map(|&p| usize::try_from(p).ok())
            .collect::<Option<_>>()?
    };
    let mut seen = vec![false; rank];
    for &p in &perm {
        if p >= rank || std::mem::replace(&mut seen[p], true) {
            return None;
        }
    }
    (perm.len() == rank).then_some(perm)
}

fn merge_transposes(cx: &mut Cx<'_>) -> Option<Id> {
    let [p2, p1, x] = cx.vars(["?p2", "?p1", "?x"])?;
    let rank = cx.shape(x)?.len();
    let first = permutation(&cx.attrs(p1)?, rank)?;
    let second = permutation(&cx.attrs(p2)?, rank)?;
    let combined = second
        .iter()
        .map(|&i| i64::try_from(first[i]).ok())
        .collect::<Option<Vec<_>>>()?;
    let attrs = cx.attrs_node(GraphOp::Transpose { perm: combined });
    let name = cx.root_name();
    let shape = cx.root_shape()?;
    cx.op(GraphLang::Transpose([attrs, x]), name, Some(&shape))
}

fn drop_noop_transpose(cx: &mut Cx<'_>) -> Option<Id> {
    let [p, x] = cx.vars(["?p", "?x"])?;
    let perm = permutation(&cx.attrs(p)?, cx.shape(x)?.len())?;
    perm.iter().enumerate().all(|(i, &p)| i == p).then_some(x)
}

/// Whether a max-pool's windows each cover at least one input element (unit dilations, and
/// pads smaller than the kernel, which shape inference enforces).
fn dense_max_pool(op: &GraphOp) -> bool {
    matches!(op, GraphOp::MaxPool { dilations, .. } if dilations.iter().all(|&d| d == 1))
}

fn maxpool_of_relu(cx: &mut Cx<'_>) -> Option<Id> {
    let [p, x] = cx.vars(["?p", "?x"])?;
    if !dense_max_pool(&cx.attrs(p)?) {
        return None;
    }
    let pool_name = cx.root_name();
    let relu_name = cx.name(&GraphLang::Relu(x));
    let pooled = cx.op(GraphLang::MaxPool([p, x]), pool_name, None)?;
    let shape = cx.root_shape()?;
    cx.op(GraphLang::Relu(pooled), relu_name, Some(&shape))
}

fn relu_of_maxpool(cx: &mut Cx<'_>) -> Option<Id> {
    let [p, x] = cx.vars(["?p", "?x"])?;
    if !dense_max_pool(&cx.attrs(p)?) {
        return None;
    }
    let relu_name = cx.root_name();
    let pool_name = cx.name(&GraphLang::MaxPool([p, x]));
    let x_shape = cx.shape(x)?;
    let rectified = cx.op(GraphLang::Relu(x), relu_name, Some(&x_shape))?;
    let shape = cx.root_shape()?;
    cx.op(GraphLang::MaxPool([p, rectified]), pool_name, Some(&shape))
}

fn global_maxpool_of_relu(cx: &mut Cx<'_>) -> Option<Id> {
    let [x] = cx.vars(["?x"])?;
    let pool_name = cx.root_name();
    let relu_name = cx.name(&GraphLang::Relu(x));
    let pooled = cx.op(GraphLang::GlobalMaxPool(x), pool_name, None)?;
    let shape = cx.root_shape()?;
    cx.op(GraphLang::Relu(pooled), relu_name, Some(&shape))
}

fn relu_of_global_maxpool(cx: &mut Cx<'_>) -> Option<Id> {
    let [x] = cx.vars(["?x"])?;
    let relu_name = cx.root_name();
    let pool_name = cx.name(&GraphLang::GlobalMaxPool(x));
    let x_shape = cx.shape(x)?;
    let rectified = cx.op(GraphLang::Relu(x), relu_name, Some(&x_shape))?;
    let shape = cx.root_shape()?;
    cx.op(GraphLang::GlobalMaxPool(rectified), pool_name, Some(&shape))
}

fn fold_pad_into_conv(cx: &mut Cx<'_>) -> Option<Id> {
    let [ca, pa, x, w, b] = cx.vars(["?ca", "?pa", "?x", "?w", "?b"])?;
    let GraphOp::Pad { pads, value } = cx.attrs(pa)? else {
        return None;
    };
    let GraphOp::Conv {
        strides,
        pads: conv_pads,
        dilations,
        group,
    } = cx.attrs(ca)?
    else {
        return None;
    };
    let rank = cx.shape(x)?.len();
    let spatial = rank.checked_sub(2).filter(|&s| s > 0)?;
    if value != 0.0 || pads.len() != 2 * rank || pads.iter().any(|&p| p < 0) {
        return None;
    }
    if pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0 {
        return None;
    }
    let mut merged = if conv_pads.is_empty() {
        vec![0; 2 * spatial]
    } else {
        conv_pads
    };
    if merged.len() != 2 * spatial {
        return None;
    }
    for i in 0..spatial {
        merged[i] += pads[2 + i];
        merged[spatial + i] += pads[rank + 2 + i];
    }
    let pad_name = cx.name(&GraphLang::Pad([pa, x]));
    let name = format!("{pad_name}+{}", cx.root_name());
    let attrs = cx.attrs_node(GraphOp::Conv {
        strides,
        pads: merged,
        dilations,
        group,
    });
    let shape = cx.root_shape()?;
    cx.op(GraphLang::Conv([attrs, x, w, b]), name, Some(&shape))
}

fn clip_bounds(op: &GraphOp) -> Option<(f32, f32)> {
    match op {
        GraphOp::Clip { min, max } => Some((*min, *max)),
        _ => None,
    }
}

fn clip_of_relu(cx: &mut Cx<'_>) -> Option<Id> {
    let [a, x] = cx.vars(["?a", "?x"])?;
    let (min, _) = clip_bounds(&cx.attrs(a)?)?;
    if min.is_nan() || min < 0.0 {
        return None;
    }
    let name = cx.root_name();
    let shape = cx.root_shape()?;
    cx.op(GraphLang::Clip([a, x]), name, Some(&shape))
}

fn relu_of_clip(cx: &mut Cx<'_>) -> Option<Id> {
    let [a, x] = cx.vars(["?a", "?x"])?;
    let (min, max) = clip_bounds(&cx.attrs(a)?)?;
    if min.is_nan() || max.is_nan() || min < 0.0 || max < min {
        return None;
    }
    cx.lookup(&GraphLang::Clip([a, x]))
}

fn drop_double_relu(cx: &mut Cx<'_>) -> Option<Id> {
    let [x] = cx.vars(["?x"])?;
    cx.lookup(&GraphLang::Relu(x))
}
