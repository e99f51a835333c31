//! `pim-tile-weights` (phase `tiled`): cuts every crossbar layer's weight matrix into crossbar
//! blocks. Each `pim.mvm`'s weight gets a `pim.tile` view recording the tiling on the target
//! ([`crate::program::tiling`], the one tiling rule): crossbar columns per weight (bit slices),
//! row tiles (partial sums to add), column tiles, groups packed per crossbar, crossbars of one
//! copy, and the column parts a layer larger than the chip is cut into (`docs/cost-model.md` §3
//! gives the arithmetic).
//!
//! ```text
//! %w = "pim.constant"() {value = ...} : () -> tensor<1x1152x128xf32>
//! %y = "pim.mvm"(%x, %w, %b) {...}
//! // after, on compact-4x4 (128x128 crossbars, 8 columns per weight):
//! %t = "pim.tile"(%w) {columns_per_weight = 8, row_tiles = 9, col_tiles = 8,
//!                      groups_per_crossbar = 1, crossbars = 72, parts = 1}
//! %y = "pim.mvm"(%x, %t, %b) {...}
//! ```

use super::{run_on_layers, Ir, PassContext};
use crate::program::tiling::{column_parts, Granularity, Tiling};
use crate::program::{Network, ProgramError};
use crate::schedule::ir::{tile_of, tile_view};
use crate::Result;
use pim_dialects::{Func, Node, PimOp, ValueId};
use pim_runtime::target::Target;

/// The pass flag.
pub const FLAG: &str = "pim-tile-weights";

/// Runs the pass (options `scheduler=`, `granularity=`: the granularity the column parts are
/// cut for; default the compiler's).
pub fn run(ir: Ir, options: &str, cx: &PassContext) -> Result<Ir> {
    run_on_layers(
        FLAG,
        ir,
        options,
        cx,
        &["scheduler", "granularity"],
        |f, o| tile_weights(f, &cx.target, o.granularity()).map_err(|e| e.to_string()),
    )
}

/// Gives every crossbar layer without one a `pim.tile` view of its weight.
pub fn tile_weights(
    func: &Func<PimOp>,
    target: &Target,
    granularity: Granularity,
) -> std::result::Result<Func<PimOp>, ProgramError> {
    let network = Network::of(func)?;
    let producers = func.producers();
    let mut out = func.clone();
    // Insert from the last layer backwards so earlier node indices stay valid.
    for (layer, &index) in network.layers.iter().zip(&network.nodes).rev() {
        let Some(mvm) = layer.mvm() else { continue };
        let node = &func.nodes[index];
        if tile_of(func, &producers, node).is_some() {
            continue;
        }
        let parts = column_parts(&layer.name, mvm.shape, target, granularity)?.len() as u64;
        let op = tile_view(&Tiling::new(mvm.shape, target), parts);
        let weight = node.operands[1];
        let tiled = insert_view(&mut out, index, format!("{}.tile", node.name), op, weight);
        out.nodes[index + 1].operands[1] = tiled;
    }
    Ok(out)
}

/// Inserts `op` on `value` right before node `before`, returns its result (same shape).
fn insert_view(
    func: &mut Func<PimOp>,
    before: usize,
    name: String,
    op: PimOp,
    value: ValueId,
) -> ValueId {
    let result = func.new_value(func.shape(value).to_vec());
    func.nodes.insert(
        before,
        Node {
            op,
            operands: vec![value],
            result,
            name,
        },
    );
    result
}
