//! Design-space exploration (`pimc explore`): a sweep over models, chips (presets, target files
//! and overrides of any target field), batches, modes and schedulers, every point costed by the
//! cost model, written as CSV and JSON and drawn as SVG plots. See `docs/explore.md`.
//!
//! - [`spec`]: the sweep's axes, from a sweep file or the command line, checked;
//! - [`overrides`]: `--set section.field=values` on the target TOML, and the chips they make;
//! - [`points`]: the product of the axes, numbered;
//! - [`prepare`]: each model imported once per batch and lowered once per op-cost model;
//! - [`run`]: the points in parallel (rayon), with a progress bar;
//! - [`output`]: `results.json`, `results.csv`, `chips/`;
//! - [`shard`]: `--shard i/n` and `--merge`;
//! - [`plots`]: the SVG figures;
//! - [`command`]: the `pimc explore` command line.

pub mod command;
pub mod output;
pub mod overrides;
pub mod plots;
pub mod points;
pub mod prepare;
pub mod run;
pub mod shard;
pub mod spec;
#[cfg(test)]
mod tests;
