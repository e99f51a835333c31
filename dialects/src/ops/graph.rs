//! The `graph` dialect: ONNX semantics on static f32 tensors (phases `onnx` and `graph`).
//! Pads are ONNX-ordered (all begins, then all ends); booleans are 0/1 integers as in ONNX.

use pim_runtime::Tensor;

crate::dialect! {
    /// An op of the `graph` dialect.
    pub enum GraphOp = "graph" {
        /// A constant tensor (weights, biases, folded subgraphs).
        Constant = "constant" (0) { value: Tensor },
        /// ONNX Conv, 1-D or 2-D spatial: operands input, weight [Cout, Cin/group, k...], bias [Cout].
        Conv = "conv" (3) { strides: Vec<i64>, pads: Vec<i64>, dilations: Vec<i64>, group: i64 },
        /// ONNX Gemm: alpha * op(A) * op(B) + beta * C.
        Gemm = "gemm" (3) { alpha: f32, beta: f32, trans_a: i64, trans_b: i64 },
        /// numpy-style matrix product.
        MatMul = "matmul" (2) {},
        /// Elementwise sum with numpy broadcasting.
        Add = "add" (2) {},
        /// Elementwise difference with numpy broadcasting.
        Sub = "sub" (2) {},
        /// Elementwise product with numpy broadcasting.
        Mul = "mul" (2) {},
        /// Elementwise quotient with numpy broadcasting.
        Div = "div" (2) {},
        /// max(x, 0).
        Relu = "relu" (1) {},
        /// x if x >= 0 else alpha * x.
        LeakyRelu = "leaky_relu" (1) { alpha: f32 },
        /// x if x >= 0 else slope * x, slope broadcast to x.
        PRelu = "prelu" (2) {},
        /// x if x >= 0 else alpha * (exp(x) - 1).
        Elu = "elu" (1) { alpha: f32 },
        /// min(max(x, min), max).
        Clip = "clip" (1) { min: f32, max: f32 },
        /// 1 / (1 + exp(-x)).
        Sigmoid = "sigmoid" (1) {},
        /// Hyperbolic tangent.
        Tanh = "tanh" (1) {},
        /// Softmax along one axis.
        Softmax = "softmax" (1) { axis: i64 },
        /// Log of softmax along one axis.
        LogSoftmax = "log_softmax" (1) { axis: i64 },
        /// ONNX MaxPool.
        MaxPool = "max_pool" (1) {
            kernel: Vec<i64>, strides: Vec<i64>, pads: Vec<i64>, dilations: Vec<i64>, ceil_mode: i64
        },
        /// ONNX AveragePool.
        AveragePool = "average_pool" (1) {
            kernel: Vec<i64>, strides: Vec<i64>, pads: Vec<i64>, ceil_mode: i64, count_include_pad: i64
        },
        /// Mean over all spatial positions.
        GlobalAveragePool = "global_average_pool" (1) {},
        /// Maximum over all spatial positions.
        GlobalMaxPool = "global_max_pool" (1) {},
        /// Inference-mode batch normalisation over axis 1: operands input, scale, bias, mean, var.
        BatchNorm = "batch_norm" (5) { epsilon: f32 },
        /// Local response normalisation across channels.
        Lrn = "lrn" (1) { size: i64, alpha: f32, beta: f32, bias: f32 },
        /// Concatenation of two tensors along one axis (n-ary concats are chains, see dialects/README.md).
        Concat = "concat" (2) { axis: i64 },
        /// Flatten to 2-D at axis.
        Flatten = "flatten" (1) { axis: i64 },
        /// Reshape to a static shape.
        Reshape = "reshape" (1) { shape: Vec<i64> },
        /// Permute dimensions.
        Transpose = "transpose" (1) { perm: Vec<i64> },
        /// Constant padding; pads are all begins then all ends.
        Pad = "pad" (1) { pads: Vec<i64>, value: f32 },
        /// Identity (imported Dropout and Identity).
        Identity = "identity" (1) {},
        /// An elementwise function: kind = exp | log | sqrt | abs | neg | reciprocal | erf | pow | softplus | softsign | gelu | hard_sigmoid | hard_swish | selu | mish | silu; alpha/beta are its parameters (pow: alpha = exponent; gelu: alpha = 1 for the tanh approximation; hard_sigmoid: alpha, beta; selu: alpha, beta = gamma).
        Unary = "unary" (1) { kind: String, alpha: f32, beta: f32 },
        /// Elementwise maximum with numpy broadcasting.
        Max = "max" (2) {  },
        /// Elementwise minimum with numpy broadcasting.
        Min = "min" (2) {  },
        /// Reduction over axes (sorted, non-negative): kind = mean | sum | max | min | l2 | sum_square; keepdims = 1 keeps them as 1.
        Reduce = "reduce" (1) { kind: String, axes: Vec<i64>, keepdims: i64 },
        /// (x - mean) / sqrt(var + epsilon) with mean and variance over axes (the core of Layer-, Instance- and GroupNormalization).
        Norm = "norm" (1) { axes: Vec<i64>, epsilon: f32 },
        /// Elements starts + k * steps (k < sizes) along every axis: ONNX Slice, Split and Gather of run-time data.
        Slice = "slice" (1) { starts: Vec<i64>, sizes: Vec<i64>, steps: Vec<i64> },
        /// Broadcast to shape (ONNX Expand).
        Expand = "expand" (1) { shape: Vec<i64> },
    }
}
