//! Validation of a [`Target`]: rejects descriptions that describe no machine, or nonsense.
//!
//! The checks run in a fixed order (name, counts, precision, limits, sizes, rates, costs, ADC),
//! and the first failure is returned.

use super::{Target, TargetError};

/// Every count that must be at least 1, with what it means.
fn counts(t: &Target) -> [(&'static str, u64, &'static str); 19] {
    let (c, x, p) = (&t.chip, &t.crossbar, &t.precision);
    [
        (
            "chip.technology_nm",
            c.technology_nm.into(),
            "give the CMOS node in nm (e.g. 22)",
        ),
        (
            "chip.tiles_x",
            c.tiles_x.into(),
            "a chip needs at least one tile along x",
        ),
        (
            "chip.tiles_y",
            c.tiles_y.into(),
            "a chip needs at least one tile along y",
        ),
        (
            "chip.pes_per_tile_x",
            c.pes_per_tile_x.into(),
            "a tile needs at least one PE along x",
        ),
        (
            "chip.pes_per_tile_y",
            c.pes_per_tile_y.into(),
            "a tile needs at least one PE along y",
        ),
        (
            "chip.crossbars_per_pe_x",
            c.crossbars_per_pe_x.into(),
            "a PE needs at least one crossbar along x",
        ),
        (
            "chip.crossbars_per_pe_y",
            c.crossbars_per_pe_y.into(),
            "a PE needs at least one crossbar along y",
        ),
        (
            "crossbar.rows",
            x.rows.into(),
            "a crossbar needs at least one row (e.g. 128)",
        ),
        (
            "crossbar.cols",
            x.cols.into(),
            "a crossbar needs at least one column (e.g. 128)",
        ),
        (
            "crossbar.bits_per_cell",
            x.bits_per_cell.into(),
            "a cell stores at least 1 bit",
        ),
        (
            "crossbar.rows_read_in_parallel",
            x.rows_read_in_parallel.into(),
            "at least one row is read per activation (crossbar.rows = fully parallel)",
        ),
        (
            "crossbar.adc_bits",
            x.adc_bits.into(),
            "the ADC resolves at least 1 bit",
        ),
        (
            "crossbar.columns_per_adc",
            x.columns_per_adc.into(),
            "each ADC serves at least one column",
        ),
        (
            "crossbar.concurrent_writes",
            x.concurrent_writes.into(),
            "the chip writes at least one crossbar at a time",
        ),
        (
            "precision.weight_bits",
            p.weight_bits.into(),
            "weights need at least 1 bit (e.g. 8)",
        ),
        (
            "precision.activation_bits",
            p.activation_bits.into(),
            "activations need at least 1 bit (e.g. 8)",
        ),
        (
            "precision.input_bits_per_cycle",
            p.input_bits_per_cycle.into(),
            "use 1 for bit-serial input",
        ),
        (
            "vector.lanes",
            t.vector.lanes.into(),
            "the vector unit needs at least one lane",
        ),
        (
            "dram.bus_bits",
            t.dram.bus_bits.into(),
            "a DRAM burst is eight beats of the bus (e.g. 64)",
        ),
    ]
}

/// Every rate that must be strictly positive, with its unit.
fn rates(t: &Target) -> Vec<(&'static str, f64, &'static str)> {
    let mut r = vec![("chip.clock_ghz", t.chip.clock_ghz, "GHz")];
    if t.buffers.global_bytes > 0 {
        r.push((
            "buffers.global_bandwidth_gb_s",
            t.buffers.global_bandwidth_gb_s,
            "GB/s",
        ));
    }
    r.extend([
        (
            "buffers.tile_bandwidth_gb_s",
            t.buffers.tile_bandwidth_gb_s,
            "GB/s",
        ),
        (
            "buffers.pe_bandwidth_gb_s",
            t.buffers.pe_bandwidth_gb_s,
            "GB/s",
        ),
        (
            "interconnect.pe_link_bandwidth_gb_s",
            t.interconnect.pe_link_bandwidth_gb_s,
            "GB/s",
        ),
        (
            "interconnect.global_bandwidth_gb_s",
            t.interconnect.global_bandwidth_gb_s,
            "GB/s",
        ),
        ("dram.bandwidth_gb_s", t.dram.bandwidth_gb_s, "GB/s"),
    ]);
    r
}

