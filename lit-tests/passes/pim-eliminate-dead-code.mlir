// RUN: %pimc-opt %s --pim-eliminate-dead-code | FileCheck %s
// RUN: %pimc-opt %s --pim-eliminate-dead-code | %mlir-opt > /dev/null
// RUN: not %pimc-opt %s --pim-eliminate-dead-code=bogus 2>&1 | FileCheck %s --check-prefix=OPTION

// Ops whose results reach no output disappear (with their now unused constants); live ones stay.
// CHECK-LABEL: func.func @main
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NOT: graph.constant
  %c = "graph.constant"() {value = dense<2.0> : tensor<4xf32>} : () -> tensor<4xf32>
  // CHECK-NOT: graph.mul
  %dead = "graph.mul"(%x, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // CHECK: %[[R:.*]] = "graph.relu"(%arg0)
  %r = "graph.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  // CHECK-NEXT: return %[[R]]
  return %r : tensor<4xf32>
}

// OPTION: pass pim-eliminate-dead-code: takes no options, got `bogus`
