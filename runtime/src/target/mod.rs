//! Target descriptions: the PIM chip that pimc compiles for and the runtime simulates.
//!
//! A target is one TOML file (schema and sources in `docs/targets.md`) with the sections
//! `[chip]` (name, node, clock, hierarchy chip -> tiles -> PEs -> crossbars), `[crossbar]`
//! (array, ADC, shift-and-add, accumulation, writes), `[precision]`, `[buffers]`,
//! `[interconnect]`, `[vector]`, `[dram]`, `[leakage]` and `[area]`. The compiler reads it for
//! mapping and its cost model, the runtime for its timing simulation; a `.pimbin` records the
//! target's [`Target::hash`] so the two can be checked to agree.
//!
//! Built-in presets (see [`Target::preset_names`]) are embedded in the binary:
//!
//! - `compact-4x4`: the compact SRAM chip of Chen and Yang (AICAS 2025), calibrated against its
//!   NeuroSim per-layer numbers;
//! - `unlimited-6x6`: the same chip with 6x6 tiles, the paper's area-unlimited comparison;
//! - `isaac-rram`: ISAAC (Shafiee et al., ISCA 2016), a ReRAM crossbar accelerator.
//!
//! ```
//! use pim_runtime::target::Target;
//! let t = Target::preset("compact-4x4")?;
//! assert_eq!(t.total_crossbars(), 4096);
//! assert_eq!(t.chip_weight_capacity(), 8 * 1024 * 1024);
//! # Ok::<(), pim_runtime::target::TargetError>(())
//! ```

mod error;
mod scaling;
mod schema;
#[cfg(test)]
mod tests;
mod validate;

use std::ops::Range;

use serde::{Deserialize, Serialize};

pub use error::TargetError;
pub use schema::{
    Area, Buffers, CellTechnology, Chip, Crossbar, Dram, Interconnect, Leakage, Precision,
    Topology, Vector,
};

/// The built-in presets: name and TOML text.
const PRESETS: &[(&str, &str)] = &[
    (
        "compact-4x4",
        include_str!("../../targets/compact-4x4.toml"),
    ),
    (
        "unlimited-6x6",
        include_str!("../../targets/unlimited-6x6.toml"),
    ),
    ("isaac-rram", include_str!("../../targets/isaac-rram.toml")),
];

/// The names of [`PRESETS`], in the same order.
const PRESET_NAMES: &[&str] = &["compact-4x4", "unlimited-6x6", "isaac-rram"];

/// A complete, deserialised target description. Build one with [`Target::preset`],
/// [`Target::load`] or [`Target::from_toml_str`]; those validate it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Identity, technology, clock and hierarchy.
    pub chip: Chip,
    /// One crossbar and its read-out and write path.
    pub crossbar: Crossbar,
    /// Number formats.
    pub precision: Precision,
    /// On-chip buffers.
    pub buffers: Buffers,
    /// On-chip network.
    pub interconnect: Interconnect,
    /// Vector unit.
    pub vector: Vector,
    /// Off-chip memory.
    pub dram: Dram,
    /// Static power.
    pub leakage: Leakage,
    /// Silicon area.
    pub area: Area,
}

