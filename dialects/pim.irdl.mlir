// The pimc dialects, defined in IRDL. MLIR loads this file at run time (pimc, pimc-opt) and
// `mlir-opt --irdl-file=dialects/pim.irdl.mlir` checks any dumped IR against it without pimc.
// IRDL ops print and parse in generic form only: "graph.conv"(%x, %w, %b) {...} : (...) -> ...
// Every SSA value below is a constraint variable: each operand gets its own so that operand types
// may differ. All listed attributes are required. See dialects/README.md for the op tables.

// Graph level (phases onnx and graph): ONNX semantics on static f32 tensors.
irdl.dialect @graph {
  // A constant tensor (weights, biases, folded subgraphs).
  irdl.operation @constant {
    %result = irdl.base "!builtin.tensor"
    %dense = irdl.base "#builtin.dense_int_or_fp_elements"
    %resource = irdl.base "#builtin.dense_resource_elements"
    %value_attr = irdl.any_of(%dense, %resource)
    irdl.results(result: %result)
    irdl.attributes {"value" = %value_attr}
  }
  // ONNX Conv, 1-D or 2-D spatial; pads are all begins then all ends.
  irdl.operation @conv {
    %input = irdl.base "!builtin.tensor"
    %weight = irdl.base "!builtin.tensor"
    %bias = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %strides_attr = irdl.base "#builtin.dense_array"
    %pads_attr = irdl.base "#builtin.dense_array"
    %dilations_attr = irdl.base "#builtin.dense_array"
    %group_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input, weight: %weight, bias: %bias)
    irdl.results(result: %result)
    irdl.attributes {"strides" = %strides_attr, "pads" = %pads_attr, "dilations" = %dilations_attr, "group" = %group_attr}
  }
  // ONNX Gemm: alpha * op(A) * op(B) + beta * C.
  irdl.operation @gemm {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %c = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %alpha_attr = irdl.base "#builtin.float"
    %beta_attr = irdl.base "#builtin.float"
    %trans_a_attr = irdl.base "#builtin.integer"
    %trans_b_attr = irdl.base "#builtin.integer"
    irdl.operands(a: %a, b: %b, c: %c)
    irdl.results(result: %result)
    irdl.attributes {"alpha" = %alpha_attr, "beta" = %beta_attr, "trans_a" = %trans_a_attr, "trans_b" = %trans_b_attr}
  }
  // numpy-style matrix product.
  irdl.operation @matmul {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(a: %a, b: %b)
    irdl.results(result: %result)
  }
  // Elementwise sum with numpy broadcasting.
  irdl.operation @add {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(result: %result)
  }
  // Elementwise difference with numpy broadcasting.
  irdl.operation @sub {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(result: %result)
  }
  // Elementwise product with numpy broadcasting.
  irdl.operation @mul {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(result: %result)
  }
  // Elementwise quotient with numpy broadcasting.
  irdl.operation @div {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(result: %result)
  }
  // max(x, 0).
  irdl.operation @relu {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(result: %result)
  }
  // x if x >= 0 else alpha * x.
  irdl.operation @leaky_relu {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %alpha_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"alpha" = %alpha_attr}
  }
  // x if x >= 0 else slope * x, slope broadcast to x.
  irdl.operation @prelu {
    %input = irdl.base "!builtin.tensor"
    %slope = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(input: %input, slope: %slope)
    irdl.results(result: %result)
  }
  // x if x >= 0 else alpha * (exp(x) - 1).
  irdl.operation @elu {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %alpha_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"alpha" = %alpha_attr}
  }
  // min(max(x, min), max).
  irdl.operation @clip {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %min_attr = irdl.base "#builtin.float"
    %max_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"min" = %min_attr, "max" = %max_attr}
  }
  // 1 / (1 + exp(-x)).
  irdl.operation @sigmoid {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(result: %result)
  }
  // Hyperbolic tangent.
  irdl.operation @tanh {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(result: %result)
  }
  // Softmax along one axis.
  irdl.operation @softmax {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %axis_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"axis" = %axis_attr}
  }
  // Log of softmax along one axis.
  irdl.operation @log_softmax {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %axis_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"axis" = %axis_attr}
  }
  // ONNX MaxPool.
  irdl.operation @max_pool {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %kernel_attr = irdl.base "#builtin.dense_array"
    %strides_attr = irdl.base "#builtin.dense_array"
    %pads_attr = irdl.base "#builtin.dense_array"
    %dilations_attr = irdl.base "#builtin.dense_array"
    %ceil_mode_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"kernel" = %kernel_attr, "strides" = %strides_attr, "pads" = %pads_attr, "dilations" = %dilations_attr, "ceil_mode" = %ceil_mode_attr}
  }
  // ONNX AveragePool.
  irdl.operation @average_pool {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %kernel_attr = irdl.base "#builtin.dense_array"
    %strides_attr = irdl.base "#builtin.dense_array"
    %pads_attr = irdl.base "#builtin.dense_array"
    %ceil_mode_attr = irdl.base "#builtin.integer"
    %count_include_pad_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"kernel" = %kernel_attr, "strides" = %strides_attr, "pads" = %pads_attr, "ceil_mode" = %ceil_mode_attr, "count_include_pad" = %count_include_pad_attr}
  }
  // Mean over all spatial positions.
  irdl.operation @global_average_pool {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(result: %result)
  }
  // Maximum over all spatial positions.
  irdl.operation @global_max_pool {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(result: %result)
  }
  // Inference-mode batch normalisation over axis 1.
  irdl.operation @batch_norm {
    %input = irdl.base "!builtin.tensor"
    %scale = irdl.base "!builtin.tensor"
    %bias = irdl.base "!builtin.tensor"
    %mean = irdl.base "!builtin.tensor"
    %var = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %epsilon_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input, scale: %scale, bias: %bias, mean: %mean, var: %var)
    irdl.results(result: %result)
    irdl.attributes {"epsilon" = %epsilon_attr}
  }
  // Local response normalisation across channels.
  irdl.operation @lrn {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %size_attr = irdl.base "#builtin.integer"
    %alpha_attr = irdl.base "#builtin.float"
    %beta_attr = irdl.base "#builtin.float"
    %bias_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"size" = %size_attr, "alpha" = %alpha_attr, "beta" = %beta_attr, "bias" = %bias_attr}
  }
  // Concatenation of two tensors along one axis (n-ary concats are chains: IRDL binds one constraint variable to all values of a variadic group, so variadic operands could not differ in shape).
  irdl.operation @concat {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %axis_attr = irdl.base "#builtin.integer"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(result: %result)
    irdl.attributes {"axis" = %axis_attr}
  }
  // Flatten to 2-D at axis.
  irdl.operation @flatten {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %axis_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"axis" = %axis_attr}
  }
  // Reshape to a static shape.
  irdl.operation @reshape {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %shape_attr = irdl.base "#builtin.dense_array"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"shape" = %shape_attr}
  }
  // Permute dimensions.
  irdl.operation @transpose {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %perm_attr = irdl.base "#builtin.dense_array"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"perm" = %perm_attr}
  }
  // Constant padding; pads are all begins then all ends.
  irdl.operation @pad {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %pads_attr = irdl.base "#builtin.dense_array"
    %value_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"pads" = %pads_attr, "value" = %value_attr}
  }
  // Identity (imported Dropout and Identity).
  irdl.operation @identity {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(result: %result)
  }
  // An elementwise function: kind = exp | log | sqrt | abs | neg | reciprocal | erf | pow | softplus | softsign | gelu | hard_sigmoid | hard_swish | selu | mish | silu; alpha/beta are its parameters (pow: alpha = exponent; gelu: alpha = 1 for the tanh approximation; hard_sigmoid: alpha, beta; selu: alpha, beta = gamma).
  irdl.operation @unary {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %kind_attr = irdl.base "#builtin.string"
    %alpha_attr = irdl.base "#builtin.float"
    %beta_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"kind" = %kind_attr, "alpha" = %alpha_attr, "beta" = %beta_attr}
  }
  // Elementwise maximum with numpy broadcasting.
  irdl.operation @max {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(result: %result)
  }
  // Elementwise minimum with numpy broadcasting.
  irdl.operation @min {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(result: %result)
  }
  // Reduction over axes (sorted, non-negative): kind = mean | sum | max | min | l2 | sum_square; keepdims = 1 keeps them as 1.
  irdl.operation @reduce {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %kind_attr = irdl.base "#builtin.string"
    %axes_attr = irdl.base "#builtin.dense_array"
    %keepdims_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"kind" = %kind_attr, "axes" = %axes_attr, "keepdims" = %keepdims_attr}
  }
  // (x - mean) / sqrt(var + epsilon) with mean and variance over axes (the core of Layer-, Instance- and GroupNormalization).
  irdl.operation @norm {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %axes_attr = irdl.base "#builtin.dense_array"
    %epsilon_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"axes" = %axes_attr, "epsilon" = %epsilon_attr}
  }
  // Elements starts + k * steps (k < sizes) along every axis: ONNX Slice, Split and Gather of run-time data.
  irdl.operation @slice {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %starts_attr = irdl.base "#builtin.dense_array"
    %sizes_attr = irdl.base "#builtin.dense_array"
    %steps_attr = irdl.base "#builtin.dense_array"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"starts" = %starts_attr, "sizes" = %sizes_attr, "steps" = %steps_attr}
  }
  // Broadcast to shape (ONNX Expand).
  irdl.operation @expand {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %shape_attr = irdl.base "#builtin.dense_array"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"shape" = %shape_attr}
  }
}

