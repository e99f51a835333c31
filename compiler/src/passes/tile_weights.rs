//! `pim-tile-weights` (phase `tiled`): cuts every crossbar layer's weight matrix into crossbar
//! blocks. Each `pim.mvm`'s weight gets a `pim.tile` view recording the tiling on the target:
//! crossbar columns per weight (bit slices), row tiles (partial sums to add), column tiles,
//! groups packed per crossbar, crossbars of one copy, and the column parts a layer larger than
//! the chip is cut into (`docs/cost-model.md` §2 gives the arithmetic).
//!
//! ```text
//! %w = "pim.constant"() {value = ...} : () -> tensor<1x1152x128xf32>
//! %y = "pim.mvm"(%x, %w, %b) {...}
//! // after, on compact-4x4 (128x128 crossbars, 8 columns per weight):
//! %t = "pim.tile"(%w) {columns_per_weight = 8, row_tiles = 9, col_tiles = 8,
//!                      groups_per_crossbar = 1, crossbars = 72, parts = 1}
//! %y = "pim.mvm"(%x, %t, %b) {...}
//! ```

use super::scheduled::{insert_view, stages, tile_of, tile_op};
use super::{run_on_layers, Ir, PassContext};
use crate::cost::Granularity;
use crate::Result;
use pim_dialects::{Func, PimOp};
use pim_runtime::target::Target;

/// The pass flag.
pub const FLAG: &str = "pim-tile-weights";

/// Runs the pass (option `granularity=crossbar|tile`, default the compiler's).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(FLAG, ir, options, cx, &["granularity"], |f, o| {
        tile_weights(f, &cx.target, o.granularity)
    })
}

/// Gives every crossbar layer without one a `pim.tile` view of its weight.
pub fn tile_weights(
    func: &Func<PimOp>,
    target: &Target,
    granularity: Granularity,
) -> std::result::Result<Func<PimOp>, String> {
    let (program, nodes) = stages(func, target, granularity)?;
    let producers = func.producers();
    let mut out = func.clone();
    // Insert from the last layer backwards so earlier node indices stay valid.
    for mvm in program.stages.iter().rev().filter_map(|s| s.mvm.as_ref()) {
        let index = nodes[mvm.layer];
        let node = &func.nodes[index];
        if mvm.part + 1 != mvm.parts || tile_of(func, &producers, node).is_some() {
            continue;
        }
        let op = tile_op(&program, mvm, target, &node.name)?;
        let weight = node.operands[1];
        let tiled = insert_view(&mut out, index, format!("{}.tile", node.name), op, weight);
        out.nodes[index + 1].operands[1] = tiled;
    }
    Ok(out)
}
