// GENERATED from the ISA table (runtime/src/isa/table.rs) by dialects/src/isa/text.rs: do not edit.
// `cargo test -p pim-dialects` checks it; PIMC_BLESS=1 rewrites it.
// The isa dialect (phase isa): one op per instruction of the ISA (op name = mnemonic, `.` -> `_`;
// one attribute per field), plus the ops of a program's non-code parts. Ops print in generic form
// only; all listed attributes are required. dialects/README.md documents the dialect.
irdl.dialect @isa {
  // ----- instructions (runtime/src/isa/table.rs) -----
  // Stop: the program has finished once every issued instruction has completed.
  irdl.operation @halt {
  }
  // Run the instructions up to the matching `endloop` `count` times (0 = skip them).
  irdl.operation @loop {
    %count = irdl.base "#builtin.integer"
    irdl.attributes {"count" = %count}
  }
  // End of the innermost open loop body.
  irdl.operation @endloop {
  }
  // Start of segment `id`: a weight group loaded once per batch (marker for reports).
  irdl.operation @seg_begin {
    %id = irdl.base "#builtin.integer"
    irdl.attributes {"id" = %id}
  }
  // End of segment `id` (marker for reports).
  irdl.operation @seg_end {
    %id = irdl.base "#builtin.integer"
    irdl.attributes {"id" = %id}
  }
  // Set address register `reg` to `value`.
  irdl.operation @rset {
    %reg = irdl.base "#builtin.integer"
    %value = irdl.base "#builtin.integer"
    irdl.attributes {"reg" = %reg, "value" = %value}
  }
  // Add the signed `value` to address register `reg` (wrapping at 32 bits).
  irdl.operation @radd {
    %reg = irdl.base "#builtin.integer"
    %value = irdl.base "#builtin.integer"
    irdl.attributes {"reg" = %reg, "value" = %value}
  }
  // Run the next `len` instructions only if `lo <= r[reg] < hi` (unsigned); else skip them. A software pipeline guards each stage's code with the range of steps it is active in.
  irdl.operation @guard {
    %reg = irdl.base "#builtin.integer"
    %lo = irdl.base "#builtin.integer"
    %hi = irdl.base "#builtin.integer"
    %len = irdl.base "#builtin.integer"
    irdl.attributes {"reg" = %reg, "lo" = %lo, "hi" = %hi, "len" = %len}
  }
  // Full fence: nothing after it starts before everything before it has completed.
  irdl.operation @barrier {
  }
  // Set event `event` once every instruction issued before this one has completed.
  irdl.operation @signal {
    %event = irdl.base "#builtin.integer"
    irdl.attributes {"event" = %event}
  }
  // Issue nothing after this until event `event` is set, then clear it.
  irdl.operation @wait {
    %event = irdl.base "#builtin.integer"
    irdl.attributes {"event" = %event}
  }
  // Copy `count` blocks of `len` elements from DRAM to an on-chip buffer.
  irdl.operation @load {
    %src = irdl.base "#builtin.string"
    %dst = irdl.base "#builtin.string"
    %len = irdl.base "#builtin.integer"
    %count = irdl.base "#builtin.integer"
    %sstride = irdl.base "#builtin.integer"
    %dstride = irdl.base "#builtin.integer"
    irdl.attributes {"src" = %src, "dst" = %dst, "len" = %len, "count" = %count, "sstride" = %sstride, "dstride" = %dstride}
  }
  // Copy `count` blocks of `len` elements from an on-chip buffer to DRAM.
  irdl.operation @store {
    %src = irdl.base "#builtin.string"
    %dst = irdl.base "#builtin.string"
    %len = irdl.base "#builtin.integer"
    %count = irdl.base "#builtin.integer"
    %sstride = irdl.base "#builtin.integer"
    %dstride = irdl.base "#builtin.integer"
    irdl.attributes {"src" = %src, "dst" = %dst, "len" = %len, "count" = %count, "sstride" = %sstride, "dstride" = %dstride}
  }
  // Copy `count` blocks of `len` elements between on-chip buffers (over the interconnect); each block is read whole before it is written, so it may overlap its destination.
  irdl.operation @copy {
    %src = irdl.base "#builtin.string"
    %dst = irdl.base "#builtin.string"
    %len = irdl.base "#builtin.integer"
    %count = irdl.base "#builtin.integer"
    %sstride = irdl.base "#builtin.integer"
    %dstride = irdl.base "#builtin.integer"
    irdl.attributes {"src" = %src, "dst" = %dst, "len" = %len, "count" = %count, "sstride" = %sstride, "dstride" = %dstride}
  }
  // Write a `rows` x `cols` block of weights from DRAM into crossbar `xbar` at (`row`, `col`), and into `copies - 1` more crossbars `xstride` apart (one DRAM read, broadcast).
  irdl.operation @wload {
    %xbar = irdl.base "#builtin.integer"
    %src = irdl.base "#builtin.string"
    %stride = irdl.base "#builtin.integer"
    %row = irdl.base "#builtin.integer"
    %col = irdl.base "#builtin.integer"
    %rows = irdl.base "#builtin.integer"
    %cols = irdl.base "#builtin.integer"
    %clear_true = irdl.is true
    %clear_false = irdl.is false
    %clear = irdl.any_of(%clear_true, %clear_false)
    %copies = irdl.base "#builtin.integer"
    %xstride = irdl.base "#builtin.integer"
    irdl.attributes {"xbar" = %xbar, "src" = %src, "stride" = %stride, "row" = %row, "col" = %col, "rows" = %rows, "cols" = %cols, "clear" = %clear, "copies" = %copies, "xstride" = %xstride}
  }
  // Multiply `count` input vectors by the active block of crossbar `xbar`; write the products to `dst`, or add them to it (`accumulate`: the row tiles of a layer summing into one output, in any order).
  irdl.operation @mvm {
    %xbar = irdl.base "#builtin.integer"
    %src = irdl.base "#builtin.string"
    %dst = irdl.base "#builtin.string"
    %count = irdl.base "#builtin.integer"
    %sstride = irdl.base "#builtin.integer"
    %dstride = irdl.base "#builtin.integer"
    %pix = irdl.base "#builtin.integer"
    %bits = irdl.base "#builtin.integer"
    %mode_dense = irdl.is "dense"
    %mode_window = irdl.is "window"
    %mode = irdl.any_of(%mode_dense, %mode_window)
    %win = irdl.base "#builtin.integer"
    %accumulate = irdl.base "#builtin.integer"
    irdl.attributes {"xbar" = %xbar, "src" = %src, "dst" = %dst, "count" = %count, "sstride" = %sstride, "dstride" = %dstride, "pix" = %pix, "bits" = %bits, "mode" = %mode, "win" = %win, "accumulate" = %accumulate}
  }
  // Partial-sum accumulation: `dst += src * 2^shift` over `count` blocks of `len` elements.
  irdl.operation @acc {
    %src = irdl.base "#builtin.string"
    %dst = irdl.base "#builtin.string"
    %len = irdl.base "#builtin.integer"
    %count = irdl.base "#builtin.integer"
    %sstride = irdl.base "#builtin.integer"
    %dstride = irdl.base "#builtin.integer"
    %shift = irdl.base "#builtin.integer"
    irdl.attributes {"src" = %src, "dst" = %dst, "len" = %len, "count" = %count, "sstride" = %sstride, "dstride" = %dstride, "shift" = %shift}
  }
  // Vector-unit operation `op` on `count` groups of `len` elements: `dst = op(a, b, param)`.
  irdl.operation @vop {
    %op_relu = irdl.is "relu"
    %op_leaky_relu = irdl.is "leaky_relu"
    %op_elu = irdl.is "elu"
    %op_clip = irdl.is "clip"
    %op_sigmoid = irdl.is "sigmoid"
    %op_tanh = irdl.is "tanh"
    %op_prelu = irdl.is "prelu"
    %op_add = irdl.is "add"
    %op_sub = irdl.is "sub"
    %op_mul = irdl.is "mul"
    %op_div = irdl.is "div"
    %op_max_pool = irdl.is "max_pool"
    %op_avg_pool = irdl.is "avg_pool"
    %op_softmax = irdl.is "softmax"
    %op_log_softmax = irdl.is "log_softmax"
    %op_lrn = irdl.is "lrn"
    %op_bias = irdl.is "bias"
    %op_scale = irdl.is "scale"
    %op_exp = irdl.is "exp"
    %op_log = irdl.is "log"
    %op_abs = irdl.is "abs"
    %op_erf = irdl.is "erf"
    %op_softplus = irdl.is "softplus"
    %op_pow = irdl.is "pow"
    %op_max = irdl.is "max"
    %op_min = irdl.is "min"
    %op_norm = irdl.is "norm"
    %op_matmul = irdl.is "matmul"
    %op_fill = irdl.is "fill"
    %op = irdl.any_of(%op_relu, %op_leaky_relu, %op_elu, %op_clip, %op_sigmoid, %op_tanh, %op_prelu, %op_add, %op_sub, %op_mul, %op_div, %op_max_pool, %op_avg_pool, %op_softmax, %op_log_softmax, %op_lrn, %op_bias, %op_scale, %op_exp, %op_log, %op_abs, %op_erf, %op_softplus, %op_pow, %op_max, %op_min, %op_norm, %op_matmul, %op_fill)
    %dst = irdl.base "#builtin.string"
    %a = irdl.base "#builtin.string"
    %b = irdl.base "#builtin.string"
    %len = irdl.base "#builtin.integer"
    %count = irdl.base "#builtin.integer"
    %param = irdl.base "#builtin.integer"
    irdl.attributes {"op" = %op, "dst" = %dst, "a" = %a, "b" = %b, "len" = %len, "count" = %count, "param" = %param}
  }
  // ----- the program's non-code parts -----
  // The target: chip name, hash (16 hex digits) and canonical TOML (empty: the built-in preset of that name).
  irdl.operation @target {
    %name = irdl.base "#builtin.string"
    %hash = irdl.base "#builtin.string"
    %toml = irdl.base "#builtin.string"
    irdl.attributes {"name" = %name, "hash" = %hash, "toml" = %toml}
  }
  // The producer and the DRAM element address of the weights' first element.
  irdl.operation @program {
    %producer = irdl.base "#builtin.string"
    %weights_base = irdl.base "#builtin.integer"
    irdl.attributes {"producer" = %producer, "weights_base" = %weights_base}
  }
  // A named weight blob at DRAM element address `addr`, its values shaped as the blob.
  irdl.operation @weight {
    %name = irdl.base "#builtin.string"
    %addr = irdl.base "#builtin.integer"
    %value_dense = irdl.base "#builtin.dense_int_or_fp_elements"
    %value_resource = irdl.base "#builtin.dense_resource_elements"
    %value = irdl.any_of(%value_dense, %value_resource)
    irdl.attributes {"name" = %name, "addr" = %addr, "value" = %value}
  }
  // Weights at DRAM element address `addr` that no blob names.
  irdl.operation @weight_data {
    %addr = irdl.base "#builtin.integer"
    %value_dense = irdl.base "#builtin.dense_int_or_fp_elements"
    %value_resource = irdl.base "#builtin.dense_resource_elements"
    %value = irdl.any_of(%value_dense, %value_resource)
    irdl.attributes {"addr" = %addr, "value" = %value}
  }
  // An input or output tensor in DRAM, row-major from element address `addr`.
  irdl.operation @binding {
    %name = irdl.base "#builtin.string"
    %direction_input = irdl.is "input"
    %direction_output = irdl.is "output"
    %direction = irdl.any_of(%direction_input, %direction_output)
    %shape = irdl.base "#builtin.dense_array"
    %dtype_f32 = irdl.is "f32"
    %dtype = irdl.any_of(%dtype_f32)
    %addr = irdl.base "#builtin.integer"
    irdl.attributes {"name" = %name, "direction" = %direction, "shape" = %shape, "dtype" = %dtype, "addr" = %addr}
  }
  // Constants-table entry `index`: floats (vop parameters, biases, scales, slopes).
  irdl.operation @const_floats {
    %index = irdl.base "#builtin.integer"
    %name = irdl.base "#builtin.string"
    %value_dense = irdl.base "#builtin.dense_int_or_fp_elements"
    %value_resource = irdl.base "#builtin.dense_resource_elements"
    %value = irdl.any_of(%value_dense, %value_resource)
    irdl.attributes {"index" = %index, "name" = %name, "value" = %value}
  }
  // Constants-table entry `index`: an image window (mvm window mode, pooling).
  irdl.operation @const_window {
    %index = irdl.base "#builtin.integer"
    %name = irdl.base "#builtin.string"
    %in_h = irdl.base "#builtin.integer"
    %in_w = irdl.base "#builtin.integer"
    %channels = irdl.base "#builtin.integer"
    %c0 = irdl.base "#builtin.integer"
    %cn = irdl.base "#builtin.integer"
    %kernel_h = irdl.base "#builtin.integer"
    %kernel_w = irdl.base "#builtin.integer"
    %stride_h = irdl.base "#builtin.integer"
    %stride_w = irdl.base "#builtin.integer"
    %dilation_h = irdl.base "#builtin.integer"
    %dilation_w = irdl.base "#builtin.integer"
    %pad_top = irdl.base "#builtin.integer"
    %pad_left = irdl.base "#builtin.integer"
    %pad_bottom = irdl.base "#builtin.integer"
    %pad_right = irdl.base "#builtin.integer"
    %row0 = irdl.base "#builtin.integer"
    %include_pad_true = irdl.is true
    %include_pad_false = irdl.is false
    %include_pad = irdl.any_of(%include_pad_true, %include_pad_false)
    irdl.attributes {"index" = %index, "name" = %name, "in_h" = %in_h, "in_w" = %in_w, "channels" = %channels, "c0" = %c0, "cn" = %cn, "kernel_h" = %kernel_h, "kernel_w" = %kernel_w, "stride_h" = %stride_h, "stride_w" = %stride_w, "dilation_h" = %dilation_h, "dilation_w" = %dilation_w, "pad_top" = %pad_top, "pad_left" = %pad_left, "pad_bottom" = %pad_bottom, "pad_right" = %pad_right, "row0" = %row0, "include_pad" = %include_pad}
  }
  // Constants-table entry `index`: LRN parameters.
  irdl.operation @const_lrn {
    %index = irdl.base "#builtin.integer"
    %name = irdl.base "#builtin.string"
    %size = irdl.base "#builtin.integer"
    %alpha = irdl.base "#builtin.float"
    %beta = irdl.base "#builtin.float"
    %bias = irdl.base "#builtin.float"
    irdl.attributes {"index" = %index, "name" = %name, "size" = %size, "alpha" = %alpha, "beta" = %beta, "bias" = %bias}
  }
  // In the code: symbol `id` (its place in the symbols section) starts before the next instruction.
  irdl.operation @symbol {
    %id = irdl.base "#builtin.integer"
    %name = irdl.base "#builtin.string"
    %kind_segment = irdl.is "segment"
    %kind_layer = irdl.is "layer"
    %kind_other = irdl.is "other"
    %kind = irdl.any_of(%kind_segment, %kind_layer, %kind_other)
    irdl.attributes {"id" = %id, "name" = %name, "kind" = %kind}
  }
  // In the code: symbol `id` ends before the next instruction.
  irdl.operation @symbol_end {
    %id = irdl.base "#builtin.integer"
    irdl.attributes {"id" = %id}
  }
}
