//! `pim-lower-to-layers`: lowers the `graph` dialect to the layer-level `pim` dialect. Every conv,
//! gemm and matmul with constant weights becomes a crossbar layer `pim.mvm` holding its weight matrix
//! `[group, rows, cols]` (rows = input-vector length, cols = outputs per group) and its input-vector
//! count; everything else becomes a vector-unit op or a data move.
//!
//! ```text
//! %y = "graph.conv"(%x, %w, %b) {strides = array<i64: 1, 1>, ...}
//!     : (tensor<1x3x32x32xf32>, tensor<64x3x3x3xf32>, tensor<64xf32>) -> tensor<1x64x32x32xf32>
//! // becomes
//! %w2 = "pim.constant"() {value = dense<...> : tensor<1x27x64xf32>}
//! %y = "pim.mvm"(%x, %w2, %b) {kind = "conv", rows = 27 : i64, cols = 64 : i64, vectors = 1024 : i64, ...}
//! ```

use crate::graph::Graph;
use pim_dialects::{Func, GraphOp, PimOp, ValueId};
use pim_runtime::{kernels, Tensor};

/// The pass flag.
pub const FLAG: &str = "pim-lower-to-layers";

/// Lowers a graph-level function to layer level.
pub fn lower_to_layers(graph: &Graph) -> Result<Func<PimOp>, String> {
    let mut lowering = Lowering {
        graph,
        producers: graph.producers(),
        pim: Func::new(graph.name.clone()),
        map: vec![None; graph.shapes.len()],
    };
    for port in &graph.inputs {
        lowering.map[port.value] = Some(
            lowering
                .pim
                .add_input(port.name.clone(), graph.shape(port.value).to_vec()),
        );
    }
    for node in &graph.nodes {
        let result = lowering
            .lower(node)
            .map_err(|message| format!("node `{}`: {message}", node.name))?;
        lowering.map[node.result] = Some(result);
    }
    lowering.pim.outputs = graph
        .outputs
        .iter()
        .map(|p| {
            Ok(pim_dialects::Port {
                name: p.name.clone(),
                value: lowering.value(p.value)?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(crate::graph::dce::eliminate_dead_code(&lowering.pim))
}

struct Lowering<'g> {
    graph: &'g Graph,
    producers: Vec<Option<usize>>,
    pim: Func<PimOp>,
    map: Vec<Option<ValueId>>,
}

impl Lowering<'_> {
    fn value(&self, graph_value: ValueId) -> Result<ValueId, String> {
        self.map[graph_value]
            .ok_or_else(|| format!("value {graph_value} is used before it is defined"))
    }

    fn operands(&self, node: &pim_dialects::Node<GraphOp>) -> Result<Vec<ValueId>, String> {
        node.operands.iter().map(|&v| self.value(v)).collect()
    }

    /// The constant tensor behind a graph value, if it is one.
    fn constant(&self, value: ValueId) -> Option<&Tensor> {
        let node = &self.graph.nodes[self.producers[value]?];
        match &node.op {
            GraphOp::Constant { value } => Some(value),
            _ => None,
        }
    }

    fn weights(&self, value: ValueId, what: &str) -> Result<&Tensor, String> {
        self.constant(value).ok_or_else(|| {
            format!("the {what} is computed at run time; crossbars hold constant weights only")
        })
    }

    fn push_constant(&mut self, name: &str, tensor: Tensor) -> ValueId {
        let shape = tensor.shape().to_vec();
        self.pim
            .push(name, PimOp::Constant { value: tensor }, Vec::new(), shape)
    }

    fn push(
        &mut self,
        node: &pim_dialects::Node<GraphOp>,
        op: PimOp,
        operands: Vec<ValueId>,
    ) -> ValueId {
        let shape = self.graph.shape(node.result).to_vec();
        self.pim.push(node.name.clone(), op, operands, shape)
    }

    fn lower(&mut self, node: &pim_dialects::Node<GraphOp>) -> Result<ValueId, String> {
        let operands = self.operands(node)?;
        let act = |kind: &str, alpha: f32, beta: f32| PimOp::Act {
            kind: kind.into(),
            alpha,
            beta,
        };
        let binary = |kind: &str| PimOp::Binary { kind: kind.into() };
        let op = match &node.op {
            GraphOp::Constant { value } => PimOp::Constant {
                value: value.clone(),
            },
            GraphOp::Conv { .. } => return self.conv(node),
            GraphOp::Gemm { .. } => return self.gemm(node),
            GraphOp::MatMul {} => return self.matmul(node),
            GraphOp::BatchNorm { epsilon } => return self.batch_norm(node, *epsilon),
            GraphOp::Identity {} => return Ok(operands[0]),
            GraphOp::Add {} => binary("add"),
            GraphOp::Sub {} => binary("sub"),
            GraphOp::Mul {} => binary("mul"),
            GraphOp::Div {} => binary("div"),
            GraphOp::Relu {} => act("relu", 0.0, 0.0),
            GraphOp::LeakyRelu { alpha } => act("leaky_relu", *alpha, 0.0),
            GraphOp::Elu { alpha } => act("elu", *alpha, 0.0),
            GraphOp::Clip { min, max } => act("clip", *min, *max),
            GraphOp::Sigmoid {} => act("sigmoid", 0.0, 0.0),
            GraphOp::Tanh {} => act("tanh", 0.0, 0.0),
            GraphOp::PRelu {} if self.per_channel_off_image(node) => {
                return self.prelu_as_image(node)
            }
            GraphOp::PRelu {} => PimOp::PRelu {},
            GraphOp::Softmax { axis } => PimOp::Softmax {
                axis: *axis,
                log: 0,
            },
            GraphOp::LogSoftmax { axis } => PimOp::Softmax {
                axis: *axis,
                log: 1,
            },
            GraphOp::MaxPool {
                kernel,
                strides,
                pads,
                dilations,
                ceil_mode,
            } => PimOp::Pool {
                kind: "max".into(),
                kernel: kernel.clone(),
                strides: strides.clone(),
                pads: pads.clone(),
                dilations: dilations.clone(),
                ceil_mode: *ceil_mode,
                count_include_pad: 0,
            },
            GraphOp::AveragePool {
                kernel,
                strides,
                pads,
                ceil_mode,
                count_include_pad,
            } => PimOp::Pool {
                kind: "avg".into(),
                kernel: kernel.clone(),
                strides: strides.clone(),
                pads: pads.clone(),
                dilations: vec![1; kernel.len()],
                ceil_mode: *ceil_mode,
                count_include_pad: *count_include_pad,
            },
            GraphOp::GlobalAveragePool {} => self.global_pool(node, "avg"),
            GraphOp::GlobalMaxPool {} => self.global_pool(node, "max"),
            GraphOp::Lrn {
                size,
                alpha,
                beta,
                bias,
            } => PimOp::Lrn {
                size: *size,
                alpha: *alpha,
                beta: *beta,
                bias: *bias,
            },
            GraphOp::Concat { axis } => PimOp::Concat { axis: *axis },
            GraphOp::Flatten { .. } | GraphOp::Reshape { .. } => PimOp::Reshape {
                shape: self
                    .graph
                    .shape(node.result)
                    .iter()
                    .map(|&d| d as i64)
                    .collect(),
            },
            GraphOp::Transpose { perm } => PimOp::Transpose { perm: perm.clone() },
            GraphOp::Pad { pads, value } => PimOp::Pad {
                pads: pads.clone(),
                value: *value,
            },
            GraphOp::Unary { kind, alpha, beta } => act(kind, *alpha, *beta),
            GraphOp::Max {} => binary("max"),
            GraphOp::Min {} => binary("min"),
            GraphOp::Reduce {
                kind,
                axes,
                keepdims,
            } => PimOp::Reduce {
                kind: kind.clone(),
                axes: axes.clone(),
                keepdims: *keepdims,
            },
            GraphOp::Norm { axes, epsilon } => PimOp::Norm {
                axes: axes.clone(),
                epsilon: *epsilon,
            },
            GraphOp::Slice {
                starts,
                sizes,
                steps,
            } => PimOp::Slice {
                starts: starts.clone(),
                sizes: sizes.clone(),
                steps: steps.clone(),
            },
            GraphOp::Expand { shape } => PimOp::Expand {
                shape: shape.clone(),
            },
        };
        if is_one_dimensional(&op) {
            return self.as_two_dimensional(node, op, operands);
        }
        Ok(self.push(node, op, operands))
    }

    /// A 1-D convolution or pooling as the 2-D one of an image of height 1: the operand
    /// reshaped to `[N, C, 1, L]`, a kernel of height 1, the result reshaped back.
    fn as_two_dimensional(
        &mut self,
        node: &pim_dialects::Node<GraphOp>,
        op: PimOp,
        mut operands: Vec<ValueId>,
    ) -> Result<ValueId, String> {
        let input = operands[0];
        let as_image =
            |shape: &[usize]| -> Vec<usize> { [&shape[..2], &[1], &shape[2..]].concat() };
        let in_shape = as_image(self.pim.shape(input));
        operands[0] = self.reshape(&format!("{}.as_2d", node.name), input, in_shape);
        let out_shape = self.graph.shape(node.result).to_vec();
        let two_d = self.pim.push(
            format!("{}.2d", node.name),
            raise_to_two_dimensions(op),
            operands,
            as_image(&out_shape),
        );
        Ok(self.reshape(&node.name, two_d, out_shape))
    }

    /// Whether a PRelu's slope is one constant per channel (axis 1) of an input that is not an
    /// image (`[N, C, L]` of a 1-D layer, `[N, C, D, H, W]` of a 3-D one).
    fn per_channel_off_image(&self, node: &pim_dialects::Node<GraphOp>) -> bool {
        let shape = self.graph.shape(node.operands[0]);
        let Some(slope) = self.constant(node.operands[1]) else {
            return false;
        };
        let channels = shape.get(1).copied().unwrap_or(0);
        let lead = slope.shape().len() + 1 == shape.len();
        let varying: Vec<usize> = (0..slope.shape().len())
            .filter(|&a| slope.shape()[a] != 1)
            .collect();
        shape.len() != 4 && shape.len() >= 3 && lead && varying == [0] && slope.len() == channels
    }

    /// A per-channel PRelu of a non-image as the PRelu of the image `[N, C, rest, 1]`.
    fn prelu_as_image(&mut self, node: &pim_dialects::Node<GraphOp>) -> Result<ValueId, String> {
        let shape = self.graph.shape(node.operands[0]).to_vec();
        let rest: usize = shape[2..].iter().product();
        let input = self.value(node.operands[0])?;
        let image = self.reshape(
            &format!("{}.as_image", node.name),
            input,
            vec![shape[0], shape[1], rest, 1],
        );
        let slope = self.constant(node.operands[1]).ok_or("no slope")?;
        let per_channel = slope
            .reshaped(vec![shape[1], 1, 1])
            .ok_or("bad slope shape")?;
        let slope = self.push_constant(&format!("{}.slope", node.name), per_channel);
        let y = self.pim.push(
            format!("{}.image", node.name),
            PimOp::PRelu {},
            vec![image, slope],
            vec![shape[0], shape[1], rest, 1],
        );
        Ok(self.reshape(&node.name, y, shape))
    }

    /// A `pim.reshape` of `value` to `shape`.
    fn reshape(&mut self, name: &str, value: ValueId, shape: Vec<usize>) -> ValueId {
        let dims = shape.iter().map(|&d| d as i64).collect();
        self.pim
            .push(name, PimOp::Reshape { shape: dims }, vec![value], shape)
    }

    /// Global pooling is pooling with a window over the whole spatial extent.
    fn global_pool(&self, node: &pim_dialects::Node<GraphOp>, kind: &str) -> PimOp {
        let spatial: Vec<i64> = self.graph.shape(node.operands[0])[2..]
            .iter()
            .map(|&d| d as i64)
            .collect();
        PimOp::Pool {
            kind: kind.into(),
            strides: vec![1; spatial.len()],
            pads: vec![0; 2 * spatial.len()],
            dilations: vec![1; spatial.len()],
            kernel: spatial,
            ceil_mode: 0,
            count_include_pad: 0,
        }
    }

    /// Conv weights `[Cout, Cin/g, k...]` become `group` matrices `[Cin/g * prod(k), Cout/g]`.
    fn conv(&mut self, node: &pim_dialects::Node<GraphOp>) -> Result<ValueId, String> {
        let GraphOp::Conv {
            strides,
            pads,
            dilations,
            group,
        } = &node.op
        else {
            return Err("not a conv".into());
        };
        let weight = self.weights(node.operands[1], "conv weight")?.clone();
        let bias = self.weights(node.operands[2], "conv bias")?.clone();
        let groups = usize::try_from(*group).map_err(|_| "bad group".to_owned())?;
        let shape = weight.shape().to_vec();
        let (out_channels, rows) = (shape[0], shape[1..].iter().product::<usize>());
        let cols = out_channels / groups.max(1);
        let matrix = group_matrices(&weight, groups, rows, cols)?;
        let out_shape = self.graph.shape(node.result);
        let vectors = out_shape[0] * out_shape[2..].iter().product::<usize>();
        let input = self.value(node.operands[0])?;
        let w = self.push_constant(&format!("{}.weight", node.name), matrix);
        let b = self.push_constant(&format!("{}.bias", node.name), bias);
        let op = PimOp::Mvm {
            kind: "conv".into(),
            kernel: shape[2..].iter().map(|&d| d as i64).collect(),
            strides: strides.clone(),
            pads: pads.clone(),
            dilations: dilations.clone(),
            group: *group,
            rows: rows as i64,
            cols: cols as i64,
            vectors: vectors as i64,
        };
        if is_one_dimensional(&op) {
            return self.as_two_dimensional(node, op, vec![input, w, b]);
        }
        Ok(self.push(node, op, vec![input, w, b]))
    }

    fn fc(
        &mut self,
        name: &str,
        input: ValueId,
        matrix: Tensor,
        bias: Tensor,
        shape: Vec<usize>,
    ) -> ValueId {
        let (rows, cols) = (matrix.shape()[0], matrix.shape()[1]);
        let vectors = self.pim.shape(input)[0];
        let matrix = matrix.reshaped(vec![1, rows, cols]).unwrap_or(matrix);
        let w = self.push_constant(&format!("{name}.weight"), matrix);
        let b = self.push_constant(&format!("{name}.bias"), bias);
        let op = PimOp::Mvm {
            kind: "fc".into(),
            kernel: Vec::new(),
            strides: Vec::new(),
            pads: Vec::new(),
            dilations: Vec::new(),
            group: 1,
            rows: rows as i64,
            cols: cols as i64,
            vectors: vectors as i64,
        };
        self.pim.push(name, op, vec![input, w, b], shape)
    }

    /// Gemm: the matrix is alpha * op(B); a C that broadcasts per column becomes the bias, any other C
    /// a vector-unit add after the layer. A transposed A is transposed by a data move first.
    fn gemm(&mut self, node: &pim_dialects::Node<GraphOp>) -> Result<ValueId, String> {
        let GraphOp::Gemm {
            alpha,
            beta,
            trans_a,
            trans_b,
        } = &node.op
        else {
            return Err("not a gemm".into());
        };
        let Some(b) = self.constant(node.operands[1]) else {
            return self.gemm_on_vector_unit(node, (*alpha, *beta), (*trans_a, *trans_b));
        };
        let b = if *trans_b != 0 {
            kernels::transpose(b, &[1, 0]).map_err(|e| e.to_string())?
        } else {
            b.clone()
        };
        let matrix = scale(&b, *alpha);
        let cols = matrix.shape()[1];
        let mut input = self.value(node.operands[0])?;
        if *trans_a != 0 {
            let shape = self.pim.shape(input).iter().rev().copied().collect();
            input = self.pim.push(
                format!("{}.transpose_a", node.name),
                PimOp::Transpose { perm: vec![1, 0] },
                vec![input],
                shape,
            );
        }
        let out_shape = self.graph.shape(node.result).to_vec();
        let c_value = node.operands[2];
        let per_column = self
            .graph
            .shape(c_value)
            .iter()
            .rev()
            .skip(1)
            .all(|&d| d == 1);
        match self.constant(c_value) {
            Some(c) if per_column => {
                let bias = scale(
                    &c.reshaped(vec![c.len()]).unwrap_or_else(|| c.clone()),
                    *beta,
                );
                let bias = if bias.len() == cols {
                    bias
                } else {
                    Tensor::filled(vec![cols], bias.data().first().copied().unwrap_or(0.0))
                };
                Ok(self.fc(&node.name, input, matrix, bias, out_shape))
            }
            _ => {
                let layer = self.fc(
                    &format!("{}.mvm", node.name),
                    input,
                    matrix,
                    Tensor::zeros(vec![cols]),
                    out_shape.clone(),
                );
                let c = match self.constant(c_value) {
                    Some(c) => {
                        let scaled = scale(c, *beta);
                        self.push_constant(&format!("{}.c", node.name), scaled)
                    }
                    None if *beta == 1.0 => self.value(c_value)?,
                    None => return Err("a run-time C with beta != 1 is not supported".into()),
                };
                Ok(self.pim.push(
                    node.name.clone(),
                    PimOp::Binary { kind: "add".into() },
                    vec![layer, c],
                    out_shape,
                ))
            }
        }
    }

    /// A Gemm whose B is computed at run time (torch's `addmm` / `mm` of two activations): the
    /// transposes as moves, `pim.matmul` on the vector unit, then `* alpha` and `+ beta * C`.
    fn gemm_on_vector_unit(
        &mut self,
        node: &pim_dialects::Node<GraphOp>,
        (alpha, beta): (f32, f32),
        (trans_a, trans_b): (i64, i64),
    ) -> Result<ValueId, String> {
        let mut operands = Vec::new();
        for (index, transposed) in [(0, trans_a), (1, trans_b)] {
            let mut v = self.value(node.operands[index])?;
            if transposed != 0 {
                let shape = self.pim.shape(v).iter().rev().copied().collect();
                let name = format!("{}.transpose{index}", node.name);
                v = self
                    .pim
                    .push(name, PimOp::Transpose { perm: vec![1, 0] }, vec![v], shape);
            }
            operands.push(v);
        }
        let out_shape = self.graph.shape(node.result).to_vec();
        let mut y = self.pim.push(
            format!("{}.matmul", node.name),
            PimOp::MatMul {},
            operands,
            out_shape.clone(),
        );
        if alpha != 1.0 {
            let k = self.push_constant(&format!("{}.alpha", node.name), Tensor::scalar(alpha));
            let mul = PimOp::Binary { kind: "mul".into() };
            y = self.pim.push(
                format!("{}.scaled", node.name),
                mul,
                vec![y, k],
                out_shape.clone(),
            );
        }
        let c = match self.constant(node.operands[2]) {
            Some(c) => {
                let scaled = scale(c, beta);
                self.push_constant(&format!("{}.c", node.name), scaled)
            }
            None if beta == 1.0 => self.value(node.operands[2])?,
            None => return Err("a run-time C with beta != 1 is not supported".into()),
        };
        let add = PimOp::Binary { kind: "add".into() };
        Ok(self.pim.push(node.name.clone(), add, vec![y, c], out_shape))
    }

    /// MatMul with a constant 2-D right operand: leading dimensions of the left operand become
    /// more input vectors. Any other right operand (computed at run time, as attention's `K^T`
    /// and `V`, or a constant per batch) cannot sit in crossbars as weights: the product runs on
    /// the vector unit (`pim.matmul`, `docs/cost-model.md` §13).
    fn matmul(&mut self, node: &pim_dialects::Node<GraphOp>) -> Result<ValueId, String> {
        let crossbar_weight = self.constant(node.operands[1]).filter(|b| {
            b.shape().len() >= 2 && b.shape()[..b.shape().len() - 2].iter().all(|&d| d == 1)
        });
        let Some(b) = crossbar_weight else {
            let operands = self.operands(node)?;
            return Ok(self.push(node, PimOp::MatMul {}, operands));
        };
        let b_shape = b.shape().to_vec();
        let (k, n) = (b_shape[b_shape.len() - 2], b_shape[b_shape.len() - 1]);
        let matrix = b.reshaped(vec![k, n]).ok_or("bad weight shape")?;
        let input = self.value(node.operands[0])?;
        let a_shape = self.pim.shape(input).to_vec();
        let rows_of_a = a_shape.iter().product::<usize>() / k.max(1);
        let out_shape = self.graph.shape(node.result).to_vec();
        let flat = if a_shape.len() == 2 {
            input
        } else {
            let shape = vec![rows_of_a, k];
            let dims = shape.iter().map(|&d| d as i64).collect();
            self.pim.push(
                format!("{}.flatten", node.name),
                PimOp::Reshape { shape: dims },
                vec![input],
                shape,
            )
        };
        let flat_out = vec![rows_of_a, n];
        if out_shape == flat_out {
            return Ok(self.fc(&node.name, flat, matrix, Tensor::zeros(vec![n]), out_shape));
        }
        let layer = self.fc(
            &format!("{}.mvm", node.name),
            flat,
            matrix,
            Tensor::zeros(vec![n]),
            flat_out,
        );
        let dims = out_shape.iter().map(|&d| d as i64).collect();
        Ok(self.pim.push(
            node.name.clone(),
            PimOp::Reshape { shape: dims },
            vec![layer],
            out_shape,
        ))
    }

    /// A batch normalisation that did not fold into a layer: y = x * s + t per channel, on the vector unit.
    fn batch_norm(
        &mut self,
        node: &pim_dialects::Node<GraphOp>,
        epsilon: f32,
    ) -> Result<ValueId, String> {
        let params: Vec<Tensor> = node.operands[1..]
            .iter()
            .map(|&v| self.weights(v, "batch-norm parameter").cloned())
            .collect::<Result<_, _>>()?;
        let [scale_t, bias_t, mean, var] = params.as_slice() else {
            return Err("BatchNorm needs 4 parameters".into());
        };
        let s: Vec<f32> = scale_t
            .data()
            .iter()
            .zip(var.data())
            .map(|(g, v)| g / (v + epsilon).sqrt())
            .collect();
        let t: Vec<f32> = bias_t
            .data()
            .iter()
            .zip(mean.data())
            .zip(&s)
            .map(|((b, m), s)| b - m * s)
            .collect();
        let rank = self.graph.shape(node.result).len();
        let shape: Vec<usize> = std::iter::once(s.len())
            .chain(std::iter::repeat_n(1, rank.saturating_sub(2)))
            .collect();
        let tensor = |data: Vec<f32>| {
            Tensor::new(shape.clone(), data).ok_or("bad batch-norm parameter shape")
        };
        let input = self.value(node.operands[0])?;
        let out_shape = self.graph.shape(node.result).to_vec();
        let s = self.push_constant(&format!("{}.scale", node.name), tensor(s)?);
        let t = self.push_constant(&format!("{}.shift", node.name), tensor(t)?);
        let scaled = self.pim.push(
            format!("{}.mul", node.name),
            PimOp::Binary { kind: "mul".into() },
            vec![input, s],
            out_shape.clone(),
        );
        Ok(self.pim.push(
            node.name.clone(),
            PimOp::Binary { kind: "add".into() },
            vec![scaled, t],
            out_shape,
        ))
    }
}

/// Whether `op` is a convolution or pooling over one spatial axis.
fn is_one_dimensional(op: &PimOp) -> bool {
    match op {
        PimOp::Mvm { kind, kernel, .. } => kind == "conv" && kernel.len() == 1,
        PimOp::Pool { kernel, .. } => kernel.len() == 1,
        _ => false,
    }
}

/// The 2-D form of a 1-D convolution or pooling: a height-1 window with no padding, stride or
/// dilation along the new axis.
fn raise_to_two_dimensions(mut op: PimOp) -> PimOp {
    if let PimOp::Mvm {
        kernel,
        strides,
        pads,
        dilations,
        ..
    }
    | PimOp::Pool {
        kernel,
        strides,
        pads,
        dilations,
        ..
    } = &mut op
    {
        for v in [kernel, strides, dilations] {
            v.insert(0, 1);
        }
        *pads = vec![0, pads[0], 0, pads.get(1).copied().unwrap_or(0)];
    }
    op
}

fn scale(tensor: &Tensor, factor: f32) -> Tensor {
    if factor == 1.0 {
        return tensor.clone();
    }
    let data = tensor.data().iter().map(|v| v * factor).collect();
    Tensor::new(tensor.shape().to_vec(), data).unwrap_or_else(|| tensor.clone())
}

/// `[Cout, rows]` weights as `group` matrices `[rows, Cout/group]`: matrix g, row r, column c is
/// weight (g * cols + c, r).
fn group_matrices(
    weight: &Tensor,
    groups: usize,
    rows: usize,
    cols: usize,
) -> Result<Tensor, String> {
    let shape = vec![groups, rows, cols];
    let per_group = rows * cols;
    if shape.iter().product::<usize>() != weight.len() {
        return Err("conv weight does not split into groups".to_owned());
    }
    if let Some(value) = weight.splat_value() {
        return Ok(Tensor::filled(shape, value));
    }
    let mut data = vec![0.0; weight.len()];
    for (block, out) in weight
        .data()
        .chunks(per_group.max(1))
        .zip(data.chunks_mut(per_group.max(1)))
    {
        kernels::transpose_2d_into(block, cols, rows, out);
    }
    Tensor::new(shape, data).ok_or_else(|| "conv weight does not split into groups".to_owned())
}

#[cfg(test)]
mod tests {
    //! Lowering keeps the meaning: each pim op is raised back to the graph op it stands for (crossbar
    //! weight matrices turned back into ONNX weights by an independent loop) and evaluated on the
    //! reference kernels; graph and pim results must agree.

    use super::*;
    use crate::graph::{eval::evaluate, semantics::evaluate_op};

    fn conv_weight(matrix: &Tensor, kernel: &[i64]) -> Tensor {
        let [groups, rows, cols] = matrix.shape() else {
            panic!("matrix rank")
        };
        let (groups, rows, cols) = (*groups, *rows, *cols);
        let mut data = vec![0.0; groups * rows * cols];
        for (index, value) in matrix.data().iter().enumerate() {
            let (g, r, c) = (index / (rows * cols), index / cols % rows, index % cols);
            data[(g * cols + c) * rows + r] = *value;
        }
        let taps: usize = kernel.iter().map(|&k| k as usize).product();
        let shape = [
            vec![groups * cols, rows / taps],
            kernel.iter().map(|&k| k as usize).collect(),
        ]
        .concat();
        Tensor::new(shape, data).unwrap()
    }

    fn raise(op: &PimOp, operands: &[&Tensor]) -> Tensor {
        let unary = |kind: &str, alpha: f32, beta: f32| match kind {
            "relu" => GraphOp::Relu {},
            "leaky_relu" => GraphOp::LeakyRelu { alpha },
            "elu" => GraphOp::Elu { alpha },
            "clip" => GraphOp::Clip {
                min: alpha,
                max: beta,
            },
            "sigmoid" => GraphOp::Sigmoid {},
            _ => GraphOp::Tanh {},
        };
        let (graph_op, values): (GraphOp, Vec<Tensor>) = match op {
            PimOp::Constant { value } => return value.clone(),
            PimOp::Mvm {
                kind,
                kernel,
                strides,
                pads,
                dilations,
                group,
                ..
            } if kind == "conv" => {
                let op = GraphOp::Conv {
                    strides: strides.clone(),
                    pads: pads.clone(),
                    dilations: dilations.clone(),
                    group: *group,
                };
                (
                    op,
                    vec![
                        operands[0].clone(),
                        conv_weight(operands[1], kernel),
                        operands[2].clone(),
                    ],
                )
            }
            PimOp::Mvm { rows, cols, .. } => {
                let matrix = operands[1]
                    .reshaped(vec![*rows as usize, *cols as usize])
                    .unwrap();
                let op = GraphOp::Gemm {
                    alpha: 1.0,
                    beta: 1.0,
                    trans_a: 0,
                    trans_b: 0,
                };
                (op, vec![operands[0].clone(), matrix, operands[2].clone()])
            }
            PimOp::Act { kind, alpha, beta } => {
                (unary(kind, *alpha, *beta), vec![operands[0].clone()])
            }
            PimOp::Binary { kind } => {
                let op = match kind.as_str() {
                    "add" => GraphOp::Add {},
                    "sub" => GraphOp::Sub {},
                    "mul" => GraphOp::Mul {},
                    _ => GraphOp::Div {},
                };
                (op, operands.iter().map(|t| (*t).clone()).collect())
            }
            PimOp::Pool {
                kind,
                kernel,
                strides,
                pads,
                dilations,
                ceil_mode,
                count_include_pad,
            } => {
                let op = if kind == "max" {
                    GraphOp::MaxPool {
                        kernel: kernel.clone(),
                        strides: strides.clone(),
                        pads: pads.clone(),
                        dilations: dilations.clone(),
                        ceil_mode: *ceil_mode,
                    }
                } else {
                    GraphOp::AveragePool {
                        kernel: kernel.clone(),
                        strides: strides.clone(),
                        pads: pads.clone(),
                        ceil_mode: *ceil_mode,
                        count_include_pad: *count_include_pad,
                    }
                };
                (op, vec![operands[0].clone()])
            }
            PimOp::Transpose { perm } => (
                GraphOp::Transpose { perm: perm.clone() },
                vec![operands[0].clone()],
            ),
            PimOp::Reshape { shape } => (
                GraphOp::Reshape {
                    shape: shape.clone(),
                },
                vec![operands[0].clone()],
            ),
            other => panic!("raise {other:?}: not needed by these tests"),
        };
        let refs: Vec<&Tensor> = values.iter().collect();
        evaluate_op(&graph_op, &refs).unwrap()
    }

    fn evaluate_pim(func: &Func<PimOp>, inputs: &[Tensor]) -> Vec<Tensor> {
        let mut values: Vec<Option<Tensor>> = vec![None; func.shapes.len()];
        for (port, t) in func.inputs.iter().zip(inputs) {
            values[port.value] = Some(t.clone());
        }
        for node in &func.nodes {
            let operands: Vec<&Tensor> = node
                .operands
                .iter()
                .map(|&v| values[v].as_ref().unwrap())
                .collect();
            values[node.result] = Some(raise(&node.op, &operands));
        }
        func.outputs
            .iter()
            .map(|p| values[p.value].clone().unwrap())
            .collect()
    }

    fn seeded(shape: Vec<usize>, seed: u32) -> Tensor {
        let len: usize = shape.iter().product();
        let data = (0..len)
            .map(|i| {
                ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0
            })
            .collect();
        Tensor::new(shape, data).unwrap()
    }

    fn assert_same(graph: &Graph, inputs: &[Tensor]) {
        let expected = evaluate(graph, inputs).unwrap();
        let pim = lower_to_layers(graph).unwrap();
        let actual = evaluate_pim(&pim, inputs);
        for (e, a) in expected.iter().zip(&actual) {
            assert_eq!(e.shape(), a.shape());
            for (x, y) in e.data().iter().zip(a.data()) {
                assert!((x - y).abs() <= 1e-4 * (1.0 + x.abs()), "{x} vs {y}");
            }
        }
    }

    fn constant(graph: &mut Graph, name: &str, tensor: Tensor) -> ValueId {
        let shape = tensor.shape().to_vec();
        graph.push(name, GraphOp::Constant { value: tensor }, vec![], shape)
    }

    #[test]
    fn grouped_strided_padded_conv_keeps_its_meaning() {
        let mut g = Graph::new("main");
        let x = g.add_input("x", vec![2, 4, 7, 6]);
        let w = constant(&mut g, "w", seeded(vec![6, 2, 3, 2], 1));
        let b = constant(&mut g, "b", seeded(vec![6], 2));
        let op = GraphOp::Conv {
            strides: vec![2, 1],
            pads: vec![1, 0, 2, 1],
            dilations: vec![1, 2],
            group: 2,
        };
        let y = g.push("conv", op, vec![x, w, b], vec![2, 6, 5, 5]);
        g.outputs.push(pim_dialects::Port {
            name: "y".into(),
            value: y,
        });
        assert_same(&g, &[seeded(vec![2, 4, 7, 6], 3)]);
    }

    #[test]
    fn gemm_with_transposes_alpha_beta_and_full_c_keeps_its_meaning() {
        let mut g = Graph::new("main");
        let a = g.add_input("a", vec![5, 3]);
        let b = constant(&mut g, "b", seeded(vec![4, 5], 4));
        let c = constant(&mut g, "c", seeded(vec![3, 4], 5));
        let op = GraphOp::Gemm {
            alpha: 0.5,
            beta: 2.0,
            trans_a: 1,
            trans_b: 1,
        };
        let y = g.push("gemm", op, vec![a, b, c], vec![3, 4]);
        g.outputs.push(pim_dialects::Port {
            name: "y".into(),
            value: y,
        });
        assert_same(&g, &[seeded(vec![5, 3], 6)]);
    }

    #[test]
    fn batched_matmul_and_standalone_batch_norm_keep_their_meaning() {
        let mut g = Graph::new("main");
        let x = g.add_input("x", vec![2, 3, 4]);
        let w = constant(&mut g, "w", seeded(vec![4, 5], 7));
        let m = g.push("mm", GraphOp::MatMul {}, vec![x, w], vec![2, 3, 5]);
        let params: Vec<ValueId> = (0..4)
            .map(|k| {
                constant(
                    &mut g,
                    &format!("p{k}"),
                    if k == 3 {
                        Tensor::filled(vec![3], 0.5)
                    } else {
                        seeded(vec![3], 8 + k)
                    },
                )
            })
            .collect();
        let bn = g.push(
            "bn",
            GraphOp::BatchNorm { epsilon: 1e-5 },
            [vec![m], params].concat(),
            vec![2, 3, 5],
        );
        g.outputs.push(pim_dialects::Port {
            name: "y".into(),
            value: bn,
        });
        assert_same(&g, &[seeded(vec![2, 3, 4], 9)]);
    }

    #[test]
    fn run_time_right_operands_run_on_the_vector_unit() {
        let mut g = Graph::new("main");
        let a = g.add_input("a", vec![2, 3]);
        let b = g.add_input("b", vec![3, 4]);
        let y = g.push("mm", GraphOp::MatMul {}, vec![a, b], vec![2, 4]);
        g.outputs.push(pim_dialects::Port {
            name: "y".into(),
            value: y,
        });
        let pim = lower_to_layers(&g).unwrap();
        assert!(
            matches!(pim.nodes[0].op, PimOp::MatMul {}),
            "{:?}",
            pim.nodes
        );
    }

    #[test]
    fn one_dimensional_convolutions_become_two_dimensional() {
        let mut g = Graph::new("main");
        let x = g.add_input("x", vec![1, 4, 16]);
        let w = constant(&mut g, "w", seeded(vec![6, 4, 3], 1));
        let b = constant(&mut g, "b", seeded(vec![6], 2));
        let op = GraphOp::Conv {
            strides: vec![2],
            pads: vec![1, 0],
            dilations: vec![1],
            group: 1,
        };
        let y = g.push("conv", op, vec![x, w, b], vec![1, 6, 7]);
        g.outputs.push(pim_dialects::Port {
            name: "y".into(),
            value: y,
        });
        let pim = lower_to_layers(&g).unwrap();
        let kernels: Vec<&Vec<i64>> = pim
            .nodes
            .iter()
            .filter_map(|n| match &n.op {
                PimOp::Mvm { kernel, .. } => Some(kernel),
                _ => None,
            })
            .collect();
        assert_eq!(kernels, [&vec![1, 3]]);
        assert_eq!(pim.shape(pim.outputs[0].value), [1, 6, 7]);
    }
}
