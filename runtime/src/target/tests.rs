//! Unit tests of target loading, validation, derived quantities, hashing and of the calibration
//! of `compact-4x4` against the reference VGG-8 numbers (docs/targets.md §5).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn compact() -> Target {
    Target::preset("compact-4x4").expect("compact-4x4 loads")
}

/// The preset's TOML text with the first line assigning `key` replaced by `key = value`.
fn with_line(preset: &str, key: &str, value: &str) -> String {
    let text = PRESETS
        .iter()
        .find(|(n, _)| *n == preset)
        .map(|(_, t)| *t)
        .unwrap();
    let mut done = false;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if !done && (t.starts_with(&format!("{key} ")) || t.starts_with(&format!("{key}="))) {
                done = true;
                format!("{key} = {value}")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(done, "no line for {key}");
    lines.join("\n")
}

fn area_close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-4
}

#[test]
fn every_preset_loads_validates_and_round_trips() {
    assert_eq!(Target::preset_names().len(), PRESETS.len());
    for (name, (pname, _)) in Target::preset_names().iter().zip(PRESETS) {
        assert_eq!(name, pname);
        let t = Target::preset(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(t.chip.name, *name, "preset file name and [chip] name agree");
        t.validate().unwrap();
        let canonical = t.to_toml_string();
        let back = Target::from_toml_str(&canonical, "canonical").unwrap();
        assert_eq!(back, t, "{name}: canonical TOML round-trips");
        assert_eq!(back.hash(), t.hash());
        assert_eq!(
            Target::load(name).unwrap(),
            t,
            "load() of a bare name is the preset"
        );
    }
}

#[test]
fn compact_derived_quantities() {
    let t = compact();
    assert_eq!(t.total_tiles(), 16);
    assert_eq!(t.pes_per_tile(), 16);
    assert_eq!(t.crossbars_per_pe(), 16);
    assert_eq!(t.crossbars_per_tile(), 256);
    assert_eq!(t.total_crossbars(), 4 * 4 * 4 * 4 * 4 * 4);
    assert_eq!(t.cells_per_crossbar(), 128 * 128);
    assert_eq!(t.columns_per_weight(), 8);
    assert_eq!(t.weights_per_crossbar(), 128 * 16);
    assert_eq!(t.chip_weight_capacity(), 8_388_608);
    assert_eq!(t.tile_rows(), 2048);
    assert_eq!(t.tile_weight_cols(), 256);
    assert_eq!(t.pe_rows(), 512);
    assert_eq!(t.pe_weight_cols(), 64);
    assert_eq!(t.input_vector_bytes(), 128);
    assert_eq!(t.activations_per_input_vector(), 8);
    assert_eq!(t.column_sum_bits(), 8);
    assert!(
        area_close(t.area_total_mm2(), 30.5869),
        "{}",
        t.area_total_mm2()
    );
    assert!((t.clock_period_ns() - 1.0).abs() < 1e-12);
}

#[test]
fn other_presets_derived_quantities() {
    let u = Target::preset("unlimited-6x6").unwrap();
    assert_eq!(u.total_crossbars(), 36 * 256);
    assert_eq!(u.chip_weight_capacity(), 18_874_368);
    assert!(
        area_close(u.area_total_mm2(), 69.2187),
        "{}",
        u.area_total_mm2()
    );

    let i = Target::preset("isaac-rram").unwrap();
    assert_eq!(i.total_tiles(), 168);
    assert_eq!(i.crossbars_per_tile(), 96);
    assert_eq!(i.columns_per_weight(), 8);
    assert_eq!(i.weights_per_crossbar(), 128 * 16);
    assert_eq!(i.chip_weight_capacity(), 168 * 12 * 8 * 2048);
    assert_eq!(i.column_sum_bits(), 9);
    assert!(
        (i.area_total_mm2() - 85.4).abs() < 0.05,
        "{}",
        i.area_total_mm2()
    );
    // 128 conversions at 1.2 GS/s bound the step, not the 100 ns array read.
    assert!((i.crossbar_step_ns() - (128.0 / 1.2 + 0.8333333)).abs() < 1e-4);
    assert!(i.crossbar.cell.is_non_volatile());
}

// ----- calibration of compact-4x4 (docs/targets.md §5) ---------------------------------------

/// One VGG-8 layer on the compact chip, with the reference NeuroSim numbers.
struct Layer {
    /// Weight-matrix rows (Cin x K x K).
    rows: u64,
    /// Output channels.
    cout: u64,
    /// Input vectors (output pixels).
    px: u64,
    /// Total copies (subarray x PE x tile duplication).
    copies: u64,
    /// Tile copies.
    tile_copies: u64,
    /// Read latency t_l, ns.
    t_ns: f64,
    /// Read energy, pJ (NaN: not given).
    energy_pj: f64,
    /// Weight-write latency, ns (NaN: not given).
    write_ns: f64,
}

/// `[rows, cout, px, copies, tile_copies]`, `[t_ns, energy_pj, write_ns]`.
const fn layer(n: [u64; 5], r: [f64; 3]) -> Layer {
    Layer {
        rows: n[0],
        cout: n[1],
        px: n[2],
        copies: n[3],
        tile_copies: n[4],
        t_ns: r[0],
        energy_pj: r[1],
        write_ns: r[2],
    }
}

/// VGG-8 on the compact chip, from the reference document (L2 twice: one and two tile copies).
const VGG8: &[Layer] = &[
    layer([27, 128, 1024, 32, 1], [61_517.3, 2.26861e6, 61.09]),
    layer([1152, 128, 1024, 2, 1], [437_979.0, 1.28352e7, 549.8]),
    layer([1152, 128, 1024, 4, 2], [221_778.0, f64::NAN, f64::NAN]),
    layer([1152, 256, 256, 1, 1], [145_149.0, 6.43079e6, 1_099.6]),
    layer([2304, 256, 256, 1, 1], [134_305.0, 1.20022e7, 2_199.3]),
    layer([2304, 512, 64, 1, 1], [25_341.1, 5.99708e6, 4_398.5]),
    layer([4608, 512, 64, 1, 1], [27_422.4, 1.13551e7, 8_797.1]),
    layer([8192, 1024, 1, 1, 1], [392.479, 624_824.0, 31_278.5]),
    layer([1024, 10, 1, 1, 1], [435.724, 2_318.06, 61.09]),
];

fn crossbars_of(t: &Target, rows: u64, cout: u64) -> u64 {
    let r = u64::from(t.crossbar.rows);
    let c = u64::from(t.crossbar.cols);
    rows.div_ceil(r) * (cout * u64::from(t.columns_per_weight())).div_ceil(c)
}

#[test]
fn calibration_weight_write_law() {
    // §5.1: write latency = occupied crossbars x rows x write_latency_ns_per_row / concurrent_writes.
    let t = compact();
    for l in VGG8.iter().filter(|l| !l.write_ns.is_nan()) {
        let n = crossbars_of(&t, l.rows, l.cout) as f64;
        let model = n * t.crossbar_write_ns() / f64::from(t.crossbar.concurrent_writes);
        let res = (model - l.write_ns) / l.write_ns;
        assert!(
            res.abs() < 1e-4,
            "rows {} cout {}: {model} vs {}",
            l.rows,
            l.cout,
            l.write_ns
        );
    }
}

#[test]
fn calibration_read_energy() {
    // §5.2: E = A x E_act + (B_in + B_out) x (e_buf + e_ic) + N_out x e_acc, within 3 %.
    let t = compact();
    let a_bits = f64::from(t.precision.activation_bits);
    let per_bit = t.buffers.energy_pj_per_bit + t.interconnect.energy_pj_per_bit;
    for l in VGG8.iter().filter(|l| !l.energy_pj.is_nan()) {
        let acts =
            (crossbars_of(&t, l.rows, l.cout) * l.px * t.activations_per_input_vector()) as f64;
        let b_in = (l.rows * l.px) as f64 * a_bits;
        let b_out = (l.cout * l.px) as f64 * a_bits;
        let model = acts * t.crossbar_activation_energy_pj()
            + (b_in + b_out) * per_bit
            + (l.cout * l.px) as f64 * t.crossbar.accumulate_energy_pj;
        let res = (model - l.energy_pj) / l.energy_pj;
        assert!(
            res.abs() < 0.03,
            "rows {} cout {}: {model} vs {} ({res:+.3})",
            l.rows,
            l.cout,
            l.energy_pj
        );
    }
}

#[test]
fn calibration_read_latency() {
    // §5.3: t = ceil(px / copies) x steps x t_step + bits through the busiest PE / tile copies / link,
    // within 21 % on every layer and 12 % rms.
    let t = compact();
    let a_bits = u64::from(t.precision.activation_bits);
    let ns_per_bit = 1.0 / (t.interconnect.pe_link_bandwidth_gb_s * 8.0);
    let mut sq = 0.0;
    for l in VGG8 {
        let steps = (l.px.div_ceil(l.copies) * t.activations_per_input_vector()) as f64;
        let pe_bits =
            ((l.rows.min(t.pe_rows()) + l.cout.min(t.pe_weight_cols())) * l.px * a_bits) as f64;
        let model = steps * t.crossbar_step_ns() + pe_bits / l.tile_copies as f64 * ns_per_bit;
        let res = (model - l.t_ns) / l.t_ns;
        assert!(
            res.abs() < 0.21,
            "rows {} cout {}: {model} vs {} ({res:+.3})",
            l.rows,
            l.cout,
            l.t_ns
        );
        sq += res * res;
    }
    assert!((sq / VGG8.len() as f64).sqrt() < 0.12);
    // The interconnect share of L2 (one tile copy) is 339,715 ns in the reference.
    let l2_ic = ((512 + 64) * 1024 * a_bits) as f64 * ns_per_bit;
    assert!(((l2_ic - 339_715.0) / 339_715.0).abs() < 0.07, "{l2_ic}");
}

// ----- nonsense targets ------------------------------------------------------------------------

fn invalid(edit: impl FnOnce(&mut Target)) -> TargetError {
    let mut t = compact();
    edit(&mut t);
    t.validate().expect_err("edited target must be rejected")
}

#[test]
fn zero_counts_are_rejected_by_field() {
    type Edit = fn(&mut Target);
    let cases: [(&str, Edit); 10] = [
        ("chip.tiles_x", |t| t.chip.tiles_x = 0),
        ("chip.tiles_y", |t| t.chip.tiles_y = 0),
        ("chip.pes_per_tile_x", |t| t.chip.pes_per_tile_x = 0),
        ("chip.pes_per_tile_y", |t| t.chip.pes_per_tile_y = 0),
        ("chip.crossbars_per_pe_x", |t| t.chip.crossbars_per_pe_x = 0),
        ("chip.crossbars_per_pe_y", |t| t.chip.crossbars_per_pe_y = 0),
        ("crossbar.rows", |t| t.crossbar.rows = 0),
        ("crossbar.cols", |t| t.crossbar.cols = 0),
        ("precision.activation_bits", |t| {
            t.precision.activation_bits = 0
        }),
        ("dram.bus_bits", |t| t.dram.bus_bits = 0),
    ];
    for (field, edit) in cases {
        let e = invalid(edit);
        assert!(
            matches!(&e, TargetError::ZeroCount { field: f, .. } if *f == field),
            "{field}: {e:?}"
        );
        let msg = e.to_string();
        assert!(msg.contains(field) && msg.contains("is 0"), "{msg}");
    }
}

#[test]
fn zero_count_from_text_names_origin_and_field() {
    let text = with_line("compact-4x4", "tiles_x", "0");
    let e = Target::from_toml_str(&text, "chips/bad.toml").unwrap_err();
    assert!(
        matches!(
            e,
            TargetError::ZeroCount {
                field: "chip.tiles_x",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("chips/bad.toml: `chip.tiles_x` is 0"),
        "{e}"
    );
}

#[test]
fn weight_bits_must_be_a_multiple_of_cell_bits() {
    let text = with_line("isaac-rram", "weight_bits", "15");
    let e = Target::from_toml_str(&text, "isaac-15.toml").unwrap_err();
    match &e {
        TargetError::WeightBitsNotMultiple {
            weight_bits: 15,
            bits_per_cell: 2,
            suggestion: 16,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("precision.weight_bits") && msg.contains("crossbar.bits_per_cell"),
        "{msg}"
    );
}

#[test]
fn buffers_must_hold_one_input_vector() {
    let e = invalid(|t| t.buffers.pe_bytes = 64);
    match &e {
        TargetError::BufferTooSmall {
            field: "buffers.pe_bytes",
            bytes: 64,
            needed: 128,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("buffers.pe_bytes") && e.to_string().contains("at least 128 B"));
    let e = invalid(|t| t.buffers.global_bytes = 100);
    assert!(
        matches!(
            e,
            TargetError::BufferTooSmall {
                field: "buffers.global_bytes",
                ..
            }
        ),
        "{e:?}"
    );
    // No global buffer at all is allowed (ISAAC has none).
    let mut t = compact();
    t.buffers.global_bytes = 0;
    t.buffers.global_bandwidth_gb_s = 0.0;
    t.validate().unwrap();
}

#[test]
fn rates_must_be_positive() {
    type Edit = fn(&mut Target);
    let cases: [(&str, Edit); 5] = [
        ("chip.clock_ghz", |t| t.chip.clock_ghz = 0.0),
        ("chip.clock_ghz", |t| t.chip.clock_ghz = f64::NAN),
        ("dram.bandwidth_gb_s", |t| t.dram.bandwidth_gb_s = -136.5),
        ("interconnect.pe_link_bandwidth_gb_s", |t| {
            t.interconnect.pe_link_bandwidth_gb_s = 0.0
        }),
        ("buffers.tile_bandwidth_gb_s", |t| {
            t.buffers.tile_bandwidth_gb_s = f64::INFINITY
        }),
    ];
    for (field, edit) in cases {
        let e = invalid(edit);
        assert!(
            matches!(&e, TargetError::NotPositive { field: f, .. } if *f == field),
            "{field}: {e:?}"
        );
        assert!(e.to_string().contains(field));
    }
}

#[test]
fn costs_must_be_non_negative() {
    let e = invalid(|t| t.crossbar.adc_energy_pj = -0.1);
    assert!(
        matches!(
            e,
            TargetError::NegativeCost {
                field: "crossbar.adc_energy_pj",
                ..
            }
        ),
        "{e:?}"
    );
    let e = invalid(|t| t.area.cim_arrays_mm2 = f64::NAN);
    assert!(e.to_string().contains("area.cim_arrays_mm2"), "{e}");
}

#[test]
fn nonsense_adc_is_rejected() {
    // 128 rows x 1-bit cells x 1-bit inputs: a column sum never exceeds 128, i.e. 8 bits.
    let e = invalid(|t| t.crossbar.adc_bits = 12);
    match &e {
        TargetError::AdcTooWide {
            adc_bits: 12,
            max_bits: 8,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("crossbar.adc_bits"));
    // Exactly enough is fine.
    let mut t = compact();
    t.crossbar.adc_bits = 8;
    t.validate().unwrap();
}

#[test]
fn limits_between_fields() {
    let e = invalid(|t| t.crossbar.rows_read_in_parallel = 256);
    assert!(
        matches!(
            e,
            TargetError::ExceedsLimit {
                field: "crossbar.rows_read_in_parallel",
                limit: 128,
                ..
            }
        ),
        "{e:?}"
    );
    let e = invalid(|t| t.crossbar.columns_per_adc = 129);
    assert!(e.to_string().contains("crossbar.columns_per_adc"), "{e}");
    let e = invalid(|t| {
        t.precision.weight_bits = 256;
    });
    assert!(e.to_string().contains("columns per weight"), "{e}");
    let e = invalid(|t| t.chip.name = "  ".into());
    assert!(matches!(e, TargetError::EmptyName { .. }), "{e:?}");
    let e = invalid(|t| {
        t.chip.tiles_x = u32::MAX;
        t.chip.tiles_y = u32::MAX;
        t.chip.pes_per_tile_x = u32::MAX;
    });
    assert!(matches!(e, TargetError::TooLarge { .. }), "{e:?}");
    let e = invalid(|t| {
        t.chip.tiles_x = 100_000;
        t.chip.tiles_y = 1_000;
    });
    assert!(matches!(e, TargetError::TooManyCrossbars { .. }), "{e:?}");
    assert!(e.to_string().contains("at most 1048576"), "{e}");
}

// ----- parsing errors --------------------------------------------------------------------------

#[test]
fn syntax_error_reports_its_line() {
    let text = "[chip]\nname = \"x\"\ntiles_x = = 4\n";
    let e = Target::from_toml_str(text, "broken.toml").unwrap_err();
    match &e {
        TargetError::Syntax {
            line: 3, column, ..
        } => assert!(*column >= 1),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().starts_with("broken.toml:3:"), "{e}");
}

#[test]
fn unknown_field_is_named_with_its_line() {
    let text = with_line("compact-4x4", "adc_bits", "5\nadc_bitz = 5");
    let line = text
        .lines()
        .position(|l| l.starts_with("adc_bitz"))
        .unwrap()
        + 1;
    let e = Target::from_toml_str(&text, "typo.toml").unwrap_err();
    match &e {
        TargetError::UnknownField {
            line: l, message, ..
        } => {
            assert_eq!(*l, line, "{e}");
            assert!(message.contains("adc_bitz"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // An unknown section too.
    let text = format!(
        "{}\n[turbo]\nboost = 1\n",
        with_line("compact-4x4", "adc_bits", "5")
    );
    let e = Target::from_toml_str(&text, "typo.toml").unwrap_err();
    assert!(matches!(e, TargetError::UnknownField { .. }), "{e:?}");
    assert!(e.to_string().contains("turbo"), "{e}");
}

#[test]
fn missing_field_and_wrong_type_are_schema_errors() {
    let text = with_line("compact-4x4", "adc_bits", "5").replace("columns_per_adc = 8", "");
    let e = Target::from_toml_str(&text, "short.toml").unwrap_err();
    assert!(matches!(e, TargetError::Schema { .. }), "{e:?}");
    assert!(e.to_string().contains("columns_per_adc"), "{e}");
    let text = with_line("compact-4x4", "cell", "\"dram\"");
    let e = Target::from_toml_str(&text, "cell.toml").unwrap_err();
    assert!(matches!(e, TargetError::Schema { .. }), "{e:?}");
    assert!(e.to_string().contains("dram"), "{e}");
}

#[test]
fn unknown_preset_lists_the_presets() {
    let e = Target::preset("compact-8x8").unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, TargetError::UnknownPreset { .. }));
    for name in Target::preset_names() {
        assert!(msg.contains(name), "{msg}");
    }
    assert!(Target::load("compact-8x8").is_err());
}

#[test]
fn load_reads_paths() {
    let dir = std::env::temp_dir().join(format!("pim-target-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mine.toml");
    std::fs::write(&path, with_line("compact-4x4", "tiles_x", "2")).unwrap();
    let t = Target::load(path.to_str().unwrap()).unwrap();
    assert_eq!(t.chip.tiles_x, 2);
    assert_eq!(t.total_crossbars(), 2048);
    let missing = dir.join("absent.toml");
    let e = Target::load(missing.to_str().unwrap()).unwrap_err();
    assert!(matches!(e, TargetError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("absent.toml"));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ----- hashing ---------------------------------------------------------------------------------

#[test]
fn hash_is_stable_and_discriminating() {
    let a = compact();
    let b = compact();
    assert_eq!(a.hash(), b.hash());
    assert_eq!(a.hash_hex().len(), 16);
    let hashes: Vec<u64> = Target::preset_names()
        .iter()
        .map(|n| Target::preset(n).unwrap().hash())
        .collect();
    for i in 0..hashes.len() {
        for j in i + 1..hashes.len() {
            assert_ne!(hashes[i], hashes[j]);
        }
    }
    let mut c = compact();
    c.crossbar.adc_energy_pj += 1e-9;
    assert_ne!(c.hash(), a.hash(), "any value changes the hash");
    // Comments and layout do not.
    let text = PRESETS[0]
        .1
        .replace("# ref: 1 GHz", "# another comment")
        .replace("adc_bits = 5", "adc_bits   =   5");
    assert_eq!(Target::from_toml_str(&text, "x").unwrap().hash(), a.hash());
}

#[test]
fn fnv1a_matches_reference_vectors() {
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn canonical_text_is_plain_toml() {
    let text = compact().to_toml_string();
    assert!(
        text.starts_with("[chip]\nname = \"compact-4x4\"\n"),
        "{text}"
    );
    assert!(text.contains("\n[area]\n"));
    assert!(!text.contains('#'));
    let mut t = compact();
    t.chip.description = "quote \" backslash \\ newline \n tab \t".into();
    assert_eq!(Target::from_toml_str(&t.to_toml_string(), "x").unwrap(), t);
}

#[test]
fn line_column_counts_from_one() {
    assert_eq!(line_column("ab\ncd", Some(4..5)), (2, 2));
    assert_eq!(line_column("ab", None), (1, 1));
    assert_eq!(line_column("é\nx", Some(3..4)), (2, 1));
}

#[test]
fn area_scaling_keeps_the_base_chip() {
    let base = compact();
    let mut same = base.clone();
    same.scale_area_and_leakage_from(&base);
    assert_eq!(same.area, base.area);
    assert_eq!(same.leakage, base.leakage);
}

#[test]
fn area_scaling_predicts_the_6x6_chip_from_the_4x4() {
    // The reference's 6x6 chip is the 4x4 chip's tile 36 times instead of 16 (docs/targets.md §9).
    let base = compact();
    let reference = Target::preset("unlimited-6x6").unwrap();
    let mut six = base.clone();
    six.chip.tiles_x = 6;
    six.chip.tiles_y = 6;
    six.scale_area_and_leakage_from(&base);
    let error = six.area_total_mm2() / reference.area_total_mm2() - 1.0;
    assert!(error.abs() < 0.01, "6x6 area {} mm2", six.area_total_mm2());
    let leak = six.leakage_total_mw() / reference.leakage_total_mw() - 1.0;
    assert!(
        leak.abs() < 0.01,
        "6x6 leakage {} mW",
        six.leakage_total_mw()
    );
}

#[test]
fn area_scaling_follows_the_crossbar() {
    let base = compact();
    let mut big = base.clone();
    big.crossbar.rows = 256;
    big.crossbar.cols = 256;
    big.scale_area_and_leakage_from(&base);
    assert!((big.area.cim_arrays_mm2 / base.area.cim_arrays_mm2 - 4.0).abs() < 1e-12);
    assert!((big.area.adc_mm2 / base.area.adc_mm2 - 2.0).abs() < 1e-12);
    assert!((big.area.other_mm2 / base.area.other_mm2 - 2.0).abs() < 1e-12);
    assert_eq!(big.area.unattributed_mm2, base.area.unattributed_mm2);
}

#[test]
fn area_scaling_predicts_the_network_size_study_chips() {
    // The reference's 6x6 and 9x9 chips of 1024-cell tiles (2x2 PEs): about 17.5-18.1 and
    // 39.6-41.0 mm^2 (docs/targets.md §9).
    let base = compact();
    for (tiles, low, high) in [(6, 17.5, 18.1), (9, 39.6, 41.0)] {
        let mut chip = base.clone();
        (chip.chip.tiles_x, chip.chip.tiles_y) = (tiles, tiles);
        (chip.chip.pes_per_tile_x, chip.chip.pes_per_tile_y) = (2, 2);
        chip.scale_area_and_leakage_from(&base);
        let area = chip.area_total_mm2();
        assert!(
            area > 0.95 * low && area < 1.05 * high,
            "{tiles}x{tiles}: {area} mm2"
        );
    }
}

#[test]
fn source_gives_the_text_load_parses() {
    let (text, origin) = Target::source("compact-4x4").unwrap();
    assert_eq!(origin, "preset compact-4x4");
    assert_eq!(Target::from_toml_str(&text, &origin).unwrap(), compact());
    assert!(matches!(
        Target::source("nope"),
        Err(TargetError::UnknownPreset { .. })
    ));
}