// Layer level (phase pim): crossbar MVM layers and vector-unit ops.
irdl.dialect @pim {
  // A constant tensor (weight matrices, biases, vector-unit operands).
  irdl.operation @constant {
    %result = irdl.base "!builtin.tensor"
    %dense = irdl.base "#builtin.dense_int_or_fp_elements"
    %resource = irdl.base "#builtin.dense_resource_elements"
    %value_attr = irdl.any_of(%dense, %resource)
    irdl.results(result: %result)
    irdl.attributes {"value" = %value_attr}
  }
  // A crossbar layer: input vectors times a weight matrix. kind = "conv" (im2col vectors) or "fc"; weight is [group, rows, cols].
  irdl.operation @mvm {
    %input = irdl.base "!builtin.tensor"
    %weight = irdl.base "!builtin.tensor"
    %bias = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %kind_attr = irdl.base "#builtin.string"
    %kernel_attr = irdl.base "#builtin.dense_array"
    %strides_attr = irdl.base "#builtin.dense_array"
    %pads_attr = irdl.base "#builtin.dense_array"
    %dilations_attr = irdl.base "#builtin.dense_array"
    %group_attr = irdl.base "#builtin.integer"
    %rows_attr = irdl.base "#builtin.integer"
    %cols_attr = irdl.base "#builtin.integer"
    %vectors_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input, weight: %weight, bias: %bias)
    irdl.results(result: %result)
    irdl.attributes {"kind" = %kind_attr, "kernel" = %kernel_attr, "strides" = %strides_attr, "pads" = %pads_attr, "dilations" = %dilations_attr, "group" = %group_attr, "rows" = %rows_attr, "cols" = %cols_attr, "vectors" = %vectors_attr}
  }
  // Vector-unit activation: kind = relu | leaky_relu | elu | clip | sigmoid | tanh | exp | log | sqrt | abs | neg | reciprocal | erf | pow | softplus | softsign | gelu | hard_sigmoid | hard_swish | selu | mish | silu; alpha/beta are its parameters (clip: min/max; the others as graph.unary).
  irdl.operation @act {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %kind_attr = irdl.base "#builtin.string"
    %alpha_attr = irdl.base "#builtin.float"
    %beta_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"kind" = %kind_attr, "alpha" = %alpha_attr, "beta" = %beta_attr}
  }
  // Vector-unit parametric ReLU.
  irdl.operation @prelu {
    %input = irdl.base "!builtin.tensor"
    %slope = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(input: %input, slope: %slope)
    irdl.results(result: %result)
  }
  // Vector-unit elementwise op with broadcasting: kind = add | sub | mul | div | max | min.
  irdl.operation @binary {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %kind_attr = irdl.base "#builtin.string"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(result: %result)
    irdl.attributes {"kind" = %kind_attr}
  }
  // Vector-unit pooling: kind = max | avg.
  irdl.operation @pool {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %kind_attr = irdl.base "#builtin.string"
    %kernel_attr = irdl.base "#builtin.dense_array"
    %strides_attr = irdl.base "#builtin.dense_array"
    %pads_attr = irdl.base "#builtin.dense_array"
    %dilations_attr = irdl.base "#builtin.dense_array"
    %ceil_mode_attr = irdl.base "#builtin.integer"
    %count_include_pad_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"kind" = %kind_attr, "kernel" = %kernel_attr, "strides" = %strides_attr, "pads" = %pads_attr, "dilations" = %dilations_attr, "ceil_mode" = %ceil_mode_attr, "count_include_pad" = %count_include_pad_attr}
  }
  // Vector-unit softmax (log = 1: log-softmax) along one axis.
  irdl.operation @softmax {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %axis_attr = irdl.base "#builtin.integer"
    %log_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"axis" = %axis_attr, "log" = %log_attr}
  }
  // Vector-unit local response normalisation.
  irdl.operation @lrn {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %size_attr = irdl.base "#builtin.integer"
    %alpha_attr = irdl.base "#builtin.float"
    %beta_attr = irdl.base "#builtin.float"
    %bias_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"size" = %size_attr, "alpha" = %alpha_attr, "beta" = %beta_attr, "bias" = %bias_attr}
  }
  // Concatenation of two tensors along one axis (a data move; n-ary concats are chains).
  irdl.operation @concat {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %axis_attr = irdl.base "#builtin.integer"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(result: %result)
    irdl.attributes {"axis" = %axis_attr}
  }
  // Reshape (free: a view).
  irdl.operation @reshape {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %shape_attr = irdl.base "#builtin.dense_array"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"shape" = %shape_attr}
  }
  // Permute dimensions (a data move).
  irdl.operation @transpose {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %perm_attr = irdl.base "#builtin.dense_array"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"perm" = %perm_attr}
  }
  // Constant padding (a data move).
  irdl.operation @pad {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %pads_attr = irdl.base "#builtin.dense_array"
    %value_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"pads" = %pads_attr, "value" = %value_attr}
  }
  // Vector-unit reduction over axes: kind = mean | sum | max | min | l2 | sum_square.
  irdl.operation @reduce {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %kind_attr = irdl.base "#builtin.string"
    %axes_attr = irdl.base "#builtin.dense_array"
    %keepdims_attr = irdl.base "#builtin.integer"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"kind" = %kind_attr, "axes" = %axes_attr, "keepdims" = %keepdims_attr}
  }
  // Vector-unit normalisation to mean 0 and variance 1 over axes.
  irdl.operation @norm {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %axes_attr = irdl.base "#builtin.dense_array"
    %epsilon_attr = irdl.base "#builtin.float"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"axes" = %axes_attr, "epsilon" = %epsilon_attr}
  }
  // Strided slice (a data move).
  irdl.operation @slice {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %starts_attr = irdl.base "#builtin.dense_array"
    %sizes_attr = irdl.base "#builtin.dense_array"
    %steps_attr = irdl.base "#builtin.dense_array"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"starts" = %starts_attr, "sizes" = %sizes_attr, "steps" = %steps_attr}
  }
  // Broadcast to shape (a data move).
  irdl.operation @expand {
    %input = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %shape_attr = irdl.base "#builtin.dense_array"
    irdl.operands(input: %input)
    irdl.results(result: %result)
    irdl.attributes {"shape" = %shape_attr}
  }
  // Vector-unit matrix product of two run-time tensors (numpy batching): attention's Q x K^T and A x V.
  irdl.operation @matmul {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    irdl.operands(a: %a, b: %b)
    irdl.results(result: %result)
  }
  // Phase tiled: the weight matrix cut into crossbar blocks (a view of the weight; pim-tile-weights).
  irdl.operation @tile {
    %weight = irdl.base "!builtin.tensor"
    %result = irdl.base "!builtin.tensor"
    %columns_per_weight_attr = irdl.base "#builtin.integer"
    %row_tiles_attr = irdl.base "#builtin.integer"
    %col_tiles_attr = irdl.base "#builtin.integer"
    %groups_per_crossbar_attr = irdl.base "#builtin.integer"
    %crossbars_attr = irdl.base "#builtin.integer"
    %parts_attr = irdl.base "#builtin.integer"
    irdl.operands(weight: %weight)
    irdl.results(result: %result)
    irdl.attributes {"columns_per_weight" = %columns_per_weight_attr, "row_tiles" = %row_tiles_attr, "col_tiles" = %col_tiles_attr, "groups_per_crossbar" = %groups_per_crossbar_attr, "crossbars" = %crossbars_attr, "parts" = %parts_attr}
  }
  // Phase scheduled: the function's schedule, after its ops (pimc's schedule.rs). The region holds the segments in execution order; every block of the schedule's regions ends in ub.unreachable (a declaration, never executed).
  irdl.operation @schedule {
    %pipeline_attr = irdl.base "#builtin.string"
    %scheduler_attr = irdl.base "#builtin.string"
    %granularity_attr = irdl.base "#builtin.string"
    %batch_attr = irdl.base "#builtin.integer"
    %runs_attr = irdl.base "#builtin.integer"
    %images_attr = irdl.base "#builtin.integer"
    %segments = irdl.region with size 1
    irdl.attributes {"pipeline" = %pipeline_attr, "scheduler" = %scheduler_attr, "granularity" = %granularity_attr, "batch" = %batch_attr, "runs" = %runs_attr, "images" = %images_attr}
    irdl.regions(segments: %segments)
  }
  // Phase scheduled: a segment, stages whose weights are on chip together; the region holds its stages in order.
  irdl.operation @segment {
    %stages = irdl.region with size 1
    irdl.regions(stages: %stages)
  }
  // Phase scheduled: a stage, a crossbar layer (or column part) and its vector epilogue; the region holds one pim.layer per layer in order. copies of the weights, copy d from first_crossbar + d x copy_stride (both -1: not placed), loaded at the segment's start or prefetched during the previous segment.
  irdl.operation @stage {
    %copies_attr = irdl.base "#builtin.integer"
    %copy_stride_attr = irdl.base "#builtin.integer"
    %first_crossbar_attr = irdl.base "#builtin.integer"
    %load_attr = irdl.base "#builtin.string"
    %part_attr = irdl.base "#builtin.integer"
    %parts_attr = irdl.base "#builtin.integer"
    %layers = irdl.region with size 1
    irdl.attributes {"copies" = %copies_attr, "copy_stride" = %copy_stride_attr, "first_crossbar" = %first_crossbar_attr, "load" = %load_attr, "part" = %part_attr, "parts" = %parts_attr}
    irdl.regions(layers: %layers)
  }
  // Phase scheduled: one layer of a stage, named by its result.
  irdl.operation @layer {
    %value = irdl.base "!builtin.tensor"
    irdl.operands(value: %value)
  }
}