/// Every cost that must be finite and non-negative, with its unit.
fn costs(t: &Target) -> [(&'static str, f64, &'static str); 29] {
    let (x, b, i, v, d, l, a) = (
        &t.crossbar,
        &t.buffers,
        &t.interconnect,
        &t.vector,
        &t.dram,
        &t.leakage,
        &t.area,
    );
    [
        ("crossbar.read_latency_ns", x.read_latency_ns, "ns"),
        ("crossbar.read_energy_pj", x.read_energy_pj, "pJ"),
        ("crossbar.adc_latency_ns", x.adc_latency_ns, "ns"),
        ("crossbar.adc_energy_pj", x.adc_energy_pj, "pJ"),
        (
            "crossbar.shift_add_latency_ns",
            x.shift_add_latency_ns,
            "ns",
        ),
        ("crossbar.shift_add_energy_pj", x.shift_add_energy_pj, "pJ"),
        (
            "crossbar.accumulate_latency_ns",
            x.accumulate_latency_ns,
            "ns",
        ),
        (
            "crossbar.accumulate_energy_pj",
            x.accumulate_energy_pj,
            "pJ",
        ),
        (
            "crossbar.write_latency_ns_per_row",
            x.write_latency_ns_per_row,
            "ns",
        ),
        (
            "crossbar.write_energy_pj_per_cell",
            x.write_energy_pj_per_cell,
            "pJ",
        ),
        (
            "buffers.global_bandwidth_gb_s",
            b.global_bandwidth_gb_s,
            "GB/s",
        ),
        ("buffers.energy_pj_per_bit", b.energy_pj_per_bit, "pJ/bit"),
        ("interconnect.latency_ns", i.latency_ns, "ns"),
        (
            "interconnect.energy_pj_per_bit",
            i.energy_pj_per_bit,
            "pJ/bit",
        ),
        ("vector.op_latency_ns", v.op_latency_ns, "ns"),
        ("vector.op_energy_pj", v.op_energy_pj, "pJ"),
        ("dram.energy_pj_per_bit", d.energy_pj_per_bit, "pJ/bit"),
        ("dram.latency_ns", d.latency_ns, "ns"),
        ("leakage.cim_arrays_mw", l.cim_arrays_mw, "mW"),
        ("leakage.adc_mw", l.adc_mw, "mW"),
        ("leakage.accumulation_mw", l.accumulation_mw, "mW"),
        ("leakage.interconnect_mw", l.interconnect_mw, "mW"),
        ("leakage.other_mw", l.other_mw, "mW"),
        ("area.cim_arrays_mm2", a.cim_arrays_mm2, "mm^2"),
        ("area.adc_mm2", a.adc_mm2, "mm^2"),
        ("area.accumulation_mm2", a.accumulation_mm2, "mm^2"),
        ("area.interconnect_mm2", a.interconnect_mm2, "mm^2"),
        ("area.other_mm2", a.other_mm2, "mm^2"),
        ("area.unattributed_mm2", a.unattributed_mm2, "mm^2"),
    ]
}

/// Bits needed to represent every value 0..=`max_sum` of one column in one activation.
pub(super) fn column_sum_bits(rows_parallel: u32, bits_per_cell: u32, input_bits: u32) -> u32 {
    let levels = |bits: u32| -> u128 {
        if bits >= 64 {
            u128::from(u64::MAX)
        } else {
            (1u128 << bits) - 1
        }
    };
    let max_sum = u128::from(rows_parallel)
        .saturating_mul(levels(bits_per_cell))
        .saturating_mul(levels(input_bits));
    128 - max_sum.leading_zeros()
}

/// Runs every check; `origin` names the description in the messages.
/// The most crossbars a chip may have: the compiler and the simulators keep state per crossbar
/// (2^20, over a hundred times the largest preset).
pub const MAX_CROSSBARS: u64 = 1 << 20;

