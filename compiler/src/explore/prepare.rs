//! The layer-level IR the points of a sweep plan from, built before any point runs: each model is
//! imported once per batch binding and rewritten and lowered once per distinct op-cost model of
//! the swept chips (the graph rewrites' extraction weighs ops by the target's crossbar, vector and
//! move times, so chips that differ there may rewrite differently; chips that differ only in
//! counts, buffers, DRAM, area or leakage share one rewrite). The IR is plain data (weights are
//! shared, not copied, by `Arc`), so the points clone it and plan in parallel without MLIR.

use super::overrides::Chip;
use super::points::Point;
use super::spec::Sweep;
use crate::cost::OpCostModel;
use crate::frontend::{import_file, ImportOptions};
use crate::passes::PassContext;
use crate::pipeline::lower_graph;
use crate::{Error, Result};
use pim_dialects::{Func, PimOp};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// What a point's layer-level IR depends on: model, batch, and op-cost model (an index into the
/// chips' distinct op-cost models).
type Key = (usize, u64, usize);

/// The layer-level IR of every (model, batch, op-cost model) the points need.
pub struct Prepared {
    /// Per chip, its op-cost model's index.
    chip_cost_model: Vec<usize>,
    /// The IR per key.
    layers: BTreeMap<Key, Func<PimOp>>,
}

impl Prepared {
    /// Imports, rewrites and lowers what `points` need, in parallel; the first error (a model that
    /// does not import or lower) stops the sweep.
    pub fn new(sweep: &Sweep, chips: &[Chip], points: &[Point]) -> Result<Prepared> {
        let mut cost_models: Vec<OpCostModel> = Vec::new();
        let mut chip_cost_model = Vec::new();
        for chip in chips {
            let model = OpCostModel::from_target(&chip.target);
            let index = cost_models.iter().position(|m| *m == model);
            chip_cost_model.push(index.unwrap_or_else(|| {
                cost_models.push(model);
                cost_models.len() - 1
            }));
        }
        let mut imports: BTreeMap<(usize, u64), BTreeMap<usize, usize>> = BTreeMap::new();
        for p in points {
            let key = chip_cost_model[p.chip];
            imports
                .entry((p.model, p.batch))
                .or_default()
                .entry(key)
                .or_insert(p.chip);
        }
        let jobs: Vec<_> = imports.into_iter().collect();
        let built: Vec<Vec<(Key, Func<PimOp>)>> = jobs
            .par_iter()
            .map(|((model, batch), representatives)| {
                import_and_lower(sweep, chips, *model, *batch, representatives)
            })
            .collect::<Result<_>>()?;
        Ok(Prepared {
            chip_cost_model,
            layers: built.into_iter().flatten().collect(),
        })
    }

    /// The layer-level IR point `p` plans from.
    pub fn layers(&self, p: &Point) -> Result<&Func<PimOp>> {
        let key = (p.model, p.batch, self.chip_cost_model[p.chip]);
        self.layers.get(&key).ok_or_else(|| {
            Error::Usage(format!(
                "internal: point {} has no prepared IR (model {}, batch {})",
                p.index, p.model, p.batch
            ))
        })
    }
}

/// Imports model `model` at `batch` once and lowers it once per op-cost model, on the chip that
/// stands for it.
fn import_and_lower(
    sweep: &Sweep,
    chips: &[Chip],
    model: usize,
    batch: u64,
    representatives: &BTreeMap<usize, usize>,
) -> Result<Vec<(Key, Func<PimOp>)>> {
    let options = ImportOptions {
        batch: usize::try_from(batch).unwrap_or(usize::MAX),
    };
    let graph = import_file(&sweep.model_path(model), options)?;
    representatives
        .iter()
        .map(|(&cost_model, &chip)| {
            let cx = PassContext {
                target: chips[chip].target.clone(),
                schedule: crate::schedule::Options::default(),
            };
            Ok(((model, batch, cost_model), lower_graph(graph.clone(), &cx)?))
        })
        .collect()
}