impl Target {
    /// The names of the built-in presets.
    pub fn preset_names() -> &'static [&'static str] {
        PRESET_NAMES
    }

    /// A built-in preset by name, parsed and validated.
    pub fn preset(name: &str) -> Result<Target, TargetError> {
        Target::from_toml_str(preset_text(name)?, &format!("preset {name}"))
    }

    /// A preset name or a path: a path if it ends in `.toml` or contains a `/` (or `\`),
    /// otherwise a preset name.
    pub fn load(name_or_path: &str) -> Result<Target, TargetError> {
        let (text, origin) = Target::source(name_or_path)?;
        Target::from_toml_str(&text, &origin)
    }

    /// The TOML text [`Target::load`] reads for `name_or_path`, and the origin its errors name
    /// (`preset NAME` or the path); e.g. to edit the text's table before parsing it.
    pub fn source(name_or_path: &str) -> Result<(String, String), TargetError> {
        let is_path = name_or_path.ends_with(".toml")
            || name_or_path.contains('/')
            || name_or_path.contains('\\');
        if !is_path {
            let text = preset_text(name_or_path)?.to_string();
            return Ok((text, format!("preset {name_or_path}")));
        }
        let text = std::fs::read_to_string(name_or_path).map_err(|source| TargetError::Io {
            path: name_or_path.to_string(),
            source,
        })?;
        Ok((text, name_or_path.to_string()))
    }

    /// Parses and validates TOML text; `origin` (a path or a preset name) prefixes error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Target, TargetError> {
        // First as plain TOML, so syntax errors are told apart from schema errors.
        if let Err(e) = text.parse::<toml::Table>() {
            let (line, column) = line_column(text, e.span());
            return Err(TargetError::Syntax {
                origin: origin.to_string(),
                line,
                column,
                message: one_line(e.message()),
            });
        }
        let target: Target = toml::from_str(text).map_err(|e| {
            let (line, column) = line_column(text, e.span());
            let message = one_line(e.message());
            let origin = origin.to_string();
            if message.starts_with("unknown field") {
                TargetError::UnknownField {
                    origin,
                    line,
                    column,
                    message,
                }
            } else {
                TargetError::Schema {
                    origin,
                    line,
                    column,
                    message,
                }
            }
        })?;
        validate::validate(&target, origin)?;
        Ok(target)
    }

    /// Checks that the description is a machine: see [`TargetError`] for what is rejected.
    /// Loading functions call this already; call it after editing a `Target` in code.
    pub fn validate(&self) -> Result<(), TargetError> {
        validate::validate(self, &format!("target `{}`", self.chip.name))
    }

    /// The canonical TOML form: every section and field in schema order, one `field = value`
    /// per line, no comments; floats in shortest round-trip form. Parsing it gives back an
    /// equal `Target`. This is the text [`Target::hash`] is computed over.
    pub fn to_toml_string(&self) -> String {
        let mut out = String::new();
        self.chip.write_canonical(&mut out);
        out.push('\n');
        self.crossbar.write_canonical(&mut out);
        out.push('\n');
        self.precision.write_canonical(&mut out);
        out.push('\n');
        self.buffers.write_canonical(&mut out);
        out.push('\n');
        self.interconnect.write_canonical(&mut out);
        out.push('\n');
        self.vector.write_canonical(&mut out);
        out.push('\n');
        self.dram.write_canonical(&mut out);
        out.push('\n');
        self.leakage.write_canonical(&mut out);
        out.push('\n');
        self.area.write_canonical(&mut out);
        out
    }

    /// A stable 64-bit identity of the target: FNV-1a over [`Target::to_toml_string`].
    /// Comments, whitespace and field order in the source file do not change it; any value does.
    /// The same on every run and platform.
    pub fn hash(&self) -> u64 {
        fnv1a64(self.to_toml_string().as_bytes())
    }

    /// [`Target::hash`] as 16 lowercase hex digits.
    pub fn hash_hex(&self) -> String {
        format!("{:016x}", self.hash())
    }

    // ----- derived quantities -------------------------------------------------------------

    /// Tiles on the chip.
    pub fn total_tiles(&self) -> u64 {
        u64::from(self.chip.tiles_x) * u64::from(self.chip.tiles_y)
    }

    /// PEs per tile.
    pub fn pes_per_tile(&self) -> u64 {
        u64::from(self.chip.pes_per_tile_x) * u64::from(self.chip.pes_per_tile_y)
    }

    /// PEs on the chip.
    pub fn total_pes(&self) -> u64 {
        self.total_tiles().saturating_mul(self.pes_per_tile())
    }

    /// Crossbars per PE.
    pub fn crossbars_per_pe(&self) -> u64 {
        u64::from(self.chip.crossbars_per_pe_x) * u64::from(self.chip.crossbars_per_pe_y)
    }

    /// Crossbars per tile.
    pub fn crossbars_per_tile(&self) -> u64 {
        self.pes_per_tile().saturating_mul(self.crossbars_per_pe())
    }

    /// Crossbars on the chip.
    pub fn total_crossbars(&self) -> u64 {
        self.total_tiles().saturating_mul(self.crossbars_per_tile())
    }

    /// Cells per crossbar (rows x cols).
    pub fn cells_per_crossbar(&self) -> u64 {
        u64::from(self.crossbar.rows) * u64::from(self.crossbar.cols)
    }

    /// Columns one weight spans: weight_bits / bits_per_cell.
    pub fn columns_per_weight(&self) -> u32 {
        self.precision.weight_bits / self.crossbar.bits_per_cell.max(1)
    }

    /// Weights one crossbar holds: rows x floor(cols / columns_per_weight).
    pub fn weights_per_crossbar(&self) -> u64 {
        u64::from(self.crossbar.rows)
            * u64::from(self.crossbar.cols / self.columns_per_weight().max(1))
    }

    /// Weights the whole chip holds at once.
    pub fn chip_weight_capacity(&self) -> u64 {
        self.total_crossbars()
            .saturating_mul(self.weights_per_crossbar())
    }

    /// Weight-matrix rows one PE covers (crossbars_per_pe_y x rows).
    pub fn pe_rows(&self) -> u64 {
        u64::from(self.chip.crossbars_per_pe_y) * u64::from(self.crossbar.rows)
    }

    /// Weight-matrix columns (whole weights) one PE covers.
    pub fn pe_weight_cols(&self) -> u64 {
        u64::from(self.chip.crossbars_per_pe_x)
            * u64::from(self.crossbar.cols / self.columns_per_weight().max(1))
    }

    /// Weight-matrix rows one tile covers.
    pub fn tile_rows(&self) -> u64 {
        u64::from(self.chip.pes_per_tile_y) * self.pe_rows()
    }

    /// Weight-matrix columns (whole weights) one tile covers.
    pub fn tile_weight_cols(&self) -> u64 {
        u64::from(self.chip.pes_per_tile_x) * self.pe_weight_cols()
    }

    /// Activations (elements at `activation_bits` each) that a buffer of `bytes` holds: the unit in
    /// which the ISA addresses buffers.
    pub fn buffer_elements(&self, bytes: u64) -> u64 {
        bytes * 8 / u64::from(self.precision.activation_bits.max(1))
    }

    /// The bandwidth of the buffer port that data moved on chip goes through (`copy`): the global
    /// buffer's, or the tiles' on a chip without one, GB/s.
    pub fn move_bandwidth_gb_s(&self) -> f64 {
        let b = &self.buffers;
        if b.global_bytes > 0 {
            b.global_bandwidth_gb_s
        } else {
            b.tile_bandwidth_gb_s
        }
    }

    /// Bytes of one DRAM burst: eight beats of the `dram.bus_bits` bus. The DRAM channel and the
    /// buffer port serve a transfer burst by burst, so that transfers queued on them interleave.
    pub fn burst_bytes(&self) -> f64 {
        f64::from(self.dram.bus_bits)
    }

    /// One burst ([`Target::burst_bytes`]) on the DRAM channel, ns.
    pub fn dram_burst_ns(&self) -> f64 {
        self.burst_bytes() / self.dram.bandwidth_gb_s
    }

    /// One burst read and written through the buffer port (a `copy`), ns.
    pub fn move_burst_ns(&self) -> f64 {
        2.0 * self.burst_bytes() / self.move_bandwidth_gb_s()
    }

    /// Bytes of one crossbar's input vector: rows x activation_bits / 8, rounded up.
    pub fn input_vector_bytes(&self) -> u64 {
        (u64::from(self.crossbar.rows) * u64::from(self.precision.activation_bits)).div_ceil(8)
    }

    /// Activations needed to apply one full-precision input vector:
    /// ceil(activation_bits / input_bits_per_cycle) x ceil(rows / rows_read_in_parallel).
    pub fn activations_per_input_vector(&self) -> u64 {
        let p = &self.precision;
        let x = &self.crossbar;
        u64::from(p.activation_bits.div_ceil(p.input_bits_per_cycle.max(1)))
            * u64::from(x.rows.div_ceil(x.rows_read_in_parallel.max(1)))
    }

    /// Bits of the largest possible column sum of one activation (the ADC needs no more).
    pub fn column_sum_bits(&self) -> u32 {
        validate::column_sum_bits(
            self.crossbar.rows_read_in_parallel,
            self.crossbar.bits_per_cell,
            self.precision.input_bits_per_cycle,
        )
    }

    /// Time of one activation of a crossbar, ns: the array read overlaps the conversions of the
    /// previous activation (sample-and-hold), so max(read, columns_per_adc x ADC) + shift-and-add.
    pub fn crossbar_step_ns(&self) -> f64 {
        let x = &self.crossbar;
        x.read_latency_ns
            .max(f64::from(x.columns_per_adc) * x.adc_latency_ns)
            + x.shift_add_latency_ns
    }

    /// Energy of one activation of a full crossbar, pJ: read + cols x (ADC + shift-and-add).
    pub fn crossbar_activation_energy_pj(&self) -> f64 {
        let x = &self.crossbar;
        x.read_energy_pj + f64::from(x.cols) * (x.adc_energy_pj + x.shift_add_energy_pj)
    }

    /// Time to write one whole crossbar (all rows, one after another), ns.
    pub fn crossbar_write_ns(&self) -> f64 {
        f64::from(self.crossbar.rows) * self.crossbar.write_latency_ns_per_row
    }

    /// Energy to write one whole crossbar, pJ.
    pub fn crossbar_write_energy_pj(&self) -> f64 {
        self.cells_per_crossbar() as f64 * self.crossbar.write_energy_pj_per_cell
    }

    /// Clock period, ns.
    pub fn clock_period_ns(&self) -> f64 {
        1.0 / self.chip.clock_ghz
    }

    /// Total chip area, mm^2 (sum of the `[area]` components).
    pub fn area_total_mm2(&self) -> f64 {
        self.area.total_mm2()
    }

    /// Total static power, mW (sum of the `[leakage]` components).
    pub fn leakage_total_mw(&self) -> f64 {
        self.leakage.total_mw()
    }
}

/// The TOML text of a built-in preset.
fn preset_text(name: &str) -> Result<&'static str, TargetError> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| TargetError::UnknownPreset {
            name: name.to_string(),
            available: PRESET_NAMES.join(", "),
        })
}

/// A parser message on one line (toml puts hints on following lines).
fn one_line(message: &str) -> String {
    message
        .trim()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// FNV-1a, 64 bit.
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
}

/// 1-based line and column (in characters) of the start of `span`; (1, 1) without a span.
fn line_column(text: &str, span: Option<Range<usize>>) -> (usize, usize) {
    let Some(span) = span else { return (1, 1) };
    let mut at = span.start.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}
