// RUN: not %pimc-opt %s --pim-rewrite-graph=rules=no-such-rule 2>&1 | FileCheck %s
// RUN: not %pimc-opt %s --pim-rewrite-graph=rules=drop-identity,no-such-rule 2>&1 | FileCheck %s
// RUN: not %pimc-opt %s --pim-rewrite-graph=bogus 2>&1 | FileCheck %s --check-prefix=OPTION

// An unknown rule name is an error that names it and lists every valid rule, in table order; a
// valid name next to it does not help. The input is never printed.
// CHECK: error: pass pim-rewrite-graph: unknown rewrite rule `no-such-rule`; valid rules:
// CHECK-SAME: fold-bn-into-conv, fold-bn-into-gemm, fold-mul-into-conv, fold-add-into-conv,
// CHECK-SAME: fold-mul-into-gemm, fold-add-into-gemm, fold-scalar-mul-into-gemm,
// CHECK-SAME: fold-add-into-matmul, fold-affine-into-matmul, fold-batchnorm-standalone, merge-constant-muls,
// CHECK-SAME: merge-constant-adds, distribute-mul-over-constant-add, drop-identity,
// CHECK-SAME: flatten-as-reshape, reduce-as-global-pool, fuse-erf-gelu, fuse-silu, merge-reshapes, drop-noop-reshape, merge-transposes,
// CHECK-SAME: drop-noop-transpose, relu-commutes-with-maxpool, fold-pad-into-conv,
// CHECK-SAME: absorb-relu-into-clip, drop-double-relu
// CHECK-NOT: func.func

// An option other than rules=... is an error too.
// OPTION: error: pass pim-rewrite-graph: unknown option `bogus`; expected rules=
// OPTION-NOT: func.func
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %i = "graph.identity"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %i : tensor<2x3xf32>
}