pub(super) fn validate(t: &Target, origin: &str) -> Result<(), TargetError> {
    let origin = || origin.to_string();

    if t.chip.name.trim().is_empty() {
        return Err(TargetError::EmptyName { origin: origin() });
    }

    for (field, value, hint) in counts(t) {
        if value == 0 {
            return Err(TargetError::ZeroCount {
                origin: origin(),
                field,
                hint,
            });
        }
    }

    let (x, p) = (&t.crossbar, &t.precision);
    if p.weight_bits % x.bits_per_cell != 0 {
        let bpc = u64::from(x.bits_per_cell);
        return Err(TargetError::WeightBitsNotMultiple {
            origin: origin(),
            weight_bits: p.weight_bits,
            bits_per_cell: x.bits_per_cell,
            suggestion: u64::from(p.weight_bits).div_ceil(bpc) * bpc,
        });
    }

    let total_crossbars = t
        .chip
        .tiles_x
        .checked_mul(t.chip.tiles_y)
        .map(u64::from)
        .and_then(|n| {
            n.checked_mul(u64::from(t.chip.pes_per_tile_x) * u64::from(t.chip.pes_per_tile_y))
        })
        .and_then(|n| {
            n.checked_mul(
                u64::from(t.chip.crossbars_per_pe_x) * u64::from(t.chip.crossbars_per_pe_y),
            )
        })
        .ok_or(TargetError::TooLarge {
            origin: origin(),
            what: "the number of crossbars",
        })?;
    if total_crossbars > MAX_CROSSBARS {
        return Err(TargetError::TooManyCrossbars {
            origin: origin(),
            crossbars: total_crossbars,
            max: MAX_CROSSBARS,
        });
    }
    total_crossbars
        .checked_mul(u64::from(x.rows) * u64::from(x.cols))
        .ok_or(TargetError::TooLarge {
            origin: origin(),
            what: "the number of cells",
        })?;

    let limits: [(&'static str, u64, &'static str, u64, &'static str); 5] = [
        (
            "crossbar.rows_read_in_parallel",
            x.rows_read_in_parallel.into(),
            "crossbar.rows",
            x.rows.into(),
            "at most all rows can be read at once; set it to crossbar.rows for a fully parallel read",
        ),
        (
            "crossbar.columns_per_adc",
            x.columns_per_adc.into(),
            "crossbar.cols",
            x.cols.into(),
            "an ADC cannot serve more columns than the crossbar has",
        ),
        (
            "columns per weight (precision.weight_bits / crossbar.bits_per_cell)",
            (p.weight_bits / x.bits_per_cell).into(),
            "crossbar.cols",
            x.cols.into(),
            "a crossbar must hold at least one weight: widen the crossbar, store more bits per cell or use fewer weight bits",
        ),
        (
            "precision.input_bits_per_cycle",
            p.input_bits_per_cycle.into(),
            "precision.activation_bits",
            p.activation_bits.into(),
            "an activation cannot apply more input bits than an activation has",
        ),
        (
            "crossbar.concurrent_writes",
            x.concurrent_writes.into(),
            "total crossbars",
            total_crossbars,
            "the chip cannot write more crossbars at once than it has",
        ),
    ];
    for (field, value, limit_field, limit, hint) in limits {
        if value > limit {
            return Err(TargetError::ExceedsLimit {
                origin: origin(),
                field,
                value,
                limit_field,
                limit,
                hint,
            });
        }
    }

    let needed = t.input_vector_bytes();
    let mut buffers = vec![
        ("buffers.tile_bytes", t.buffers.tile_bytes),
        ("buffers.pe_bytes", t.buffers.pe_bytes),
    ];
    if t.buffers.global_bytes > 0 {
        buffers.insert(0, ("buffers.global_bytes", t.buffers.global_bytes));
    }
    for (field, bytes) in buffers {
        if bytes < needed {
            return Err(TargetError::BufferTooSmall {
                origin: origin(),
                field,
                bytes,
                needed,
                rows: x.rows,
                activation_bits: p.activation_bits,
            });
        }
    }

    for (field, value, unit) in rates(t) {
        if !(value.is_finite() && value > 0.0) {
            return Err(TargetError::NotPositive {
                origin: origin(),
                field,
                value,
                unit,
            });
        }
    }
    for (field, value, unit) in costs(t) {
        if !(value.is_finite() && value >= 0.0) {
            return Err(TargetError::NegativeCost {
                origin: origin(),
                field,
                value,
                unit,
            });
        }
    }
    let area = t.area.total_mm2();
    if area <= 0.0 {
        return Err(TargetError::NotPositive {
            origin: origin(),
            field: "area (sum of all [area] fields)",
            value: area,
            unit: "mm^2",
        });
    }

    let max_bits = column_sum_bits(
        x.rows_read_in_parallel,
        x.bits_per_cell,
        p.input_bits_per_cycle,
    );
    if x.adc_bits > max_bits {
        return Err(TargetError::AdcTooWide {
            origin: origin(),
            adc_bits: x.adc_bits,
            max_bits,
            rows_parallel: x.rows_read_in_parallel,
            bits_per_cell: x.bits_per_cell,
            input_bits: p.input_bits_per_cycle,
        });
    }
    Ok(())
}
